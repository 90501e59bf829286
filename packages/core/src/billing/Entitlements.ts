/**
 * Entitlements and quotas (issue 20 "Entitlements and quotas"; seed 003
 * "free-tier soft limits and upgrade prompts", "exceed limits triggers
 * alerts"; Lago and OpenMeter entitlements): the tenant's plan compiled
 * into lookup tables once and cached per tenant, like the RBAC policy, so a
 * check is a map lookup.
 *
 * - **Which plan.** The plan version of the tenant's live subscription
 *   (trial, active or past_due). A tenant without one has no plan: every
 *   feature and no limit (a self-hosted school that never set billing up).
 * - **Cache.** A compiled plan lives {@link CACHE_TTL_MS} per process and is
 *   dropped at once by this process's subscription changes
 *   ({@link Entitlements.invalidate}); other replicas see a change within
 *   the TTL.
 * - **Limits.** `admit(limit, used, adding)`: hard limits refuse past their
 *   value with 402 `QuotaExceeded` naming the limit, the numbers and the
 *   cheapest plan that admits the request; soft limits (`soft_limits`)
 *   only warn. Limits ending in `.monthly` count per UTC calendar month.
 * - **Warnings.** Reaching 80 % and 100 % of a limit records the threshold
 *   (`billing_quota_warnings`) and publishes `signet.billing.quota.warning`
 *   through the outbox, once per threshold, limit value and period, in the
 *   caller's transaction (a refused or failed request publishes nothing).
 *   At or above 80 %, the request's notice cell receives a
 *   {@link QuotaNotice} for the `Signet-Quota-Warning` header.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { Plan } from "@signet/contracts/billing/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { FeatureNotEntitled, QuotaExceeded } from "@signet/contracts/kernel/Errors"
import { DateTime, Effect, FiberRef, Layer, Option } from "effect"
import { Events } from "../events/Events.js"
import { tenantTxOn } from "../kernel/Database.js"
import { CurrentQuotaNotices, type QuotaNotice, Quotas } from "../kernel/Quotas.js"
import { presentPlan } from "./Catalogue.js"
import { BillingRepo } from "./Repo.js"

/** How long a compiled plan is trusted in one process (ms): other replicas' changes show within it. */
export const CACHE_TTL_MS = 15_000

/** Tenants whose compiled plans one process keeps at most (least recently loaded go first). */
const CACHE_SIZE = 10_000

/** The warning thresholds, in % of a limit. */
export const WARNING_THRESHOLDS = [80, 100] as const

/** A tenant's plan as lookup tables. */
export interface CompiledPlan {
  /** The plan's code, `null` without a live subscription. */
  readonly plan: string | null
  readonly version: number | null
  readonly limits: ReadonlyMap<string, number>
  readonly soft: ReadonlySet<string>
  /** Features the plan switches off. */
  readonly off: ReadonlySet<string>
}

const NO_PLAN: CompiledPlan = { plan: null, version: null, limits: new Map(), soft: new Set(), off: new Set() }

/** Compiles a plan version's entitlements. */
export const compile = (plan: Plan): CompiledPlan => ({
  plan: plan.code,
  version: plan.version,
  limits: new Map(Object.entries(plan.entitlements.limits)),
  soft: new Set(plan.entitlements.soft_limits),
  off: new Set(
    Object.entries(plan.entitlements.features)
      .filter(([, on]) => !on)
      .map(([f]) => f)
  )
})

/** The UTC calendar month of `now` (`2026-12`) for limits ending in `.monthly`, else `""`. */
export const periodOf = (limit: string, now: DateTime.Utc): string =>
  limit.endsWith(".monthly") ? DateTime.formatIso(now).slice(0, 7) : ""

/** The thresholds (%) `used` of `value` has reached. */
export const reached = (used: number, value: number): ReadonlyArray<number> =>
  WARNING_THRESHOLDS.filter((t) => used * 100 >= t * value && used > 0)

/** The cheapest plan (latest versions, by fixed charge) other than `current` that `ok` accepts. */
const cheapestUpgrade = (repo: BillingRepo, current: string, ok: (p: CompiledPlan) => boolean) =>
  Effect.map(repo.listLatestPlans, (rows) => {
    const fits = rows
      .map(presentPlan)
      .filter((p) => p.code !== current && ok(compile(p)))
      .sort((a, b) => a.fixed_amount - b.fixed_amount || a.code.localeCompare(b.code))
    return fits[0]?.code
  }).pipe(Effect.orDie)

