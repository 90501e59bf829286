/**
 * REST contract of the identity module (seed 001 "Authentication", "User
 * Management"): login, refresh, sessions, the caller's profile and password,
 * tenant user administration, and the JWKS.
 *
 * @module
 */

import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  Conflict,
  Forbidden,
  NotFound,
  QuotaExceeded,
  RateLimited,
  Unauthorized,
  ValidationError
} from "../kernel/Errors.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { UserAuth } from "../kernel/Security.js"
import { strictStruct, TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  ApiKey,
  ApiKeyId,
  ApiKeyNotFound,
  ChangePassword,
  CreateApiKey,
  CreatedApiKey,
  CreateUser,
  DisableMfa,
  EnrollTotp,
  InvalidCredentials,
  LoginRequest,
  LoginResult,
  MfaCode,
  MfaLoginRequest,
  MfaReset,
  PasswordInput,
  RefreshRequest,
  ResetPassword,
  Session,
  SessionId,
  SsoRequired,
  TokenPair,
  TotpEnrollment,
  UpdateMyProfile,
  UpdateUser,
  User,
  UserId,
  UserNotFound,
  UserStatus,
  UserType
} from "./Domain.js"
import { IntrospectionRequest, IntrospectionResponse } from "./Introspection.js"
import {
  ActionPassword,
  ActionsPending,
  ActionsProgress,
  ActionTotpConfirm,
  ActionTotpConfirmed,
  CompleteActions,
  SetRequiredActions,
  SignInActionsRequired,
  UserRequiredActions
} from "./RequiredActions.js"
import { TenantSsoRequired } from "./SignInErrors.js"

const slug = HttpApiSchema.param("slug", Schema.String)
/** `{id}` of a user's paths: a UserId (a malformed one answers 400). */
const id = HttpApiSchema.param("id", UserId)
/** `{id}` of a session's path: a SessionId. */
const sessionId = HttpApiSchema.param("id", SessionId)
/** `{id}` of an API key's path: an ApiKeyId. */
const apiKeyId = HttpApiSchema.param("id", ApiKeyId)

/** The JWKS document (RFC 7517). */
export const Jwks = Schema.Struct({
  keys: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}).annotations({ identifier: "JWKS" })

