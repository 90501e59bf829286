/**
 * `/t/{slug}/invite?token=…` (issue 18 "Invitations"): the invitation mail's
 * link. The invited user chooses a password (`accounts.acceptInvitationWeb`,
 * the school's password policy applies); on success the browser session is
 * open (the refresh cookie set as after sign-in) and the page goes to the
 * user's home. An invalid, expired, used or revoked link, a refused password
 * and the rate limit each get a plain message, and nothing changes.
 *
 * @module
 */
import { AccountsApi } from "@signet/contracts/accounts/Api"
import { Redacted } from "effect"
import { useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { type ApiError, adopt, call } from "../app/api.js"
import { useT } from "../app/i18n.js"

/** The invitation page. */
export const Invite = ({ slug }: { slug: string }) => {
  const t = useT()
  const { query, route } = useLocation()
  const token = query["token"] ?? ""
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | string | undefined>(undefined)
  const home = `/t/${encodeURIComponent(slug)}`
  document.title = `${t("invite.title")} · Signet`

  const explain = (e: ApiError) => {
    if (e.tag === "RateLimited") return t("recovery.rateLimited", { seconds: Math.ceil(e.retryAfter ?? 60) })
    if (e.tag === "TenantSuspended") return t("login.suspended")
    if (e.tag === "TenantNotFound") return t("login.unknownTenant")
    if (e.tag === "InvalidInvitationToken") return t("invite.invalid")
    if (e.tag === "NetworkError") return t("error.network")
    return t("error.generic", { message: e.message })
  }

  const submit = async (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.target as HTMLFormElement)
    const password = String(form.get("password") ?? "")
    if (password !== String(form.get("again") ?? "")) return setError(t("recovery.mismatch"))
    setBusy(true)
    setError(undefined)
    try {
      const result = await call(AccountsApi, (c) =>
        c.accounts.acceptInvitationWeb({ path: { slug }, payload: { token, new_password: Redacted.make(password) } })
      )
      // A second factor or required actions (issue 18) are answered on the sign-in page.
      if (result.status !== "authenticated") return route(`${home}/login`, true)
      adopt(slug, result.tokens)
      route(home, true)
    } catch (e) {
      setError(e as ApiError)
    } finally {
      setBusy(false)
    }
  }
  const invalid = typeof error === "object" && error.tag === "InvalidInvitationToken"
  return (
    <main id="main" class="narrow">
      <p class="brand-big">
        Signet <span class="tenant">{slug}</span>
      </p>
      <h1>{t("invite.title")}</h1>
      {!token ? (
        <p class="card">{t("recovery.noToken")}</p>
      ) : (
        <form onSubmit={submit} class="card stack">
          <p class="muted">{t("invite.hint", { school: slug })}</p>
          <label>
            {t("recovery.newPassword")}
            <input name="password" type="password" autocomplete="new-password" required maxLength={1024} />
          </label>
          <label>
            {t("recovery.confirmPassword")}
            <input name="again" type="password" autocomplete="new-password" required maxLength={1024} />
          </label>
          {error ? (
            <p class="error" role="alert">
              {typeof error === "object" ? explain(error) : error}
            </p>
          ) : null}
          <button type="submit" disabled={busy || invalid}>
            {t("invite.save")}
          </button>
        </form>
      )}
      <p>
        <a href={`${home}/login`}>{t("recovery.toLogin")}</a>
      </p>
    </main>
  )
}
