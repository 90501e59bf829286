/**
 * A small in-process cache for values read on hot paths and changed rarely
 * (issue 23): tenant lookups, tenant settings, a school's attendance policy.
 * An entry is trusted for a fixed time; a change made in this process
 * invalidates it at once, other replicas see the change within that time.
 *
 * @module
 */
import { Clock, Effect } from "effect"
import { makeSingleFlight } from "./SingleFlight.js"

/** A time-bounded cache of loaded values by key; see {@link makeTtlCache}. */
export interface TtlCache<A, E> {
  /**
   * The cached value of `key` if it was loaded less than `ttlMs` ago, else
   * `load`'s result (cached unless an {@link TtlCache.invalidate} happened
   * while it ran). Concurrent misses of one key run `load` once. Fails with
   * `load`'s error (nothing is cached then).
   */
  readonly get: <R>(key: string, load: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * Forgets `key` (every key when omitted). A load begun before the call is
   * answered to its own caller but neither cached nor shared with a request
   * that misses after it, so a change made in this process is seen at once.
   */
  readonly invalidate: (key?: string) => Effect.Effect<void>
}

/**
 * A cache whose entries live `ttlMs` milliseconds (by the `Clock`, from the
 * moment their load began). It holds at most `maxEntries` keys: adding one
 * past that clears it (a bound against unbounded key sets, e.g. lookups of
 * slugs that do not exist; the hot keys come back on their next miss).
 */
export const makeTtlCache = <A, E = never>(options: {
  readonly ttlMs: number
  readonly maxEntries: number
}): TtlCache<A, E> => {
  const entries = new Map<string, { readonly at: number; readonly value: A }>()
  const loads = makeSingleFlight<A, E>()
  // Counts invalidations: a load records the count it began with and stores its value only if
  // none happened meanwhile; the count is part of its single-flight key for the same reason.
  let changes = 0
  const get = <R>(key: string, load: Effect.Effect<A, E, R>) =>
    Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<A, E, R> => {
      const hit = entries.get(key)
      if (hit !== undefined && now - hit.at < options.ttlMs) return Effect.succeed(hit.value)
      const seen = changes
      return loads(
        `${seen}:${key}`,
        Effect.map(load, (value) => {
          if (seen === changes) {
            if (entries.size >= options.maxEntries && !entries.has(key)) entries.clear()
            entries.set(key, { at: now, value })
          }
          return value
        })
      )
    })
  const invalidate = (key?: string) =>
    Effect.sync(() => {
      if (key === undefined) entries.clear()
      else entries.delete(key)
      changes++
    })
  return { get, invalidate }
}
