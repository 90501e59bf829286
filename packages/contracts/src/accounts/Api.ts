/**
 * REST contract of the accounts module (issue 18): the self-service password
 * reset. Both endpoints are unauthenticated and tenant-scoped by `{slug}`.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { RateLimited } from "../identity/Api.js"
import { ValidationError } from "../kernel/Errors.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  InvalidResetToken,
  PasswordResetConfirm,
  PasswordResetDone,
  PasswordResetRequest,
  PasswordResetRequested
} from "./Domain.js"

const slug = HttpApiSchema.param("slug", Schema.String)

/** `accounts` group: password reset by e-mail. */
export class AccountsApi extends HttpApiGroup.make("accounts")
  .add(
    HttpApiEndpoint.post("requestPasswordReset")`/api/v1/tenants/${slug}/auth/password-reset`
      .setPayload(PasswordResetRequest)
      .addSuccess(PasswordResetRequested, { status: 202 })
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Ask for a password reset link by e-mail")
      .annotate(
        OpenApi.Description,
        "Always the same 202 whether or not an account matches. The mail (valid 30 minutes, single use) is queued and sent in the background. Limited per client address (`SIGNET_RATE_RESET_IP`) and per account (`SIGNET_RATE_RESET_ACCOUNT`): past the limit a 429 and no mail."
      )
  )
  .add(
    HttpApiEndpoint.post("confirmPasswordReset")`/api/v1/tenants/${slug}/auth/password-reset/confirm`
      .setPayload(PasswordResetConfirm)
      .addSuccess(PasswordResetDone)
      .addError(InvalidResetToken)
      .addError(ValidationError)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Set a new password with a reset link's token")
      .annotate(
        OpenApi.Description,
        "An unknown, expired, used or foreign token is one generic 400. A password the tenant's policy refuses is a 400 ValidationError and leaves the token usable. On success every session of the user is revoked."
      )
  )
  .annotate(OpenApi.Title, "Accounts") {}
