/**
 * The broker relay's SQL (issue 21 §2): the only writer of `broker_relay`,
 * the relay's per-event sent marker. A row is written when the outbox
 * dispatcher hands the relay an event, and marked `relayed_at` only after
 * the broker acknowledged it. The table is infrastructure like the outbox
 * (read across tenants by the relay job, never through a tenant-scoped
 * query), so it carries `tenant_id` but no row-level security. SQL errors
 * become defects; each method has a span `RelayRepo.<method>`.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { DbCount, repoSpan } from "../kernel/Sql.js"

/** A pending `broker_relay` row: what the relay publishes. */
export const RelayRow = Schema.Struct({
  event_id: Schema.String,
  tenant_id: Schema.NullOr(Schema.String),
  type: Schema.String,
  payload: Schema.String,
  attempts: DbCount
})
/** @see RelayRow */
export type RelayRow = typeof RelayRow.Type

/** A new row: the event's id, tenant, type, CloudEvent JSON and when it was handed over (ISO instant). */
export interface NewRelayRow {
  readonly event_id: string
  readonly tenant_id: string | null
  readonly type: string
  readonly payload: string
  readonly at: string
}

/** The relay's SQL; see the module comment. */
export class RelayRepo extends Effect.Service<RelayRepo>()("Signet/RelayRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const span = repoSpan("RelayRepo")
    const rows = Schema.decodeUnknown(Schema.Array(RelayRow))
    return {
      /** Stores an event to relay; an event already stored (a redelivery) adds nothing. */
      enqueue: (r: NewRelayRow) =>
        sql`INSERT INTO broker_relay (event_id, tenant_id, type, payload, created_at, next_attempt_at, attempts)
          VALUES (${r.event_id}, ${r.tenant_id}, ${r.type}, ${r.payload}, ${r.at}, ${r.at}, 0)
          ON CONFLICT (event_id) DO NOTHING`.pipe(Effect.asVoid, span("enqueue")),

      /** Up to `limit` rows not yet relayed and due at `now`, in outbox order (oldest first). */
      due: (now: string, limit: number) =>
        sql`SELECT event_id, tenant_id, type, payload, attempts FROM broker_relay
          WHERE relayed_at IS NULL AND next_attempt_at <= ${now}
          ORDER BY created_at, event_id LIMIT ${limit}`.pipe(Effect.flatMap(rows), span("due")),

      /** Marks acknowledged events relayed, in one statement (one commit). */
      markRelayed: (ids: ReadonlyArray<string>, at: string) =>
        ids.length === 0
          ? Effect.void
          : sql`UPDATE broker_relay SET relayed_at = ${at}, last_error = NULL
              WHERE ${sql.in("event_id", ids)}`.pipe(Effect.asVoid, span("markRelayed")),

      /** Records a failed publish of one event: its attempt count, error and next try. */
      recordFailure: (id: string, attempts: number, next: string, error: string) =>
        sql`UPDATE broker_relay SET attempts = ${attempts}, next_attempt_at = ${next}, last_error = ${error}
          WHERE event_id = ${id}`.pipe(Effect.asVoid, span("recordFailure")),

      /** Deletes relayed rows older than `before`; answers how many. */
      prune: (before: string) =>
        sql`DELETE FROM broker_relay WHERE relayed_at IS NOT NULL AND relayed_at < ${before}
          RETURNING event_id`.pipe(
          Effect.map((r) => r.length),
          span("prune")
        ),

      /** Rows not yet relayed (`/metrics`, tests). */
      pending: sql`SELECT COUNT(*) AS n FROM broker_relay WHERE relayed_at IS NULL`.pipe(
        Effect.map((r) => Number((r[0] as { n: unknown }).n)),
        span("pending")
      )
    } as const
  })
}) {}
