/**
 * RPC contract of the identity module, named as in the seeds:
 * `IdentityQuery` (identity.proto `IdentityQueryService`: GetUserLite, Exists,
 * ValidateStudentDevice; seed 000 `UserService.GetUserById`) and
 * `AuthService` (seed 000: ValidateToken; plus the login and refresh twins of
 * the REST endpoints).
 *
 * @module
 */

import { Rpc, RpcGroup, RpcMiddleware } from "@effect/rpc"
import { Schema } from "effect"
import { Forbidden, RateLimited, Unauthorized, ValidationError } from "../kernel/Errors.js"
import { Authenticated } from "../kernel/Security.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  AccessClaims,
  ActionPasskeyRegistration,
  InvalidCredentials,
  LoginRequest,
  LoginResult,
  MfaReset,
  Passkey,
  PasskeyId,
  PasskeyNotFound,
  PasskeyOptions,
  SsoRequired,
  TokenPair,
  TotpEnrollment,
  UpdateMyProfile,
  User,
  UserId,
  UserLite,
  UserNotFound
} from "./Domain.js"
import {
  ActionPassword,
  ActionsPending,
  ActionsProgress,
  ActionTotpConfirm,
  ActionTotpConfirmed,
  RequiredActionList,
  UserRequiredActions
} from "./RequiredActions.js"
import { TenantSsoRequired } from "./SignInErrors.js"

/**
 * RPC tenant authentication: `authorization: Bearer <user access token>`
 * (tenant from the token), or the operator token with `x-signet-tenant:
 * <slug>` naming the tenant to act on.
 */
export class RpcTenantAuth extends RpcMiddleware.Tag<RpcTenantAuth>()("Signet/RpcTenantAuth", {
  // Forbidden: an administrator's token issued only for MFA enrolment (tenant policy
  // `auth.mfa_required_for_admins`) reaches no RPC — enrolment is over REST.
  // RateLimited: the caller's API rate limits (issue 21 §5), counted as over REST.
  failure: Schema.Union(Unauthorized, Forbidden, TenantNotFound, TenantSuspended, RateLimited),
  provides: Authenticated,
  requiredForClient: true
}) {}

/**
 * Read-only user queries for other modules and services (seed 004
 * identity.proto). Each needs `users:read`, except about the caller
 * themselves (a student validating their own device); otherwise `Forbidden`.
 */
export class IdentityQuery extends RpcGroup.make(
  Rpc.make("GetUserLite", {
    payload: { user_id: UserId },
    success: UserLite,
    error: Schema.Union(UserNotFound, Forbidden)
  }),
  Rpc.make("Exists", {
    payload: { user_id: UserId },
    success: Schema.Struct({ exists: Schema.Boolean }),
    error: Forbidden
  }),
  Rpc.make("ValidateStudentDevice", {
    payload: { student_id: UserId, device_identifier: Schema.String },
    success: Schema.Struct({ is_valid: Schema.Boolean }),
    error: Forbidden
  }),
  Rpc.make("GetUserById", {
    payload: { user_id: UserId },
    success: User,
    error: Schema.Union(UserNotFound, Forbidden)
  })
).middleware(RpcTenantAuth) {}

/**
 * User-administration procedures over RPC, the twins of the REST endpoints.
 * `ResetUserMfa` (REST `DELETE …/users/{id}/mfa`): an administrator removes
 * a user's TOTP secret and recovery codes and revokes their sessions; needs
 * `users:write`, every permission the user holds, and from a user caller a
 * recent MFA step-up (`Forbidden`, `permission: "mfa:step-up"`).
 * `ListUserPasskeys` (`users:read`) and `RemoveUserPasskey` (`users:write`,
 * the user's power, step-up) are the twins of `GET` / `DELETE
 * …/users/{id}/passkeys…` (issue 18).
 */
