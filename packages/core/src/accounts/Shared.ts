/**
 * What the accounts flows share: single-use link tokens, rate-limit
 * enforcement (issue 18; Lucia's token rules) and the tenant's mail logo.
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import { type Actor, CurrentActor, CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { RateLimited } from "@signet/contracts/kernel/Errors"
import { Config, type Context, Effect, Option } from "effect"
import { parseRule, type RateLimiter, type RateLimitRule } from "../kernel/RateLimit.js"
import type { Tenancy } from "../tenancy/Tenancy.js"

/** A new link token (32 CSPRNG bytes, base64url: 43 characters) and its stored SHA-256 (hex). */
export const newLinkToken = (): { readonly token: string; readonly hash: string } => {
  const token = NodeCrypto.randomBytes(32).toString("base64url")
  return { token, hash: hashLinkToken(token) }
}

/** SHA-256 (hex) of a link token, as stored. */
export const hashLinkToken = (token: string): string => NodeCrypto.createHash("sha256").update(token).digest("hex")

/** The shape of a link token; anything else is refused before any lookup. */
export const isLinkToken = (token: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(token)

/**
 * Counts one hit on `bucket` under `rule` (`None`: no limit) and refuses past it.
 * @errors RateLimited (429, with the seconds until the window resets)
 */
export const enforceLimit = (
  limiter: Context.Tag.Service<RateLimiter>,
  bucket: string,
  rule: Option.Option<RateLimitRule>,
  what: string
): Effect.Effect<void, RateLimited> =>
  Option.match(rule, {
    onNone: () => Effect.void,
    onSome: (r) =>
      Effect.flatMap(limiter.hit(bucket, r), (d) =>
        d.allowed
          ? Effect.void
          : Effect.fail(
              new RateLimited({
                message: `too many ${what}; retry in ${d.resetSeconds} s`,
                retry_after_seconds: d.resetSeconds,
                limit: d.limit,
                remaining: d.remaining
              })
            )
      )
  })

/**
 * The limits of the link flows (password reset, e-mail verification), from
 * `SIGNET_RATE_RESET_IP` (default `30/900`, per client address) and
 * `SIGNET_RATE_RESET_ACCOUNT` (default `5/900`, per account); `None`: off.
 * Dies on a malformed rule.
 */
export const linkRules = Effect.orDie(
  Config.all({
    ip: Config.string("SIGNET_RATE_RESET_IP").pipe(Config.withDefault("30/900")),
    account: Config.string("SIGNET_RATE_RESET_ACCOUNT").pipe(Config.withDefault("5/900"))
  })
).pipe(Effect.map(({ account, ip }) => ({ ip: parseRule(ip), account: parseRule(account) })))

/**
 * The tenant's mail logo (`general.logo_url`): an `https://` URL, or
 * `undefined` when unset. The setting refuses anything else on write; a
 * stored value that is not `https://` (written before the check) is ignored.
 */
export const mailLogo = (tenancy: Pick<Tenancy, "settingValue">, tenantId: string): Effect.Effect<string | undefined> =>
  Effect.map(tenancy.settingValue<string>(tenantId as never, "general.logo_url"), (url) =>
    typeof url === "string" && url.startsWith("https://") ? url : undefined
  )

/**
 * The active tenant `slug` when its boolean setting `key` is on (sign-in by
 * e-mail or SMS code, their second-factor variants); else `refusal`, the
 * feature's 403, before anything is read or sent.
 * @errors `refusal`, TenantNotFound, TenantSuspended
 */
export const tenantWithSetting = <E>(
  tenancy: Pick<Tenancy, "resolveActive" | "settingValue">,
  slug: string,
  key: string,
  refusal: E
) =>
  Effect.gen(function* () {
    const tenant = yield* tenancy.resolveActive(slug)
    if ((yield* tenancy.settingValue<boolean>(tenant.id, key)) !== true) return yield* Effect.fail(refusal)
    return tenant
  })

/** Runs an effect in `tenant` as `actor`: a request that names its tenant by slug, before any session exists. */
export const asActorIn =
  (tenant: { readonly id: string; readonly slug: string }, actor: Actor) =>
  <A, E, R>(eff: Effect.Effect<A, E, R>) =>
    eff.pipe(
      Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }),
      Effect.provideService(CurrentActor, actor)
    )
