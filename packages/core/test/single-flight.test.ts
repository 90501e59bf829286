/**
 * `kernel/SingleFlight.ts` (issue 23): concurrent misses of one cache key
 * run one load; a waiter never inherits another request's failure.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Ref } from "effect"
import { makeSingleFlight } from "../src/kernel/SingleFlight.js"

/** A load that counts its runs and waits for `gate` before answering `value`. */
const gatedLoad = (runs: Ref.Ref<number>, gate: Deferred.Deferred<void>, value: string) =>
  Effect.zipRight(
    Ref.update(runs, (n) => n + 1),
    Effect.as(Deferred.await(gate), value)
  )

/** Forks `n` runs of `key` and yields until each has started (the first has begun its load). */
const forkMany = <A, E>(n: number, run: () => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fibers = yield* Effect.forEach(Array.from({ length: n }), () => Effect.fork(run()))
    yield* Effect.yieldNow()
    return fibers
  })

describe("single-flight loads", () => {
  it.effect("concurrent runs of one key load once and all answer the loaded value", () =>
    Effect.gen(function* () {
      const flight = makeSingleFlight<string, never>()
      const runs = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      const fibers = yield* forkMany(5, () => flight("t1:course", gatedLoad(runs, gate, "Maths")))
      yield* Deferred.succeed(gate, undefined)
      const answers = yield* Effect.forEach(fibers, Fiber.join)
      expect(answers).toEqual(["Maths", "Maths", "Maths", "Maths", "Maths"])
      expect(yield* Ref.get(runs)).toBe(1)
    })
  )

  it.effect("different keys load independently", () =>
    Effect.gen(function* () {
      const flight = makeSingleFlight<string, never>()
      const runs = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      const a = yield* Effect.fork(flight("t1:a", gatedLoad(runs, gate, "A")))
      const b = yield* Effect.fork(flight("t1:b", gatedLoad(runs, gate, "B")))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      expect([yield* Fiber.join(a), yield* Fiber.join(b)]).toEqual(["A", "B"])
      expect(yield* Ref.get(runs)).toBe(2)
    })
  )

  it.effect("a key is forgotten once its load ends: the next miss loads again", () =>
    Effect.gen(function* () {
      const flight = makeSingleFlight<number, never>()
      const runs = yield* Ref.make(0)
      const load = Ref.updateAndGet(runs, (n) => n + 1)
      expect(yield* flight("t1:v", load)).toBe(1)
      expect(yield* flight("t1:v", load)).toBe(2)
    })
  )

  it.effect("waiters of a leader that failed run their own load", () =>
    Effect.gen(function* () {
      const flight = makeSingleFlight<string, string>()
      const gate = yield* Deferred.make<void>()
      const leader = yield* Effect.fork(flight("t1:p", Effect.zipRight(Deferred.await(gate), Effect.fail("boom"))))
      yield* Effect.yieldNow()
      const waiter = yield* Effect.fork(flight("t1:p", Effect.succeed("own")))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Effect.flip(Fiber.join(leader))).toBe("boom")
      expect(yield* Fiber.join(waiter)).toBe("own")
    })
  )

  it.effect("waiters of a leader that was interrupted run their own load", () =>
    Effect.gen(function* () {
      const flight = makeSingleFlight<string, never>()
      const leader = yield* Effect.fork(flight("t1:q", Effect.never))
      yield* Effect.yieldNow()
      const waiter = yield* Effect.fork(flight("t1:q", Effect.succeed("own")))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(leader)
      expect(yield* Fiber.join(waiter)).toBe("own")
    })
  )
})
