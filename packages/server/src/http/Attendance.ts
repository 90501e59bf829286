/**
 * Handlers of the `attendance` group. The service authorizes signing,
 * roll calls, QR codes and excuses itself (it knows the course's teachers);
 * these handlers add the plain permission checks: `attendance:read` for
 * course signatures, refusals, rolls and reports, `attendance:admin` for
 * the close command and school policies.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Attendance, type AttendancePrincipal, Authenticated, reportCsv, rollCsv, SignetApi } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, requirePermission } from "../Auth.js"

/** The caller's user type and school, from the verified token. */
export const principalOf: Effect.Effect<AttendancePrincipal, never, Authenticated> = Effect.map(Authenticated, (p) => ({
  userType: p.userType,
  schoolId: p.schoolId
}))

const read = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  asPrincipal(Effect.zipRight(requirePermission("attendance:read"), self))
const admin = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  asPrincipal(Effect.zipRight(requirePermission("attendance:admin"), self))

/** Handlers for `/api/v1/tenants/{slug}/{signatures,courses/…,excuses,students/…,attendance/…}`. */
export const AttendanceHttp = HttpApiBuilder.group(SignetApi, "attendance", (h) =>
  h
    .handle("createSignatureAttempt", ({ payload }) =>
      asPrincipal(Effect.flatMap(principalOf, (p) => Attendance.use((a) => a.createSignatureAttempt(payload, p))))
    )
    .handle("getSignature", ({ path }) => read(Attendance.use((a) => a.getSignature(path.id))))
    .handle("patchSignature", ({ path, payload }) =>
      asPrincipal(Attendance.use((a) => a.patchSignature(path.id, payload)))
    )
    .handle("listCourseSignatures", ({ path }) => read(Attendance.use((a) => a.listSignatures(path.id))))
    .handle("listCourseRefusals", ({ path, urlParams }) =>
      read(Attendance.use((a) => a.listRefusals(path.id, urlParams)))
    )
    .handle("getQrCode", ({ path }) => asPrincipal(Attendance.use((a) => a.currentQrCode(path.id))))
    .handle("getRoll", ({ path }) => read(Attendance.use((a) => a.courseRoll(path.id))))
    .handle("getRollCsv", ({ path }) =>
      read(
        Effect.map(
          Attendance.use((a) => a.courseRoll(path.id)),
          rollCsv
        )
      )
    )
    .handle("markRoll", ({ path, payload }) => asPrincipal(Attendance.use((a) => a.markRoll(path.id, payload))))
    .handle("closeExpiredCourses", () =>
      admin(
        Attendance.use((a) =>
          Effect.flatMap(
            Effect.clockWith((c) => c.currentTimeMillis),
            (now) => a.closeExpiredCourses(new Date(now).toISOString())
          )
        )
      )
    )
    .handle("getAttendancePolicy", ({ path }) => read(Attendance.use((a) => a.getPolicy(path.id))))
    .handle("updateAttendancePolicy", ({ path, payload }) =>
      admin(Attendance.use((a) => a.updatePolicy(path.id, payload)))
    )
    .handle("submitExcuse", ({ payload }) => asPrincipal(Attendance.use((a) => a.submitExcuse(payload))))
    .handle("listExcuses", ({ urlParams }) => asPrincipal(Attendance.use((a) => a.listExcuses(urlParams))))
    .handle("getExcuse", ({ path }) => asPrincipal(Attendance.use((a) => a.getExcuse(path.id))))
    .handle("getExcuseAttachment", ({ path }) => asPrincipal(Attendance.use((a) => a.excuseAttachment(path.id))))
    .handle("decideExcuse", ({ path, payload }) => asPrincipal(Attendance.use((a) => a.decideExcuse(path.id, payload))))
    .handle("studentHistory", ({ path, urlParams }) =>
      asPrincipal(Attendance.use((a) => a.studentHistory(path.id, urlParams)))
    )
    .handle("report", ({ urlParams }) => read(Attendance.use((a) => a.report(urlParams))))
    .handle("reportCsv", ({ urlParams }) =>
      read(
        Effect.map(
          Attendance.use((a) => a.report(urlParams)),
          reportCsv
        )
      )
    )
)
