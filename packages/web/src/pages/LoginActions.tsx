/**
 * The required-actions step of sign-in (issue 18, as Keycloak's required
 * actions): shown when the login answered `actions_required` (or the second
 * step `SignInActionsRequired`). No session exists yet: the page holds the
 * short-lived action token only. `update_password` is a form here
 * (`…/auth/actions/password`); `verify_email` and `configure_mfa` are
 * explained. Once nothing is pending, `…/web/actions/complete` exchanges the
 * token for the browser session.
 *
 * @module
 */
import { AuthApi } from "@signet/contracts/identity/Api"
import type { WebTokens } from "@signet/contracts/identity/WebApi"
import { Redacted } from "effect"
import { useState } from "preact/hooks"
import { type ApiError, call, runWeb } from "../app/api.js"
import { useT } from "../app/i18n.js"

/** What the login answered: the pending actions and the token that completes them. */
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

/** The step's page: a new-password form when asked, messages for the others, then the session. */
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
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)

  const finish = async (p: PendingActions) => {
    if (p.actions.length > 0) return setState(p)
    await onDone(await runWeb((c) => c.web.actionsComplete({ path: { slug }, payload: { action_token: p.token } })))
  }

  const submit = async (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.target as HTMLFormElement)
    setBusy(true)
    setError(undefined)
    try {
      const progress = await call(AuthApi, (c) =>
        c.auth.actionPassword({
          path: { slug },
          payload: { action_token: state.token, new_password: Redacted.make(String(form.get("new_password"))) }
        })
      )
      await finish({ actions: progress.actions, token: progress.action_token })
    } catch (e) {
      const err = e as ApiError
      if (err.tag === "ValidationError")
        setError(/differ/.test(err.message) ? t("actions.same") : t("actions.weak", { message: err.message }))
      else setError(err.tag === "Unauthorized" ? t("actions.expired") : t("error.generic", { message: err.message }))
    } finally {
      setBusy(false)
    }
  }

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
      {state.actions.includes("update_password") && (
        <form onSubmit={submit} class="card stack">
          <label>
            {t("actions.newPassword")}
            <input name="new_password" type="password" autocomplete="new-password" required maxLength={1024} />
          </label>
          <button type="submit" disabled={busy}>
            {t("actions.save")}
          </button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!state.actions.includes("update_password") && (
        <button type="button" class="secondary" onClick={onRestart}>
          {t("actions.restart")}
        </button>
      )}
    </main>
  )
}
