/**
 * `kernel/TtlCache.ts` (issue 23): the cache behind tenant lookups, tenant
 * settings and attendance policies — entries live a fixed time, a change in
 * this process is seen at once, a read begun before a change is not cached.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Ref, TestClock } from "effect"
import { makeTtlCache } from "../src/kernel/TtlCache.js"

/** A load that counts its runs and answers `<value>#<run>`. */
const countingLoad = (runs: Ref.Ref<number>, value: string) =>
  Effect.map(
    Ref.updateAndGet(runs, (n) => n + 1),
    (n) => `${value}#${n}`
  )

/** A long-lived cache holding `t1` (loads answer `a#n`) and `t2` (`b#n`), loaded once each (runs 1 and 2). */
const twoCached = Effect.gen(function* () {
  const cache = makeTtlCache<string>({ ttlMs: 60_000, maxEntries: 10 })
  const runs = yield* Ref.make(0)
  const getA = cache.get("t1", countingLoad(runs, "a"))
  const getB = cache.get("t2", countingLoad(runs, "b"))
  yield* getA
  yield* getB
  return { cache, getA, getB } as const
})

/** A load of `t1` (answering "old" once `gate` opens) in flight, and `t1` invalidated meanwhile. */
const invalidatedWhileLoading = Effect.gen(function* () {
  const cache = makeTtlCache<string>({ ttlMs: 60_000, maxEntries: 10 })
  const gate = yield* Deferred.make<void>()
  const stale = yield* Effect.fork(cache.get("t1", Effect.as(Deferred.await(gate), "old")))
  yield* Effect.yieldNow()
  yield* cache.invalidate("t1")
  return { cache, gate, stale } as const
})

describe("ttl cache", () => {
  it.effect("serves a loaded value until its time is up, then loads again", () =>
    Effect.gen(function* () {
      const cache = makeTtlCache<string>({ ttlMs: 1000, maxEntries: 10 })
      const runs = yield* Ref.make(0)
      expect(yield* cache.get("t1", countingLoad(runs, "a"))).toBe("a#1")
      yield* TestClock.adjust("999 millis")
      expect(yield* cache.get("t1", countingLoad(runs, "a"))).toBe("a#1")
      yield* TestClock.adjust("1 millis")
      expect(yield* cache.get("t1", countingLoad(runs, "a"))).toBe("a#2")
    })
  )

  it.effect("invalidating a key reloads it and leaves other keys cached", () =>
    Effect.gen(function* () {
      const { cache, getA, getB } = yield* twoCached
      yield* cache.invalidate("t1")
      expect(yield* getA).toBe("a#3")
      expect(yield* getB).toBe("b#2")
    })
  )

  it.effect("invalidating every key reloads them all", () =>
    Effect.gen(function* () {
      const { cache, getA, getB } = yield* twoCached
      yield* cache.invalidate()
      expect(yield* getA).toBe("a#3")
      expect(yield* getB).toBe("b#4")
    })
  )

  it.effect("a load that began before an invalidation answers its caller but is not cached", () =>
    Effect.gen(function* () {
      const { cache, gate, stale } = yield* invalidatedWhileLoading
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(stale)).toBe("old")
      expect(yield* cache.get("t1", Effect.succeed("new"))).toBe("new")
    })
  )

  it.effect("a request that misses after an invalidation does not wait for a load begun before it", () =>
    Effect.gen(function* () {
      const { cache, gate, stale } = yield* invalidatedWhileLoading
      expect(yield* cache.get("t1", Effect.succeed("new"))).toBe("new")
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(stale)
    })
  )

  it.effect("concurrent misses of one key load once", () =>
    Effect.gen(function* () {
      const cache = makeTtlCache<string>({ ttlMs: 60_000, maxEntries: 10 })
      const runs = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      const load = Effect.zipRight(Deferred.await(gate), countingLoad(runs, "a"))
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(cache.get("t1", load)))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Effect.forEach(fibers, Fiber.join)).toEqual(["a#1", "a#1", "a#1"])
    })
  )

  it.effect("a failed load caches nothing: the next request loads again", () =>
    Effect.gen(function* () {
      const cache = makeTtlCache<string, string>({ ttlMs: 60_000, maxEntries: 10 })
      expect(yield* Effect.flip(cache.get("t1", Effect.fail("database down")))).toBe("database down")
      expect(yield* cache.get("t1", Effect.succeed("ok"))).toBe("ok")
    })
  )

  it.effect("adding a key past the bound clears the cache", () =>
    Effect.gen(function* () {
      const cache = makeTtlCache<string>({ ttlMs: 60_000, maxEntries: 2 })
      const runs = yield* Ref.make(0)
      yield* cache.get("a", countingLoad(runs, "a"))
      yield* cache.get("b", countingLoad(runs, "b"))
      expect(yield* cache.get("a", countingLoad(runs, "a"))).toBe("a#1")
      yield* cache.get("c", countingLoad(runs, "c"))
      expect(yield* cache.get("a", countingLoad(runs, "a"))).toBe("a#4")
    })
  )
})
