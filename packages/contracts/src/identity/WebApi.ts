/**
 * REST contract of browser sessions (issue 17 "Browser security";
 * ARCHITECTURE §5 "Web"): the web app logs in here instead of `…/auth/login`.
 * The refresh token never reaches page scripts — it travels in an
 * `HttpOnly`, `SameSite=Strict` cookie (`signet_refresh`) whose `Path` is
 * `/api/v1/tenants/{slug}/web`, so the browser sends it to these endpoints
 * only; the access token is returned in the body and kept in memory.
 *
 * CSRF: every cookie-authenticated request (`refresh`, `logout`) must carry
 * the header `X-CSRF-Token` equal to the `signet_csrf` cookie (double submit,
 * OWASP CSRF cheat sheet) and, when the browser sends `Origin`, come from the
 * server's own origin; otherwise 403 and nothing changes.
 *
 * @module
 */

import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Forbidden, RateLimited, Unauthorized, ValidationError } from "../kernel/Errors.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  InvalidCredentials,
  LoginRequest,
  MfaLoginRequest,
  PasskeySignIn,
  SessionId,
  SsoRequired,
  User
} from "./Domain.js"
import { ActionsPending, ActionsRequired, CompleteActions, SignInActionsRequired } from "./RequiredActions.js"
import { TenantSsoRequired } from "./SignInErrors.js"

const slug = HttpApiSchema.param("slug", Schema.String)

/** Name of the HttpOnly cookie holding a browser session's refresh token. */
export const REFRESH_COOKIE = "signet_refresh"
/** Name of the script-readable cookie holding the CSRF token (double submit). */
export const CSRF_COOKIE = "signet_csrf"
/** Header that must repeat the CSRF cookie on cookie-authenticated requests. */
export const CSRF_HEADER = "x-csrf-token"

/** Headers of cookie-authenticated requests: the CSRF token (absent or wrong → 403). */
export const CsrfHeaders = Schema.Struct({
  "x-csrf-token": Schema.optional(Schema.String.pipe(Schema.maxLength(200)))
})

/** A browser session's tokens: the access token only (the refresh token is in the cookie). */
export class WebTokens extends Schema.Class<WebTokens>("WebTokens")({
  access_token: Schema.String,
  token_type: Schema.Literal("Bearer"),
  expires_in: Schema.Number.annotations({ description: "Access token lifetime in seconds" }),
  session_id: SessionId,
  user: User
}) {}

/** Web login answer: tokens, the MFA challenge for `…/web/mfa`, or required actions (issue 18). */
export const WebLoginResult = Schema.Union(
  Schema.Struct({ status: Schema.Literal("authenticated"), tokens: WebTokens }),
  Schema.Struct({
    status: Schema.Literal("mfa_required"),
    mfa_token: Schema.String.annotations({ description: "Short-lived challenge token (5 min) for …/web/mfa" }),
    expires_in: Schema.Number
  }),
  ActionsRequired
)
/** @see WebLoginResult */
export type WebLoginResult = typeof WebLoginResult.Type

/** The school a custom domain serves (`GET /api/v1/web/tenant`): what the app needs to route to it. */
export class WebTenant extends Schema.Class<WebTenant>("WebTenant")({
  slug: Schema.String,
  name: Schema.String
}) {}

/** `web` group: browser sessions (cookie-held refresh token, CSRF-checked). */
export class WebSessionApi extends HttpApiGroup.make("web")
  .add(
    HttpApiEndpoint.post("login")`/api/v1/tenants/${slug}/web/login`
      .setPayload(LoginRequest)
      .addSuccess(WebLoginResult)
      .addError(InvalidCredentials)
      .addError(SsoRequired)
      .addError(TenantSsoRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .addError(ValidationError)
      .annotate(
        OpenApi.Summary,
        "Browser login: sets the refresh cookie, answers the access token (or an MFA challenge)"
      )
  )
  .add(
    HttpApiEndpoint.post("mfa")`/api/v1/tenants/${slug}/web/mfa`
      .setPayload(MfaLoginRequest)
      .addSuccess(WebTokens)
      .addError(Unauthorized)
      .addError(SignInActionsRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Browser login, second step (TOTP or recovery code): sets the refresh cookie")
  )
  .add(
    HttpApiEndpoint.post("actionsComplete")`/api/v1/tenants/${slug}/web/actions/complete`
      .setPayload(CompleteActions)
      .addSuccess(WebTokens)
      .addError(Unauthorized)
      .addError(ActionsPending)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Browser sign-in after required actions (issue 18): exchanges the action token, sets the refresh cookie"
      )
  )
  .add(
    HttpApiEndpoint.post("passkey")`/api/v1/tenants/${slug}/web/passkey`
      .setPayload(PasskeySignIn)
      .addSuccess(WebTokens)
      .addError(Unauthorized)
      .addError(SignInActionsRequired)
      .addError(TenantSsoRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Browser sign-in with a passkey (passwordless, or the second login step with `mfa_token`): sets the refresh cookie"
      )
  )
  .add(
    HttpApiEndpoint.post("refresh")`/api/v1/tenants/${slug}/web/refresh`
      .setHeaders(CsrfHeaders)
      .addSuccess(WebTokens)
      .addError(Unauthorized)
      .addError(Forbidden)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Rotate the refresh cookie (X-CSRF-Token required) and answer a new access token")
  )
  .add(
    HttpApiEndpoint.post("logout")`/api/v1/tenants/${slug}/web/logout`
      .setHeaders(CsrfHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(Forbidden)
      .annotate(
        OpenApi.Summary,
        "Clear the browser session's cookies (X-CSRF-Token required); revoke the session first with …/auth/logout"
      )
  )
  .add(
    HttpApiEndpoint.get("tenant", "/api/v1/web/tenant")
      .setHeaders(Schema.Struct({ host: Schema.optional(Schema.String.pipe(Schema.maxLength(300))) }))
      .addSuccess(WebTenant)
      .addError(TenantNotFound)
      .annotate(
        OpenApi.Summary,
        "The school whose custom domain this request was sent to (the web app's `/` routes to it)"
      )
  )
  .annotate(OpenApi.Title, "Browser sessions") {}
