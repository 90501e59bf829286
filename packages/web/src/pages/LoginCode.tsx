/**
 * Sign-in by e-mail code (`/t/{slug}/login/code`, issue 18): the user types
 * their e-mail address or username, the school mails a 6-digit code to the
 * account's verified address (`accounts.sendSignInEmailCode`, the same
 * answer whether or not an account matched), and the code signs them in
 * with the browser session's cookies (`accounts.verifySignInEmailCodeWeb`).
 * An account with MFA is then asked for its authenticator code (`web.mfa`);
 * one with required actions pending (issue 18) gets their step
 * (`LoginActions.tsx`).
 * When the school enabled sign-in by SMS code, the page offers "by text
 * message" instead: the phone number, then the texted code
 * (`LoginCodeSms.tsx`), which lands the same way (MFA, required actions).
 * Offered by the sign-in page only when the school enabled either
 * (`accounts.signInMethods`); returns to `?next=` like that page.
 *
 * @module
 */
import { useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { type ApiError, adopt, runWeb } from "../app/api.js"
import { useT } from "../app/i18n.js"
import { type PendingActions, pendingOf, RequiredActions } from "./LoginActions.js"
import { ChannelSwitch, type CodeChannel, LoginField, useChannelText, useCodeChannel } from "./LoginCodeSms.js"
import { destination, finishOidc, oidcInteraction } from "./LoginSso.js"

/** The sign-in-by-code page. */
export const LoginCode = ({ slug }: { slug: string }) => {
  const t = useT()
  const { route, query } = useLocation()
  const [login, setLogin] = useState<string | undefined>(undefined)
  const [mfa, setMfa] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const [pending, setPending] = useState<PendingActions | undefined>(undefined)
  const channel = useCodeChannel(slug)
  const text = useChannelText(channel.channel)
  document.title = `${text.title} · Signet`

  const explain = (e: ApiError) => {
    if (e.tag === "RateLimited") return t("login.rateLimited", { seconds: Math.ceil(e.retryAfter ?? 60) })
    if (e.tag === "TenantSuspended") return t("login.suspended")
    if (e.tag === "TenantNotFound") return t("login.unknownTenant")
    if (e.tag === "EmailCodeSignInDisabled") return t("codeLogin.disabled")
    if (e.tag === "SmsCodeSignInDisabled") return t("codeLogin.sms.disabled")
    if (e.tag === "ValidationError" && channel.channel === "sms" && login === undefined)
      return t("codeLogin.sms.badNumber")
    if (e.tag === "SsoRequired") return t("login.ssoRequired")
    if (e.tag === "Unauthorized") return mfa ? t("login.badCode") : t("codeLogin.badCode")
    if (e.tag === "NetworkError") return t("error.network")
    return t("error.generic", { message: e.message })
  }

  /** Signed in: the destination (or the OpenID Connect interaction that asked). */
  const done = async (tokens: Parameters<typeof adopt>[1]) => {
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
      if (login === undefined) {
        const typed = String(form.get("login") ?? "").trim()
        await channel.send(typed)
        setLogin(typed)
      } else if (mfa === undefined) {
        const code = String(form.get("code") ?? "").trim()
        const result = await channel.verify(login, code)
        if (result.status === "mfa_required") return setMfa(result.mfa_token)
        // Required actions (issue 18): their step, with the action token (no session yet).
        if (result.status === "actions_required")
          return setPending({ actions: result.actions, token: result.action_token })
        await done(result.tokens)
      } else {
        const code = String(form.get("totp") ?? "").trim()
        await done(await runWeb((c) => c.web.mfa({ path: { slug }, payload: { mfa_token: mfa, code } })))
      }
    } catch (e) {
      const pendingNow = pendingOf(e as ApiError)
      if (pendingNow) return setPending(pendingNow) // after the second step (issue 18)
      setError(explain(e as ApiError))
    } finally {
      setBusy(false)
    }
  }

  /** Asks for a new code for the same login (the earlier one stops working). */
  const resend = async () => {
    setBusy(true)
    setError(undefined)
    try {
      await channel.send(login!)
    } catch (e) {
      setError(explain(e as ApiError))
    } finally {
      setBusy(false)
    }
  }

  const codeField = (name: string, label: string) => (
    <label>
      {label}
      <input name={name} autocomplete="one-time-code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} required />
    </label>
  )

  /** Switches between e-mail and text message before a code was asked for. */
  const choose = (c: CodeChannel) => {
    setError(undefined)
    channel.choose(c)
  }

  if (pending !== undefined)
    return <RequiredActions slug={slug} pending={pending} onDone={done} onRestart={() => location.reload()} />

  return (
    <main id="main" class="narrow">
      <p class="brand-big">
        Signet <span class="tenant">{slug}</span>
      </p>
      <h1>{mfa === undefined ? text.title : t("login.totpTitle")}</h1>
      <form
        onSubmit={submit}
        class="card stack"
        key={login === undefined ? `login-${channel.channel}` : mfa === undefined ? "code" : "mfa"}
      >
        {login === undefined ? (
          <LoginField channel={channel.channel} />
        ) : mfa === undefined ? (
          <>
            <output>{text.sent}</output>
            {codeField("code", text.code)}
          </>
        ) : (
          codeField("totp", t("login.totp"))
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {login === undefined ? text.send : mfa === undefined ? t("login.submit") : t("login.verify")}
        </button>
      </form>
      {login === undefined && <ChannelSwitch code={channel} onChoose={choose} />}
      {login !== undefined && mfa === undefined && (
        <p>
          <button type="button" class="link" disabled={busy} onClick={() => void resend()}>
            {t("codeLogin.again")}
          </button>
        </p>
      )}
      <p>
        <a
          href={`/t/${encodeURIComponent(slug)}/login${query["next"] ? `?next=${encodeURIComponent(query["next"])}` : ""}`}
        >
          {t("codeLogin.password")}
        </a>
      </p>
    </main>
  )
}
