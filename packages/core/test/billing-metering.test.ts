/**
 * Issue 20 "Metering": usage ingestion (idempotent by event id, all or
 * nothing), each meter aggregation, group-by, windows, late events and
 * tenant isolation, through `BillingAdmin`, on SQLite and Postgres.
 */
import { expect, layer } from "@effect/vitest"
import { BillingAdmin, type UsageReport } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect } from "effect"
import { batch, billingIngest, billingRead, billingWrite, catalogue, meterBody, query } from "./billing-support.js"
import { inTenant, onboard, type TenantRef, testCore } from "./support.js"

/** Tokens used by `subject` with `model` at `time`. */
const tokens = (id: string, subject: string, n: unknown, model: string, time: string) => ({
  id,
  source: "/llm",
  type: "llm.tokens",
  subject,
  time,
  data: { tokens: n, model }
})

const SAMPLE = [
  tokens("e1", "alice", 10, "small", "2026-03-01T10:15:00Z"),
  tokens("e2", "bob", 30, "large", "2026-03-01T10:45:00Z"),
  tokens("e3", "alice", 5, "small", "2026-03-01T11:05:00Z"),
  tokens("e4", "alice", 7, "large", "2026-03-02T09:00:00Z")
]

const MARCH = { from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" }

const ingest = (t: TenantRef, events: ReadonlyArray<Record<string, unknown>>) =>
  BillingAdmin.ingest(batch(events)).pipe(billingIngest, inTenant(t))

const usage = (t: TenantRef, code: string, q: Record<string, unknown> = MARCH) =>
  BillingAdmin.usage(code, query(q)).pipe(billingRead, inTenant(t))

/** `[group…, value]` of each row, for compact expectations. */
const values = (r: UsageReport) => r.rows.map((row) => [...Object.values(row.group), row.value])

/** A tenant with meter `code` (aggregation over `$.tokens`, dimension `model`) and the sample events. */
const withMeter = (slug: string, aggregation: string, path = "$.tokens") =>
  Effect.gen(function* () {
    const t = yield* onboard(slug)
    yield* BillingAdmin.createMeter(
      meterBody({
        code: "m",
        name: aggregation,
        event_type: "llm.tokens",
        aggregation,
        ...(aggregation === "count" ? {} : { value_path: path }),
        dimensions: { model: "$.model" }
      })
    ).pipe(billingWrite, inTenant(t))
    yield* ingest(t, SAMPLE)
    return t
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing metering on ${dialect} (issue 20)`, (it) => {
    it.effect("a re-sent batch is counted once: nothing new is stored", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("meter-dup", "count")
        expect(yield* ingest(t, SAMPLE)).toMatchObject({ accepted: 0, duplicates: 4 })
        expect(values(yield* usage(t, "m"))).toEqual([[4]])
      })
    )

    it.effect("the same event twice in one batch is counted once", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("meter-dup-batch", "count")
        const e = tokens("e9", "carol", 1, "small", "2026-03-03T00:00:00Z")
        expect(yield* ingest(t, [e, e])).toMatchObject({ accepted: 1, duplicates: 1 })
        expect(values(yield* usage(t, "m"))).toEqual([[5]])
      })
    )

    it.effect("an id reused with different content is refused (409) and nothing of the batch is stored", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("meter-conflict", "count")
        const error = yield* Effect.flip(
          ingest(t, [
            tokens("e10", "carol", 1, "small", "2026-03-03T00:00:00Z"),
            tokens("e1", "alice", 999, "small", "2026-03-01T10:15:00Z")
          ])
        )
        expect(error._tag).toBe("Conflict")
        expect(values(yield* usage(t, "m"))).toEqual([[4]])
      })
    )

    it.effect("an id sent at once by two batches with different content: one is stored, the other is a 409", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("meter-race", "sum")
        const results = yield* Effect.all(
          [1, 2].map((n) => Effect.either(ingest(t, [tokens("same", "carol", n, "small", "2026-03-03T00:00:00Z")]))),
          { concurrency: 2 }
        )
        expect(results.filter((r) => r._tag === "Left").map((r) => (r.left as { _tag: string })._tag)).toEqual([
          "Conflict"
        ])
        const total = (yield* usage(t, "m")).rows[0]!.value
        expect([53, 54]).toContain(total)
      })
    )

    it.effect("a negative or non-numeric value for a sum meter is refused and nothing is stored", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("meter-bad", "sum")
        const negative = yield* Effect.flip(
          ingest(t, [
            tokens("ok", "carol", 1, "small", "2026-03-03T00:00:00Z"),
            tokens("neg", "carol", -1, "small", "2026-03-03T00:00:00Z")
          ])
        )
        expect(negative).toMatchObject({ _tag: "ValidationError", issues: [{ field: "events[1].data" }] })
        const text = yield* Effect.flip(ingest(t, [tokens("txt", "carol", "many", "small", "2026-03-03T00:00:00Z")]))
        expect(text._tag).toBe("ValidationError")
        expect(values(yield* usage(t, "m"))).toEqual([[52]])
      })
    )

    it.effect("count counts events", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-count", "count")
        expect(values(yield* usage(t, "m"))).toEqual([[4]])
      })
    )

    it.effect("sum adds the values (numeric strings included)", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-sum", "sum")
        yield* ingest(t, [tokens("s1", "carol", "2.5", "small", "2026-03-04T00:00:00Z")])
        expect(values(yield* usage(t, "m"))).toEqual([[54.5]])
      })
    )

    it.effect("max takes the largest value", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-max", "max")
        expect(values(yield* usage(t, "m"))).toEqual([[30]])
      })
    )

    it.effect("unique_count counts distinct values", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-unique", "unique_count", "$.model")
        expect(values(yield* usage(t, "m"))).toEqual([[2]])
      })
    )

    it.effect("latest takes the value of the latest event by event time", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-latest", "latest")
        // Sent last but happened first: it does not become the latest.
        yield* ingest(t, [tokens("old", "carol", 1000, "small", "2026-03-01T00:00:00Z")])
        expect(values(yield* usage(t, "m"))).toEqual([[7]])
      })
    )

    it.effect("groups by a dimension and by subject", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-group", "sum")
        expect(values(yield* usage(t, "m", { ...MARCH, group_by: "model" }))).toEqual([
          ["large", 37],
          ["small", 15]
        ])
        expect(values(yield* usage(t, "m", { ...MARCH, group_by: "subject,model" }))).toEqual([
          ["alice", "large", 7],
          ["alice", "small", 15],
          ["bob", "large", 30]
        ])
        const unknown = yield* Effect.flip(usage(t, "m", { ...MARCH, group_by: "colour" }))
        expect(unknown._tag).toBe("ValidationError")
      })
    )

    it.effect("windows by hour and day, UTC, and a subject filter", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-window", "sum")
        const hourly = yield* usage(t, "m", { ...MARCH, window: "hour" })
        expect(hourly.rows.map((r) => [r.window_start.toJSON(), r.value])).toEqual([
          ["2026-03-01T10:00:00.000Z", 40],
          ["2026-03-01T11:00:00.000Z", 5],
          ["2026-03-02T09:00:00.000Z", 7]
        ])
        const daily = yield* usage(t, "m", { ...MARCH, window: "day", subject: "alice" })
        expect(daily.rows.map((r) => [r.window_start.toJSON(), r.window_end.toJSON(), r.value])).toEqual([
          ["2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z", 15],
          ["2026-03-02T00:00:00.000Z", "2026-03-03T00:00:00.000Z", 7]
        ])
      })
    )

    it.effect("a late event lands in the month it happened in, not the month it arrived", () =>
      Effect.gen(function* () {
        const t = yield* withMeter("agg-late", "sum")
        yield* ingest(t, [tokens("april", "alice", 100, "small", "2026-04-02T00:00:00Z")])
        // Arrives after April's event, happened in February.
        yield* ingest(t, [tokens("late", "alice", 1, "small", "2026-02-27T23:59:59Z")])
        const monthly = yield* usage(t, "m", {
          from: "2026-02-01T00:00:00Z",
          to: "2026-05-01T00:00:00Z",
          window: "month"
        })
        expect(monthly.rows.map((r) => [r.window_start.toJSON(), r.value])).toEqual([
          ["2026-02-01T00:00:00.000Z", 1],
          ["2026-03-01T00:00:00.000Z", 52],
          ["2026-04-01T00:00:00.000Z", 100]
        ])
      })
    )

    it.effect("a platform meter measures every tenant's events; usage is per tenant", () =>
      Effect.gen(function* () {
        yield* catalogue
        const a = yield* onboard("platform-meter-a")
        const b = yield* onboard("platform-meter-b")
        const call = (id: string) => ({
          id,
          source: "/api",
          type: "api.call",
          subject: "k",
          time: "2026-03-05T00:00:00Z"
        })
        yield* ingest(a, [call("c1"), call("c2")])
        yield* ingest(b, [call("c1")])
        expect(values(yield* usage(a, "api_calls"))).toEqual([[2]])
        expect(values(yield* usage(b, "api_calls"))).toEqual([[1]])
      })
    )

    it.effect("another tenant sees neither the meter nor the usage", () =>
      Effect.gen(function* () {
        yield* withMeter("iso-a", "count")
        const b = yield* onboard("iso-b")
        expect((yield* Effect.flip(usage(b, "m")))._tag).toBe("MeterNotFound")
        // Same meter code in B: A's events are not B's.
        yield* BillingAdmin.createMeter(
          meterBody({ code: "m", name: "m", event_type: "llm.tokens", aggregation: "count" })
        ).pipe(billingWrite, inTenant(b))
        expect(values(yield* usage(b, "m"))).toEqual([])
      })
    )
  })
}
