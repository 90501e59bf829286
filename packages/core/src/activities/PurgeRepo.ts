/**
 * The SQL of the retention purge (issue 22 "deleted with their target's
 * retention rules"): hard deletes of soft-deleted activities whose
 * `deleted_at` is before a cutoff, merged into `ActivitiesRepo`
 * (`Repo.ts`), the only writer of these tables. Same rules as `Repo.ts`:
 * the tenant from `CurrentTenant`, callers inside `tenantTx`. Each method
 * handles at most `limit` rows, oldest deletion first.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { Target } from "@signet/contracts/activities/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Schema } from "effect"
import { DbCount, instant, repoSpan } from "../kernel/Sql.js"

/** The soft-deletable tables the purge empties by id (attachments have their own method). */
export type PurgeTable =
  | "activity_notes"
  | "activity_tasks"
  | "activity_calls"
  | "activity_events"
  | "activity_carbon_footprints"

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const Ids = Schema.Array(Schema.Struct({ id: Schema.String }))
const Shas = Schema.Array(Schema.Struct({ sha256: Schema.String }))

/** The SQL of the retention purge. */
export const purgeQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  /** Ids of `table`'s rows of the tenant soft-deleted before `cutoff`, oldest deletion first, at most `limit`. */
  const expired = (t: string, table: PurgeTable | "activity_attachments", cutoff: DateTime.Utc, limit: number) =>
    Effect.flatMap(
      sql`SELECT id FROM ${sql(table)} WHERE tenant_id = ${t} AND deleted_at IS NOT NULL
        AND deleted_at < ${instant(cutoff)} ORDER BY deleted_at, id LIMIT ${limit}`,
      Schema.decodeUnknown(Ids)
    ).pipe(Effect.map((rows) => rows.map((r) => r.id)))
  return {
    /**
     * Soft-deletes every live note, task, call log, event, footprint and
     * attachment of `target` (its target was deleted; issue 22 retention):
     * `deleted_at` set to `now`, a deleted event's attendee rows removed as
     * a single delete does; answers how many rows of each table changed.
     */
    softDeleteTarget: (target: Target, now: DateTime.Utc) =>
      Effect.gen(function* () {
        const t = yield* tid
        const changed: Record<string, number> = {}
        const tables = [
          "activity_notes",
          "activity_tasks",
          "activity_calls",
          "activity_events",
          "activity_carbon_footprints",
          "activity_attachments"
        ] as const
        for (const table of tables) {
          const rows = yield* sql<{ id: string }>`UPDATE ${sql(table)} SET deleted_at = ${instant(now)}
            WHERE tenant_id = ${t} AND target_type = ${target.target_type} AND target_id = ${target.target_id}
            AND deleted_at IS NULL RETURNING id`
          if (table === "activity_events" && rows.length > 0)
            yield* sql`DELETE FROM activity_event_attendees WHERE tenant_id = ${t} AND ${sql.in(
              "event_id",
              rows.map((r) => r.id)
            )}`
          changed[table] = rows.length
        }
        return changed as Readonly<Record<(typeof tables)[number], number>>
      }).pipe(span("softDeleteTarget")),
    /**
     * Hard-deletes up to `limit` rows of `table` soft-deleted before
     * `cutoff` (with what hangs on them: an event's attendee rows; a note's
     * link from call logs is cleared); answers how many were deleted.
     */
    purgeExpired: (table: PurgeTable, cutoff: DateTime.Utc, limit: number) =>
      Effect.gen(function* () {
        const t = yield* tid
        const ids = yield* expired(t, table, cutoff, limit)
        if (ids.length === 0) return 0
        if (table === "activity_notes")
          yield* sql`UPDATE activity_calls SET note_id = NULL WHERE tenant_id = ${t} AND ${sql.in("note_id", ids)}`
        if (table === "activity_events")
          yield* sql`DELETE FROM activity_event_attendees WHERE tenant_id = ${t} AND ${sql.in("event_id", ids)}`
        yield* sql`DELETE FROM ${sql(table)} WHERE tenant_id = ${t} AND ${sql.in("id", ids)}`
        return ids.length
      }).pipe(span(`purgeExpired.${table}`)),
    /**
     * Hard-deletes up to `limit` attachments soft-deleted before `cutoff`
     * with all their versions, then the blob rows no remaining version of
     * the tenant (live or soft-deleted) references; answers how many
     * attachments went and the hashes of the blob rows deleted (the caller
     * deletes those from the store).
     */
    purgeExpiredAttachments: (cutoff: DateTime.Utc, limit: number) =>
      Effect.gen(function* () {
        const t = yield* tid
        const ids = yield* expired(t, "activity_attachments", cutoff, limit)
        if (ids.length === 0) return { attachments: 0, blobs: [] as ReadonlyArray<string> }
        const shas = yield* Effect.flatMap(
          sql`SELECT DISTINCT sha256 FROM activity_attachment_versions WHERE tenant_id = ${t}
            AND ${sql.in("attachment_id", ids)}`,
          Schema.decodeUnknown(Shas)
        )
        yield* sql`DELETE FROM activity_attachment_versions WHERE tenant_id = ${t} AND ${sql.in("attachment_id", ids)}`
        yield* sql`DELETE FROM activity_attachments WHERE tenant_id = ${t} AND ${sql.in("id", ids)}`
        const blobs: Array<string> = []
        for (const { sha256 } of shas) {
          const refs = yield* Effect.flatMap(
            sql`SELECT COUNT(*) AS n FROM activity_attachment_versions WHERE tenant_id = ${t} AND sha256 = ${sha256}`,
            count
          )
          if ((refs[0]?.n ?? 0) > 0) continue
          yield* sql`DELETE FROM activity_attachment_blobs WHERE tenant_id = ${t} AND sha256 = ${sha256}`
          blobs.push(sha256)
        }
        return { attachments: ids.length, blobs: blobs as ReadonlyArray<string> }
      }).pipe(span("purgeExpiredAttachments"))
  } as const
}