export class IdentityCommand extends RpcGroup.make(
  Rpc.make("GetMyProfile", {
    success: User,
    error: Schema.Union(UserNotFound, Forbidden)
  }),
  Rpc.make("UpdateMyProfile", {
    payload: { patch: UpdateMyProfile },
    success: User,
    error: Schema.Union(UserNotFound, Forbidden)
  }),
  Rpc.make("ResetUserMfa", {
    payload: { user_id: UserId },
    success: MfaReset,
    error: Schema.Union(UserNotFound, Forbidden)
  }),
  Rpc.make("ListUserPasskeys", {
    payload: { user_id: UserId },
    success: Schema.Array(Passkey),
    error: Schema.Union(UserNotFound, Forbidden)
  }),
  Rpc.make("RemoveUserPasskey", {
    payload: { user_id: UserId, passkey_id: PasskeyId },
    success: Schema.Void,
    error: Schema.Union(UserNotFound, PasskeyNotFound, Forbidden)
  }),
  Rpc.make("GetUserRequiredActions", {
    payload: { user_id: UserId },
    success: UserRequiredActions,
    error: Schema.Union(UserNotFound, Forbidden)
  }),
  Rpc.make("SetUserRequiredActions", {
    payload: { user_id: UserId, actions: RequiredActionList },
    success: UserRequiredActions,
    error: Schema.Union(UserNotFound, Forbidden)
  })
).middleware(RpcTenantAuth) {}

/** Token operations (seed 000 `AuthService`). No caller authentication: the token is the credential. */
export class AuthService extends RpcGroup.make(
  Rpc.make("ValidateToken", {
    payload: { token: Schema.String },
    success: AccessClaims,
    error: Schema.Union(Unauthorized, TenantSuspended)
  }),
  Rpc.make("Login", {
    payload: { tenant: Schema.String, request: LoginRequest },
    success: LoginResult,
    error: Schema.Union(
      InvalidCredentials,
      SsoRequired,
      TenantSsoRequired,
      RateLimited,
      TenantNotFound,
      TenantSuspended,
      ValidationError
    )
  }),
  Rpc.make("Refresh", {
    payload: { tenant: Schema.String, refresh_token: Schema.String },
    success: TokenPair,
    error: Schema.Union(Unauthorized, TenantNotFound, TenantSuspended)
  }),
  Rpc.make("ActionPassword", {
    payload: { tenant: Schema.String, request: ActionPassword },
    success: ActionsProgress,
    error: Schema.Union(Unauthorized, ValidationError, TenantNotFound, TenantSuspended)
  }),
  Rpc.make("ActionTotpStart", {
    payload: { tenant: Schema.String, action_token: Schema.String },
    success: TotpEnrollment,
    error: Schema.Union(Unauthorized, ValidationError, RateLimited, TenantNotFound, TenantSuspended)
  }),
  Rpc.make("ActionTotpConfirm", {
    payload: { tenant: Schema.String, request: ActionTotpConfirm },
    success: ActionTotpConfirmed,
    error: Schema.Union(Unauthorized, ValidationError, RateLimited, TenantNotFound, TenantSuspended)
  }),
  Rpc.make("ActionPasskeyOptions", {
    payload: { tenant: Schema.String, action_token: Schema.String },
    success: PasskeyOptions,
    error: Schema.Union(Unauthorized, ValidationError, RateLimited, TenantNotFound, TenantSuspended)
  }),
  Rpc.make("ActionPasskeyRegister", {
    payload: { tenant: Schema.String, request: ActionPasskeyRegistration },
    success: ActionsProgress,
    error: Schema.Union(Unauthorized, ValidationError, TenantNotFound, TenantSuspended)
  }),
  Rpc.make("CompleteActions", {
    payload: { tenant: Schema.String, action_token: Schema.String },
    success: TokenPair,
    error: Schema.Union(Unauthorized, ActionsPending, TenantNotFound, TenantSuspended)
  })
) {}
