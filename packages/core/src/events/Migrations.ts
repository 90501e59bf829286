/**
 * Outbox tables. `outbox` is infrastructure, not tenant data: it is read by
 * the dispatcher across tenants and is never exposed through a tenant-scoped
 * query, so it carries `tenant_id` for filtering but no RLS policy.
 * `event_deliveries` records which subscriber has processed which event, so
 * a retried event is not delivered twice to a subscriber that already took it.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, type ModuleMigrations } from "../kernel/Migrations.js"

/** Events module migrations. */
export const eventsMigrations: ModuleMigrations = {
  module: "events",
  migrations: {
    "0001_outbox": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE outbox (
        id ${t.uuid} NOT NULL PRIMARY KEY,
        tenant_id ${t.uuid},
        type TEXT NOT NULL,
        source TEXT NOT NULL,
        subject TEXT,
        time ${t.ts} NOT NULL,
        data ${t.json} NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at ${t.ts},
        last_error TEXT,
        locked_by TEXT,
        locked_until ${t.ts},
        delivered_at ${t.ts}
      )`)
      yield* sql.unsafe(`CREATE INDEX outbox_pending ON outbox (status, next_attempt_at)`)
      yield* sql.unsafe(`CREATE TABLE event_deliveries (
        event_id ${t.uuid} NOT NULL,
        subscriber TEXT NOT NULL,
        delivered_at ${t.ts} NOT NULL,
        PRIMARY KEY (event_id, subscriber)
      )`)
    }),
    // The dispatcher's claim (issue 23): the oldest due pending events. Through
    // `outbox_pending` it read every due pending event and sorted them, so a backlog made
    // each claim slower (1.3 ms on average, up to 20 ms, during the sign burst, on the
    // server's one thread); this index holds only pending events, in claim order, with the
    // columns the claim filters on, so a claim reads its batch and stops.
    "0002_outbox_due": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(
        `CREATE INDEX outbox_due ON outbox (time, id, next_attempt_at, locked_until) WHERE status = 'pending'`
      )
    }),
    // How many times an event was claimed (issue 23): an event on its first claim was never
    // handed to a subscriber, so the dispatcher skips asking `event_deliveries` which
    // subscribers already took it. Events waiting at the upgrade count as claimed once, so
    // their next claim asks, as before.
    "0003_outbox_claims": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`ALTER TABLE outbox ADD COLUMN claims INTEGER NOT NULL DEFAULT 0`)
      yield* sql.unsafe(`UPDATE outbox SET claims = 1 WHERE status <> 'delivered'`)
    })
  }
}
