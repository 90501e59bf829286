/**
 * REST contract of passkeys (WebAuthn Level 3 through `@simplewebauthn/server`;
 * issue 18 "Passkeys / WebAuthn"; seed 002 "MFA support (… WebAuthn)"):
 * passwordless sign-in with discoverable credentials, a passkey as the
 * login's second step, step-up, and the caller's own passkeys (register,
 * list, rename, remove) plus an administrator's list and removal.
 *
 * Every ceremony is two calls: `…/options` stores a single-use challenge
 * (5 minutes, bound to the tenant and — except for passwordless sign-in —
 * to the user) and answers the options for `navigator.credentials`; the
 * second call verifies the browser's answer against it.
 *
 * @module
 */

import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Forbidden, RateLimited, Unauthorized, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  ActionPasskeyRegistration,
  Passkey,
  PasskeyAssertion,
  PasskeyId,
  PasskeyNotFound,
  PasskeyOptions,
  PasskeyRegistration,
  PasskeyRegistrationStart,
  PasskeyRename,
  PasskeySignIn,
  PasskeySignInStart,
  TokenPair,
  UserId,
  UserNotFound
} from "./Domain.js"
import { ActionsProgress, CompleteActions, SignInActionsRequired } from "./RequiredActions.js"
import { TenantSsoRequired } from "./SignInErrors.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const userId = HttpApiSchema.param("id", UserId)
const passkeyId = HttpApiSchema.param("passkey", PasskeyId)

/**
 * `passkeyAuth` group: unauthenticated passkey sign-in (passwordless or the
 * login's second step), and registering a passkey as the required action
 * `configure_mfa` with the sign-in's action token.
 */
export class PasskeyAuthApi extends HttpApiGroup.make("passkeyAuth")
  .add(
    HttpApiEndpoint.post("signInOptions")`/api/v1/tenants/${slug}/auth/passkey/options`
      .setPayload(PasskeySignInStart)
      .addSuccess(PasskeyOptions)
      .addError(Unauthorized)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Options for a passkey sign-in (passwordless, or with `mfa_token` the second step)")
      .annotate(
        OpenApi.Description,
        "Limited per client address like the login (`SIGNET_RATE_LOGIN_IP`). With an invalid or expired `mfa_token`: 401."
      )
  )
  .add(
    HttpApiEndpoint.post("signIn")`/api/v1/tenants/${slug}/auth/passkey`
      .setPayload(PasskeySignIn)
      .addSuccess(TokenPair)
      .addError(Unauthorized)
      .addError(SignInActionsRequired)
      .addError(TenantSsoRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Sign in with a passkey assertion; answers tokens as the login does")
      .annotate(
        OpenApi.Description,
        "Every refusal — unknown, removed or foreign credential, used or expired challenge, wrong origin or RP ID, bad signature, cloned authenticator — is the same 401. Attempts count in the user's MFA budget (`SIGNET_RATE_MFA`)."
      )
  )
  .add(
    HttpApiEndpoint.post("actionPasskeyOptions")`/api/v1/tenants/${slug}/auth/actions/passkey/options`
      .setPayload(CompleteActions)
      .addSuccess(PasskeyOptions)
      .addError(Unauthorized)
      .addError(ValidationError)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Required action `configure_mfa`: registration options for a passkey, with the sign-in's action token"
      )
      .annotate(
        OpenApi.Description,
        "Issue 18 required actions. Only while `configure_mfa` is pending (else 401); counts in the account's login limit (`SIGNET_RATE_LOGIN_ACCOUNT`). Attestation `none`; at most 20 passkeys per user."
      )
  )
  .add(
    HttpApiEndpoint.post("actionPasskeyRegister")`/api/v1/tenants/${slug}/auth/actions/passkey`
      .setPayload(ActionPasskeyRegistration)
      .addSuccess(ActionsProgress)
      .addError(Unauthorized)
      .addError(ValidationError)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Required action `configure_mfa`: register the passkey; what is left and a fresh action token"
      )
      .annotate(
        OpenApi.Description,
        "An answer that does not verify, or answers no registration challenge of this user: 400 `ValidationError`, nothing stored. The renewed action token counts the passkey as a verified second factor."
      )
  )
  .annotate(OpenApi.Title, "Passkey sign-in") {}

/** `passkeys` group: the caller's passkeys, step-up with a passkey, and administration of a user's passkeys. */
export class PasskeysApi extends HttpApiGroup.make("passkeys")
  .add(
    HttpApiEndpoint.post("registrationOptions")`/api/v1/tenants/${slug}/me/passkeys/options`
      .setPayload(PasskeyRegistrationStart)
      .addSuccess(PasskeyOptions)
      .addError(ValidationError)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Start registering a passkey (password, or a recent MFA verification, required)")
      .annotate(
        OpenApi.Description,
        "Without `password` the session needs an MFA verification within `auth.step_up_minutes` (403 `mfa:step-up`). A wrong password is a 403 and counts in the account's login limit. Attestation `none`; at most 20 passkeys per user."
      )
  )
  .add(
    HttpApiEndpoint.post("register")`/api/v1/tenants/${slug}/me/passkeys`
      .setPayload(PasskeyRegistration)
      .addSuccess(Passkey, { status: 201 })
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Finish registering a passkey: verify the authenticator's answer and store it")
  )
  .add(
    HttpApiEndpoint.get("list")`/api/v1/tenants/${slug}/me/passkeys`
      .addSuccess(Schema.Array(Passkey))
      .annotate(OpenApi.Summary, "List my passkeys")
  )
  .add(
    HttpApiEndpoint.patch("rename")`/api/v1/tenants/${slug}/me/passkeys/${passkeyId}`
      .setPayload(PasskeyRename)
      .addSuccess(Passkey)
      .addError(PasskeyNotFound)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Rename one of my passkeys")
  )
  .add(
    HttpApiEndpoint.del("remove")`/api/v1/tenants/${slug}/me/passkeys/${passkeyId}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(PasskeyNotFound)
      .annotate(OpenApi.Summary, "Remove one of my passkeys")
  )
  .add(
    HttpApiEndpoint.post("stepUpOptions")`/api/v1/tenants/${slug}/auth/step-up/passkey/options`
      .addSuccess(PasskeyOptions)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Options for a step-up with one of my passkeys")
  )
  .add(
    HttpApiEndpoint.post("stepUp")`/api/v1/tenants/${slug}/auth/step-up/passkey`
      .setPayload(PasskeyAssertion)
      .addSuccess(Schema.Struct({ mfa_verified_at: Schema.DateTimeUtc }))
      .addError(ValidationError)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Re-verify this session with a passkey before a sensitive operation")
  )
  .add(
    HttpApiEndpoint.get("listOfUser")`/api/v1/tenants/${slug}/users/${userId}/passkeys`
      .addSuccess(Schema.Array(Passkey))
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "List a user's passkeys (`users:read`)")
  )
  .add(
    HttpApiEndpoint.del("removeOfUser")`/api/v1/tenants/${slug}/users/${userId}/passkeys/${passkeyId}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(UserNotFound)
      .addError(PasskeyNotFound)
      .annotate(OpenApi.Summary, "Remove a user's passkey (`users:write`, every permission the user holds, step-up)")
  )
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Passkeys") {}
