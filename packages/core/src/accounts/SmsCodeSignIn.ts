/**
 * Passwordless sign-in by SMS code (issue 18 SMS; seed 002; Keycloak's and
 * Zitadel's OTP SMS login). A user types their phone number, receives a
 * 6-digit code at it and signs in with it. The e-mail code sign-in's rules
 * (`EmailCodeSignIn.ts`), step for step:
 *
 * - **Off unless the tenant enables it** (`auth.sms_code_sign_in`, default
 *   false): both operations answer {@link SmsCodeSignInDisabled} (403).
 * - **One answer** to a request whether or not a verified number matches,
 *   its account is active or may sign in this way; both paths do one
 *   transaction with one audit row, and the text leaves later through the
 *   outbox, so the provider's time never shows (no account enumeration).
 *   A number that is not a phone number at all is a 400 (it names no account).
 * - **Rate limits before any lookup**, the password reset's rules: per
 *   client address (`SIGNET_RATE_RESET_IP`) and per number
 *   (`SIGNET_RATE_RESET_ACCOUNT`), own buckets for requests and for tries.
 * - **Verified numbers only**, of exactly one user of the tenant: a number
 *   that several users verified (a shared family phone) names no one and
 *   receives nothing (audited `ambiguous_number`); never an account that
 *   signs in through SSO only.
 * - **The code** (`SmsCodes.ts`, purpose `sign_in`): a second-factor code
 *   does not sign in, and the reverse.
 * - **Verifying** goes through identity (`AccountUsers.codeLogin`, factor
 *   `sms_code`): the code is consumed in the transaction that opens the
 *   session; an account with MFA gets `mfa_required` (answered by TOTP, a
 *   passkey or an e-mail code — never a second texted code), one with
 *   required actions pending gets `actions_required`, and the login limits
 *   and lockout apply. Every refusal is one `Unauthorized`.
 * - **Audit**: `auth.sms_code_sign_in_requested` (with the reason when no
 *   code was texted), `auth.sms_code_*` (purpose `sign_in`),
 *   `auth.sms_code_sign_in_failed` for an unknown number, identity's
 *   `auth.login` (method `sms_code`). Numbers appear only as their last two digits.
 *
 * @module
 */
import {
  SmsCodeSent,
  SmsCodeSignInDisabled,
  type SmsCodeSignInRequest,
  type SmsCodeSignInVerify
} from "@signet/contracts/accounts/Phones"
import type { UserId } from "@signet/contracts/identity/Domain"
import type { Actor } from "@signet/contracts/kernel/Context"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { tenantTx } from "../kernel/Database.js"
import { RateLimiter } from "../kernel/RateLimit.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { AccountUsers } from "./Ports.js"
import { AccountsRepo } from "./Repo.js"
import { asActorIn, enforceLimit, linkRules, tenantWithSetting } from "./Shared.js"
import { type makeSmsCodes, normalizePhone, SMS_CODE_SENT_MESSAGE, SMS_CODE_TTL_MINUTES } from "./SmsCodes.js"
import type { makeSmsMfa, SmsCodeClient } from "./SmsMfa.js"

