/**
 * REST contract of phone numbers and SMS codes (issue 18 SMS; seed 002
 * "MFA by … SMS"): the sign-in steps by texted code (unauthenticated,
 * tenant-scoped by `{slug}`), the signed-in user's own number, and an
 * admin clearing a user's number (`users:write`).
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { LoginResult, SsoRequired, TokenPair } from "../identity/Domain.js"
import { SignInActionsRequired } from "../identity/RequiredActions.js"
import { TenantSsoRequired } from "../identity/SignInErrors.js"
import { WebLoginResult, WebTokens } from "../identity/WebApi.js"
import { Forbidden, NotFound, RateLimited, Unauthorized, ValidationError } from "../kernel/Errors.js"
import { UserId } from "../kernel/Ids.js"
import { UserAuth } from "../kernel/Security.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  ConfirmPhoneNumber,
  MfaSmsCodeRequest,
  MfaSmsCodesDisabled,
  MfaSmsCodeVerify,
  PhoneNumberStatus,
  SetPhoneNumber,
  SmsCodeSent,
  SmsCodeSignInDisabled,
  SmsCodeSignInRequest,
  SmsCodeSignInVerify
} from "./Phones.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", UserId)

/** `smsAuth` group: the second login step and passwordless sign-in by texted code. */
export class SmsAuthApi extends HttpApiGroup.make("smsAuth")
  .add(
    HttpApiEndpoint.post("sendMfaSmsCode")`/api/v1/tenants/${slug}/auth/mfa/sms-code`
      .setPayload(MfaSmsCodeRequest)
      .addSuccess(SmsCodeSent, { status: 202 })
      .addError(MfaSmsCodesDisabled)
      .addError(Unauthorized)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Second login step by SMS: text a 6-digit code for the login's MFA challenge")
      .annotate(
        OpenApi.Description,
        "Needs the tenant setting `auth.mfa_sms_codes` (else 403 MfaSmsCodesDisabled). The same 202 whether or not a code was texted: only to a verified number. The code is valid 10 minutes, once, 5 wrong tries; a new request ends the earlier code. Limited per user (`SIGNET_RATE_MFA_SMS`, default 5 per 15 minutes)."
      )
  )
  .add(
    HttpApiEndpoint.post("verifyMfaSmsCode")`/api/v1/tenants/${slug}/auth/mfa/sms-code/verify`
      .setPayload(MfaSmsCodeVerify)
      .addSuccess(TokenPair)
      .addError(MfaSmsCodesDisabled)
      .addError(Unauthorized)
      .addError(SignInActionsRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Second login step by SMS: exchange the MFA challenge and the texted code for tokens")
      .annotate(
        OpenApi.Description,
        "The same tokens as `POST …/auth/mfa`. A wrong, expired, used or burned code, or a bad challenge (also one whose first factor was a texted code), is one 401. Attempts count in the user's MFA budget (`SIGNET_RATE_MFA`)."
      )
  )
  .add(
    HttpApiEndpoint.post("sendSignInSmsCode")`/api/v1/tenants/${slug}/auth/sms-code`
      .setPayload(SmsCodeSignInRequest)
      .addSuccess(SmsCodeSent, { status: 202 })
      .addError(SmsCodeSignInDisabled)
      .addError(ValidationError)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Sign in without a password: text a 6-digit code to the account's verified number")
      .annotate(
        OpenApi.Description,
        "Needs the tenant setting `auth.sms_code_sign_in` (else 403). The same 202 whether or not the number belongs to an account (no enumeration); texted only to a number exactly one active user verified. Limited per client address and per number (`SIGNET_RATE_RESET_IP`, `SIGNET_RATE_RESET_ACCOUNT`). A string that is no phone number is a 400."
      )
  )
  .add(
    HttpApiEndpoint.post("verifySignInSmsCode")`/api/v1/tenants/${slug}/auth/sms-code/verify`
      .setPayload(SmsCodeSignInVerify)
      .addSuccess(LoginResult)
      .addError(SmsCodeSignInDisabled)
      .addError(ValidationError)
      .addError(Unauthorized)
      .addError(SsoRequired)
      .addError(TenantSsoRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(OpenApi.Summary, "Sign in with the number and its texted code")
      .annotate(
        OpenApi.Description,
        "The password login's answer: tokens, `mfa_required` (then TOTP, a passkey or an e-mail code — never a second texted code) or `actions_required`. An unknown number or a wrong, expired, used or burned code is one 401."
      )
  )
  .add(
    HttpApiEndpoint.post("verifyMfaSmsCodeWeb")`/api/v1/tenants/${slug}/web/mfa/sms-code/verify`
      .setPayload(MfaSmsCodeVerify)
      .addSuccess(WebTokens)
      .addError(MfaSmsCodesDisabled)
      .addError(Unauthorized)
      .addError(SignInActionsRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Browser second login step by SMS: as verifyMfaSmsCode, the refresh token set as the browser login's cookie"
      )
  )
  .add(
    HttpApiEndpoint.post("verifySignInSmsCodeWeb")`/api/v1/tenants/${slug}/web/sms-code/verify`
      .setPayload(SmsCodeSignInVerify)
      .addSuccess(WebLoginResult)
      .addError(SmsCodeSignInDisabled)
      .addError(ValidationError)
      .addError(Unauthorized)
      .addError(SsoRequired)
      .addError(TenantSsoRequired)
      .addError(RateLimited)
      .addError(TenantNotFound)
      .addError(TenantSuspended)
      .annotate(
        OpenApi.Summary,
        "Browser sign-in by SMS code: as verifySignInSmsCode, the refresh token set as the browser login's cookie"
      )
  )
  .annotate(OpenApi.Title, "Accounts") {}

/** `phonesSelf` group: the signed-in user's own phone number. */
export class PhonesSelfApi extends HttpApiGroup.make("phonesSelf")
  .add(
    HttpApiEndpoint.get("phoneStatus")`/api/v1/tenants/${slug}/me/phone`
      .addSuccess(PhoneNumberStatus)
      .annotate(OpenApi.Summary, "My phone number and whether it is verified")
  )
  .add(
    HttpApiEndpoint.put("setPhoneNumber")`/api/v1/tenants/${slug}/me/phone`
      .setPayload(SetPhoneNumber)
      .addSuccess(PhoneNumberStatus)
      .addError(ValidationError)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Set my phone number (unverified) and text it a 6-digit verification code")
      .annotate(
        OpenApi.Description,
        "Normalized to E.164; an invalid number is a 400 and nothing changes. A new number is unverified and ends every texted code. Limited per user (`SIGNET_RATE_PHONE_VERIFY`, default 5 per 15 minutes)."
      )
  )
  .add(
    HttpApiEndpoint.post("confirmPhoneNumber")`/api/v1/tenants/${slug}/me/phone/verify`
      .setPayload(ConfirmPhoneNumber)
      .addSuccess(PhoneNumberStatus)
      .addError(ValidationError)
      .addError(RateLimited)
      .annotate(OpenApi.Summary, "Verify my phone number with the texted code (valid 10 minutes, 5 tries)")
  )
  .add(
    HttpApiEndpoint.del("removePhoneNumber")`/api/v1/tenants/${slug}/me/phone`
      .addSuccess(PhoneNumberStatus)
      .annotate(OpenApi.Summary, "Remove my phone number")
  )
  .addError(Forbidden)
  .addError(NotFound)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Accounts") {}

/** `phonesAdmin` group: an admin clears a user's number (`users:write`). */
export class PhonesAdminApi extends HttpApiGroup.make("phonesAdmin")
  .add(
    HttpApiEndpoint.del("clearPhoneNumber")`/api/v1/tenants/${slug}/users/${id}/phone`
      .addSuccess(PhoneNumberStatus)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Clear a user's phone number (they stop receiving texted codes)")
  )
  .addError(Forbidden)
  .addError(NotFound)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Accounts") {}
