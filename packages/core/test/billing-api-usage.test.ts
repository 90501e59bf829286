/**
 * Issue 20 "Metering … from Signet's own domain (… API requests — emitted
 * from the outbox, never counted twice)": requests counted in memory per
 * tenant and minute are published as outbox events by a flush, stored as
 * usage of their tenant timed at their minute, each request once — on
 * SQLite and Postgres.
 */
import { expect, layer } from "@effect/vitest"
import {
  API_REQUESTS_TYPE,
  Billing,
  BillingAdmin,
  BillingPlatform,
  Events,
  type TenantId,
  UsageQuery,
  usageOf
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Effect, Schema } from "effect"
import { asOperator, billingRead, meterBody } from "./billing-support.js"
import { inTenant, onboardWithAdmin, testCore } from "./support.js"

const drain = Events.use((e) => Effect.repeat(e.dispatchOnce, { until: (n) => n === 0 }))

const month = (from: string, to: string) => Schema.decodeUnknownSync(UsageQuery)({ from, to })
const november = month("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
const december = month("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")

/** The platform meter `api_requests`: `sum` over `$.count` of the counted requests (made once per database). */
const apiMeter = Effect.gen(function* () {
  if ((yield* BillingPlatform.listPlatformMeters()).some((m) => m.code === "api_requests")) return
  yield* BillingPlatform.createPlatformMeter(
    meterBody({
      code: "api_requests",
      name: "API requests",
      event_type: API_REQUESTS_TYPE,
      aggregation: "sum",
      value_path: "$.count"
    })
  )
}).pipe(asOperator)

/** Counts `n` requests of `tenant` at `at` (ISO). */
const requests = (tenant: string, n: number, at: string) =>
  Billing.use((b) => {
    for (let i = 0; i < n; i++) b.apiRequests.count(tenant as TenantId, Date.parse(at))
  })

const flush = Billing.use((b) => b.apiRequests.flush)

const total = (t: { id: string; slug: string }, query: typeof november) =>
  Effect.map(BillingAdmin.usage("api_requests", query).pipe(billingRead, inTenant(t)), (u) =>
    u.rows.reduce((sum, r) => sum + (r.value ?? 0), 0)
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing: API requests as usage on ${dialect} (issue 20)`, (it) => {
    it.effect("each tenant's counted requests become its usage after a flush; a second flush adds nothing", () =>
      Effect.gen(function* () {
        yield* apiMeter
        const a = yield* onboardWithAdmin("api-usage-a")
        const b = yield* onboardWithAdmin("api-usage-b")
        yield* requests(a.id, 5, "2026-11-21T08:00:10Z")
        yield* requests(b.id, 2, "2026-11-21T08:00:20Z")
        expect(yield* flush).toBe(2)
        yield* drain
        expect(yield* total(a, november)).toBe(5)
        expect(yield* total(b, november)).toBe(2)
        expect(yield* flush).toBe(0)
        yield* drain
        expect(yield* total(a, november)).toBe(5)
      })
    )

    it.effect("a minute flushed in two parts adds up; each request lands in the month of its own minute", () =>
      Effect.gen(function* () {
        yield* apiMeter
        const t = yield* onboardWithAdmin("api-usage-parts")
        yield* requests(t.id, 3, "2026-11-30T23:59:10Z")
        yield* flush
        yield* requests(t.id, 4, "2026-11-30T23:59:50Z")
        yield* requests(t.id, 6, "2026-12-01T00:00:05Z")
        // Two tenant-minutes held: the end of November and the start of December.
        expect(yield* Billing.use((b) => b.apiRequests.pending())).toBe(2)
        yield* flush
        yield* drain
        expect(yield* total(t, november)).toBe(7)
        expect(yield* total(t, december)).toBe(6)
      })
    )

    it.effect("the usage event's id is the outbox event's: a redelivery is stored once", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin("api-usage-again")
        yield* requests(t.id, 9, "2026-11-21T08:00:30Z")
        yield* flush
        yield* drain
        const counted = (yield* Events.use((e) =>
          e.inRange(DateTime.unsafeMake("2026-11-01T00:00:00Z"), DateTime.unsafeMake("2026-12-01T00:00:00Z"), 100)
        ).pipe(inTenant(t))).filter((e) => e.type === API_REQUESTS_TYPE)
        expect(counted.map((e) => (e.data as { count: number }).count)).toEqual([9])
        const usage = usageOf(counted[0]!)!
        expect(usage).toMatchObject({ id: `signet:${counted[0]!.id}`, data: { count: 9 } })
        expect(DateTime.formatIso(usage.time!)).toBe("2026-11-21T08:00:00.000Z")
        const again = yield* Billing.use((b) => b.ingest([usage])).pipe(inTenant(t))
        expect(again).toMatchObject({ accepted: 0, duplicates: 1 })
      })
    )
  })
}
