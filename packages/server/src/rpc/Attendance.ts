/**
 * RPC handlers of `AttendanceCommand` and `AttendanceQuery` (`/rpc`): each one
 * line over `AttendanceAdmin` (core), as the REST handlers.
 *
 * @module
 */
import { AttendanceAdmin as A, AttendanceCommand, AttendanceQuery, policyUse } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("attendance:read")

/** Both attendance groups. */
export const AttendanceRpc = AttendanceCommand.merge(AttendanceQuery).toLayer({
  CreateSignatureAttempt: (input) => asPrincipal(A.createSignatureAttempt(input)),
  PatchSignature: ({ patch, signature_id }) => asPrincipal(A.patchSignature(signature_id, patch)),
  MarkRoll: ({ course_id, roll }) => asPrincipal(A.markRoll(course_id, roll)),
  SubmitExcuse: (input) => asPrincipal(A.submitExcuse(input)),
  DecideExcuse: ({ decision, excuse_id }) => asPrincipal(A.decideExcuse(excuse_id, decision)),
  GetSignature: ({ signature_id }) => asPrincipal(A.getSignature(signature_id).pipe(read)),
  GetCourseRoll: ({ course_id }) => asPrincipal(A.courseRoll(course_id).pipe(read)),
  GetStudentHistory: ({ student_id, ...range }) => asPrincipal(A.studentHistory(student_id, range)),
  GetAttendanceReport: (params) => asPrincipal(A.report(params).pipe(read))
})
