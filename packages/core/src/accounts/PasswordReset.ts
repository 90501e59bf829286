/**
 * Self-service password reset (issue 18; seed 001 `password_reset_tokens`;
 * Lucia's "password reset" guide). Why each step is there:
 *
 * - **One answer.** `request` answers the same whether or not an account
 *   matches, and both paths do comparable work (tenant branding read, one
 *   transaction with one audit row); the mail itself is sent later by the
 *   outbox subscriber, so SMTP time never shows in the answer. No account
 *   enumeration through content or (as far as practical) timing.
 * - **Rate limits before any lookup**: per client address
 *   (`SIGNET_RATE_RESET_IP`, default `30/900`) and per requested login
 *   (`SIGNET_RATE_RESET_ACCOUNT`, default `5/900`, keyed by what was typed,
 *   so it says nothing about existence). Past either: 429, nothing queued.
 *   Confirmations are limited per address too (same rule, own bucket).
 * - **The token** is 32 bytes from the CSPRNG (256 bits, base64url). Only
 *   its SHA-256 is stored: a database leak yields no usable link, and the
 *   entropy makes a slow hash unnecessary. It is looked up by hash, so no
 *   secret is compared byte by byte in JavaScript.
 * - **Short lived and single use**: 30 minutes; the confirming UPDATE is
 *   conditional on `used_at IS NULL AND expires_at > now`, so of two
 *   concurrent confirmations one wins. A new request voids the user's
 *   earlier tokens; a completed reset voids all of them.
 * - **Unknown, expired, used, foreign-tenant or malformed tokens** all get
 *   one `InvalidResetToken` (400) and change nothing. A password the
 *   tenant's policy refuses is a `ValidationError` and leaves the token live.
 * - **Confirming** sets the password through identity (policy, argon2id) and
 *   revokes every session of the user, in the transaction that uses the token.
 *
 * @module
 */
import type { PasswordResetConfirm, PasswordResetRequest } from "@signet/contracts/accounts/Domain"
import { InvalidResetToken, PasswordResetDone, PasswordResetRequested } from "@signet/contracts/accounts/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { tenantTx } from "../kernel/Database.js"
import { RateLimiter, type RateLimitRule } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Mailer } from "./Mailer.js"
import type { makeMailQueue } from "./MailQueue.js"
import { type AccountUser, AccountUsers } from "./Ports.js"
import { AccountsRepo } from "./Repo.js"
import { enforceLimit, hashLinkToken, isLinkToken, linkRules, mailLogo, newLinkToken } from "./Shared.js"
import { mailLocale, passwordResetMail } from "./Templates.js"

/** How long a reset link stays valid (minutes; the issue asks 15–60). */
export const RESET_TTL_MINUTES = 30

/** The one message of every reset request. */
export const RESET_REQUESTED_MESSAGE =
  "If an account matches, an e-mail with a link to choose a new password is on its way."

/** Where a request comes from (the server derives it; `X-Forwarded-For` only from trusted proxies). */
export interface ResetClient {
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
}

/** A new token (base64url, 43 characters) and its stored SHA-256 (hex). */
export const newResetToken = newLinkToken

/** SHA-256 (hex) of a token, as stored. */
export const hashResetToken = hashLinkToken

