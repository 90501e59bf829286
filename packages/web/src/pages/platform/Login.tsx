/**
 * Operator sign-in (`/platform/login`, issue 20): e-mail and password to
 * `POST /api/v1/platform/auth/login`, which answers a 15-minute token kept
 * in memory (`session.ts`). Says why the visitor is here — the session
 * expired, or a page needs a sign-in — and why a sign-in failed (wrong
 * credentials, too many attempts, server unreachable). Then goes back to
 * `?next=` (a `/platform/` address only) or the catalogue.
 *
 * @module
 */
import { useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import type { ApiError } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { endedBecause, operatorSignIn } from "./session.js"

/** The operator sign-in page. */
export const PlatformLogin = () => {
  const t = useT("platform")
  const { route, query } = useLocation()
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const next = query["next"]
  const expired = endedBecause() === "expired"
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.target as HTMLFormElement)
    setBusy(true)
    setError(undefined)
    try {
      await operatorSignIn(String(form.get("email") ?? "").trim(), String(form.get("password") ?? ""))
      route(next?.startsWith("/platform/") && !next.startsWith("/platform/login") ? next : "/platform/plans")
    } catch (e) {
      const err = e as ApiError
      setError(
        err.tag === "InvalidCredentials" || err.tag === "Unauthorized"
          ? t("login.invalid")
          : err.tag === "RateLimited"
            ? t("login.rateLimited", { seconds: err.retryAfter ?? 60 })
            : err.tag === "NetworkError"
              ? t("login.network")
              : err.message
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <main id="main" class="narrow">
      <p class="brand-big">
        Signet <span class="tenant">{t("brand")}</span>
      </p>
      <h1>{t("login.title")}</h1>
      {expired ? (
        <output class="card notice block">{t("login.expired")}</output>
      ) : (
        next && <p class="muted">{t("login.continue")}</p>
      )}
      <form class="card stack" onSubmit={(ev) => void submit(ev)}>
        <label>
          {t("login.email")}
          <input name="email" type="email" autocomplete="username" required maxLength={254} />
        </label>
        <label>
          {t("login.password")}
          <input name="password" type="password" autocomplete="current-password" required maxLength={1024} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("login.submit")}
        </button>
      </form>
      <p class="muted">{t("login.hint")}</p>
    </main>
  )
}
