/**
 * E-mail login codes as a second factor (issue 18 "E-mail one-time codes";
 * seed 002 "MFA by … e-mail"; Keycloak / Zitadel "email OTP"; Lucia's token
 * rules). After a password login answers `mfa_required`, the client may ask
 * for a 6-digit code mailed to the account's verified address and finish the
 * login with it instead of a TOTP code. Why each step is there:
 *
 * - **Off unless the tenant enables it** (`auth.mfa_email_codes`, default
 *   false): both operations answer {@link MfaEmailCodesDisabled} (403) then.
 * - **Bound to the login**: both operations need the login's `mfa_token`
 *   (the password was right); the code is stored for the token's user.
 * - **One answer**: `send` answers {@link MfaEmailCodeSent} whether or not
 *   a code was mailed (no verified address, disabled account), so it says
 *   nothing about the account's address.
 * - **Verified addresses only**: the address must equal the one accounts
 *   last verified (`email_verifications`); mailing an unproven address
 *   would make its owner a second factor.
 * - **Rate limited before any lookup**: per tenant and user,
 *   `SIGNET_RATE_MFA_EMAIL` (default `5/900`, `off` to disable); past it:
 *   429, nothing mailed.
 * - **The code**: 6 digits from the CSPRNG (`crypto.randomInt`). Only the
 *   SHA-256 of `<row id>:<code>` is stored; it is compared with
 *   `timingSafeEqual`. A code is short, so the guess budget is what protects
 *   it: 10 minutes, single use, 5 wrong tries and it is burned, and every
 *   try also counts in the user's MFA bucket (`SIGNET_RATE_MFA`).
 * - **Resending** ends the user's earlier codes; using one ends them all.
 * - **Verifying** completes the login through identity
 *   (`AccountUsers.completeMfaLogin`): the code is consumed in the
 *   transaction that opens the session, so the answer is the TOTP step's
 *   {@link TokenPair}. Every refusal is one `Unauthorized`.
 * - **Audit**: `auth.mfa_email_code_sent`, `auth.mfa_email_code_verified`,
 *   `auth.mfa_email_code_failed` (with the reason), each with the code's
 *   `purpose`, plus identity's `auth.login` / `auth.mfa_failed`.
 * - **Purposes**: `issue` and `check` also serve passwordless sign-in
 *   (`EmailCodeSignIn.ts`, purpose `sign_in`); a code answers only the
 *   purpose it was mailed for.
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import {
  type MfaEmailCodeRequest,
  MfaEmailCodeSent,
  MfaEmailCodesDisabled,
  type MfaEmailCodeVerify
} from "@signet/contracts/accounts/Domain"
import type { UserId } from "@signet/contracts/identity/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Config, Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { tenantTx } from "../kernel/Database.js"
import { parseRule, RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import type { EmailCodePurpose } from "./EmailCodeRepo.js"
import type { makeMailQueue } from "./MailQueue.js"
import { AccountUsers } from "./Ports.js"
import { AccountsRepo } from "./Repo.js"
import { enforceLimit, mailLogo, tenantWithSetting } from "./Shared.js"
import { loginCodeMail, mailLocale } from "./Templates.js"

/** How long a mailed code stays valid (minutes). */
export const EMAIL_CODE_TTL_MINUTES = 10

/** Wrong tries after which a code is burned. */
export const EMAIL_CODE_MAX_ATTEMPTS = 5

/** The one message of every code request. */
export const EMAIL_CODE_SENT_MESSAGE =
  "If your account has a verified e-mail address, a sign-in code is on its way to it."

/** Where a request comes from (the server derives it). */
export interface EmailCodeClient {
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
  readonly deviceLabel?: string | undefined
}

/** A new 6-digit code (uniform, from the CSPRNG). */
export const newEmailCode = (): string => NodeCrypto.randomInt(0, 1_000_000).toString().padStart(6, "0")

/** The stored hash of `code` for the row `id`: SHA-256 (hex) of `<id>:<code>`. */
export const hashEmailCode = (id: string, code: string): string =>
  NodeCrypto.createHash("sha256").update(`${id}:${code}`).digest("hex")

/** Constant-time comparison of two hex digests of equal length. */
const sameHash = (a: string, b: string) =>
  a.length === b.length && NodeCrypto.timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"))

/**
 * Inside identity's login transaction: true when `code` is the user's
 * live code for `purpose` (then used, and the user's other codes of that
 * purpose ended); a wrong code counts a try (the fifth burns it). Audited
 * either way.
 */
const makeCodeCheck =
  (repo: AccountsRepo, audit: Audit) =>
  (userId: UserId, code: string, purpose: EmailCodePurpose = "mfa") =>
    Effect.gen(function* () {
      const nowMs = yield* Clock.currentTimeMillis
      const now = instant(nowMs)
      const live = yield* repo.findLiveEmailCode(userId, purpose, now)
      const fail = (reason: string) =>
        Effect.as(
          audit.record({
            action: "auth.mfa_email_code_failed",
            targetType: "user",
            targetId: userId,
            after: { reason, purpose }
          }),
          false
        )
      if (Option.isNone(live)) return yield* fail("no_live_code")
      const row = live.value
      const candidate = /^\d{6}$/.test(code) ? code : ""
      if (!sameHash(hashEmailCode(row.id, candidate), row.code_hash)) {
        yield* repo.failEmailCode(row.id, EMAIL_CODE_MAX_ATTEMPTS, now)
        const burned = row.attempts + 1 >= EMAIL_CODE_MAX_ATTEMPTS
        return yield* fail(burned ? "wrong_code_burned" : "wrong_code")
      }
      if (!(yield* repo.useEmailCode(row.id, now))) return yield* fail("already_used")
      yield* repo.voidEmailCodes(userId, purpose, now)
      yield* audit.record({
        action: "auth.mfa_email_code_verified",
        targetType: "user",
        targetId: userId,
        after: { purpose }
      })
      return true
    })

