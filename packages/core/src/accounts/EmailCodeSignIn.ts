/**
 * Passwordless sign-in by e-mail code (issue 18 "E-mail one-time codes … for
 * passwordless sign-in if the tenant enables it"; Keycloak's and Zitadel's
 * e-mail OTP login). A user types their address (or username), receives a
 * 6-digit code at their verified address and signs in with it. Why each step
 * is there:
 *
 * - **Off unless the tenant enables it** (`auth.email_code_sign_in`, default
 *   false): both operations answer {@link EmailCodeSignInDisabled} (403).
 * - **One answer** to a request whether or not an account matches, is
 *   active, has a verified address or may sign in this way; both paths do
 *   one transaction with one audit row, and the mail leaves later through
 *   the outbox, so SMTP time never shows (no account enumeration).
 * - **Rate limits before any lookup**, the password reset's rules: per
 *   client address (`SIGNET_RATE_RESET_IP`) and per login typed
 *   (`SIGNET_RATE_RESET_ACCOUNT`), with own buckets for requests and for
 *   tries; past either a 429 and nothing mailed or checked.
 * - **Mailed only to an active account's verified address** (the one
 *   accounts last verified) and never to a domain that signs in through SSO
 *   only: the mailbox becomes a credential, so it must be proven and allowed.
 * - **The code** follows `MfaEmailCodes.ts` (CSPRNG, stored as SHA-256 of
 *   `<row id>:<code>`, constant-time comparison, 10 minutes, single use, 5
 *   wrong tries burn it, a new request ends the earlier one) with purpose
 *   `sign_in`: a second-factor code does not sign in, and the reverse.
 * - **Verifying** goes through identity (`AccountUsers.codeLogin`): the code
 *   is consumed in the transaction that opens the session; an account with
 *   MFA gets `mfa_required` and must answer with TOTP or a passkey. An
 *   unknown login, a wrong, expired, used or burned code and a disabled
 *   account are one `Unauthorized`.
 * - **Audit**: `auth.email_code_sign_in_requested` (with the reason when no
 *   code was mailed), the code rows' `auth.mfa_email_code_*` (purpose
 *   `sign_in`), `auth.email_code_sign_in_failed` for an unknown login, and
 *   identity's `auth.login` (method `email_code`).
 *
 * @module
 */
import {
  EmailCodeSignInDisabled,
  type EmailCodeSignInRequest,
  type EmailCodeSignInVerify,
  MfaEmailCodeSent,
  SignInMethods
} from "@signet/contracts/accounts/Domain"
import type { Actor } from "@signet/contracts/kernel/Context"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { tenantTx } from "../kernel/Database.js"
import { RateLimiter } from "../kernel/RateLimit.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import type { makeMfaEmailCodes } from "./MfaEmailCodes.js"
import { EMAIL_CODE_SENT_MESSAGE, EMAIL_CODE_TTL_MINUTES, type EmailCodeClient } from "./MfaEmailCodes.js"
import { AccountUsers } from "./Ports.js"
import { asActorIn, enforceLimit, linkRules, tenantWithSetting } from "./Shared.js"

