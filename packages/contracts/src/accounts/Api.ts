/**
 * REST contract of the accounts module (issue 18): the self-service password
 * reset, e-mail verification and invitation acceptance (unauthenticated,
 * tenant-scoped by `{slug}`), the signed-in user's verification, and the
 * administration of invitations (`users:read` / `users:write`).
 *
 * @module
 */

import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { AcademicsNotFound } from "../academics/Domain.js"
import { LoginResult, SsoRequired, TokenPair } from "../identity/Domain.js"
import { CompleteActions, SignInActionsRequired } from "../identity/RequiredActions.js"
import { TenantSsoRequired } from "../identity/SignInErrors.js"
import { WebLoginResult } from "../identity/WebApi.js"
import {
  Conflict,
  Forbidden,
  NotFound,
  QuotaExceeded,
  RateLimited,
  Unauthorized,
  ValidationError
} from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  EmailCodeSignInDisabled,
  EmailCodeSignInRequest,
  EmailCodeSignInVerify,
  EmailVerificationConfirm,
  EmailVerificationRequested,
  EmailVerificationStatus,
  InvalidResetToken,
  InvalidVerificationToken,
  MfaEmailCodeRequest,
  MfaEmailCodeSent,
  MfaEmailCodesDisabled,
  MfaEmailCodeVerify,
  PasswordResetConfirm,
  PasswordResetDone,
  PasswordResetRequest,
  PasswordResetRequested,
  SignInMethods
} from "./Domain.js"
import {
  AcceptInvitation,
  BulkInvite,
  BulkInviteSummary,
  CreateInvitation,
  InvalidInvitationToken,
  Invitation,
  ListInvitations,
  SignInCards
} from "./Invitations.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", Schema.String)

/** Sign-in cards as a PDF document (`POST …/invitations/cards`); clients read it as bytes. */
export const SignInCardsPdf = HttpApiSchema.Uint8Array({ contentType: "application/pdf" })

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
    HttpApiEndpoint.post("sendMfaEmailCode")`/api/v1/tenants/${slug}/auth/mfa/email-code`
      .setPayload(MfaEmailCodeRequest)
      .addSuccess(MfaEmailCodeSent, { status: 202 })
      .addError(MfaEmailCodesDisabled)
      .addError(Unauthorized)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Second login step by e-mail: mail a 6-digit code for the login's MFA challenge")
      .annotate(
        OpenApi.Description,
        "Needs the tenant setting `auth.mfa_email_codes` (else 403 MfaEmailCodesDisabled). The same 202 whether or not a code was mailed: only to a verified address. The code is valid 10 minutes, once, 5 wrong tries; a new request ends the earlier code. Limited per user (`SIGNET_RATE_MFA_EMAIL`, default 5 per 15 minutes)."
      )
  )
  .add(
    HttpApiEndpoint.post("verifyMfaEmailCode")`/api/v1/tenants/${slug}/auth/mfa/email-code/verify`
      .setPayload(MfaEmailCodeVerify)
      .addSuccess(TokenPair)
      .addError(MfaEmailCodesDisabled)
      .addError(Unauthorized)
      .addError(SignInActionsRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Second login step by e-mail: exchange the MFA challenge and the mailed code for tokens"
      )
      .annotate(
        OpenApi.Description,
        "The same tokens as `POST …/auth/mfa`. A wrong, expired, used or burned code, or a bad challenge, is one 401. Attempts count in the user's MFA budget (`SIGNET_RATE_MFA`)."
      )
  )
  .add(
    HttpApiEndpoint.get("signInMethods")`/api/v1/tenants/${slug}/auth/methods`
      .addSuccess(SignInMethods)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "The optional sign-in methods the tenant enabled (unauthenticated)")
  )
  .add(
    HttpApiEndpoint.post("sendSignInEmailCode")`/api/v1/tenants/${slug}/auth/email-code`
      .setPayload(EmailCodeSignInRequest)
      .addSuccess(MfaEmailCodeSent, { status: 202 })
      .addError(EmailCodeSignInDisabled)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Passwordless sign-in: mail a 6-digit sign-in code to the account's verified address")
      .annotate(
        OpenApi.Description,
        "Needs the tenant setting `auth.email_code_sign_in` (else 403 EmailCodeSignInDisabled). The same 202 whether or not an account matches or a code was mailed: only to an active account's verified address, never to a domain that signs in through SSO only. The code is valid 10 minutes, once, 5 wrong tries; a new request ends the earlier code. Limited per client address (`SIGNET_RATE_RESET_IP`) and per login typed (`SIGNET_RATE_RESET_ACCOUNT`): past either a 429 and no mail."
      )
  )
  .add(
    HttpApiEndpoint.post("verifySignInEmailCode")`/api/v1/tenants/${slug}/auth/email-code/verify`
      .setPayload(EmailCodeSignInVerify)
      .addSuccess(LoginResult)
      .addError(EmailCodeSignInDisabled)
      .addError(SsoRequired)
      .addError(TenantSsoRequired)
      .addError(Unauthorized)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Passwordless sign-in: exchange the login and the mailed code for tokens")
      .annotate(
        OpenApi.Description,
        "The code replaces the password: the answer is `POST …/auth/login`'s. An account with MFA gets `mfa_required` and finishes with its TOTP code or a passkey (not with another e-mail code: the mailbox already proved the first factor). An unknown login, a wrong, expired, used or burned code, or a disabled or locked account is one 401; an address of an SSO-only domain is 403 SsoRequired. Tries are limited per client address and per login typed (the reset's rules, own buckets) besides the code's own five."
      )
  )
  .add(
    HttpApiEndpoint.post("actionEmailVerification")`/api/v1/tenants/${slug}/auth/actions/email-verification`
      .setPayload(CompleteActions)
      .addSuccess(EmailVerificationRequested, { status: 202 })
      .addError(Unauthorized)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Required action `verify_email`: mail the verification link with the sign-in's action token"
      )
      .annotate(
        OpenApi.Description,
        "Issue 18 required actions. Only while `verify_email` is pending (else 401). The link is the usual one (60 minutes, single use); limited per user (`SIGNET_RATE_RESET_ACCOUNT`) and per client address (`SIGNET_RATE_RESET_IP`)."
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
  .add(
    HttpApiEndpoint.post("acceptInvitation")`/api/v1/tenants/${slug}/auth/invitation/accept`
      .setPayload(AcceptInvitation)
      .addSuccess(LoginResult)
      .addError(InvalidInvitationToken)
      .addError(ValidationError)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Accept an invitation: set the password with the link's token and sign in")
      .annotate(
        OpenApi.Description,
        "Unauthenticated: holding the mailed link proves the address (recorded as verified). Answers as the login does. An unknown, expired, used, revoked, replaced or foreign token is one generic 400, nothing changed; a password the policy refuses is a 400 ValidationError and leaves the link usable. Limited per client address (`SIGNET_RATE_RESET_IP`)."
      )
  )
  .add(
    HttpApiEndpoint.post("acceptInvitationWeb")`/api/v1/tenants/${slug}/web/invitation/accept`
      .setPayload(AcceptInvitation)
      .addSuccess(WebLoginResult)
      .addError(InvalidInvitationToken)
      .addError(ValidationError)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Browser invitation acceptance: as acceptInvitation, the refresh token set as the browser login's cookie"
      )
  )
  .add(
    HttpApiEndpoint.post("verifySignInEmailCodeWeb")`/api/v1/tenants/${slug}/web/email-code/verify`
      .setPayload(EmailCodeSignInVerify)
      .addSuccess(WebLoginResult)
      .addError(EmailCodeSignInDisabled)
      .addError(SsoRequired)
      .addError(TenantSsoRequired)
      .addError(Unauthorized)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Browser sign-in by e-mail code: as verifySignInEmailCode, the refresh token set as the browser login's cookie"
      )
  )
  .annotate(OpenApi.Title, "Accounts") {}

