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
import { SqlClient } from "@effect/sql"
import { CloudEvent, type EventInput, OutboxEntry, OutboxStatus } from "@signet/contracts/events/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { NotFound } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Duration, Effect, Option, Ref, Schema } from "effect"
import { DbCount, DbJson, instant, json } from "../kernel/Sql.js"

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

const OutboxRow = Schema.Struct({
  id: Schema.String,
  tenant_id: Schema.NullOr(Schema.String),
  type: Schema.String,
  source: Schema.String,
  subject: Schema.NullOr(Schema.String),
  time: Schema.String,
  data: DbJson,
  status: OutboxStatus,
  attempts: DbCount,
  next_attempt_at: Schema.NullOr(Schema.String),
  last_error: Schema.NullOr(Schema.String),
  delivered_at: Schema.NullOr(Schema.String)
})
type OutboxRow = typeof OutboxRow.Type
const decodeRows = Schema.decodeUnknown(Schema.Array(OutboxRow))

const toCloudEvent = (row: OutboxRow): CloudEvent =>
  new CloudEvent({
    specversion: "1.0",
    id: row.id,
    source: row.source,
    type: row.type,
    ...(row.subject !== null ? { subject: row.subject } : {}),
    time: row.time,
    datacontenttype: "application/json",
    data: row.data,
    ...(row.tenant_id !== null ? { tenantid: row.tenant_id } : {})
  })

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

/** Retry delay after `attempts` failed attempts (exponential, capped, ±20 % jitter). */
export const backoff = (attempts: number, options: DispatcherOptions, random = Math.random()): Duration.Duration => {
  const base = Duration.toMillis(options.baseDelay) * 2 ** Math.max(0, attempts - 1)
  const capped = Math.min(base, Duration.toMillis(options.maxDelay))
  return Duration.millis(Math.round(capped * (0.8 + 0.4 * random)))
}

/**
 * Events service: publish (inside a transaction), subscribe, dispatch, and
 * dead-letter administration.
 */
