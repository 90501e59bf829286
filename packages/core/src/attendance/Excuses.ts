/**
 * Excuses for absences (issue 5 §5): a student (or the course's staff for
 * them) submits one per course, optionally with a PDF, PNG, JPEG or WebP
 * attachment of at most 5 MiB whose bytes match its type and carry no active
 * content, under a sanitized name (`Attachments.ts`, issue 15 §5); the course's staff
 * approve (the student's result becomes EXCUSED) or reject it. Students see
 * their own excuses; staff those of their courses; `attendance:read` all.
 * Every submission and decision writes an audit row and an event.
 *
 * @module
 */

import type { CourseId } from "@signet/contracts/academics/Domain"
import {
  ATTACHMENT_TYPES,
  type DecideExcuse,
  Excuse,
  ExcuseId,
  type SubmitExcuse
} from "@signet/contracts/attendance/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId, type UserId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { DateTime, Effect, Option } from "effect"
import { type AttachmentFile, type AttachmentType, checkAttachment, sanitizeFilename } from "./Attachments.js"
import { courseRef, forbidden, notFound, type Shared, userOf } from "./Shared.js"
import type { Signatures } from "./Signatures.js"

/** Reading excuses: one (with who may read it), their list, an attachment's file. */
const excuseReads = (s: Shared) => {
  const findExcuse = (id: ExcuseId) =>
    Effect.gen(function* () {
      const r = yield* s.repo.findExcuse(id)
      return Option.isSome(r) ? r.value : yield* notFound("excuse", id)
    })

  /** Whether the caller is the student themselves. */
  const isSelf = (studentId: string) =>
    Effect.map(CurrentActor, (actor) => actor.kind === "user" && actor.id === studentId)

  /**
   * Whether the caller may read an excuse: the student, the course's staff,
   * or `attendance:read` on its course (a narrowed teacher: a course they
   * teach; issue 15 §4).
   */
  const mayRead = (excuse: Excuse) =>
    Effect.gen(function* () {
      return (
        (yield* isSelf(excuse.student_id)) ||
        (yield* s.mayReadCourse(excuse.course_id)) ||
        (yield* s.isStaffOf(excuse.course_id))
      )
    })

  /**
   * One excuse (the student, the course's staff, or `attendance:read` on its
   * course). @errors AttendanceNotFound (missing, or not the caller's to read)
   */
  const getExcuse = (id: ExcuseId) =>
    s.inTx(
      Effect.gen(function* () {
        const r = yield* findExcuse(id)
        if (!(yield* mayRead(r))) return yield* notFound("excuse", id)
        return r
      })
    )

  /**
   * An excuse's attachment as a file (as {@link getExcuse} decides who may
   * read it): its name sanitized again on the way out (rows stored before
   * names were sanitized), its checked type (`application/octet-stream` for
   * any other), its exact bytes.
   * @errors AttendanceNotFound (excuse, or it has none)
   */
  const excuseAttachment = (id: ExcuseId) =>
    Effect.gen(function* () {
      const excuse = yield* getExcuse(id)
      if (!excuse.attachment) return yield* notFound("excuse", `${id}/attachment`)
      const bytes = yield* s.inTx(s.repo.excuseAttachment(id))
      if (Option.isNone(bytes)) return yield* notFound("excuse", `${id}/attachment`)
      const type = excuse.attachment.content_type
      const checked = (ATTACHMENT_TYPES as ReadonlyArray<string>).includes(type) ? (type as AttachmentType) : undefined
      const file: AttachmentFile = {
        filename: checked ? sanitizeFilename(excuse.attachment.filename, checked) : "attachment.bin",
        content_type: checked ?? "application/octet-stream",
        bytes: new Uint8Array(bytes.value)
      }
      return file
    })

  /**
   * Excuses (filters: status, course, student; cursor pagination). Students
   * see their own only; a narrowed teacher (issue 15 §4) those of the
   * courses they teach.
   * @errors Forbidden (another student's, without `attendance:read`), ValidationError (bad cursor)
   */
  const listExcuses = (params: {
    readonly status?: "pending" | "approved" | "rejected" | undefined
    readonly course_id?: CourseId | undefined
    readonly student_id?: UserId | undefined
    readonly cursor?: string | undefined
    readonly limit?: number | undefined
  }) =>
    s.inTx(
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        const all = yield* s.can("attendance:read")
        const student = all ? params.student_id : userOf(actor)
        if (!all && (student === null || (params.student_id && params.student_id !== student)))
          return yield* forbidden("missing permission attendance:read", "attendance:read")
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const teacher = all ? yield* s.narrowedTo : null
        const courseIds = teacher === null ? undefined : [...(yield* s.taughtCourseIds(teacher))]
        const rows = yield* s.repo.listExcuses({
          status: params.status,
          course_id: params.course_id,
          course_ids: courseIds,
          student_id: student,
          after,
          limit: limit + 1
        })
        return toPage(rows, limit)
      })
    )

  return { findExcuse, mayRead, getExcuse, excuseAttachment, listExcuses } as const
}

