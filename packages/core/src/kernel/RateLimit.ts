/**
 * Fixed-window rate limiting with the state where replicas can share it
 * (ARCHITECTURE §6: "rate-limit buckets … live in Postgres, never in process
 * memory alone when DATABASE_URL is Postgres").
 *
 * Backends, chosen by {@link layer}:
 * - Redis when `SIGNET_REDIS_URL` is set (`INCR` + `PEXPIRE` in one `MULTI`);
 * - the database's `rate_limits` table on Postgres (one atomic upsert per hit);
 * - process memory on SQLite (one process owns a SQLite file anyway).
 *
 * Decisions carry what the IETF `RateLimit` header fields and `Retry-After`
 * need (limit, remaining, seconds until the window resets).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Clock, Config, Context, Effect, Layer, Option, Redacted } from "effect"
import type { ModuleMigrations } from "./Migrations.js"

/** The outcome of one hit on a bucket. */
export interface RateLimitDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Seconds until the current window ends (≥ 1). */
  readonly resetSeconds: number
}

/** A limit: `count` hits per `windowSeconds`. */
export interface RateLimitRule {
  readonly count: number
  readonly windowSeconds: number
}

/** Parses `"<count>/<seconds>"` (e.g. `"20/60"`); `"off"` disables the rule. */
export const parseRule = (text: string): Option.Option<RateLimitRule> => {
  if (text.trim() === "off") return Option.none()
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`rate limit "${text}" must look like 20/60 or off`)
  return Option.some({ count: Number(m[1]), windowSeconds: Number(m[2]) })
}

/** A bucket and its rule, one step of {@link RateLimiter}'s `hitInOrder`. */
export interface RateLimitCheck {
  readonly bucket: string
  readonly rule: RateLimitRule
}

/** The rate limiter: counts hits on buckets. */
export class RateLimiter extends Context.Tag("Signet/RateLimiter")<
  RateLimiter,
  {
    readonly backend: "memory" | "database" | "redis"
    /** Counts a hit on `bucket` under `rule`. */
    readonly hit: (bucket: string, rule: RateLimitRule) => Effect.Effect<RateLimitDecision>
    /**
     * Counts a hit on each bucket in turn and stops at the first refusal: a
     * later bucket is not counted once an earlier one refuses (a signer past
     * their own limit does not spend their course's shared budget). Returns
     * the decisions made, in order; the last is the refusal when there was
     * one. On Postgres the buckets are counted in one statement (chained
     * upserts), one round trip where `hit` after `hit` costs one each.
     */
    readonly hitInOrder: (checks: ReadonlyArray<RateLimitCheck>) => Effect.Effect<ReadonlyArray<RateLimitDecision>>
  }
>() {}

/** `hitInOrder` as one `hit` after another. */
const hitEach =
  (hit: (bucket: string, rule: RateLimitRule) => Effect.Effect<RateLimitDecision>) =>
  (checks: ReadonlyArray<RateLimitCheck>): Effect.Effect<ReadonlyArray<RateLimitDecision>> =>
    Effect.gen(function* () {
      const decisions: Array<RateLimitDecision> = []
      for (const { bucket, rule } of checks) {
        const decision = yield* hit(bucket, rule)
        decisions.push(decision)
        if (!decision.allowed) break
      }
      return decisions
    })

const decide = (count: number, rule: RateLimitRule, windowStartMs: number, nowMs: number): RateLimitDecision => ({
  allowed: count <= rule.count,
  limit: rule.count,
  remaining: Math.max(0, rule.count - count),
  resetSeconds: Math.max(1, Math.ceil((windowStartMs + rule.windowSeconds * 1000 - nowMs) / 1000))
})

/** In-process buckets (SQLite deployments, tests). */
export const memory: Layer.Layer<RateLimiter> = Layer.sync(RateLimiter, (): Context.Tag.Service<RateLimiter> => {
  const buckets = new Map<string, { windowStart: number; count: number }>()
  let sweeps = 0
  const hit = (bucket: string, rule: RateLimitRule) =>
    Effect.map(Clock.currentTimeMillis, (now: number): RateLimitDecision => {
      const windowMs = rule.windowSeconds * 1000
      const windowStart = Math.floor(now / windowMs) * windowMs
      const key = `${rule.windowSeconds}:${bucket}`
      const current = buckets.get(key)
      const count = current && current.windowStart === windowStart ? current.count + 1 : 1
      buckets.set(key, { windowStart, count })
      if (++sweeps % 10_000 === 0) {
        for (const [k, v] of buckets) if (v.windowStart + 3_600_000 < now) buckets.delete(k)
      }
      return decide(count, rule, windowStart, now)
    })
  return { backend: "memory", hit, hitInOrder: hitEach(hit) }
})

/** A bucket row's upsert on conflict: counted in its window, or restarted at 1 in a new one. */
const COUNT_IN_WINDOW = `ON CONFLICT (bucket) DO UPDATE SET
  count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
  window_start = excluded.window_start`

