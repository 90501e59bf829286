/**
 * E-mail verification (issue 18; seed 001 `email_verification_tokens`), the
 * same token rules as the password reset (`PasswordReset.ts`): 32 random
 * bytes, SHA-256 at rest, single use, 60 minutes, one generic error.
 *
 * - **request** (the signed-in user): mails a link to the account's current
 *   address, `{publicOrigin}/t/{slug}/verify-email?token=…`; earlier links
 *   are voided; limited per user (`SIGNET_RATE_RESET_ACCOUNT`).
 * - **request with an action token** (issue 18 required action
 *   `verify_email`, no session yet): the same mail, for the token's user,
 *   only while `verify_email` is pending; limited per user as above and
 *   per client address (`SIGNET_RATE_RESET_IP`).
 * - **confirm** (whoever holds the link: the mailbox proves the address):
 *   records the address as verified. A token for an address the account no
 *   longer has is invalid, so changing one's address cannot be confirmed
 *   with an old mail. Limited per client address (`SIGNET_RATE_RESET_IP`).
 * - **status**: whether the user's current address equals the one last
 *   verified. The verified state is accounts' own (`email_verifications`);
 *   identity's `users` table is untouched.
 *
 * @module
 */
import {
  type EmailVerificationConfirm,
  EmailVerificationRequested,
  EmailVerificationStatus,
  InvalidVerificationToken
} from "@signet/contracts/accounts/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { NotFound, Unauthorized } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { tenantTx } from "../kernel/Database.js"
import { currentUser } from "../kernel/Principal.js"
import { RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Mailer } from "./Mailer.js"
import type { makeMailQueue } from "./MailQueue.js"
import { AccountUsers } from "./Ports.js"
import { AccountsRepo } from "./Repo.js"
import { enforceLimit, hashLinkToken, isLinkToken, linkRules, mailLogo, newLinkToken } from "./Shared.js"
import { emailVerificationMail, mailLocale } from "./Templates.js"

/** How long a verification link stays valid (minutes). */
export const VERIFY_TTL_MINUTES = 60

/** Where a confirmation comes from. */
export interface VerifyClient {
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
}

