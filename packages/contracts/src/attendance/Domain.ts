/**
 * Attendance domain (seed 004 "attendance" ownership, `attendance.proto`,
 * "Attendance validation rules"; ARCHITECTURE §4): signatures of students and
 * teachers, the refusal log, roll results, excuses and per-school attendance
 * policies.
 *
 * Attendance is the only writer of signatures. Courses, groups and schools
 * belong to the academics module, users to identity; they are referred to by
 * id only.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { ClassroomId, CourseId, Instant, SchoolId } from "../academics/Domain.js"
import { UserId } from "../kernel/Ids.js"
import { strictStruct } from "../tenancy/Domain.js"

/** Branded signature id (UUIDv7; `signatures.id`). */
export const SignatureId = Schema.UUID.pipe(
  Schema.brand("SignatureId"),
  Schema.annotations({ identifier: "SignatureId" })
)
/** @see SignatureId */
export type SignatureId = typeof SignatureId.Type

/** Branded id of a refused signature attempt (UUIDv7; `signature_refusals.id`). */
export const SignatureRefusalId = Schema.UUID.pipe(
  Schema.brand("SignatureRefusalId"),
  Schema.annotations({ identifier: "SignatureRefusalId" })
)
/** @see SignatureRefusalId */
export type SignatureRefusalId = typeof SignatureRefusalId.Type

/** Branded excuse id (UUIDv7; `excuses.id`; an excuse's attachment is addressed through it). */
export const ExcuseId = Schema.UUID.pipe(Schema.brand("ExcuseId"), Schema.annotations({ identifier: "ExcuseId" }))
/** @see ExcuseId */
export type ExcuseId = typeof ExcuseId.Type

/** `SignatureMethod` (attendance.proto), without the `SIGNATURE_METHOD_` prefix. */
export const SignatureMethod = Schema.Literal("QR", "NFC", "FLASHLIGHT", "BEACON", "TEACHER", "ADMIN").annotations({
  identifier: "SignatureMethod",
  description:
    "QR: rotating course code; NFC: registered student device; FLASHLIGHT/BEACON: classroom beacon proof; TEACHER: marked by the course's teacher; ADMIN: override"
})
/** @see SignatureMethod */
export type SignatureMethod = typeof SignatureMethod.Type

/** `SignatureStatus` (attendance.proto), without the `SIGNATURE_STATUS_` prefix. */
export const SignatureStatus = Schema.Literal("PENDING", "ACCEPTED", "REFUSED", "LATE").annotations({
  identifier: "SignatureStatus"
})
/** @see SignatureStatus */
export type SignatureStatus = typeof SignatureStatus.Type

/** A student's roll result for one course. */
export const RollResult = Schema.Literal("PRESENT", "LATE", "ABSENT", "EXCUSED").annotations({
  identifier: "RollResult"
})
/** @see RollResult */
export type RollResult = typeof RollResult.Type

/**
 * Machine-readable reasons a signature attempt is refused, in the order the
 * rules run (seed 004 "Attendance validation rules", issue 5 §2–3).
 */
export const RefusalReason = Schema.Literal(
  "COURSE_NOT_FOUND",
  "COURSE_OTHER_SCHOOL",
  "COURSE_NOT_STARTED",
  "COURSE_ENDED",
  "COURSE_CLOSED",
  "SIGNING_CLOSED",
  "NOT_ENROLLED",
  "TEACHER_NOT_ASSIGNED",
  "TEACHER_NOT_SIGNED",
  "METHOD_DISABLED",
  "QR_CODE_INVALID",
  "QR_CODE_EXPIRED",
  "IP_NOT_ALLOWED",
  "DEVICE_NOT_REGISTERED",
  "CLASSROOM_NOT_LINKED"
).annotations({ identifier: "RefusalReason" })
/** @see RefusalReason */
export type RefusalReason = typeof RefusalReason.Type

/** Who signed: a student (StudentSignature) or the course's teacher (TeacherSignature). */
export const SignerKind = Schema.Literal("student", "teacher")
/** @see SignerKind */
export type SignerKind = typeof SignerKind.Type

/** `BeaconProof` (attendance.proto): what the beacon module verified before submitting. */
export const BeaconProof = Schema.Struct({
  beacon_id: Schema.String.pipe(Schema.maxLength(64)),
  classroom_id: ClassroomId,
  proof_type: Schema.String.pipe(Schema.maxLength(64)).annotations({
    description: '"buzzLightyear", "signedTimestamp", …'
  }),
  proof_payload: Schema.optional(
    Schema.String.pipe(Schema.maxLength(4096)).annotations({ description: "Opaque proof, base64" })
  ),
  proof_time: Instant
}).annotations({ identifier: "BeaconProof" })
/** @see BeaconProof */
export type BeaconProof = typeof BeaconProof.Type

