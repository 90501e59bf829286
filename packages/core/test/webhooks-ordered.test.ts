/**
 * Ordered delivery per endpoint (issue 21 §1 "ordered per endpoint where
 * asked"): an endpoint created with `ordered: true` receives its deliveries
 * one at a time in the order of their events — a later one waits while an
 * earlier one is retried — while an unordered endpoint gets both at once.
 * A loopback receiver (private targets allowed, as the operator can), both dialects.
 */

import { expect, layer } from "@effect/vitest"
import { CreateWebhookEndpoint, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { testCore } from "./support.js"
import { inFreshTenant, publish, receiver } from "./webhook-support.js"

/** An endpoint at `url` (ordered or not) and two events A then B; answers their ids. */
const twoEvents = (url: string, ordered: boolean) =>
  Effect.gen(function* () {
    yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true, baseDelayMs: 0, maxDelayMs: 0 }))
    yield* Webhooks.use((w) =>
      w.create(Schema.decodeUnknownSync(CreateWebhookEndpoint)({ url, ordered, event_types: ["signet.test."] }))
    )
    const a = (yield* publish("signet.test.first")).id
    const b = (yield* publish("signet.test.second")).id
    return { a, b }
  })

const deliverDue = Webhooks.use((w) => w.deliverDue)

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`ordered webhook delivery on ${dialect}`, (it) => {
    it.scoped("an ordered endpoint gets B only after A succeeded, however many retries A takes", () =>
      Effect.gen(function* () {
        const rx = yield* receiver(500)
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
        const rx = yield* receiver(500)
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
        const rx = yield* receiver(500)
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
