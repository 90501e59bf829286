/**
 * API rate limits (issue 21 §5; seeds 002 "gateway rate limit per user" and
 * 003 "rate limiting per tenant/IP with 429"): fixed windows counted in the
 * shared {@link RateLimit.RateLimiter} (Redis when configured, the database's
 * `rate_limits` table on Postgres, process memory on SQLite), so replicas
 * share one budget.
 *
 * Four buckets, each a `count/seconds` rule or off:
 * - **address** — every `/api/…`, `/rpc` and web-session request from one
 *   client address (after the trusted-proxy rule), before authentication;
 * - **user** — one user's requests with their access tokens;
 * - **API key** — one API key's requests;
 * - **tenant** — all users' and keys' requests of one tenant together;
 *   and, when the tenant's plan sets `api.requests_per_minute` (issue 20),
 *   a second tenant bucket of that many requests per 60 s.
 *
 * Platform operators are not limited. A refusal is 429 `RateLimited` (REST:
 * problem+json with `Retry-After` and `RateLimit-Limit/Remaining/Reset`;
 * RPC: the typed error) and is counted in `/metrics` as
 * `signet_rate_limited_total{scope}`. Allowed responses carry the
 * `RateLimit-*` fields of the tightest bucket the request was counted in.
 *
 * @module
 */
import {
  type ApiRequestCounter,
  type Authenticated,
  CurrentTenant,
  type QuotasApi,
  RateLimit,
  RateLimited
} from "@signet/core"
import { Config, ConfigError, type Context, Effect, Either, FiberRef, Option } from "effect"

/** The four API limits; `Option.none()` turns one off. */
export interface ApiRateLimits {
  readonly address: Option.Option<RateLimit.RateLimitRule>
  readonly user: Option.Option<RateLimit.RateLimitRule>
  readonly apiKey: Option.Option<RateLimit.RateLimitRule>
  readonly tenant: Option.Option<RateLimit.RateLimitRule>
}

/** All four limits off (tests and embedders that count elsewhere). */
export const NO_API_RATE_LIMITS: ApiRateLimits = {
  address: Option.none(),
  user: Option.none(),
  apiKey: Option.none(),
  tenant: Option.none()
}

const rule = (name: string, fallback: string) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.mapOrFail((text) => {
      try {
        return Either.right(RateLimit.parseRule(text))
      } catch (e) {
        return Either.left(ConfigError.InvalidData([name], (e as Error).message))
      }
    })
  )

/**
 * The limits from configuration:
 * `SIGNET_RATE_API_USER` (default `600/60`: ten requests a second sustained,
 * room for the web app's fan-out on every page), `SIGNET_RATE_API_KEY`
 * (default `1200/60`), `SIGNET_RATE_API_TENANT` (default `off`; the plan's
 * limit once billing lands), `SIGNET_RATE_API_ADDRESS` (default `off`: a
 * school's pupils often share one NAT address). Each is `<count>/<seconds>`
 * or `off`; anything else fails start-up naming the variable.
 */
export const apiRateLimitsConfig: Config.Config<ApiRateLimits> = Config.all({
  address: rule("SIGNET_RATE_API_ADDRESS", "off"),
  user: rule("SIGNET_RATE_API_USER", "600/60"),
  apiKey: rule("SIGNET_RATE_API_KEY", "1200/60"),
  tenant: rule("SIGNET_RATE_API_TENANT", "off")
})

/**
 * The request's tightest allowed decision, written by the limits and read by
 * the global middleware to add the `RateLimit-*` fields. One mutable cell per
 * request (set with `Effect.locally`), shared by the fibers the request forks.
 */
export const CurrentRateLimit: FiberRef.FiberRef<{ decision: RateLimit.RateLimitDecision | undefined } | undefined> =
  FiberRef.unsafeMake<{ decision: RateLimit.RateLimitDecision | undefined } | undefined>(undefined)

