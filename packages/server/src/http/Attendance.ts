/**
 * Handlers of the `attendance` group: one line each, through the facade
 * `AttendanceAdmin` (core), which carries each operation's permission in its
 * type — `attendance:read` for course signatures, refusals, rolls, policies
 * and reports, `attendance:admin` for the close command and policy changes —
 * and takes the caller's user type and school from `CurrentActor`. The
 * service authorizes signing, roll calls, QR codes and excuses itself.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { AttendanceAdmin, policyUse, SignetApi } from "@signet/core"
import { attachmentResponse } from "@signet/core/attendance/Attachments"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

/** Handlers for `/api/v1/tenants/{slug}/{signatures,courses/…,excuses,students/…,attendance/…}`. */
export const AttendanceHttp = HttpApiBuilder.group(SignetApi, "attendance", (h) =>
  h
    .handle("createSignatureAttempt", ({ payload }) => asPrincipal(AttendanceAdmin.createSignatureAttempt(payload)))
    .handle("getSignature", ({ path }) =>
      asPrincipal(AttendanceAdmin.getSignature(path.id).pipe(policyUse("attendance:read")))
    )
    .handle("patchSignature", ({ path, payload }) => asPrincipal(AttendanceAdmin.patchSignature(path.id, payload)))
    .handle("listCourseSignatures", ({ path }) =>
      asPrincipal(AttendanceAdmin.listCourseSignatures(path.id).pipe(policyUse("attendance:read")))
    )
    .handle("listCourseRefusals", ({ path, urlParams }) =>
      asPrincipal(AttendanceAdmin.listCourseRefusals(path.id, urlParams).pipe(policyUse("attendance:read")))
    )
    .handle("getQrCode", ({ path }) => asPrincipal(AttendanceAdmin.getQrCode(path.id)))
    .handle("getRoll", ({ path }) => asPrincipal(AttendanceAdmin.getRoll(path.id).pipe(policyUse("attendance:read"))))
    .handle("getRollCsv", ({ path }) =>
      asPrincipal(AttendanceAdmin.getRollCsv(path.id).pipe(policyUse("attendance:read")))
    )
    .handle("markRoll", ({ path, payload }) => asPrincipal(AttendanceAdmin.markRoll(path.id, payload)))
    .handle("closeCourse", ({ path }) => asPrincipal(AttendanceAdmin.closeCourse(path.id)))
    .handle("closeExpiredCourses", () =>
      asPrincipal(AttendanceAdmin.closeExpiredCourses().pipe(policyUse("attendance:admin")))
    )
    .handle("getAttendancePolicy", ({ path }) =>
      asPrincipal(AttendanceAdmin.getPolicy(path.id).pipe(policyUse("attendance:read")))
    )
    .handle("updateAttendancePolicy", ({ path, payload }) =>
      asPrincipal(AttendanceAdmin.updatePolicy(path.id, payload).pipe(policyUse("attendance:admin")))
    )
    .handle("submitExcuse", ({ payload }) => asPrincipal(AttendanceAdmin.submitExcuse(payload)))
    .handle("listExcuses", ({ urlParams }) => asPrincipal(AttendanceAdmin.listExcuses(urlParams)))
    .handle("getExcuse", ({ path }) => asPrincipal(AttendanceAdmin.getExcuse(path.id)))
    .handle("getExcuseAttachment", ({ path }) =>
      asPrincipal(Effect.map(AttendanceAdmin.getExcuseAttachment(path.id), attachmentResponse))
    )
    .handle("decideExcuse", ({ path, payload }) => asPrincipal(AttendanceAdmin.decideExcuse(path.id, payload)))
    .handle("studentHistory", ({ path, urlParams }) => asPrincipal(AttendanceAdmin.studentHistory(path.id, urlParams)))
    .handle("report", ({ urlParams }) =>
      asPrincipal(AttendanceAdmin.report(urlParams).pipe(policyUse("attendance:read")))
    )
    .handle("reportCsv", ({ urlParams }) =>
      asPrincipal(AttendanceAdmin.reportCsv(urlParams).pipe(policyUse("attendance:read")))
    )
)
