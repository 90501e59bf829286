/**
 * The academics repository's SQL of schools, their preferences, soft
 * deletion and the tenant's academics version (issue 14 §2), including the
 * reads and writes of the OneRoster import (schools by source id).
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { School, SchoolId, type SchoolPreferences } from "@signet/contracts/academics/Domain"
import { type DateTime, Effect, Schema } from "effect"
import { bool } from "../../kernel/Sql.js"
import { type PageParams, PreferencesFromRow, type SoftDeletable } from "../Rows.js"
import { exec, iso, pageOf, span, tid, unique } from "./Shared.js"

/** An imported school as the OneRoster import compares it (live or soft-deleted). */
const SourcedSchool = Schema.Struct({
  id: SchoolId,
  source_id: Schema.String,
  name: Schema.String,
  code: Schema.NullOr(Schema.String),
  deleted_at: Schema.NullOr(Schema.String)
})
/** @see SourcedSchool */
export type SourcedSchool = typeof SourcedSchool.Type

/** SQL of schools, their preferences, soft deletion and the academics version. */
export const schoolQueries = (sql: SqlClient.SqlClient) => {
  const schoolQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, id: Schema.String }),
    Result: School,
    execute: (r) => sql`SELECT * FROM schools WHERE tenant_id = ${r.tenant} AND id = ${r.id} AND deleted_at IS NULL`
  })
  const preferencesQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, school: Schema.String }),
    Result: PreferencesFromRow,
    execute: (r) => sql`SELECT * FROM school_preferences WHERE tenant_id = ${r.tenant} AND school_id = ${r.school}`
  })
  const sourcedQ = SqlSchema.findAll({
    Request: Schema.String,
    Result: SourcedSchool,
    execute: (tenant) => sql`SELECT id, source_id, name, code, deleted_at FROM schools
      WHERE tenant_id = ${tenant} AND source_id IS NOT NULL`
  })
  const schoolPageQ = pageOf(sql, "schools", School)
  const schoolCodesQ = SqlSchema.findAll({
    Request: Schema.String,
    Result: Schema.Struct({ id: SchoolId, code: Schema.String }),
    execute: (tenant) => sql`SELECT id, code FROM schools
      WHERE tenant_id = ${tenant} AND code IS NOT NULL AND deleted_at IS NULL`
  })

  const schoolKeyQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, key: Schema.String }),
    Result: Schema.Struct({ id: SchoolId }),
    execute: (r) => sql`SELECT id FROM schools WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL
      AND (code = ${r.key} OR source_id = ${r.key}) ORDER BY id LIMIT 2`
  })

  return {
    /**
     * The live schools whose code or OneRoster source id is `key` (at most
     * two, so a caller can tell an ambiguous key from a unique one).
     */
    findSchoolsByKey: (key: string) =>
      Effect.flatMap(tid, (tenant) => schoolKeyQ({ tenant, key })).pipe(span("findSchoolsByKey")),
    /** One live school. */
    findSchool: (id: string) => Effect.flatMap(tid, (tenant) => schoolQ({ tenant, id })).pipe(span("findSchool")),
    /** A page of live schools. */
    listSchools: (p: PageParams) =>
      Effect.flatMap(tid, (tenant) =>
        schoolPageQ({ tenant, school_id: undefined, after: p.after, limit: p.limit })
      ).pipe(span("listSchools")),
    /** Inserts a school. @errors AcademicsUniqueViolation (code taken) */
    insertSchool: (s: School) =>
      exec(
        (tenant) => sql`INSERT INTO schools (tenant_id, id, name, code, timezone, source_id, created_at, updated_at)
          VALUES (${tenant}, ${s.id}, ${s.name}, ${s.code}, ${s.timezone}, ${s.source_id}, ${iso(s.created_at)}, ${iso(s.updated_at)})`
      ).pipe(unique("insertSchool")),
    /** Writes a school's name, code and time zone. @errors AcademicsUniqueViolation (code taken) */
    updateSchool: (s: School) =>
      exec(
        (
          tenant
        ) => sql`UPDATE schools SET name = ${s.name}, code = ${s.code}, timezone = ${s.timezone}, updated_at = ${iso(s.updated_at)}
          WHERE tenant_id = ${tenant} AND id = ${s.id}`
      ).pipe(unique("updateSchool")),
    /** Every imported school (with a source id), live or soft-deleted. */
    sourcedSchools: Effect.flatMap(tid, sourcedQ).pipe(span("sourcedSchools")),
    /**
     * Renames an imported school, sets its code (OneRoster `orgs.identifier`; issue 16)
     * and brings it back if it was soft-deleted. The caller checks the code is free.
     */
    restoreSchool: (id: string, name: string, code: string | null, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`UPDATE schools SET name = ${name}, code = ${code}, deleted_at = NULL, updated_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("restoreSchool")),
    /** The code of every live school that has one (school id → code), for the import's uniqueness check. */
    schoolCodes: Effect.flatMap(tid, schoolCodesQ).pipe(
      Effect.map((rows) => new Map(rows.map((r) => [r.id as string, r.code]))),
      span("schoolCodes")
    ),
    /** A school's stored preferences. */
    findPreferences: (schoolId: string) =>
      Effect.flatMap(tid, (tenant) => preferencesQ({ tenant, school: schoolId })).pipe(span("findPreferences")),
    /** Stores a new school's preferences. */
    insertPreferences: (p: SchoolPreferences, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`INSERT INTO school_preferences (tenant_id, school_id, default_signature_closing_delay_minutes,
            teacher_can_modify_closing_delay, students_can_sign_before_teacher, enable_flash,
            disable_course_modification_from_ui, enable_nfc, updated_at)
          VALUES (${tenant}, ${p.id}, ${p.default_signature_closing_delay_minutes}, ${bool(p.teacher_can_modify_closing_delay)},
            ${bool(p.students_can_sign_before_teacher)}, ${bool(p.enable_flash)},
            ${bool(p.disable_course_modification_from_ui)}, ${bool(p.enable_nfc)}, ${iso(at)})`
      ).pipe(span("insertPreferences")),
    /** Writes a school's preferences. */
    updatePreferences: (p: SchoolPreferences, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`UPDATE school_preferences SET
            default_signature_closing_delay_minutes = ${p.default_signature_closing_delay_minutes},
            teacher_can_modify_closing_delay = ${bool(p.teacher_can_modify_closing_delay)},
            students_can_sign_before_teacher = ${bool(p.students_can_sign_before_teacher)},
            enable_flash = ${bool(p.enable_flash)},
            disable_course_modification_from_ui = ${bool(p.disable_course_modification_from_ui)},
            enable_nfc = ${bool(p.enable_nfc)}, updated_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND school_id = ${p.id}`
      ).pipe(span("updatePreferences")),
    /** Soft-deletes a row of `table` (stamps `deleted_at`). */
    softDelete: (table: SoftDeletable, id: string, at: DateTime.Utc) =>
      exec(
        (tenant) => sql`UPDATE ${sql(table)} SET deleted_at = ${iso(at)} WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("softDelete")),
    /** The tenant's academics version (0 before its first change). */
    readVersion: Effect.flatMap(
      tid,
      (tenant) => sql<{ version: number }>`SELECT version FROM academics_versions WHERE tenant_id = ${tenant}`
    ).pipe(
      Effect.map((r) => Number(r[0]?.version ?? 0)),
      span("readVersion")
    ),
    /** Bumps the tenant's academics version. */
    bumpVersion: exec(
      (tenant) => sql`INSERT INTO academics_versions (tenant_id, version) VALUES (${tenant}, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET version = academics_versions.version + 1`
    ).pipe(span("bumpVersion"))
  } as const
}
