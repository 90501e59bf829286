/**
 * RPC contract of phone numbers and SMS codes (issue 18 SMS, "REST, RPC,
 * SDK and CLI for all of it"): the twins of the REST groups in
 * `PhonesApi.ts`, with the same payloads, answers and tagged errors.
 *
 * `PhonesCommand` (authenticated, `RpcTenantAuth`: the tenant and actor are
 * the caller's, never an argument): the signed-in user's own number
 * (`…/me/phone` GET/PUT/DELETE, `…/me/phone/verify`) and an admin clearing
 * a user's number (`DELETE …/users/{id}/phone`, `users:write`).
 *
 * `SmsAuthService` (unauthenticated like `AuthService.Login`: the tenant is
 * an argument, the login's `mfa_token` or the texted code the credential):
 * `…/auth/mfa/sms-code[/verify]` and `…/auth/sms-code[/verify]`.
 *
 * @module
 */

import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { LoginResult, SsoRequired, TokenPair } from "../identity/Domain.js"
import { SignInActionsRequired } from "../identity/RequiredActions.js"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { TenantSsoRequired } from "../identity/SignInErrors.js"
import { Forbidden, NotFound, RateLimited, Unauthorized, ValidationError } from "../kernel/Errors.js"
import { UserId } from "../kernel/Ids.js"
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

/** Errors every phone procedure can answer (tenant and credential errors come from the middleware). */
const Base = [Forbidden, NotFound] as const

/**
 * The signed-in user's number: `GetMyPhone`, `SetMyPhone` (texts a
 * verification code; `ValidationError` for an invalid number, `Forbidden`
 * without re-authentication), `ConfirmMyPhone` (the texted code),
 * `RemoveMyPhone`; and `ClearUserPhone` (`users:write`; another tenant's
 * user is `NotFound`). An operator token is `Forbidden` for the `My` ones.
 */
export class PhonesCommand extends RpcGroup.make(
  Rpc.make("GetMyPhone", { success: PhoneNumberStatus, error: Schema.Union(...Base) }),
  Rpc.make("SetMyPhone", {
    payload: SetPhoneNumber,
    success: PhoneNumberStatus,
    error: Schema.Union(...Base, ValidationError, RateLimited)
  }),
  Rpc.make("ConfirmMyPhone", {
    payload: ConfirmPhoneNumber,
    success: PhoneNumberStatus,
    error: Schema.Union(...Base, ValidationError, RateLimited)
  }),
  Rpc.make("RemoveMyPhone", { success: PhoneNumberStatus, error: Schema.Union(...Base) }),
  Rpc.make("ClearUserPhone", {
    payload: { user_id: UserId },
    success: PhoneNumberStatus,
    error: Schema.Union(...Base, ValidationError)
  })
).middleware(RpcTenantAuth) {}

/** Errors of every SMS code step besides its own. */
const CodeBase = [RateLimited, TenantNotFound, TenantSuspended] as const

/**
 * SMS code steps of a sign-in: `SendMfaSmsCode` / `VerifyMfaSmsCode`
 * (second factor, tenant setting `auth.mfa_sms_codes`) and
 * `SendSignInSmsCode` / `VerifySignInSmsCode` (passwordless,
 * `auth.sms_code_sign_in`). The send steps answer the same
 * {@link SmsCodeSent} whether or not a text went out.
 */
export class SmsAuthService extends RpcGroup.make(
  Rpc.make("SendMfaSmsCode", {
    payload: { tenant: Schema.String, request: MfaSmsCodeRequest },
    success: SmsCodeSent,
    error: Schema.Union(MfaSmsCodesDisabled, Unauthorized, ...CodeBase)
  }),
  Rpc.make("VerifyMfaSmsCode", {
    payload: { tenant: Schema.String, request: MfaSmsCodeVerify },
    success: TokenPair,
    error: Schema.Union(MfaSmsCodesDisabled, Unauthorized, SignInActionsRequired, ...CodeBase)
  }),
  Rpc.make("SendSignInSmsCode", {
    payload: { tenant: Schema.String, request: SmsCodeSignInRequest },
    success: SmsCodeSent,
    error: Schema.Union(SmsCodeSignInDisabled, ValidationError, ...CodeBase)
  }),
  Rpc.make("VerifySignInSmsCode", {
    payload: { tenant: Schema.String, request: SmsCodeSignInVerify },
    success: LoginResult,
    error: Schema.Union(
      SmsCodeSignInDisabled,
      ValidationError,
      Unauthorized,
      SsoRequired,
      TenantSsoRequired,
      ...CodeBase
    )
  })
) {}
