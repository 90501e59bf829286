/**
 * RPC handlers of `AcademicsQuery` and `AcademicsCommand` (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import {
  Academics,
  AcademicsCommand,
  AcademicsQuery,
  Access,
  Attendance,
  Authenticated,
  CurrentTenant,
  Forbidden
} from "@signet/core"
import { Effect, Layer } from "effect"
import { asPrincipal } from "../Auth.js"

/** `permission` checked for the authenticated principal, then `self` as that principal. */
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

/** Academics queries need `academics:read`. */
export const AcademicsQueryRpc = AcademicsQuery.toLayer(
  Effect.gen(function* () {
    const academics = yield* Academics
    const aRead = guarded("academics:read")
    return {
      GetCourse: ({ course_id }) => aRead(academics.getCourse(course_id)),
      ValidateTeacherCourse: ({ course_id, teacher_id }) =>
        aRead(Effect.map(academics.validateTeacherCourse(teacher_id, course_id), (is_assigned) => ({ is_assigned }))),
      ValidateStudentCourse: ({ course_id, student_id }) =>
        aRead(academics.validateStudentCourse(student_id, course_id)),
      ValidateClassroomCourse: ({ classroom_id, course_id }) =>
        aRead(Effect.map(academics.validateClassroomCourse(classroom_id, course_id), (is_linked) => ({ is_linked }))),
      GetSchoolPreferences: ({ school_id }) => aRead(academics.getSchoolPreferences(school_id))
      // Through attendance: the courses close and their unmarked students become ABSENT.
    }
  })
)

/** The close command needs `academics:write`. */
export const AcademicsCommandRpc = AcademicsCommand.toLayer(
  Effect.gen(function* () {
    const attendance = yield* Attendance
    return {
      CloseExpiredCourses: ({ now }) =>
        guarded("academics:write")(
          Effect.map(attendance.closeExpiredCourses(now), (r) => ({ closed_count: r.closed_count }))
        )
    }
  })
)

/** Both academics groups. */
export const AcademicsRpc = Layer.mergeAll(AcademicsQueryRpc, AcademicsCommandRpc)
