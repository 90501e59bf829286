/**
 * Issue 21 §2, event streaming to NATS JetStream: the outbox relay against
 * the real NATS server on 127.0.0.1:4222 (`SIGNET_TEST_NATS_URL` overrides),
 * on both dialects. Each test uses its own stream/subject prefix and deletes
 * its streams afterwards, so parallel runs never share a stream.
 */
import { spawn } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import {
  BrokerRelay,
  Events,
  familyOf,
  natsPublisher,
  parseNatsUrl,
  streamName,
  subjectOf,
  TOPIC_FAMILIES
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, Effect, Redacted, Schedule, TestClock } from "effect"
import { connect, type JsMsg, type NatsConnection } from "nats"
import { asTenant, onboard, TestDbUrl, testCore, user } from "./support.js"

const NATS_URL = process.env.SIGNET_TEST_NATS_URL ?? "nats://127.0.0.1:4222"
const NATS_SERVER = process.env.SIGNET_TEST_NATS_SERVER ?? "/usr/sbin/nats-server"
const CHILD = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "fixtures", "nats-relay-child.mjs")

/** A fresh prefix for this test's streams and subjects. */
const freshPrefix = () => `t${Crypto.randomBytes(5).toString("hex")}`

/** A test connection to NATS, and the removal of every stream of `prefix` when the scope closes. */
const natsFor = (prefix: string) =>
  Effect.acquireRelease(
    Effect.promise(() => connect({ servers: NATS_URL })),
    (nc) =>
      Effect.promise(async () => {
        const jsm = await nc.jetstreamManager()
        for (const family of TOPIC_FAMILIES) await jsm.streams.delete(streamName(prefix, family)).catch(() => false)
        await nc.close()
      })
  )

/** Messages stored in `prefix`'s stream of each family (stream info). */
const streamCounts = (nc: NatsConnection, prefix: string) =>
  Effect.promise(async () => {
    const jsm = await nc.jetstreamManager()
    const counts: Record<string, number> = {}
    for (const family of TOPIC_FAMILIES) {
      const info = await jsm.streams.info(streamName(prefix, family)).catch(() => undefined)
      if (info && info.state.messages > 0) counts[family] = info.state.messages
    }
    return counts
  })

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)

/** Every message of a family's stream, read by an ordered JetStream consumer. */
const consume = (nc: NatsConnection, stream: string, count: number) =>
  Effect.promise(async () => {
    const consumer = await nc.jetstream().consumers.get(stream)
    const got: Array<JsMsg> = []
    const batch = await consumer.fetch({ max_messages: count, expires: 5_000 })
    for await (const m of batch) got.push(m)
    return got
  })

/** Registers the relay's outbox subscriber and dispatches every due event to it. */
const handOver = Effect.gen(function* () {
  const relay = yield* BrokerRelay
  yield* Events.use((e) => e.subscribe({ name: "broker-relay", types: ["*"], handle: relay.enqueue }))
  while ((yield* Events.use((e) => e.dispatchOnce)) > 0) {}
  return yield* relay.pending
})

/** Runs a child relay process; answers its exit code and signal. */
const child = (dbUrl: string, prefix: string, mode: "crash" | "run") =>
  spawn(process.execPath, [CHILD, dbUrl, NATS_URL, prefix, mode], { stdio: ["ignore", "ignore", "inherit"] })

const exited = (p: ReturnType<typeof child>) =>
  Effect.async<{ code: number | null; signal: NodeJS.Signals | null }>((resume) => {
    p.once("exit", (code, signal) => resume(Effect.succeed({ code, signal })))
  })

/** A free loopback TCP port (bound then released). */
const freePort = Effect.async<number>((resume) => {
  const srv = Net.createServer().listen(0, "127.0.0.1", () => {
    const port = (srv.address() as Net.AddressInfo).port
    srv.close(() => resume(Effect.succeed(port)))
  })
})

/** Starts a NATS server of our own with JetStream on `port` (Debian's nats-server), stopped with the scope. */
const ownNatsServer = (port: number) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-nats-"))
      const proc = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" })
      return { proc, dir }
    }),
    ({ dir, proc }) =>
      Effect.async<void>((resume) => {
        proc.once("exit", () => resume(Effect.void))
        proc.kill("SIGTERM")
      }).pipe(Effect.ensuring(Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))))
  )

