/**
 * Issue 18 "SMS through a provider interface with a webhook/HTTP transport
 * (no vendor SDK required) … tested against a local receiver": the
 * `SmsSender` HTTP transport posts `{ to, from, body, tenant, … }` to the
 * tenant's `sms` channel (issue 22 "Channel configs") with its credentials,
 * against a real HTTP server on 127.0.0.1 started here; failures, the
 * timeout and a tenant without a channel are `SmsDeliveryError`s; the log
 * transport only logs. On both dialects.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateChannelConfig } from "@signet/contracts/activities/Channels"
import {
  type Actor,
  ChannelsAdmin,
  ChannelTargetPolicy,
  Core,
  Events,
  httpSmsSender,
  logSmsSender,
  policyUse,
  SMS_QUEUED,
  SmsQueue,
  SmsSender
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Layer, Schema } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { asTenant, inTenant, onboard, type TenantRef, testCore, user } from "./support.js"

interface Received {
  readonly method: string
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: any
}

const received: Array<Received> = []
let base = ""
let server: Http.Server
beforeAll(async () => {
  server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      received.push({ method: req.method!, path: req.url!, headers: req.headers, body: text ? JSON.parse(text) : null })
      if (req.url === "/hang") return // never answers: the sender's timeout
      res.writeHead(req.url === "/fail" ? 503 : req.url === "/moved" ? 302 : 202, { location: "/elsewhere" })
      res.end('{"queued":true}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
// Each test reads only what it sent (the same numbers are used on both dialects).
beforeEach(() => {
  received.length = 0
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const allow = Effect.provideService(ChannelTargetPolicy, { allowPrivateTargets: true })
const write = policyUse("channels:write")

/** A tenant with its admin, and an SMS channel on `path` of the receiver (settings merged with `extra`). */
const world = (slug: string, path: string | null, extra: Record<string, unknown> = {}, credentials?: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const admin = yield* user(`head@${slug}.example.edu`, "admin").pipe(inTenant(tenant))
    const actor: Actor = { kind: "user", id: admin.id, userType: "admin" }
    const as = <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant, actor), allow)
    if (path !== null)
      yield* as(
        ChannelsAdmin.create(
          Schema.decodeUnknownSync(CreateChannelConfig)({
            kind: "sms",
            name: "Provider",
            settings: { url: `${base}${path}`, from: "Signet", ...extra },
            event_types: ["signet.accounts.mfa.code"],
            ...(credentials ? { credentials } : {})
          })
        ).pipe(write)
      )
    return { tenant, as }
  })

const send = (to: string, body: string, eventType = "signet.accounts.mfa.code") =>
  SmsSender.pipe(Effect.flatMap((s) => s.send({ to, body, eventType, messageId: `m-${to}` })))