/** Buckets in the `rate_limits` table (shared by every replica on one Postgres). */
export const database: Layer.Layer<RateLimiter, never, SqlClient.SqlClient> = Layer.effect(
  RateLimiter,
  Effect.map(SqlClient.SqlClient, (sql): Context.Tag.Service<RateLimiter> => {
    const hit = (bucket: string, rule: RateLimitRule) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const windowStart = windowOf(rule, now)
        const rows = yield* sql<{ count: number }>`INSERT INTO rate_limits (bucket, window_start, count)
          VALUES (${rowKey(bucket, rule)}, ${windowStart}, 1)
          ${sql.literal(COUNT_IN_WINDOW)}
          RETURNING count`
        return decide(Number(rows[0]?.count ?? 1), rule, windowStart, now)
      }).pipe(Effect.orDie)
    const sequential = hitEach(hit)
    const chainable = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    /**
     * On Postgres: one statement of chained data-modifying CTEs, step i
     * upserting its bucket only when step i − 1 ran and stayed within its
     * limit. Buckets must differ (one row cannot be updated twice in a
     * statement); otherwise, and on SQLite, one `hit` after another.
     */
    const hitInOrder = (checks: ReadonlyArray<RateLimitCheck>) => {
      const keys = checks.map((c) => rowKey(c.bucket, c.rule))
      if (!chainable || checks.length < 2 || new Set(keys).size !== keys.length) return sequential(checks)
      return Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const params: Array<string | number> = []
        const param = (value: string | number, type: string) => {
          params.push(value)
          return `$${params.length}::${type}`
        }
        const steps = checks.map((c, i) => {
          const row = `${param(keys[i] as string, "text")}, ${param(windowOf(c.rule, now), "bigint")}, 1`
          const source =
            i === 0
              ? `VALUES (${row})`
              : `SELECT ${row} FROM h${i - 1} WHERE h${i - 1}.count <= ${param((checks[i - 1] as RateLimitCheck).rule.count, "integer")}`
          return `h${i} AS (INSERT INTO rate_limits (bucket, window_start, count) ${source}
            ${COUNT_IN_WINDOW}
            RETURNING count)`
        })
        const counts = checks.map((_, i) => `(SELECT count FROM h${i}) AS c${i}`)
        const [row] = yield* sql.unsafe<Record<string, number | null>>(
          `WITH ${steps.join(", ")} SELECT ${counts.join(", ")}`,
          params
        )
        const decisions: Array<RateLimitDecision> = []
        for (const [i, { rule }] of checks.entries()) {
          const count = row?.[`c${i}`]
          if (count === null || count === undefined) break
          decisions.push(decide(Number(count), rule, windowOf(rule, now), now))
        }
        return decisions
      }).pipe(Effect.orDie)
    }
    return { backend: "database", hit, hitInOrder }
  })
)

/** The start (epoch ms) of `rule`'s fixed window holding `now`. */
const windowOf = (rule: RateLimitRule, now: number) => {
  const windowMs = rule.windowSeconds * 1000
  return Math.floor(now / windowMs) * windowMs
}

/** A bucket's row key in `rate_limits`: the window length, then the bucket name (≤ 500 characters). */
const rowKey = (bucket: string, rule: RateLimitRule) => `${rule.windowSeconds}:${bucket}`.slice(0, 500)

/** Buckets in Redis (`SIGNET_REDIS_URL`), shared by every replica. */
export const redis = (url: Redacted.Redacted<string>): Layer.Layer<RateLimiter> =>
  Layer.scoped(
    RateLimiter,
    Effect.gen(function* () {
      const { Redis } = yield* Effect.promise(() => import("ioredis"))
      const client = yield* Effect.acquireRelease(
        Effect.sync(
          () =>
            new Redis(Redacted.value(url), { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true })
        ),
        (c) => Effect.promise(() => c.quit().catch(() => "closed"))
      )
      const hit = (bucket: string, rule: RateLimitRule) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const windowMs = rule.windowSeconds * 1000
          const windowStart = Math.floor(now / windowMs) * windowMs
          const key = `signet:rl:${rule.windowSeconds}:${windowStart}:${bucket}`
          const result = yield* Effect.promise(() =>
            client
              .multi()
              .incr(key)
              .pexpire(key, windowMs + 1000)
              .exec()
          )
          const count = Number(result?.[0]?.[1] ?? 1)
          return decide(count, rule, windowStart, now)
        })
      return { backend: "redis" as const, hit, hitInOrder: hitEach(hit) }
    })
  )

/**
 * The limiter for a deployment: Redis when `SIGNET_REDIS_URL` is set, the
 * database on Postgres, memory on SQLite.
 */
export const layer: Layer.Layer<RateLimiter, never, SqlClient.SqlClient> = Layer.unwrapEffect(
  Effect.gen(function* () {
    const url: Option.Option<Redacted.Redacted<string>> = yield* Effect.orElseSucceed(
      Config.option(Config.redacted("SIGNET_REDIS_URL")),
      () => Option.none()
    )
    const sql = yield* SqlClient.SqlClient
    const chosen: Layer.Layer<RateLimiter, never, SqlClient.SqlClient> = Option.isSome(url)
      ? redis(url.value)
      : sql.onDialectOrElse({ pg: () => true, orElse: () => false })
        ? database
        : memory
    return chosen
  })
)

/** The `rate_limits` table (platform-level: buckets name their tenant themselves). */
export const rateLimitMigrations: ModuleMigrations = {
  module: "ratelimit",
  migrations: {
    "0001_rate_limits": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`CREATE TABLE rate_limits (
        bucket TEXT NOT NULL PRIMARY KEY,
        window_start BIGINT NOT NULL,
        count INTEGER NOT NULL
      )`)
    })
  }
}
