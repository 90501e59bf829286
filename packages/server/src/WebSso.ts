/**
 * Browser sign-in through a tenant's SSO connection (issue 19 §2), the
 * transport side; the flow's rules are core's (`SsoSignIn`):
 *
 * - `GET /api/v1/tenants/{slug}/sso/login?connection=…[&return_to=…][&login_hint=…]`
 *   starts the sign-in and redirects the browser to the IdP. The state also
 *   goes into an `HttpOnly`, `SameSite=Lax` cookie whose path is the
 *   callback's, so a callback link started by someone else (login CSRF)
 *   signs nobody in.
 * - `GET /api/v1/tenants/{slug}/sso/callback` — register exactly
 *   `{SIGNET_PUBLIC_URL or this request's origin}/api/v1/tenants/{slug}/sso/callback`
 *   at the IdP — checks the cookie, lets core complete the sign-in, puts the
 *   session into the browser's cookies (as a password login does) and
 *   redirects to `return_to` (default `/t/{slug}/`). Any failure redirects
 *   to `/t/{slug}/login?sso_error=<reason>` instead, which the login page
 *   explains; required actions pending (issue 18) redirect to
 *   `/t/{slug}/login#actions=…&action_token=…`, where the page offers them.
 * - `POST …/sso/callback` — the same URL is a SAML connection's assertion
 *   consumer service (HTTP-POST binding: `SAMLResponse`, `RelayState`); its
 *   state cookie is `SameSite=None; Secure`, since a cross-site form POST
 *   carries no other.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SsoAdmin } from "@signet/core"
import { Effect } from "effect"
import { clientInfo } from "./Auth.js"
import type { ServerConfig } from "./Config.js"
import { publicOrigin } from "./Middleware.js"
import { secure, setSessionCookies } from "./WebSession.js"

/** The cookie binding a started SSO sign-in to the browser that started it. */
export const SSO_STATE_COOKIE = "signet_sso_state"

const callbackPath = (slug: string) => `/api/v1/tenants/${encodeURIComponent(slug)}/sso/callback`
const loginPage = (slug: string, reason: string) =>
  `/t/${encodeURIComponent(slug)}/login?sso_error=${encodeURIComponent(reason)}`

/**
 * Where a failed browser sign-in goes: the login page with `sso_error`; or,
 * when required actions are pending (issue 18), the login page with the
 * action token in the URL's fragment (`#actions=…&action_token=…`), which
 * the browser never sends to a server and the page reads and clears.
 */
const failedTo = (slug: string, e: { readonly _tag: string; readonly reason?: unknown }) => {
  if (e._tag === "SignInActionsRequired") {
    const { action_token, actions } = e as unknown as { action_token: string; actions: ReadonlyArray<string> }
    const fragment = new URLSearchParams({ actions: actions.join(","), action_token })
    return `/t/${encodeURIComponent(slug)}/login#${fragment.toString()}`
  }
  return loginPage(slug, reasonOf(e))
}

/** What the login page is told when a sign-in fails (`sso_error`). */
const reasonOf = (e: { readonly _tag: string; readonly reason?: unknown }): string => {
  switch (e._tag) {
    case "SsoSignInRefused":
      return String(e.reason)
    case "OAuthProviderError":
      return e.reason === "access_denied" ? "access_denied" : "idp_error"
    case "OAuthStateInvalid":
      return "expired"
    case "QuotaExceeded":
      return "quota"
    case "RateLimited":
      return "rate_limited"
    case "SsoConnectionNotFound":
      return "no_connection"
    default:
      return "failed"
  }
}

const digest = (s: string) => Crypto.createHash("sha256").update(s).digest()

/**
 * Sets (or, with `""`, expires) the state cookie on the response. OIDC's
 * answer comes back as a cross-site top-level GET (`SameSite=Lax` is sent);
 * SAML's as a cross-site form POST, which only a `SameSite=None; Secure`
 * cookie reaches (browsers accept `Secure` on http only for localhost).
 */
