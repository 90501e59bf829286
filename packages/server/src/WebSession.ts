/**
 * Browser sessions (issue 17 "Browser security"), the transport side: the
 * refresh token lives in an `HttpOnly`, `SameSite=Strict` cookie scoped to
 * `/api/v1/tenants/{slug}/web`, the access token in the page's memory.
 * Login, MFA and rotation are core's ({@link Auth}, {@link Mfa}); this file
 * only moves the refresh token between the body and the cookie and checks
 * CSRF (double-submit cookie + `Origin`). The `web` group's handlers
 * (`http/Web.ts`) call these operations.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  type AcceptInvitation,
  Accounts,
  Auth,
  CSRF_COOKIE,
  CSRF_HEADER,
  type EmailCodeSignInVerify,
  Forbidden,
  type LoginRequest,
  Mfa,
  type MfaLoginRequest,
  type MfaSmsCodeVerify,
  type PasskeySignIn,
  Passkeys,
  Phones,
  REFRESH_COOKIE,
  type SmsCodeSignInVerify,
  Tenancy,
  type TokenPair,
  Unauthorized,
  WebTenant,
  WebTokens
} from "@signet/core"
import { Duration, Effect, Option } from "effect"
import { clientInfo } from "./Auth.js"
import type { ServerConfig } from "./Config.js"

const cookiePath = (slug: string) => `/api/v1/tenants/${encodeURIComponent(slug)}/web`

/** Whether cookies get `Secure`: when the public URL is https. */
export const secure = (config: ServerConfig) => Option.exists(config.publicUrl, (u) => u.startsWith("https:"))

/** Sets the session's cookies on the response: the refresh token (HttpOnly) and a fresh CSRF token. */
export const setSessionCookies = (config: ServerConfig, slug: string, pair: TokenPair) =>
  HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.orDie(
      HttpServerResponse.setCookies(response, [
        [
          REFRESH_COOKIE,
          pair.refresh_token,
          {
            httpOnly: true,
            secure: secure(config),
            sameSite: "strict",
            path: cookiePath(slug),
            maxAge: Duration.seconds(pair.refresh_expires_in)
          }
        ],
        [
          CSRF_COOKIE,
          Crypto.randomBytes(24).toString("base64url"),
          { httpOnly: false, secure: secure(config), sameSite: "strict", path: "/" }
        ]
      ])
    )
  )

/** Expires both cookies. */
const clearSessionCookies = (config: ServerConfig, slug: string) =>
  HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.orDie(
      HttpServerResponse.setCookies(response, [
        [
          REFRESH_COOKIE,
          "",
          { httpOnly: true, secure: secure(config), sameSite: "strict", path: cookiePath(slug), maxAge: 0 }
        ],
        [CSRF_COOKIE, "", { secure: secure(config), sameSite: "strict", path: "/", maxAge: 0 }]
      ])
    )
  )

const tokensOf = (pair: TokenPair) =>
  new WebTokens({
    access_token: pair.access_token,
    token_type: "Bearer",
    expires_in: pair.expires_in,
    session_id: pair.session_id,
    user: pair.user
  })

const digest = (s: string) => Crypto.createHash("sha256").update(s).digest()

/**
 * The CSRF check of a cookie-authenticated request: the `X-CSRF-Token`
 * header equals the `signet_csrf` cookie (compared in constant time) and the
 * `Origin`, when sent, is this server's (its public URL or the `Host` the
 * request was sent to). @errors Forbidden
 */
const checkCsrf = (config: ServerConfig) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const refuse = (why: string) => Effect.fail(new Forbidden({ message: `cross-site request refused: ${why}` }))
    const origin = request.headers["origin"]
    if (origin !== undefined) {
      const own = Option.map(config.publicUrl, (u) => new URL(u).origin)
      let host: string | undefined
      try {
        host = new URL(origin).host
      } catch {
        return refuse("malformed Origin")
      }
      if (host !== request.headers["host"] && !Option.contains(own, origin)) return refuse("foreign Origin")
    }
    const cookie = request.cookies[CSRF_COOKIE] ?? ""
    const header = request.headers[CSRF_HEADER] ?? ""
    if (cookie.length < 16 || !Crypto.timingSafeEqual(digest(cookie), digest(header)))
      return refuse(`the ${CSRF_HEADER} header must repeat the ${CSRF_COOKIE} cookie`)
    return Effect.succeed(request)
  })

/**
 * Browser login: core's login; with tokens, the refresh token goes into the
 * cookie and the body keeps the access token. An MFA challenge passes through.
 * @errors InvalidCredentials, RateLimited, TenantNotFound, TenantSuspended
 */
export const webLogin = (config: ServerConfig, slug: string, payload: typeof LoginRequest.Type) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config, payload.device_label)
    const result = yield* Auth.use((a) => a.login(slug, payload, client))
    if (result.status !== "authenticated") return result
    yield* setSessionCookies(config, slug, result.tokens)
    return { status: "authenticated" as const, tokens: tokensOf(result.tokens) }
  })

/**
 * Browser invitation acceptance (issue 18): core sets the password and signs
 * in; the session goes into cookies exactly as after {@link webLogin}.
 * @errors InvalidInvitationToken, ValidationError, RateLimited, TenantNotFound, TenantSuspended
 */
export const webAcceptInvitation = (config: ServerConfig, slug: string, payload: typeof AcceptInvitation.Type) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config)
    const result = yield* Accounts.use((a) => a.acceptInvitation(slug, payload, client))
    if (result.status !== "authenticated") return result
    yield* setSessionCookies(config, slug, result.tokens)
    return { status: "authenticated" as const, tokens: tokensOf(result.tokens) }
  })