/** The e-mail verification seam of the accounts service; see the module comment. */
export const makeEmailVerification = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const repo = yield* AccountsRepo
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    const mailer = yield* Mailer
    const rules = yield* linkRules

    /** The signed-in user (a `user` actor of the `CurrentTenant`). @errors Forbidden, NotFound */
    const me = Effect.gen(function* () {
      const { userId } = yield* currentUser
      const user = yield* users.find(userId)
      if (Option.isNone(user) || !user.value.active)
        return yield* new NotFound({ message: "no such user", resource: "user", id: userId })
      return user.value
    })

    /**
     * Mails the signed-in user a verification link for their current address.
     * @errors Forbidden (not a user token), NotFound, RateLimited
     */
    const request = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const user = yield* me
      yield* enforceLimit(limiter, `verify:account:${tenant.id}:${user.id}`, rules.account, "verification mails")
      const { name } = yield* tenancy.getById(tenant.id).pipe(Effect.orDie)
      const locale = mailLocale(user.locale ?? (yield* tenancy.settingValue<string>(tenant.id, "general.locale")))
      const support = yield* tenancy.settingValue<string>(tenant.id, "general.support_email")
      const { hash, token } = newLinkToken()
      const mail = emailVerificationMail(locale, {
        tenantName: name,
        supportEmail: support || undefined,
        logoUrl: yield* mailLogo(tenancy, tenant.id),
        link: `${mailer.publicOrigin}/t/${encodeURIComponent(tenant.slug)}/verify-email?token=${token}`,
        minutes: VERIFY_TTL_MINUTES
      })
      yield* tenantTx(
        Effect.gen(function* () {
          const nowMs = yield* Clock.currentTimeMillis
          yield* repo.voidVerifyTokens(user.id, instant(nowMs))
          yield* repo.insertVerifyToken({
            id: yield* newUuid,
            userId: user.id,
            email: user.email,
            tokenHash: hash,
            createdAt: instant(nowMs),
            expiresAt: instant(nowMs + VERIFY_TTL_MINUTES * 60_000)
          })
          yield* queue.enqueue("email_verification", user.email, mail, {
            fromName: name,
            replyTo: support || undefined
          })
          yield* audit.record({ action: "account.email_verification_requested", targetType: "user", targetId: user.id })
        })
      )
      return new EmailVerificationRequested({ message: "A verification link is on its way to your e-mail address." })
    }).pipe(Effect.withSpan("Accounts.requestEmailVerification"))

    /**
     * Confirms an address with a mailed token.
     * @errors InvalidVerificationToken (unknown, expired, used, foreign,
     * malformed, or for an address the account no longer has — nothing
     * changed), RateLimited, TenantNotFound, TenantSuspended
     */
    const confirm = (slug: string, input: EmailVerificationConfirm, client: VerifyClient) =>
      Effect.gen(function* () {
        const tenant = yield* tenancy.resolveActive(slug)
        yield* enforceLimit(limiter, `verify-confirm:ip:${client.ip ?? "unknown"}`, rules.ip, "verification attempts")
        if (!isLinkToken(input.token)) return yield* InvalidVerificationToken.generic
        const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        const scoped = <A, E, R>(eff: Effect.Effect<A, E, R>, actor: Actor) =>
          eff.pipe(
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
            Effect.provideService(CurrentActor, actor)
          )
        const now = instant(yield* Clock.currentTimeMillis)
        const row = yield* scoped(tenantTx(repo.findLiveVerifyToken(hashLinkToken(input.token), now)), base)
        if (Option.isNone(row)) return yield* InvalidVerificationToken.generic
        const user = yield* scoped(users.find(row.value.user_id), base)
        if (Option.isNone(user) || !user.value.active || user.value.email !== row.value.email)
          return yield* InvalidVerificationToken.generic
        const actor: Actor = { ...base, id: user.value.id }
        const atMs = yield* Clock.currentTimeMillis
        yield* scoped(
          tenantTx(
            Effect.gen(function* () {
              const at = instant(atMs)
              if (!(yield* repo.useVerifyToken(row.value.id, at))) return yield* InvalidVerificationToken.generic
              yield* repo.voidVerifyTokens(user.value.id, at)
              yield* repo.saveVerified(user.value.id, user.value.email, at)
              yield* audit.record({
                action: "account.email_verified",
                targetType: "user",
                targetId: user.value.id,
                after: { email: user.value.email }
              })
            })
          ),
          actor
        )
        return new EmailVerificationStatus({
          email: user.value.email,
          verified: true,
          verified_at: DateTime.unsafeMake(atMs)
        })
      }).pipe(Effect.withSpan("Accounts.confirmEmailVerification"))

    /** Whether the signed-in user's current address is verified. @errors Forbidden, NotFound */
    const status = Effect.gen(function* () {
      const user = yield* me
      const row = yield* tenantTx(repo.verifiedRow(user.id))
      const verified = Option.isSome(row) && row.value.email === user.email
      return new EmailVerificationStatus({
        email: user.email,
        verified,
        ...(verified && Option.isSome(row) ? { verified_at: DateTime.unsafeMake(row.value.verified_at) } : {})
      })
    })

    /**
     * Mails the verification link to the user of a sign-in's action token
     * (`verify_email` pending; see the module comment).
     * @errors Unauthorized (bad, expired or replayed token; `verify_email` not pending), RateLimited, TenantNotFound, TenantSuspended
     */
    const requestWithAction = (slug: string, actionToken: string, client: VerifyClient) =>
      Effect.gen(function* () {
        yield* enforceLimit(limiter, `verify:ip:${client.ip ?? "unknown"}`, rules.ip, "verification mails")
        const { tenant, userId } = yield* users.actionUser(slug, actionToken, "verify_email")
        const actor: Actor = { kind: "user", id: userId, ip: client.ip, userAgent: client.userAgent }
        return yield* request.pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, actor),
          Effect.catchTags({
            Forbidden: () => Effect.fail(new Unauthorized({ message: "invalid or expired action token" })),
            NotFound: () => Effect.fail(new Unauthorized({ message: "invalid or expired action token" }))
          })
        )
      }).pipe(Effect.withSpan("Accounts.actionEmailVerification"))

    return { request, requestWithAction, confirm, status } as const
  })
