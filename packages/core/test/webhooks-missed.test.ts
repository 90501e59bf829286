import { expect, layer } from "@effect/vitest"
import { RecoverWebhookDeliveries } from "@signet/contracts/integrations/Domain"
import { CreateWebhookEndpoint, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Effect, Schema } from "effect"
import { testCore } from "./support.js"
import { inFreshTenant, publish, receiver } from "./webhook-support.js"

const recoverMissed = (id: string, since: DateTime.Utc) =>
  Webhooks.use((w) => w.recover(id, new RecoverWebhookDeliveries({ since, include: "missed" })))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`recovering missed webhook events on ${dialect}`, (it) => {
    it.scoped("an event the filter excluded when it happened is delivered after the filter changed, once", () =>
      Effect.gen(function* () {
        const rx = yield* receiver(500)
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
            const missed = (yield* publish("signet.test.b.happened")).id
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
        const rx = yield* receiver(500)
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
            const first = (yield* publish("signet.test.one")).id
            const second = (yield* publish("signet.test.two")).id
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