for (const dialect of testDialects()) {
  layer(
    Layer.provideMerge(httpSmsSender({ timeoutMs: 400 }).pipe(Layer.provide(Core.smsChannelsLayer)), testCore(dialect)),
    { timeout: 120_000 }
  )(`SMS over HTTP on ${dialect} (issue 18)`, (it) => {
    it.effect("posts { to, from, body, tenant } as JSON with the channel's credentials as a bearer token", () =>
      Effect.gen(function* () {
        const w = yield* world("sms-ok", "/sms/ok", {}, "provider-token-0001")
        const receipt = yield* w.as(send("+33612345678", "Your code is 123456"))
        expect(receipt.status).toBe(202)
        const got = received.find((r) => r.body?.to === "+33612345678")!
        expect(got).toMatchObject({ method: "POST", path: "/sms/ok" })
        expect(got.headers.authorization).toBe("Bearer provider-token-0001")
        expect(got.headers["content-type"]).toBe("application/json")
        expect(got.body).toEqual({
          to: "+33612345678",
          from: "Signet",
          body: "Your code is 123456",
          tenant: "sms-ok",
          event_type: "signet.accounts.mfa.code",
          message_id: "m-+33612345678"
        })
      })
    )

    it.effect("a header named in the settings carries the credentials instead; PUT when asked", () =>
      Effect.gen(function* () {
        const w = yield* world("sms-hdr", "/sms/hdr", { auth_header: "X-Api-Key", method: "PUT" }, "key-abc")
        yield* w.as(send("+33600000002", "hello"))
        const got = received.find((r) => r.body?.to === "+33600000002")!
        expect(got.method).toBe("PUT")
        expect(got.headers["x-api-key"]).toBe("key-abc")
        expect(got.headers.authorization).toBeUndefined()
      })
    )

    it.effect("a 503, a redirect, the timeout and a tenant without a channel are SmsDeliveryErrors", () =>
      Effect.gen(function* () {
        const fail = yield* world("sms-fail", "/fail")
        const e503 = yield* Effect.flip(fail.as(send("+33600000003", "x")))
        expect(e503).toMatchObject({ _tag: "SmsDeliveryError", reason: "Http", status: 503 })
        const moved = yield* world("sms-moved", "/moved")
        expect(yield* Effect.flip(moved.as(send("+33600000004", "x")))).toMatchObject({ reason: "Http", status: 302 })
        const hang = yield* world("sms-hang", "/hang")
        const started = Date.now()
        expect((yield* Effect.flip(hang.as(send("+33600000005", "x")))).reason).toBe("Timeout")
        expect(Date.now() - started).toBeLessThan(5_000)
        const none = yield* world("sms-none", null)
        expect((yield* Effect.flip(none.as(send("+33600000006", "x")))).reason).toBe("NoChannel")
        // A channel exists, but not for this event type.
        expect((yield* Effect.flip(fail.as(send("+33600000007", "x", "signet.other")))).reason).toBe("NoChannel")
      })
    )

    it.effect("a queued SMS goes through the outbox: ciphertext only in the event, sent when dispatched", () =>
      Effect.gen(function* () {
        const w = yield* world("sms-queue", "/sms/queue", {}, "queue-token-000001")
        const id = yield* asTenant(
          w.tenant,
          SmsQueue.pipe(
            Effect.flatMap((q) =>
              q.enqueue({ to: "+33600000010", body: "Queued code 654321", eventType: "signet.accounts.mfa.code" })
            )
          )
        )
        const rows = yield* Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`SELECT data FROM outbox WHERE type = ${SMS_QUEUED} AND subject = ${id}`
        ).pipe(Effect.orDie)
        expect(rows).toHaveLength(1)
        expect(JSON.stringify(rows)).not.toMatch(/\+33600000010|654321/)
        expect(received.some((r) => r.body?.to === "+33600000010")).toBe(false)
        yield* Events.use((e) => Effect.repeat(e.dispatchOnce, { until: (n) => n === 0 })).pipe(allow)
        const got = received.find((r) => r.body?.to === "+33600000010")!
        expect(got.body).toMatchObject({ body: "Queued code 654321", tenant: "sms-queue", message_id: id })
        expect(got.headers.authorization).toBe("Bearer queue-token-000001")
      })
    )

    it.effect("without the operator's allowance the loopback URL is refused at send time", () =>
      Effect.gen(function* () {
        const w = yield* world("sms-ssrf", "/sms/ssrf")
        const refused = yield* Effect.flip(
          SmsSender.pipe(
            Effect.flatMap((s) => s.send({ to: "+33600000008", body: "x", eventType: "signet.accounts.mfa.code" })),
            inTenant(w.tenant)
          )
        )
        expect(refused.reason).toBe("Refused")
        expect(received.some((r) => r.body?.to === "+33600000008")).toBe(false)
      })
    )
  })
}

layer(logSmsSender)("SMS log transport (issue 18)", (it) => {
  it.effect("logs the message and answers a receipt without a channel", () =>
    Effect.gen(function* () {
      const sender = yield* SmsSender
      expect(sender.transport).toBe("log")
      const receipt = yield* sender
        .send({ to: "+33600000009", body: "dev", eventType: "signet.accounts.mfa.code" })
        .pipe(inTenant({ id: "00000000-0000-7000-8000-000000000001", slug: "dev" }))
      expect(receipt).toEqual({ channelId: null, status: null })
    })
  )
})
