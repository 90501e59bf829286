/**
 * REST contract of the attendance module (seed 004 prefixes `/signatures`,
 * `/signature`, under the tenant). Students sign and read their own
 * history and excuses; teachers take the roll and display QR codes for
 * their courses; `attendance:admin` overrides, closes and reads everything.
 *
 * A refused attempt is not an HTTP error: `POST …/signatures` answers 200
 * with `status: "REFUSED"`, a `reason_code` and a message (and the refusal
 * is recorded). Malformed attempts answer 400, a course of another tenant 404.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { CourseId, Instant, SchoolId } from "../academics/Domain.js"
import { Conflict, Forbidden, QuotaExceeded, RateLimited, ValidationError } from "../kernel/Errors.js"
import { UserId } from "../kernel/Ids.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { UserAuth } from "../kernel/Security.js"
import {
  AttendanceNotFound,
  AttendancePolicy,
  AttendanceReport,
  CloseResult,
  CourseRoll,
  CreateSignatureAttempt,
  DecideExcuse,
  Excuse,
  ExcuseId,
  ExcuseStatus,
  MarkRoll,
  PatchSignature,
  QrCode,
  RollMarked,
  Signature,
  SignatureAttemptResult,
  SignatureId,
  SignatureRefusal,
  StudentHistory,
  SubmitExcuse,
  UpdateAttendancePolicy
} from "./Domain.js"

const slug = HttpApiSchema.param("slug", Schema.String)
// Every path's `{id}` names the object the path is about, as its branded id (a malformed one answers 400).
const signatureId = HttpApiSchema.param("id", SignatureId)
const courseId = HttpApiSchema.param("id", CourseId)
const schoolId = HttpApiSchema.param("id", SchoolId)
const excuseId = HttpApiSchema.param("id", ExcuseId)
const studentId = HttpApiSchema.param("id", UserId)

/** Date range of reports: courses starting in [from, to). */
export const ReportRange = Schema.Struct({
  from: Schema.optional(Instant),
  to: Schema.optional(Instant)
})

/** Query of `GET …/attendance/report`. */
export const ReportParams = Schema.Struct({
  scope: Schema.Literal("school", "group", "course"),
  id: Schema.String,
  ...ReportRange.fields
})

/**
 * An excuse attachment as served (issue 15 §5): the raw bytes of the file, as
 * a download — `Content-Type` the checked type, `Content-Disposition:
 * attachment` with the sanitized name (RFC 6266, `filename*` per RFC 5987),
 * `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox`.
 * Clients read it as bytes (`Uint8Array`).
 */
export const ExcuseAttachment = HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" })

