/**
 * The academics repository's SQL of courses and their links to teachers,
 * classrooms and student groups (issue 14 §2), and how a course row is
 * presented with its links and effective closing delay.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import {
  ClassroomId,
  Course,
  CourseId,
  DEFAULT_PREFERENCES,
  GroupId,
  type SchoolId
} from "@signet/contracts/academics/Domain"
import { UserId } from "@signet/contracts/kernel/Ids"
import { type DateTime, Effect, Option, Schema } from "effect"
import { bool } from "../../kernel/Sql.js"
import { type CourseFilters, CourseRow, type NewCourse } from "../Rows.js"
import { byIdsOf, exec, iso, span, tid, unique } from "./Shared.js"

/** The link tables of a course: table and column of each kind. */
const LINKS = {
  teacher: ["teachers_courses", "teacher_id"],
  classroom: ["courses_classrooms", "classroom_id"],
  group: ["courses_student_groups", "group_id"]
} as const

/** Rows of course ids, decoded as `CourseId`. */
export const CourseIds = Schema.Array(Schema.Struct({ id: CourseId }))

/** Link rows of a course (`course_id`, `ref`), the ref decoded as its branded id. */
const LinkRows = <A>(Ref: Schema.Schema<A, string>) =>
  Schema.Array(Schema.Struct({ course_id: Schema.String, ref: Ref }))

/** Courses with their links and effective closing delay (the school's default when not overridden). */
export const presentCourses = (sql: SqlClient.SqlClient, tenant: string, raw: ReadonlyArray<CourseRow>) =>
  Effect.gen(function* () {
    if (raw.length === 0) return [] as Array<Course>
    const ids = raw.map((c) => c.id)
    const schools = [...new Set(raw.map((c) => c.school_id))]
    const prefs = yield* sql<{
      school_id: string
      d: number
    }>`SELECT school_id, default_signature_closing_delay_minutes AS d
      FROM school_preferences WHERE tenant_id = ${tenant} AND ${sql.in("school_id", schools)}`
    const [teachers, rooms, groups] = yield* Effect.all([
      sql`SELECT course_id, teacher_id AS ref FROM teachers_courses
        WHERE tenant_id = ${tenant} AND ${sql.in("course_id", ids)} ORDER BY teacher_id`.pipe(
        Effect.flatMap(Schema.decodeUnknown(LinkRows(UserId)))
      ),
      sql`SELECT course_id, classroom_id AS ref FROM courses_classrooms
        WHERE tenant_id = ${tenant} AND ${sql.in("course_id", ids)} ORDER BY classroom_id`.pipe(
        Effect.flatMap(Schema.decodeUnknown(LinkRows(ClassroomId)))
      ),
      sql`SELECT course_id, group_id AS ref FROM courses_student_groups
        WHERE tenant_id = ${tenant} AND ${sql.in("course_id", ids)} ORDER BY group_id`.pipe(
        Effect.flatMap(Schema.decodeUnknown(LinkRows(GroupId)))
      )
    ])
    const of = <Ref>(list: ReadonlyArray<{ readonly course_id: string; readonly ref: Ref }>, id: string) =>
      list.filter((l) => l.course_id === id).map((l) => l.ref)
    return raw.map(
      (c) =>
        new Course({
          ...c,
          signature_closing_delay_minutes:
            c.signature_closing_delay_minutes ??
            prefs.find((p) => p.school_id === c.school_id)?.d ??
            DEFAULT_PREFERENCES.default_signature_closing_delay_minutes,
          closing_delay_overridden: c.signature_closing_delay_minutes !== null,
          teacher_ids: of(teachers, c.id),
          classroom_ids: of(rooms, c.id),
          group_ids: of(groups, c.id)
        })
    )
  })

/** The conditions of a course list's filters over `courses c`. */
const courseConditions = (sql: SqlClient.SqlClient, tenant: string, f: CourseFilters) => {
  const c = [sql`c.tenant_id = ${tenant}`, sql`c.deleted_at IS NULL`]
  if (f.school_id) c.push(sql`c.school_id = ${f.school_id}`)
  if (f.from) c.push(sql`c.end_at > ${f.from}`)
  if (f.to) c.push(sql`c.start_at < ${f.to}`)
  if (f.teacher_id) {
    c.push(
      sql`EXISTS (SELECT 1 FROM teachers_courses x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.teacher_id = ${f.teacher_id})`
    )
  }
  if (f.group_id) {
    c.push(
      sql`EXISTS (SELECT 1 FROM courses_student_groups x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.group_id = ${f.group_id})`
    )
  }
  if (f.classroom_id) {
    c.push(
      sql`EXISTS (SELECT 1 FROM courses_classrooms x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.classroom_id = ${f.classroom_id})`
    )
  }
  if (f.after) c.push(sql`(c.start_at > ${f.after.start} OR (c.start_at = ${f.after.start} AND c.id > ${f.after.id}))`)
  return c
}

