/**
 * The access service's decisions (ARCHITECTURE §3 "Checks run in memory
 * against a per-tenant compiled policy invalidated by a version counter;
 * every decision can be explained"; seed 001 "Permission Check Flow"):
 * the compiled-policy cache, `check` / `checkActor`, explanations, the
 * token's role names, and the no-escalation rule ("nobody hands out what
 * they do not hold").
 *
 * The compiled policy is cached per tenant with the version it was built
 * from. An entry younger than the TTL (`AccessConfig.cacheTtl`) is used as
 * is; an older one is revalidated with one cheap query of the version and
 * rebuilt when the version moved. Reloads are deduplicated per tenant.
 * Inside a caller's transaction the version is always read in that
 * transaction, and a policy built from uncommitted rows is used once and
 * never cached.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Explanation, type Role } from "@signet/contracts/access/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, type ValidationError } from "@signet/contracts/kernel/Errors"
import { Deferred, Duration, Effect, Option } from "effect"
import type { Kit } from "./Kit.js"
import { type CompiledPolicy, checkScoped, compilePolicy, holdsScoped, policyRequire } from "./Policy.js"
import { isUuid } from "./Repo.js"

interface CacheEntry {
  readonly policy: CompiledPolicy
  readonly version: number
  checkedAt: number
}

/** This replica's compiled policies, per tenant, and the counters that make reloads safe. */
export interface CacheState {
  readonly cache: Map<string, CacheEntry>
  readonly generation: Map<string, number>
  readonly inflight: Map<string, Deferred.Deferred<CacheEntry>>
  /** Drops the tenant's compiled policy (the next check reloads it). */
  readonly invalidate: (tenantId: string) => void
}

/** An empty cache. */
export const makeCacheState = (): CacheState => {
  const cache = new Map<string, CacheEntry>()
  const generation = new Map<string, number>()
  return {
    cache,
    generation,
    inflight: new Map(),
    invalidate: (tenantId) => {
      cache.delete(tenantId)
      generation.set(tenantId, (generation.get(tenantId) ?? 0) + 1)
    }
  }
}

const isPattern = (permission: string) => permission.endsWith(":*")

