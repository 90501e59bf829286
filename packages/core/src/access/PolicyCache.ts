/**
 * The access service's compiled-policy cache (ARCHITECTURE §3 "Checks run in
 * memory against a per-tenant compiled policy invalidated by a version
 * counter"). The compiled policy is cached per tenant with the version it
 * was built from. An entry younger than the TTL (`AccessConfig.cacheTtl`) is
 * used as is; an older one is revalidated with one cheap query of the
 * version and rebuilt when the version moved. Reloads are deduplicated per
 * tenant. Inside a caller's transaction the version is always read in that
 * transaction, and a policy built from uncommitted rows is used once and
 * never cached.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { UserId } from "@signet/contracts/access/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Deferred, Duration, Effect, Option } from "effect"
import type { Kit } from "./Kit.js"
import { type CompiledPolicy, compilePolicy } from "./Policy.js"

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
/**
 * The cache's readers, on `kit` and the cache `state`: `policyFor` (the
 * current tenant's compiled policy, fresh within the TTL) and
 * `checkCompiled` (the synchronous fast path).
 */
export const makePolicyCache = (kit: Kit, state: CacheState) =>
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
     * Synchronous fast path: the decision from this replica's cached policy
     * of `tenantId`, or `undefined` when there is none or it is older than the
     * TTL (then call {@link check}). For hot loops and benchmarks.
     */
    const checkCompiled = (tenantId: string, userId: UserId, permission: string): boolean | undefined => {
      const entry = cache.get(tenantId)
      if (entry === undefined || clock.unsafeCurrentTimeMillis() - entry.checkedAt >= ttlMs) return undefined
      return entry.policy.check(userId, permission)
    }

    return { policyFor, checkCompiled } as const
  })
