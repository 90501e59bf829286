/**
 * The idle collection (issue 23 goal 3, `IdleGc.ts`): the policy that
 * decides when one full collection runs, and the layer running it.
 */
import { collected, defaultIdleGcOptions, type IdleGcState, idleGcLayer, idleGcStep } from "@signet/server"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { describe, expect, it } from "vitest"

const MB = 1024 * 1024
const options = { checkMs: 1_000, quietMs: 10_000, minGrowthBytes: 32 * MB }
const start: IdleGcState = { seenTotal: 0, lastActiveAt: 0, servedSinceGc: false, heapAfterGc: 100 * MB }

/** The policy run over checks at `times` (ms) with the request count and heap of each. */
const run = (checks: ReadonlyArray<{ at: number; total: number; n?: number; heap: number }>) => {
  let state = start
  const decisions: Array<boolean> = []
  for (const c of checks) {
    const step = idleGcStep(state, { n: c.n ?? 0, total: c.total }, c.at, c.heap, options)
    decisions.push(step.collect)
    state = step.collect ? collected(step.state, 100 * MB) : step.state
  }
  return decisions
}

describe("idle collection policy", () => {
  it("collects once the server has served requests, then been quiet for quietMs, with the heap grown", () => {
    expect(
      run([
        { at: 1_000, total: 500, heap: 300 * MB },
        { at: 6_000, total: 500, heap: 300 * MB },
        { at: 11_000, total: 500, heap: 300 * MB }
      ])
    ).toEqual([false, false, true])
  })

  it("does not collect while requests keep arriving", () => {
    expect(
      run(Array.from({ length: 30 }, (_, i) => ({ at: (i + 1) * 1_000, total: (i + 1) * 10, heap: 400 * MB })))
    ).not.toContain(true)
  })

  it("does not collect while a request is in flight, however long it takes", () => {
    expect(
      run(Array.from({ length: 30 }, (_, i) => ({ at: (i + 1) * 1_000, total: 1, n: 1, heap: 400 * MB })))
    ).not.toContain(true)
  })

  it("does not collect when the heap grew less than minGrowthBytes", () => {
    expect(
      run([
        { at: 1_000, total: 5, heap: 120 * MB },
        { at: 20_000, total: 5, heap: 120 * MB }
      ])
    ).toEqual([false, false])
  })

  it("does not collect an idle server that served nothing since its last collection", () => {
    expect(
      run([
        { at: 1_000, total: 5, heap: 300 * MB },
        { at: 12_000, total: 5, heap: 300 * MB },
        { at: 30_000, total: 5, heap: 300 * MB },
        { at: 60_000, total: 5, heap: 300 * MB }
      ])
    ).toEqual([false, true, false, false])
  })

  it("defaults: checked every 5 s, quiet after 10 s, at least 32 MiB of growth", () => {
    expect(defaultIdleGcOptions).toEqual({ checkMs: 5_000, quietMs: 10_000, minGrowthBytes: 32 * MB })
  })
})

describe("idle collection layer", () => {
  it("runs a full collection after a burst and logs the heap before and after", async () => {
    const activity = { n: 0, total: 0 }
    const lines: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
    const capture = Logger.make(({ annotations, message }) => {
      lines.push({ message, annotations: Object.fromEntries(annotations) })
    })
    const program = Effect.gen(function* () {
      activity.total = 1_000 // a burst, then quiet
      for (let i = 0; i < 400 && lines.length === 0; i++)
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 25)))
    }).pipe(
      Effect.provide(
        idleGcLayer(activity, { checkMs: 20, quietMs: 60, minGrowthBytes: Number.NEGATIVE_INFINITY }).pipe(
          Layer.provide(
            Layer.merge(Logger.replace(Logger.defaultLogger, capture), Logger.minimumLogLevel(LogLevel.Debug))
          )
        )
      )
    )
    await Effect.runPromise(Effect.scoped(program))
    expect(lines).toHaveLength(1)
    expect(lines[0]!.message).toEqual(["idle heap collection"])
    expect(typeof lines[0]!.annotations.heap_before_mb).toBe("number")
    expect(typeof lines[0]!.annotations.heap_after_mb).toBe("number")
  })
})
