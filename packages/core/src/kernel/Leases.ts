/**
 * Leader leases for background jobs (ARCHITECTURE §6: job leases live in the
 * database, never in process memory alone; every job — close, period close,
 * OAuth refresh, reminders — runs on one leader at a time). One row per job
 * name in the platform table `job_leases`: the holder whose lease has not
 * expired is the leader; it renews on every run.
 *
 * The kernel owns the table (issue 14 §2: no module's table under the
 * kernel): {@link leaseMigrations} creates it when absent. Databases created
 * before this set already have it (the attendance module's first migration
 * used to create it), so the migration leaves them unchanged. This module is
 * the only reader and writer of `job_leases`.
 *
 * The acquisition is one conditional UPSERT, atomic on both SQLite and
 * Postgres: it takes the row when it is missing, expired, or already ours.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { ddl, type ModuleMigrations } from "./Migrations.js"

/**
 * The lease table's migrations (module `leases`): `job_leases (name PRIMARY
 * KEY, holder, expires_at)` with `expires_at` in epoch milliseconds, created
 * only when absent. It goes after `kernelMigrations` (on Postgres that set
 * gives the application role its DML on tables created after it), before or
 * after the attendance set.
 */
export const leaseMigrations: ModuleMigrations = {
  module: "leases",
  migrations: {
    "0001_job_leases": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS job_leases (
        name TEXT NOT NULL PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at ${t.bigint} NOT NULL
      )`)
    })
  }
}

/**
 * Tries to take (or renew) the lease `name` for `holder` for `ttlMs`
 * milliseconds. Answers true when `holder` is now the leader.
 * SQL errors are defects.
 */
export const acquireLease = (
  name: string,
  holder: string,
  ttlMs: number
): Effect.Effect<boolean, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const now = yield* Clock.currentTimeMillis
    const rows = yield* sql<{ holder: string }>`INSERT INTO job_leases (name, holder, expires_at)
      VALUES (${name}, ${holder}, ${now + ttlMs})
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < ${now}
      RETURNING holder`.pipe(Effect.orDie)
    return rows.length > 0 && rows[0]!.holder === holder
  }).pipe(Effect.withSpan("Leases.acquire", { attributes: { name } }))

/** Gives the lease up (on shutdown) so another replica can take over at once. SQL errors are defects. */
export const releaseLease = (name: string, holder: string): Effect.Effect<void, never, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.asVoid(sql`DELETE FROM job_leases WHERE name = ${name} AND holder = ${holder}`.pipe(Effect.orDie))
  ).pipe(Effect.withSpan("Leases.release", { attributes: { name } }))
