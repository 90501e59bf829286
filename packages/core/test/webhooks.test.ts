/**
 * Issue 21 §1, outgoing webhooks: endpoints, delivery from the outbox,
 * Standard Webhooks signatures verified by the `standardwebhooks` package in
 * a real `node:http` receiver started here on loopback, retries and the
 * delivery log, automatic disabling, SSRF refusals — on both dialects.
 */
import * as Dns from "node:dns"
import * as Os from "node:os"
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { CreateWebhookEndpoint, RecoverWebhookDeliveries } from "@signet/contracts/integrations/Domain"
import { Db, defaultWebhookOptions, isPublicAddress, retryDelayMs, Tenancy, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, DateTime, Effect, Schema } from "effect"
import { Webhook } from "standardwebhooks"
import { testCore } from "./support.js"
import { inFreshTenant, publish, type Received, receiver } from "./webhook-support.js"

const create = (input: Record<string, unknown>) =>
  Webhooks.use((w) => w.create(Schema.decodeUnknownSync(CreateWebhookEndpoint)(input)))

const allowLoopback = Webhooks.use((w) => w.configure({ allowPrivateTargets: true, baseDelayMs: 0, maxDelayMs: 0 }))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Webhooks on ${dialect} (issue 21)`, (it) => {
    it.scoped("an event is posted as its CloudEvent, signed so that standardwebhooks' Webhook.verify accepts it", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-sign",
          Effect.gen(function* () {
            const { endpoint, secret } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
            const event = yield* publish("signet.test.thing.happened", { n: 1 })
            expect(yield* Webhooks.use((w) => w.deliverDue)).toBe(1)
            expect(rx.got).toHaveLength(1)
            const got = rx.got[0]!
            const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>)
            expect(verified).toMatchObject({ id: event.id, type: "signet.test.thing.happened", data: { n: 1 } })
            expect(got.headers["webhook-id"]).toBe(event.id)
            const [delivery] = yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))
            expect(delivery).toMatchObject({ status: "succeeded", attempts: 1, last_status_code: 200 })
          })
        )
      })
    )

    it.scoped("an event whose type the filter does not take is not delivered", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-filter",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.attendance.", "signet.x.exact"] })
            yield* publish("signet.other.thing")
            yield* publish("signet.x.exact.not")
            yield* publish("signet.x.exact")
            yield* Webhooks.use((w) => w.deliverDue)
            expect(rx.got.map((g) => JSON.parse(g.body).type)).toEqual(["signet.x.exact"])
            expect(yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))).toHaveLength(1)
          })
        )
      })
    )

    it.scoped("a receiver answering 500 is retried; every attempt is logged with status, latency and ≤ 1 KiB", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        rx.status = 500
        yield* inFreshTenant(
          "wh-retry",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.retry")
            yield* Webhooks.use((w) => w.deliverDue)
            yield* Webhooks.use((w) => w.deliverDue)
            rx.status = 204
            yield* Webhooks.use((w) => w.deliverDue)
            const [delivery] = yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))
            const detail = yield* Webhooks.use((w) => w.getDelivery(endpoint.id, delivery!.id))
            expect(detail.delivery).toMatchObject({ status: "succeeded", attempts: 3 })
            expect(detail.attempts.map((a) => a.status_code)).toEqual([500, 500, 204])
            expect(detail.attempts[0]!.error).toBe("HTTP 500")
            expect(Buffer.byteLength(detail.attempts[0]!.response_excerpt ?? "")).toBe(1024)
            expect(detail.attempts.every((a) => a.latency_ms >= 0)).toBe(true)
            // Every retry carries the same webhook-id (receivers dedupe on it).
            expect(new Set(rx.got.map((g) => g.headers["webhook-id"])).size).toBe(1)
          })
        )
      })
    )

    it.scoped("a delivery that exhausts its attempts disables the endpoint and emits endpoint.disabled", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* Webhooks.use((w) => w.configure({ maxAttempts: 2 }))
        rx.status = 503
        yield* inFreshTenant(
          "wh-disable",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.fail")
            yield* Webhooks.use((w) => w.deliverDue)
            yield* Webhooks.use((w) => w.deliverDue)
            const after = yield* Webhooks.use((w) => w.get(endpoint.id))
            expect(after.enabled).toBe(false)
            expect(after.disabled_reason).toContain("failed")
            const [delivery] = yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))
            expect(delivery).toMatchObject({ status: "failed", attempts: 2 })
            const sql = yield* SqlClient.SqlClient
            const rows = yield* sql`SELECT subject FROM outbox WHERE type = 'signet.integrations.endpoint.disabled'`
            expect(rows.map((r) => r.subject)).toContain(endpoint.id)
            // A disabled endpoint gets no new deliveries.
            yield* publish("signet.test.fail")
            expect(yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))).toHaveLength(1)
          })
        ).pipe(Effect.ensuring(Webhooks.use((w) => w.configure({ maxAttempts: defaultWebhookOptions.maxAttempts }))))
      })
    )

    it.scoped("a disabled endpoint's pending deliveries wait; enabling it again sends them", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-paused",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.paused")
            yield* Webhooks.use((w) => w.update(endpoint.id, { enabled: false }))
            expect(yield* Webhooks.use((w) => w.deliverDue)).toBe(0)
            expect(rx.got).toHaveLength(0)
            yield* Webhooks.use((w) => w.update(endpoint.id, { enabled: true }))
            expect(yield* Webhooks.use((w) => w.deliverDue)).toBe(1)
            expect(rx.got.map((g) => JSON.parse(g.body).type)).toEqual(["signet.test.paused"])
          })
        )
      })
    )

    it.scoped("the delivery job (as `signet serve` runs it) sends a tenant's due deliveries", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* Webhooks.use((w) => w.configure({ pollIntervalMs: 50 }))
        yield* inFreshTenant(
          "wh-job",
          Effect.gen(function* () {
            yield* create({ url: rx.url, event_types: ["signet.test.job"] })
            yield* publish("signet.test.job")
          })
        )
        const tenancy = yield* Tenancy
        yield* Effect.forkScoped(Webhooks.use((w) => w.run(tenancy)).pipe(Effect.withClock(Clock.make())))
        yield* Effect.promise(async () => {
          for (let i = 0; i < 600 && rx.got.length === 0; i++) await new Promise((r) => setTimeout(r, 50))
        })
        expect(rx.got.map((g) => JSON.parse(g.body).type)).toEqual(["signet.test.job"])
      }).pipe(
        Effect.ensuring(Webhooks.use((w) => w.configure({ pollIntervalMs: defaultWebhookOptions.pollIntervalMs })))
      )
    )

    it.scoped("pruning deletes finished deliveries past the retention and keeps pending ones", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-prune",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            yield* publish("signet.test.done")
            yield* Webhooks.use((w) => w.deliverDue)
            rx.status = 500
            yield* publish("signet.test.waiting")
            yield* Webhooks.use((w) => w.deliverDue)
            expect(yield* Webhooks.use((w) => w.prune)).toBe(0)
            yield* Webhooks.use((w) => w.configure({ retentionMs: -60_000 }))
            expect(yield* Webhooks.use((w) => w.prune)).toBe(1)
            const left = yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))
            expect(left.map((d) => [d.event_type, d.status])).toEqual([["signet.test.waiting", "pending"]])
          })
        ).pipe(Effect.ensuring(Webhooks.use((w) => w.configure({ retentionMs: defaultWebhookOptions.retentionMs }))))
      })
    )

    it.scoped("another tenant's endpoint answers WebhookEndpointNotFound", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        const { endpoint } = yield* inFreshTenant("wh-owner", create({ url: rx.url }))
        const err = yield* inFreshTenant("wh-other", Effect.flip(Webhooks.use((w) => w.get(endpoint.id))))
        expect(err._tag).toBe("WebhookEndpointNotFound")
        const del = yield* inFreshTenant("wh-other2", Effect.flip(Webhooks.use((w) => w.remove(endpoint.id))))
        expect(del._tag).toBe("WebhookEndpointNotFound")
      })
    )

    it.scoped("without the operator's allowance a loopback or http URL is refused and nothing is stored", () =>
      Effect.gen(function* () {
        yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: false }))
        yield* inFreshTenant(
          "wh-ssrf",
          Effect.gen(function* () {
            const refused = (url: string) => Effect.flip(create({ url }))
            expect((yield* refused("https://127.0.0.1/hook")).message).toContain("loopback")
            expect((yield* refused("https://[::ffff:10.0.0.1]/hook")).message).toContain("non-public")
            expect((yield* refused("https://169.254.169.254/latest/meta-data")).message).toContain("non-public")
            expect((yield* refused("https://localhost/hook")).message).toContain("loopback")
            expect((yield* refused("http://example.com/hook")).message).toContain("https")
            // A name that resolves to loopback (the machine's own, in /etc/hosts) is refused when created.
            expect((yield* refused(`https://${Os.hostname()}/hook`)).message).toContain("resolves to a loopback")
            expect(yield* Webhooks.use((w) => w.list)).toEqual([])
          })
        ).pipe(Effect.ensuring(allowLoopback))
      })
    )

    it.scoped("a host name resolving to loopback is refused at connection time without the allowance", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-dns",
          Effect.gen(function* () {
            // The machine's own host name resolves to a loopback address (/etc/hosts): the URL check
            // cannot see that, the guarded lookup at connection time must.
            const host = Os.hostname()
            const resolved = yield* Effect.promise(() => Dns.promises.lookup(host, { all: true }))
            expect(resolved.some((r) => r.address.startsWith("127.") || r.address === "::1")).toBe(true)
            // https: the refusal comes before any TLS handshake, so the plain receiver never sees a byte.
            const { endpoint } = yield* create({ url: rx.url.replace("http://127.0.0.1", `https://${host}`) })
            yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: false }))
            const detail = yield* Webhooks.use((w) => w.ping(endpoint.id))
            expect(detail.attempts[0]!.status_code).toBeNull()
            expect(detail.attempts[0]!.error).toContain("loopback")
            expect(rx.got).toHaveLength(0)
          })
        ).pipe(Effect.ensuring(allowLoopback))
      })
    )

    it.scoped("rotating the secret changes the signature; the old secret still verifies during the overlap", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-rotate",
          Effect.gen(function* () {
            const { endpoint, secret: oldSecret } = yield* create({ url: rx.url })
            yield* Webhooks.use((w) => w.ping(endpoint.id))
            const rotated = yield* Webhooks.use((w) => w.rotateSecret(endpoint.id))
            expect(rotated.secret).not.toBe(oldSecret)
            yield* Webhooks.use((w) => w.ping(endpoint.id))
            const [before, after] = rx.got as [Received, Received]
            const headers = (r: Received) => r.headers as Record<string, string>
            expect(() => new Webhook(rotated.secret).verify(before.body, headers(before))).toThrow()
            expect(new Webhook(rotated.secret).verify(after.body, headers(after))).toBeTruthy()
            expect(new Webhook(oldSecret).verify(after.body, headers(after))).toBeTruthy()
            expect(headers(after)["webhook-signature"]!.split(" ")).toHaveLength(2)
            yield* Webhooks.use((w) => w.configure({ secretOverlapMs: 0 }))
            yield* Webhooks.use((w) => w.rotateSecret(endpoint.id))
            const third = yield* Webhooks.use((w) => w.rotateSecret(endpoint.id))
            yield* Webhooks.use((w) => w.ping(endpoint.id))
            const last = rx.got[2]!
            expect(headers(last)["webhook-signature"]!.split(" ")).toHaveLength(1)
            expect(new Webhook(third.secret).verify(last.body, headers(last))).toBeTruthy()
          })
        ).pipe(
          Effect.ensuring(Webhooks.use((w) => w.configure({ secretOverlapMs: defaultWebhookOptions.secretOverlapMs })))
        )
      })
    )

    it.scoped("the secret is stored envelope-encrypted, never in clear", () =>
      Effect.gen(function* () {
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-enc",
          Effect.gen(function* () {
            const { endpoint, secret } = yield* create({ url: "https://hooks.example.com/in" })
            const sql = yield* SqlClient.SqlClient
            // Inside the tenant's transaction: row-level security hides the row otherwise (Postgres).
            const rows = yield* Db.tenantTx(sql`SELECT * FROM webhook_endpoints WHERE id = ${endpoint.id}`)
            expect(String(rows[0]!.secret_enc)).toMatch(/^sg1\./)
            expect(JSON.stringify(rows)).not.toContain(secret.slice(6))
            expect(JSON.stringify(yield* Webhooks.use((w) => w.get(endpoint.id)))).not.toContain(secret.slice(6))
          })
        )
      })
    )

    it.scoped("a replay sends the same delivery again with the same webhook-id", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-replay",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test.replayed"] })
            yield* publish("signet.test.replayed")
            yield* Webhooks.use((w) => w.deliverDue)
            const [delivery] = yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))
            const detail = yield* Webhooks.use((w) => w.replay(endpoint.id, delivery!.id))
            expect(detail.attempts).toHaveLength(2)
            expect(rx.got.map((g) => g.headers["webhook-id"])).toEqual([delivery!.event_id, delivery!.event_id])
            expect(rx.got[0]!.body).toBe(rx.got[1]!.body)
          })
        )
      })
    )

    it.scoped("recover queues again the failed deliveries of a time range, with the same webhook-ids", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* Webhooks.use((w) => w.configure({ maxAttempts: 1 }))
        rx.status = 503
        yield* inFreshTenant(
          "wh-recover",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            const since = yield* DateTime.now
            yield* publish("signet.test.one")
            yield* publish("signet.test.two")
            yield* Webhooks.use((w) => w.deliverDue)
            const failed = yield* Webhooks.use((w) => w.listDeliveries(endpoint.id))
            expect(failed.map((d) => d.status)).toEqual(["failed", "failed"])
            // The receiver is back; the endpoint (disabled by the failures) is enabled again.
            rx.status = 200
            rx.got.length = 0
            yield* Webhooks.use((w) => w.update(endpoint.id, { enabled: true }))
            const recovered = yield* Webhooks.use((w) =>
              w.recover(endpoint.id, new RecoverWebhookDeliveries({ since }))
            )
            expect(recovered).toMatchObject({ requeued: 2, more: false })
            expect(yield* Webhooks.use((w) => w.deliverDue)).toBe(2)
            expect(rx.got.map((g) => g.headers["webhook-id"]).sort()).toEqual(failed.map((d) => d.event_id).sort())
          })
        ).pipe(Effect.ensuring(Webhooks.use((w) => w.configure({ maxAttempts: defaultWebhookOptions.maxAttempts }))))
      })
    )

    it.scoped("recover takes succeeded deliveries only with include all, and only inside the range", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-recover-all",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url, event_types: ["signet.test."] })
            const since = yield* DateTime.now
            yield* publish("signet.test.ok")
            yield* Webhooks.use((w) => w.deliverDue)
            const recover = (input: ConstructorParameters<typeof RecoverWebhookDeliveries>[0]) =>
              Webhooks.use((w) => w.recover(endpoint.id, new RecoverWebhookDeliveries(input)))
            expect((yield* recover({ since })).requeued).toBe(0)
            // A range that ends before the delivery was created takes nothing.
            expect(
              (yield* recover({ since: DateTime.subtract(since, { hours: 1 }), until: since, include: "all" })).requeued
            ).toBe(0)
            expect((yield* recover({ since, include: "all" })).requeued).toBe(1)
            expect(yield* Webhooks.use((w) => w.deliverDue)).toBe(1)
            expect(rx.got).toHaveLength(2)
          })
        )
      })
    )

    it.scoped("recover with since not before until is refused and queues nothing", () =>
      Effect.gen(function* () {
        const rx = yield* receiver()
        yield* allowLoopback
        yield* inFreshTenant(
          "wh-recover-bad",
          Effect.gen(function* () {
            const { endpoint } = yield* create({ url: rx.url })
            const later = DateTime.add(yield* DateTime.now, { hours: 1 })
            const error = yield* Effect.flip(
              Webhooks.use((w) => w.recover(endpoint.id, new RecoverWebhookDeliveries({ since: later })))
            )
            expect(error._tag).toBe("ValidationError")
          })
        )
      })
    )
  })
}

describe("webhook targets and retry schedule (issue 21)", () => {
  it("public unicast addresses pass; loopback, private, link-local, CGNAT, metadata and mapped ones do not", () => {
    for (const a of ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]) expect(isPublicAddress(a)).toBe(true)
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00:ec2::254",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "224.0.0.1",
      "not an address"
    ])
      expect(isPublicAddress(a), a).toBe(false)
  })

  it("the default schedule grows exponentially, is capped, and spans about three days", () => {
    const o = defaultWebhookOptions
    const delays = Array.from({ length: o.maxAttempts - 1 }, (_, i) => retryDelayMs(i + 1, o, 0.5))
    expect(delays[0]).toBe(60_000)
    expect(delays[1]).toBe(120_000)
    expect(Math.max(...delays)).toBe(o.maxDelayMs)
    const days = delays.reduce((a, b) => a + b, 0) / 86_400_000
    expect(days).toBeGreaterThan(2.5)
    expect(days).toBeLessThan(3.5)
    expect(retryDelayMs(1, o, 0)).toBe(48_000)
    expect(retryDelayMs(1, o, 0.999_999)).toBe(72_000)
  })
})
