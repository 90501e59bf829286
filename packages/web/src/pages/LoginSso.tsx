/**
 * The sign-in page's SSO part (issue 19 §2): when the typed e-mail's domain
 * is served by one of the tenant's SSO connections (`…/sso/discover`), or a
 * password login answered `SsoRequired`, a "Continue with your school
 * account" link starts the sign-in at the IdP (`…/sso/login`, a full
 * navigation: `/api/` paths are outside the client router). The server
 * brings the browser back signed in to the destination — for an interaction
 * of the tenant's OpenID Connect provider, back to the sign-in page with
 * `sso=1`, where the session is resumed and the interaction completed.
 * `?sso_error=<reason>` (the server's redirect after a refusal) is explained.
 * Also the sign-in page's destination rules, shared by both files.
 *
 * @module
 */
import { SsoDiscoveryApi } from "@signet/contracts/integrations/SsoApi"
import { useEffect, useState } from "preact/hooks"
import { accessToken, call, resume } from "../app/api.js"
import { useT } from "../app/i18n.js"

/** Where to go after signing in: `next` when it is a path of this tenant, else its home. */
export const destination = (slug: string, next: string | undefined) => {
  const home = `/t/${encodeURIComponent(slug)}`
  return next?.startsWith(`${home}/`) && !next.startsWith("//") ? next : home
}

/** Whether `next` is an interaction of this tenant's OpenID Connect provider. */
export const oidcInteraction = (slug: string, next: string | undefined) =>
  next !== undefined && new RegExp(`^/t/${encodeURIComponent(slug)}/oidc/interaction/[A-Za-z0-9_-]+$`).test(next)

/** Completes a provider sign-in with the access token; the browser goes where the provider continues. */
export const finishOidc = async (next: string, accessToken: string) => {
  const res = await fetch(`${next}/login`, {
    method: "POST",
    headers: { authorization: `Bearer ${accessToken}` },
    credentials: "same-origin"
  })
  if (!res.ok) throw { tag: "Unauthorized", message: "the sign-in request expired; start again from the application" }
  const { redirect_to } = (await res.json()) as { redirect_to: string }
  window.location.assign(redirect_to)
}

/** The SSO connection serving `email`'s domain in `slug`, if any (never fails: no answer is "none"). */
const discoverSso = (slug: string, email: string): Promise<string | undefined> =>
  email.includes("@")
    ? call(SsoDiscoveryApi, (c) => c.ssoDiscovery.discoverSso({ path: { slug }, payload: { email } })).then(
        (d) => d.connection ?? undefined,
        () => undefined
      )
    : Promise.resolve(undefined)

/** The reasons the server's `sso_error` may carry (each has a sentence in `ssoError`). */
const SSO_ERRORS = new Set([
  "email_missing",
  "email_unverified",
  "domain_not_served",
  "no_account",
  "account_disabled",
  "access_denied",
  "browser_mismatch",
  "expired",
  "quota",
  "rate_limited"
])

/**
 * The SSO state of the sign-in page: `lookUp(login)` (offers the link when a
 * connection serves the address), the `link` to show, the `error` the
 * server sent back. `setError` reports a failed provider interaction.
 */
export const useSso = (
  slug: string,
  query: Record<string, string | undefined>,
  setError: (message: string | undefined) => void
) => {
  const t = useT()
  const [sso, setSso] = useState<{ connection: string; email: string } | undefined>(undefined)
  const next = query["next"]
  const reason = query["sso_error"]

  // Back from an SSO sign-in started for a provider interaction: resume the session, finish it.
  useEffect(() => {
    if (query["sso"] !== "1" || !oidcInteraction(slug, next)) return
    void resume(slug).then((ok) => {
      const token = accessToken()
      if (ok && token) void finishOidc(next!, token).catch(() => setError(t("login.expired")))
    })
  }, [])

  const lookUp = async (login: string) => {
    const connection = await discoverSso(slug, login.trim())
    setSso(connection === undefined ? undefined : { connection, email: login.trim() })
  }

  const href = (s: { connection: string; email: string }) => {
    const back = oidcInteraction(slug, next)
      ? `/t/${encodeURIComponent(slug)}/login?sso=1&next=${encodeURIComponent(next!)}`
      : destination(slug, next)
    const params = new URLSearchParams({ connection: s.connection, login_hint: s.email, return_to: back })
    return `/api/v1/tenants/${encodeURIComponent(slug)}/sso/login?${params}`
  }

  return {
    lookUp,
    link: sso && (
      <p>
        <a class="button" href={href(sso)}>
          {t("login.sso")}
        </a>
      </p>
    ),
    error: reason && (
      <p class="error" role="alert">
        {t(SSO_ERRORS.has(reason) ? `ssoError.${reason}` : "ssoError.other")}
      </p>
    )
  }
}
