/**
 * REST contract of the accounts module (issue 18): the self-service password
 * reset. Both endpoints are unauthenticated and tenant-scoped by `{slug}`.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Forbidden, NotFound, RateLimited, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  EmailVerificationConfirm,
  EmailVerificationRequested,
  EmailVerificationStatus,
  InvalidResetToken,
  InvalidVerificationToken,
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
  .add(
    HttpApiEndpoint.post("confirmEmailVerification")`/api/v1/tenants/${slug}/auth/email-verification/confirm`
      .setPayload(EmailVerificationConfirm)
      .addSuccess(EmailVerificationStatus)
      .addError(InvalidVerificationToken)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Confirm an e-mail address with a verification link's token")
      .annotate(
        OpenApi.Description,
        "Unauthenticated: holding the mailed link proves the address. An unknown, expired, used or foreign token, or one for an address the account no longer has, is one generic 400."
      )
  )
  .annotate(OpenApi.Title, "Accounts") {}

/** `accountsSelf` group: the signed-in user's e-mail verification. */
export class AccountsSelfApi extends HttpApiGroup.make("accountsSelf")
  .add(
    HttpApiEndpoint.post("requestEmailVerification")`/api/v1/tenants/${slug}/me/email-verification`
      .addSuccess(EmailVerificationRequested, { status: 202 })
      .addError(Forbidden)
      .addError(NotFound)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Mail me a link that verifies my e-mail address (valid 60 minutes, single use)")
  )
  .add(
    HttpApiEndpoint.get("emailVerificationStatus")`/api/v1/tenants/${slug}/me/email-verification`
      .addSuccess(EmailVerificationStatus)
      .addError(Forbidden)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Whether my current e-mail address is verified")
  )
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Accounts") {}