/** `attendance` group. */
export class AttendanceApi extends HttpApiGroup.make("attendance")
  .add(
    HttpApiEndpoint.post("createSignatureAttempt")`/api/v1/tenants/${slug}/signatures`
      .setPayload(CreateSignatureAttempt)
      .addSuccess(SignatureAttemptResult)
      .addError(RateLimited)
      .addError(QuotaExceeded)
      .annotate(
        OpenApi.Summary,
        "Sign a course (CreateSignatureAttempt): QR, NFC, FLASHLIGHT, BEACON, TEACHER or ADMIN"
      )
      .annotate(
        OpenApi.Description,
        "Applies the seed's rules in order; a refusal answers 200 with status REFUSED and a reason_code. " +
          "Signing twice answers the first signature with existing=true. " +
          "Student attempts (QR, NFC) are rate-limited per student and per course (429 RateLimited). " +
          "402 QuotaExceeded when the tenant's plan limit `signatures.monthly` is reached."
      )
  )
  .add(HttpApiEndpoint.get("getSignature")`/api/v1/tenants/${slug}/signatures/${signatureId}`.addSuccess(Signature))
  .add(
    HttpApiEndpoint.patch("patchSignature")`/api/v1/tenants/${slug}/signatures/${signatureId}`
      .setPayload(PatchSignature)
      .addSuccess(Signature)
      .annotate(OpenApi.Summary, "Change a signature's status (the course's teachers and admins; admin fields: admins)")
  )
  .add(
    HttpApiEndpoint.get("listCourseSignatures")`/api/v1/tenants/${slug}/courses/${courseId}/signatures`
      .addSuccess(Schema.Array(Signature))
      .annotate(OpenApi.Summary, "Signatures of a course (attendance:read)")
  )
  .add(
    HttpApiEndpoint.get("listCourseRefusals")`/api/v1/tenants/${slug}/courses/${courseId}/refusals`
      .setUrlParams(PageParams)
      .addSuccess(Page(SignatureRefusal))
      .annotate(OpenApi.Summary, "Refused attempts of a course, with their reason codes (attendance:read)")
  )
  .add(
    HttpApiEndpoint.get("getQrCode")`/api/v1/tenants/${slug}/courses/${courseId}/qr`
      .addSuccess(QrCode)
      .annotate(OpenApi.Summary, "The course's current rotating QR code and image, for the teacher's screen")
  )
  .add(
    HttpApiEndpoint.get("getRoll")`/api/v1/tenants/${slug}/courses/${courseId}/roll`
      .addSuccess(CourseRoll)
      .annotate(OpenApi.Summary, "A course's roll: every enrolled student and their result (attendance:read)")
  )
  .add(
    HttpApiEndpoint.get("getRollCsv")`/api/v1/tenants/${slug}/courses/${courseId}/roll.csv`
      .addSuccess(HttpApiSchema.Text({ contentType: "text/csv; charset=utf-8" }))
      .annotate(OpenApi.Summary, "A course's roll as CSV")
  )
  .add(
    HttpApiEndpoint.post("markRoll")`/api/v1/tenants/${slug}/courses/${courseId}/roll`
      .setPayload(MarkRoll)
      .addSuccess(RollMarked)
      .addError(QuotaExceeded)
      .annotate(OpenApi.Summary, "Roll call: mark students PRESENT, LATE, ABSENT or EXCUSED (the course's teacher)")
  )
  .add(
    HttpApiEndpoint.post("closeCourse")`/api/v1/tenants/${slug}/courses/${courseId}/close`
      .addSuccess(CloseResult)
      .annotate(
        OpenApi.Summary,
        "CloseCourse: close signing on this course now; its unmarked students become ABSENT (the course's teacher)"
      )
  )
  .add(
    HttpApiEndpoint.post("closeExpiredCourses")`/api/v1/tenants/${slug}/attendance/close`
      .addSuccess(CloseResult)
      .annotate(
        OpenApi.Summary,
        "Run CloseExpiredCourses now: close ended courses, unmarked students become ABSENT (attendance:admin)"
      )
  )
  .add(
    HttpApiEndpoint.get(
      "getAttendancePolicy"
    )`/api/v1/tenants/${slug}/schools/${schoolId}/attendance-policy`.addSuccess(AttendancePolicy)
  )
  .add(
    HttpApiEndpoint.put("updateAttendancePolicy")`/api/v1/tenants/${slug}/schools/${schoolId}/attendance-policy`
      .setPayload(UpdateAttendancePolicy)
      .addSuccess(AttendancePolicy)
      .annotate(OpenApi.Summary, "Late policy, grace, QR rotation and IP allow-list of a school (attendance:admin)")
  )
  .add(
    HttpApiEndpoint.post("submitExcuse")`/api/v1/tenants/${slug}/excuses`
      .setPayload(SubmitExcuse)
      .addSuccess(Excuse, { status: 201 })
      .annotate(OpenApi.Summary, "Submit an excuse for an absence, with an optional PDF or image (≤ 5 MiB)")
  )
  .add(
    HttpApiEndpoint.get("listExcuses")`/api/v1/tenants/${slug}/excuses`
      .setUrlParams(
        Schema.Struct({
          ...PageParams.fields,
          status: Schema.optional(ExcuseStatus),
          course_id: Schema.optional(CourseId),
          student_id: Schema.optional(UserId)
        })
      )
      .addSuccess(Page(Excuse))
  )
  .add(HttpApiEndpoint.get("getExcuse")`/api/v1/tenants/${slug}/excuses/${excuseId}`.addSuccess(Excuse))
  .add(
    HttpApiEndpoint.get("getExcuseAttachment")`/api/v1/tenants/${slug}/excuses/${excuseId}/attachment`
      .addSuccess(ExcuseAttachment)
      .annotate(
        OpenApi.Summary,
        "Download an excuse's attachment: its bytes with the checked type, as an attachment (the student, the course's staff)"
      )
  )
  .add(
    HttpApiEndpoint.post("decideExcuse")`/api/v1/tenants/${slug}/excuses/${excuseId}/decision`
      .setPayload(DecideExcuse)
      .addSuccess(Excuse)
      .annotate(OpenApi.Summary, "Approve (result becomes EXCUSED) or reject an excuse (the course's staff)")
  )
  .add(
    HttpApiEndpoint.get("studentHistory")`/api/v1/tenants/${slug}/students/${studentId}/attendance`
      .setUrlParams(ReportRange)
      .addSuccess(StudentHistory)
      .annotate(OpenApi.Summary, "A student's attendance history and rate (the student, or attendance:read)")
  )
  .add(
    HttpApiEndpoint.get("report")`/api/v1/tenants/${slug}/attendance/report`
      .setUrlParams(ReportParams)
      .addSuccess(AttendanceReport)
      .annotate(OpenApi.Summary, "Attendance of a school, group or course over a date range (attendance:read)")
  )
  .add(
    HttpApiEndpoint.get("reportCsv")`/api/v1/tenants/${slug}/attendance/report.csv`
      .setUrlParams(ReportParams)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/csv; charset=utf-8" }))
      .annotate(OpenApi.Summary, "The same report as CSV (one line per student)")
  )
  .addError(AttendanceNotFound)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Attendance")
  .annotate(
    OpenApi.Description,
    "Signatures under the seed's rules, QR codes, roll calls, excuses, reports and the close job."
  ) {}