/** The SMS sign-in seam of the phones service; see the module comment. */
export const makeSmsCodeSignIn = (
  codes: Effect.Effect.Success<ReturnType<typeof makeSmsCodes>>,
  mfa: Effect.Effect.Success<ReturnType<typeof makeSmsMfa>>
) =>
  Effect.gen(function* () {
    const repo = yield* AccountsRepo
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    const rules = yield* linkRules
    const refused = new Unauthorized({ message: "invalid code or login" })

    /** The active tenant `slug`, refused when it has not enabled sign-in by SMS code. */
    const enabledTenant = (slug: string) =>
      tenantWithSetting(tenancy, slug, "auth.sms_code_sign_in", SmsCodeSignInDisabled.instance)

    /** The one user whose verified number is `phoneNumber`, or why there is none. */
    const holder = (phoneNumber: string) =>
      Effect.map(repo.usersWithVerifiedPhone(phoneNumber), (ids) =>
        ids.length === 1
          ? { userId: Option.some(ids[0] as UserId), reason: null }
          : { userId: Option.none<UserId>(), reason: ids.length === 0 ? "unknown_number" : "ambiguous_number" }
      )

    /**
     * Texts a sign-in code to `input.phone_number` in the tenant `slug` when
     * its account may get one; always {@link SMS_CODE_SENT_MESSAGE}.
     * @errors SmsCodeSignInDisabled (403), ValidationError (not a phone number), RateLimited, TenantNotFound, TenantSuspended
     */
    const send = (slug: string, input: SmsCodeSignInRequest, client: SmsCodeClient) =>
      Effect.gen(function* () {
        const tenant = yield* enabledTenant(slug)
        const number = yield* normalizePhone(input.phone_number, input.region)
        yield* enforceLimit(limiter, `smssignin:ip:${client.ip ?? "unknown"}`, rules.ip, "sign-in code requests")
        yield* enforceLimit(limiter, `smssignin:number:${tenant.id}:${number}`, rules.account, "sign-in code requests")
        const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        const found = yield* tenantTx(holder(number)).pipe(asActorIn(tenant, base))
        const user = Option.isSome(found.userId)
          ? yield* users.find(found.userId.value).pipe(asActorIn(tenant, base))
          : Option.none()
        const active = Option.filter(user, (u) => u.active)
        const ssoOnly = Option.isSome(active)
          ? yield* users.ssoOnly(tenant, active.value.email, active.value.id)
          : false
        const reason = found.reason ?? (Option.isNone(active) ? "account_disabled" : ssoOnly ? "sso_only" : null)
        const actor: Actor = { ...base, id: Option.getOrNull(found.userId) }
        yield* tenantTx(
          Effect.gen(function* () {
            if (reason === null && Option.isSome(active)) yield* mfa.issue(tenant, active.value.id, "sign_in")
            yield* audit.record({
              action: "auth.sms_code_sign_in_requested",
              targetType: "user",
              targetId: actor.id,
              after:
                reason === null
                  ? { expires_in_minutes: SMS_CODE_TTL_MINUTES }
                  : { phone_number: `…${number.slice(-2)}`, reason }
            })
          })
        ).pipe(asActorIn(tenant, actor))
        return new SmsCodeSent({ message: SMS_CODE_SENT_MESSAGE })
      }).pipe(Effect.withSpan("Accounts.sendSignInSmsCode"))

    /**
     * Signs in with the number and its texted code: the password login's
     * answer (tokens, `mfa_required`, or `actions_required`).
     * @errors SmsCodeSignInDisabled (403), ValidationError (not a phone
     *   number), Unauthorized (unknown number; wrong, expired, used or burned
     *   code; disabled or locked account — one message), SsoRequired (403),
     *   TenantSsoRequired (403), RateLimited, TenantNotFound, TenantSuspended
     */
    const verify = (slug: string, input: SmsCodeSignInVerify, client: SmsCodeClient) =>
      Effect.gen(function* () {
        const tenant = yield* enabledTenant(slug)
        const number = yield* normalizePhone(input.phone_number, input.region)
        yield* enforceLimit(limiter, `smssignin-try:ip:${client.ip ?? "unknown"}`, rules.ip, "sign-in code tries")
        yield* enforceLimit(limiter, `smssignin-try:number:${tenant.id}:${number}`, rules.account, "sign-in code tries")
        const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        const found = yield* tenantTx(holder(number)).pipe(asActorIn(tenant, base))
        if (Option.isNone(found.userId)) {
          yield* tenantTx(
            audit.record({
              action: "auth.sms_code_sign_in_failed",
              targetType: "user",
              targetId: null,
              after: { phone_number: `…${number.slice(-2)}`, reason: found.reason }
            })
          ).pipe(asActorIn(tenant, base))
          return yield* refused
        }
        return yield* users.codeLogin(
          tenant,
          found.userId.value,
          client,
          (userId) => Effect.map(codes.check(userId, input.code, "sign_in"), Option.isSome),
          "sms_code"
        )
      }).pipe(Effect.withSpan("Accounts.verifySignInSmsCode"))

    return { send, verify } as const
  })
