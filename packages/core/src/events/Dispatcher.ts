/**
 * The outbox dispatcher (ARCHITECTURE §5 "Events"; issue 14 §3): claims due
 * events with a lease, delivers each to every matching in-process
 * subscriber that has not processed it yet, records per-subscriber success,
 * and schedules failures with exponential backoff until the event is dead.
 * Delivery is at least once.
 *
 * Bookkeeping is per batch, not per event (issue 23: on SQLite every
 * autocommitted write is an fsync, and a signature event has three
 * subscribers): one read of what was already processed, one write of the
 * batch's successes, one write marking the batch delivered. A crash between
 * a handler's success and that write hands the batch's events to their
 * subscribers again — at least once, as before, only over a batch rather
 * than one event; every subscriber is idempotent (the webhook deliveries,
 * usage events and mails are keyed by the event).
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
  /**
   * How many events of one batch this subscriber may handle at once
   * (default 1: one at a time, in the order they were published). Only for
   * subscribers whose events are independent of each other, such as sending
   * one queued mail each; anything that relays or projects events keeps 1.
   */
  readonly concurrency?: number | undefined
  /**
   * Processes all of one batch's events for this subscriber at once, in
   * publication order (in place of `handle`, which stays for callers that
   * hand over one event): a subscriber that writes a row per event does it
   * in one transaction per batch rather than one per event. Success or
   * failure applies to every event handed over; a failure retries them all,
   * so the handler must be idempotent per event (as every handler is).
   */
  readonly handleBatch?: ((events: ReadonlyArray<CloudEvent>) => Effect.Effect<void, unknown>) | undefined
}

/**
 * The events of a batch grouped by the tenant they belong to, each group in
 * publication order, tenants in order of first appearance; events without a
 * tenant (`tenantid` absent) are left out. For `handleBatch` subscribers
 * that write one transaction per tenant.
 */