/**
 * Browser sign-in by e-mail code (issue 18): core checks the mailed code and
 * signs in (or answers the MFA challenge); the session goes into cookies
 * exactly as after {@link webLogin}.
 * @errors EmailCodeSignInDisabled, Unauthorized, SsoRequired, RateLimited, TenantNotFound, TenantSuspended
 */
export const webSignInEmailCode = (config: ServerConfig, slug: string, payload: typeof EmailCodeSignInVerify.Type) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config)
    const result = yield* Accounts.use((a) => a.verifySignInEmailCode(slug, payload, client))
    if (result.status !== "authenticated") return result
    yield* setSessionCookies(config, slug, result.tokens)
    return { status: "authenticated" as const, tokens: tokensOf(result.tokens) }
  })

/**
 * Browser login's second step by texted code (issue 18 SMS): core checks the
 * code against the MFA challenge; the session goes into cookies exactly as
 * after {@link webLogin}.
 * @errors MfaSmsCodesDisabled, Unauthorized, SignInActionsRequired, RateLimited, TenantNotFound, TenantSuspended
 */
export const webMfaSmsCode = (config: ServerConfig, slug: string, payload: typeof MfaSmsCodeVerify.Type) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config)
    const pair = yield* Phones.use((p) => p.verifyMfaSmsCode(slug, payload, client))
    yield* setSessionCookies(config, slug, pair)
    return tokensOf(pair)
  })

/**
 * Browser sign-in by SMS code (issue 18): core checks the texted code and
 * signs in (or answers the MFA challenge); the session goes into cookies
 * exactly as after {@link webLogin}.
 * @errors SmsCodeSignInDisabled, ValidationError, Unauthorized, SsoRequired, RateLimited, TenantNotFound, TenantSuspended
 */
export const webSignInSmsCode = (config: ServerConfig, slug: string, payload: typeof SmsCodeSignInVerify.Type) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config)
    const result = yield* Phones.use((p) => p.verifySignInSmsCode(slug, payload, client))
    if (result.status !== "authenticated") return result
    yield* setSessionCookies(config, slug, result.tokens)
    return { status: "authenticated" as const, tokens: tokensOf(result.tokens) }
  })

/** Browser login's second step (TOTP or recovery code). @errors Unauthorized, RateLimited */
export const webMfa = (config: ServerConfig, slug: string, payload: typeof MfaLoginRequest.Type) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config)
    const pair = yield* Mfa.use((m) =>
      m.completeLogin(slug, payload.mfa_token, { code: payload.code, recovery_code: payload.recovery_code }, client)
    )
    yield* setSessionCookies(config, slug, pair)
    return tokensOf(pair)
  })

/**
 * Browser sign-in once the required actions are done (issue 18): core
 * exchanges the action token for a session; it goes into cookies exactly as
 * after {@link webLogin}.
 * @errors Unauthorized (action token), ActionsPending (409), TenantNotFound, TenantSuspended
 */
export const webCompleteActions = (config: ServerConfig, slug: string, actionToken: string) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config)
    const pair = yield* Auth.use((a) => a.completeActions(slug, actionToken, client))
    yield* setSessionCookies(config, slug, pair)
    return tokensOf(pair)
  })

/**
 * Browser sign-in with a passkey (issue 18): core verifies the assertion
 * (passwordless, or the login's second step with `mfa_token`) and opens the
 * session; it goes into cookies exactly as after {@link webLogin}.
 * @errors Unauthorized (every refusal), SignInActionsRequired (403: required
 *   actions pending, no cookie), RateLimited, TenantNotFound, TenantSuspended
 */
export const webPasskey = (config: ServerConfig, slug: string, payload: typeof PasskeySignIn.Type) =>
  Effect.gen(function* () {
    const client = yield* clientInfo(config, payload.device_label)
    const pair = yield* Passkeys.use((p) => p.signIn(slug, payload.credential, payload.mfa_token, client))
    yield* setSessionCookies(config, slug, pair)
    return tokensOf(pair)
  })

/**
 * Rotates the refresh cookie (CSRF-checked first) and answers a new access
 * token; a dead refresh token also clears the cookies.
 * @errors Forbidden (CSRF), Unauthorized (no or dead session)
 */
export const webRefresh = (config: ServerConfig, slug: string) =>
  Effect.gen(function* () {
    const request = yield* checkCsrf(config)
    const token = request.cookies[REFRESH_COOKIE]
    if (token === undefined || token === "")
      return yield* new Unauthorized({ message: "no browser session: sign in again" })
    const client = yield* clientInfo(config)
    const pair = yield* Auth.use((a) => a.refresh(slug, token, client)).pipe(
      Effect.tapError(() => clearSessionCookies(config, slug))
    )
    yield* setSessionCookies(config, slug, pair)
    return tokensOf(pair)
  })

/** Clears the browser session's cookies (CSRF-checked). @errors Forbidden */
export const webLogout = (config: ServerConfig, slug: string) =>
  Effect.zipRight(checkCsrf(config), clearSessionCookies(config, slug))

/** The tenant whose custom domain is the request's `Host`. @errors TenantNotFound */
export const webTenant = (host: string | undefined) =>
  Effect.map(
    Tenancy.use((t) => t.getByDomain(host ?? "")),
    (t) => new WebTenant({ slug: t.slug, name: t.name })
  )
