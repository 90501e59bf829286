/**
 * Sign-in (`/t/{slug}/login`): login or e-mail and password, then the TOTP
 * (or recovery code) step when the account has MFA; clear errors for wrong
 * credentials, rate limits (with the wait), suspended or unknown schools.
 * A passkey signs in without a password (discoverable credential) or
 * answers the second step in place of the code (issue 18); the WebAuthn
 * library is loaded only when the button is pressed.
 * When the school enabled sign-in by e-mail code (`…/auth/methods`), a link
 * leads to `pages/LoginCode.tsx`; when it enabled texted codes as a second
 * factor, the MFA step offers "Text me a code" (`LoginSms.tsx`).
 * Returns to `?next=` (a path of this app only) or the user's home. A
 * `next` that is an interaction of the tenant's OpenID Connect provider
 * (`/t/{slug}/oidc/interaction/{uid}`, issue 19 §1: a server path, not a
 * page of this app) completes that sign-in with the new access token and
 * navigates fully to where the provider continues.
 *
 * SSO (issue 19 §2): when the typed e-mail's domain is served by one of the
 * tenant's SSO connections (`…/sso/discover`), or a password login answers
 * `SsoRequired`, a "Continue with your school account" link starts the
 * sign-in at the IdP (`…/sso/login`, a full navigation); the server brings
 * the browser back signed in to the destination — for a provider
 * interaction, back here with `sso=1`, where the session is resumed and the
 * interaction completed. `?sso_error=<reason>` is explained.
 *
 * Required actions (issue 18) from any of these paths — the password
 * login's `actions_required`, `SignInActionsRequired` of the second step or
 * a passkey, an SSO sign-in's `#actions=…&action_token=…` — show
 * `pages/LoginActions.tsx`.
 *
 * @module
 */