/** A signature (attendance truth): one per signer and course. */
export class Signature extends Schema.Class<Signature>("Signature")({
  id: SignatureId,
  course_id: CourseId,
  school_id: SchoolId,
  signer_id: UserId,
  signer_kind: SignerKind,
  method: SignatureMethod,
  status: SignatureStatus,
  reason_code: Schema.NullOr(Schema.String).annotations({ description: "Why LATE or REFUSED" }),
  message: Schema.NullOr(Schema.String),
  proof_ref: Schema.NullOr(Schema.String).annotations({
    description: "Proof reference: QR time step, device identifier, beacon id"
  }),
  administrator_id: Schema.NullOr(UserId),
  admin_reason: Schema.NullOr(Schema.String),
  changed_by: Schema.NullOr(UserId),
  previous_status: Schema.NullOr(SignatureStatus),
  received_at: Schema.DateTimeUtc,
  decided_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A refused attempt: only this record is written (no signature, no roll result). */
export class SignatureRefusal extends Schema.Class<SignatureRefusal>("SignatureRefusal")({
  id: SignatureRefusalId,
  course_id: CourseId.annotations({
    description: "The course; for a beacon attempt in a classroom where no course ran, the classroom's id"
  }),
  signer_id: Schema.NullOr(UserId),
  method: SignatureMethod,
  reason_code: RefusalReason,
  message: Schema.String,
  actor_id: Schema.NullOr(Schema.String).annotations({ description: "The acting user, API key, beacon, …" }),
  ip: Schema.NullOr(Schema.String),
  received_at: Schema.DateTimeUtc
}) {}

/**
 * Body of `AttendanceCommand.CreateSignatureAttempt` and
 * `POST …/signatures` (attendance.proto `CreateSignatureAttemptRequest`,
 * plus the per-method proof fields).
 */
export const CreateSignatureAttempt = strictStruct("CreateSignatureAttempt", {
  course_id: CourseId.annotations({
    description: "Target course; optional for beacon methods (resolved from the classroom and time)"
  }).pipe(Schema.optional),
  student_id: Schema.optional(
    UserId.annotations({
      description: "The signing student. Students may omit it (themselves); a teacher signing the course omits it"
    })
  ),
  method: SignatureMethod,
  teacher_id: Schema.optional(UserId),
  administrator_id: Schema.optional(UserId),
  beacon_proof: Schema.optional(BeaconProof),
  received_at: Schema.optional(Instant).annotations({
    description: "When the beacon service received the proof; honoured only for beacon principals"
  }),
  qr_code: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^[0-9]{8}$/, { message: () => "must be the 8-digit code shown on screen" }))
  ),
  device_identifier: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))),
  status: Schema.optional(Schema.Literal("ACCEPTED", "LATE", "REFUSED")).annotations({
    description: "ADMIN and TEACHER methods: the status to record (default ACCEPTED)"
  }),
  reason: Schema.optional(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(1000))).annotations({
    description: "Mandatory for ADMIN overrides"
  }),
  idempotency_key: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)))
})
/** @see CreateSignatureAttempt */
export type CreateSignatureAttempt = typeof CreateSignatureAttempt.Type

/** `CreateSignatureAttemptResponse` (attendance.proto) plus the refusal's code and record id. */
export class SignatureAttemptResult extends Schema.Class<SignatureAttemptResult>("SignatureAttemptResult")({
  signature_id: Schema.NullOr(SignatureId).annotations({ description: "Null when refused" }),
  status: SignatureStatus,
  message: Schema.String,
  reason_code: Schema.NullOr(Schema.String),
  refusal_id: Schema.NullOr(SignatureRefusalId),
  course_id: Schema.NullOr(CourseId),
  existing: Schema.Boolean.annotations({ description: "True when the signer had already signed this course" })
}) {}

/** Body of `PATCH …/signatures/{id}` (seed rule 6: only teachers and admins change a status). */
export const PatchSignature = strictStruct("PatchSignature", {
  status: Schema.optional(Schema.Literal("ACCEPTED", "LATE", "REFUSED")),
  message: Schema.optional(Schema.Trim.pipe(Schema.maxLength(1000))),
  administrator_id: Schema.optional(Schema.NullOr(UserId)),
  admin_reason: Schema.optional(Schema.NullOr(Schema.Trim.pipe(Schema.maxLength(1000))))
})
/** @see PatchSignature */
export type PatchSignature = typeof PatchSignature.Type

