/**
 * Login rate limits shared by tenant-user and platform-operator logins
 * (issue 3 §3): one bucket per client address and one per account, checked
 * before any password work. Rules come from `SIGNET_RATE_LOGIN_IP` (default
 * `300/60`) and `SIGNET_RATE_LOGIN_ACCOUNT` (default `20/60`), each
 * `"<count>/<seconds>"` or `off`.
 *
 * @module
 */

import { RateLimited } from "@signet/contracts/kernel/Errors"
import { Config, type Context, Effect, Option } from "effect"
import { parseRule, type RateLimiter, type RateLimitRule } from "../kernel/RateLimit.js"

/** The login rules in force (`None`: that limit is off). */
export interface LoginRules {
  readonly ip: Option.Option<RateLimitRule>
  readonly account: Option.Option<RateLimitRule>
}

/** Reads the login rules from the configuration (dies on a malformed rule). */
export const loginRules: Effect.Effect<LoginRules> = Effect.orDie(
  Config.all({
    ip: Config.string("SIGNET_RATE_LOGIN_IP").pipe(Config.withDefault("300/60")),
    account: Config.string("SIGNET_RATE_LOGIN_ACCOUNT").pipe(Config.withDefault("20/60"))
  })
).pipe(Effect.map(({ account, ip }) => ({ ip: parseRule(ip), account: parseRule(account) })))

/**
 * Counts one login attempt in the address bucket `buckets.ip`, then the
 * account bucket `buckets.account` (bucket names are the caller's, e.g.
 * `login:ip:<address>`), and refuses at the first one spent.
 * @errors RateLimited (429, with the seconds until the window resets)
 */
export const enforceLoginLimits = (
  limiter: Context.Tag.Service<RateLimiter>,
  rules: LoginRules,
  buckets: { readonly ip: string; readonly account: string }
): Effect.Effect<void, RateLimited> =>
  Effect.flatMap(
    limiter.hitInOrder([
      ...Option.toArray(Option.map(rules.ip, (rule) => ({ bucket: buckets.ip, rule }))),
      ...Option.toArray(Option.map(rules.account, (rule) => ({ bucket: buckets.account, rule })))
    ]),
    (decisions) => {
      const refused = decisions.find((decision) => !decision.allowed)
      return refused === undefined
        ? Effect.void
        : Effect.fail(
            new RateLimited({
              message: `too many login attempts; retry in ${refused.resetSeconds} s`,
              retry_after_seconds: refused.resetSeconds,
              limit: refused.limit,
              remaining: refused.remaining
            })
          )
    }
  )

/**
 * Counts one password attempt in the account bucket `bucket` only (the
 * password re-checks of a signed-in user: there is no anonymous client
 * address to limit), and refuses once it is spent. The bucket is the one the
 * login uses for that account (`login:account:<tenant>:<normalized login>`),
 * so guesses through either path share one budget.
 * @errors RateLimited (429, with the seconds until the window resets)
 */
export const enforceAccountLimit = (
  limiter: Context.Tag.Service<RateLimiter>,
  rules: LoginRules,
  bucket: string
): Effect.Effect<void, RateLimited> =>
  Option.match(rules.account, {
    onNone: () => Effect.void,
    onSome: (rule) =>
      Effect.flatMap(limiter.hit(bucket, rule), (decision) =>
        decision.allowed
          ? Effect.void
          : Effect.fail(
              new RateLimited({
                message: `too many password attempts; retry in ${decision.resetSeconds} s`,
                retry_after_seconds: decision.resetSeconds,
                limit: decision.limit,
                remaining: decision.remaining
              })
            )
      )
  })
