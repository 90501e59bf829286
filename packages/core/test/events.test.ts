import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import {
  backoff,
  byTenant,
  CurrentTenant,
  defaultDispatcherOptions,
  EventId,
  Events,
  type TenantId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Chunk, Clock, Deferred, Duration, Effect, Ref, TestClock, TestServices } from "effect"
import { outboxCount, testCore } from "./support.js"

describe("backoff", () => {
  it("doubles from the base delay, is capped, and jitters within ±20 %", () => {
    const o = defaultDispatcherOptions
    expect(Duration.toMillis(backoff(1, o, 0.5))).toBe(1000)
    expect(Duration.toMillis(backoff(3, o, 0.5))).toBe(4000)
    expect(Duration.toMillis(backoff(30, o, 0.5))).toBe(300_000)
    expect(Duration.toMillis(backoff(1, o, 0))).toBe(800)
    expect(Duration.toMillis(backoff(1, o, 1))).toBe(1200)
  })
})

describe("byTenant", () => {
  it("groups a batch by tenant in publication order and leaves out events without a tenant", () => {
    const event = (id: string, tenantid?: string) => ({
      specversion: "1.0" as const,
      id: id as EventId,
      source: "signet",
      type: "signet.test.grouped",
      time: "2026-12-07T00:00:00Z",
      datacontenttype: "application/json" as const,
      data: {},
      ...(tenantid === undefined ? {} : { tenantid })
    })
    const groups = byTenant([event("1", "b"), event("2", "a"), event("3"), event("4", "b")])
    expect([...groups.keys()]).toEqual(["b", "a"])
    expect(groups.get("b")?.map((e) => e.id)).toEqual(["1", "4"])
    expect(groups.get("a")?.map((e) => e.id)).toEqual(["2"])
  })
})