describe("topic families and subjects (issue 21 §2)", () => {
  it("maps each module's event types to the seeds' topic families", () => {
    expect(familyOf("signet.tenant.created")).toBe("core.tenant.events")
    expect(familyOf("signet.user.created")).toBe("core.user.events")
    expect(familyOf("signet.auth.login")).toBe("core.user.events")
    expect(familyOf("signet.attendance.signature.created")).toBe("attendance.signature.events")
    expect(familyOf("signet.academics.course.closed")).toBe("academics.course.events")
    expect(familyOf("signet.billing.subscription.renewed")).toBe("billing.subscription.events")
    expect(familyOf("other.thing")).toBe("core.other.events")
  })

  it("puts the tenant and the type in the subject and keeps dots out of stream names", () => {
    const tenant = "0190a1b2-0000-7000-8000-000000000001"
    expect(subjectOf("", "signet.user.created", tenant)).toBe(`core.user.events.${tenant}.signet.user.created`)
    expect(subjectOf("p1", "signet.tenant.created", null)).toBe("p1.core.tenant.events.platform.signet.tenant.created")
    expect(subjectOf("", "signet.x y.*", null)).toBe("core.other.events.platform.signet.x_y._")
    expect(streamName("", "core.tenant.events")).toBe("CORE_TENANT_EVENTS")
    expect(streamName("p-1", "attendance.signature.events")).toBe("P_1_ATTENDANCE_SIGNATURE_EVENTS")
  })

  it("reads servers and credentials from SIGNET_NATS_URL and refuses other schemes", () => {
    expect(parseNatsUrl("nats://u:p%40ss@h1:4222,nats://h2:4223")).toEqual({
      servers: ["nats://h1:4222", "nats://h2:4223"],
      user: "u",
      pass: "p@ss"
    })
    expect(() => parseNatsUrl("http://h:4222")).toThrow(/scheme/)
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`NATS JetStream relay on ${dialect} (issue 21 §2)`, (it) => {
    it.scoped("events created in Signet arrive in their family's stream as CloudEvents with Nats-Msg-Id", () =>
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const nc = yield* natsFor(prefix)
        const tenant = yield* onboard("nats-arrive")
        const created = yield* asTenant(tenant, user("ada@nats.example", "teacher"))
        const pending = yield* handOver
        expect(pending).toBeGreaterThan(0)
        const relay = yield* BrokerRelay
        const publisher = yield* natsPublisher({ url: Redacted.make(NATS_URL), prefix })
        expect(yield* relay.relayOnce(publisher)).toEqual({ acked: pending, failed: 0 })
        expect(yield* relay.pending).toBe(0)
        const counts = yield* streamCounts(nc, prefix)
        expect(total(counts)).toBe(pending)
        const stream = streamName(prefix, "core.user.events")
        const msgs = yield* consume(nc, stream, counts["core.user.events"] ?? 0)
        const userCreated = msgs.find((m) => m.headers?.get("ce-type") === "signet.user.created")
        expect(userCreated).toBeDefined()
        const body = userCreated!.json<Record<string, unknown>>()
        expect(body).toMatchObject({
          specversion: "1.0",
          type: "signet.user.created",
          source: "/signet/user",
          tenantid: tenant.id,
          datacontenttype: "application/json"
        })
        expect(JSON.stringify(body.data)).toContain(created.id)
        expect(userCreated!.subject).toBe(`${prefix}.core.user.events.${tenant.id}.signet.user.created`)
        expect(userCreated!.headers?.get("Nats-Msg-Id")).toBe(body.id)
        expect(userCreated!.headers?.get("ce-id")).toBe(body.id)
        expect(userCreated!.headers?.get("ce-tenantid")).toBe(tenant.id)
        expect(userCreated!.headers?.get("content-type")).toMatch(/^application\/cloudevents\+json/)
        expect(counts["core.tenant.events"]).toBeGreaterThan(0)
      })
    )

    it.scoped("a re-sent event is dropped by JetStream's de-duplication: the stream holds it once", () =>
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const nc = yield* natsFor(prefix)
        yield* onboard("nats-dedupe")
        const pending = yield* handOver
        const sql = yield* SqlClient.SqlClient
        const ours = (yield* sql<{ event_id: string }>`SELECT event_id FROM broker_relay
          WHERE relayed_at IS NULL`.pipe(Effect.orDie)).map((r) => r.event_id)
        const relay = yield* BrokerRelay
        const publisher = yield* natsPublisher({ url: Redacted.make(NATS_URL), prefix })
        yield* relay.relayOnce(publisher)
        const before = total(yield* streamCounts(nc, prefix))
        expect(before).toBe(pending)
        // This test's sent markers lost (as if the process died before marking): the relay sends them again.
        yield* sql`UPDATE broker_relay SET relayed_at = NULL WHERE ${sql.in("event_id", ours)}`.pipe(Effect.orDie)
        expect(yield* relay.relayOnce(publisher)).toEqual({ acked: pending, failed: 0 })
        expect(total(yield* streamCounts(nc, prefix))).toBe(before)
      })
    )

    it.scoped("an event the broker does not acknowledge stays pending and is sent on a later try", () =>
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const nc = yield* natsFor(prefix)
        yield* onboard("nats-refused")
        const pending = yield* handOver
        const relay = yield* BrokerRelay
        const publisher = yield* natsPublisher({ url: Redacted.make(NATS_URL), prefix, ackTimeoutMs: 2_000 })
        // The streams vanish under the relay: nothing answers its publishes.
        const jsm = yield* Effect.promise(() => nc.jetstreamManager())
        for (const f of TOPIC_FAMILIES) yield* Effect.promise(() => jsm.streams.delete(streamName(prefix, f)))
        expect(yield* relay.relayOnce(publisher)).toEqual({ acked: 0, failed: pending })
        expect(yield* relay.pending).toBe(pending)
        // Not due again until its backoff has passed.
        expect(yield* relay.relayOnce(publisher)).toEqual({ acked: 0, failed: 0 })
        const reconnected = yield* natsPublisher({ url: Redacted.make(NATS_URL), prefix })
        yield* TestClock.adjust("1 second")
        expect(yield* relay.relayOnce(reconnected)).toEqual({ acked: pending, failed: 0 })
        expect(total(yield* streamCounts(nc, prefix))).toBe(pending)
      })
    )

    it.scoped("an unreachable NATS fails the connection with BrokerError and marks nothing", () =>
      Effect.gen(function* () {
        const error = yield* natsPublisher({ url: Redacted.make("nats://127.0.0.1:1"), prefix: freshPrefix() }).pipe(
          Effect.flip
        )
        expect(error._tag).toBe("BrokerError")
        expect(error.message).toMatch(/NATS connection failed/)
      })
    )

    it.scoped("with NATS down the relay keeps every event pending and relays them all once NATS is up", () =>
      // Real time: the relay job sleeps between its retries.
      Effect.withClock(
        Effect.gen(function* () {
          const prefix = freshPrefix()
          const port = yield* freePort
          const url = `nats://127.0.0.1:${port}`
          yield* onboard("nats-down")
          const pending = yield* handOver
          const relay = yield* BrokerRelay
          const options = { leaseMs: 2_000, pollIntervalMs: 50, retryBaseMs: 100, retryMaxMs: 500 }
          yield* Effect.forkScoped(relay.run(natsPublisher({ url: Redacted.make(url), prefix }), options))
          yield* Effect.sleep("1 second")
          expect(yield* relay.pending).toBe(pending)
          yield* ownNatsServer(port)
          yield* relay.pending.pipe(
            Effect.repeat({ until: (n) => n === 0, schedule: Schedule.spaced("100 millis") }),
            Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("relay did not catch up") })
          )
          const nc = yield* Effect.acquireRelease(
            Effect.promise(() => connect({ servers: url })),
            (c) => Effect.promise(() => c.close())
          )
          expect(total(yield* streamCounts(nc, prefix))).toBe(pending)
        }),
        Clock.make()
      )
    )

    it.scoped(
      "a relay SIGKILLed between the broker's ack and the sent marker re-sends after restart; each event is stored once",
      () =>
        // Real time: the child processes use it, and the test waits for them.
        Effect.withClock(
          Effect.gen(function* () {
            const prefix = freshPrefix()
            const nc = yield* natsFor(prefix)
            const tenant = yield* onboard("nats-crash")
            for (const n of [1, 2, 3]) yield* asTenant(tenant, user(`u${n}@crash.example`, "student"))
            const pending = yield* handOver
            const dbUrl = yield* TestDbUrl
            const relay = yield* BrokerRelay

            const first = yield* exited(child(dbUrl, prefix, "crash"))
            expect(first.signal).toBe("SIGKILL")
            expect(total(yield* streamCounts(nc, prefix))).toBe(pending)
            expect(yield* relay.pending).toBe(pending)

            const second = child(dbUrl, prefix, "run")
            yield* Effect.addFinalizer(() => Effect.sync(() => second.kill("SIGTERM")))
            yield* relay.pending.pipe(
              Effect.repeat({ until: (n) => n === 0, schedule: Schedule.spaced("100 millis") }),
              Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("relay did not finish") })
            )
            const counts = yield* streamCounts(nc, prefix)
            expect(total(counts)).toBe(pending)
            const ids = new Set<string>()
            for (const [family, n] of Object.entries(counts))
              for (const m of yield* consume(nc, streamName(prefix, family as never), n))
                ids.add(m.headers?.get("Nats-Msg-Id") ?? "")
            expect(ids.size).toBe(pending)
          }),
          Clock.make()
        )
    )
  })
}
