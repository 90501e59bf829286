/**
 * RPC handlers of `AcademicsQuery` and `AcademicsCommand` (`/rpc`, seed 004):
 * each one line over `AcademicsAdmin` and `AttendanceAdmin` (core).
 *
 * @module
 */
import { AcademicsAdmin as A, AcademicsCommand, AcademicsQuery, AttendanceAdmin, policyUse } from "@signet/core"
import { Effect, Layer } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("academics:read")

/** Academics queries need `academics:read`. */
export const AcademicsQueryRpc = AcademicsQuery.toLayer({
  GetCourse: ({ course_id }) => asPrincipal(A.getCourse(course_id).pipe(read)),
  ValidateTeacherCourse: ({ course_id, teacher_id }) =>
    asPrincipal(
      A.validateTeacherCourse(teacher_id, course_id).pipe(
        read,
        Effect.map((is_assigned) => ({ is_assigned }))
      )
    ),
  ValidateStudentCourse: ({ course_id, student_id }) =>
    asPrincipal(A.validateStudentCourse(student_id, course_id).pipe(read)),
  ValidateClassroomCourse: ({ classroom_id, course_id }) =>
    asPrincipal(
      A.validateClassroomCourse(classroom_id, course_id).pipe(
        read,
        Effect.map((is_linked) => ({ is_linked }))
      )
    ),
  GetSchoolPreferences: ({ school_id }) => asPrincipal(A.getSchoolPreferences(school_id).pipe(read))
})

/**
 * `CloseExpiredCourses` goes through attendance (the courses close and their
 * unmarked students become ABSENT) at the server's clock, with
 * `attendance:admin` as over REST; the payload's `now` is ignored.
 */
export const AcademicsCommandRpc = AcademicsCommand.toLayer({
  CloseExpiredCourses: () =>
    asPrincipal(
      AttendanceAdmin.closeExpiredCourses().pipe(
        policyUse("attendance:admin"),
        Effect.map((r) => ({ closed_count: r.closed_count }))
      )
    )
})

/** Both academics groups. */
export const AcademicsRpc = Layer.mergeAll(AcademicsQueryRpc, AcademicsCommandRpc)
