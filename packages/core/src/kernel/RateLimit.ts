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

/** The rate limiter: counts a hit on `bucket` under `rule`. */
export class RateLimiter extends Context.Tag("Signet/RateLimiter")<
  RateLimiter,
  {
    readonly backend: "memory" | "database" | "redis"
    readonly hit: (bucket: string, rule: RateLimitRule) => Effect.Effect<RateLimitDecision>
  }
>() {}

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
  return {
    backend: "memory",
    hit: (bucket: string, rule: RateLimitRule) =>
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
  }
})

/** Buckets in the `rate_limits` table (shared by every replica on one Postgres). */
export const database: Layer.Layer<RateLimiter, never, SqlClient.SqlClient> = Layer.effect(
  RateLimiter,
  Effect.map(SqlClient.SqlClient, (sql) => ({
    backend: "database" as const,
    hit: (bucket, rule) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const windowMs = rule.windowSeconds * 1000
        const windowStart = Math.floor(now / windowMs) * windowMs
        const key = `${rule.windowSeconds}:${bucket}`.slice(0, 500)
        const rows = yield* sql<{ count: number }>`INSERT INTO rate_limits (bucket, window_start, count)
          VALUES (${key}, ${windowStart}, 1)
          ON CONFLICT (bucket) DO UPDATE SET
            count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
            window_start = excluded.window_start
          RETURNING count`
        return decide(Number(rows[0]?.count ?? 1), rule, windowStart, now)
      }).pipe(Effect.orDie)
  }))
)

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
      return {
        backend: "redis" as const,
        hit: (bucket, rule) =>
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
      }
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
