/**
 * RPC handlers of `AttendanceCommand` and `AttendanceQuery` (`/rpc`): one
 * line each, the same facade calls (`AttendanceAdmin`) and permissions as
 * the REST handlers.
 *
 * @module
 */
import { AttendanceAdmin, AttendanceCommand, AttendanceQuery, policyUse } from "@signet/core"
import { asPrincipal } from "../Auth.js"

export const AttendanceRpc = AttendanceCommand.merge(AttendanceQuery).toLayer({
  CreateSignatureAttempt: (input) => asPrincipal(AttendanceAdmin.createSignatureAttempt(input)),
  PatchSignature: ({ patch, signature_id }) => asPrincipal(AttendanceAdmin.patchSignature(signature_id, patch)),
  CloseCourse: ({ course_id }) => asPrincipal(AttendanceAdmin.closeCourse(course_id)),
  MarkRoll: ({ course_id, roll }) => asPrincipal(AttendanceAdmin.markRoll(course_id, roll)),
  SubmitExcuse: (input) => asPrincipal(AttendanceAdmin.submitExcuse(input)),
  DecideExcuse: ({ decision, excuse_id }) => asPrincipal(AttendanceAdmin.decideExcuse(excuse_id, decision)),
  GetSignature: ({ signature_id }) =>
    asPrincipal(AttendanceAdmin.getSignature(signature_id).pipe(policyUse("attendance:read"))),
  GetCourseRoll: ({ course_id }) => asPrincipal(AttendanceAdmin.getRoll(course_id).pipe(policyUse("attendance:read"))),
  GetStudentHistory: ({ student_id, ...range }) => asPrincipal(AttendanceAdmin.studentHistory(student_id, range)),
  GetAttendanceReport: (params) => asPrincipal(AttendanceAdmin.report(params).pipe(policyUse("attendance:read")))
})