/** Submitting an excuse (the student, or the course's staff for them). */
const excuseSubmission = (s: Shared) => {
  /**
   * Submits an excuse for a student's absence from a course (the student
   * themselves, or the course's staff for them).
   * @errors AttendanceNotFound (course), Forbidden, ValidationError (student not enrolled, bad attachment), Conflict (an excuse is already pending or approved)
   */
  const submitExcuse = (input: SubmitExcuse) =>
    Effect.gen(function* () {
      const actor = yield* CurrentActor
      const studentId = input.student_id ?? userOf(actor)
      if (!studentId) return yield* ValidationError.field("student_id", "is required")
      const course = yield* s.courseOr404(input.course_id)
      const courseId = courseRef(course).id
      const self = actor.kind === "user" && actor.id === studentId
      if (!self && !(yield* s.isStaffOf(course.id)))
        return yield* forbidden("students submit their own excuses; staff those of their courses")
      if (!(yield* s.academics.validateStudentCourse(studentId, course.id)).is_allowed)
        return yield* ValidationError.field("student_id", "is not enrolled in this course")
      const bytes = input.attachment ? yield* checkAttachment(input.attachment) : null
      return yield* s.inTx(
        Effect.gen(function* () {
          if (yield* s.repo.hasOpenExcuse(courseId, studentId))
            return yield* new Conflict({ message: "an excuse for this course is already pending or approved" })
          const excuse = new Excuse({
            id: yield* newId(ExcuseId),
            course_id: courseId,
            student_id: studentId,
            reason: input.reason,
            note: input.note ?? null,
            status: "pending",
            attachment:
              input.attachment && bytes
                ? {
                    filename: sanitizeFilename(input.attachment.filename, input.attachment.content_type),
                    content_type: input.attachment.content_type,
                    size: bytes.length
                  }
                : null,
            submitted_by: userOf(actor),
            decided_by: null,
            decision_comment: null,
            created_at: yield* DateTime.now,
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

  return { submitExcuse } as const
}

/** Deciding an excuse (the course's staff); approval sets the student's result EXCUSED. */
const excuseDecision = (s: Shared, sigs: Signatures, { findExcuse, mayRead }: ReturnType<typeof excuseReads>) => {
  /**
   * Approves or rejects a pending excuse (the course's staff). Approval
   * makes the student's result EXCUSED. Audit row for every decision.
   * @errors AttendanceNotFound, Forbidden, Conflict (already decided)
   */
  const decideExcuse = (id: ExcuseId, input: DecideExcuse) =>
    s.inTx(
      Effect.gen(function* () {
        const before = yield* findExcuse(id)
        if (!(yield* s.isStaffOf(before.course_id))) {
          return yield* (yield* mayRead(before))
            ? forbidden("only the course's teachers and admins decide excuses", "attendance:write")
            : notFound("excuse", id)
        }
        if (before.status !== "pending")
          return yield* new Conflict({ message: `this excuse was already ${before.status}` })
        const at = yield* DateTime.now
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

  return { decideExcuse } as const
}

/** The excuse operations of the attendance service: reads, submission and decision. */
export const makeExcuses = (s: Shared, sigs: Signatures) => {
  const reads = excuseReads(s)
  const { decideExcuse } = excuseDecision(s, sigs, reads)
  const { submitExcuse } = excuseSubmission(s)
  const { excuseAttachment, getExcuse, listExcuses } = reads
  return { getExcuse, submitExcuse, excuseAttachment, decideExcuse, listExcuses } as const
}