/** The decisions, on `kit` and the cache `state`. */
export const makeChecks = (kit: Kit, state: CacheState) =>
  Effect.gen(function* () {
    const { repo, inTenant, options } = kit
    const { cache, generation, inflight } = state
    // One time source for TTL bookkeeping, also usable synchronously (checkCompiled).
    const clock = yield* Effect.clock
    const ttlMs = Duration.toMillis(Duration.decode(options.cacheTtl))

    /** Reads every rule of the tenant (version first, so the rules are at least that new) and compiles them. */
    const loadPolicy = Effect.gen(function* () {
      const version = yield* repo.readVersion()
      const input = yield* repo.policyInput()
      return { policy: compilePolicy(input), version }
    }).pipe(Effect.withSpan("Access.loadPolicy"))

    const store = (tenantId: string, entry: CacheEntry) => {
      if (!cache.has(tenantId) && cache.size >= options.maxCachedTenants) {
        const oldest = cache.keys().next()
        if (!oldest.done) cache.delete(oldest.value)
      }
      cache.set(tenantId, entry)
    }

    /** Revalidates (or rebuilds) the tenant's entry in its own transaction and caches it. */
    const revalidate = (tenantId: string) =>
      Effect.gen(function* () {
        const startedAt = generation.get(tenantId) ?? 0
        const current = cache.get(tenantId)
        const version = yield* inTenant(repo.readVersion())
        const at = clock.unsafeCurrentTimeMillis()
        if (current && current.version === version && cache.get(tenantId) === current) {
          current.checkedAt = at
          return current
        }
        const loaded = yield* inTenant(loadPolicy)
        // A local mutation while loading: keep the result, but revalidate on next use.
        const stale = (generation.get(tenantId) ?? 0) !== startedAt
        const entry: CacheEntry = { ...loaded, checkedAt: stale ? Number.NEGATIVE_INFINITY : at }
        store(tenantId, entry)
        return entry
      })

    /** {@link revalidate}, at most one at a time per tenant (others wait for its result). */
    const refresh = (tenantId: string): Effect.Effect<CacheEntry, never, CurrentTenant> =>
      Effect.flatMap(Deferred.make<CacheEntry>(), (mine) =>
        Effect.suspend(() => {
          const pending = inflight.get(tenantId)
          if (pending) return Deferred.await(pending)
          inflight.set(tenantId, mine)
          return revalidate(tenantId).pipe(
            Effect.onExit((exit) =>
              Effect.zipRight(
                Effect.sync(() => inflight.delete(tenantId)),
                Deferred.done(mine, exit)
              )
            )
          )
        })
      )

    /**
     * The current tenant's compiled policy, fresh within the TTL. Inside a
     * caller's transaction, consistent with that transaction.
     */
    const policyFor: Effect.Effect<CompiledPolicy, never, CurrentTenant> = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const inTransaction = Option.isSome(yield* Effect.serviceOption(SqlClient.TransactionConnection))
      const entry = cache.get(tenant.id)
      if (inTransaction) {
        // The caller's transaction may hold uncommitted access changes: compare
        // versions in it, and never cache what it reads.
        const version = yield* repo.readVersion()
        if (entry && entry.version === version) return entry.policy
        return (yield* loadPolicy).policy
      }
      if (entry && clock.unsafeCurrentTimeMillis() - entry.checkedAt < ttlMs) return entry.policy
      return (yield* refresh(tenant.id)).policy
    })

    /**
     * Whether the user holds a concrete permission (`resource:action`) in the
     * current tenant: explicit deny > allow > default deny. In memory except
     * for a version query once per TTL per tenant.
     */
    const check = (userId: string, permission: string): Effect.Effect<boolean, never, CurrentTenant> =>
      Effect.map(policyFor, (p) => p.check(userId, permission))

    /**
     * Whether an actor may do `permission` in the current tenant:
     * - `user`: {@link check} by user id;
     * - `operator`, `system`: always (platform level);
     * - `apiKey`, `beacon`: only their fixed permission set
     *   (`actor.permissions`), nothing without one.
     * `permission` may be a pattern (`roles:*`, `*:*`): then the actor must
     * hold all of it (see `CompiledPolicy.holds`).
     */
    const checkActor = (actor: Actor, permission: string): Effect.Effect<boolean, never, CurrentTenant> => {
      switch (actor.kind) {
        case "operator":
        case "system":
          return Effect.succeed(true)
        case "user": {
          const id = actor.id
          if (id === null) return Effect.succeed(false)
          return Effect.map(policyFor, (p) =>
            isPattern(permission) ? p.holds(id, permission) : p.check(id, permission)
          )
        }
        default: {
          const scope = actor.permissions
          if (scope === undefined) return Effect.succeed(false)
          return Effect.succeed(isPattern(permission) ? holdsScoped(scope, permission) : checkScoped(scope, permission))
        }
      }
    }

    /**
     * Synchronous fast path: the decision from this replica's cached policy
     * of `tenantId`, or `undefined` when there is none or it is older than the
     * TTL (then call {@link check}). For hot loops and benchmarks.
     */
    const checkCompiled = (tenantId: string, userId: string, permission: string): boolean | undefined => {
      const entry = cache.get(tenantId)
      if (entry === undefined || clock.unsafeCurrentTimeMillis() - entry.checkedAt >= ttlMs) return undefined
      return entry.policy.check(userId, permission)
    }

    /**
     * Refuses to let the `CurrentActor` hand out a permission it does not hold
     * itself, directly or indirectly. Each pattern must be held as
     * {@link checkActor} decides — a pattern wholly. Operators and the system
     * hold everything; an API key only its scope. Patterns are checked in the
     * order given; `what` names the operation in the 403 message.
     * @errors Forbidden (403) naming the first pattern not held
     */
    const requireHeld = (
      patterns: ReadonlyArray<string>,
      what: string
    ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        for (const pattern of patterns) {
          if (!(yield* checkActor(actor, pattern))) {
            return yield* new Forbidden({
              message: `${what} would grant ${pattern}, which the caller does not hold`,
              permission: pattern
            })
          }
        }
      })

    /**
     * {@link requireHeld} for every permission pattern the role named
     * `roleName` grants in the current tenant, read fresh (nothing to hold
     * when the tenant has no such role).
     * @errors Forbidden (403) naming the first pattern of the role not held
     */
    const requireHeldRole = (
      roleName: string,
      what: string
    ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
      Effect.flatMap(inTenant(repo.rolePermissionsByName(roleName)), (permissions) =>
        requireHeld(permissions, `${what} (role "${roleName}")`)
      )

    /**
     * {@link requireHeld} for every permission pattern of `role`, read in the
     * caller's transaction (inside a mutation).
     * @errors Forbidden (403) naming the first pattern of the role not held
     */
    const requireHeldRoleRow = (role: Role, what: string) =>
      Effect.flatMap(repo.rolePermissions(role.id), (permissions) =>
        requireHeld(permissions, `${what} (role "${role.name}")`)
      )

    /**
     * {@link requireHeld} for every allow pattern a user holds in the current
     * tenant (roles, team roles and allow overrides; deny overrides are not
     * subtracted, so this errs on the side of refusing).
     * @errors Forbidden (403) naming the first pattern of the user not held
     */
    const requireHeldUser = (
      userId: string,
      what: string
    ): Effect.Effect<void, Forbidden, CurrentTenant | CurrentActor> =>
      Effect.flatMap(policyFor, (p) =>
        requireHeld(
          p.grants(userId).allow.map((g) => g.pattern),
          what
        )
      )

    /**
     * Refuses permission patterns the current tenant does not know, by the
     * rule of role grants. Needs no permission. Used for API key scopes.
     * @errors ValidationError (400) on `field`, naming the first unknown pattern
     */
    const validatePermissions = (
      patterns: ReadonlyArray<string>,
      field: string
    ): Effect.Effect<void, ValidationError, CurrentTenant> => inTenant(kit.validatePatterns(patterns, field))

    /**
     * Like {@link check}, and says which grant or deny decided (or that
     * nothing matched). Requires `roles:read`; the user must be a live user
     * of the tenant.
     * @errors ValidationError (user id), NotFound (`resource: "user"`)
     */
    const explain = (userId: string, permission: string) =>
      policyRequire(
        "roles",
        "read"
      )(
        Effect.zipRight(
          kit.requireUser(userId),
          Effect.map(
            policyFor,
            (p) => new Explanation({ user_id: userId, permission, ...p.explain(userId, permission) })
          )
        )
      )

    /**
     * The names of the roles a user holds, directly or through a team,
     * highest priority first: the access token's `roles` claim. Read from the
     * compiled policy. Needs no permission: it is read for the user being
     * authenticated, never returned to another caller.
     */
    const roleNames = (userId: string): Effect.Effect<ReadonlyArray<string>, never, CurrentTenant> =>
      isUuid(userId) ? Effect.map(policyFor, (p) => p.roleNames(userId)) : Effect.succeed([])

    return {
      policyFor,
      check,
      checkActor,
      checkCompiled,
      requireHeld,
      requireHeldRole,
      requireHeldRoleRow,
      requireHeldUser,
      validatePermissions,
      explain,
      roleNames
    } as const
  })
