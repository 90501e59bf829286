/**
 * Invitations (issue 18 "Invitations"; seed 002 "org invites"; the token
 * rules of `PasswordReset.ts`, after Lucia). Why each step is there:
 *
 * - **Who may invite**: the facade (`Admin.ts`) asks `users:write` (listing:
 *   `users:read`); here, as for `UserAdmin.create`, the actor must also hold
 *   every permission of the invitee type's default role
 *   (`Access.requireHeldRole`), so nobody invites above their own power;
 *   inviting an `admin` or `dev` needs a recent step-up for a user actor
 *   (issue 15 §4, as creating one does).
 * - **The user**: identity's (through the {@link AccountUsers} port). A new
 *   address becomes a user without a password; an existing user is invited
 *   only while it has no password, is active and has no pending invitation.
 * - **The token** is 32 CSPRNG bytes (base64url); only its SHA-256 is stored
 *   and it is looked up by hash (no byte-by-byte comparison of a secret in
 *   JavaScript). It expires (`SIGNET_INVITE_TTL_HOURS`, default 168 = 7
 *   days), is single use (the accepting UPDATE is conditional), revocable,
 *   and a resend replaces it (the old link dies with its hash).
 * - **Unknown, expired, used, revoked, replaced, foreign-tenant or malformed
 *   tokens** all get one `InvalidInvitationToken` (400) and change nothing.
 *   A password the policy refuses is a `ValidationError` and leaves the link live.
 * - **Accepting** sets the password through identity (policy, argon2id),
 *   records the address as verified (the mailbox proved it), ends the
 *   invitation, then signs in as the login does.
 * - **Limits**: invitation calls per actor (`SIGNET_RATE_INVITE`, default
 *   `30/60`; a bulk call counts once), acceptances per client address
 *   (`SIGNET_RATE_RESET_IP`); 429 with the seconds to wait, nothing sent.
 *   A bulk call invites at most {@link MAX_BULK_INVITATIONS}.
 * - **Sign-in cards** (`Cards.ts`): the same invitations for students
 *   without e-mail, channel `card`, their links printed (QR code) instead
 *   of mailed; accepting one does not mark the address verified.
 * - Every change: one audit row (a bulk call: one for the call) and events
 *   `signet.accounts.invitation.created|resent|revoked|accepted` through the outbox.
 *
 * @module
 */
import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import {
  type AcceptInvitation,
  type BulkInvite,
  BulkInviteSkip,
  BulkInviteSummary,
  type CreateInvitation,
  InvalidInvitationToken,
  Invitation,
  type InvitationStatus,
  type ListInvitations,
  MAX_BULK_INVITATIONS
} from "@signet/contracts/accounts/Invitations"
import type { UserId, UserType } from "@signet/contracts/identity/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, NotFound } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Config, DateTime, Effect, Option } from "effect"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { parseRule, RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { makeCards } from "./Cards.js"
import { Mailer } from "./Mailer.js"
import type { makeMailQueue } from "./MailQueue.js"
import { AccountGroups, AccountUsers, type Invitee } from "./Ports.js"
import { AccountsRepo, type InvitationRow } from "./Repo.js"
import { enforceLimit, hashLinkToken, isLinkToken, linkRules, mailLogo, newLinkToken } from "./Shared.js"
import { invitationMail, type MailLocale, mailLocale } from "./Templates.js"

/** What every invitation mail of a tenant shares. */
interface MailContext {
  readonly slug: string
  readonly name: string
  readonly locale: MailLocale
  readonly support: string | undefined
  readonly logoUrl: string | undefined
}

/** Where an acceptance comes from. */
export interface InviteClient {
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
}

/** Types whose default role is the administrator's: inviting one hands out that power (step-up, as `UserAdmin.create`). */
const administratorTypes: ReadonlySet<UserType> = new Set(["admin", "dev"])

/** Users read per page while a bulk call looks for candidates. */
const PAGE = 500

/** Skipped users a bulk summary lists (the counts are not capped). */
const MAX_LISTED_SKIPS = 1000

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)