/**
 * `invitations` group: a tenant's invitations. Listing needs `users:read`;
 * inviting (one or in bulk), revoking and resending `users:write`, plus
 * every permission of the invitee type's default role.
 */
export class InvitationsApi extends HttpApiGroup.make("invitations")
  .add(
    HttpApiEndpoint.post("createInvitation")`/api/v1/tenants/${slug}/invitations`
      .setPayload(CreateInvitation)
      .addSuccess(Invitation, { status: 201 })
      .addError(Conflict)
      .addError(QuotaExceeded)
      .annotate(OpenApi.Summary, "Invite a user by e-mail (creates the user without a password if needed)")
      .annotate(
        OpenApi.Description,
        "Mails a single-use link `/t/{slug}/invite?token=…` valid `SIGNET_INVITE_TTL_HOURS` (default 7 days). 409 when the user already has a password, is disabled or has a pending invitation (resend it). 402 QuotaExceeded when creating the user would pass the plan's `users.max`."
      )
  )
  .add(
    HttpApiEndpoint.post("bulkInvite")`/api/v1/tenants/${slug}/invitations/bulk`
      .setPayload(BulkInvite)
      .addSuccess(BulkInviteSummary)
      .annotate(OpenApi.Summary, "Invite every pending user (e-mail, no password, no live invitation)")
      .annotate(
        OpenApi.Description,
        "At most 5,000 per call (`limit`); `more` says whether candidates remain. Skipped users are listed with a reason (first 1,000)."
      )
  )
  .add(
    HttpApiEndpoint.post("signInCards")`/api/v1/tenants/${slug}/invitations/cards`
      .setPayload(SignInCards)
      .addSuccess(SignInCardsPdf)
      .addError(AcademicsNotFound)
      .annotate(OpenApi.Summary, "Printable sign-in cards for a student group (PDF, one QR code per student)")
      .annotate(
        OpenApi.Description,
        "For students without e-mail (issue 18): each active student member of the group without a password gets a card invitation (a pending one is replaced; no mail) and one card in the PDF: name, school, a QR code of the single-use link `/t/{slug}/invite?token=…`, the link in short and the expiry date. The token is only in the PDF. Headers `Signet-Cards-Created` and `Signet-Cards-Skipped` (count) and `Signet-Cards-Skipped-Users` (`id:reason`, comma-separated, first 100) summarise the call. At most 5,000 students per call (400 beyond); another tenant's group is a 404."
      )
  )
  .add(
    HttpApiEndpoint.get("listInvitations")`/api/v1/tenants/${slug}/invitations`
      .setUrlParams(ListInvitations)
      .addSuccess(Schema.Array(Invitation))
      .annotate(OpenApi.Summary, "The tenant's invitations, newest first (users:read)")
  )
  .add(
    HttpApiEndpoint.post("revokeInvitation")`/api/v1/tenants/${slug}/invitations/${id}/revoke`
      .addSuccess(Invitation)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Revoke an invitation: its link stops working")
  )
  .add(
    HttpApiEndpoint.post("resendInvitation")`/api/v1/tenants/${slug}/invitations/${id}/resend`
      .addSuccess(Invitation)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Mail a new link (new expiry); the previous link stops working")
  )
  .addError(NotFound)
  .addError(ValidationError)
  .addError(Forbidden)
  .addError(RateLimited)
  .middleware(UserAuth)
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
