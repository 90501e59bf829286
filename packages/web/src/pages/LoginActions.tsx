/**
 * The required-actions step of sign-in (issue 18, as Keycloak's required
 * actions): shown when a sign-in answered `actions_required` (or
 * `SignInActionsRequired` — the second step, a passkey, or an SSO sign-in
 * brought back with `#actions=…&action_token=…`). No session exists yet:
 * the page holds the short-lived action token only, and offers each step:
 *
 * - `update_password`: a new-password form (`…/auth/actions/password`);
 * - `verify_email`: "e-mail me the link" (`…/auth/actions/email-verification`),
 *   then Continue once the link was opened (in any tab or device);
 * - `configure_mfa`: TOTP enrolment (`…/auth/actions/totp`: QR image drawn
 *   here and the key; `…/totp/confirm` with a first code), then the recovery
 *   codes, shown once — or, where the browser has WebAuthn, a passkey
 *   (`…/auth/actions/passkey/options`, the browser's ceremony through
 *   `@simplewebauthn/browser`, `…/auth/actions/passkey`).
 *
 * Once nothing is pending, `…/web/actions/complete` exchanges the token for
 * the browser session.
 *
 * @module
 */
import { AccountsApi } from "@signet/contracts/accounts/Api"
import { AuthApi } from "@signet/contracts/identity/Api"
import { PasskeyAuthApi } from "@signet/contracts/identity/PasskeysApi"
import type { WebTokens } from "@signet/contracts/identity/WebApi"
import { browserSupportsWebAuthn, startRegistration } from "@simplewebauthn/browser"
import { Redacted } from "effect"
import { useState } from "preact/hooks"
import { ApiError, call, runWeb } from "../app/api.js"
import { useT } from "../app/i18n.js"
import { QrImage } from "./account/Mfa.js"

/** What the sign-in answered: the pending actions and the token that completes them. */
export interface PendingActions {
  readonly actions: ReadonlyArray<"verify_email" | "update_password" | "configure_mfa">
  readonly token: string
}

/** The pending actions of a `SignInActionsRequired` failure, if it is one. */
export const pendingOf = (e: ApiError): PendingActions | undefined => {
  const d = e.data as { actions?: PendingActions["actions"]; action_token?: string } | undefined
  return e.tag === "SignInActionsRequired" && d?.actions && d.action_token
    ? { actions: d.actions, token: d.action_token }
    : undefined
}

const KNOWN = ["update_password", "verify_email", "configure_mfa"] as const

/**
 * The pending actions an SSO sign-in handed over in the URL's fragment
 * (`#actions=a,b&action_token=…`), if any; the fragment is then cleared so
 * the token stays out of the history.
 */
export const pendingFromFragment = (): PendingActions | undefined => {
  if (typeof window === "undefined" || !window.location.hash.includes("action_token=")) return undefined
  const params = new URLSearchParams(window.location.hash.slice(1))
  const token = params.get("action_token") ?? ""
  const actions = (params.get("actions") ?? "")
    .split(",")
    .filter((a): a is PendingActions["actions"][number] => (KNOWN as ReadonlyArray<string>).includes(a))
  history.replaceState(null, "", window.location.pathname + window.location.search)
  return token === "" ? undefined : { actions, token }
}

type Totp =
  | { readonly _tag: "Idle" }
  | { readonly _tag: "Scan"; readonly secret: string; readonly uri: string }
  | { readonly _tag: "Codes"; readonly codes: ReadonlyArray<string>; readonly next: PendingActions }

/** What a step reports: the actions left and the renewed token (the exchange follows when none is left). */
type Progress = (p: PendingActions) => Promise<void>

/**
 * A step's busy flag, its error in plain words, and `run`, which runs one
 * request; `explain` words a failure the step knows, else the common ones.
 */
