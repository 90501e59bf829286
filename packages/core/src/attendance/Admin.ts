/**
 * The attendance facade (issue 14 §1): every operation the server exposes
 * over REST and RPC, with its permission in its type ({@link policyRequire})
 * and the caller taken from context — the tenant from `CurrentTenant`, the
 * actor and its verified user type and school (`actor.userType`,
 * `actor.schoolId`) from `CurrentActor`, never from a caller-supplied
 * principal. An HTTP or RPC handler is one line:
 * `AttendanceAdmin.op(args).pipe(policyUse("attendance:read"))`; forgetting
 * the `policyUse` of an operation that requires one does not compile.
 *
 * | operation | permission in the type |
 * |---|---|
 * | `getSignature`, `listCourseSignatures`, `listCourseRefusals`, `getRoll`, `getRollCsv`, `getPolicy`, `report`, `reportCsv` | `attendance:read` |
 * | `closeExpiredCourses`, `updatePolicy` | `attendance:admin` |
 * | `createSignatureAttempt`, `patchSignature`, `getQrCode`, `markRoll`, `closeCourse`, `submitExcuse`, `listExcuses`, `getExcuse`, `getExcuseAttachment`, `decideExcuse`, `studentHistory` | none: the service decides (the method's signer, the course's teachers, the student themselves; see `Attendance.ts`) |
 *
 * `closeExpiredCourses` closes at the server's clock (Effect's `Clock`),
 * never a caller's `now` (issue 15 §3: over RPC a caller's `now` a month
 * ahead closed a course and marked its students ABSENT).
 * `createSignatureAttempt` applies the attempt limits of student-initiated
 * methods (`Limits.ts`, 429 `RateLimited`) before the rules.
 *
 * The `Attendance` service underneath stays unguarded for the modules that
 * call it on the system's behalf (beacons, the close job).
 *
 * @module
 */

import type { CourseId, SchoolId } from "@signet/contracts/academics/Domain"
import type {
  CreateSignatureAttempt,
  DecideExcuse,
  ExcuseId,
  MarkRoll,
  PatchSignature,
  SignatureId,
  SubmitExcuse,
  UpdateAttendancePolicy
} from "@signet/contracts/attendance/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { Clock, Effect } from "effect"
import { policyRequire } from "../access/Policy.js"
import { instant } from "../kernel/Sql.js"
import { Attendance, principalOfActor } from "./Attendance.js"
import { type ReportQuery, reportCsv, rollCsv } from "./Reports.js"

const attendanceRead = policyRequire("attendance", "read")
const attendanceAdmin = policyRequire("attendance", "admin")

