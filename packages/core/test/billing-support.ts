/**
 * Fixtures of the billing tests (issue 20): a catalogue (platform meters and
 * plans) created by an operator, and shorthands for the facades.
 */
import { BillingPlatform, CreateMeter, CreatePlan, CurrentActor, policyUse, UsageBatch, UsageQuery } from "@signet/core"
import { Effect, Schema } from "effect"
import { operator } from "./support.js"

/** Runs `eff` as a platform operator (no tenant). */
export const asOperator = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
  Effect.provideService(eff, CurrentActor, operator) as Effect.Effect<A, E, Exclude<R, CurrentActor>>

/** A plan body with defaults (EUR, monthly, no charges). */
export const planBody = (code: string, fixed: number, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(CreatePlan)({
    code,
    name: code,
    interval: "month",
    currency: "EUR",
    fixed_amount: fixed,
    ...extra
  })

/** A meter body. */
export const meterBody = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateMeter)(input)

/**
 * The test catalogue, created once per database: platform meter
 * `api_calls` (count of `api.call`), plans `starter` (2900/month), `pro`
 * (9900/month, 1,000 calls included then 0.5 each… as graduated tiers),
 * `pro_yearly` (99000/year), `starter_usd` (USD).
 */
export const catalogue = Effect.gen(function* () {
  const existing = yield* Effect.either(BillingPlatform.getPlan("starter"))
  if (existing._tag === "Right") return
  yield* BillingPlatform.createPlatformMeter(
    meterBody({ code: "api_calls", name: "API calls", event_type: "api.call", aggregation: "count" })
  )
  yield* BillingPlatform.createPlan(
    planBody("starter", 2900, { entitlements: { features: { sso: false }, limits: { "users.max": 50 } } })
  )
  yield* BillingPlatform.createPlan(
    planBody("pro", 9900, {
      charges: [
        {
          meter: "api_calls",
          price: {
            _tag: "graduated",
            tiers: [
              { up_to: 1000, unit_amount: 0 },
              { up_to: null, unit_amount: 1 }
            ]
          }
        }
      ],
      entitlements: { features: { sso: true }, limits: { "users.max": 500, "beacons.max": 50 } }
    })
  )
  yield* BillingPlatform.createPlan(planBody("pro_yearly", 99000, { interval: "year" }))
  yield* BillingPlatform.createPlan(planBody("starter_usd", 2900, { currency: "USD" }))
}).pipe(asOperator)

/** A decoded ingestion batch. */
export const batch = (events: ReadonlyArray<Record<string, unknown>>) => Schema.decodeUnknownSync(UsageBatch)(events)

/** A decoded usage query. */
export const query = (q: Record<string, unknown>) => Schema.decodeUnknownSync(UsageQuery)(q)

/** Discharges every billing permission (operators and tests pass the check; users are checked). */
export const billingRead = policyUse("billing:read")
/** @see billingRead */
export const billingWrite = policyUse("billing:write")
/** @see billingRead */
export const billingIngest = policyUse("billing:ingest")
