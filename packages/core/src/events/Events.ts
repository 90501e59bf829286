/**
 * Transactional outbox and its dispatcher (ARCHITECTURE §5 "Events").
 *
 * `publish` inserts a CloudEvent into `outbox` using the caller's SQL
 * connection: inside a service's transaction it commits or rolls back with the
 * change, so a failed transaction publishes nothing.
 *
 * The dispatcher claims due events with a lease (`locked_by`/`locked_until`;
 * `FOR UPDATE SKIP LOCKED` on Postgres so replicas never take the same batch),
 * delivers each to every matching in-process subscriber that has not yet
 * processed it, and records per-subscriber success in `event_deliveries`.
 * Failures are retried with exponential backoff (1 s doubling, capped at
 * 5 min, ±20 % jitter); after `maxAttempts` the event becomes `dead`, listable
 * and replayable from the CLI. Delivery is at least once; subscribers are
 * expected to be idempotent by event id.
 *
 * @module
 */
import { CloudEvent, EventId, type EventInput, OutboxEntry } from "@signet/contracts/events/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { NotFound } from "@signet/contracts/kernel/Errors"
import { newId, newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Option, Ref } from "effect"
import { instant } from "../kernel/Sql.js"
import { type DispatcherOptions, defaultDispatcherOptions, makeDispatcher, type Subscriber } from "./Dispatcher.js"
import { EventsRepo, type OutboxRow, toCloudEvent } from "./Repo.js"

export { backoff, byTenant, type DispatcherOptions, defaultDispatcherOptions, type Subscriber } from "./Dispatcher.js"
export { toCloudEvent } from "./Repo.js"

/** An outbox row with its delivery state, for dead-letter administration. */
const toEntry = (row: OutboxRow): OutboxEntry =>
  new OutboxEntry({
    event: toCloudEvent(row),
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.next_attempt_at,
    last_error: row.last_error,
    delivered_at: row.delivered_at
  })

/** Outbox figures for `/metrics`. */
export interface OutboxStats {
  readonly pending: number
  readonly dead: number
  /** Age in seconds of the oldest pending event (0 when none). */
  readonly lagSeconds: number
}

/**
 * Events service: publish (inside a transaction), subscribe, dispatch, and
 * dead-letter administration.
 */
export class Events extends Effect.Service<Events>()("Signet/Events", {
  effect: Effect.gen(function* () {
    const repo = yield* EventsRepo
    const subscribers = yield* Ref.make<ReadonlyMap<string, Subscriber>>(new Map())
    const instance = yield* newUuid
    const optionsRef = yield* Ref.make(defaultDispatcherOptions)

    /**
     * Writes an event to the outbox with the caller's connection (so inside
     * the caller's transaction). `source` is `/signet/<module>`, taken from the
     * type's second segment. The tenant comes from `CurrentTenant` when present.
     */
    const publish = (input: EventInput): Effect.Effect<CloudEvent> =>
      Effect.gen(function* () {
        const tenant = yield* Effect.serviceOption(CurrentTenant)
        const id = yield* newId(EventId)
        const now = instant(yield* Clock.currentTimeMillis)
        const source = `/signet/${input.type.split(".")[1] ?? "core"}`
        const tenantId = Option.match(tenant, { onNone: () => null, onSome: (t) => t.id })
        yield* repo.insert({
          id,
          tenantId,
          type: input.type,
          source,
          subject: input.subject ?? null,
          time: now,
          data: input.data
        })
        return new CloudEvent({
          specversion: "1.0",
          id,
          source,
          type: input.type,
          ...(input.subject !== undefined ? { subject: input.subject } : {}),
          time: now,
          datacontenttype: "application/json",
          data: input.data,
          ...(tenantId !== null ? { tenantid: tenantId } : {})
        })
      })

    /** Registers (or replaces) an in-process subscriber. */
    const subscribe = (subscriber: Subscriber): Effect.Effect<void> =>
      Ref.update(subscribers, (m) => new Map(m).set(subscriber.name, subscriber))

    /** Overrides dispatcher tuning (tests, configuration). */
    const configure = (patch: Partial<DispatcherOptions>): Effect.Effect<void> =>
      Ref.update(optionsRef, (o) => ({ ...o, ...patch }))

    const { dispatchOnce, run } = makeDispatcher({ repo, subscribers, options: optionsRef, instance })

    /** Lists dead events (oldest first). */
    const dead = (limit = 100): Effect.Effect<ReadonlyArray<OutboxEntry>> =>
      Effect.map(repo.dead(limit), (rows) => rows.map(toEntry))

    /** Reads one outbox entry. @errors NotFound */
    const get = (id: EventId): Effect.Effect<OutboxEntry, NotFound> =>
      Effect.flatMap(repo.find(id), (row) =>
        Option.isSome(row)
          ? Effect.succeed(toEntry(row.value))
          : Effect.fail(new NotFound({ message: `no event ${id}`, resource: "event", id }))
      )

    /**
     * Puts a dead event back in the queue with a fresh attempt budget.
     * Subscribers that already processed it are not called again. An event
     * that is not dead is returned as it is.
     * @errors NotFound
     */
    const replay = (id: EventId): Effect.Effect<OutboxEntry, NotFound> =>
      Effect.gen(function* () {
        const now = instant(yield* Clock.currentTimeMillis)
        const requeued = yield* repo.requeueDead(id, now)
        return Option.isSome(requeued) ? toEntry(requeued.value) : yield* get(id)
      })

    /** Outbox figures for `/metrics`. */
    const stats: Effect.Effect<OutboxStats> = Effect.gen(function* () {
      const rows = yield* repo.stats
      const nowMs = yield* Clock.currentTimeMillis
      const pending = rows.find((r) => r.status === "pending")
      const deadRow = rows.find((r) => r.status === "dead")
      return {
        pending: pending?.n ?? 0,
        dead: deadRow?.n ?? 0,
        lagSeconds: pending?.oldest ? Math.max(0, (nowMs - Date.parse(pending.oldest)) / 1000) : 0
      }
    })

    /**
     * The current tenant's events with `time` in `[since, until)`, oldest
     * first, at most `limit` (webhook recovery of events an endpoint missed).
     */
    const inRange = (
      since: DateTime.Utc,
      until: DateTime.Utc,
      limit: number
    ): Effect.Effect<ReadonlyArray<CloudEvent>, never, CurrentTenant> =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const found = yield* repo
          .tenantRange(tenant.id, DateTime.formatIso(since), DateTime.formatIso(until), limit)
          .pipe(Effect.orDie)
        return found.map(toCloudEvent)
      })

    return { publish, subscribe, configure, dispatchOnce, run, dead, get, replay, stats, inRange } as const
  }),
  dependencies: [EventsRepo.Default]
}) {}
