/**
 * The academics repository's bulk course writes (issue 16): many courses of
 * one school and their links in a few multi-row statements, for timetable
 * imports and syncs of a school year (tens of thousands of occurrences).
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { bool } from "../../kernel/Sql.js"
import type { NewCourse } from "../Rows.js"
import { iso, tid, unique } from "./Shared.js"

/** Rows per INSERT: well under SQLite's 32,766 bound parameters and Postgres' 65,535 (12 columns a course). */
const CHUNK = 500

/** The link tables of a course: table and column of each kind. */
const LINK_TABLES = {
  teacher: ["teachers_courses", "teacher_id"],
  classroom: ["courses_classrooms", "classroom_id"],
  group: ["courses_student_groups", "group_id"]
} as const

/** The bulk course queries. */
export const bulkCourseQueries = (sql: SqlClient.SqlClient) => ({
  /**
   * Inserts courses in multi-row statements of {@link CHUNK} rows (the
   * caller's transaction). @errors AcademicsUniqueViolation (a source key
   * already held; the transaction must then be rolled back)
   */
  insertCourses: (courses: ReadonlyArray<NewCourse>) =>
    Effect.gen(function* () {
      const tenant = yield* tid
      for (let i = 0; i < courses.length; i += CHUNK) {
        const rows = courses.slice(i, i + CHUNK).map((c) => ({
          tenant_id: tenant,
          id: c.id,
          school_id: c.school_id,
          name: c.name,
          start_at: iso(c.start_at),
          end_at: iso(c.end_at),
          is_online: bool(c.is_online),
          signature_closing_delay_minutes: c.signature_closing_delay_minutes,
          signature_closed: bool(false),
          source_key: c.source_key,
          created_at: iso(c.created_at),
          updated_at: iso(c.created_at)
        }))
        yield* sql`INSERT INTO courses ${sql.insert(rows)}`
      }
    }).pipe(unique("insertCourses")),

  /** Inserts link rows (course → teacher, classroom or group) in multi-row statements (caller's transaction). */
  insertLinks: (
    kind: keyof typeof LINK_TABLES,
    links: ReadonlyArray<{ readonly course_id: string; readonly ref: string }>
  ) =>
    Effect.gen(function* () {
      const tenant = yield* tid
      const [table, column] = LINK_TABLES[kind]
      for (let i = 0; i < links.length; i += CHUNK) {
        const rows = links
          .slice(i, i + CHUNK)
          .map((l) => ({ tenant_id: tenant, course_id: l.course_id, [column]: l.ref }))
        yield* sql`INSERT INTO ${sql(table)} ${sql.insert(rows)}`
      }
    }).pipe(Effect.orDie, Effect.withSpan("AcademicsRepo.insertLinks"))
})