/** The e-mail code seam of the accounts service; see the module comment. */
export const makeMfaEmailCodes = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const repo = yield* AccountsRepo
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    // Code mails per tenant + user, "count/seconds" or "off" (like SIGNET_RATE_MFA).
    const sendRule = parseRule(
      yield* Effect.orDie(Config.string("SIGNET_RATE_MFA_EMAIL").pipe(Config.withDefault("5/900")))
    )
    const refused = new Unauthorized({ message: "invalid code or expired challenge" })

    /** The active tenant `slug`, refused when it has not enabled e-mail codes. */
    const enabledTenant = (slug: string) =>
      tenantWithSetting(tenancy, slug, "auth.mfa_email_codes", MfaEmailCodesDisabled.instance)

    /**
     * Mails a new code for the login `input.mfa_token` names, ending the
     * user's earlier codes. Always {@link EMAIL_CODE_SENT_MESSAGE}.
     * @errors MfaEmailCodesDisabled (403), Unauthorized (bad or expired
     *   `mfa_token`), RateLimited (`SIGNET_RATE_MFA_EMAIL`), TenantNotFound, TenantSuspended
     */
    const send = (slug: string, input: MfaEmailCodeRequest, client: EmailCodeClient) =>
      Effect.gen(function* () {
        const tenant = yield* enabledTenant(slug)
        const found = yield* users.mfaChallengeUser(tenant.id, input.mfa_token)
        if (Option.isNone(found)) return yield* refused
        const userId = found.value
        yield* enforceLimit(limiter, `mfa-email:${tenant.id}:${userId}`, sendRule, "sign-in code mails")
        const actor: Actor = { kind: "user", id: userId, ip: client.ip, userAgent: client.userAgent }
        yield* tenantTx(issue(tenant, userId)).pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, actor)
        )
        return new MfaEmailCodeSent({ message: EMAIL_CODE_SENT_MESSAGE })
      }).pipe(Effect.withSpan("Accounts.sendMfaEmailCode"))

    /**
     * Stores and queues a code for `purpose` to a user with a verified
     * address, ending the user's earlier codes of that purpose; otherwise
     * only audits why not. In the caller's transaction.
     */
    const issue = (
      tenant: { readonly id: string; readonly name: string },
      userId: UserId,
      purpose: EmailCodePurpose = "mfa"
    ) =>
      Effect.gen(function* () {
        const user = yield* users.find(userId)
        const verified = Option.isSome(user) ? yield* repo.verifiedRow(userId) : Option.none()
        if (
          Option.isNone(user) ||
          !user.value.active ||
          Option.isNone(verified) ||
          verified.value.email !== user.value.email
        ) {
          const reason = Option.isSome(user) && user.value.active ? "email_not_verified" : "inactive"
          return yield* audit.record({
            action: "auth.mfa_email_code_skipped",
            targetType: "user",
            targetId: userId,
            after: { reason, purpose }
          })
        }
        const locale = mailLocale(
          user.value.locale ?? (yield* tenancy.settingValue<string>(tenant.id as never, "general.locale"))
        )
        const support = yield* tenancy.settingValue<string>(tenant.id as never, "general.support_email")
        const nowMs = yield* Clock.currentTimeMillis
        const id = yield* newUuid
        const code = newEmailCode()
        yield* repo.voidEmailCodes(userId, purpose, instant(nowMs))
        yield* repo.insertEmailCode({
          id,
          userId,
          purpose,
          codeHash: hashEmailCode(id, code),
          createdAt: instant(nowMs),
          expiresAt: instant(nowMs + EMAIL_CODE_TTL_MINUTES * 60_000)
        })
        const mail = loginCodeMail(locale, {
          tenantName: tenant.name,
          supportEmail: support || undefined,
          logoUrl: yield* mailLogo(tenancy, tenant.id),
          code,
          minutes: EMAIL_CODE_TTL_MINUTES
        })
        yield* queue.enqueue("mfa_email_code", user.value.email, mail, {
          fromName: tenant.name,
          replyTo: support || undefined
        })
        yield* audit.record({
          action: "auth.mfa_email_code_sent",
          targetType: "user",
          targetId: userId,
          after: { purpose }
        })
      })

    const check = makeCodeCheck(repo, audit)

    /**
     * Completes the login with a mailed code: the same session and tokens
     * as the TOTP step (`Mfa.completeLogin`).
     * @errors MfaEmailCodesDisabled (403), Unauthorized (bad or expired
     *   challenge; wrong, expired, used or burned code — one message),
     *   RateLimited (`SIGNET_RATE_MFA`), TenantNotFound, TenantSuspended
     */
    const verify = (slug: string, input: MfaEmailCodeVerify, client: EmailCodeClient) =>
      Effect.gen(function* () {
        yield* enabledTenant(slug)
        return yield* users.completeMfaLogin(slug, input.mfa_token, client, (userId) => check(userId, input.code))
      }).pipe(Effect.withSpan("Accounts.verifyMfaEmailCode"))

    return { send, verify, issue, check } as const
  })
