/**
 * Excuses for absences (issue 5 §5): a student (or the course's staff for
 * them) submits one per course, optionally with a PDF, PNG, JPEG or WebP
 * attachment of at most 5 MiB whose bytes match its type; the course's staff
 * approve (the student's result becomes EXCUSED) or reject it. Students see
 * their own excuses; staff those of their courses; `attendance:read` all.
 * Every submission and decision writes an audit row and an event.
 *
 * @module
 */

import {
  type ATTACHMENT_TYPES,
  type DecideExcuse,
  Excuse,
  MAX_ATTACHMENT_BYTES,
  type SubmitExcuse
} from "@signet/contracts/attendance/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Clock, Effect, Option } from "effect"
import { instant } from "../kernel/Sql.js"
import { forbidden, notFound, type Shared, UUID } from "./Shared.js"
import type { Signatures } from "./Signatures.js"

/** The magic bytes of each accepted attachment type. */
const MAGIC: Record<(typeof ATTACHMENT_TYPES)[number], (b: Buffer) => boolean> = {
  "application/pdf": (b) => b.subarray(0, 5).toString("latin1") === "%PDF-",
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP"
}

/** The attachment's bytes, checked: base64, not empty, at most 5 MiB, bytes of the declared type. */
const attachmentBytes = (attachment: NonNullable<SubmitExcuse["attachment"]>) =>
  Effect.gen(function* () {
    const b64 = attachment.data_base64
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)
      return yield* ValidationError.field("attachment.data_base64", "is not base64")
    const bytes = Buffer.from(b64, "base64")
    if (bytes.length === 0) return yield* ValidationError.field("attachment.data_base64", "is empty")
    if (bytes.length > MAX_ATTACHMENT_BYTES)
      return yield* ValidationError.field("attachment.data_base64", "is larger than 5 MiB")
    if (!MAGIC[attachment.content_type](bytes))
      return yield* ValidationError.field(
        "attachment.content_type",
        `the file is not a ${attachment.content_type} document`
      )
    return bytes
  })

