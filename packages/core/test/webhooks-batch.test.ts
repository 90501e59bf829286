/**
 * Issue 23: the webhooks outbox subscriber takes a dispatcher batch at once
 * (one transaction per tenant). Events of two tenants claimed in one batch
 * each become deliveries of their own tenant's endpoint only, and an event
 * no filter takes becomes none — on both dialects. A tenant without an
 * enabled endpoint is skipped after one look (no transaction on Postgres).
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateWebhookEndpoint, UpdateWebhookEndpoint } from "@signet/contracts/integrations/Domain"
import { CurrentTenant, type EventId, Events, type TenantId, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { onboard, testActor, testCore } from "./support.js"

/** Runs `body` in tenant `t` as the test operator. */
const inTenant =
  (t: { readonly id: string; readonly slug: string }) =>
  <A, E, R>(body: Effect.Effect<A, E, R>) =>
    body.pipe(Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug }), Effect.provide(testActor))

/** Publishes an event in the current tenant without dispatching it. */
const publishOnly = (type: string) =>
  Effect.gen(function* () {
    const events = yield* Events
    const sql = yield* SqlClient.SqlClient
    return (yield* sql.withTransaction(events.publish({ type, data: { ok: true } })).pipe(Effect.orDie)).id
  })

const endpoint = Webhooks.use((w) =>
  w.create(
    Schema.decodeUnknownSync(CreateWebhookEndpoint)({
      url: "https://hooks.example.org/in",
      event_types: ["signet.test."]
    })
  )
)

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`webhook enqueue by batch on ${dialect} (issue 23)`, (it) => {
    it.effect("two tenants' events in one batch become deliveries of their own endpoints only", () =>
      Effect.gen(function* () {
        yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true }))
        const a = yield* onboard("wh-batch-a")
        const b = yield* onboard("wh-batch-b")
        const ea = (yield* endpoint.pipe(inTenant(a))).endpoint.id
        const eb = (yield* endpoint.pipe(inTenant(b))).endpoint.id
        const published: Array<EventId> = []
        published.push(yield* publishOnly("signet.test.one").pipe(inTenant(a)))
        published.push(yield* publishOnly("signet.test.two").pipe(inTenant(b)))
        yield* publishOnly("signet.other.ignored").pipe(inTenant(a))
        published.push(yield* publishOnly("signet.test.three").pipe(inTenant(a)))
        // One batch: these four and the tenants' own earlier events (creation, endpoint), all claimed at once.
        expect(yield* Events.use((e) => e.dispatchOnce)).toBeGreaterThanOrEqual(4)
        expect(yield* Events.use((e) => e.dispatchOnce)).toBe(0)
        const ofA = yield* Webhooks.use((w) => w.listDeliveries(ea)).pipe(inTenant(a))
        const ofB = yield* Webhooks.use((w) => w.listDeliveries(eb)).pipe(inTenant(b))
        expect(ofA.map((d) => d.event_id).sort()).toEqual([published[0], published[2]].sort())
        expect(ofB.map((d) => d.event_id)).toEqual([published[1]])
      })
    )

    it.effect("a disabled endpoint gets no delivery, and once enabled again it gets the next event", () =>
      Effect.gen(function* () {
        const t = yield* onboard("wh-batch-off")
        const id = (yield* endpoint.pipe(inTenant(t))).endpoint.id
        const enabled = (on: boolean) =>
          Webhooks.use((w) => w.update(id, Schema.decodeUnknownSync(UpdateWebhookEndpoint)({ enabled: on }))).pipe(
            inTenant(t)
          )
        yield* enabled(false)
        yield* publishOnly("signet.test.while-off").pipe(inTenant(t))
        while ((yield* Events.use((e) => e.dispatchOnce)) > 0) {}
        expect(yield* Webhooks.use((w) => w.listDeliveries(id)).pipe(inTenant(t))).toEqual([])
        yield* enabled(true)
        const after = yield* publishOnly("signet.test.after").pipe(inTenant(t))
        while ((yield* Events.use((e) => e.dispatchOnce)) > 0) {}
        const deliveries = yield* Webhooks.use((w) => w.listDeliveries(id)).pipe(inTenant(t))
        expect(deliveries.map((d) => d.event_id)).toEqual([after])
      })
    )
  })
}
