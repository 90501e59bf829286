/**
 * Attendance reports and their CSV (issue 5 §6): a student's history, and
 * the report of a school, group or course over a date range (courses
 * starting in [from, to)), one line per student with counts and rate
 * (present and late over present, late and absent). CSV as RFC 4180 with a
 * header row.
 *
 * @module
 */

import { type Course, GroupId, SchoolId } from "@signet/contracts/academics/Domain"
import {
  AttendanceCounts,
  AttendanceReport,
  type CourseRoll,
  HistoryEntry,
  ReportLine,
  type RollResult,
  StudentHistory
} from "@signet/contracts/attendance/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Schema } from "effect"
import { toCsv } from "../kernel/Csv.js"
import { courseRef, forbidden, notFound, type Shared, UUID, utc } from "./Shared.js"

/** Counts and rate of a set of results (see {@link AttendanceCounts}); `null` counts as unmarked. */
export const countResults = (results: ReadonlyArray<RollResult | null>): AttendanceCounts => {
  const c = { courses: results.length, present: 0, late: 0, absent: 0, excused: 0, unmarked: 0 }
  for (const r of results) {
    if (r === "PRESENT") c.present++
    else if (r === "LATE") c.late++
    else if (r === "ABSENT") c.absent++
    else if (r === "EXCUSED") c.excused++
    else c.unmarked++
  }
  const counted = c.present + c.late + c.absent
  return new AttendanceCounts({ ...c, rate: counted === 0 ? null : (c.present + c.late) / counted })
}

const range = (from?: string, to?: string) => ({
  from: from ? DateTime.unsafeMake(from) : null,
  to: to ? DateTime.unsafeMake(to) : null
})

/** Whether an academics course starts in [from, to) (either bound open when null). */
const startsIn = (course: Course, from: DateTime.Utc | null, to: DateTime.Utc | null) => {
  const start = utc(course.start_at)
  return (!from || !DateTime.lessThan(start, from)) && (!to || DateTime.lessThan(start, to))
}

/** A course of a student's history with the student's result (null: unmarked). */
const historyEntry = (c: Course, result: HistoryEntry["result"]) =>
  new HistoryEntry({
    course_id: courseRef(c).id,
    course_name: c.name,
    start_at: utc(c.start_at),
    end_at: utc(c.end_at),
    result
  })

/** Parameters of a report: its scope and the date range. */
export interface ReportQuery {
  readonly scope: "school" | "group" | "course"
  readonly id: string
  readonly from?: string | undefined
  readonly to?: string | undefined
}

