/**
 * The tenant-wide "SSO only" policy and its break-glass accounts (issue 19
 * §2 "an 'SSO only' policy per tenant or domain"; seed 003 "Config: SSO
 * settings").
 *
 * When the policy is on, every account of the tenant signs in through one of
 * its SSO connections only: password login, e-mail sign-in codes and
 * passkeys answer `TenantSsoRequired` (403) — enforced in identity's
 * sign-in seams through the `SsoOnlyDomains` port (`IdentityPorts.ts`), so
 * an in-process embedder meets the same refusal. Passkeys are refused too:
 * the IdP must stay the one authority, so that disabling someone there
 * ends their access here. Sessions already open are not revoked; refresh
 * keeps working until they expire or an administrator revokes them.
 *
 * Break-glass accounts are exempt: users an administrator marked (audited
 * `sso.break_glass.marked` / `sso.break_glass.unmarked`), for when the IdP
 * is down or misconfigured. Only active users can be marked.
 *
 * **No lock-out.** Turning the policy on needs both at least one SSO
 * connection (someone can sign in at all) and at least one active
 * break-glass account (someone can repair the connection); while it is on,
 * the last break-glass account cannot be unmarked. Each refusal is a 409
 * `Conflict` naming what is missing. (Deleting the last connection stays
 * possible: break-glass accounts can still sign in and fix it.)
 *
 * @module
 */
import { UserId, UserNotFound } from "@signet/contracts/identity/Domain"
import { BreakGlassAccount, SsoPolicy } from "@signet/contracts/integrations/SsoDomain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Conflict } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { tenantTx } from "../kernel/Database.js"
import { SsoPolicyRepo } from "./SsoPolicyRepo.js"
import { SsoRepo } from "./SsoRepo.js"

/** The tenant-wide SSO-only policy of the current tenant; see the module comment. */
export class SsoPolicies extends Effect.Service<SsoPolicies>()("Signet/SsoPolicies", {
  effect: Effect.gen(function* () {
    const repo = yield* SsoPolicyRepo
    const connections = yield* SsoRepo
    const identity = yield* Identity
    const audit = yield* Audit
    const events = yield* Events
    const now = Effect.map(Clock.currentTimeMillis, (ms) => DateTime.unsafeMake(ms))
    const actorId = Effect.map(CurrentActor, (a) => a.id ?? null)

    /** The policy as answered (in the caller's transaction). */
    const current = Effect.gen(function* () {
      const policy = yield* repo.policy
      const accounts = yield* repo.breakGlass
      return new SsoPolicy({
        sso_only: Option.exists(policy, (p) => p.sso_only),
        break_glass: accounts.map((a) => new BreakGlassAccount(a)),
        updated_at: Option.getOrNull(Option.map(policy, (p) => p.updated_at))
      })
    })

    /** The active users among the break-glass accounts (in the caller's transaction). */
    const activeBreakGlass = (accounts: ReadonlyArray<BreakGlassAccount>) =>
      Effect.filter(accounts, (a) =>
        Effect.map(identity.findRow(a.user_id), (row) => Option.exists(row, (r) => r.status === "active"))
      )

    /** The live user `userId`, or UserNotFound. */
    const userRow = (userId: string) =>
      Effect.gen(function* () {
        const notFound = new UserNotFound({ message: `no user ${userId}`, id: userId })
        if (!Schema.is(UserId)(userId)) return yield* notFound
        return yield* Option.match(yield* identity.findRow(userId), {
          onNone: () => Effect.fail(notFound),
          onSome: Effect.succeed
        })
      })

    /** Records a change of the policy: audit and event. */
    const record = (action: string, targetType: string, targetId: string | null, after: SsoPolicy) =>
      Effect.zipRight(
        audit.record({
          action,
          targetType,
          targetId,
          after: { sso_only: after.sso_only, break_glass: after.break_glass.map((a) => a.user_id) }
        }),
        events.publish({
          type: "signet.integrations.sso_policy.updated",
          subject: targetId ?? "tenant",
          data: { sso_only: after.sso_only, break_glass: after.break_glass.length }
        })
      )

    /**
     * Turns the policy on or off; audited `sso.policy.updated`.
     * @errors Conflict (turning it on without an SSO connection or an active break-glass account)
     */
    const set = (ssoOnly: boolean) =>
      tenantTx(
        Effect.gen(function* () {
          const before = yield* current
          if (ssoOnly) {
            if ((yield* connections.count) === 0)
              return yield* new Conflict({
                message: "register an SSO connection before requiring SSO for the whole tenant",
                field: "sso_only"
              })
            if ((yield* activeBreakGlass(before.break_glass)).length === 0)
              return yield* new Conflict({
                message: "mark at least one active break-glass account before requiring SSO for the whole tenant",
                field: "sso_only"
              })
          }
          yield* repo.setPolicy(ssoOnly, yield* actorId, yield* now)
          const after = yield* current
          if (before.sso_only !== ssoOnly) yield* record("sso.policy.updated", "tenant", null, after)
          return after
        })
      ).pipe(Effect.withSpan("SsoPolicies.set"))

    /** Marks the active user `userId` as a break-glass account; audited. @errors UserNotFound, Conflict (not active) */
    const mark = (userId: string) =>
      tenantTx(
        Effect.gen(function* () {
          const row = yield* userRow(userId)
          if (row.status !== "active")
            return yield* new Conflict({
              message: "only an active user can be a break-glass account",
              field: "user_id"
            })
          if (yield* repo.isMarked(userId)) return yield* current
          yield* repo.mark(userId, yield* actorId, yield* now)
          const after = yield* current
          yield* record("sso.break_glass.marked", "user", userId, after)
          return after
        })
      ).pipe(Effect.withSpan("SsoPolicies.mark"))

    /**
     * Unmarks a break-glass account; audited.
     * @errors UserNotFound (not a break-glass account), Conflict (the last active one while the policy is on)
     */
    const unmark = (userId: string) =>
      tenantTx(
        Effect.gen(function* () {
          const before = yield* current
          if (!before.break_glass.some((a) => a.user_id === userId))
            return yield* new UserNotFound({ message: `user ${userId} is not a break-glass account`, id: userId })
          if (before.sso_only) {
            const others = yield* activeBreakGlass(before.break_glass.filter((a) => a.user_id !== userId))
            if (others.length === 0)
              return yield* new Conflict({
                message: "the last active break-glass account cannot be unmarked while the tenant requires SSO",
                field: "user_id"
              })
          }
          yield* repo.unmark(userId)
          const after = yield* current
          yield* record("sso.break_glass.unmarked", "user", userId, after)
          return after
        })
      ).pipe(Effect.withSpan("SsoPolicies.unmark"))

    return { get: tenantTx(current).pipe(Effect.withSpan("SsoPolicies.get")), set, mark, unmark } as const
  }),
  dependencies: [SsoPolicyRepo.Default, SsoRepo.Default]
}) {}
