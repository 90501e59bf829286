/**
 * Leader leases for background jobs (ARCHITECTURE §6: job leases live in the
 * database, never in process memory alone). One row per job name in the
 * platform table `job_leases` (created by the attendance migrations): the
 * holder whose lease has not expired is the leader; it renews on every run.
 *
 * The acquisition is one conditional UPSERT, atomic on both SQLite and
 * Postgres: it takes the row when it is missing, expired, or already ours.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"

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
  })

/** Gives the lease up (on shutdown) so another replica can take over at once. */
export const releaseLease = (name: string, holder: string): Effect.Effect<void, never, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.asVoid(sql`DELETE FROM job_leases WHERE name = ${name} AND holder = ${holder}`.pipe(Effect.orDie))
  )
