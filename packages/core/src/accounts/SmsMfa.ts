/**
 * SMS login codes as a second factor (issue 18 "SMS through a provider
 * interface"; seed 002 "MFA by … SMS"; Keycloak / Zitadel "OTP SMS").
 * After a password login answers `mfa_required`, the client may ask for a
 * 6-digit code texted to the account's verified number and finish the login
 * with it instead of a TOTP code. The e-mail factor's rules
 * (`MfaEmailCodes.ts`), step for step:
 *
 * - **Off unless the tenant enables it** (`auth.mfa_sms_codes`, default
 *   false): both operations answer {@link MfaSmsCodesDisabled} (403).
 * - **Bound to the login**: both need the login's `mfa_token`; a challenge
 *   whose first factor was itself a texted code (sign-in by SMS code) is
 *   refused, so the phone never counts twice.
 * - **One answer**: `send` answers {@link SMS_CODE_SENT_MESSAGE} whether or
 *   not a text went out (no verified number, disabled account).
 * - **Verified numbers only** (`PhoneProfile.ts`).
 * - **Rate limited before any lookup**: per tenant and user,
 *   `SIGNET_RATE_MFA_SMS` (default `5/900`, `off` to disable); past it 429,
 *   nothing sent. Every try also counts in the MFA bucket (`SIGNET_RATE_MFA`).
 * - **The code** and its audit rows: `SmsCodes.ts` (purpose `mfa`); the
 *   login completes through identity (`AccountUsers.completeMfaLogin`,
 *   factor `sms_code`): the TOTP step's {@link TokenPair}; every refusal is
 *   one `Unauthorized`. A skipped text is audited `auth.sms_code_skipped`.
 *
 * @module
 */
import type { MfaSmsCodeRequest, MfaSmsCodeVerify } from "@signet/contracts/accounts/Phones"
import { MfaSmsCodesDisabled, SmsCodeSent } from "@signet/contracts/accounts/Phones"
import type { UserId } from "@signet/contracts/identity/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { Config, Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { tenantTx } from "../kernel/Database.js"
import { parseRule, RateLimiter } from "../kernel/RateLimit.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import type { EmailCodeClient } from "./MfaEmailCodes.js"
import type { SmsCodePurpose } from "./PhoneRepo.js"
import { AccountUsers } from "./Ports.js"
import { enforceLimit, tenantWithSetting } from "./Shared.js"
import { type makeSmsCodes, SMS_CODE_SENT_MESSAGE } from "./SmsCodes.js"
import { mailLocale } from "./Templates.js"

/** Where a request comes from (the server derives it). */
export type SmsCodeClient = EmailCodeClient

/** The SMS second-factor seam of the phones service; see the module comment. */
export const makeSmsMfa = (codes: Effect.Effect.Success<ReturnType<typeof makeSmsCodes>>) =>
  Effect.gen(function* () {
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    // Code texts per tenant + user, "count/seconds" or "off" (like SIGNET_RATE_MFA_EMAIL).
    const sendRule = parseRule(
      yield* Effect.orDie(Config.string("SIGNET_RATE_MFA_SMS").pipe(Config.withDefault("5/900")))
    )
    const refused = new Unauthorized({ message: "invalid code or expired challenge" })

    /** The active tenant `slug`, refused when it has not enabled SMS codes. */
    const enabledTenant = (slug: string) =>
      tenantWithSetting(tenancy, slug, "auth.mfa_sms_codes", MfaSmsCodesDisabled.instance)

    /**
     * Texts a `purpose` code to an active user's verified number; otherwise
     * only audits why not (`auth.sms_code_skipped`). In the caller's transaction.
     */
    const issue = (tenant: { readonly name: string }, userId: UserId, purpose: SmsCodePurpose) =>
      Effect.gen(function* () {
        const user = yield* users.find(userId)
        const number = Option.isSome(user) && user.value.active ? yield* codes.verifiedNumber(userId) : Option.none()
        if (Option.isNone(number)) {
          const reason = Option.isSome(user) && user.value.active ? "phone_not_verified" : "inactive"
          return yield* audit.record({
            action: "auth.sms_code_skipped",
            targetType: "user",
            targetId: userId,
            after: { reason, purpose }
          })
        }
        const tenantId = (yield* CurrentTenant).id
        const userLocale = Option.isSome(user) ? user.value.locale : null
        const locale = mailLocale(userLocale ?? (yield* tenancy.settingValue<string>(tenantId, "general.locale")))
        yield* codes.issue(tenant, userId, purpose, number.value, locale)
      })

    /**
     * Texts a new code for the login `input.mfa_token` names, ending the
     * user's earlier ones. Always {@link SMS_CODE_SENT_MESSAGE}.
     * @errors MfaSmsCodesDisabled (403), Unauthorized (bad or expired
     *   `mfa_token`), RateLimited (`SIGNET_RATE_MFA_SMS`), TenantNotFound, TenantSuspended
     */
    const send = (slug: string, input: MfaSmsCodeRequest, client: SmsCodeClient) =>
      Effect.gen(function* () {
        const tenant = yield* enabledTenant(slug)
        const found = yield* users.mfaChallengeUser(tenant.id, input.mfa_token, "sms_code")
        if (Option.isNone(found)) return yield* refused
        const userId = found.value
        yield* enforceLimit(limiter, `mfa-sms:${tenant.id}:${userId}`, sendRule, "sign-in code texts")
        const actor: Actor = { kind: "user", id: userId, ip: client.ip, userAgent: client.userAgent }
        yield* tenantTx(issue(tenant, userId, "mfa")).pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, actor)
        )
        return new SmsCodeSent({ message: SMS_CODE_SENT_MESSAGE })
      }).pipe(Effect.withSpan("Accounts.sendMfaSmsCode"))

    /**
     * Completes the login with a texted code: the same session and tokens
     * as the TOTP step.
     * @errors MfaSmsCodesDisabled (403), Unauthorized (bad or expired
     *   challenge; wrong, expired, used or burned code — one message),
     *   SignInActionsRequired (403), RateLimited (`SIGNET_RATE_MFA`), TenantNotFound, TenantSuspended
     */
    const verify = (slug: string, input: MfaSmsCodeVerify, client: SmsCodeClient) =>
      Effect.gen(function* () {
        yield* enabledTenant(slug)
        return yield* users.completeMfaLogin(
          slug,
          input.mfa_token,
          client,
          (userId) => Effect.map(codes.check(userId, input.code, "mfa"), Option.isSome),
          "sms_code"
        )
      }).pipe(Effect.withSpan("Accounts.verifyMfaSmsCode"))

    return { send, verify, issue } as const
  })
