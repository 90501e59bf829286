/**
 * The outbox repository: all of the events module's SQL (ARCHITECTURE §1
 * "Repo.ts"; issue 14 §2). It is the only writer of `outbox` and
 * `event_deliveries`.
 *
 * `insert` runs on the caller's connection, so inside the caller's
 * transaction the event commits or rolls back with the change. Rows are
 * decoded once; SQL errors become defects. Each method has a span
 * `EventsRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { CloudEvent, EventId, OutboxStatus } from "@signet/contracts/events/Domain"
import { TenantId } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema } from "effect"
import { DbCount, DbJson, json, repoSpan } from "../kernel/Sql.js"

/** An `outbox` row. */
export const OutboxRow = Schema.Struct({
  id: EventId,
  tenant_id: Schema.NullOr(TenantId),
  type: Schema.String,
  source: Schema.String,
  subject: Schema.NullOr(Schema.String),
  time: Schema.String,
  data: DbJson,
  status: OutboxStatus,
  attempts: DbCount,
  next_attempt_at: Schema.NullOr(Schema.DateTimeUtc),
  last_error: Schema.NullOr(Schema.String),
  delivered_at: Schema.NullOr(Schema.DateTimeUtc),
  /** How many times the event was claimed, this claim included (1: never handed to a subscriber before). */
  claims: DbCount
})
/** @see OutboxRow */
export type OutboxRow = typeof OutboxRow.Type

/** A new event as stored: the CloudEvent's fields, its tenant (if any) and when it is first due. */
export interface NewOutboxEvent {
  readonly id: EventId
  readonly tenantId: TenantId | null
  readonly type: string
  readonly source: string
  readonly subject: string | null
  readonly time: string
  readonly data: unknown
}

/** An outbox row as its CloudEvent (CloudEvents 1.0, JSON data; `tenantid` extension when tenant-scoped). */
export const toCloudEvent = (row: OutboxRow): CloudEvent =>
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

/** `rows` by publication time, then id (the outbox's `ORDER BY time, id`). */
const oldestFirst = (rows: ReadonlyArray<OutboxRow>): ReadonlyArray<OutboxRow> =>
  [...rows].sort((a, b) => (a.time === b.time ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.time < b.time ? -1 : 1))

