/**
 * Accounts contract (issue 18; seed 001 `password_reset_tokens`): the
 * self-service password reset's requests, answer and error.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { PasswordInput } from "../identity/Domain.js"
import { strictStruct } from "../tenancy/Domain.js"

/**
 * Body of `POST /api/v1/tenants/{slug}/auth/password-reset`: the e-mail
 * address or username of the account (1–254 characters).
 */
export const PasswordResetRequest = strictStruct("PasswordResetRequest", {
  login: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(254))
})
/** @see PasswordResetRequest */
export type PasswordResetRequest = typeof PasswordResetRequest.Type

/**
 * The one answer to a reset request, whether or not an account matched
 * (no account enumeration).
 */
export class PasswordResetRequested extends Schema.Class<PasswordResetRequested>("PasswordResetRequested")({
  message: Schema.String
}) {}

/**
 * A reset token as it travels in the link: 43 base64url characters
 * (32 random bytes). Anything else is refused as {@link InvalidResetToken}
 * by the service, not as a schema error, so every bad token looks the same.
 */
export const ResetToken = Schema.String.pipe(Schema.maxLength(200)).annotations({ identifier: "ResetToken" })

/** Body of `POST /api/v1/tenants/{slug}/auth/password-reset/confirm`. */
export const PasswordResetConfirm = strictStruct("PasswordResetConfirm", {
  token: ResetToken,
  new_password: PasswordInput
})
/** @see PasswordResetConfirm */
export type PasswordResetConfirm = typeof PasswordResetConfirm.Type

/** Answer of a confirmed reset: every session of the user was signed out. */
export class PasswordResetDone extends Schema.Class<PasswordResetDone>("PasswordResetDone")({
  sessions_revoked: Schema.Number
}) {}

/**
 * A reset token that is unknown, expired, already used, from another tenant
 * or tampered with: one generic 400, nothing changed.
 */
export class InvalidResetToken extends Schema.TaggedError<InvalidResetToken>()(
  "InvalidResetToken",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "Invalid or expired reset link" })
) {
  /** The single message every bad token gets. */
  static readonly generic = new InvalidResetToken({ message: "this reset link is invalid or has expired" })
}

/** Answer of a verification request: the mail is queued for the account's current address. */
export class EmailVerificationRequested extends Schema.Class<EmailVerificationRequested>("EmailVerificationRequested")({
  message: Schema.String
}) {}

/** Body of `POST /api/v1/tenants/{slug}/auth/email-verification/confirm`. */
export const EmailVerificationConfirm = strictStruct("EmailVerificationConfirm", { token: ResetToken })
/** @see EmailVerificationConfirm */
export type EmailVerificationConfirm = typeof EmailVerificationConfirm.Type

/**
 * Whether the user's current e-mail address is verified. `verified_at` is
 * when it was (absent when it is not).
 */
export class EmailVerificationStatus extends Schema.Class<EmailVerificationStatus>("EmailVerificationStatus")({
  email: Schema.String,
  verified: Schema.Boolean,
  verified_at: Schema.optional(Schema.DateTimeUtc)
}) {}

/**
 * A verification token that is unknown, expired, already used, from
 * another tenant, tampered with, or for an address the account no longer
 * has: one generic 400, nothing changed.
 */
export class InvalidVerificationToken extends Schema.TaggedError<InvalidVerificationToken>()(
  "InvalidVerificationToken",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "Invalid or expired verification link" })
) {
  /** The single message every bad token gets. */
  static readonly generic = new InvalidVerificationToken({
    message: "this verification link is invalid or has expired"
  })
}

/**
 * An MFA challenge token as returned by a password login that needs a second
 * factor (`mfa_token`, a `typ: signet-mfa+jwt` JWT, 5 minutes).
 */
const MfaChallengeToken = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4096))

/**
 * Body of `POST /api/v1/tenants/{slug}/auth/mfa/email-code` (issue 18,
 * e-mail login codes; seed 002 "MFA by e-mail"): the login's `mfa_token`.
 */
