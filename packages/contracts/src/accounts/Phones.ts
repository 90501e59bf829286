/**
 * Phone numbers and texted codes (issue 18 "SMS through a provider
 * interface"; seed 002 "MFA by TOTP, WebAuthn, SMS, e-mail"): a user's own
 * number and its verification, SMS codes as a second factor and for
 * passwordless sign-in, and their refusals. Numbers are validated and
 * normalized to E.164 by the core (libphonenumber metadata), so the schemas
 * here only bound their length.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { PasswordInput } from "../identity/Domain.js"
import { strictStruct } from "../tenancy/Domain.js"

/** A phone number as typed (1–32 characters); the core normalizes it to E.164 or answers 400. */
const PhoneInput = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(32))

/** A texted 6-digit code; another shape is refused by the service as a wrong code, not as a schema error. */
const SmsCode = Schema.String.pipe(Schema.maxLength(32))

/** An MFA challenge token from a password login (`mfa_token`, `typ: signet-mfa+jwt`). */
const MfaChallengeToken = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4096))

/**
 * Body of `PUT /api/v1/tenants/{slug}/me/phone`: the signed-in user's new
 * number, international (`+33 6 12 34 56 78`) or national with `region`
 * (ISO 3166-1 alpha-2, e.g. `FR`), and `password`, the account's password
 * (redacted) — needed unless this session verified MFA within
 * `auth.step_up_minutes`: a number can become a sign-in factor, so a stolen
 * session must not add its own (403 otherwise).
 */
export const SetPhoneNumber = strictStruct("SetPhoneNumber", {
  phone_number: PhoneInput,
  region: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/))),
  password: Schema.optional(PasswordInput)
})
/** @see SetPhoneNumber */
export type SetPhoneNumber = typeof SetPhoneNumber.Type

/** Body of `POST /api/v1/tenants/{slug}/me/phone/verify`: the 6-digit code texted to the new number. */
export const ConfirmPhoneNumber = strictStruct("ConfirmPhoneNumber", { code: SmsCode })
/** @see ConfirmPhoneNumber */
export type ConfirmPhoneNumber = typeof ConfirmPhoneNumber.Type

/**
 * A user's phone number as they (or an admin clearing it) see it: the
 * E.164 number or null, and whether and when a texted code verified it.
 */
export class PhoneNumberStatus extends Schema.Class<PhoneNumberStatus>("PhoneNumberStatus")({
  phone_number: Schema.NullOr(Schema.String),
  verified: Schema.Boolean,
  verified_at: Schema.optional(Schema.DateTimeUtc)
}) {}

/** Body of `POST /api/v1/tenants/{slug}/auth/mfa/sms-code`: the login's `mfa_token`. */
export const MfaSmsCodeRequest = strictStruct("MfaSmsCodeRequest", { mfa_token: MfaChallengeToken })
/** @see MfaSmsCodeRequest */
export type MfaSmsCodeRequest = typeof MfaSmsCodeRequest.Type

/** Body of `POST /api/v1/tenants/{slug}/auth/mfa/sms-code/verify`: the login's `mfa_token` and the texted code. */
export const MfaSmsCodeVerify = strictStruct("MfaSmsCodeVerify", { mfa_token: MfaChallengeToken, code: SmsCode })
/** @see MfaSmsCodeVerify */
export type MfaSmsCodeVerify = typeof MfaSmsCodeVerify.Type

/** Body of `POST /api/v1/tenants/{slug}/auth/sms-code`: the account's phone number (as in {@link SetPhoneNumber}). */
export const SmsCodeSignInRequest = strictStruct("SmsCodeSignInRequest", {
  phone_number: PhoneInput,
  region: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/)))
})
/** @see SmsCodeSignInRequest */
export type SmsCodeSignInRequest = typeof SmsCodeSignInRequest.Type

/** Body of `POST /api/v1/tenants/{slug}/auth/sms-code/verify`: the same number and the texted code. */
export const SmsCodeSignInVerify = strictStruct("SmsCodeSignInVerify", {
  phone_number: PhoneInput,
  region: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/))),
  code: SmsCode
})
/** @see SmsCodeSignInVerify */
export type SmsCodeSignInVerify = typeof SmsCodeSignInVerify.Type

/**
 * The one answer to every request for a texted code (second factor,
 * sign-in, number verification), whether or not a text went out: nothing
 * is revealed about the account or the number.
 */
export class SmsCodeSent extends Schema.Class<SmsCodeSent>("SmsCodeSent")({
  message: Schema.String
}) {}

/** The tenant has not enabled SMS codes as a second factor (`auth.mfa_sms_codes`): 403, nothing sent or checked. */
export class MfaSmsCodesDisabled extends Schema.TaggedError<MfaSmsCodesDisabled>()(
  "MfaSmsCodesDisabled",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "SMS login codes are not enabled for this tenant" })
) {
  /** The single instance every refusal uses. */
  static readonly instance = new MfaSmsCodesDisabled({ message: "SMS login codes are not enabled for this tenant" })
}

/** The tenant has not enabled passwordless sign-in by SMS code (`auth.sms_code_sign_in`): 403, nothing sent or checked. */
export class SmsCodeSignInDisabled extends Schema.TaggedError<SmsCodeSignInDisabled>()(
  "SmsCodeSignInDisabled",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "Sign-in by SMS code is not enabled for this tenant" })
) {
  /** The single instance every refusal uses. */
  static readonly instance = new SmsCodeSignInDisabled({
    message: "sign-in by SMS code is not enabled for this tenant"
  })
}
