/**
 * The outbox dispatcher (ARCHITECTURE §5 "Events"; issue 14 §3): claims due
 * events with a lease, delivers each to every matching in-process
 * subscriber that has not processed it yet, records per-subscriber success,
 * and schedules failures with exponential backoff until the event is dead.
 * Delivery is at least once.
 *
 * @module
 */
import type { CloudEvent, EventId } from "@signet/contracts/events/Domain"
import { Clock, Duration, Effect, Ref } from "effect"
import { instant } from "../kernel/Sql.js"
import { type EventsRepo, type OutboxRow, toCloudEvent } from "./Repo.js"

/** An in-process consumer of events. */
export interface Subscriber {
  /** Stable name; delivery bookkeeping is keyed by it. */
  readonly name: string
  /** Event type prefixes this subscriber wants (`signet.tenant.`), or `*`. */
  readonly types: ReadonlyArray<string>
  /** Processes one event. A failure (or defect) schedules a retry. */
  readonly handle: (event: CloudEvent) => Effect.Effect<void, unknown>
}

/** Dispatcher tuning. */
export interface DispatcherOptions {
  /** Attempts before an event is marked dead (default 8). */
  readonly maxAttempts: number
  /** First retry delay (default 1 s); doubles each attempt. */
  readonly baseDelay: Duration.Duration
  /** Longest retry delay (default 5 min). */
  readonly maxDelay: Duration.Duration
  /** Events claimed per batch (default 100). */
  readonly batchSize: number
  /** Idle poll interval (default 250 ms). */
  readonly pollInterval: Duration.Duration
  /** Per-subscriber handler timeout (default 30 s). */
  readonly handlerTimeout: Duration.Duration
}

/** Default dispatcher tuning. */
export const defaultDispatcherOptions: DispatcherOptions = {
  maxAttempts: 8,
  baseDelay: Duration.seconds(1),
  maxDelay: Duration.minutes(5),
  batchSize: 100,
  pollInterval: Duration.millis(250),
  handlerTimeout: Duration.seconds(30)
}

/** Retry delay after `attempts` failed attempts (exponential, capped, ±20 % jitter). */
export const backoff = (attempts: number, options: DispatcherOptions, random = Math.random()): Duration.Duration => {
  const base = Duration.toMillis(options.baseDelay) * 2 ** Math.max(0, attempts - 1)
  const capped = Math.min(base, Duration.toMillis(options.maxDelay))
  return Duration.millis(Math.round(capped * (0.8 + 0.4 * random)))
}

/** How long a claimed batch stays leased to this instance (milliseconds). */
const LEASE_MS = 60_000
/** At most this many characters of one subscriber's error are kept on the event. */
const ERROR_CHARS = 500

/** What the dispatcher is built from. */
export interface DispatcherDeps {
  readonly repo: EventsRepo
  readonly subscribers: Ref.Ref<ReadonlyMap<string, Subscriber>>
  readonly options: Ref.Ref<DispatcherOptions>
  /** This process's lease owner id. */
  readonly instance: string
}

const matches = (sub: Subscriber, type: string) => sub.types.some((p) => p === "*" || type.startsWith(p))

/** The dispatcher over `deps`; see the module comment. */
export const makeDispatcher = ({ instance, options: optionsRef, repo, subscribers }: DispatcherDeps) => {
  const deliver = (row: OutboxRow, options: DispatcherOptions) =>
    Effect.gen(function* () {
      const event = toCloudEvent(row)
      const interested = [...(yield* Ref.get(subscribers)).values()].filter((s) => matches(s, row.type))
      // Subscribers that already processed this event (an earlier, partly failed attempt) are skipped.
      const done = interested.length === 0 ? new Set<string>() : yield* repo.processedBy(row.id)
      const errors: Array<string> = []
      for (const sub of interested.filter((s) => !done.has(s.name))) {
        const result = yield* sub
          .handle(event)
          .pipe(
            Effect.timeoutFail({ duration: options.handlerTimeout, onTimeout: () => "handler timed out" }),
            Effect.sandbox,
            Effect.either
          )
        if (result._tag === "Right")
          yield* repo.recordDelivery(row.id, sub.name, instant(yield* Clock.currentTimeMillis))
        else errors.push(`${sub.name}: ${String(result.left).slice(0, ERROR_CHARS)}`)
      }
      // Delivered events are marked by the caller, one statement per batch.
      if (errors.length === 0) return "delivered" as const
      const attempts = row.attempts + 1
      const dead = attempts >= options.maxAttempts
      const nowMs = yield* Clock.currentTimeMillis
      const next = instant(nowMs + Duration.toMillis(backoff(attempts, options)))
      yield* repo.recordFailure(row.id, attempts, dead, next, errors.join("; "))
      return dead ? ("dead" as const) : ("retry" as const)
    })

  /**
   * Claims and delivers one batch of due events. Returns how many events
   * were processed (0 when idle).
   */
  const dispatchOnce: Effect.Effect<number> = Effect.gen(function* () {
    const options = yield* Ref.get(optionsRef)
    const nowMs = yield* Clock.currentTimeMillis
    const rows = yield* repo.claim(instance, instant(nowMs), instant(nowMs + LEASE_MS), options.batchSize)
    const delivered: Array<EventId> = []
    for (const row of rows) if ((yield* deliver(row, options)) === "delivered") delivered.push(row.id)
    // One write (one commit, one fsync on SQLite) marks the whole batch; a crash before it
    // redelivers the batch, which at-least-once consumers tolerate (event_deliveries dedupes).
    if (delivered.length > 0) yield* repo.markDelivered(delivered, instant(yield* Clock.currentTimeMillis))
    return rows.length
  }).pipe(Effect.withSpan("Events.dispatchOnce"))

  /** Runs the dispatcher until interrupted (fork it in a scope); a failed batch is logged and retried. */
  const run: Effect.Effect<never> = Effect.gen(function* () {
    while (true) {
      const n = yield* dispatchOnce.pipe(
        Effect.catchAllDefect((d) => Effect.logWarning("outbox dispatch failed", d).pipe(Effect.as(0)))
      )
      if (n === 0) yield* Effect.sleep((yield* Ref.get(optionsRef)).pollInterval)
    }
  })

  return { dispatchOnce, run } as const
}