/** An invitation row as the API shows it, its status read at `nowMs`. */
const toInvitation = (row: InvitationRow, nowMs: number): Invitation => {
  const status: InvitationStatus =
    row.accepted_at !== null
      ? "accepted"
      : row.revoked_at !== null
        ? "revoked"
        : Date.parse(row.expires_at) <= nowMs
          ? "expired"
          : "pending"
  return Invitation.make({
    id: row.id as never,
    channel: row.channel,
    user_id: row.user_id as UserId,
    email: row.email,
    user_type: row.user_type,
    school_id: row.school_id,
    status,
    sent_count: row.sent_count,
    created_at: DateTime.unsafeMake(row.created_at),
    expires_at: DateTime.unsafeMake(row.expires_at),
    accepted_at: row.accepted_at === null ? null : DateTime.unsafeMake(row.accepted_at),
    revoked_at: row.revoked_at === null ? null : DateTime.unsafeMake(row.revoked_at)
  })
}

/** What every invitation operation shares: services, configuration, the mail and issue steps. */
const makeKit = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const repo = yield* AccountsRepo
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    const events = yield* Events
    const mailer = yield* Mailer
    const groups = yield* AccountGroups
    const rules = yield* linkRules
    const config = yield* Effect.orDie(
      Config.all({
        ttlHours: Config.integer("SIGNET_INVITE_TTL_HOURS").pipe(Config.withDefault(168)),
        rate: Config.string("SIGNET_RATE_INVITE").pipe(Config.withDefault("30/60"))
      })
    )
    const inviteRule = parseRule(config.rate)
    const ttlMs = Math.max(1, config.ttlHours) * 3_600_000

    /** Counts one invitation call of the actor. @errors RateLimited */
    const limitCall = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const actor = yield* CurrentActor
      yield* enforceLimit(limiter, `invite:actor:${tenant.id}:${actor.kind}:${actor.id}`, inviteRule, "invitations")
    })

    /** What every invitation mail of the tenant shares (branding, language). */
    const mailContext = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const { name } = yield* tenancy.getById(tenant.id).pipe(Effect.orDie)
      const locale = mailLocale(yield* tenancy.settingValue<string>(tenant.id, "general.locale"))
      const support = (yield* tenancy.settingValue<string>(tenant.id, "general.support_email")) || undefined
      return { slug: tenant.slug, name, locale, support, logoUrl: yield* mailLogo(tenancy, tenant.id) }
    })

    /** A new token and its mail, queued in the current transaction; answers the token's hash. */
    const sendMail = (ctx: MailContext, email: string) =>
      Effect.gen(function* () {
        const { hash, token } = newLinkToken()
        const mail = invitationMail(ctx.locale, {
          tenantName: ctx.name,
          supportEmail: ctx.support,
          logoUrl: ctx.logoUrl,
          link: `${mailer.publicOrigin}/t/${encodeURIComponent(ctx.slug)}/invite?token=${token}`,
          minutes: Math.round(ttlMs / 60_000)
        })
        yield* queue.enqueue("invitation", email, mail, { fromName: ctx.name, replyTo: ctx.support })
        return hash
      })

    /** Stores an invitation for `user`, queues its mail and publishes `…invitation.created`, in the current transaction. */
    const issue = (ctx: MailContext, user: Invitee, nowMs: number) =>
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        const id = yield* newUuid
        const tokenHash = yield* sendMail(ctx, user.email)
        const row = {
          id,
          userId: user.id,
          email: user.email,
          userType: user.userType,
          schoolId: user.schoolId,
          tokenHash,
          invitedBy: actor.id,
          createdAt: instant(nowMs),
          expiresAt: instant(nowMs + ttlMs)
        }
        yield* repo.insertInvitation(row)
        yield* events.publish({
          type: "signet.accounts.invitation.created",
          subject: id,
          data: { invitation_id: id, user_id: user.id, user_type: user.userType, expires_at: row.expiresAt }
        })
        return id
      })

    /** Why `user` cannot be invited now, if anything. */
    const obstacle = (user: Invitee, pending: ReadonlySet<string>): BulkInviteSkip["reason"] | undefined =>
      !user.email
        ? "no_email"
        : !user.active
          ? "disabled"
          : user.hasPassword
            ? "has_password"
            : pending.has(user.id)
              ? "pending_invitation"
              : undefined

    /** An invitation of the current tenant. @errors NotFound (also another tenant's) */
    const requireInvitation = (id: string) =>
      Effect.flatMap(isUuid(id) ? repo.findInvitation(id) : Effect.succeed(Option.none()), (row) =>
        Option.match(row, {
          onNone: () => Effect.fail(new NotFound({ message: "no such invitation", resource: "invitation", id })),
          onSome: Effect.succeed
        })
      )
    return {
      repo,
      users,
      groups,
      origin: mailer.publicOrigin,
      tenancy,
      limiter,
      audit,
      events,
      rules,
      ttlMs,
      limitCall,
      mailContext,
      sendMail,
      issue,
      obstacle,
      requireInvitation
    } as const
  })

