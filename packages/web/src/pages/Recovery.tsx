/**
 * Account recovery pages (issue 18, the links of the accounts module's
 * mails), loaded on demand:
 *
 * - `/t/{slug}/forgot` — ask for a password reset link
 *   (`accounts.requestPasswordReset`); the page always says the same thing
 *   whether or not an account matched, like the server.
 * - `/t/{slug}/reset?token=…` — the reset mail's link: choose a new
 *   password (`accounts.confirmPasswordReset`); an invalid, expired or used
 *   link, a password the school's policy refuses and the rate limit each
 *   get a plain message, and nothing changes.
 * - `/t/{slug}/verify-email?token=…` — the verification mail's link,
 *   confirmed as the page opens (`accounts.confirmEmailVerification`).
 *
 * @module
 */
import { AccountsApi } from "@signet/contracts/accounts/Api"
import { Redacted } from "effect"
import { useEffect, useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { type ApiError, call } from "../app/api.js"
import { useT } from "../app/i18n.js"

const loginPath = (slug: string) => `/t/${encodeURIComponent(slug)}/login`
const forgotPath = (slug: string) => `/t/${encodeURIComponent(slug)}/forgot`

/** The page's frame: the school's name and a heading. */
const Shell = ({ slug, title, children }: { slug: string; title: string; children: preact.ComponentChildren }) => {
  document.title = `${title} · Signet`
  return (
    <main id="main" class="narrow">
      <p class="brand-big">
        Signet <span class="tenant">{slug}</span>
      </p>
      <h1>{title}</h1>
      {children}
    </main>
  )
}

/** A failure in plain words. */
const useExplain = () => {
  const t = useT()
  return (e: ApiError) => {
    if (e.tag === "RateLimited") return t("recovery.rateLimited", { seconds: Math.ceil(e.retryAfter ?? 60) })
    if (e.tag === "TenantSuspended") return t("login.suspended")
    if (e.tag === "TenantNotFound") return t("login.unknownTenant")
    if (e.tag === "InvalidResetToken") return t("recovery.invalid")
    if (e.tag === "InvalidVerificationToken") return t("recovery.verifyInvalid")
    if (e.tag === "NetworkError") return t("error.network")
    return t("error.generic", { message: e.message })
  }
}

const Alert = ({ text }: { text: string | undefined }) =>
  text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null

/** `/t/{slug}/forgot`: asks for a reset link. */
export const Forgot = ({ slug }: { slug: string }) => {
  const t = useT()
  const explain = useExplain()
  const [busy, setBusy] = useState(false)
  const [sent, setSent] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const login = String(new FormData(ev.target as HTMLFormElement).get("login") ?? "").trim()
    setBusy(true)
    setError(undefined)
    try {
      await call(AccountsApi, (c) => c.accounts.requestPasswordReset({ path: { slug }, payload: { login } }))
      setSent(true)
    } catch (e) {
      setError(explain(e as ApiError))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Shell slug={slug} title={t("recovery.forgotTitle")}>
      {sent ? (
        <output class="card block">{t("recovery.sent")}</output>
      ) : (
        <form onSubmit={submit} class="card stack">
          <p class="muted">{t("recovery.forgotHint")}</p>
          <label>
            {t("login.login")}
            <input name="login" autocomplete="username" required maxLength={254} />
          </label>
          <Alert text={error} />
          <button type="submit" disabled={busy}>
            {t("recovery.send")}
          </button>
        </form>
      )}
      <p>
        <a href={loginPath(slug)}>{t("recovery.toLogin")}</a>
      </p>
    </Shell>
  )
}

/** `/t/{slug}/reset?token=…`: sets a new password with the mailed link's token. */
export const Reset = ({ slug }: { slug: string }) => {
  const t = useT()
  const explain = useExplain()
  const { query } = useLocation()
  const token = query["token"] ?? ""
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState(false)
  const [error, setError] = useState<ApiError | string | undefined>(undefined)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.target as HTMLFormElement)
    const password = String(form.get("password") ?? "")
    if (password !== String(form.get("again") ?? "")) return setError(t("recovery.mismatch"))
    setBusy(true)
    setError(undefined)
    try {
      await call(AccountsApi, (c) =>
        c.accounts.confirmPasswordReset({
          path: { slug },
          payload: { token, new_password: Redacted.make(password) }
        })
      )
      setDone(true)
    } catch (e) {
      setError(e as ApiError)
    } finally {
      setBusy(false)
    }
  }
  const invalid = typeof error === "object" && error.tag === "InvalidResetToken"
  return (
    <Shell slug={slug} title={t("recovery.resetTitle")}>
      {done ? (
        <output class="card block">{t("recovery.done")}</output>
      ) : !token ? (
        <p class="card">{t("recovery.noToken")}</p>
      ) : (
        <form onSubmit={submit} class="card stack">
          <label>
            {t("recovery.newPassword")}
            <input name="password" type="password" autocomplete="new-password" required maxLength={1024} />
          </label>
          <label>
            {t("recovery.confirmPassword")}
            <input name="again" type="password" autocomplete="new-password" required maxLength={1024} />
          </label>
          <Alert text={typeof error === "object" ? explain(error) : error} />
          <button type="submit" disabled={busy || invalid}>
            {t("recovery.save")}
          </button>
        </form>
      )}
      <p>
        {(invalid || !token) && !done ? (
          <a href={forgotPath(slug)}>{t("recovery.again")}</a>
        ) : (
          <a href={loginPath(slug)}>{t("recovery.toLogin")}</a>
        )}
      </p>
    </Shell>
  )
}

/** `/t/{slug}/verify-email?token=…`: confirms the address as the page opens. */
export const VerifyEmail = ({ slug }: { slug: string }) => {
  const t = useT()
  const explain = useExplain()
  const { query } = useLocation()
  const token = query["token"] ?? ""
  const [email, setEmail] = useState<string | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  useEffect(() => {
    if (!token) return setError(t("recovery.noToken"))
    call(AccountsApi, (c) => c.accounts.confirmEmailVerification({ path: { slug }, payload: { token } })).then(
      (status) => setEmail(status.email),
      (e) => setError(explain(e as ApiError))
    )
  }, [slug, token])
  return (
    <Shell slug={slug} title={t("recovery.verifyTitle")}>
      {email !== undefined ? (
        <output class="card block">{t("recovery.verified", { email })}</output>
      ) : error ? (
        <Alert text={error} />
      ) : (
        <output class="block">{t("recovery.verifying")}</output>
      )}
      <p>
        <a href={loginPath(slug)}>{t("recovery.toLogin")}</a>
      </p>
    </Shell>
  )
}
