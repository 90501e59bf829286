/**
 * Single-flight loads for the in-process caches (issue 23): when many
 * requests miss the same cache entry at once — a cold start, or the second
 * in which a cached value is re-checked — one of them loads it and the
 * others wait for its answer, instead of each running the same reads. On
 * Postgres the sign burst's version checks, course loads and policy reads
 * were each repeated by up to the number of requests in flight.
 *
 * @module
 */
import { Deferred, Effect, FiberId } from "effect"

/**
 * Runs a load at most once at a time per key.
 *
 * `run(key, load)`: when no load of `key` is in flight, runs `load` and
 * answers its result; when one is, waits for it and answers the same value.
 * A waiter whose leader failed or was interrupted (its request went away)
 * runs `load` itself, so a waiter only ever fails with its own load's error.
 * Keys are forgotten as soon as their load ends (nothing is cached here: the
 * caller stores the value). Use only for loads whose result does not depend
 * on the caller beyond `key` (include the tenant in it).
 */
export const makeSingleFlight = <A, E>() => {
  const inFlight = new Map<string, Deferred.Deferred<A, E>>()
  return <R>(key: string, load: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      const pending = inFlight.get(key)
      if (pending !== undefined) return Effect.catchAllCause(Deferred.await(pending), () => load)
      const leader = Deferred.unsafeMake<A, E>(FiberId.none)
      inFlight.set(key, leader)
      return load.pipe(
        Effect.onExit((exit) => {
          if (inFlight.get(key) === leader) inFlight.delete(key)
          return Deferred.done(leader, exit)
        })
      )
    })
}
