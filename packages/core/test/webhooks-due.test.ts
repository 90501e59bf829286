/**
 * Issue 23 (idle cost per tenant): the webhook delivery job visits only the
 * tenants that `webhook_due` names as due, kept by triggers — a tenant whose
 * deliveries are done drops out, a retry keeps it due at the retry's time,
 * and an endpoint enabled again makes its waiting deliveries due at once —
 * on both dialects, with the job running as `signet serve` runs it.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateWebhookEndpoint, UpdateWebhookEndpoint } from "@signet/contracts/integrations/Domain"
import { CurrentTenant, defaultWebhookOptions, Tenancy, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, DateTime, Effect, Schema } from "effect"
import { testActor, testCore } from "./support.js"
import { inFreshTenant, publish, receiver } from "./webhook-support.js"

const create = (input: Record<string, unknown>) =>
  Webhooks.use((w) => w.create(Schema.decodeUnknownSync(CreateWebhookEndpoint)(input)))

/** Loopback targets, a fast poll and retries an hour apart (a failed attempt is not retried within a test). */
const setUp = Webhooks.use((w) =>
  w.configure({ allowPrivateTargets: true, pollIntervalMs: 50, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 })
)
const restore = Webhooks.use((w) => w.configure(defaultWebhookOptions))

/** The delivery job, forked for the test's scope on the real clock. */
const runJob = Effect.flatMap(Tenancy, (tenancy) =>
  Effect.forkScoped(Webhooks.use((w) => w.run(tenancy)).pipe(Effect.withClock(Clock.make())))
)

/** The current tenant's `webhook_due` row (`due_at` as ISO text), if any. */
const dueRow = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const tenant = yield* CurrentTenant
  const rows = yield* sql<{ due_at: unknown }>`SELECT due_at FROM webhook_due WHERE tenant_id = ${tenant.id}`.pipe(
    Effect.orDie
  )
  const at = rows[0]?.due_at
  return at === undefined ? undefined : at instanceof Date ? at.toISOString() : String(at)
})

/** Polls `check` every 50 ms (up to 30 s) until it holds. */
const eventually = <R>(check: Effect.Effect<boolean, never, R>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 600; i++) {
      if (yield* check) return true
      yield* Effect.sleep("50 millis").pipe(Effect.withClock(Clock.make()))
    }
    return false
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Webhook due tenants on ${dialect} (issue 23)`, (it) => {
    it.scoped("a tenant whose deliveries are done is no longer due; a new event makes it due and delivered", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* setUp
        yield* runJob
        yield* inFreshTenant(
          "due-done",
          Effect.gen(function* () {
            yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.first")
            expect(yield* eventually(Effect.map(dueRow, (row) => row === undefined && rx.got.length === 1))).toBe(true)
            yield* publish("signet.test.second")
            expect(yield* eventually(Effect.sync(() => rx.got.length === 2))).toBe(true)
            expect(rx.got.map((g) => JSON.parse(g.body).type)).toEqual(["signet.test.first", "signet.test.second"])
            expect(yield* eventually(Effect.map(dueRow, (row) => row === undefined))).toBe(true)
          })
        )
      }).pipe(Effect.ensuring(restore))
    )

    it.scoped("a failed attempt keeps its tenant due at the retry's time, not now", () =>
      Effect.gen(function* () {
        const rx = yield* receiver(500)
        yield* setUp
        yield* runJob
        yield* inFreshTenant(
          "due-retry",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.failing")
            const settled = (row: string | undefined) => row !== undefined && Date.parse(row) > Date.now() + 600_000
            expect(yield* eventually(Effect.map(dueRow, settled))).toBe(true)
            const [delivery] = yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))
            expect(delivery?.status).toBe("pending")
            expect(delivery?.next_attempt_at).not.toBeNull()
            expect(Date.parse((yield* dueRow)!)).toBe(DateTime.toEpochMillis(delivery!.next_attempt_at!))
            expect(rx.got.length).toBe(1)
          })
        )
      }).pipe(Effect.ensuring(restore))
    )

    it.scoped("a suspended tenant's delivery waits: the job looks at the tenant again in 5 minutes", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* setUp
        const tenant = yield* inFreshTenant(
          "due-suspended",
          Effect.gen(function* () {
            yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.held")
            return yield* CurrentTenant
          })
        )
        yield* Tenancy.use((t) => t.suspend("due-suspended")).pipe(Effect.provide(testActor))
        yield* runJob
        const later = (row: string | undefined) => row !== undefined && Date.parse(row) > Date.now() + 200_000
        expect(yield* eventually(Effect.map(dueRow, later)).pipe(Effect.provideService(CurrentTenant, tenant))).toBe(
          true
        )
        expect(rx.got.length).toBe(0)
      }).pipe(Effect.ensuring(restore))
    )

    it.scoped("an endpoint enabled again makes its waiting delivery due at once", () =>
      Effect.gen(function* () {
        const rx = yield* receiver(500)
        yield* setUp
        // Retries 300 ms apart: due again soon, while the endpoint is disabled.
        yield* Webhooks.use((w) => w.configure({ baseDelayMs: 300, maxDelayMs: 300 }))
        yield* runJob
        yield* inFreshTenant(
          "due-enable",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.waiting")
            expect(yield* eventually(Effect.sync(() => rx.got.length === 1))).toBe(true)
            const patch = (enabled: boolean) =>
              Webhooks.use((w) => w.update(endpoint.id, Schema.decodeUnknownSync(UpdateWebhookEndpoint)({ enabled })))
            yield* patch(false)
            const attempts = rx.got.length
            // Nothing pending to an enabled endpoint: the job drops the tenant.
            expect(yield* eventually(Effect.map(dueRow, (row) => row === undefined))).toBe(true)
            rx.status = 200
            yield* patch(true)
            expect(yield* eventually(Effect.sync(() => rx.got.length === attempts + 1))).toBe(true)
            const succeeded = Effect.map(
              Effect.orDie(Webhooks.use((w) => w.listDeliveries(endpoint.id))),
              (d) => d[0]?.status === "succeeded"
            )
            expect(yield* eventually(succeeded)).toBe(true)
          })
        )
      }).pipe(Effect.ensuring(restore))
    )
  })
}