/** One mark of a teacher's roll call. */
export const RollMark = Schema.Struct({
  student_id: UserId,
  result: Schema.Literal("PRESENT", "LATE", "ABSENT", "EXCUSED")
})
/** Body of `POST …/courses/{id}/roll` (TEACHER method, bulk). */
export const MarkRoll = strictStruct("MarkRoll", {
  marks: Schema.Array(RollMark).pipe(Schema.minItems(1), Schema.maxItems(1000)),
  note: Schema.optional(
    Schema.Trim.pipe(Schema.maxLength(500)).annotations({
      description: "Why the roll was marked (kept in the audit row attendance.roll.marked)"
    })
  )
})
/** @see MarkRoll */
export type MarkRoll = typeof MarkRoll.Type

/** One row of a course's roll. */
export class RollEntry extends Schema.Class<RollEntry>("RollEntry")({
  student_id: UserId,
  result: Schema.NullOr(RollResult).annotations({ description: "Null while unmarked (course still open)" }),
  signature_id: Schema.NullOr(SignatureId),
  method: Schema.NullOr(SignatureMethod),
  signed_at: Schema.NullOr(Schema.DateTimeUtc),
  excuse_id: Schema.NullOr(ExcuseId)
}) {}

/** A course's roll: every enrolled student and their result. */
export class CourseRoll extends Schema.Class<CourseRoll>("CourseRoll")({
  course_id: CourseId,
  course_name: Schema.String,
  start_at: Schema.DateTimeUtc,
  end_at: Schema.DateTimeUtc,
  closed: Schema.Boolean,
  teacher_signed: Schema.Boolean,
  counts: Schema.Struct({
    PRESENT: Schema.Number,
    LATE: Schema.Number,
    ABSENT: Schema.Number,
    EXCUSED: Schema.Number,
    UNMARKED: Schema.Number
  }),
  entries: Schema.Array(RollEntry)
}) {}

/** Result of a bulk roll call. */
export class RollMarked extends Schema.Class<RollMarked>("RollMarked")({
  course_id: CourseId,
  marked: Schema.Number,
  unchanged: Schema.Number
}) {}

/** The current QR code of a course, for the teacher's screen. */
export class QrCode extends Schema.Class<QrCode>("QrCode")({
  course_id: CourseId,
  code: Schema.String.annotations({ description: "8 digits" }),
  step: Schema.Number,
  step_seconds: Schema.Number,
  expires_at: Schema.DateTimeUtc,
  payload: Schema.String.annotations({ description: "What the QR image encodes" }),
  svg: Schema.String.annotations({ description: "The QR image (SVG)" })
}) {}

/** Per-school attendance policy (attendance-owned; defaults from the tenant settings). */
export class AttendancePolicy extends Schema.Class<AttendancePolicy>("AttendancePolicy")({
  school_id: SchoolId,
  late_policy: Schema.Literal("late", "refuse").annotations({
    description: "After the closing delay: mark LATE or REFUSE"
  }),
  window_grace_minutes: Schema.Number,
  qr_step_seconds: Schema.Number,
  ip_allowlist: Schema.Array(Schema.String).annotations({
    description: "CIDR ranges QR signatures must come from; empty = anywhere"
  })
}) {}

/** Body of `PUT …/schools/{id}/attendance-policy` (partial). */
export const UpdateAttendancePolicy = strictStruct("UpdateAttendancePolicy", {
  late_policy: Schema.optional(Schema.Literal("late", "refuse")),
  window_grace_minutes: Schema.optional(Schema.Int.pipe(Schema.between(0, 120))),
  qr_step_seconds: Schema.optional(Schema.Int.pipe(Schema.between(5, 120))),
  ip_allowlist: Schema.optional(Schema.Array(Schema.String.pipe(Schema.maxLength(64))).pipe(Schema.maxItems(100)))
})
/** @see UpdateAttendancePolicy */
export type UpdateAttendancePolicy = typeof UpdateAttendancePolicy.Type

/** Excuse status. */
export const ExcuseStatus = Schema.Literal("pending", "approved", "rejected").annotations({
  identifier: "ExcuseStatus"
})
/** @see ExcuseStatus */
export type ExcuseStatus = typeof ExcuseStatus.Type

/** Attachment types accepted with an excuse (checked against the file's first bytes). */
export const ATTACHMENT_TYPES = ["application/pdf", "image/png", "image/jpeg", "image/webp"] as const
/** Largest accepted attachment, in bytes (5 MiB). */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

/** Why a student was absent (an excuse's reason). */
export const ExcuseReason = Schema.Literal("illness", "family", "transport", "appointment", "other").annotations({
  identifier: "ExcuseReason"
})
/** @see ExcuseReason */
export type ExcuseReason = typeof ExcuseReason.Type