const stateCookie = (config: ServerConfig, slug: string, state: string, protocol: "oidc" | "saml" = "oidc") =>
  HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.orDie(
      HttpServerResponse.setCookie(response, SSO_STATE_COOKIE, state, {
        httpOnly: true,
        secure: protocol === "saml" || secure(config),
        sameSite: protocol === "saml" ? "none" : "lax",
        path: callbackPath(slug),
        maxAge: state === "" ? 0 : "10 minutes"
      })
    )
  )

/** Whether the browser's state cookie is `state` (compared in constant time). */
const boundTo = (request: HttpServerRequest.HttpServerRequest, state: string) => {
  const bound = request.cookies[SSO_STATE_COOKIE] ?? ""
  return bound !== "" && state !== "" && Crypto.timingSafeEqual(digest(bound), digest(state))
}

/**
 * Starts a browser sign-in through `params.connection`: a 302 to the IdP
 * with the state cookie set; a failure, a 302 to the login page.
 */
export const webSsoLogin = (
  config: ServerConfig,
  slug: string,
  params: {
    readonly connection: string
    readonly return_to?: string | undefined
    readonly login_hint?: string | undefined
  }
) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config)
    const started = yield* SsoAdmin.signInStart(
      slug,
      {
        connection: params.connection,
        redirect_uri: yield* ssoCallbackUrl(config, slug),
        return_to: params.return_to,
        login_hint: params.login_hint
      },
      client
    )
    const url = new URL(started.authorization_url)
    const state = url.searchParams.get(started.protocol === "saml" ? "RelayState" : "state") ?? ""
    yield* stateCookie(config, slug, state, started.protocol)
    return HttpServerResponse.redirect(started.authorization_url, { status: 302 })
  }).pipe(
    Effect.catchAll((e) => Effect.succeed(HttpServerResponse.redirect(loginPage(slug, reasonOf(e)), { status: 302 })))
  )

/**
 * The IdP's redirect back: with the browser's state cookie matching, core
 * completes the sign-in and the session goes into cookies; a 302 to
 * `return_to`, or to the login page with `sso_error`.
 */
export const webSsoCallback = (config: ServerConfig, slug: string) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* stateCookie(config, slug, "")
    const at = request.url.indexOf("?")
    const query = at < 0 ? "" : request.url.slice(at + 1)
    if (!boundTo(request, new URLSearchParams(query).get("state") ?? ""))
      return HttpServerResponse.redirect(loginPage(slug, "browser_mismatch"), { status: 302 })
    const client = yield* clientInfo(config)
    const done = yield* SsoAdmin.signInComplete(slug, query, client)
    yield* setSessionCookies(config, slug, done.tokens)
    return HttpServerResponse.redirect(done.return_to ?? `/t/${encodeURIComponent(slug)}/`, { status: 302 })
  }).pipe(Effect.catchAll((e) => Effect.succeed(HttpServerResponse.redirect(failedTo(slug, e), { status: 302 }))))

/**
 * The SAML assertion consumer service (HTTP-POST binding): with the
 * browser's state cookie matching `RelayState`, core validates the response
 * and opens the session; then as {@link webSsoCallback}.
 */
export const webSsoSamlCallback = (
  config: ServerConfig,
  slug: string,
  form: { readonly SAMLResponse: string; readonly RelayState: string }
) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* stateCookie(config, slug, "", "saml")
    if (!boundTo(request, form.RelayState))
      return HttpServerResponse.redirect(loginPage(slug, "browser_mismatch"), { status: 302 })
    const client = yield* clientInfo(config)
    const done = yield* SsoAdmin.signInCompleteSaml(slug, form, client)
    yield* setSessionCookies(config, slug, done.tokens)
    return HttpServerResponse.redirect(done.return_to ?? `/t/${encodeURIComponent(slug)}/`, { status: 302 })
  }).pipe(Effect.catchAll((e) => Effect.succeed(HttpServerResponse.redirect(failedTo(slug, e), { status: 302 }))))

/** The callback URL of tenant `slug` (the OIDC redirect URI and SAML assertion consumer service). */
export const ssoCallbackUrl = (config: ServerConfig, slug: string) =>
  Effect.map(
    HttpServerRequest.HttpServerRequest,
    (request) => `${publicOrigin(config, request).replace(/\/$/, "")}${callbackPath(slug)}`
  )
