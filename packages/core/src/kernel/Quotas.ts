/**
 * The quota port (issue 20 "Entitlements and quotas"; seed 003 "free-tier
 * soft limits and upgrade prompts", "exceed limits triggers alerts"): how a
 * module that creates a limited thing (identity's users, beacons, attendance
 * signatures) asks whether the tenant's plan admits it, without importing
 * billing (ARCHITECTURE §1 "modules form no cycle").
 *
 * Billing provides it (`billing/Quotas.ts`, from the tenant's subscription,
 * compiled and cached per tenant); an embedder without billing provides
 * {@link unlimitedQuotas}. Callers count what they hold in their own
 * transaction and call {@link Quotas} before writing, so a refusal writes
 * nothing.
 *
 * A check that lands at or above 80 % of a limit leaves a
 * {@link QuotaNotice} in the request's {@link CurrentQuotaNotices} cell when
 * a transport set one: the server turns them into the
 * `Signet-Quota-Warning` response header.
 *
 * @module
 */
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { FeatureNotEntitled, QuotaExceeded } from "@signet/contracts/kernel/Errors"
import { Context, Effect, FiberRef, Layer } from "effect"

/** A limit the tenant is close to or past: `used` of `value` under `limit` (e.g. `users.max`). */
export interface QuotaNotice {
  readonly limit: string
  readonly used: number
  readonly value: number
}

/**
 * What the tenant's plan admits. Every operation reads the tenant from
 * context and runs in the caller's transaction when there is one.
 */
export interface QuotasApi {
  /**
   * Admits adding `adding` (≥ 0) under limit `limit` (a key of the plan's
   * `limits`, e.g. `users.max`). `used` counts what the tenant holds now
   * (in the caller's transaction); it runs only when the plan sets the
   * limit. A limit the plan does not set admits everything; a soft limit
   * admits and warns; a hard limit refuses past its value. On Postgres a
   * transaction-scoped advisory lock per tenant and limit serialises
   * concurrent checks, so two requests cannot both take the last unit.
   * Reaching 80 % or 100 % publishes `signet.billing.quota.warning` once per
   * threshold (and period).
   * @errors QuotaExceeded (402: the hard limit would be passed; nothing written)
   */
  readonly admit: <R>(
    limit: string,
    adding: number,
    used: Effect.Effect<number, never, R>
  ) => Effect.Effect<void, QuotaExceeded, CurrentTenant | R>
  /**
   * Admits a feature: refused only when the plan sets `features[feature]`
   * to `false`.
   * @errors FeatureNotEntitled (402)
   */
  readonly feature: (feature: string) => Effect.Effect<void, FeatureNotEntitled, CurrentTenant>
  /** The code of the tenant's plan (seed 002 `plan` claim); `null` without a live subscription. */
  readonly plan: Effect.Effect<string | null, never, CurrentTenant>
  /**
   * The value of the plan's limit `limit` (e.g. `api.requests_per_minute`,
   * which the server's API rate limiter applies per tenant); `undefined`
   * when the plan does not set it.
   */
  readonly limitOf: (limit: string) => Effect.Effect<number | undefined, never, CurrentTenant>
}

/** The quota port; see the module comment. */
export class Quotas extends Context.Tag("Signet/Quotas")<Quotas, QuotasApi>() {}

/** {@link Quotas} for an installation without billing: no plan, no limit, every feature. */
export const unlimitedQuotas: Layer.Layer<Quotas> = Layer.succeed(Quotas, {
  admit: () => Effect.void,
  feature: () => Effect.void,
  plan: Effect.succeed(null),
  limitOf: () => Effect.succeed(undefined)
})

/**
 * The request's notice cell: a transport sets a fresh `{ notices: [] }`
 * with `Effect.locally` around a request, and {@link Quotas.admit} appends
 * to it. `undefined` (the default) collects nothing.
 */
export const CurrentQuotaNotices: FiberRef.FiberRef<{ notices: Array<QuotaNotice> } | undefined> = FiberRef.unsafeMake<
  { notices: Array<QuotaNotice> } | undefined
>(undefined)

/**
 * What the tenant holds under each counted limit (issue 20 "a downgrade
 * below current usage (refused with the numbers)"): billing asks it before
 * moving a subscription to a plan with lower limits. `Core.ts` composes it
 * from the modules' repositories (`users.max`: users not deleted;
 * `beacons.max`: beacons not revoked); a limit it does not count answers
 * `undefined`. Runs in the caller's transaction.
 */
export class QuotaUsage extends Context.Tag("Signet/QuotaUsage")<
  QuotaUsage,
  { readonly count: (limit: string) => Effect.Effect<number | undefined, never, CurrentTenant> }
>() {}

/** {@link QuotaUsage} counting nothing (an embedder without those modules): no downgrade is refused for usage. */
export const noQuotaUsage: Layer.Layer<QuotaUsage> = Layer.succeed(QuotaUsage, {
  count: () => Effect.succeed(undefined)
})
