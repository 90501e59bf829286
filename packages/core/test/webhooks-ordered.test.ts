/**
 * Ordered delivery per endpoint (issue 21 §1 "ordered per endpoint where
 * asked"): an endpoint created with `ordered: true` receives its deliveries
 * one at a time in the order of their events — a later one waits while an
 * earlier one is retried — while an unordered endpoint gets both at once.
 * A loopback receiver (private targets allowed, as the operator can), both dialects.
 */

import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateWebhookEndpoint, CurrentTenant, Events, type TenantId, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, Effect, Schema } from "effect"
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

/** An endpoint at `url` (ordered or not) and two events A then B; answers their ids. */
const twoEvents = (url: string, ordered: boolean) =>
  Effect.gen(function* () {
    yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true, baseDelayMs: 0, maxDelayMs: 0 }))
    yield* Webhooks.use((w) =>
      w.create(Schema.decodeUnknownSync(CreateWebhookEndpoint)({ url, ordered, event_types: ["signet.test."] }))
    )
    const a = yield* publish("signet.test.first")
    const b = yield* publish("signet.test.second")
    return { a, b }
  })

const deliverDue = Webhooks.use((w) => w.deliverDue)

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`ordered webhook delivery on ${dialect}`, (it) => {
    it.scoped("an ordered endpoint gets B only after A succeeded, however many retries A takes", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        yield* inFreshTenant(
          "who-ordered",
          Effect.gen(function* () {
            const { a, b } = yield* twoEvents(rx.url, true)
            yield* deliverDue
            yield* deliverDue
            expect(rx.ids).toEqual([a, a])
            rx.status = 200
            yield* deliverDue
            yield* deliverDue
            expect(rx.ids).toEqual([a, a, a, b])
          })
        )
      })
    )

    it.scoped("an unordered endpoint gets both events in the same round", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        yield* inFreshTenant(
          "who-unordered",
          Effect.gen(function* () {
            const { a, b } = yield* twoEvents(rx.url, false)
            yield* deliverDue
            expect([...rx.ids].sort()).toEqual([a, b].sort())
          })
        )
      })
    )

    it.scoped("the flag is shown on the endpoint and can be changed", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        yield* inFreshTenant(
          "who-flag",
          Effect.gen(function* () {
            yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true }))
            const { endpoint } = yield* Webhooks.use((w) =>
              w.create(Schema.decodeUnknownSync(CreateWebhookEndpoint)({ url: rx.url }))
            )
            expect(endpoint.ordered).toBe(false)
            const updated = yield* Webhooks.use((w) => w.update(endpoint.id, { ordered: true }))
            expect(updated.ordered).toBe(true)
          })
        )
      })
    )
  })
}