/** Body of `POST …/excuses`. */
export const SubmitExcuse = strictStruct("SubmitExcuse", {
  course_id: CourseId,
  student_id: Schema.optional(UserId.annotations({ description: "Default: the caller (a student)" })),
  reason: ExcuseReason,
  note: Schema.optional(Schema.Trim.pipe(Schema.maxLength(2000))),
  attachment: Schema.optional(
    Schema.Struct({
      filename: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200)),
      content_type: Schema.Literal(...ATTACHMENT_TYPES),
      data_base64: Schema.String.pipe(
        Schema.maxLength(Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4 + 4, {
          message: () => "attachment is larger than 5 MiB"
        })
      )
    })
  )
})
/** @see SubmitExcuse */
export type SubmitExcuse = typeof SubmitExcuse.Type

/** An excuse request for an absence. */
export class Excuse extends Schema.Class<Excuse>("Excuse")({
  id: ExcuseId,
  course_id: CourseId,
  student_id: UserId,
  reason: ExcuseReason,
  note: Schema.NullOr(Schema.String),
  status: ExcuseStatus,
  attachment: Schema.NullOr(
    Schema.Struct({ filename: Schema.String, content_type: Schema.String, size: Schema.Number })
  ),
  submitted_by: Schema.NullOr(UserId),
  decided_by: Schema.NullOr(UserId),
  decision_comment: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  decided_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** Body of `POST …/excuses/{id}/decision`. */
export const DecideExcuse = strictStruct("DecideExcuse", {
  decision: Schema.Literal("approve", "reject"),
  comment: Schema.optional(Schema.Trim.pipe(Schema.maxLength(2000)))
})
/** @see DecideExcuse */
export type DecideExcuse = typeof DecideExcuse.Type

/**
 * One course of a student's history: the course, when it starts and ends
 * (instants, UTC; `end_at` lets a client tell a course still running from
 * one that is over, e.g. a course begun before midnight on a "today" page)
 * and the student's result (null: unmarked).
 */
export class HistoryEntry extends Schema.Class<HistoryEntry>("HistoryEntry")({
  course_id: CourseId,
  course_name: Schema.String,
  start_at: Schema.DateTimeUtc,
  end_at: Schema.DateTimeUtc,
  result: Schema.NullOr(RollResult)
}) {}

/** Counts and rate: rate = (PRESENT + LATE) / (PRESENT + LATE + ABSENT); EXCUSED and unmarked are left out. */
export class AttendanceCounts extends Schema.Class<AttendanceCounts>("AttendanceCounts")({
  courses: Schema.Number,
  present: Schema.Number,
  late: Schema.Number,
  absent: Schema.Number,
  excused: Schema.Number,
  unmarked: Schema.Number,
  rate: Schema.NullOr(Schema.Number).annotations({ description: "0..1; null when nothing counted" })
}) {}

/** A student's attendance over a date range. */
export class StudentHistory extends Schema.Class<StudentHistory>("StudentHistory")({
  student_id: UserId,
  from: Schema.NullOr(Schema.DateTimeUtc),
  to: Schema.NullOr(Schema.DateTimeUtc),
  totals: AttendanceCounts,
  entries: Schema.Array(HistoryEntry)
}) {}

/** One line of a group or school report. */
export class ReportLine extends Schema.Class<ReportLine>("ReportLine")({
  student_id: UserId,
  email: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  totals: AttendanceCounts
}) {}

/** Attendance report of a school or group over a date range. */
export class AttendanceReport extends Schema.Class<AttendanceReport>("AttendanceReport")({
  scope: Schema.Literal("school", "group", "course"),
  scope_id: Schema.String.annotations({ description: "The school, group or course id" }),
  from: Schema.NullOr(Schema.DateTimeUtc),
  to: Schema.NullOr(Schema.DateTimeUtc),
  courses: Schema.Number,
  totals: AttendanceCounts,
  lines: Schema.Array(ReportLine)
}) {}

/** Result of `CloseExpiredCourses` as run by attendance (courses closed and absences set). */
export class CloseResult extends Schema.Class<CloseResult>("CloseResult")({
  closed_count: Schema.Number,
  course_ids: Schema.Array(CourseId),
  absences: Schema.Number
}) {}

/** 404 — no such signature, excuse or course in the caller's tenant. */
export class AttendanceNotFound extends Schema.TaggedError<AttendanceNotFound>()(
  "AttendanceNotFound",
  {
    message: Schema.String,
    resource: Schema.Literal("signature", "excuse", "course", "student", "school", "group", "classroom"),
    id: Schema.String
  },
  HttpApiSchema.annotations({ status: 404, description: "No such attendance object" })
) {}
