/**
 * The academics repository's SQL of academic sessions (issue 16): the only writer of
 * `academic_sessions`, the OneRoster school years, terms, semesters and grading
 * periods a roster import stores per school (`school_id` null: a session of several
 * or no known school, which applies to every school of the tenant). Dates are ISO
 * `YYYY-MM-DD` text as written in the file (end date inclusive).
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { AcademicSession } from "@signet/contracts/academics/Domain"
import { type DateTime, Effect, Schema } from "effect"
import { exec, iso, span, tid } from "./Shared.js"

/** A stored session as the import compares it (live or soft-deleted). */
const SourcedSession = Schema.Struct({
  ...AcademicSession.fields,
  deleted_at: Schema.NullOr(Schema.String)
})
/** @see SourcedSession */
export type SourcedSession = typeof SourcedSession.Type

/** The columns an import writes (everything but the id and the timestamps). */
export type SessionColumns = Omit<AcademicSession, "id">

const COLUMNS = "id, school_id, source_id, type, title, start_date, end_date, parent_source_id, school_year"

/** SQL of academic sessions. */
export const sessionQueries = (sql: SqlClient.SqlClient) => {
  const sourcedQ = SqlSchema.findAll({
    Request: Schema.String,
    Result: SourcedSession,
    execute: (tenant) => sql`SELECT ${sql.literal(COLUMNS)}, deleted_at FROM academic_sessions
      WHERE tenant_id = ${tenant}`
  })
  const ofSchoolQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, school: Schema.String, type: Schema.UndefinedOr(Schema.String) }),
    Result: AcademicSession,
    execute: (r) => sql`SELECT ${sql.literal(COLUMNS)} FROM academic_sessions
      WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL AND (school_id = ${r.school} OR school_id IS NULL)
      ${r.type === undefined ? sql`` : sql`AND type = ${r.type}`}
      ORDER BY COALESCE(start_date, '9999-99-99'), COALESCE(end_date, '') DESC, source_id`
  })

  return {
    /** Every stored session of the tenant (live or soft-deleted), for the import. */
    sourcedSessions: Effect.flatMap(tid, sourcedQ).pipe(span("sourcedSessions")),
    /** Stores a new session. */
    insertSession: (id: string, s: SessionColumns, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`INSERT INTO academic_sessions (tenant_id, id, school_id, source_id, type, title, start_date,
            end_date, parent_source_id, school_year, created_at, updated_at)
          VALUES (${tenant}, ${id}, ${s.school_id}, ${s.source_id}, ${s.type}, ${s.title}, ${s.start_date},
            ${s.end_date}, ${s.parent_source_id}, ${s.school_year}, ${iso(at)}, ${iso(at)})`
      ).pipe(span("insertSession")),
    /** Rewrites a session (and brings it back if it was soft-deleted). */
    updateSession: (id: string, s: SessionColumns, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`UPDATE academic_sessions SET school_id = ${s.school_id}, type = ${s.type}, title = ${s.title},
            start_date = ${s.start_date}, end_date = ${s.end_date}, parent_source_id = ${s.parent_source_id},
            school_year = ${s.school_year}, deleted_at = NULL, updated_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("updateSession")),
    /** Soft-deletes a session (a `tobedeleted` row of the file). */
    deleteSession: (id: string, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`UPDATE academic_sessions SET deleted_at = ${iso(at)}, updated_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("deleteSession")),
    /**
     * The live sessions of a school — its own and the tenant-wide ones (`school_id`
     * null) — by start date, the longer first (a year before its first term), undated
     * last; only those of `type` when given (`schoolYear`…).
     */
    schoolSessions: (schoolId: string, type?: string) =>
      Effect.flatMap(tid, (tenant) => ofSchoolQ({ tenant, school: schoolId, type })).pipe(span("schoolSessions"))
  } as const
}
