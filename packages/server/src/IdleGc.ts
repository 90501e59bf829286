/**
 * Gives back the memory a burst of requests left behind once the server is
 * quiet again (issue 23 goal 3, "RSS after 100,000 mixed requests returns
 * within 20 % of its idle figure").
 *
 * Measured (`bench/memory.mjs`, docs/benchmarks.md "Memory under load"):
 * the live heap does not grow with requests (no leak), but V8 lets the old
 * generation fill with garbage up to about four times the live heap before
 * a full collection, and its memory reducer — which would collect and shrink
 * an idle heap — waits for an allocation rate the background jobs' polls
 * (the outbox dispatcher's four a second) never let fall low enough. So
 * after 100,000 requests the process kept 2.2× its idle RSS.
 *
 * Here: every `checkMs`, when requests were served since the last
 * collection, none arrived for `quietMs`, and the heap in use has grown by
 * more than `minGrowthBytes` since the last collection, one full, compacting
 * collection runs (50–150 ms, while nothing is being served). V8's `gc`
 * function is obtained by `v8.setFlagsFromString("--expose-gc")` and a fresh
 * context (as the `expose-gc` package and Jest's leak detector do), and V8's
 * `--compact-on-every-full-gc` is set around the call: without compaction
 * the collection frees the garbage but V8 keeps the half-empty old-space
 * pages (measured: heap in use back to its idle figure, RSS still 1.4–1.6×
 * idle; with it 1.06–1.13×). Node documents flags changed after start as
 * unsupported territory; these two only change what a collection does, and
 * `SIGNET_IDLE_GC=false` turns the whole thing off.
 *
 * @module
 */
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import { Duration, Effect, Layer, Schedule } from "effect"
import type { Activity } from "./Activity.js"

/** Tuning of the idle collection. */
export interface IdleGcOptions {
  /** How often the conditions are checked, ms (default 5,000). */
  readonly checkMs: number
  /** How long without a new request counts as quiet, ms (default 10,000). */
  readonly quietMs: number
  /** Heap growth since the last collection below which nothing runs, bytes (default 32 MiB). */
  readonly minGrowthBytes: number
}

/** Defaults of {@link IdleGcOptions}. */
export const defaultIdleGcOptions: IdleGcOptions = { checkMs: 5_000, quietMs: 10_000, minGrowthBytes: 32 * 1024 * 1024 }

/** What the policy remembers between checks. */
export interface IdleGcState {
  /** `Activity.total` at the previous check. */
  readonly seenTotal: number
  /** When a new request was last seen (ms, any monotonic clock). */
  readonly lastActiveAt: number
  /** Whether requests were served since the last collection. */
  readonly servedSinceGc: boolean
  /** Heap in use right after the last collection (or at start), bytes. */
  readonly heapAfterGc: number
}

/**
 * One check of the policy: the next state, and whether to collect now.
 * Collect when requests were served since the last collection, none is in
 * flight, none arrived for `quietMs`, and the heap grew by more than
 * `minGrowthBytes`. Pure; the layer below supplies the clock and the heap.
 */
export const idleGcStep = (
  state: IdleGcState,
  activity: Readonly<Activity>,
  now: number,
  heapUsed: number,
  options: IdleGcOptions = defaultIdleGcOptions
): { readonly state: IdleGcState; readonly collect: boolean } => {
  const active = activity.total !== state.seenTotal || activity.n > 0
  const next: IdleGcState = {
    seenTotal: activity.total,
    lastActiveAt: active ? now : state.lastActiveAt,
    servedSinceGc: state.servedSinceGc || active,
    heapAfterGc: state.heapAfterGc
  }
  const collect =
    !active &&
    next.servedSinceGc &&
    now - next.lastActiveAt >= options.quietMs &&
    heapUsed - state.heapAfterGc > options.minGrowthBytes
  return { state: next, collect }
}

/** The state after a collection that left `heapAfter` bytes in use: quiet until requests are served again. */
export const collected = (state: IdleGcState, heapAfter: number): IdleGcState => ({
  ...state,
  servedSinceGc: false,
  heapAfterGc: heapAfter
})

/** V8's full, compacting collection, made available once (see the module comment). */
const fullGc = (() => {
  let gc: (() => void) | undefined
  return () => {
    if (gc === undefined) {
      V8.setFlagsFromString("--expose-gc")
      gc = Vm.runInNewContext("gc") as () => void
    }
    V8.setFlagsFromString("--compact-on-every-full-gc")
    gc()
    V8.setFlagsFromString("--no-compact-on-every-full-gc")
  }
})()

/**
 * Runs the idle collection for as long as the layer lives (a daemon fiber),
 * reading `activity`; logs each collection at debug level with the heap
 * before and after.
 */
export const idleGcLayer = (activity: Readonly<Activity>, options: IdleGcOptions = defaultIdleGcOptions) =>
  Layer.scopedDiscard(
    // The state is taken when the layer is built: requests served from then on count.
    Effect.suspend(() => {
      let state: IdleGcState = {
        seenTotal: activity.total,
        lastActiveAt: performance.now(),
        servedSinceGc: false,
        heapAfterGc: process.memoryUsage().heapUsed
      }
      return Effect.forkScoped(
        Effect.sync(() => {
          const heapUsed = process.memoryUsage().heapUsed
          const step = idleGcStep(state, activity, performance.now(), heapUsed, options)
          state = step.state
          if (!step.collect) return undefined
          const t0 = performance.now()
          fullGc()
          const after = process.memoryUsage().heapUsed
          state = collected(state, after)
          return { before: heapUsed, after, ms: performance.now() - t0 }
        }).pipe(
          Effect.tap((done) =>
            done === undefined
              ? Effect.void
              : Effect.logDebug("idle heap collection").pipe(
                  Effect.annotateLogs({
                    heap_before_mb: Math.round(done.before / 1e6),
                    heap_after_mb: Math.round(done.after / 1e6),
                    gc_ms: Math.round(done.ms)
                  })
                )
          ),
          Effect.repeat(Schedule.spaced(Duration.millis(options.checkMs)))
        )
      )
    })
  )