/** The password-reset seam of the accounts service; see the module comment. */
export const makePasswordReset = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const repo = yield* AccountsRepo
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    const mailer = yield* Mailer
    const rules = yield* linkRules

    const limit = (bucket: string, rule: Option.Option<RateLimitRule>) =>
      enforceLimit(limiter, bucket, rule, "password reset attempts")

    const inTenant =
      (tenant: { readonly id: string; readonly slug: string }, actor: Actor) =>
      <A, E, R>(eff: Effect.Effect<A, E, R>) =>
        eff.pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id as never, slug: tenant.slug }),
          Effect.provideService(CurrentActor, actor)
        )

    /** Queues the reset mail for `user` and stores the token, in the current transaction. */
    const issue = (tenant: { readonly slug: string; readonly name: string; readonly id: string }, user: AccountUser) =>
      Effect.gen(function* () {
        const locale = mailLocale(
          user.locale ?? (yield* tenancy.settingValue<string>(tenant.id as never, "general.locale"))
        )
        const support = yield* tenancy.settingValue<string>(tenant.id as never, "general.support_email")
        const { hash, token } = newResetToken()
        const nowMs = yield* Clock.currentTimeMillis
        const link = `${mailer.publicOrigin}/t/${encodeURIComponent(tenant.slug)}/reset?token=${token}`
        const mail = passwordResetMail(locale, {
          tenantName: tenant.name,
          supportEmail: support || undefined,
          logoUrl: yield* mailLogo(tenancy, tenant.id),
          link,
          minutes: RESET_TTL_MINUTES
        })
        yield* repo.voidResetTokens(user.id, instant(nowMs))
        yield* repo.insertResetToken({
          id: yield* newUuid,
          userId: user.id,
          tokenHash: hash,
          createdAt: instant(nowMs),
          expiresAt: instant(nowMs + RESET_TTL_MINUTES * 60_000)
        })
        yield* queue.enqueue("password_reset", user.email, mail, {
          fromName: tenant.name,
          replyTo: support || undefined
        })
      })

    /**
     * Asks for a reset link for `request.login` (e-mail or username) in the
     * tenant `slug`. Always {@link RESET_REQUESTED_MESSAGE}.
     * @errors RateLimited, TenantNotFound, TenantSuspended
     */
    const request = (slug: string, input: PasswordResetRequest, client: ResetClient) =>
      Effect.gen(function* () {
        const tenant = yield* tenancy.resolveActive(slug)
        const login = input.login.trim().toLowerCase()
        yield* limit(`pwreset:ip:${client.ip ?? "unknown"}`, rules.ip)
        yield* limit(`pwreset:account:${tenant.id}:${login}`, rules.account)
        const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        const found = yield* users.findByLogin(login).pipe(inTenant(tenant, base))
        const user = Option.filter(found, (u) => u.active)
        const actor = { ...base, id: Option.isSome(user) ? user.value.id : null }
        yield* tenantTx(
          Effect.gen(function* () {
            if (Option.isSome(user)) yield* issue(tenant, user.value)
            yield* audit.record({
              action: "account.password_reset_requested",
              targetType: "user",
              targetId: actor.id,
              after: Option.isSome(user)
                ? { expires_in_minutes: RESET_TTL_MINUTES }
                : {
                    login: input.login.slice(0, 254),
                    reason: Option.isSome(found) ? "account_disabled" : "unknown_login"
                  }
            })
          })
        ).pipe(inTenant(tenant, actor))
        return new PasswordResetRequested({ message: RESET_REQUESTED_MESSAGE })
      }).pipe(Effect.withSpan("Accounts.requestPasswordReset"))

    /**
     * Sets a new password with a reset token; revokes every session of the user.
     * @errors InvalidResetToken (unknown, expired, used, foreign or malformed
     * token — nothing changed), ValidationError (`new_password` refused by the
     * policy; the token stays usable), RateLimited, TenantNotFound, TenantSuspended
     */
    const confirm = (slug: string, input: PasswordResetConfirm, client: ResetClient) =>
      Effect.gen(function* () {
        const tenant = yield* tenancy.resolveActive(slug)
        yield* limit(`pwreset-confirm:ip:${client.ip ?? "unknown"}`, rules.ip)
        if (!isLinkToken(input.token)) return yield* InvalidResetToken.generic
        const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        const now = instant(yield* Clock.currentTimeMillis)
        const row = yield* tenantTx(repo.findLiveResetToken(hashResetToken(input.token), now)).pipe(
          inTenant(tenant, base)
        )
        if (Option.isNone(row)) return yield* InvalidResetToken.generic
        const user = yield* users.find(row.value.user_id).pipe(inTenant(tenant, base))
        if (Option.isNone(user) || !user.value.active) return yield* InvalidResetToken.generic
        const actor: Actor = { ...base, id: user.value.id }
        // Policy first, outside the write transaction: a refused password leaves the token live.
        yield* users.checkPassword(user.value.id, input.new_password).pipe(inTenant(tenant, actor))
        const result = yield* tenantTx(
          Effect.gen(function* () {
            const at = instant(yield* Clock.currentTimeMillis)
            if (!(yield* repo.useResetToken(row.value.id, at))) return yield* InvalidResetToken.generic
            yield* repo.voidResetTokens(user.value.id, at)
            return yield* users.resetPassword(user.value.id, input.new_password, "reset_link")
          })
        ).pipe(inTenant(tenant, actor))
        return new PasswordResetDone({ sessions_revoked: result.sessions_revoked })
      }).pipe(
        Effect.catchTag("UserNotFound", () => Effect.fail(InvalidResetToken.generic)),
        Effect.withSpan("Accounts.confirmPasswordReset")
      )

    return { request, confirm } as const
  })

/** The password-reset operations. */
export type PasswordReset = Effect.Effect.Success<ReturnType<typeof makePasswordReset>>
