/**
 * The account page's phone number (issue 18 SMS, `…/me/phone`): the current
 * number and whether a texted code verified it; setting or changing it with
 * the current password (`phonesSelf.setPhoneNumber`, which texts a 6-digit
 * code to the new number); entering that code (`phonesSelf.confirmPhoneNumber`);
 * removing the number after an inline confirmation. The server checks
 * everything (re-authentication, the number's shape, the code, rate limits);
 * this page shows its problem+json refusals.
 *
 * @module
 */
import type { PhoneNumberStatus } from "@signet/contracts/accounts/Phones"
import { PhonesSelfApi } from "@signet/contracts/accounts/PhonesApi"
import { Redacted } from "effect"
import { useState } from "preact/hooks"
import { type ApiError, call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"

/** The form that sets or changes the number: the number, then the current password. */
const SetForm = ({ busy, onSet }: { busy: boolean; onSet: (phone: string, password: string) => Promise<boolean> }) => {
  const t = useT("account")
  const submit = (ev: Event) => {
    ev.preventDefault()
    const formEl = ev.target as HTMLFormElement
    const form = new FormData(formEl)
    const phone = String(form.get("phone") ?? "").trim()
    void onSet(phone, String(form.get("password") ?? "")).then((ok) => ok && formEl.reset())
  }
  return (
    <form onSubmit={submit} class="stack">
      <label>
        {t("phone.number")}
        <input name="phone" type="tel" autocomplete="tel" inputMode="tel" required maxLength={32} />
      </label>
      <span class="muted">{t("phone.numberHint")}</span>
      <label>
        {t("phone.password")}
        <input name="password" type="password" autocomplete="current-password" required maxLength={1024} />
      </label>
      <button type="submit" disabled={busy}>
        {t("phone.set")}
      </button>
    </form>
  )
}

/** The form that takes the code texted to the new number. */
const VerifyForm = ({ busy, onVerify }: { busy: boolean; onVerify: (code: string) => Promise<boolean> }) => {
  const t = useT("account")
  const submit = (ev: Event) => {
    ev.preventDefault()
    const formEl = ev.target as HTMLFormElement
    const code = String(new FormData(formEl).get("code") ?? "").trim()
    void onVerify(code).then((ok) => ok && formEl.reset())
  }
  return (
    <form onSubmit={submit} class="stack">
      <label>
        {t("phone.code")}
        <input name="code" autocomplete="one-time-code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} required />
      </label>
      <button type="submit" disabled={busy}>
        {t("phone.verify")}
      </button>
    </form>
  )
}

/** The number and its state, as a small list of facts. */
const Facts = ({ status }: { status: PhoneNumberStatus }) => {
  const t = useT("account")
  if (status.phone_number === null) return <p class="muted">{t("phone.none")}</p>
  return (
    <dl class="facts">
      <div>
        <dt>{t("phone.current")}</dt>
        <dd>{status.phone_number}</dd>
      </div>
      <div>
        <dt>{t("phone.state")}</dt>
        <dd>
          {status.verified
            ? status.verified_at
              ? t("phone.verifiedAt", { when: formatDateTime(status.verified_at) })
              : t("phone.verified")
            : t("phone.unverified")}
        </dd>
      </div>
    </dl>
  )
}

/** The phone-number section of the account page. */
export const Phone = ({ slug }: { slug: string }) => {
  const t = useT("account")
  const status = useLoad(() => call(PhonesSelfApi, (c) => c.phonesSelf.phoneStatus({ path: { slug } })), [slug])
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [note, setNote] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [confirming, setConfirming] = useState(false)
  /** Runs one change; its note on success, the problem+json on failure. True when it worked. */
  const run = async (f: () => Promise<string>) => {
    setBusy(true)
    setError(undefined)
    setNote(undefined)
    try {
      setNote(await f())
      status.reload()
      return true
    } catch (e) {
      setError(e as ApiError)
      return false
    } finally {
      setBusy(false)
    }
  }
  const set = (phone: string, password: string) =>
    run(async () => {
      await call(PhonesSelfApi, (c) =>
        c.phonesSelf.setPhoneNumber({
          path: { slug },
          payload: { phone_number: phone, password: Redacted.make(password) }
        })
      )
      return t("phone.sent")
    })
  const verify = (code: string) =>
    run(async () => {
      await call(PhonesSelfApi, (c) => c.phonesSelf.confirmPhoneNumber({ path: { slug }, payload: { code } }))
      return t("phone.done")
    })
  const remove = () =>
    run(async () => {
      await call(PhonesSelfApi, (c) => c.phonesSelf.removePhoneNumber({ path: { slug } }))
      setConfirming(false)
      return t("phone.removed")
    })
  const current = status.data
  return (
    <section class="card" aria-labelledby="phone-h">
      <h2 id="phone-h">{t("phone.title")}</h2>
      <p class="muted">{t("phone.intro")}</p>
      {status.loading && !current && <Loading />}
      <ErrorNote error={status.error ?? error} />
      {note && <output class="ok block">{note}</output>}
      {current && <Facts status={current} />}
      {current?.phone_number && !current.verified && <VerifyForm busy={busy} onVerify={verify} />}
      {current?.phone_number &&
        (confirming ? (
          <p role="alert">
            {t("phone.confirmRemove")}{" "}
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
              {t("phone.remove")}
            </button>{" "}
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              {t("phone.cancel")}
            </button>
          </p>
        ) : (
          <p>
            <button type="button" class="secondary" disabled={busy} onClick={() => setConfirming(true)}>
              {t("phone.remove")}
            </button>
          </p>
        ))}
      {current && (
        <details open={current.phone_number === null}>
          <summary>{current.phone_number === null ? t("phone.add") : t("phone.change")}</summary>
          <SetForm busy={busy} onSet={set} />
        </details>
      )}
    </section>
  )
}
