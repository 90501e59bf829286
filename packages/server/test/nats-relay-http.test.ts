/**
 * Issue 21 §2 through the server: with `SIGNET_NATS_URL` configured
 * (`ServerConfig.nats`), `signet serve`'s jobs relay a tenant created over
 * REST to the `CORE_TENANT_EVENTS` stream of the real NATS server on
 * 127.0.0.1:4222 (`SIGNET_TEST_NATS_URL` overrides), read back by a
 * JetStream consumer. Its streams carry a fresh prefix and are deleted
 * afterwards.
 */
import * as Crypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { streamName, TOPIC_FAMILIES } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { call, onboardTenant, testServer } from "@signet/server/testing"
import { Effect, Option, Redacted } from "effect"
import { connect } from "nats"

const NATS_URL = process.env.SIGNET_TEST_NATS_URL ?? "nats://127.0.0.1:4222"

for (const dialect of testDialects()) {
  const prefix = `h${Crypto.randomBytes(5).toString("hex")}`
  const server = testServer(dialect, { nats: Option.some({ url: Redacted.make(NATS_URL), prefix }) })
  // Live services: the server's jobs (dispatcher, relay) sleep between rounds on the real clock.
  layer(server, { timeout: 120_000, excludeTestServices: true })(
    `NATS relay of signet serve on ${dialect} (issue 21 §2)`,
    (it) => {
      it.scoped("/metrics reports the relay's pending events", () =>
        Effect.gen(function* () {
          const text = (yield* call("GET", "/metrics", { auth: false })).text
          expect(text).toMatch(/^signet_broker_relay_pending \d+$/m)
        })
      )

      it.scoped("a tenant created over REST reaches CORE_TENANT_EVENTS as its CloudEvent", () =>
        Effect.gen(function* () {
          const nc = yield* Effect.acquireRelease(
            Effect.promise(() => connect({ servers: NATS_URL })),
            (c) =>
              Effect.promise(async () => {
                const jsm = await c.jetstreamManager()
                for (const f of TOPIC_FAMILIES) await jsm.streams.delete(streamName(prefix, f)).catch(() => false)
                await c.close()
              })
          )
          yield* onboardTenant("nats-http")
          const tenant = (yield* call("GET", "/api/v1/tenants/nats-http")).body
          const stream = streamName(prefix, "core.tenant.events")
          // The relay creates the stream when it connects; wait for it, then read until the event shows up.
          const event = yield* Effect.promise(async () => {
            const jsm = await nc.jetstreamManager()
            const deadline = Date.now() + 30_000
            while (Date.now() < deadline) {
              const info = await jsm.streams.info(stream).catch(() => undefined)
              if (info && info.state.messages > 0) break
              await new Promise((r) => setTimeout(r, 100))
            }
            const consumer = await nc.jetstream().consumers.get(stream)
            const m = await consumer.next({ expires: 5_000 })
            return m ? { subject: m.subject, id: m.headers?.get("Nats-Msg-Id"), body: m.json<any>() } : undefined
          })
          expect(event).toBeDefined()
          expect(event!.body).toMatchObject({ specversion: "1.0", type: "signet.tenant.created", tenantid: tenant.id })
          expect(event!.id).toBe(event!.body.id)
          expect(event!.subject).toBe(`${prefix}.core.tenant.events.${tenant.id}.signet.tenant.created`)
        })
      )
    }
  )
}
