/**
 * The account page's two-step verification (issue 17 "Account: TOTP
 * enrolment with a QR image"): enrolment with the current password
 * (`enrollTotp`), the otpauth URI drawn as a QR image in the browser
 * (`qrcode`, a data: URL — no request leaves the page) with the key for
 * manual entry, confirmation with a code (`confirmTotp`), the ten recovery
 * codes shown once (copy, download); turning it off (`disableMfa`).
 *
 * @module
 */
import { SessionApi } from "@signet/contracts/identity/Api"
import type { User } from "@signet/contracts/identity/Domain"
import { Redacted } from "effect"
import { useEffect, useState } from "preact/hooks"
import QRCode from "qrcode"
import { type ApiError, call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote } from "../../app/ui.js"

type Step =
  | { readonly _tag: "Idle" }
  | { readonly _tag: "Scan"; readonly secret: string; readonly uri: string }
  | { readonly _tag: "Codes"; readonly codes: ReadonlyArray<string> }

/** The two-step verification section; `onChange` runs when MFA was turned on or off. */
export const Mfa = ({ slug, me, onChange }: { slug: string; me: User; onChange: () => void }) => {
  const t = useT("account")
  const [step, setStep] = useState<Step>({ _tag: "Idle" })
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [note, setNote] = useState<string | undefined>(undefined)
  const run = async (f: () => Promise<void>) => {
    setBusy(true)
    setError(undefined)
    setNote(undefined)
    try {
      await f()
    } catch (e) {
      setError(e as ApiError)
    } finally {
      setBusy(false)
    }
  }
  const field = (ev: Event, name: string) => String(new FormData(ev.target as HTMLFormElement).get(name) ?? "").trim()

  const enroll = (ev: Event) => {
    ev.preventDefault()
    const password = String(new FormData(ev.target as HTMLFormElement).get("password") ?? "")
    return run(async () => {
      const r = await call(SessionApi, (c) =>
        c.session.enrollTotp({ path: { slug }, payload: { password: Redacted.make(password) } })
      )
      setStep({ _tag: "Scan", secret: r.secret, uri: r.otpauth_uri })
    })
  }
  // Each form has its own key: Preact would otherwise reuse the password input (and its value) for the code.
  const confirm = (ev: Event) => {
    ev.preventDefault()
    const code = field(ev, "code")
    return run(async () => {
      const r = await call(SessionApi, (c) => c.session.confirmTotp({ path: { slug }, payload: { code } }))
      setStep({ _tag: "Codes", codes: r.recovery_codes })
    })
  }
  const disable = (ev: Event) => {
    ev.preventDefault()
    const password = String(new FormData(ev.target as HTMLFormElement).get("password") ?? "")
    const code = field(ev, "code")
    return run(async () => {
      await call(SessionApi, (c) =>
        c.session.disableMfa({
          path: { slug },
          payload: /^\d{6}$/.test(code)
            ? { password: Redacted.make(password), code }
            : { password: Redacted.make(password), recovery_code: code }
        })
      )
      setNote(t("mfa.disabled"))
      onChange()
    })
  }

  return (
    <section class="card" aria-labelledby="mfa-h">
      <h2 id="mfa-h">{t("mfa.title")}</h2>
      {step._tag === "Codes" ? (
        <RecoveryCodes
          codes={step.codes}
          onDone={() => {
            setStep({ _tag: "Idle" })
            onChange()
          }}
        />
      ) : me.mfa_enabled ? (
        <>
          <p>{t("mfa.isOn")}</p>
          <p class="muted">{t("mfa.disableIntro")}</p>
          <form key="disable" class="stack" onSubmit={disable}>
            <label>
              {t("mfa.password")}
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <label>
              {t("mfa.disableCode")}
              <input name="code" autocomplete="one-time-code" required maxLength={40} />
            </label>
            <button type="submit" class="danger" disabled={busy}>
              {t("mfa.disable")}
            </button>
          </form>
        </>
      ) : step._tag === "Scan" ? (
        <>
          <p>{t("mfa.scan")}</p>
          <QrImage uri={step.uri} alt={t("mfa.qrAlt")} />
          <p>
            {t("mfa.secret")}: <code class="secret">{step.secret}</code>
          </p>
          <form key="confirm" class="stack" onSubmit={confirm}>
            <label>
              {t("mfa.code")}
              <input
                name="code"
                inputMode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
              />
            </label>
            <div class="toolbar">
              <button type="submit" disabled={busy}>
                {t("mfa.confirm")}
              </button>
              <button type="button" class="secondary" onClick={() => setStep({ _tag: "Idle" })}>
                {t("mfa.cancel")}
              </button>
            </div>
          </form>
        </>
      ) : (
        <>
          <p class="muted">{t("mfa.intro")}</p>
          <form key="enroll" class="stack" onSubmit={enroll}>
            <label>
              {t("mfa.password")}
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <button type="submit" disabled={busy}>
              {t("mfa.start")}
            </button>
          </form>
        </>
      )}
      <ErrorNote error={error} />
      {note && (
        <output class="block ok" aria-live="polite">
          {note}
        </output>
      )}
    </section>
  )
}

/** The otpauth URI as a QR image, drawn here (a data: URL; no request leaves the page). Also the sign-in's required-action step (`LoginActions.tsx`). */
export const QrImage = ({ uri, alt }: { uri: string; alt: string }) => {
  const [src, setSrc] = useState<string | undefined>(undefined)
  useEffect(() => {
    let live = true
    void QRCode.toDataURL(uri, { margin: 2, width: 240, errorCorrectionLevel: "M" }).then((u) => {
      if (live) setSrc(u)
    })
    return () => {
      live = false
    }
  }, [uri])
  return src ? <img class="qr-image" src={src} alt={alt} width={240} height={240} /> : null
}

/** The recovery codes, shown once, with copy and download. */
const RecoveryCodes = ({ codes, onDone }: { codes: ReadonlyArray<string>; onDone: () => void }) => {
  const t = useT("account")
  const [copied, setCopied] = useState(false)
  const [href, setHref] = useState<string | undefined>(undefined)
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([`${codes.join("\n")}\n`], { type: "text/plain" }))
    setHref(url)
    return () => URL.revokeObjectURL(url)
  }, [codes])
  const copy = () =>
    void navigator.clipboard?.writeText(codes.join("\n")).then(
      () => setCopied(true),
      () => setCopied(false)
    )
  return (
    <>
      <h3>{t("mfa.codesTitle")}</h3>
      <p>{t("mfa.codesIntro")}</p>
      <ul class="codes" aria-label={t("mfa.codesTitle")}>
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div class="toolbar">
        <button type="button" class="secondary" onClick={copy}>
          {t("mfa.copy")}
        </button>
        {href && (
          <a class="button secondary" href={href} download="signet-recovery-codes.txt">
            {t("mfa.download")}
          </a>
        )}
        <button type="button" onClick={onDone}>
          {t("mfa.done")}
        </button>
      </div>
      {copied && <output class="block ok">{t("mfa.copied")}</output>}
    </>
  )
}