/** The report operations of the attendance service. */
export const makeReports = (s: Shared) => {
  /**
   * A student's history over a date range (courses starting in
   * [from, to)): every course of the student (`Shared.coursesOfStudent`:
   * their groups' courses and any course where they have a result — the
   * same courses the school and group reports count, unmarked ones
   * included, issue 15 §6) with its result (null: unmarked), and the totals.
   * The student themselves or `attendance:read`; a narrowed teacher (issue
   * 15 §4) sees only the entries of the courses they teach, and a student
   * with none of them answers 404 as a missing one.
   * @errors Forbidden, AttendanceNotFound (student)
   */
  const studentHistory = (
    studentId: UserId,
    params: { readonly from?: string | undefined; readonly to?: string | undefined } = {}
  ) =>
    s.inTx(
      Effect.gen(function* () {
        if (!(yield* s.maySee(studentId)))
          return yield* forbidden("missing permission attendance:read", "attendance:read")
        if (!UUID.test(studentId) || !(yield* s.identity.exists(studentId)))
          return yield* notFound("student", studentId)
        const actor = yield* CurrentActor
        const teacher = actor.kind === "user" && actor.id === studentId ? null : yield* s.narrowedTo
        const taught = teacher === null ? null : yield* s.taughtCourseIds(teacher)
        const { from, to } = range(params.from, params.to)
        const rows = yield* s.repo.rollsOfStudent(studentId)
        const resultOf = new Map(rows.map((r) => [r.course_id, r.result]))
        const ids = [...(yield* s.coursesOfStudent(studentId, resultOf.keys()))].filter(
          (id) => taught === null || taught.has(id)
        )
        if (taught !== null && ids.length === 0) return yield* notFound("student", studentId)
        const courses = yield* s.academics.getCourses(ids)
        const entries = courses
          .flatMap((c) => (startsIn(c, from, to) ? [historyEntry(c, resultOf.get(courseRef(c).id) ?? null)] : []))
          .sort(
            (a, b) =>
              DateTime.toEpochMillis(a.start_at) - DateTime.toEpochMillis(b.start_at) ||
              a.course_id.localeCompare(b.course_id)
          )
        return new StudentHistory({
          student_id: studentId,
          from,
          to,
          totals: countResults(entries.map((e) => e.result)),
          entries
        })
      })
    )

  /** The courses of a report's scope starting in [from, to). */
  const scopeCourses = (params: ReportQuery, from: DateTime.Utc | null, to: DateTime.Utc | null) =>
    Effect.gen(function* () {
      if (params.scope === "course") return [yield* s.readableCourse(params.id)]
      // A malformed scope id names nothing: the same 404 as an unknown one.
      const id = params.id
      let scope: { readonly school_id: SchoolId } | { readonly group_id: GroupId }
      if (params.scope === "school") {
        if (!Schema.is(SchoolId)(id)) return yield* notFound("school", id)
        yield* s.academics.getSchool(id).pipe(Effect.catchTag("AcademicsNotFound", () => notFound("school", id)))
        scope = { school_id: id }
      } else {
        if (!Schema.is(GroupId)(id)) return yield* notFound("group", id)
        yield* s.academics.getGroup(id).pipe(Effect.catchTag("AcademicsNotFound", () => notFound("group", id)))
        scope = { group_id: id }
      }
      const courses: Array<Course> = []
      let cursor: string | undefined
      do {
        const page = yield* s.academics.listCourses({
          ...scope,
          ...(from ? { from: DateTime.formatIso(from) } : {}),
          ...(to ? { to: DateTime.formatIso(to) } : {}),
          limit: 200,
          ...(cursor ? { cursor } : {})
        })
        courses.push(...page.items)
        cursor = page.next_cursor ?? undefined
      } while (cursor)
      const inRange = courses.filter((c) => startsIn(c, from, to))
      const teacher = yield* s.narrowedTo
      if (teacher === null) return inRange
      const taught = yield* s.taughtCourseIds(teacher)
      return inRange.filter((c) => taught.has(c.id))
    })

  /**
   * Report of a school, group or course over a date range: per student,
   * the counts and rate over the scope's courses starting in [from, to).
   * Open courses count their unmarked students as `unmarked`. A narrowed
   * teacher (issue 15 §4) reports on the courses they teach only: a course
   * scope of another teacher answers 404, a school or group scope counts
   * only their own courses.
   * @errors AttendanceNotFound (scope), ValidationError (range)
   */
  const report = (params: ReportQuery) =>
    s.inTx(
      Effect.gen(function* () {
        const { from, to } = range(params.from, params.to)
        if (from && to && !DateTime.lessThan(from, to)) return yield* ValidationError.field("to", "must be after from")
        const courses = yield* scopeCourses(params, from, to)
        const results = yield* s.repo.rollsOfCourses(courses.map((c) => courseRef(c).id))
        const resultOfPair = new Map(results.map((r) => [`${r.course_id}|${r.student_id}`, r.result]))
        const perStudent = new Map<UserId, Array<RollResult | null>>()
        for (const c of courses) {
          const students = yield* s.enrolled(c)
          for (const r of results) if (r.course_id === c.id) students.add(r.student_id)
          for (const st of students) {
            if (params.scope === "group") {
              const inGroup = (yield* s.academics.validateStudentCourse(st, c.id)).matched_group_ids.some(
                (g) => g === params.id
              )
              if (!inGroup) continue
            }
            const list = perStudent.get(st) ?? []
            list.push(resultOfPair.get(`${c.id}|${st}`) ?? null)
            perStudent.set(st, list)
          }
        }
        const users = yield* s.identity.liteMany([...perStudent.keys()])
        const lines = [...perStudent.entries()]
          .map(
            ([student_id, list]) =>
              new ReportLine({
                student_id,
                email: users.get(student_id)?.email ?? null,
                name: users.get(student_id)?.name ?? null,
                totals: countResults(list)
              })
          )
          .sort((a, b) => (a.name ?? a.student_id).localeCompare(b.name ?? b.student_id))
        return new AttendanceReport({
          scope: params.scope,
          scope_id: params.id,
          from,
          to,
          courses: courses.length,
          totals: countResults([...perStudent.values()].flat()),
          lines
        })
      })
    )

  return { studentHistory, report } as const
}

/** CSV of a report: one line per student (RFC 4180, header row, formula-safe: kernel/Csv.ts). */
export const reportCsv = (r: AttendanceReport): string =>
  toCsv(
    ["student_id", "email", "name", "courses", "present", "late", "absent", "excused", "unmarked", "rate"],
    r.lines.map((l) => [
      l.student_id,
      l.email,
      l.name,
      l.totals.courses,
      l.totals.present,
      l.totals.late,
      l.totals.absent,
      l.totals.excused,
      l.totals.unmarked,
      l.totals.rate === null ? "" : l.totals.rate.toFixed(4)
    ])
  )

/** CSV of a student's history: one line per course (RFC 4180, header row, formula-safe). */
export const historyCsv = (h: StudentHistory): string =>
  toCsv(
    ["course_id", "course_name", "start_at", "result"],
    h.entries.map((e) => [e.course_id, e.course_name, DateTime.formatIso(e.start_at), e.result ?? "UNMARKED"])
  )

/** CSV of a course roll (RFC 4180, header row, formula-safe). */
export const rollCsv = (roll: CourseRoll): string =>
  toCsv(
    ["student_id", "result", "method", "signed_at", "excuse_id"],
    roll.entries.map((e) => [
      e.student_id,
      e.result ?? "UNMARKED",
      e.method,
      e.signed_at === null ? null : DateTime.formatIso(e.signed_at),
      e.excuse_id
    ])
  )
