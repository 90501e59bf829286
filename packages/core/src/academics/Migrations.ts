/**
 * Academics tables (all tenant-owned, row-level security on Postgres).
 * `tenant_id` leads every key; links to users (students, teachers) carry
 * their id only (the identity module owns users).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Every academics table (for RLS and tests). */
export const ACADEMICS_TABLES = [
  "schools",
  "school_preferences",
  "classrooms",
  "student_groups",
  "group_members",
  "group_teachers",
  "courses",
  "teachers_courses",
  "courses_classrooms",
  "courses_student_groups",
  "academics_versions",
  "calendar_feeds",
  "academic_sessions",
  "timetable_sources"
] as const

/** Academics module migrations. */
export const academicsMigrations: ModuleMigrations = {
  module: "academics",
  migrations: {
    "0001_academics": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      const no = t.pg ? "false" : "0"
      const yes = t.pg ? "true" : "1"
      yield* sql.unsafe(`CREATE TABLE schools (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        code TEXT,
        timezone TEXT NOT NULL DEFAULT 'UTC',
        source_id TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX schools_code_key ON schools (tenant_id, code) WHERE code IS NOT NULL AND deleted_at IS NULL`
      )
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX schools_source_key ON schools (tenant_id, source_id) WHERE source_id IS NOT NULL`
      )
      yield* sql.unsafe(`CREATE TABLE school_preferences (
        tenant_id ${t.uuid} NOT NULL,
        school_id ${t.uuid} NOT NULL,
        default_signature_closing_delay_minutes INTEGER NOT NULL DEFAULT 15,
        teacher_can_modify_closing_delay ${t.bool} NOT NULL DEFAULT ${yes},
        students_can_sign_before_teacher ${t.bool} NOT NULL DEFAULT ${yes},
        enable_flash ${t.bool} NOT NULL DEFAULT ${yes},
        disable_course_modification_from_ui ${t.bool} NOT NULL DEFAULT ${no},
        enable_nfc ${t.bool} NOT NULL DEFAULT ${yes},
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, school_id),
        FOREIGN KEY (tenant_id, school_id) REFERENCES schools (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE TABLE classrooms (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        school_id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        code TEXT NOT NULL,
        capacity INTEGER,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, school_id) REFERENCES schools (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX classrooms_code_key ON classrooms (tenant_id, school_id, code) WHERE deleted_at IS NULL`
      )
      yield* sql.unsafe(`CREATE TABLE student_groups (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        school_id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        code TEXT,
        course_title TEXT,
        location TEXT,
        source_id TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, school_id) REFERENCES schools (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX student_groups_code_key ON student_groups (tenant_id, school_id, code) WHERE code IS NOT NULL AND deleted_at IS NULL`
      )
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX student_groups_source_key ON student_groups (tenant_id, source_id) WHERE source_id IS NOT NULL`
      )
      yield* sql.unsafe(`CREATE TABLE group_members (
        tenant_id ${t.uuid} NOT NULL,
        group_id ${t.uuid} NOT NULL,
        student_id ${t.uuid} NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, group_id, student_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES student_groups (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX group_members_student ON group_members (tenant_id, student_id)`)
      yield* sql.unsafe(`CREATE TABLE group_teachers (
        tenant_id ${t.uuid} NOT NULL,
        group_id ${t.uuid} NOT NULL,
        teacher_id ${t.uuid} NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, group_id, teacher_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES student_groups (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE TABLE courses (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        school_id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        start_at ${t.ts} NOT NULL,
        end_at ${t.ts} NOT NULL,
        is_online ${t.bool} NOT NULL DEFAULT ${no},
        signature_closing_delay_minutes INTEGER,
        signature_closed ${t.bool} NOT NULL DEFAULT ${no},
        closed_at ${t.ts},
        source_key TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, school_id) REFERENCES schools (tenant_id, id),
        CHECK (end_at > start_at)
      )`)
      yield* sql.unsafe(`CREATE INDEX courses_window ON courses (tenant_id, start_at)`)
      yield* sql.unsafe(`CREATE INDEX courses_open ON courses (tenant_id, signature_closed, end_at)`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX courses_source_key ON courses (tenant_id, source_key) WHERE source_key IS NOT NULL`
      )
      for (const [table, column, ref] of [
        ["teachers_courses", "teacher_id", null],
        ["courses_classrooms", "classroom_id", "classrooms"],
        ["courses_student_groups", "group_id", "student_groups"]
      ] as const) {
        yield* sql.unsafe(`CREATE TABLE ${table} (
          tenant_id ${t.uuid} NOT NULL,
          course_id ${t.uuid} NOT NULL,
          ${column} ${t.uuid} NOT NULL,
          PRIMARY KEY (tenant_id, course_id, ${column}),
          FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id)${
            ref ? `,\n          FOREIGN KEY (tenant_id, ${column}) REFERENCES ${ref} (tenant_id, id)` : ""
          }
        )`)
        yield* sql.unsafe(`CREATE INDEX ${table}_by_${column} ON ${table} (tenant_id, ${column})`)
      }
      yield* sql.unsafe(`CREATE TABLE academics_versions (
        tenant_id ${t.uuid} NOT NULL PRIMARY KEY,
        version ${t.bigint} NOT NULL
      )`)
      // The tables of this migration (a released migration never changes with later additions).
      for (const table of ACADEMICS_TABLES.slice(0, 11)) yield* enableTenantRls(table)
    }),
    "0002_calendar_feeds": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE calendar_feeds (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('student', 'teacher', 'group', 'classroom')),
        subject_id ${t.uuid} NOT NULL,
        token_hash TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        revoked_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash)
      )`)
      yield* enableTenantRls("calendar_feeds")
    }),
    // Issue 16: a timetable's UIDs name courses within the school it is imported into, not the
    // whole tenant (importing one export into a second school must not touch the first's courses).
    "0003_course_source_key_per_school": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`DROP INDEX courses_source_key`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX courses_source_key ON courses (tenant_id, school_id, source_key) WHERE source_key IS NOT NULL`
      )
    }),
    // Issue 16: the OneRoster academic sessions (school years, terms, semesters, grading periods)
    // of a roster import, per school (`school_id` NULL: a session of several or no known school,
    // which applies to every school of the tenant). Dates are ISO `YYYY-MM-DD` as written.
    "0004_academic_sessions": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE academic_sessions (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        school_id ${t.uuid},
        source_id TEXT NOT NULL,
        type TEXT NOT NULL,
        title TEXT NOT NULL,
        start_date TEXT,
        end_date TEXT,
        parent_source_id TEXT,
        school_year TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, school_id) REFERENCES schools (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE UNIQUE INDEX academic_sessions_source_key ON academic_sessions (tenant_id, source_id)`)
      yield* sql.unsafe(
        `CREATE INDEX academic_sessions_by_school ON academic_sessions (tenant_id, school_id, type, start_date)`
      )
      yield* enableTenantRls("academic_sessions")
    }),
    // Issue 16 "Sync mode": a school's scheduled iCalendar URLs (the URL envelope-encrypted,
    // `timetableSourceUrlColumn`), with the validators of the last answer for conditional requests.
    // Numbered 0005: 0004 is kept for academic sessions (issue 16, parallel work).
    "0005_timetable_sources": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE timetable_sources (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        school_id ${t.uuid} NOT NULL,
        url_enc TEXT NOT NULL,
        url_hint TEXT NOT NULL,
        mapping ${t.json},
        interval_minutes INTEGER NOT NULL CHECK (interval_minutes >= 15),
        enabled ${t.bool} NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_pulled_at ${t.ts},
        next_pull_at ${t.ts} NOT NULL,
        last_status TEXT CHECK (last_status IN ('not_modified', 'synced', 'failed')),
        last_error TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, school_id) REFERENCES schools (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX timetable_sources_due ON timetable_sources (tenant_id, enabled, next_pull_at)`)
      yield* enableTenantRls("timetable_sources")
    })
  }
}
