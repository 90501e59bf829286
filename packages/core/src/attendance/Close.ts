/**
 * Closing courses (seed 004 `CloseExpiredCourses`; issue 17 `CloseCourse`):
 * academics closes signing, attendance marks every enrolled student without
 * a result ABSENT and publishes `signet.attendance.course.closed` per course,
 * in one transaction with an audit row.
 *
 * @module
 */

import { CourseId } from "@signet/contracts/academics/Domain"
import { CloseResult } from "@signet/contracts/attendance/Domain"
import { Conflict } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect } from "effect"
import { instant } from "../kernel/Sql.js"
import { courseRef, forbidden, type Shared, utc } from "./Shared.js"

/** The close operations of the attendance service. */
export const makeClose = (s: Shared) => {
  /**
   * `CloseExpiredCourses` for the current tenant at `nowIso` (an ISO-8601
   * instant): closes every course ended by then (academics), sets ABSENT for
   * each enrolled student without a result, and publishes
   * `signet.attendance.course.closed` per course — one transaction. The
   * facade (`AttendanceAdmin.closeExpiredCourses`) passes the server clock.
   */
  const closeExpiredCourses = (nowIso: string) =>
    s.inTx(Effect.flatMap(s.academics.closeExpiredCourses(nowIso), (closed) => absentAndPublish(closed, nowIso)))

  /**
   * `CloseCourse` (issue 17, the teacher's "close the course"): closes
   * signing on one course now — its teachers or `attendance:admin`, once it
   * has started — and, as the close job does, sets ABSENT for every enrolled
   * student without a result and publishes `signet.attendance.course.closed`.
   * Closing a closed course answers `closed_count: 0` and changes nothing.
   * @errors AttendanceNotFound, Forbidden (not the course's teacher), Conflict (not started)
   */
  const closeCourse = (courseId: CourseId) =>
    Effect.gen(function* () {
      const course = yield* s.courseOr404(courseId)
      if (!(yield* s.isStaffOf(course.id)))
        return yield* forbidden("only the course's teachers and admins close it", "attendance:write")
      const now = yield* Clock.currentTimeMillis
      if (DateTime.toEpochMillis(utc(course.start_at)) > now)
        return yield* new Conflict({ message: "the course has not started: there is nothing to close yet" })
      const nowIso = instant(now)
      return yield* s.inTx(
        Effect.flatMap(s.academics.closeCourse(course.id, nowIso), (closed) => absentAndPublish(closed, nowIso))
      )
    })

  /** After academics closed `closed`: ABSENT for the unmarked, one event per course, one audit row. */
  const absentAndPublish = (
    closed: { readonly closed_count: number; readonly course_ids: ReadonlyArray<string> },
    nowIso: string
  ) =>
    Effect.gen(function* () {
      if (closed.course_ids.length === 0) return new CloseResult({ closed_count: 0, course_ids: [], absences: 0 })
      const at = DateTime.unsafeMake(nowIso)
      const courses = yield* s.academics.getCourses(closed.course_ids as ReadonlyArray<CourseId>)
      let absences = 0
      for (const course of courses) {
        const courseId = courseRef(course).id
        const students = yield* s.enrolled(course)
        const marked = new Set((yield* s.repo.rollsOfCourses([courseId])).map((r) => r.student_id))
        const missing = [...students].filter((st) => !marked.has(st))
        yield* s.repo.insertAbsences(courseId, missing, at)
        absences += missing.length
        yield* s.events.publish({
          type: "signet.attendance.course.closed",
          subject: course.id,
          data: { course_id: course.id, closed_at: DateTime.formatIso(at), absent: missing.length }
        })
      }
      yield* s.audit.record({
        action: "attendance.courses.closed",
        targetType: "course",
        targetId: null,
        after: { closed: closed.course_ids, absences }
      })
      return new CloseResult({
        closed_count: closed.closed_count,
        course_ids: closed.course_ids.map((id) => CourseId.make(id)),
        absences
      })
    })

  return { closeExpiredCourses, closeCourse } as const
}
