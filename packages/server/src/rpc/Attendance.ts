/**
 * RPC handlers of `AttendanceCommand` and `AttendanceQuery` (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import {
  Access,
  Attendance,
  AttendanceCommand,
  AttendanceQuery,
  Authenticated,
  CurrentTenant,
  Forbidden
} from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const guarded =
  (permission: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    asPrincipal(
      Effect.zipRight(
        Effect.flatMap(Authenticated, (p) =>
          Effect.flatMap(
            Access.use((a) => a.checkActor(p.actor, permission)).pipe(Effect.provideService(CurrentTenant, p.tenant)),
            (ok) =>
              ok ? Effect.void : Effect.fail(new Forbidden({ message: `missing permission ${permission}`, permission }))
          )
        ),
        self
      )
    )

/** The caller's user type and school (token claims), for attendance's rules. */
const principal = Effect.map(Authenticated, (p) => ({ userType: p.userType, schoolId: p.schoolId }))

export const AttendanceRpc = AttendanceCommand.merge(AttendanceQuery).toLayer(
  Effect.gen(function* () {
    const attendance = yield* Attendance
    return {
      CreateSignatureAttempt: (input) =>
        asPrincipal(Effect.flatMap(principal, (p) => attendance.createSignatureAttempt(input, p))),
      PatchSignature: ({ patch, signature_id }) => asPrincipal(attendance.patchSignature(signature_id, patch)),
      MarkRoll: ({ course_id, roll }) => asPrincipal(attendance.markRoll(course_id, roll)),
      SubmitExcuse: (input) => asPrincipal(attendance.submitExcuse(input)),
      DecideExcuse: ({ decision, excuse_id }) => asPrincipal(attendance.decideExcuse(excuse_id, decision)),
      GetSignature: ({ signature_id }) => guarded("attendance:read")(attendance.getSignature(signature_id)),
      GetCourseRoll: ({ course_id }) => guarded("attendance:read")(attendance.courseRoll(course_id)),
      GetStudentHistory: ({ student_id, ...range }) => asPrincipal(attendance.studentHistory(student_id, range)),
      GetAttendanceReport: (params) => guarded("attendance:read")(attendance.report(params))
    }
  })
)