const useStep = () => {
  const t = useT()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const run = async (f: () => Promise<void>, explain: (e: ApiError) => string | undefined = () => undefined) => {
    setBusy(true)
    setError(undefined)
    try {
      await f()
    } catch (e) {
      const err = e as ApiError
      setError(
        explain(err) ??
          (err.tag === "Unauthorized"
            ? t("actions.expired")
            : err.tag === "RateLimited"
              ? t("login.rateLimited", { seconds: Math.ceil(err.retryAfter ?? 60) })
              : t("error.generic", { message: err.message }))
      )
    } finally {
      setBusy(false)
    }
  }
  const alert = error && (
    <p class="error" role="alert">
      {error}
    </p>
  )
  return { t, busy, run, alert }
}

/** `update_password`: the new-password form. */
const PasswordStep = ({ slug, token, onProgress }: { slug: string; token: string; onProgress: Progress }) => {
  const { t, busy, run, alert } = useStep()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const next = String(new FormData(ev.target as HTMLFormElement).get("new_password"))
    return run(
      async () => {
        const progress = await call(AuthApi, (c) =>
          c.auth.actionPassword({ path: { slug }, payload: { action_token: token, new_password: Redacted.make(next) } })
        )
        await onProgress({ actions: progress.actions, token: progress.action_token })
      },
      (err) =>
        err.tag === "ValidationError"
          ? /differ/.test(err.message)
            ? t("actions.same")
            : t("actions.weak", { message: err.message })
          : undefined
    )
  }
  return (
    <>
      <form key="password" onSubmit={submit} class="card stack">
        <label>
          {t("actions.newPassword")}
          <input name="new_password" type="password" autocomplete="new-password" required maxLength={1024} />
        </label>
        <button type="submit" disabled={busy}>
          {t("actions.save")}
        </button>
      </form>
      {alert}
    </>
  )
}

/** `verify_email`: "e-mail me the link", then Continue once it was opened. */
const VerifyEmailStep = ({ slug, token, onProgress }: { slug: string; token: string; onProgress: Progress }) => {
  const { t, busy, run, alert } = useStep()
  const [sent, setSent] = useState(false)
  const send = () =>
    run(async () => {
      await call(AccountsApi, (c) =>
        c.accounts.actionEmailVerification({ path: { slug }, payload: { action_token: token } })
      )
      setSent(true)
    })
  const check = () =>
    run(
      () => onProgress({ actions: [], token }),
      (err) => (err.tag === "ActionsPending" ? t("actions.notVerified") : undefined)
    )
  return (
    <section class="card stack" aria-labelledby="verify-h">
      <h2 id="verify-h">{t("actions.verifyTitle")}</h2>
      {sent && <output class="block ok">{t("actions.linkSent")}</output>}
      <div class="toolbar">
        <button type="button" class={sent ? "secondary" : ""} disabled={busy} onClick={send}>
          {sent ? t("actions.sendAgain") : t("actions.sendLink")}
        </button>
        <button type="button" class={sent ? "" : "secondary"} disabled={busy} onClick={check}>
          {t("actions.continue")}
        </button>
      </div>
      {alert}
    </section>
  )
}

/**
 * `configure_mfa`: an authenticator app (QR image and key, a first code),
 * then the recovery codes; or a passkey where the browser has WebAuthn.
 */