/** SQL of courses and their links. */
export const courseQueries = (sql: SqlClient.SqlClient) => {
  const coursesQ = byIdsOf(sql, "courses", CourseRow)

  return {
    /** The live courses with these ids (valid UUIDs, at least one). */
    findCourses: (ids: ReadonlyArray<string>) =>
      Effect.flatMap(tid, (tenant) =>
        Effect.flatMap(coursesQ({ tenant, ids }), (r) => presentCourses(sql, tenant, r))
      ).pipe(span("findCourses")),
    /** The id of the school's live course imported under this source key (timetable import), if any. */
    findCourseIdBySourceKey: (schoolId: SchoolId, sourceKey: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`SELECT id FROM courses WHERE tenant_id = ${tenant} AND school_id = ${schoolId}
          AND source_key = ${sourceKey} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(Schema.decodeUnknown(CourseIds)),
        Effect.map((r) => Option.fromNullable(r[0]?.id)),
        span("findCourseIdBySourceKey")
      ),
    /**
     * The ids of the school's live imported courses whose source key starts with
     * `<uid>|` (every occurrence of that UID, issue 16), LIKE wildcards in the UID escaped.
     */
    findCourseIdsByUid: (schoolId: SchoolId, uid: string) =>
      Effect.flatMap(tid, (tenant) => {
        const prefix = `${uid.replace(/[\\%_]/g, (c) => `\\${c}`)}|%`
        return sql`SELECT id FROM courses WHERE tenant_id = ${tenant} AND school_id = ${schoolId}
          AND source_key LIKE ${prefix} ESCAPE '\\' AND deleted_at IS NULL ORDER BY start_at, id`
      }).pipe(
        Effect.flatMap(Schema.decodeUnknown(CourseIds)),
        Effect.map((r) => r.map((x) => x.id)),
        span("findCourseIdsByUid")
      ),
    /** Sets the source key of a course (a moved one-off event keeps its course, issue 16). */
    setCourseSourceKey: (id: string, sourceKey: string) =>
      exec(
        (tenant) => sql`UPDATE courses SET source_key = ${sourceKey} WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("setCourseSourceKey")),
    /**
     * Clears the source keys of the school's deleted courses, so a key that
     * reappears in a later export creates a course again (the unique index on
     * source keys does not look at `deleted_at`). Same statement as the sync's
     * (`repo/Sources.ts` on the sync branch); one of the two goes at merge.
     */
    releaseDeletedSourceKeys: (schoolId: SchoolId) =>
      exec(
        (tenant) => sql`UPDATE courses SET source_key = NULL WHERE tenant_id = ${tenant} AND school_id = ${schoolId}
          AND source_key IS NOT NULL AND deleted_at IS NOT NULL`
      ).pipe(span("releaseDeletedSourceKeys")),
    /** Inserts a course. @errors AcademicsUniqueViolation (source key taken) */
    insertCourse: (c: NewCourse) =>
      exec(
        (tenant) => sql`INSERT INTO courses (tenant_id, id, school_id, name, start_at, end_at, is_online,
            signature_closing_delay_minutes, signature_closed, source_key, created_at, updated_at)
          VALUES (${tenant}, ${c.id}, ${c.school_id}, ${c.name}, ${iso(c.start_at)}, ${iso(c.end_at)}, ${bool(c.is_online)},
            ${c.signature_closing_delay_minutes}, ${bool(false)}, ${c.source_key}, ${iso(c.created_at)}, ${iso(c.created_at)})`
      ).pipe(unique("insertCourse")),
    /** Writes a course's name, times, mode and own closing delay (null: the school's default). */
    updateCourse: (
      id: string,
      c: Pick<NewCourse, "name" | "start_at" | "end_at" | "is_online" | "signature_closing_delay_minutes">,
      at: DateTime.Utc
    ) =>
      exec(
        (tenant) => sql`UPDATE courses SET name = ${c.name}, start_at = ${iso(c.start_at)}, end_at = ${iso(c.end_at)},
            is_online = ${bool(c.is_online)}, signature_closing_delay_minutes = ${c.signature_closing_delay_minutes},
            updated_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(span("updateCourse")),
    /** Links a course to these teachers, classrooms or groups; `replace` drops its current links of that kind first. */
    link: (kind: keyof typeof LINKS, courseId: string, ids: ReadonlyArray<string>, replace: boolean) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const [table, column] = LINKS[kind]
        if (replace) yield* sql`DELETE FROM ${sql(table)} WHERE tenant_id = ${tenant} AND course_id = ${courseId}`
        for (let i = 0; i < ids.length; i += 200) {
          const rows = ids.slice(i, i + 200).map((ref) => ({ tenant_id: tenant, course_id: courseId, [column]: ref }))
          yield* sql`INSERT INTO ${sql(table)} ${sql.insert(rows)}`
        }
      }).pipe(span("link")),
    /** Up to `limit` live courses by start time and id, filtered; `more` when another page follows. */
    listCourses: (f: CourseFilters) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const r = yield* sql`SELECT c.* FROM courses c WHERE ${sql.and(courseConditions(sql, tenant, f))}
          ORDER BY c.start_at, c.id LIMIT ${f.limit + 1}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Schema.Array(CourseRow)))
        )
        return { items: yield* presentCourses(sql, tenant, r.slice(0, f.limit)), more: r.length > f.limit }
      }).pipe(span("listCourses"))
  } as const
}