/** Entitlements; see the module comment. */
export class Entitlements extends Effect.Service<Entitlements>()("Signet/Entitlements", {
  effect: Effect.gen(function* () {
    const repo = yield* BillingRepo
    const events = yield* Events
    const sql = yield* SqlClient.SqlClient
    const cache = new Map<string, { readonly until: number; readonly compiled: CompiledPlan }>()
    // Bumped by every invalidation: a load that began before one (it may have read the rows the
    // change replaced) is returned to its caller but not cached.
    let invalidations = 0
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantTxOn(sql, self)

    const load = inTx(
      Effect.gen(function* () {
        const sub = yield* repo.liveSubscription
        if (Option.isNone(sub)) return NO_PLAN
        const row = yield* repo.planById(sub.value.plan_id)
        return Option.match(row, { onNone: () => NO_PLAN, onSome: (r) => compile(presentPlan(r)) })
      })
    )

    // The cache's expiry reads the process clock, not Effect's `Clock`: it is not business time
    // (a test moving the TestClock must not expire it), and it is the hot path's one clock read.
    /** The current tenant's compiled plan (cached). */
    const current: Effect.Effect<CompiledPlan, never, CurrentTenant> = Effect.flatMap(CurrentTenant, (tenant) => {
      const hit = cache.get(tenant.id)
      const now = Date.now()
      if (hit !== undefined && hit.until > now) return Effect.succeed(hit.compiled)
      const startedAt = invalidations
      return Effect.map(load, (compiled) => {
        if (invalidations !== startedAt) return compiled
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
        cache.delete(tenant.id)
        cache.set(tenant.id, { until: now + CACHE_TTL_MS, compiled })
        return compiled
      })
    })

    const pg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    /** Postgres: serialises this tenant's checks of `limit` until the caller's transaction ends. */
    const lock = (limit: string) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        sql`SELECT pg_advisory_xact_lock(hashtext(${`signet.quota:${tenant.id}:${limit}`}))`.pipe(
          Effect.asVoid,
          Effect.orDie
        )
      )

    const warn = (compiled: CompiledPlan, limit: string, value: number, used: number) =>
      Effect.gen(function* () {
        const cell = yield* FiberRef.get(CurrentQuotaNotices)
        const notice: QuotaNotice = { limit, used, value }
        if (cell !== undefined && !cell.notices.some((n) => n.limit === limit)) cell.notices.push(notice)
        const now = yield* DateTime.now
        const period = periodOf(limit, now)
        for (const threshold of reached(used, value)) {
          const first = yield* inTx(repo.recordQuotaWarning(limit, value, period, threshold, now))
          if (first)
            yield* inTx(
              events.publish({
                type: "signet.billing.quota.warning",
                subject: limit,
                data: {
                  limit,
                  threshold,
                  used,
                  value,
                  plan: compiled.plan,
                  soft: compiled.soft.has(limit),
                  ...(period === "" ? {} : { period })
                }
              })
            )
        }
      })

    /**
     * Admits `adding` more under `limit` beside what `count` counts; see `QuotasApi.admit`.
     * @errors QuotaExceeded
     */
    const admit = <R>(limit: string, adding: number, count: Effect.Effect<number, never, R>) =>
      // Combinators rather than a generator, and no span: a hot path, like the permission check.
      Effect.flatMap(current, (compiled) => {
        const value = compiled.limits.get(limit)
        if (value === undefined) return Effect.void
        return Effect.flatMap(pg ? Effect.zipRight(lock(limit), count) : count, (used) => {
          const after = used + adding
          if (after > value && !compiled.soft.has(limit)) return refuse(compiled, limit, value, used, adding)
          return after * 100 >= WARNING_THRESHOLDS[0] * value ? warn(compiled, limit, value, after) : Effect.void
        })
      })

    /** The `QuotaExceeded` of passing `limit`, naming the cheapest plan that admits it. */
    const refuse = (compiled: CompiledPlan, limit: string, value: number, used: number, adding: number) =>
      Effect.gen(function* () {
        const after = used + adding
        const period = periodOf(limit, yield* DateTime.now)
        const plan = compiled.plan ?? ""
        const lift = yield* cheapestUpgrade(repo, plan, (p) => {
          const v = p.limits.get(limit)
          return v === undefined || v >= after
        })
        return yield* new QuotaExceeded({
          message: `the ${plan} plan allows ${value} for ${limit}${period ? ` in ${period}` : ""}; ${used} used, ${adding} more asked${lift ? `; the ${lift} plan allows it` : ""}`,
          limit,
          value,
          used,
          adding,
          plan,
          ...(period ? { period } : {}),
          ...(lift ? { upgrade_plan: lift } : {})
        })
      })

    /** Admits `feature` unless the plan switches it off. @errors FeatureNotEntitled */
    const feature = (name: string) =>
      Effect.flatMap(current, (compiled) =>
        !compiled.off.has(name)
          ? Effect.void
          : Effect.flatMap(
              cheapestUpgrade(repo, compiled.plan ?? "", (p) => !p.off.has(name)),
              (lift) =>
                new FeatureNotEntitled({
                  message: `the ${compiled.plan} plan does not include ${name}${lift ? `; the ${lift} plan does` : ""}`,
                  feature: name,
                  plan: compiled.plan ?? "",
                  ...(lift ? { upgrade_plan: lift } : {})
                })
            )
      )

    return {
      current,
      admit,
      feature,
      plan: Effect.map(current, (c) => c.plan),
      /** Drops the cached plan of `tenantId` (after its subscription changed in this process). */
      invalidate: (tenantId: string) =>
        Effect.sync(() => {
          cache.delete(tenantId)
          invalidations++
        })
    } as const
  }),
  dependencies: [BillingRepo.Default]
}) {}

/** The {@link Quotas} port from billing's {@link Entitlements} (composed by `Core.ts`). */
export const billingQuotas: Layer.Layer<Quotas, never, Entitlements> = Layer.effect(
  Quotas,
  Effect.map(Entitlements, (e) => ({
    admit: e.admit,
    feature: e.feature,
    plan: e.plan,
    limitOf: (limit: string) => Effect.map(e.current, (c) => c.limits.get(limit))
  }))
)