type Kit = Effect.Effect.Success<ReturnType<typeof makeKit>>

/** Inviting one address, listing, revoking and resending. */
const makeAdmin = (kit: Kit) => {
  const { audit, events, issue, limitCall, mailContext, obstacle, repo, requireInvitation, sendMail, ttlMs, users } =
    kit
  /**
   * Invites one address: creates the user (no password) when none has it,
   * stores the invitation and queues its mail.
   * @errors ValidationError, Conflict (the user already has a password, is
   * disabled, or has a pending invitation — resend it), Forbidden (the type's
   * default role not held, or step-up missing for an admin), RateLimited
   */
  const create = (input: CreateInvitation) =>
    Effect.gen(function* () {
      yield* limitCall
      const existing = yield* users.invitee(input.email)
      const userType: UserType = Option.match(existing, { onNone: () => input.user_type, onSome: (u) => u.userType })
      if (administratorTypes.has(userType)) yield* Access.use((a) => a.requireStepUp)
      yield* Access.use((a) => a.requireHeldRole(DEFAULT_ROLE_OF_TYPE[userType], `inviting a ${userType}`))
      if (Option.isSome(existing)) yield* Access.use((a) => a.requireHeldUser(existing.value.id, "inviting this user"))
      const ctx = yield* mailContext
      return yield* tenantTx(
        Effect.gen(function* () {
          const nowMs = yield* Clock.currentTimeMillis
          const user = Option.isSome(existing)
            ? existing.value
            : yield* users.create({
                email: input.email,
                user_type: input.user_type,
                given_name: input.given_name ?? input.email.split("@")[0]!.slice(0, 100),
                family_name: input.family_name ?? "-",
                ...(input.school_id === undefined ? {} : { school_id: input.school_id })
              })
          const pending = yield* repo.pendingInvitees([user.id], instant(nowMs))
          const why = obstacle(user, pending)
          if (why !== undefined)
            return yield* new Conflict({ message: `this user cannot be invited: ${why}`, field: "email" })
          const id = yield* issue(ctx, user, nowMs)
          yield* audit.record({
            action: "account.invitation_created",
            targetType: "user",
            targetId: user.id,
            after: { invitation_id: id, user_type: user.userType, created_user: Option.isNone(existing) }
          })
          const row = yield* repo.findInvitation(id)
          return toInvitation(Option.getOrThrow(row), nowMs)
        })
      )
    }).pipe(Effect.withSpan("Accounts.createInvitation"))

  /** The tenant's invitations, newest first (at most `limit`, default 100). */
  const list = (params: ListInvitations) =>
    Effect.gen(function* () {
      const nowMs = yield* Clock.currentTimeMillis
      const rows = yield* tenantTx(
        repo.listInvitations({ status: params.status, now: instant(nowMs), limit: params.limit ?? 100 })
      )
      return rows.map((r) => toInvitation(r, nowMs))
    }).pipe(Effect.withSpan("Accounts.listInvitations"))

  /**
   * Revokes a pending (or expired) invitation: its link stops working.
   * @errors NotFound (also another tenant's), Conflict (already accepted or revoked)
   */
  const revoke = (id: string) =>
    tenantTx(
      Effect.gen(function* () {
        const row = yield* requireInvitation(id)
        const nowMs = yield* Clock.currentTimeMillis
        if (!(yield* repo.revokeInvitation(row.id, instant(nowMs))))
          return yield* new Conflict({ message: "this invitation was already accepted or revoked" })
        yield* audit.record({ action: "account.invitation_revoked", targetType: "user", targetId: row.user_id })
        yield* events.publish({
          type: "signet.accounts.invitation.revoked",
          subject: row.id,
          data: { invitation_id: row.id, user_id: row.user_id }
        })
        return toInvitation(Option.getOrThrow(yield* repo.findInvitation(row.id)), nowMs)
      })
    ).pipe(Effect.withSpan("Accounts.revokeInvitation"))

  /**
   * Sends a pending or expired invitation again with a new token and a
   * new expiry; the previous link stops working.
   * @errors NotFound (also another tenant's), Conflict (accepted or revoked), RateLimited
   */
  const resend = (id: string) =>
    Effect.gen(function* () {
      yield* limitCall
      const ctx = yield* mailContext
      return yield* tenantTx(
        Effect.gen(function* () {
          const row = yield* requireInvitation(id)
          const nowMs = yield* Clock.currentTimeMillis
          const tokenHash = yield* sendMail(ctx, row.email)
          if (!(yield* repo.renewInvitation(row.id, tokenHash, instant(nowMs + ttlMs))))
            return yield* new Conflict({ message: "this invitation was already accepted or revoked" })
          yield* audit.record({ action: "account.invitation_resent", targetType: "user", targetId: row.user_id })
          yield* events.publish({
            type: "signet.accounts.invitation.resent",
            subject: row.id,
            data: { invitation_id: row.id, user_id: row.user_id }
          })
          return toInvitation(Option.getOrThrow(yield* repo.findInvitation(row.id)), nowMs)
        })
      )
    }).pipe(Effect.withSpan("Accounts.resendInvitation"))

  return { create, list, revoke, resend } as const
}