const tenant = { id: "01900000-0000-7000-8000-000000000001" as TenantId, slug: "events-t" }

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 60_000 })(`Outbox on ${dialect}`, (it) => {
    it.effect("a failed transaction publishes nothing; a committed one publishes once", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const events = yield* Events
        const before = yield* outboxCount("signet.test.atomic")
        const failed = yield* sql
          .withTransaction(
            Effect.zipRight(events.publish({ type: "signet.test.atomic", data: { n: 1 } }), Effect.fail("boom"))
          )
          .pipe(Effect.exit)
        expect(failed._tag).toBe("Failure")
        expect(yield* outboxCount("signet.test.atomic")).toBe(before)
        const ev = yield* sql
          .withTransaction(events.publish({ type: "signet.test.atomic", subject: "s1", data: { n: 2 } }))
          .pipe(Effect.provideService(CurrentTenant, tenant))
        expect(ev).toMatchObject({
          specversion: "1.0",
          type: "signet.test.atomic",
          source: "/signet/test",
          subject: "s1",
          tenantid: tenant.id,
          datacontenttype: "application/json"
        })
        expect(yield* outboxCount("signet.test.atomic")).toBe(before + 1)
      })
    )

    it.effect("delivers once per subscriber even when another subscriber's failure causes retries", () =>
      Effect.gen(function* () {
        const events = yield* Events
        const good = yield* Ref.make<Array<string>>([])
        const flakyCalls = yield* Ref.make(0)
        yield* events.subscribe({
          name: "good",
          types: ["signet.retry."],
          handle: (e) => Ref.update(good, (xs) => [...xs, e.id])
        })
        yield* events.subscribe({
          name: "flaky",
          types: ["signet.retry."],
          handle: () =>
            Effect.flatMap(
              Ref.updateAndGet(flakyCalls, (n) => n + 1),
              (n) => (n < 3 ? Effect.fail("not yet") : Effect.void)
            )
        })
        const ev = yield* events.publish({ type: "signet.retry.happened", data: {} })
        expect(yield* events.dispatchOnce).toBeGreaterThanOrEqual(1)
        expect((yield* events.get(ev.id)).status).toBe("pending")
        expect((yield* events.get(ev.id)).attempts).toBe(1)
        // Not due yet: nothing is claimed until the backoff elapses.
        yield* events.dispatchOnce
        expect(yield* Ref.get(flakyCalls)).toBe(1)
        yield* TestClock.adjust(Duration.seconds(2))
        yield* events.dispatchOnce
        yield* TestClock.adjust(Duration.seconds(5))
        yield* events.dispatchOnce
        const entry = yield* events.get(ev.id)
        expect(entry.status).toBe("delivered")
        expect(yield* Ref.get(flakyCalls)).toBe(3)
        expect((yield* Ref.get(good)).filter((id) => id === ev.id)).toHaveLength(1)
      })
    )

    it.effect("an event claimed again after its lease lapsed is not handed again to the subscribers that took it", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const events = yield* Events
        const calls = yield* Ref.make<Array<string>>([])
        for (const name of ["lapse-a", "lapse-b"])
          yield* events.subscribe({
            name,
            types: ["signet.lapsed."],
            handle: () => Ref.update(calls, (xs) => [...xs, name])
          })
        const ev = yield* events.publish({ type: "signet.lapsed.happened", data: {} })
        yield* events.dispatchOnce
        expect(yield* Ref.get(calls)).toEqual(["lapse-a", "lapse-b"])
        // A crash between the subscribers' success and the delivered mark: still pending, leased to a dead process.
        yield* sql`UPDATE outbox SET status = 'pending', delivered_at = NULL, locked_by = 'crashed',
          locked_until = ${new Date(60_000).toISOString()} WHERE id = ${ev.id}`
        yield* TestClock.adjust(Duration.minutes(2))
        yield* events.dispatchOnce
        expect((yield* events.get(ev.id)).status).toBe("delivered")
        expect(yield* Ref.get(calls)).toEqual(["lapse-a", "lapse-b"])
      })
    )

    it.effect("an older event waiting for its retry does not hold back newer due events", () =>
      Effect.gen(function* () {
        const events = yield* Events
        const seen = yield* Ref.make<Array<string>>([])
        let first: string | undefined
        yield* events.subscribe({
          name: "waits",
          types: ["signet.waits."],
          handle: (e) =>
            Effect.zipRight(
              Ref.update(seen, (xs) => [...xs, e.id]),
              e.id === first ? Effect.fail("not yet") : Effect.void
            )
        })
        const older = yield* events.publish({ type: "signet.waits.older", data: { n: 1 } })
        first = older.id
        yield* events.dispatchOnce
        expect((yield* events.get(older.id)).status).toBe("pending")
        // The older event is pending but not due (backoff); the newer ones are claimed past it, oldest first.
        const a = yield* events.publish({ type: "signet.waits.newer", data: { n: 2 } })
        const b = yield* events.publish({ type: "signet.waits.newer", data: { n: 3 } })
        yield* events.dispatchOnce
        expect((yield* events.get(a.id)).status).toBe("delivered")
        expect((yield* events.get(b.id)).status).toBe("delivered")
        expect((yield* events.get(older.id)).status).toBe("pending")
        expect(yield* Ref.get(seen)).toEqual([older.id, a.id, b.id])
      })
    )

    it.effect("marks an event dead after maxAttempts; replay delivers it", () =>
      Effect.gen(function* () {
        const events = yield* Events
        yield* events.configure({ maxAttempts: 2 })
        const healthy = yield* Ref.make(false)
        const seen = yield* Ref.make(0)
        yield* events.subscribe({
          name: "sometimes-down",
          types: ["signet.dead."],
          handle: () =>
            Effect.flatMap(Ref.get(healthy), (ok) => (ok ? Ref.update(seen, (n) => n + 1) : Effect.fail("down")))
        })
        const ev = yield* events.publish({ type: "signet.dead.letter", data: {} })
        yield* events.dispatchOnce
        yield* TestClock.adjust(Duration.minutes(1))
        yield* events.dispatchOnce
        expect((yield* events.get(ev.id)).status).toBe("dead")
        expect((yield* events.dead()).map((e) => e.event.id)).toContain(ev.id)
        yield* Ref.set(healthy, true)
        expect((yield* events.replay(ev.id)).status).toBe("pending")
        yield* events.dispatchOnce
        expect((yield* events.get(ev.id)).status).toBe("delivered")
        expect(yield* Ref.get(seen)).toBe(1)
        expect((yield* Effect.flip(events.replay(EventId.make("01900000-0000-7000-8000-00000000ffff"))))._tag).toBe(
          "NotFound"
        )
        yield* events.configure({ maxAttempts: defaultDispatcherOptions.maxAttempts })
      })
    )
    it.effect("a subscriber with concurrency > 1 handles the events of one batch at once", () =>
      Effect.gen(function* () {
        const events = yield* Events
        const inFlight = yield* Ref.make(0)
        const most = yield* Ref.make(0)
        yield* events.subscribe({
          name: "parallel-sender",
          types: ["signet.parallel."],
          concurrency: 4,
          handle: () =>
            Effect.gen(function* () {
              const n = yield* Ref.updateAndGet(inFlight, (k) => k + 1)
              yield* Ref.update(most, (m) => Math.max(m, n))
              yield* Effect.yieldNow()
              yield* Ref.update(inFlight, (k) => k - 1)
            })
        })
        const published = yield* Effect.forEach([1, 2, 3, 4], (n) =>
          events.publish({ type: "signet.parallel.mail", data: { n } })
        )
        yield* events.dispatchOnce
        for (const ev of published) expect((yield* events.get(ev.id)).status).toBe("delivered")
        expect(yield* Ref.get(most)).toBeGreaterThan(1)
      })
    )

    it.effect("a batch subscriber gets a batch's events in one call, in order; its failure retries them all", () =>
      Effect.gen(function* () {
        const events = yield* Events
        const calls = yield* Ref.make<Array<Array<number>>>([])
        const healthy = yield* Ref.make(false)
        yield* events.subscribe({
          name: "batch-projection",
          types: ["signet.batched."],
          handle: () => Effect.dieMessage("handle is not used when handleBatch is given"),
          handleBatch: (batch) =>
            Effect.gen(function* () {
              yield* Ref.update(calls, (xs) => [...xs, batch.map((e) => (e.data as { n: number }).n)])
              if (!(yield* Ref.get(healthy))) return yield* Effect.fail("store down")
            })
        })
        const published = yield* Effect.forEach([1, 2, 3], (n) =>
          Effect.zipLeft(
            events.publish({ type: "signet.batched.step", data: { n } }),
            TestClock.adjust(Duration.millis(1))
          )
        )
        yield* events.dispatchOnce
        for (const ev of published) expect((yield* events.get(ev.id)).status).toBe("pending")
        yield* Ref.set(healthy, true)
        yield* TestClock.adjust(Duration.minutes(1))
        yield* events.dispatchOnce
        for (const ev of published) expect((yield* events.get(ev.id)).status).toBe("delivered")
        expect(yield* Ref.get(calls)).toEqual([
          [1, 2, 3],
          [1, 2, 3]
        ])
        yield* events.dispatchOnce
        expect(yield* Ref.get(calls)).toHaveLength(2)
      })
    )

    it.effect("an ordered subscriber sees a batch's events one at a time, in order of publication time", () =>
      Effect.gen(function* () {
        const events = yield* Events
        const seen = yield* Ref.make<Array<number>>([])
        const inFlight = yield* Ref.make(0)
        const most = yield* Ref.make(0)
        yield* events.subscribe({
          name: "ordered-projection",
          types: ["signet.ordered."],
          handle: (e) =>
            Effect.gen(function* () {
              const n = yield* Ref.updateAndGet(inFlight, (k) => k + 1)
              yield* Ref.update(most, (m) => Math.max(m, n))
              yield* Effect.yieldNow()
              yield* Ref.update(seen, (xs) => [...xs, (e.data as { n: number }).n])
              yield* Ref.update(inFlight, (k) => k - 1)
            })
        })
        // A parallel subscriber of the same events does not change the ordered one's turn.
        yield* events.subscribe({
          name: "ordered-neighbour",
          types: ["signet.ordered."],
          concurrency: 8,
          handle: () => Effect.void
        })
        // One millisecond apart: the outbox orders by publication time (then id).
        yield* Effect.forEach([1, 2, 3, 4, 5], (n) =>
          Effect.zipLeft(
            events.publish({ type: "signet.ordered.step", data: { n } }),
            TestClock.adjust(Duration.millis(1))
          )
        )
        yield* events.dispatchOnce
        expect(yield* Ref.get(seen)).toEqual([1, 2, 3, 4, 5])
        expect(yield* Ref.get(most)).toBe(1)
      })
    )
    it.scoped(
      "after a batch that was not full the dispatcher lingers, so events published meanwhile share one batch",
      () =>
        Effect.gen(function* () {
          const events = yield* Events
          const calls = yield* Ref.make<Array<Array<number>>>([])
          const handled = [yield* Deferred.make<void>(), yield* Deferred.make<void>()] as const
          yield* events.subscribe({
            name: "lingering-projection",
            types: ["signet.lingered."],
            handle: () => Effect.dieMessage("handle is not used when handleBatch is given"),
            handleBatch: (batch) =>
              Effect.flatMap(
                Ref.updateAndGet(calls, (xs) => [...xs, batch.map((e) => (e.data as { n: number }).n)]),
                (xs) => Deferred.succeed(handled[Math.min(xs.length, 2) - 1] as Deferred.Deferred<void>, undefined)
              )
          })
          // An empty claim would sleep an hour: only the linger (one second) lets the second batch come.
          yield* events.configure({ linger: Duration.seconds(1), pollInterval: Duration.hours(1) })
          yield* Effect.addFinalizer(() =>
            events.configure({
              linger: defaultDispatcherOptions.linger,
              pollInterval: defaultDispatcherOptions.pollInterval
            })
          )
          yield* events.publish({ type: "signet.lingered.step", data: { n: 1 } })
          yield* Effect.forkScoped(events.run)
          yield* Deferred.await(handled[0])
          // Wait (in real time) until the loop has marked the batch and sleeps its linger on the test
          // clock (other fibers, the Postgres pool's, may sleep on it too: only a wake-up one linger
          // from now is the loop's).
          const lingerEnds = (yield* Clock.currentTimeMillis) + 1_000
          const asleep = Effect.map(
            TestClock.sleeps(),
            Chunk.some((t) => t === lingerEnds)
          )
          while (!(yield* asleep)) yield* TestServices.provideLive(Effect.sleep(Duration.millis(5)))
          yield* events.publish({ type: "signet.lingered.step", data: { n: 2 } })
          yield* TestClock.adjust(Duration.millis(1))
          yield* events.publish({ type: "signet.lingered.step", data: { n: 3 } })
          expect(yield* Ref.get(calls)).toEqual([[1]])
          yield* TestClock.adjust(Duration.seconds(1))
          yield* Deferred.await(handled[1])
          expect(yield* Ref.get(calls)).toEqual([[1], [2, 3]])
        })
    )
  })
}