/** The passwordless sign-in seam of the accounts service; see the module comment. */
export const makeEmailCodeSignIn = (codes: Effect.Effect.Success<ReturnType<typeof makeMfaEmailCodes>>) =>
  Effect.gen(function* () {
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    const rules = yield* linkRules
    const refused = new Unauthorized({ message: "invalid code or login" })

    /** The active tenant `slug`, refused when it has not enabled sign-in by e-mail code. */
    const enabledTenant = (slug: string) =>
      tenantWithSetting(tenancy, slug, "auth.email_code_sign_in", EmailCodeSignInDisabled.instance)

    /**
     * Mails a sign-in code for `input.login` in the tenant `slug` when the
     * account may get one; always {@link EMAIL_CODE_SENT_MESSAGE}.
     * @errors EmailCodeSignInDisabled (403), RateLimited, TenantNotFound, TenantSuspended
     */
    const send = (slug: string, input: EmailCodeSignInRequest, client: EmailCodeClient) =>
      Effect.gen(function* () {
        const tenant = yield* enabledTenant(slug)
        const login = input.login.trim().toLowerCase()
        yield* enforceLimit(limiter, `codesignin:ip:${client.ip ?? "unknown"}`, rules.ip, "sign-in code requests")
        yield* enforceLimit(limiter, `codesignin:account:${tenant.id}:${login}`, rules.account, "sign-in code requests")
        const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        const found = yield* users.findByLogin(login).pipe(asActorIn(tenant, base))
        const user = Option.filter(found, (u) => u.active)
        const ssoOnly = Option.isSome(user) ? yield* users.ssoOnly(tenant, user.value.email, user.value.id) : false
        const reason = Option.isNone(found)
          ? "unknown_login"
          : Option.isNone(user)
            ? "account_disabled"
            : ssoOnly
              ? "sso_only"
              : null
        const actor: Actor = { ...base, id: Option.isSome(found) ? found.value.id : null }
        yield* tenantTx(
          Effect.gen(function* () {
            if (reason === null && Option.isSome(user)) yield* codes.issue(tenant, user.value.id, "sign_in")
            yield* audit.record({
              action: "auth.email_code_sign_in_requested",
              targetType: "user",
              targetId: actor.id,
              after:
                reason === null
                  ? { expires_in_minutes: EMAIL_CODE_TTL_MINUTES }
                  : { login: input.login.slice(0, 254), reason }
            })
          })
        ).pipe(asActorIn(tenant, actor))
        return new MfaEmailCodeSent({ message: EMAIL_CODE_SENT_MESSAGE })
      }).pipe(Effect.withSpan("Accounts.sendSignInEmailCode"))

    /**
     * Signs in with the login and its mailed code: the password login's
     * answer (tokens, or `mfa_required` for an account with MFA).
     * @errors EmailCodeSignInDisabled (403), Unauthorized (unknown login;
     *   wrong, expired, used or burned code; disabled or locked account —
     *   one message), SsoRequired (403), TenantSsoRequired (403), RateLimited, TenantNotFound, TenantSuspended
     */
    const verify = (slug: string, input: EmailCodeSignInVerify, client: EmailCodeClient) =>
      Effect.gen(function* () {
        const tenant = yield* enabledTenant(slug)
        const login = input.login.trim().toLowerCase()
        yield* enforceLimit(limiter, `codesignin-try:ip:${client.ip ?? "unknown"}`, rules.ip, "sign-in code tries")
        yield* enforceLimit(
          limiter,
          `codesignin-try:account:${tenant.id}:${login}`,
          rules.account,
          "sign-in code tries"
        )
        const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        const found = yield* users.findByLogin(login).pipe(asActorIn(tenant, base))
        if (Option.isNone(found)) {
          yield* tenantTx(
            audit.record({
              action: "auth.email_code_sign_in_failed",
              targetType: "user",
              targetId: null,
              after: { login: input.login.slice(0, 254), reason: "unknown_login" }
            })
          ).pipe(asActorIn(tenant, base))
          return yield* refused
        }
        return yield* users.codeLogin(tenant, found.value.id, client, (userId) =>
          codes.check(userId, input.code, "sign_in")
        )
      }).pipe(Effect.withSpan("Accounts.verifySignInEmailCode"))

    /**
     * Which optional sign-in methods the tenant `slug` enabled.
     * @errors TenantNotFound, TenantSuspended
     */
    const methods = (slug: string) =>
      Effect.gen(function* () {
        const tenant = yield* tenancy.resolveActive(slug)
        const on = (key: string) => Effect.map(tenancy.settingValue<boolean>(tenant.id, key), (v) => v === true)
        return new SignInMethods({
          email_code: yield* on("auth.email_code_sign_in"),
          mfa_email_codes: yield* on("auth.mfa_email_codes"),
          sms_code: yield* on("auth.sms_code_sign_in"),
          mfa_sms_codes: yield* on("auth.mfa_sms_codes")
        })
      })

    return { send, verify, methods } as const
  })