import { AccountsApi } from "@signet/contracts/accounts/Api"
import { PasskeyAuthApi } from "@signet/contracts/identity/PasskeysApi"
import type { WebTokens } from "@signet/contracts/identity/WebApi"
import { Redacted } from "effect"
import { useEffect, useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { type ApiError, adopt, call, runWeb } from "../app/api.js"
import { useT } from "../app/i18n.js"
import { type PendingActions, pendingFromFragment, pendingOf, RequiredActions } from "./LoginActions.js"
import { MfaCodeFields, useMfaSms } from "./LoginSms.js"
import { destination, finishOidc, oidcInteraction, useSso } from "./LoginSso.js"

/**
 * A passkey sign-in's browser session tokens (passwordless, or the login's
 * second step with `mfa`), or undefined when the device's ceremony was
 * cancelled, timed out or found no passkey. Rejects with {@link ApiError}.
 */
const passkeyTokens = async (slug: string, mfa: string | undefined) => {
  const start = await call(PasskeyAuthApi, (c) =>
    c.passkeyAuth.signInOptions({ path: { slug }, payload: mfa === undefined ? {} : { mfa_token: mfa } })
  )
  const { startAuthentication } = await import("@simplewebauthn/browser")
  let credential: unknown
  try {
    credential = await startAuthentication({ optionsJSON: start.options as never })
  } catch {
    return undefined
  }
  return runWeb((c) =>
    c.web.passkey({
      path: { slug },
      payload: { credential: credential as never, ...(mfa === undefined ? {} : { mfa_token: mfa }) }
    })
  )
}

/** A sign-in failure in plain words (`inMfa`: during the second step). */
const explainLogin = (t: ReturnType<typeof useT>, e: ApiError, inMfa: boolean) => {
  if (e.tag === "RateLimited") return t("login.rateLimited", { seconds: Math.ceil(e.retryAfter ?? 60) })
  if (e.tag === "TenantSuspended") return t("login.suspended")
  if (e.tag === "TenantNotFound") return t("login.unknownTenant")
  if (e.tag === "InvalidCredentials") return t("login.invalid")
  if (e.tag === "Unauthorized") return inMfa ? t("login.badCode") : t("login.expired")
  if (e.tag === "SsoRequired") return t("login.ssoRequired")
  if (e.tag === "MfaSmsCodesDisabled") return t("login.smsDisabled")
  if (e.tag === "NetworkError") return t("error.network")
  return t("error.generic", { message: e.message })
}

/** The pending actions of a login's `actions_required` answer (issue 18). */
const pendingOfResult = (r: { actions: PendingActions["actions"]; action_token: string }): PendingActions => ({
  actions: r.actions,
  token: r.action_token
})

/** A link to sign-in by e-mail or SMS code, shown only when the school enabled either (`…/auth/methods`). */
const CodeSignInLink = ({ slug, next }: { slug: string; next: string | undefined }) => {
  const t = useT()
  const [shown, setShown] = useState<"login.byCode" | "login.byCodeSms" | undefined>(undefined)
  useEffect(() => {
    call(AccountsApi, (c) => c.accounts.signInMethods({ path: { slug } })).then(
      (m) => setShown(m.email_code ? "login.byCode" : m.sms_code ? "login.byCodeSms" : undefined),
      () => setShown(undefined)
    )
  }, [slug])
  if (!shown) return null
  return (
    <p>
      <a href={`/t/${encodeURIComponent(slug)}/login/code${next ? `?next=${encodeURIComponent(next)}` : ""}`}>
        {t(shown)}
      </a>
    </p>
  )
}

/** The sign-in page. */
export const Login = ({ slug }: { slug: string }) => {
  const t = useT()
  const { route, query } = useLocation()
  const [mfa, setMfa] = useState<string | undefined>(undefined)
  const [useRecovery, setUseRecovery] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const [pending, setPending] = useState<PendingActions | undefined>(pendingFromFragment)
  document.title = `${t("login.title")} · Signet`
  const sso = useSso(slug, query, setError)
  const sms = useMfaSms(slug, mfa)

  const explain = (e: ApiError) => explainLogin(t, e, mfa !== undefined)
  /** Adopts a new browser session and goes on (an OpenID Connect interaction, `next` or home). */
  const signedIn = async (tokens: WebTokens) => {
    adopt(slug, tokens)
    if (oidcInteraction(slug, query["next"])) return await finishOidc(query["next"]!, tokens.access_token)
    route(destination(slug, query["next"]), true)
  }

  const submit = async (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.target as HTMLFormElement)
    setBusy(true)
    setError(undefined)
    try {
      if (mfa === undefined) {
        const result = await runWeb((c) =>
          c.web.login({
            path: { slug },
            payload: { login: String(form.get("login")), password: Redacted.make(String(form.get("password"))) }
          })
        )
        if (result.status === "mfa_required") {
          setMfa(result.mfa_token)
          return
        }
        if (result.status === "actions_required") return setPending(pendingOfResult(result))
        return await signedIn(result.tokens)
      } else {
        const code = String(form.get("code") ?? "").trim()
        if (sms.sent && !useRecovery) return await signedIn(await sms.verify(code))
        const tokens = await runWeb((c) =>
          c.web.mfa({
            path: { slug },
            payload: useRecovery ? { mfa_token: mfa, recovery_code: code } : { mfa_token: mfa, code }
          })
        )
        return await signedIn(tokens)
      }
    } catch (e) {
      const err = e as ApiError
      if (pendingOf(err)) return setPending(pendingOf(err)) // required actions (issue 18): no session yet
      if (mfa !== undefined && err.tag === "Unauthorized" && /expired|challenge/i.test(err.message)) setMfa(undefined)
      if (err.tag === "SsoRequired") await sso.lookUp(String(form.get("login")))
      setError(explain(err))
    } finally {
      setBusy(false)
    }
  }

  /** Passkey sign-in: passwordless, or the second step when `mfa` holds the challenge token. */
  const passkey = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const tokens = await passkeyTokens(slug, mfa)
      if (tokens === undefined) return setError(t("login.passkeyFailed"))
      return await signedIn(tokens)
    } catch (e) {
      const err = e as ApiError
      if (pendingOf(err)) return setPending(pendingOf(err)) // required actions (issue 18)
      setError(err.tag === "Unauthorized" ? t("login.passkeyFailed") : explain(err))
    } finally {
      setBusy(false)
    }
  }
  const webAuthn = typeof window !== "undefined" && window.PublicKeyCredential !== undefined

  if (pending !== undefined)
    return <RequiredActions slug={slug} pending={pending} onDone={signedIn} onRestart={() => location.reload()} />

  return (
    <main id="main" class="narrow">
      <p class="brand-big">
        Signet <span class="tenant">{slug}</span>
      </p>
      <h1>{mfa === undefined ? t("login.title") : t("login.totpTitle")}</h1>
      {query["next"] && mfa === undefined && <p class="muted">{t("login.continue")}</p>}
      {sso.error}
      <form onSubmit={submit} class="card stack" novalidate={false}>
        {mfa === undefined ? (
          <>
            <label>
              {t("login.login")}
              <input
                name="login"
                autocomplete="username"
                required
                maxLength={254}
                onBlur={(ev) => void sso.lookUp((ev.target as HTMLInputElement).value)}
              />
            </label>
            <label>
              {t("login.password")}
              <input name="password" type="password" autocomplete="current-password" required maxLength={1024} />
            </label>
          </>
        ) : (
          <MfaCodeFields
            sms={sms}
            useRecovery={useRecovery}
            busy={busy}
            onToggleRecovery={() => setUseRecovery(!useRecovery)}
            onText={() => void sms.text(setBusy, (e) => setError(e && explain(e)))}
          />
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mfa === undefined ? t("login.submit") : t("login.verify")}
        </button>
      </form>
      {mfa === undefined && sso.link}
      {webAuthn && (
        <p>
          <button type="button" class="secondary" disabled={busy} onClick={() => void passkey()}>
            {mfa === undefined ? t("login.passkey") : t("login.passkeyMfa")}
          </button>
        </p>
      )}
      {mfa === undefined && <CodeSignInLink slug={slug} next={query["next"]} />}
      {mfa === undefined && (
        <p>
          <a href={`/t/${encodeURIComponent(slug)}/forgot`}>{t("recovery.forgot")}</a>
        </p>
      )}
    </main>
  )
}