export class Events extends Effect.Service<Events>()("Signet/Events", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
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
        const id = yield* newUuid
        const now = instant(yield* Clock.currentTimeMillis)
        const source = `/signet/${input.type.split(".")[1] ?? "core"}`
        const tenantId = Option.match(tenant, { onNone: () => null, onSome: (t) => t.id as string })
        yield* sql`INSERT INTO outbox (id, tenant_id, type, source, subject, time, data, status, attempts, next_attempt_at)
          VALUES (${id}, ${tenantId}, ${input.type}, ${source}, ${input.subject ?? null}, ${now}, ${json(
            input.data
          )}, 'pending', 0, ${now})`
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
      }).pipe(Effect.orDie)

    /** Registers (or replaces) an in-process subscriber. */
    const subscribe = (subscriber: Subscriber): Effect.Effect<void> =>
      Ref.update(subscribers, (m) => new Map(m).set(subscriber.name, subscriber))

    /** Overrides dispatcher tuning (tests, configuration). */
    const configure = (patch: Partial<DispatcherOptions>): Effect.Effect<void> =>
      Ref.update(optionsRef, (o) => ({ ...o, ...patch }))

    const matches = (sub: Subscriber, type: string) => sub.types.some((p) => p === "*" || type.startsWith(p))

    const claim = (now: string, until: string, limit: number) =>
      sql
        .onDialectOrElse({
          pg: () =>
            sql`UPDATE outbox SET locked_by = ${instance}, locked_until = ${until}
            WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ${now}
              AND (locked_until IS NULL OR locked_until < ${now})
              ORDER BY time, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
            RETURNING *`,
          orElse: () =>
            sql`UPDATE outbox SET locked_by = ${instance}, locked_until = ${until}
            WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ${now}
              AND (locked_until IS NULL OR locked_until < ${now})
              ORDER BY time, id LIMIT ${limit})
            RETURNING *`
        })
        .pipe(Effect.flatMap(decodeRows))

    const deliver = (row: OutboxRow, options: DispatcherOptions) =>
      Effect.gen(function* () {
        const event = toCloudEvent(row)
        const interested = [...(yield* Ref.get(subscribers)).values()].filter((s) => matches(s, row.type))
        // Subscribers that already processed this event (an earlier, partly failed attempt) are skipped.
        const done =
          interested.length === 0
            ? new Set<string>()
            : new Set(
                (yield* sql<{
                  subscriber: string
                }>`SELECT subscriber FROM event_deliveries WHERE event_id = ${row.id}`).map((r) => r.subscriber)
              )
        const targets = interested.filter((s) => !done.has(s.name))
        const errors: Array<string> = []
        for (const sub of targets) {
          const result = yield* sub
            .handle(event)
            .pipe(
              Effect.timeoutFail({ duration: options.handlerTimeout, onTimeout: () => "handler timed out" }),
              Effect.sandbox,
              Effect.either
            )
          if (result._tag === "Right") {
            const at = instant(yield* Clock.currentTimeMillis)
            yield* sql`INSERT INTO event_deliveries (event_id, subscriber, delivered_at) VALUES (${row.id}, ${sub.name}, ${at})
              ON CONFLICT (event_id, subscriber) DO NOTHING`
          } else {
            errors.push(`${sub.name}: ${String(result.left).slice(0, 500)}`)
          }
        }
        const nowMs = yield* Clock.currentTimeMillis
        // Delivered events are marked by the caller, one statement per batch.
        if (errors.length === 0) return "delivered" as const
        const attempts = row.attempts + 1
        const dead = attempts >= options.maxAttempts
        const next = instant(nowMs + Duration.toMillis(backoff(attempts, options)))
        yield* sql`UPDATE outbox SET attempts = ${attempts}, status = ${dead ? "dead" : "pending"},
            next_attempt_at = ${next}, last_error = ${errors.join("; ")}, locked_by = NULL, locked_until = NULL
          WHERE id = ${row.id}`
        return dead ? ("dead" as const) : ("retry" as const)
      })

    /**
     * Claims and delivers one batch of due events. Returns how many events
     * were processed (0 when idle).
     */
    const dispatchOnce: Effect.Effect<number> = Effect.gen(function* () {
      const options = yield* Ref.get(optionsRef)
      const nowMs = yield* Clock.currentTimeMillis
      const rows = yield* claim(instant(nowMs), instant(nowMs + 60_000), options.batchSize)
      const delivered: Array<string> = []
      for (const row of rows) if ((yield* deliver(row, options)) === "delivered") delivered.push(row.id)
      // One write (one commit, one fsync on SQLite) marks the whole batch; a crash before it
      // redelivers the batch, which at-least-once consumers tolerate (event_deliveries dedupes).
      if (delivered.length > 0) {
        const at = instant(yield* Clock.currentTimeMillis)
        yield* sql`UPDATE outbox SET status = 'delivered', delivered_at = ${at}, locked_by = NULL, locked_until = NULL
          WHERE ${sql.in("id", delivered)}`
      }
      return rows.length
    }).pipe(Effect.orDie, Effect.withSpan("Events.dispatchOnce"))

    /** Runs the dispatcher until interrupted (fork it in a scope). */
    const run: Effect.Effect<never> = Effect.gen(function* () {
      while (true) {
        const n = yield* dispatchOnce.pipe(
          Effect.catchAllDefect((d) => Effect.logWarning("outbox dispatch failed", d).pipe(Effect.as(0)))
        )
        if (n === 0) yield* Effect.sleep((yield* Ref.get(optionsRef)).pollInterval)
      }
    })

    /** Lists dead events (oldest first). */
    const dead = (limit = 100): Effect.Effect<ReadonlyArray<OutboxEntry>> =>
      sql`SELECT * FROM outbox WHERE status = 'dead' ORDER BY time, id LIMIT ${limit}`.pipe(
        Effect.flatMap(decodeRows),
        Effect.map((rows) => rows.map(toEntry)),
        Effect.orDie
      )

    /** Reads one outbox entry. */
    const get = (id: string): Effect.Effect<OutboxEntry, NotFound> =>
      sql`SELECT * FROM outbox WHERE id = ${id}`.pipe(
        Effect.flatMap(decodeRows),
        Effect.orDie,
        Effect.flatMap((rows) =>
          rows[0]
            ? Effect.succeed(toEntry(rows[0]))
            : Effect.fail(new NotFound({ message: `no event ${id}`, resource: "event", id }))
        )
      )

    /**
     * Puts a dead event back in the queue with a fresh attempt budget.
     * Subscribers that already processed it are not called again.
     */
    const replay = (id: string): Effect.Effect<OutboxEntry, NotFound> =>
      Effect.gen(function* () {
        const now = instant(yield* Clock.currentTimeMillis)
        const rows = yield* sql`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ${now},
            locked_by = NULL, locked_until = NULL
          WHERE id = ${id} AND status = 'dead' RETURNING *`.pipe(Effect.flatMap(decodeRows), Effect.orDie)
        if (rows[0]) return toEntry(rows[0])
        const existing = yield* get(id)
        return existing
      })

    /** Outbox figures for `/metrics`. */
    const stats: Effect.Effect<OutboxStats> = Effect.gen(function* () {
      const rows = yield* sql<{ status: string; n: unknown; oldest: string | null }>`
        SELECT status, COUNT(*) AS n, MIN(time) AS oldest FROM outbox WHERE status IN ('pending', 'dead') GROUP BY status`
      const nowMs = yield* Clock.currentTimeMillis
      const pending = rows.find((r) => r.status === "pending")
      const deadRow = rows.find((r) => r.status === "dead")
      return {
        pending: Number(pending?.n ?? 0),
        dead: Number(deadRow?.n ?? 0),
        lagSeconds: pending?.oldest ? Math.max(0, (nowMs - Date.parse(pending.oldest)) / 1000) : 0
      }
    }).pipe(Effect.orDie)

    return { publish, subscribe, configure, dispatchOnce, run, dead, get, replay, stats } as const
  })
}) {}
