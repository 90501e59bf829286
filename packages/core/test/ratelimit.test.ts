import * as Net from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import { RateLimit } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Context, Duration, Effect, Layer, Option, Redacted, TestClock } from "effect"
import { testCore } from "./support.js"

const rule = { count: 3, windowSeconds: 60 }

describe("rate limit rules", () => {
  it("parses count/seconds and off", () => {
    expect(RateLimit.parseRule("20/60")).toEqual(Option.some({ count: 20, windowSeconds: 60 }))
    expect(RateLimit.parseRule("off")).toEqual(Option.none())
    expect(() => RateLimit.parseRule("fast")).toThrow()
  })

  it.effect("memory buckets count per fixed window and reset", () =>
    Effect.gen(function* () {
      const limiter = yield* Effect.provide(RateLimit.RateLimiter, RateLimit.memory)
      const decisions = []
      for (let i = 0; i < 4; i++) decisions.push(yield* limiter.hit("k", rule))
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false])
      expect(decisions[3]).toMatchObject({ limit: 3, remaining: 0 })
      expect(decisions[3]!.resetSeconds).toBeGreaterThan(0)
      yield* TestClock.adjust(Duration.seconds(61))
      expect((yield* limiter.hit("k", rule)).allowed).toBe(true)
    })
  )
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 60_000 })(`Rate limiter on ${dialect}`, (it) => {
    it.effect("Postgres keeps buckets in the database, shared by separate limiter instances (replicas)", () =>
      Effect.gen(function* () {
        const a = yield* Effect.provide(RateLimit.RateLimiter, RateLimit.layer)
        expect(a.backend).toBe(dialect === "pg" ? "database" : "memory")
        if (dialect !== "pg") return
        const b = yield* Effect.provide(RateLimit.RateLimiter, RateLimit.database)
        expect((yield* a.hit("shared", rule)).remaining).toBe(2)
        expect((yield* b.hit("shared", rule)).remaining).toBe(1)
        expect((yield* a.hit("shared", rule)).allowed).toBe(true)
        expect((yield* b.hit("shared", rule)).allowed).toBe(false)
      })
    )

    it.effect("hitInOrder counts buckets in turn and leaves the later ones uncounted after a refusal", () =>
      Effect.gen(function* () {
        const limiters = [
          yield* Effect.provide(RateLimit.RateLimiter, RateLimit.layer),
          yield* Effect.provide(RateLimit.RateLimiter, RateLimit.database)
        ]
        for (const [n, limiter] of limiters.entries()) {
          const own = { bucket: `own-${n}`, rule: { count: 2, windowSeconds: 60 } }
          const shared = { bucket: `shared-${n}`, rule: { count: 10, windowSeconds: 60 } }
          const first = yield* limiter.hitInOrder([own, shared])
          expect(first.map((d) => [d.allowed, d.remaining])).toEqual([
            [true, 1],
            [true, 9]
          ])
          yield* limiter.hitInOrder([own, shared])
          const refused = yield* limiter.hitInOrder([own, shared])
          expect(refused.map((d) => d.allowed)).toEqual([false])
          // The shared bucket counted the two allowed calls only.
          expect((yield* limiter.hit(shared.bucket, shared.rule)).remaining).toBe(7)
        }
      })
    )

    it.effect("hitInOrder: a refusal by a later bucket still counts the earlier ones", () =>
      Effect.gen(function* () {
        const limiter = yield* Effect.provide(RateLimit.RateLimiter, RateLimit.database)
        const wide = { bucket: "wide", rule: { count: 5, windowSeconds: 60 } }
        const tight = { bucket: "tight", rule: { count: 1, windowSeconds: 60 } }
        yield* limiter.hitInOrder([wide, tight])
        const second = yield* limiter.hitInOrder([wide, tight])
        expect(second.map((d) => [d.allowed, d.remaining])).toEqual([
          [true, 3],
          [false, 0]
        ])
        // The same bucket twice is counted twice (one hit after the other).
        const twice = yield* limiter.hitInOrder([wide, wide])
        expect(twice.map((d) => d.remaining)).toEqual([2, 1])
      })
    )
  })
}

const redisUp = await new Promise<boolean>((resolve) => {
  const s = Net.connect(6379, "127.0.0.1")
  s.once("connect", () => {
    s.end()
    resolve(true)
  })
  s.once("error", () => resolve(false))
})
if (!redisUp) console.warn("Redis not reachable on 127.0.0.1:6379: Redis rate-limit test skipped")

describe.skipIf(!redisUp)("Rate limiter on Redis", () => {
  it.live("buckets are shared through Redis", () =>
    Effect.gen(function* () {
      const url = Redacted.make("redis://127.0.0.1:6379")
      const bucket = `test-${Math.random()}`
      const run = (n: number) =>
        Effect.scoped(
          Effect.gen(function* () {
            // Build in this scope: the client lives until the scope closes.
            const limiter = Context.get(yield* Layer.build(RateLimit.redis(url)), RateLimit.RateLimiter)
            expect(limiter.backend).toBe("redis")
            const out = []
            for (let i = 0; i < n; i++) out.push((yield* limiter.hit(bucket, rule)).allowed)
            return out
          })
        )
      expect(yield* run(2)).toEqual([true, true])
      expect(yield* run(2)).toEqual([true, false])
    })
  )
})