/** `auth` group: unauthenticated token endpoints and the JWKS. */
export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("login")`/api/v1/tenants/${slug}/auth/login`
      .setPayload(LoginRequest)
      .addSuccess(LoginResult)
      .addError(InvalidCredentials)
      .addError(SsoRequired)
      .addError(TenantSsoRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Log in with e-mail (or username) and password")
      .annotate(
        OpenApi.Description,
        "Returns tokens, or `mfa_required` with a challenge token when the user has TOTP enabled. Every failure is the same 401."
      )
  )
  .add(
    HttpApiEndpoint.post("refresh")`/api/v1/tenants/${slug}/auth/refresh`
      .setPayload(RefreshRequest)
      .addSuccess(TokenPair)
      .addError(Unauthorized)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Rotate a refresh token (single use; reuse revokes the session)")
  )
  .add(
    HttpApiEndpoint.post("mfa")`/api/v1/tenants/${slug}/auth/mfa`
      .setPayload(MfaLoginRequest)
      .addSuccess(TokenPair)
      .addError(Unauthorized)
      .addError(SignInActionsRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Second login step: exchange the MFA challenge and a TOTP (or recovery) code for tokens"
      )
      .annotate(
        OpenApi.Description,
        "Code attempts are limited per user (`SIGNET_RATE_MFA`, default 10 per 5 minutes, shared with step-up and disabling MFA); past the limit every attempt, a correct code included, is a 429 until `Retry-After`."
      )
  )
  .add(
    HttpApiEndpoint.post("actionPassword")`/api/v1/tenants/${slug}/auth/actions/password`
      .setPayload(ActionPassword)
      .addSuccess(ActionsProgress)
      .addError(Unauthorized)
      .addError(ValidationError)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Required action `update_password`: set a new password with the action token")
      .annotate(
        OpenApi.Description,
        "Issue 18 required actions. The tenant's password policy applies; the answer lists what is still pending with a fresh action token. An invalid or expired action token: 401."
      )
  )
  .add(
    HttpApiEndpoint.post("actionTotpStart")`/api/v1/tenants/${slug}/auth/actions/totp`
      .setPayload(CompleteActions)
      .addSuccess(TotpEnrollment)
      .addError(Unauthorized)
      .addError(ValidationError)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Required action `configure_mfa`: start TOTP enrolment with the action token (secret, otpauth URI, QR code)"
      )
      .annotate(
        OpenApi.Description,
        "Issue 18 required actions. Only while `configure_mfa` is pending (else 401); counts in the account's login limit (`SIGNET_RATE_LOGIN_ACCOUNT`)."
      )
  )
  .add(
    HttpApiEndpoint.post("actionTotpConfirm")`/api/v1/tenants/${slug}/auth/actions/totp/confirm`
      .setPayload(ActionTotpConfirm)
      .addSuccess(ActionTotpConfirmed)
      .addError(Unauthorized)
      .addError(ValidationError)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Required action `configure_mfa`: confirm TOTP with a first code; recovery codes, what is left, a fresh action token"
      )
      .annotate(
        OpenApi.Description,
        "A wrong code: 400 `ValidationError`. Codes count in the user's MFA limit (`SIGNET_RATE_MFA`)."
      )
  )
  .add(
    HttpApiEndpoint.post("actionsComplete")`/api/v1/tenants/${slug}/auth/actions/complete`
      .setPayload(CompleteActions)
      .addSuccess(TokenPair)
      .addError(Unauthorized)
      .addError(ActionsPending)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Exchange an action token for tokens once no required action is pending")
      .annotate(
        OpenApi.Description,
        "Single use: the sign-in is recorded, so a second exchange of the same action token is a 401. Still pending: 409 `ActionsPending` naming them."
      )
  )
  .add(
    HttpApiEndpoint.get("jwks", "/.well-known/jwks.json")
      .addSuccess(Jwks)
      .annotate(OpenApi.Summary, "Public keys that verify Signet's tokens (RFC 7517)")
      .annotate(
        OpenApi.Description,
        "The platform's keys. A tenant with signing keys of its own publishes them at `/api/v1/tenants/{slug}/jwks.json`."
      )
  )
  .add(
    HttpApiEndpoint.get("tenantJwks")`/api/v1/tenants/${slug}/jwks.json`
      .addSuccess(Jwks)
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "Public keys that verify this tenant's tokens (RFC 7517)")
      .annotate(
        OpenApi.Description,
        "The tenant's own signing keys, if it has any (`signet keys rotate --tenant`), then the platform's."
      )
  )
  .annotate(OpenApi.Title, "Authentication") {}