/** The excuse operations of the attendance service. */
export const makeExcuses = (s: Shared, sigs: Signatures) => {
  const findExcuse = (id: string) =>
    Effect.gen(function* () {
      if (!UUID.test(id)) return yield* notFound("excuse", id)
      const r = yield* s.repo.findExcuse(id)
      return Option.isSome(r) ? r.value : yield* notFound("excuse", id)
    })

  /** One excuse (the student, the course's staff, or `attendance:read`). @errors AttendanceNotFound */
  const getExcuse = (id: string) =>
    s.inTx(
      Effect.gen(function* () {
        const r = yield* findExcuse(id)
        if (!(yield* s.maySee(r.student_id)) && !(yield* s.isStaffOf(r.course_id))) return yield* notFound("excuse", id)
        return r
      })
    )

  /**
   * Submits an excuse for a student's absence from a course (the student
   * themselves, or the course's staff for them).
   * @errors AttendanceNotFound (course), Forbidden, ValidationError (student not enrolled, bad attachment), Conflict (an excuse is already pending or approved)
   */
  const submitExcuse = (input: SubmitExcuse) =>
    Effect.gen(function* () {
      const actor = yield* CurrentActor
      const studentId = input.student_id ?? (actor.kind === "user" ? actor.id : null)
      if (!studentId) return yield* ValidationError.field("student_id", "is required")
      const course = yield* s.courseOr404(input.course_id)
      const self = actor.kind === "user" && actor.id === studentId
      if (!self && !(yield* s.isStaffOf(course.id)))
        return yield* forbidden("students submit their own excuses; staff those of their courses")
      if (!(yield* s.academics.validateStudentCourse(studentId, course.id)).is_allowed)
        return yield* ValidationError.field("student_id", "is not enrolled in this course")
      const bytes = input.attachment ? yield* attachmentBytes(input.attachment) : null
      return yield* s.inTx(
        Effect.gen(function* () {
          if (yield* s.repo.hasOpenExcuse(course.id, studentId))
            return yield* new Conflict({ message: "an excuse for this course is already pending or approved" })
          const excuse = new Excuse({
            id: yield* newUuid,
            course_id: course.id,
            student_id: studentId,
            reason: input.reason,
            note: input.note ?? null,
            status: "pending",
            attachment:
              input.attachment && bytes
                ? {
                    filename: input.attachment.filename,
                    content_type: input.attachment.content_type,
                    size: bytes.length
                  }
                : null,
            submitted_by: actor.kind === "user" ? actor.id : null,
            decided_by: null,
            decision_comment: null,
            created_at: instant(yield* Clock.currentTimeMillis),
            decided_at: null
          })
          yield* s.repo.insertExcuse(excuse, bytes)
          yield* s.audit.record({
            action: "attendance.excuse.submitted",
            targetType: "excuse",
            targetId: excuse.id,
            after: excuse
          })
          yield* s.events.publish({ type: "signet.attendance.excuse.submitted", subject: excuse.id, data: excuse })
          return excuse
        })
      )
    })

  /** An excuse's attachment (base64). @errors AttendanceNotFound (excuse, or it has none) */
  const excuseAttachment = (id: string) =>
    Effect.gen(function* () {
      const excuse = yield* getExcuse(id)
      if (!excuse.attachment) return yield* notFound("excuse", `${id}/attachment`)
      const bytes = yield* s.inTx(s.repo.excuseAttachment(id))
      return {
        filename: excuse.attachment.filename,
        content_type: excuse.attachment.content_type,
        data_base64: Buffer.from(Option.getOrThrow(bytes)).toString("base64")
      }
    })

  /**
   * Approves or rejects a pending excuse (the course's staff). Approval
   * makes the student's result EXCUSED. Audit row for every decision.
   * @errors AttendanceNotFound, Forbidden, Conflict (already decided)
   */
  const decideExcuse = (id: string, input: DecideExcuse) =>
    s.inTx(
      Effect.gen(function* () {
        const before = yield* findExcuse(id)
        if (!(yield* s.isStaffOf(before.course_id))) {
          return yield* (yield* s.maySee(before.student_id))
            ? forbidden("only the course's teachers and admins decide excuses", "attendance:write")
            : notFound("excuse", id)
        }
        if (before.status !== "pending")
          return yield* new Conflict({ message: `this excuse was already ${before.status}` })
        const at = instant(yield* Clock.currentTimeMillis)
        const status = input.decision === "approve" ? "approved" : "rejected"
        const after = new Excuse({
          ...before,
          status,
          decided_by: yield* s.actingUser,
          decision_comment: input.comment ?? null,
          decided_at: at
        })
        yield* s.repo.decideExcuse(after)
        if (status === "approved")
          yield* sigs.setRoll(before.course_id, before.student_id, "EXCUSED", { excuse_id: id }, at)
        yield* s.audit.record({
          action: `attendance.excuse.${status}`,
          targetType: "excuse",
          targetId: id,
          before,
          after
        })
        yield* s.events.publish({ type: `signet.attendance.excuse.${status}`, subject: id, data: after })
        return after
      })
    )

  /**
   * Excuses (filters: status, course, student; cursor pagination). Students see their own only.
   * @errors Forbidden (another student's, without `attendance:read`), ValidationError (bad cursor)
   */
  const listExcuses = (params: {
    readonly status?: "pending" | "approved" | "rejected" | undefined
    readonly course_id?: string | undefined
    readonly student_id?: string | undefined
    readonly cursor?: string | undefined
    readonly limit?: number | undefined
  }) =>
    s.inTx(
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        const all = yield* s.can("attendance:read")
        const student = all ? params.student_id : actor.kind === "user" ? actor.id : null
        if (!all && (student === null || (params.student_id && params.student_id !== student)))
          return yield* forbidden("missing permission attendance:read", "attendance:read")
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const rows = yield* s.repo.listExcuses({
          status: params.status,
          course_id: params.course_id,
          student_id: student,
          after,
          limit: limit + 1
        })
        return toPage(rows, limit)
      })
    )

  return { getExcuse, submitExcuse, excuseAttachment, decideExcuse, listExcuses } as const
}