/** Inviting every pending user. */
const makeBulk = (kit: Kit) => {
  const { audit, issue, limitCall, mailContext, obstacle, repo, users } = kit
  /**
   * Invites every user of the tenant with an e-mail address, no password
   * and no pending invitation (optionally of one type or school), at most
   * `limit` (≤ {@link MAX_BULK_INVITATIONS}), users ordered by id from
   * `after`; `more`/`next` say whether candidates remain and where the next
   * call resumes. One audit row for the call; one event per invitation.
   * @errors Forbidden (a candidate type's default role not held), RateLimited
   */
  const bulk = (input: BulkInvite) =>
    Effect.gen(function* () {
      yield* limitCall
      const max = Math.min(input.limit ?? MAX_BULK_INVITATIONS, MAX_BULK_INVITATIONS)
      const ctx = yield* mailContext
      const skipped: Array<BulkInviteSkip> = []
      const checked = new Set<UserType>()
      let invited = 0
      let skippedCount = 0
      let after: string | undefined = input.after
      let more = false
      const nowMs = yield* Clock.currentTimeMillis
      while (!more) {
        const page = yield* users.page({ after, userType: input.user_type, schoolId: input.school_id, limit: PAGE })
        if (page.length === 0) break
        const pending = yield* tenantTx(
          repo.pendingInvitees(
            page.map((u) => u.id),
            instant(nowMs)
          )
        )
        const chosen: Array<Invitee> = []
        for (const user of page) {
          const why = obstacle(user, pending)
          if (why === undefined && invited + chosen.length >= max) {
            more = true
            break
          }
          if (why !== undefined) {
            skippedCount++
            if (skipped.length < MAX_LISTED_SKIPS) skipped.push(BulkInviteSkip.make({ user_id: user.id, reason: why }))
          } else chosen.push(user)
          after = user.id
        }
        for (const type of new Set(chosen.map((u) => u.userType)))
          if (!checked.has(type)) {
            if (administratorTypes.has(type)) yield* Access.use((a) => a.requireStepUp)
            yield* Access.use((a) => a.requireHeldRole(DEFAULT_ROLE_OF_TYPE[type], `inviting a ${type}`))
            checked.add(type)
          }
        yield* tenantTx(Effect.forEach(chosen, (user) => issue(ctx, user, nowMs), { discard: true }))
        invited += chosen.length
        if (page.length < PAGE) break
      }
      const next = more ? (after ?? null) : null
      const summary = BulkInviteSummary.make({ invited, skipped, skipped_count: skippedCount, more, next })
      yield* tenantTx(
        audit.record({
          action: "account.invitations_bulk",
          targetType: "tenant",
          targetId: (yield* CurrentTenant).id,
          after: {
            invited,
            skipped: skippedCount,
            more,
            user_type: input.user_type ?? null,
            school_id: input.school_id ?? null
          }
        })
      )
      return summary
    }).pipe(Effect.withSpan("Accounts.bulkInvite"))

  return bulk
}