/** `session` group: the caller's own session, profile and password. */
export class SessionApi extends HttpApiGroup.make("session")
  .add(
    HttpApiEndpoint.post("logout")`/api/v1/tenants/${slug}/auth/logout`
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Revoke the current session")
  )
  .add(
    HttpApiEndpoint.get("sessions")`/api/v1/tenants/${slug}/auth/sessions`
      .addSuccess(Schema.Array(Session))
      .annotate(OpenApi.Summary, "List my live sessions (devices)")
  )
  .add(
    HttpApiEndpoint.del("revokeSession")`/api/v1/tenants/${slug}/auth/sessions/${sessionId}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(ValidationError)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Revoke one of my sessions")
  )
  .add(
    HttpApiEndpoint.post("revokeOtherSessions")`/api/v1/tenants/${slug}/auth/sessions/revoke-others`
      .addSuccess(Schema.Struct({ revoked: Schema.Number }))
      .annotate(OpenApi.Summary, "Sign out everywhere else")
  )
  .add(
    HttpApiEndpoint.get("me")`/api/v1/tenants/${slug}/me`
      .addSuccess(User)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "My profile")
  )
  .add(
    HttpApiEndpoint.patch("updateMe")`/api/v1/tenants/${slug}/me`
      .setPayload(UpdateMyProfile)
      .addSuccess(User)
      .addError(UserNotFound)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Change my profile: display name, locale, time zone, picture (issue 18)")
      .annotate(
        OpenApi.Description,
        "Only the fields the tenant's `profile.self_edit` setting lists (default: all four); another answers 403 Forbidden (`profile:<field>`) and nothing changes. `null` clears a field."
      )
  )
  .add(
    HttpApiEndpoint.post("changePassword")`/api/v1/tenants/${slug}/me/password`
      .setPayload(ChangePassword)
      .addSuccess(Schema.Struct({ other_sessions_revoked: Schema.Number }))
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Change my password (current password required; signs out other sessions)")
  )
  .add(
    HttpApiEndpoint.post("enrollTotp")`/api/v1/tenants/${slug}/me/mfa/totp`
      .setPayload(EnrollTotp)
      .addSuccess(TotpEnrollment)
      .addError(ValidationError)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Start TOTP enrolment (current password required; secret, otpauth URI, QR code)")
      .annotate(
        OpenApi.Description,
        "A wrong password is a 403 (and counts in the account's login limit, `SIGNET_RATE_LOGIN_ACCOUNT`; past it a 429)."
      )
  )
  .add(
    HttpApiEndpoint.post("confirmTotp")`/api/v1/tenants/${slug}/me/mfa/totp/confirm`
      .setPayload(MfaCode)
      .addSuccess(Schema.Struct({ recovery_codes: Schema.Array(Schema.String) }))
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Confirm TOTP with a first code; returns 10 single-use recovery codes (shown once)")
  )
  .add(
    HttpApiEndpoint.post("disableMfa")`/api/v1/tenants/${slug}/me/mfa/disable`
      .setPayload(DisableMfa)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(ValidationError)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Turn MFA off (password and a code required)")
  )
  .add(
    HttpApiEndpoint.post("stepUp")`/api/v1/tenants/${slug}/auth/step-up`
      .setPayload(MfaCode)
      .addSuccess(Schema.Struct({ mfa_verified_at: Schema.DateTimeUtc }))
      .addError(ValidationError)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Re-verify MFA on this session before a sensitive operation")
  )
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "My session") {}

/** Page of users. */
export const UserPage = Page(User)

/** `users` group: tenant user administration. */
export class UsersApi extends HttpApiGroup.make("users")
  .add(
    HttpApiEndpoint.get("list")`/api/v1/tenants/${slug}/users`
      .setUrlParams(
        Schema.Struct({
          ...PageParams.fields,
          user_type: Schema.optional(UserType),
          status: Schema.optional(UserStatus),
          school_id: Schema.optional(Schema.UUID),
          q: Schema.optional(Schema.String.pipe(Schema.maxLength(100)))
        })
      )
      .addSuccess(UserPage)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "List users (filters, cursor pagination)")
  )
  .add(
    HttpApiEndpoint.post("create")`/api/v1/tenants/${slug}/users`
      .setPayload(CreateUser)
      .addSuccess(User, { status: 201 })
      .addError(ValidationError)
      .addError(Conflict)
      .addError(QuotaExceeded)
      .annotate(OpenApi.Summary, "Create a user")
      .annotate(OpenApi.Description, "402 QuotaExceeded when the tenant's plan limit `users.max` is reached.")
  )
  .add(
    HttpApiEndpoint.get("get")`/api/v1/tenants/${slug}/users/${id}`
      .addSuccess(User)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "Get a user")
  )
  .add(
    HttpApiEndpoint.patch("update")`/api/v1/tenants/${slug}/users/${id}`
      .setPayload(UpdateUser)
      .addSuccess(User)
      .addError(UserNotFound)
      .addError(ValidationError)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Update a user's profile (type, status and roles are refused here)")
  )
  .add(
    HttpApiEndpoint.del("delete")`/api/v1/tenants/${slug}/users/${id}`
      .addSuccess(User)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "Soft-delete a user (revokes their sessions)")
  )
  .add(
    HttpApiEndpoint.post("disable")`/api/v1/tenants/${slug}/users/${id}/disable`
      .addSuccess(User)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "Disable a user (revokes their sessions)")
  )
  .add(
    HttpApiEndpoint.post("enable")`/api/v1/tenants/${slug}/users/${id}/enable`
      .addSuccess(User)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "Re-enable a disabled user")
  )
  .add(
    HttpApiEndpoint.post("unlock")`/api/v1/tenants/${slug}/users/${id}/unlock`
      .addSuccess(User)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "Lift a lockout")
  )
  .add(
    HttpApiEndpoint.post("resetPassword")`/api/v1/tenants/${slug}/users/${id}/password`
      .setPayload(ResetPassword)
      .addSuccess(Schema.Struct({ sessions_revoked: Schema.Number }))
      .addError(UserNotFound)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Set a user's password (admin reset; revokes every session)")
  )
  .add(
    HttpApiEndpoint.del("resetMfa")`/api/v1/tenants/${slug}/users/${id}/mfa`
      .addSuccess(MfaReset)
      .addError(UserNotFound)
      .annotate(
        OpenApi.Summary,
        "Reset a user's MFA (lost authenticator): removes the TOTP secret and recovery codes, revokes every session"
      )
      .annotate(
        OpenApi.Description,
        "Needs `users:write`, every permission the user holds, and from a user a recent MFA step-up (403 `mfa:step-up`). Audited (`mfa.reset`)."
      )
  )
  .add(
    HttpApiEndpoint.get("requiredActions")`/api/v1/tenants/${slug}/users/${id}/required-actions`
      .addSuccess(UserRequiredActions)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "A user's admin-set required actions (`users:read`)")
  )
  .add(
    HttpApiEndpoint.put("setRequiredActions")`/api/v1/tenants/${slug}/users/${id}/required-actions`
      .setPayload(SetRequiredActions)
      .addSuccess(UserRequiredActions)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "Set a user's required actions, enforced at their next sign-in (`users:write`)")
      .annotate(
        OpenApi.Description,
        "Issue 18, as Keycloak's required actions: `verify_email`, `update_password`, `configure_mfa`. An empty list clears them. Audited (`user.required_actions_set`)."
      )
  )
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Users") {}

/** `apikeys` group: per-tenant API keys (seed 001 `api_keys`). */
export class ApiKeysApi extends HttpApiGroup.make("apikeys")
  .add(
    HttpApiEndpoint.get("list")`/api/v1/tenants/${slug}/api-keys`
      .addSuccess(Schema.Array(ApiKey))
      .annotate(OpenApi.Summary, "List API keys (never their secrets)")
  )
  .add(
    HttpApiEndpoint.post("create")`/api/v1/tenants/${slug}/api-keys`
      .setPayload(CreateApiKey)
      .addSuccess(CreatedApiKey, { status: 201 })
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Create an API key scoped to permissions (the key is shown once)")
  )
  .add(
    HttpApiEndpoint.del("revoke")`/api/v1/tenants/${slug}/api-keys/${apiKeyId}`
      .addSuccess(ApiKey)
      .addError(ApiKeyNotFound)
      .annotate(OpenApi.Summary, "Revoke an API key")
  )
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "API keys") {}

/**
 * `introspection` group: OAuth 2.0 token introspection (RFC 7662) for
 * resource servers that cannot verify Signet's JWTs themselves, the REST twin
 * of seed 000's `AuthService.ValidateToken`. The caller authenticates (an
 * API key scoped to `tokens:introspect` is the usual credential) and learns
 * about its own tenant's access tokens only.
 */
export class IntrospectionApi extends HttpApiGroup.make("introspection")
  .add(
    HttpApiEndpoint.post("introspect")`/api/v1/tenants/${slug}/oauth/introspect`
      .setPayload(HttpApiSchema.withEncoding(IntrospectionRequest, { kind: "UrlParams" }))
      .addSuccess(IntrospectionResponse)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Introspect an access token (RFC 7662; form-encoded `token`)")
  )
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Token introspection") {}

/** Body of `POST /api/v1/platform/auth/login`. */
export const OperatorLogin = strictStruct("OperatorLogin", {
  email: Schema.String.pipe(Schema.maxLength(254)),
  password: PasswordInput
})

/** An operator token. */
export class OperatorToken extends Schema.Class<OperatorToken>("OperatorToken")({
  access_token: Schema.String,
  token_type: Schema.Literal("Bearer"),
  expires_in: Schema.Number
}) {}

/** `platform` group: platform-operator login (operators manage tenants). */
export class PlatformApi extends HttpApiGroup.make("platform")
  .add(
    HttpApiEndpoint.post("login", "/api/v1/platform/auth/login")
      .setPayload(OperatorLogin)
      .addSuccess(OperatorToken)
      .addError(InvalidCredentials)
      .addError(RateLimited)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Platform operator login (token accepted by every platform endpoint, 15 min)")
  )
  .annotate(OpenApi.Title, "Platform") {}