/** Filters of {@link AttendanceAdmin.listExcuses}. */
export interface ListExcuses {
  readonly status?: "pending" | "approved" | "rejected" | undefined
  readonly course_id?: CourseId | undefined
  readonly student_id?: UserId | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/** Cursor pagination (`cursor`, `limit`). */
export interface PageQuery {
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/** A date range of courses starting in [from, to) (ISO-8601 instants). */
export interface DateRange {
  readonly from?: string | undefined
  readonly to?: string | undefined
}

/** Attendance operations with their permissions in their types; see the module comment. */
export const AttendanceAdmin = {
  /**
   * `CreateSignatureAttempt` (seed 004 "Attendance validation rules") as the
   * current actor, with the user type and school of its verified token.
   * Student-initiated methods (QR, NFC) count against the attempt limits first.
   * @errors Forbidden, ValidationError, AttendanceNotFound, Conflict (idempotency key), RateLimited (429)
   */
  createSignatureAttempt: (input: CreateSignatureAttempt) =>
    Attendance.use((a) =>
      Effect.zipRight(
        a.limitAttempt(input),
        Effect.flatMap(CurrentActor, (actor) => a.createSignatureAttempt(input, principalOfActor(actor)))
      )
    ),
  /** One signature (`attendance:read`). @errors AttendanceNotFound */
  getSignature: (id: SignatureId) => attendanceRead(Attendance.use((a) => a.getSignature(id))),
  /** Changes a signature (the course's teachers and admins; seed rule 6). @errors AttendanceNotFound, Forbidden */
  patchSignature: (id: SignatureId, patch: PatchSignature) => Attendance.use((a) => a.patchSignature(id, patch)),
  /** A course's signatures, oldest first (`attendance:read`). @errors AttendanceNotFound (course) */
  listCourseSignatures: (courseId: CourseId) => attendanceRead(Attendance.use((a) => a.listSignatures(courseId))),
  /** A course's refused attempts, a page (`attendance:read`). @errors AttendanceNotFound, ValidationError (cursor) */
  listCourseRefusals: (courseId: CourseId, params: PageQuery = {}) =>
    attendanceRead(Attendance.use((a) => a.listRefusals(courseId, params))),
  /** The current QR code of a course (its teachers and admins). @errors AttendanceNotFound, Forbidden, Conflict (closed) */
  getQrCode: (courseId: CourseId) => Attendance.use((a) => a.currentQrCode(courseId)),
  /** A course's roll (`attendance:read`). @errors AttendanceNotFound */
  getRoll: (courseId: CourseId) => attendanceRead(Attendance.use((a) => a.courseRoll(courseId))),
  /** A course's roll as CSV, RFC 4180 with a header row (`attendance:read`). @errors AttendanceNotFound */
  getRollCsv: (courseId: CourseId) =>
    attendanceRead(Attendance.use((a) => Effect.map(a.courseRoll(courseId), rollCsv))),
  /**
   * The teacher's roll call (the course's teachers and admins).
   * @errors AttendanceNotFound, Forbidden, ValidationError (a student not enrolled), Conflict (closed)
   */
  markRoll: (courseId: CourseId, input: MarkRoll) => Attendance.use((a) => a.markRoll(courseId, input)),
  /**
   * `CloseCourse` now (the course's teachers and admins; issue 17): signing
   * closes, unmarked students become ABSENT.
   * @errors AttendanceNotFound, Forbidden, Conflict (not started)
   */
  closeCourse: (courseId: CourseId) => Attendance.use((a) => a.closeCourse(courseId)),
  /**
   * `CloseExpiredCourses` at the server's clock (`attendance:admin`): ended
   * courses close and their unmarked students become ABSENT.
   */
  closeExpiredCourses: () =>
    attendanceAdmin(
      Attendance.use((a) => Effect.flatMap(Clock.currentTimeMillis, (now) => a.closeExpiredCourses(instant(now))))
    ),
  /** A school's attendance policy (`attendance:read`). @errors AttendanceNotFound (school) */
  getPolicy: (schoolId: SchoolId) => attendanceRead(Attendance.use((a) => a.getPolicy(schoolId))),
  /** Changes a school's attendance policy (`attendance:admin`). @errors AttendanceNotFound (school), ValidationError */
  updatePolicy: (schoolId: SchoolId, patch: UpdateAttendancePolicy) =>
    attendanceAdmin(Attendance.use((a) => a.updatePolicy(schoolId, patch))),
  /**
   * Submits an excuse (the student, or the course's staff for them).
   * @errors AttendanceNotFound, Forbidden, ValidationError (attachment, enrolment), Conflict (one already open)
   */
  submitExcuse: (input: SubmitExcuse) => Attendance.use((a) => a.submitExcuse(input)),
  /** Excuses, a page (students: their own). @errors Forbidden, ValidationError (cursor) */
  listExcuses: (params: ListExcuses = {}) => Attendance.use((a) => a.listExcuses(params)),
  /** One excuse (the student, the course's staff, or `attendance:read`). @errors AttendanceNotFound */
  getExcuse: (id: ExcuseId) => Attendance.use((a) => a.getExcuse(id)),
  /**
   * An excuse's attachment as a file — sanitized name, checked type, exact
   * bytes (as {@link getExcuse} decides who may read it); REST serves it as a
   * download through `attachmentResponse` (issue 15 §5).
   * @errors AttendanceNotFound (excuse, or it has none)
   */
  getExcuseAttachment: (id: ExcuseId) => Attendance.use((a) => a.excuseAttachment(id)),
  /** Approves or rejects an excuse (the course's staff). @errors AttendanceNotFound, Forbidden, Conflict */
  decideExcuse: (id: ExcuseId, input: DecideExcuse) => Attendance.use((a) => a.decideExcuse(id, input)),
  /** A student's history (the student themselves or `attendance:read`). @errors Forbidden, AttendanceNotFound */
  studentHistory: (studentId: UserId, range: DateRange = {}) =>
    Attendance.use((a) => a.studentHistory(studentId, range)),
  /** Report of a school, group or course (`attendance:read`). @errors AttendanceNotFound (scope), ValidationError */
  report: (params: ReportQuery) => attendanceRead(Attendance.use((a) => a.report(params))),
  /** The same report as CSV, RFC 4180 with a header row (`attendance:read`). @errors as {@link report} */
  reportCsv: (params: ReportQuery) => attendanceRead(Attendance.use((a) => Effect.map(a.report(params), reportCsv)))
} as const