/** Accepting an invitation with the mailed token. */
const makeAccept = (kit: Kit) => {
  const { audit, events, limiter, repo, rules, tenancy, users } = kit
  /**
   * Accepts an invitation: sets the password, marks the address verified,
   * ends the invitation and signs in (the login's answer).
   * @errors InvalidInvitationToken (unknown, expired, used, revoked,
   * replaced, foreign or malformed — nothing changed), ValidationError
   * (password refused by the policy; the link stays live), RateLimited,
   * TenantNotFound, TenantSuspended
   */
  const accept = (slug: string, input: AcceptInvitation, client: InviteClient) =>
    Effect.gen(function* () {
      const tenant = yield* tenancy.resolveActive(slug)
      yield* enforceLimit(limiter, `invite-accept:ip:${client.ip ?? "unknown"}`, rules.ip, "invitation attempts")
      if (!isLinkToken(input.token)) return yield* InvalidInvitationToken.generic
      const base: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
      const scoped = <A, E, R>(eff: Effect.Effect<A, E, R>, actor: Actor) =>
        eff.pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, actor)
        )
      const now = instant(yield* Clock.currentTimeMillis)
      const row = yield* scoped(tenantTx(repo.findLiveInvitation(hashLinkToken(input.token), now)), base)
      if (Option.isNone(row)) return yield* InvalidInvitationToken.generic
      const found = yield* scoped(users.invitee(row.value.user_id), base)
      if (Option.isNone(found)) return yield* InvalidInvitationToken.generic
      const user = found.value
      if (!user.active || user.hasPassword || user.email !== row.value.email)
        return yield* InvalidInvitationToken.generic
      const actor: Actor = { ...base, id: user.id }
      // Policy first, outside the write transaction: a refused password leaves the link live.
      yield* scoped(users.checkPassword(user.id, input.new_password), actor)
      yield* scoped(
        tenantTx(
          Effect.gen(function* () {
            const at = instant(yield* Clock.currentTimeMillis)
            if (!(yield* repo.acceptInvitation(row.value.id, at))) return yield* InvalidInvitationToken.generic
            yield* repo.revokeOtherInvitations(user.id, row.value.id, at)
            yield* users.resetPassword(user.id, input.new_password, "invitation")
            // A printed card proves no mailbox: only a mailed link marks the address verified.
            if (row.value.channel === "email") yield* repo.saveVerified(user.id, user.email, at)
            yield* audit.record({
              action: "account.invitation_accepted",
              targetType: "user",
              targetId: user.id,
              after: { invitation_id: row.value.id }
            })
            yield* events.publish({
              type: "signet.accounts.invitation.accepted",
              subject: row.value.id,
              data: { invitation_id: row.value.id, user_id: user.id }
            })
          })
        ),
        actor
      )
      return yield* users.signIn(slug, user.email, input.new_password, client)
    }).pipe(
      Effect.catchTag("UserNotFound", () => Effect.fail(InvalidInvitationToken.generic)),
      Effect.withSpan("Accounts.acceptInvitation")
    )

  return accept
}

/** The invitations seam of the accounts service; see the module comment. */
export const makeInvitations = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.map(
    makeKit(queue),
    (kit) => ({ ...makeAdmin(kit), bulk: makeBulk(kit), accept: makeAccept(kit), ...makeCards(kit) }) as const
  )

/** The invitation operations. */
export type Invitations = Effect.Effect.Success<ReturnType<typeof makeInvitations>>