/** The events module's SQL; see the module comment. */
export class EventsRepo extends Effect.Service<EventsRepo>()("Signet/EventsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const span = repoSpan("EventsRepo")
    const rows = Schema.decodeUnknown(Schema.Array(OutboxRow))

    const findQ = SqlSchema.findOne({
      Request: EventId,
      Result: OutboxRow,
      execute: (id) => sql`SELECT * FROM outbox WHERE id = ${id}`
    })
    const deadQ = SqlSchema.findAll({
      Request: Schema.Number,
      Result: OutboxRow,
      execute: (limit) => sql`SELECT * FROM outbox WHERE status = 'dead' ORDER BY time, id LIMIT ${limit}`
    })
    const statsQ = SqlSchema.findAll({
      Request: Schema.Void,
      Result: Schema.Struct({ status: Schema.String, n: DbCount, oldest: Schema.NullOr(Schema.String) }),
      execute: () =>
        sql`SELECT status, COUNT(*) AS n, MIN(time) AS oldest FROM outbox
          WHERE status IN ('pending', 'dead') GROUP BY status`
    })

    return {
      /** Stores a new pending event, due at once (on the caller's connection). */
      insert: (e: NewOutboxEvent) =>
        sql`INSERT INTO outbox (id, tenant_id, type, source, subject, time, data, status, attempts, next_attempt_at)
          VALUES (${e.id}, ${e.tenantId}, ${e.type}, ${e.source}, ${e.subject}, ${e.time}, ${json(e.data)},
            'pending', 0, ${e.time})`.pipe(Effect.asVoid, span("insert")),

      /**
       * Leases up to `limit` due pending events to `instance` until `until`
       * (`FOR UPDATE SKIP LOCKED` on Postgres, so replicas never take the same
       * batch), oldest first. Each claim counts in the row's `claims`.
       */
      claim: (instance: string, now: string, until: string, limit: number) =>
        sql
          .onDialectOrElse({
            pg: () =>
              sql`UPDATE outbox SET locked_by = ${instance}, locked_until = ${until}, claims = claims + 1
              WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ${now}
                AND (locked_until IS NULL OR locked_until < ${now})
                ORDER BY time, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
              RETURNING *`,
            // SQLite's planner prefers `outbox_pending` and sorts; `outbox_due` reads the batch
            // in order and stops (migration 0002).
            orElse: () =>
              sql`UPDATE outbox SET locked_by = ${instance}, locked_until = ${until}, claims = claims + 1
              WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_due WHERE status = 'pending' AND next_attempt_at <= ${now}
                AND (locked_until IS NULL OR locked_until < ${now})
                ORDER BY time, id LIMIT ${limit})
              RETURNING *`
          })
          // RETURNING does not keep the subquery's order (Postgres hands rows back in
          // physical order), so the batch is sorted here: oldest first, as documented.
          .pipe(Effect.flatMap(rows), Effect.map(oldestFirst), span("claim")),

      /**
       * The subscribers that already processed each of events `ids` (an
       * earlier, partly failed attempt; a batch redelivered after a crash),
       * in one query: event id → subscriber names. Events nobody processed are absent.
       */
      processedBy: (ids: ReadonlyArray<EventId>) =>
        (ids.length === 0
          ? Effect.succeed([] as ReadonlyArray<{ readonly event_id: string; readonly subscriber: string }>)
          : sql<{ event_id: string; subscriber: string }>`SELECT CAST(event_id AS TEXT) AS event_id, subscriber
              FROM event_deliveries WHERE ${sql.in("event_id", ids)}`
        ).pipe(
          Effect.map((r) => {
            const done = new Map<string, Set<string>>()
            for (const x of r) done.set(x.event_id, (done.get(x.event_id) ?? new Set()).add(x.subscriber))
            return done as ReadonlyMap<string, ReadonlySet<string>>
          }),
          span("processedBy")
        ),

      /** Records that each `subscriber` processed its event `id`, in one statement (idempotent). */
      recordDeliveries: (done: ReadonlyArray<{ readonly id: EventId; readonly subscriber: string }>, at: string) =>
        done.length === 0
          ? Effect.void
          : sql`INSERT INTO event_deliveries ${sql.insert(
              done.map((d) => ({ event_id: d.id, subscriber: d.subscriber, delivered_at: at }))
            )} ON CONFLICT (event_id, subscriber) DO NOTHING`.pipe(Effect.asVoid, span("recordDeliveries")),

      /** Records a failed attempt: the next try at `next`, or `dead` when the budget is spent. */
      recordFailure: (id: EventId, attempts: number, dead: boolean, next: string, error: string) =>
        sql`UPDATE outbox SET attempts = ${attempts}, status = ${dead ? "dead" : "pending"},
            next_attempt_at = ${next}, last_error = ${error}, locked_by = NULL, locked_until = NULL
          WHERE id = ${id}`.pipe(Effect.asVoid, span("recordFailure")),

      /** Marks a batch of events delivered, in one statement (one commit). */
      markDelivered: (ids: ReadonlyArray<EventId>, at: string) =>
        sql`UPDATE outbox SET status = 'delivered', delivered_at = ${at}, locked_by = NULL, locked_until = NULL
          WHERE ${sql.in("id", ids)}`.pipe(Effect.asVoid, span("markDelivered")),

      /** Dead events, oldest first. */
      dead: (limit: number) => deadQ(limit).pipe(span("dead")),

      /** A tenant's events with `time` in `[since, until)` (ISO instants), oldest first, at most `limit`. */
      tenantRange: (tenant: string, since: string, until: string, limit: number) =>
        sql`SELECT * FROM outbox WHERE tenant_id = ${tenant} AND time >= ${since} AND time < ${until}
          ORDER BY time, id LIMIT ${limit}`.pipe(Effect.flatMap(rows), span("tenantRange")),

      /** One outbox row. */
      find: (id: EventId) => findQ(id).pipe(span("find")),

      /** Puts a dead event back in the queue with a fresh attempt budget; none when it is not dead. */
      requeueDead: (id: EventId, now: string) =>
        sql`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ${now},
            locked_by = NULL, locked_until = NULL
          WHERE id = ${id} AND status = 'dead' RETURNING *`.pipe(
          Effect.flatMap(rows),
          Effect.map((r) => Option.fromNullable(r[0])),
          span("requeueDead")
        ),

      /** Pending and dead counts with the oldest event time of each. */
      stats: statsQ(undefined).pipe(span("stats"))
    } as const
  })
}) {}