export const MfaEmailCodeRequest = strictStruct("MfaEmailCodeRequest", { mfa_token: MfaChallengeToken })
/** @see MfaEmailCodeRequest */
export type MfaEmailCodeRequest = typeof MfaEmailCodeRequest.Type

/**
 * Body of `POST /api/v1/tenants/{slug}/auth/mfa/email-code/verify`: the
 * login's `mfa_token` and the 6-digit code from the mail. A code of another
 * shape is refused by the service as a wrong code, not as a schema error.
 */
export const MfaEmailCodeVerify = strictStruct("MfaEmailCodeVerify", {
  mfa_token: MfaChallengeToken,
  code: Schema.String.pipe(Schema.maxLength(32))
})
/** @see MfaEmailCodeVerify */
export type MfaEmailCodeVerify = typeof MfaEmailCodeVerify.Type

/**
 * The one answer to a code request, whether or not a code was mailed (the
 * account may have no verified address): nothing is revealed about it.
 */
export class MfaEmailCodeSent extends Schema.Class<MfaEmailCodeSent>("MfaEmailCodeSent")({
  message: Schema.String
}) {}

/** The tenant has not enabled e-mail login codes (setting `auth.mfa_email_codes`): 403, nothing sent or checked. */
export class MfaEmailCodesDisabled extends Schema.TaggedError<MfaEmailCodesDisabled>()(
  "MfaEmailCodesDisabled",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "E-mail login codes are not enabled for this tenant" })
) {
  /** The single instance every refusal uses. */
  static readonly instance = new MfaEmailCodesDisabled({
    message: "e-mail login codes are not enabled for this tenant"
  })
}

/**
 * Body of `POST /api/v1/tenants/{slug}/auth/email-code` (issue 18,
 * "passwordless sign-in by e-mail code"; Keycloak's and Zitadel's e-mail
 * OTP login): the account's e-mail address or username (1–254 characters).
 */
export const EmailCodeSignInRequest = strictStruct("EmailCodeSignInRequest", {
  login: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(254))
})
/** @see EmailCodeSignInRequest */
export type EmailCodeSignInRequest = typeof EmailCodeSignInRequest.Type

/**
 * Body of `POST /api/v1/tenants/{slug}/auth/email-code/verify`: the same
 * login and the 6-digit code from the mail. A code of another shape is
 * refused by the service as a wrong code, not as a schema error.
 */
export const EmailCodeSignInVerify = strictStruct("EmailCodeSignInVerify", {
  login: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(254)),
  code: Schema.String.pipe(Schema.maxLength(32))
})
/** @see EmailCodeSignInVerify */
export type EmailCodeSignInVerify = typeof EmailCodeSignInVerify.Type

/**
 * The tenant has not enabled passwordless sign-in by e-mail code (setting
 * `auth.email_code_sign_in`): 403, nothing sent or checked.
 */
export class EmailCodeSignInDisabled extends Schema.TaggedError<EmailCodeSignInDisabled>()(
  "EmailCodeSignInDisabled",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "Sign-in by e-mail code is not enabled for this tenant" })
) {
  /** The single instance every refusal uses. */
  static readonly instance = new EmailCodeSignInDisabled({
    message: "sign-in by e-mail code is not enabled for this tenant"
  })
}

/**
 * Answer of `GET /api/v1/tenants/{slug}/auth/methods` (issue 18): which of
 * the optional sign-in methods the tenant enabled, so a sign-in page offers
 * only those. Passwords and passkeys are always on; SSO is per address
 * (`…/sso/discover`).
 */
export class SignInMethods extends Schema.Class<SignInMethods>("SignInMethods")({
  /** Passwordless sign-in by e-mail code (`auth.email_code_sign_in`). */
  email_code: Schema.Boolean,
  /** E-mail codes as a second factor (`auth.mfa_email_codes`). */
  mfa_email_codes: Schema.Boolean,
  /** Passwordless sign-in by SMS code (`auth.sms_code_sign_in`, issue 18). */
  sms_code: Schema.Boolean,
  /** Texted codes as a second factor (`auth.mfa_sms_codes`, issue 18). */
  mfa_sms_codes: Schema.Boolean
}) {}
