/**
 * The academics repository's SQL of timetable sync (issue 16 "Sync mode"):
 * the imported courses of a school with their source keys, re-keying a
 * course, and `timetable_sources` (a school's scheduled iCalendar URLs), of
 * which it is the only writer. The URL is stored envelope-encrypted by the
 * caller (`url_enc`); this file never sees it in clear.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { Course, CourseId, type SchoolId, TimetableSource } from "@signet/contracts/academics/Domain"
import { type DateTime, Effect, Option, Schema, Struct } from "effect"
import { bool, DbBool, DbJsonNullable, json } from "../../kernel/Sql.js"
import { exec, iso, span, tid } from "./Shared.js"

/** An imported course of a school: id, source key and start (ISO-8601 UTC). */
const SourcedCourse = Schema.Struct({ id: CourseId, source_key: Schema.String, start_at: Course.fields.start_at })
/** @see SourcedCourse */
export type SourcedCourse = typeof SourcedCourse.Type

/** A `timetable_sources` row: the domain's {@link TimetableSource} with its ciphertext and HTTP validators. */
export const SourceRow = Schema.Struct({
  ...Struct.omit(TimetableSource.fields, "enabled", "mapping"),
  enabled: DbBool,
  mapping: DbJsonNullable,
  url_enc: Schema.String,
  etag: Schema.NullOr(Schema.String),
  last_modified: Schema.NullOr(Schema.String)
})
/** @see SourceRow */
export type SourceRow = typeof SourceRow.Type

/** A new source as stored. */
export interface NewSource {
  readonly id: string
  readonly school_id: SchoolId
  readonly url_enc: string
  readonly url_hint: string
  readonly mapping: unknown
  readonly interval_minutes: number
  readonly enabled: boolean
  readonly at: DateTime.Utc
}

/** What a pull records on its source. */
export interface SourceState {
  readonly etag?: string | null | undefined
  readonly last_modified?: string | null | undefined
  readonly last_pulled_at: DateTime.Utc
  readonly next_pull_at: DateTime.Utc
  readonly last_status: "not_modified" | "synced" | "failed"
  readonly last_error: string | null
}

const decodeSources = Schema.decodeUnknown(Schema.Array(SourceRow))

/** SQL of the timetable sync and its sources. */
export const sourceQueries = (sql: SqlClient.SqlClient) => {
  const sources = (where: (tenant: string) => ReturnType<SqlClient.SqlClient["and"]>) =>
    Effect.flatMap(tid, (tenant) =>
      sql`SELECT * FROM timetable_sources WHERE ${where(tenant)} ORDER BY created_at, id`.pipe(
        Effect.flatMap(decodeSources)
      )
    )
  return {
    /** Every live course of the school that came from a timetable (its source key set). */
    sourcedCourses: (schoolId: SchoolId) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`SELECT id, source_key, start_at FROM courses WHERE tenant_id = ${tenant}
          AND school_id = ${schoolId} AND source_key IS NOT NULL AND deleted_at IS NULL`
      ).pipe(Effect.flatMap(Schema.decodeUnknown(Schema.Array(SourcedCourse))), span("sourcedCourses")),
    /**
     * Replaces the source keys of courses (a sync matched them by UID or
     * stable key), 500 per statement. The new keys must be free in the school.
     */
    setCourseSourceKeys: (pairs: ReadonlyArray<{ readonly id: CourseId; readonly sourceKey: string }>) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        for (let i = 0; i < pairs.length; i += 500) {
          const chunk = pairs.slice(i, i + 500)
          const cases = sql.join(" ", false)(chunk.map((p) => sql`WHEN ${p.id} THEN ${p.sourceKey}`))
          yield* sql`UPDATE courses SET source_key = CASE id ${cases} END
            WHERE tenant_id = ${tenant} AND ${sql.in(
              "id",
              chunk.map((p) => p.id)
            )}`
        }
      }).pipe(span("setCourseSourceKeys")),
    /** Stores a new source. */
    insertSource: (s: NewSource) =>
      exec(
        (tenant) => sql`INSERT INTO timetable_sources (tenant_id, id, school_id, url_enc, url_hint, mapping,
            interval_minutes, enabled, next_pull_at, created_at, updated_at)
          VALUES (${tenant}, ${s.id}, ${s.school_id}, ${s.url_enc}, ${s.url_hint},
            ${s.mapping === null ? null : json(s.mapping)}, ${s.interval_minutes}, ${bool(s.enabled)},
            ${iso(s.at)}, ${iso(s.at)}, ${iso(s.at)})`
      ).pipe(span("insertSource")),
    /** The tenant's sources, oldest first. */
    listSources: sources((tenant) => sql.and([sql`tenant_id = ${tenant}`])).pipe(span("listSources")),
    /** How many sources the tenant has. */
    countSources: Effect.flatMap(
      tid,
      (tenant) => sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM timetable_sources WHERE tenant_id = ${tenant}`
    ).pipe(
      Effect.map((r) => Number(r[0]?.n ?? 0)),
      span("countSources")
    ),
    /** A source of the tenant by id. */
    findSource: (id: string) =>
      sources((tenant) => sql.and([sql`tenant_id = ${tenant}`, sql`id = ${id}`])).pipe(
        Effect.map((r) => Option.fromNullable(r[0])),
        span("findSource")
      ),
    /** The enabled sources due at `now`. */
    dueSources: (now: DateTime.Utc) =>
      sources((tenant) =>
        sql.and([sql`tenant_id = ${tenant}`, sql`enabled = ${bool(true)}`, sql`next_pull_at <= ${iso(now)}`])
      ).pipe(span("dueSources")),
    /** Deletes a source; answers whether there was one. */
    deleteSource: (id: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`DELETE FROM timetable_sources WHERE tenant_id = ${tenant} AND id = ${id} RETURNING id`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("deleteSource")
      ),
    /** Records a pull's outcome (the validators only when given). */
    recordPull: (id: string, s: SourceState) =>
      exec(
        (tenant) => sql`UPDATE timetable_sources SET last_pulled_at = ${iso(s.last_pulled_at)},
            next_pull_at = ${iso(s.next_pull_at)}, last_status = ${s.last_status}, last_error = ${s.last_error},
            ${s.etag !== undefined ? sql`etag = ${s.etag},` : sql``}
            ${s.last_modified !== undefined ? sql`last_modified = ${s.last_modified},` : sql``}
            updated_at = ${iso(s.last_pulled_at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("recordPull"))
  } as const
}