/** The `RateLimit-*` response fields of a decision. */
export const rateLimitHeaders = (d: RateLimit.RateLimitDecision): Record<string, string> => ({
  "ratelimit-limit": String(d.limit),
  "ratelimit-remaining": String(d.remaining),
  "ratelimit-reset": String(d.resetSeconds)
})

/** Counts a refusal by scope (`/metrics`). */
export type CountRefusal = (scope: "address" | "user" | "api_key" | "tenant") => void

const scopeText = { address: "this address", user: "this user", api_key: "this API key", tenant: "this tenant" }

/**
 * One hit on `bucket`: allowed → remembered as the request's decision when it
 * is the tightest so far; refused → `RateLimited` (and counted).
 * @errors RateLimited
 */
export const hitBucket = (
  limiter: Context.Tag.Service<RateLimit.RateLimiter>,
  count: CountRefusal,
  scope: keyof typeof scopeText,
  bucket: string,
  rule: RateLimit.RateLimitRule
): Effect.Effect<void, RateLimited> =>
  Effect.flatMap(limiter.hit(bucket, rule), (d) =>
    Effect.flatMap(FiberRef.get(CurrentRateLimit), (cell) => {
      if (!d.allowed) {
        count(scope)
        return Effect.fail(
          new RateLimited({
            message: `too many requests from ${scopeText[scope]}: ${d.limit} per ${rule.windowSeconds} s; retry in ${d.resetSeconds} s`,
            retry_after_seconds: d.resetSeconds,
            limit: d.limit,
            remaining: 0
          })
        )
      }
      if (cell && (cell.decision === undefined || d.remaining < cell.decision.remaining)) cell.decision = d
      return Effect.void
    })
  )

/**
 * Counts an authenticated request against the caller's buckets: the user's
 * or the API key's, then the tenant's, then the tenant plan's
 * `api.requests_per_minute` when `quotas` is given and the plan sets it.
 * Operators pass unlimited. A request admitted for a user or an API key is
 * then counted as the tenant's API usage in `meter` when given (issue 20;
 * core's `billing/ApiUsage.ts`); operators' and refused requests are not.
 * @errors RateLimited
 */
export const limitPrincipal = (
  limits: ApiRateLimits,
  limiter: Context.Tag.Service<RateLimit.RateLimiter>,
  count: CountRefusal,
  principal: Context.Tag.Service<Authenticated>,
  quotas?: QuotasApi,
  meter?: ApiRequestCounter
): Effect.Effect<void, RateLimited> =>
  Effect.gen(function* () {
    const { actor, tenant } = principal
    if (actor.kind === "user" && Option.isSome(limits.user)) {
      yield* hitBucket(limiter, count, "user", `api:user:${tenant.id}:${actor.id}`, limits.user.value)
    } else if (actor.kind === "apiKey" && Option.isSome(limits.apiKey)) {
      yield* hitBucket(limiter, count, "api_key", `api:key:${tenant.id}:${actor.id}`, limits.apiKey.value)
    }
    if (actor.kind !== "operator" && Option.isSome(limits.tenant)) {
      yield* hitBucket(limiter, count, "tenant", `api:tenant:${tenant.id}`, limits.tenant.value)
    }
    // The plan's `api.requests_per_minute` (issue 20; issue 21 §5 "plan-driven"): the tenant's
    // requests per minute, beside the configured tenant limit.
    if (actor.kind !== "operator" && quotas !== undefined) {
      const perMinute = yield* quotas
        .limitOf(PLAN_RATE_LIMIT)
        .pipe(Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }))
      if (perMinute !== undefined)
        yield* hitBucket(limiter, count, "tenant", `api:plan:${tenant.id}`, { count: perMinute, windowSeconds: 60 })
    }
    if (actor.kind !== "operator") meter?.count(tenant.id)
  })

/** The plan limit the API rate limiter applies per tenant: requests per minute. */
export const PLAN_RATE_LIMIT = "api.requests_per_minute"
