/**
 * Recovering events an endpoint missed (issue 21 §1 "manual replay of one
 * event or a time range"; `include: "missed"`): events of the range that
 * never had a delivery to the endpoint — filtered out, or the endpoint
 * disabled, when they happened — get one, once. Both dialects.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { RecoverWebhookDeliveries } from "@signet/contracts/integrations/Domain"
import { CreateWebhookEndpoint, CurrentTenant, Events, type TenantId, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, DateTime, Effect, Schema } from "effect"
import { onboard, testActor, testCore } from "./support.js"

/** A loopback receiver answering `status` (changeable), recording each request's `webhook-id`. */
const receiver = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly ids: Array<string>; status: number; readonly srv: Http.Server }>(
    (resume) => {
      const state = { url: "", ids: [] as Array<string>, status: 500, srv: undefined as unknown as Http.Server }
      state.srv = Http.createServer((req, res) => {
        req.resume()
        req.on("end", () => {
          state.ids.push(String(req.headers["webhook-id"]))
          res.writeHead(state.status).end()
        })
      })
      state.srv.listen(0, "127.0.0.1", () => {
        state.url = `http://127.0.0.1:${(state.srv.address() as AddressInfo).port}/hook`
        resume(Effect.succeed(state))
      })
    }
  ),
  (s) => Effect.sync(() => s.srv.close())
)

const inFreshTenant = <A, E, R>(slug: string, body: Effect.Effect<A, E, R>) =>
  Effect.flatMap(onboard(slug), (t) =>
    body.pipe(
      Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug }),
      Effect.provide(testActor),
      Effect.withClock(Clock.make())
    )
  )

/** Publishes an event and lets the outbox dispatcher queue its deliveries; answers its id. */
const publish = (type: string) =>
  Effect.gen(function* () {
    const events = yield* Events
    const sql = yield* SqlClient.SqlClient
    const event = yield* sql.withTransaction(events.publish({ type, data: { ok: true } })).pipe(Effect.orDie)
    while ((yield* events.dispatchOnce) > 0);
    return event.id as string
  })

const recoverMissed = (id: string, since: DateTime.Utc) =>
  Webhooks.use((w) => w.recover(id, new RecoverWebhookDeliveries({ since, include: "missed" })))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`recovering missed webhook events on ${dialect}`, (it) => {
    it.scoped("an event the filter excluded when it happened is delivered after the filter changed, once", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        rx.status = 200
        yield* inFreshTenant(
          "whm-filter",
          Effect.gen(function* () {
            yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true }))
            const since = yield* DateTime.now
            const { endpoint } = yield* Webhooks.use((w) =>
              w.create(
                Schema.decodeUnknownSync(CreateWebhookEndpoint)({ url: rx.url, event_types: ["signet.test.a."] })
              )
            )
            const missed = yield* publish("signet.test.b.happened")
            yield* Webhooks.use((w) => w.deliverDue)
            expect(rx.ids).toEqual([])
            yield* Webhooks.use((w) => w.update(endpoint.id, { event_types: ["signet.test."] }))
            expect(yield* recoverMissed(endpoint.id, since)).toMatchObject({ requeued: 1, more: false })
            yield* Webhooks.use((w) => w.deliverDue)
            expect(rx.ids).toEqual([missed])
            expect((yield* recoverMissed(endpoint.id, since)).requeued).toBe(0)
          })
        )
      })
    )

    it.scoped("events of a disabled endpoint are delivered after it is enabled again", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        rx.status = 200
        yield* inFreshTenant(
          "whm-disabled",
          Effect.gen(function* () {
            yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true }))
            const since = yield* DateTime.now
            const { endpoint } = yield* Webhooks.use((w) =>
              w.create(
                Schema.decodeUnknownSync(CreateWebhookEndpoint)({
                  url: rx.url,
                  event_types: ["signet.test."],
                  enabled: false
                })
              )
            )
            const first = yield* publish("signet.test.one")
            const second = yield* publish("signet.test.two")
            yield* Webhooks.use((w) => w.update(endpoint.id, { enabled: true }))
            expect((yield* recoverMissed(endpoint.id, since)).requeued).toBe(2)
            yield* Webhooks.use((w) => w.deliverDue)
            expect([...rx.ids].sort()).toEqual([first, second].sort())
          })
        )
      })
    )
  })
}