export const byTenant = <E extends CloudEvent>(events: ReadonlyArray<E>): ReadonlyMap<string, ReadonlyArray<E>> => {
  const groups = new Map<string, Array<E>>()
  for (const event of events) {
    const tenantId = event.tenantid
    if (tenantId === undefined) continue
    const group = groups.get(tenantId)
    if (group === undefined) groups.set(tenantId, [event])
    else group.push(event)
  }
  return groups
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
  /**
   * How long the dispatcher waits before its next claim after a batch that
   * was not full (default 20 ms; Kafka's `linger.ms`). Under load the events
   * published meanwhile then share one batch — one claim, one delivered-mark
   * and one transaction per subscriber and tenant — instead of each claim
   * taking the two or three that arrived while the last batch ran. A full
   * batch is followed by the next claim at once; an empty one by
   * `pollInterval`. Adds at most this much to an event's delivery delay.
   */
  readonly linger: Duration.Duration
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
  linger: Duration.millis(20),
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
  /** One claimed event, the subscribers still to process it, those that did, and their errors so far. */
  interface Pending {
    readonly row: OutboxRow
    readonly event: CloudEvent
    readonly todo: ReadonlyArray<Subscriber>
    readonly succeeded: Array<string>
    readonly errors: Array<string>
  }

  /** The batch's events with the subscribers still to process each (those that already did are skipped). */
  const plan = (rows: ReadonlyArray<OutboxRow>, all: ReadonlyArray<Subscriber>) =>
    Effect.gen(function* () {
      const interested = rows.map((row) => all.filter((s) => matches(s, row.type)))
      // An event on its first claim was never handed to a subscriber: only the others are asked about.
      const asked = rows
        .filter((r, i) => r.claims > 1 && (interested[i] as ReadonlyArray<Subscriber>).length > 0)
        .map((r) => r.id)
      const done = yield* repo.processedBy(asked)
      return rows.map((row, i): Pending => {
        const skip = done.get(row.id)
        const todo = (interested[i] as ReadonlyArray<Subscriber>).filter((s) => !skip?.has(s.name))
        return { row, event: toCloudEvent(row), todo, succeeded: [], errors: [] }
      })
    })

  /** Hands `p`'s event to `sub`; a success or a failure is kept on `p` (written once per batch). */
  const handleOne = (p: Pending, sub: Subscriber, options: DispatcherOptions) =>
    Effect.gen(function* () {
      const result = yield* sub
        .handle(p.event)
        .pipe(
          Effect.timeoutFail({ duration: options.handlerTimeout, onTimeout: () => "handler timed out" }),
          Effect.sandbox,
          Effect.either
        )
      if (result._tag === "Right") p.succeeded.push(sub.name)
      else p.errors.push(`${sub.name}: ${String(result.left).slice(0, ERROR_CHARS)}`)
    })

  /** Records `p`'s outcome once every subscriber had its turn. */
  const settle = (p: Pending, options: DispatcherOptions) =>
    Effect.gen(function* () {
      // Delivered events are marked by the caller, one statement per batch.
      if (p.errors.length === 0) return "delivered" as const
      const attempts = p.row.attempts + 1
      const dead = attempts >= options.maxAttempts
      const nowMs = yield* Clock.currentTimeMillis
      const next = instant(nowMs + Duration.toMillis(backoff(attempts, options)))
      yield* repo.recordFailure(p.row.id, attempts, dead, next, p.errors.join("; "))
      return dead ? ("dead" as const) : ("retry" as const)
    })

  const parallel = (sub: Subscriber) => sub.handleBatch === undefined && (sub.concurrency ?? 1) > 1
  const ordered = (sub: Subscriber) => sub.handleBatch === undefined && !parallel(sub)

  /** Hands a batch subscriber its share of the batch at once; the outcome is kept on every event of it. */
  const handleShare = (
    share: ReadonlyArray<Pending>,
    sub: Subscriber,
    handleBatch: NonNullable<Subscriber["handleBatch"]>,
    options: DispatcherOptions
  ) =>
    Effect.gen(function* () {
      if (share.length === 0) return
      const result = yield* handleBatch(share.map((p) => p.event)).pipe(
        Effect.timeoutFail({ duration: options.handlerTimeout, onTimeout: () => "handler timed out" }),
        Effect.sandbox,
        Effect.either
      )
      for (const p of share)
        if (result._tag === "Right") p.succeeded.push(sub.name)
        else p.errors.push(`${sub.name}: ${String(result.left).slice(0, ERROR_CHARS)}`)
    })

  /**
   * Claims and delivers one batch of due events. Returns how many events
   * were processed (0 when idle). Each ordered subscriber sees the batch's
   * events one at a time in publication order; a subscriber with
   * `handleBatch` then gets its share of the batch in one call; a
   * subscriber with `concurrency` > 1 handles its share that many at once.
   */
  const dispatchOnce: Effect.Effect<number> = Effect.gen(function* () {
    const options = yield* Ref.get(optionsRef)
    const nowMs = yield* Clock.currentTimeMillis
    const rows = yield* repo.claim(instance, instant(nowMs), instant(nowMs + LEASE_MS), options.batchSize)
    const all = [...(yield* Ref.get(subscribers)).values()]
    const batch = yield* plan(rows, all)
    for (const p of batch) for (const sub of p.todo) if (ordered(sub)) yield* handleOne(p, sub, options)
    for (const sub of all)
      if (sub.handleBatch !== undefined)
        yield* handleShare(
          batch.filter((p) => p.todo.includes(sub)),
          sub,
          sub.handleBatch,
          options
        )
    for (const sub of all.filter(parallel)) {
      const share = batch.filter((p) => p.todo.includes(sub))
      yield* Effect.forEach(share, (p) => handleOne(p, sub, options), { concurrency: sub.concurrency, discard: true })
    }
    // Successes first (one statement), so a retried event skips the subscribers that are done.
    yield* repo.recordDeliveries(
      batch.flatMap((p) => p.succeeded.map((subscriber) => ({ id: p.row.id, subscriber }))),
      instant(yield* Clock.currentTimeMillis)
    )
    const delivered: Array<EventId> = []
    for (const p of batch) if ((yield* settle(p, options)) === "delivered") delivered.push(p.row.id)
    // One write (one commit, one fsync on SQLite) marks the whole batch; a crash before it
    // redelivers the batch, which at-least-once consumers tolerate (event_deliveries dedupes).
    if (delivered.length > 0) yield* repo.markDelivered(delivered, instant(yield* Clock.currentTimeMillis))
    return rows.length
  }).pipe(Effect.withSpan("Events.dispatchOnce"))

  /**
   * Runs the dispatcher until interrupted (fork it in a scope); a failed
   * batch is logged and retried. After an empty claim it sleeps
   * `pollInterval`, after a partial batch `linger`, after a full one not at all.
   */
  const run: Effect.Effect<never> = Effect.gen(function* () {
    while (true) {
      const n = yield* dispatchOnce.pipe(
        Effect.catchAllDefect((d) => Effect.logWarning("outbox dispatch failed", d).pipe(Effect.as(0)))
      )
      const options = yield* Ref.get(optionsRef)
      if (n === 0) yield* Effect.sleep(options.pollInterval)
      else if (n < options.batchSize && Duration.toMillis(options.linger) > 0) yield* Effect.sleep(options.linger)
    }
  })

  return { dispatchOnce, run } as const
}
