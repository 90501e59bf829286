/**
 * Handlers of the `attendance` group: each one line over `AttendanceAdmin`
 * (core), which carries the permissions (`attendance:read` for signatures,
 * refusals, rolls and reports; `attendance:admin` for the close command and
 * school policies) and takes the caller's user type and school from the
 * verified token. The service authorizes signing, roll calls, QR codes and
 * excuses itself (it knows the course's teachers).
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { AttendanceAdmin as A, policyUse, SignetApi } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("attendance:read")
const admin = policyUse("attendance:admin")

/** Handlers for `/api/v1/tenants/{slug}/{signatures,courses/…,excuses,students/…,attendance/…}`. */
export const AttendanceHttp = HttpApiBuilder.group(SignetApi, "attendance", (h) =>
  h
    .handle("createSignatureAttempt", ({ payload }) => asPrincipal(A.createSignatureAttempt(payload)))
    .handle("getSignature", ({ path }) => asPrincipal(A.getSignature(path.id).pipe(read)))
    .handle("patchSignature", ({ path, payload }) => asPrincipal(A.patchSignature(path.id, payload)))
    .handle("listCourseSignatures", ({ path }) => asPrincipal(A.listSignatures(path.id).pipe(read)))
    .handle("listCourseRefusals", ({ path, urlParams }) => asPrincipal(A.listRefusals(path.id, urlParams).pipe(read)))
    .handle("getQrCode", ({ path }) => asPrincipal(A.currentQrCode(path.id)))
    .handle("getRoll", ({ path }) => asPrincipal(A.courseRoll(path.id).pipe(read)))
    .handle("getRollCsv", ({ path }) => asPrincipal(A.courseRollCsv(path.id).pipe(read)))
    .handle("markRoll", ({ path, payload }) => asPrincipal(A.markRoll(path.id, payload)))
    .handle("closeExpiredCourses", () => asPrincipal(A.closeExpiredCourses.pipe(admin)))
    .handle("getAttendancePolicy", ({ path }) => asPrincipal(A.getPolicy(path.id).pipe(read)))
    .handle("updateAttendancePolicy", ({ path, payload }) => asPrincipal(A.updatePolicy(path.id, payload).pipe(admin)))
    .handle("submitExcuse", ({ payload }) => asPrincipal(A.submitExcuse(payload)))
    .handle("listExcuses", ({ urlParams }) => asPrincipal(A.listExcuses(urlParams)))
    .handle("getExcuse", ({ path }) => asPrincipal(A.getExcuse(path.id)))
    .handle("getExcuseAttachment", ({ path }) => asPrincipal(A.excuseAttachment(path.id)))
    .handle("decideExcuse", ({ path, payload }) => asPrincipal(A.decideExcuse(path.id, payload)))
    .handle("studentHistory", ({ path, urlParams }) => asPrincipal(A.studentHistory(path.id, urlParams)))
    .handle("report", ({ urlParams }) => asPrincipal(A.report(urlParams).pipe(read)))
    .handle("reportCsv", ({ urlParams }) => asPrincipal(A.reportCsv(urlParams).pipe(read)))
)
