/**
 * The academics repository's reads across courses and their links (issue
 * 14 §2): the seed 004 queries (courses in a classroom, teacher / classroom
 * of a course, a course's groups), closing ended courses, and the courses a
 * timetable subject (student, teacher, group, classroom) takes part in.
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { type FeedKind, GroupId } from "@signet/contracts/academics/Domain"
import { type DateTime, Effect, Schema } from "effect"
import { bool } from "../../kernel/Sql.js"
import { CourseRow } from "../Rows.js"
import { CourseIds, presentCourses } from "./Courses.js"
import { iso, span, tid } from "./Shared.js"

/** The condition that a course `c` involves the subject of a timetable. */
const subjectMatch = (sql: SqlClient.SqlClient, kind: FeedKind, subjectId: string) =>
  kind === "group"
    ? sql`EXISTS (SELECT 1 FROM courses_student_groups x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.group_id = ${subjectId})`
    : kind === "classroom"
      ? sql`EXISTS (SELECT 1 FROM courses_classrooms x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.classroom_id = ${subjectId})`
      : kind === "teacher"
        ? sql`(EXISTS (SELECT 1 FROM teachers_courses x WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND x.teacher_id = ${subjectId})
            OR EXISTS (SELECT 1 FROM courses_student_groups x JOIN group_teachers gt ON gt.tenant_id = x.tenant_id AND gt.group_id = x.group_id
              WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND gt.teacher_id = ${subjectId}))`
        : sql`EXISTS (SELECT 1 FROM courses_student_groups x JOIN group_members gm ON gm.tenant_id = x.tenant_id AND gm.group_id = x.group_id
            WHERE x.tenant_id = c.tenant_id AND x.course_id = c.id AND gm.student_id = ${subjectId})`

/** SQL of the seed 004 queries and the timetable's reads over courses and their links. */
export const readQueries = (sql: SqlClient.SqlClient) => {
  const inClassroomQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, classroom: Schema.String, from: Schema.String, to: Schema.String }),
    Result: CourseRow,
    execute: (
      r
    ) => sql`SELECT c.* FROM courses c JOIN courses_classrooms cc ON cc.tenant_id = c.tenant_id AND cc.course_id = c.id
      WHERE c.tenant_id = ${r.tenant} AND cc.classroom_id = ${r.classroom} AND c.deleted_at IS NULL
        AND c.start_at <= ${r.to} AND c.end_at >= ${r.from}
      ORDER BY c.start_at, c.id`
  })
  /** Whether the query answers a row. */
  const exists = (name: string, query: (tenant: string) => Effect.Effect<ReadonlyArray<unknown>, unknown>) =>
    Effect.flatMap(tid, query).pipe(
      Effect.map((r) => r.length > 0),
      span(name)
    )

  return {
    /** Live courses linked to the classroom overlapping [`from`, `to`], earliest first. */
    coursesInClassroom: (classroomId: string, from: string, to: string) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const r = yield* inClassroomQ({ tenant, classroom: classroomId, from, to })
        return yield* presentCourses(sql, tenant, r)
      }).pipe(span("coursesInClassroom")),
    /** Whether the teacher is linked to the course, directly or through one of its groups. */
    teachesCourse: (teacherId: string, courseId: string) =>
      exists(
        "teachesCourse",
        (
          tenant
        ) => sql`SELECT 1 AS ok FROM teachers_courses WHERE tenant_id = ${tenant} AND course_id = ${courseId} AND teacher_id = ${teacherId}
          UNION ALL
          SELECT 1 AS ok FROM courses_student_groups cg JOIN group_teachers gt ON gt.tenant_id = cg.tenant_id AND gt.group_id = cg.group_id
            WHERE cg.tenant_id = ${tenant} AND cg.course_id = ${courseId} AND gt.teacher_id = ${teacherId}
          LIMIT 1`
      ),
    /** Whether the classroom is linked to the course. */
    classroomOfCourse: (classroomId: string, courseId: string) =>
      exists(
        "classroomOfCourse",
        (tenant) => sql`SELECT 1 AS ok FROM courses_classrooms WHERE tenant_id = ${tenant} AND course_id = ${courseId}
          AND classroom_id = ${classroomId}`
      ),
    /** The live groups linked to a course, by id. */
    courseGroups: (courseId: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`SELECT cg.group_id FROM courses_student_groups cg
          JOIN student_groups g ON g.tenant_id = cg.tenant_id AND g.id = cg.group_id AND g.deleted_at IS NULL
          WHERE cg.tenant_id = ${tenant} AND cg.course_id = ${courseId} ORDER BY cg.group_id`
      ).pipe(
        Effect.flatMap(Schema.decodeUnknown(Schema.Array(Schema.Struct({ group_id: GroupId })))),
        Effect.map((r) => r.map((x) => x.group_id)),
        span("courseGroups")
      ),
    /**
     * The ids of the live courses (at most 5000, earliest first) overlapping
     * (`from`, `to`) that the subject takes part in: a group's or classroom's
     * linked courses, a teacher's (directly or through a group they teach), a
     * student's (through a group they are a member of).
     */
    subjectCourseIds: (kind: FeedKind, subjectId: string, from: string, to: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`SELECT c.id FROM courses c WHERE c.tenant_id = ${tenant} AND c.deleted_at IS NULL
          AND c.end_at > ${from} AND c.start_at < ${to} AND ${subjectMatch(sql, kind, subjectId)}
          ORDER BY c.start_at LIMIT 5000`
      ).pipe(
        Effect.flatMap(Schema.decodeUnknown(CourseIds)),
        Effect.map((r) => r.map((x) => x.id)),
        span("subjectCourseIds")
      ),
    /**
     * Closes signing (at `at`) on every live, still open course ended by `at`; answers their ids.
     * Stamps `closed_at`, not `updated_at`: closing changes nothing a timetable shows, and feeds
     * derive SEQUENCE and LAST-MODIFIED from `updated_at` (issue 16: the close job at start-up
     * re-versioned every past course, and calendar apps re-synced them all).
     */
    /** Closes signing on one live, still open course (at `at`); answers its id, or nothing when already closed. */
    closeOne: (courseId: string, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE courses SET signature_closed = ${bool(true)}, closed_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND id = ${courseId} AND deleted_at IS NULL AND signature_closed = ${bool(false)}
          RETURNING id`
      ).pipe(
        Effect.flatMap(Schema.decodeUnknown(CourseIds)),
        Effect.map((r) => r.map((x) => x.id)),
        span("closeOne")
      ),
    closeEnded: (at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE courses SET signature_closed = ${bool(true)}, closed_at = ${iso(at)}
          WHERE tenant_id = ${tenant} AND deleted_at IS NULL AND signature_closed = ${bool(false)} AND end_at <= ${iso(at)}
          RETURNING id`
      ).pipe(
        Effect.flatMap(Schema.decodeUnknown(CourseIds)),
        Effect.map((r) => r.map((x) => x.id)),
        span("closeEnded")
      )
  } as const
}