const TotpStep = ({ slug, token, onProgress }: { slug: string; token: string; onProgress: Progress }) => {
  const { t, busy, run, alert } = useStep()
  const [totp, setTotp] = useState<Totp>({ _tag: "Idle" })
  const start = () =>
    run(async () => {
      const r = await call(AuthApi, (c) => c.auth.actionTotpStart({ path: { slug }, payload: { action_token: token } }))
      setTotp({ _tag: "Scan", secret: r.secret, uri: r.otpauth_uri })
    })
  /** A passkey instead: the options, the browser's ceremony, the registration; a cancel stores nothing. */
  const passkey = () =>
    run(
      async () => {
        const start = await call(PasskeyAuthApi, (c) =>
          c.passkeyAuth.actionPasskeyOptions({ path: { slug }, payload: { action_token: token } })
        )
        let credential: unknown
        try {
          credential = await startRegistration({ optionsJSON: start.options as never })
        } catch {
          // The user cancelled, or the authenticator timed out or refused: nothing was stored.
          throw new ApiError("Cancelled", "the passkey ceremony did not finish")
        }
        const r = await call(PasskeyAuthApi, (c) =>
          c.passkeyAuth.actionPasskeyRegister({
            path: { slug },
            payload: { action_token: token, credential: credential as never }
          })
        )
        await onProgress({ actions: r.actions, token: r.action_token })
      },
      (err) =>
        err.tag === "Cancelled"
          ? t("actions.passkeyCancelled")
          : err.tag === "ValidationError"
            ? t("actions.passkeyBad")
            : undefined
    )
  const confirm = (ev: Event) => {
    ev.preventDefault()
    const code = String(new FormData(ev.target as HTMLFormElement).get("code") ?? "").trim()
    return run(
      async () => {
        const r = await call(AuthApi, (c) =>
          c.auth.actionTotpConfirm({ path: { slug }, payload: { action_token: token, code } })
        )
        setTotp({ _tag: "Codes", codes: r.recovery_codes, next: { actions: r.actions, token: r.action_token } })
      },
      (err) => (err.tag === "ValidationError" ? t("actions.totpBad") : undefined)
    )
  }
  return (
    <section class="card stack" aria-labelledby="totp-h">
      <h2 id="totp-h">{t("actions.totpTitle")}</h2>
      {totp._tag === "Idle" && (
        <>
          <button type="button" disabled={busy} onClick={start}>
            {t("actions.totpStart")}
          </button>
          {browserSupportsWebAuthn() && (
            <button type="button" class="secondary" disabled={busy} onClick={passkey}>
              {t("actions.passkeyStart")}
            </button>
          )}
        </>
      )}
      {totp._tag === "Scan" && (
        <>
          <p>{t("actions.totpScan")}</p>
          <QrImage uri={totp.uri} alt={t("actions.qrAlt")} />
          <p>
            {t("actions.totpKey")}: <code class="secret">{totp.secret}</code>
          </p>
          <form key="totp" class="stack" onSubmit={confirm}>
            <label>
              {t("actions.totpCode")}
              <input
                name="code"
                inputMode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
              />
            </label>
            <button type="submit" disabled={busy}>
              {t("actions.totpConfirm")}
            </button>
          </form>
        </>
      )}
      {totp._tag === "Codes" && (
        <>
          <p>{t("actions.codesIntro")}</p>
          <ul class="codes" aria-label={t("actions.codesTitle")}>
            {totp.codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" disabled={busy} onClick={() => run(() => onProgress(totp.next))}>
            {t("actions.continue")}
          </button>
        </>
      )}
      {alert}
    </section>
  )
}

/** The step's page: the pending actions, the first one's step, then the session. */
export const RequiredActions = ({
  slug,
  pending,
  onDone,
  onRestart
}: {
  slug: string
  pending: PendingActions
  onDone: (tokens: WebTokens) => Promise<void>
  onRestart: () => void
}) => {
  const t = useT()
  const [state, setState] = useState(pending)
  /** A step's progress: the next step, or the exchange for the session when none is left. */
  const progress = async (p: PendingActions) => {
    if (p.actions.length > 0) return setState(p)
    await onDone(await runWeb((c) => c.web.actionsComplete({ path: { slug }, payload: { action_token: p.token } })))
  }
  const first = state.actions[0]
  const step = { slug, token: state.token, onProgress: progress }
  return (
    <main id="main" class="narrow">
      <p class="brand-big">
        Signet <span class="tenant">{slug}</span>
      </p>
      <h1>{t("actions.title")}</h1>
      <p>{t("actions.intro")}</p>
      <ul>
        {state.actions.map((a) => (
          <li key={a}>{t(`actions.${a}`)}</li>
        ))}
      </ul>
      {first === "update_password" && <PasswordStep key={state.token} {...step} />}
      {first === "verify_email" && <VerifyEmailStep key={state.token} {...step} />}
      {first === "configure_mfa" && <TotpStep key={state.token} {...step} />}
      {first !== "update_password" && (
        <p>
          <button type="button" class="secondary" onClick={onRestart}>
            {t("actions.restart")}
          </button>
        </p>
      )}
    </main>
  )
}
