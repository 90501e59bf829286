/**
 * The roll of a course and the close job (issue 5 §4): the teacher's roll
 * call (TEACHER method, in bulk), a course's roll (every enrolled student
 * and their result), and `CloseExpiredCourses` — ended courses close and
 * their unmarked students become ABSENT — run per tenant, over every tenant
 * by the leader-elected close job (`kernel/Leases.ts`).
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import type { CourseId, SchoolId } from "@signet/contracts/academics/Domain"
import {
  type CloseResult,
  CourseRoll,
  type MarkRoll,
  RollEntry,
  RollMarked,
  Signature,
  SignatureId
} from "@signet/contracts/attendance/Domain"
import { CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId, type UserId } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Option } from "effect"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import { instant } from "../kernel/Sql.js"
import { sumOverActiveTenants } from "../tenancy/EachTenant.js"
import { makeClose } from "./Close.js"
import { courseRef, forbidden, type Shared, userOf, utc } from "./Shared.js"
import type { Signatures } from "./Signatures.js"

/** Writes one mark of a roll call (caller's transaction). Answers whether it changed anything. */
const applyMark = (
  s: Shared,
  sigs: Signatures,
  course: { readonly id: CourseId; readonly school_id: SchoolId },
  mark: MarkRoll["marks"][number],
  by: UserId | null,
  at: DateTime.Utc,
  method: "TEACHER" | "ADMIN"
) =>
  Effect.gen(function* () {
    const current = yield* s.repo.rollResult(course.id, mark.student_id)
    if (Option.getOrNull(current) === mark.result) return false
    if (mark.result !== "PRESENT" && mark.result !== "LATE") {
      yield* sigs.setRoll(course.id, mark.student_id, mark.result, { signature_id: null }, at)
      return true
    }
    const status = mark.result === "PRESENT" ? "ACCEPTED" : "LATE"
    const signature = yield* sigs.findSignature({ course_id: course.id, signer_id: mark.student_id })
    if (Option.isSome(signature)) yield* sigs.changeSignature(signature.value, { status, method })
    else
      yield* sigs.insertSignature(
        new Signature({
          id: yield* newId(SignatureId),
          course_id: course.id,
          school_id: course.school_id,
          signer_id: mark.student_id,
          signer_kind: "student",
          method,
          status,
          reason_code: null,
          message: method === "TEACHER" ? "marked by the teacher" : "marked by an administrator",
          proof_ref: null,
          administrator_id: method === "ADMIN" ? by : null,
          admin_reason: method === "ADMIN" ? "roll call" : null,
          changed_by: by,
          previous_status: null,
          received_at: at,
          decided_at: at,
          updated_at: at
        }),
        undefined,
        null
      )
    return true
  })

/** The roll and close operations of the attendance service. */
export const makeRoll = (s: Shared, sigs: Signatures) => {
  /**
   * `POST …/courses/{id}/roll`: the teacher's roll call (TEACHER method,
   * bulk). PRESENT and LATE create or change the student's signature;
   * ABSENT and EXCUSED set the roll result. Every student must be enrolled.
   * Audit row `attendance.roll.marked` when anything changed.
   * @errors AttendanceNotFound, Forbidden (not the course's teacher), ValidationError (a student not enrolled), Conflict (course closed)
   */
  const markRoll = (courseId: CourseId, input: MarkRoll) =>
    Effect.gen(function* () {
      const course = yield* s.courseOr404(courseId)
      const ref = courseRef(course)
      if (!(yield* s.isStaffOf(course.id)))
        return yield* forbidden("only the course's teachers and admins take the roll", "attendance:write")
      if (course.signature_closed && !(yield* s.can("attendance:admin")))
        return yield* new Conflict({ message: "the course is closed: ask an admin for an override" })
      const students = [...new Set(input.marks.map((m) => m.student_id))]
      if (students.length !== input.marks.length)
        return yield* ValidationError.field("marks", "lists a student more than once")
      for (const st of students) {
        if (!(yield* s.academics.validateStudentCourse(st, course.id)).is_allowed)
          return yield* ValidationError.field("marks", `student ${st} is not enrolled in this course`)
      }
      const actor = yield* CurrentActor
      // A mark is the teacher's when a teacher of the course makes it, an administrator's otherwise
      // (issue 15 §6: an admin's roll-call mark was recorded as TEACHER).
      const method =
        actor.kind === "user" && actor.id && (yield* s.academics.validateTeacherCourse(actor.id, course.id))
          ? ("TEACHER" as const)
          : ("ADMIN" as const)
      return yield* s.inTx(
        Effect.gen(function* () {
          const at = yield* DateTime.now
          let marked = 0
          for (const mark of input.marks) if (yield* applyMark(s, sigs, ref, mark, userOf(actor), at, method)) marked++
          if (marked > 0) {
            yield* s.audit.record({
              action: "attendance.roll.marked",
              targetType: "course",
              targetId: course.id,
              after: { marks: input.marks, ...(input.note ? { note: input.note } : {}) }
            })
            // Every mark, ABSENT and EXCUSED included (PRESENT/LATE also change a signature): live rolls re-read.
            yield* s.events.publish({
              type: "signet.attendance.roll.marked",
              subject: course.id,
              data: {
                course_id: course.id,
                marks: input.marks.map((m) => ({ student_id: m.student_id, result: m.result })),
                marked
              }
            })
          }
          return new RollMarked({ course_id: ref.id, marked, unchanged: input.marks.length - marked })
        })
      )
    })

  /**
   * A course's roll: every enrolled student (and anyone with a result) with
   * their result, signature and excuse. A narrowed teacher (issue 15 §4)
   * reads only the rolls of the courses they teach.
   * @errors AttendanceNotFound (course: missing, or another teacher's)
   */
  const courseRoll = (courseId: CourseId) =>
    s.inTx(
      Effect.gen(function* () {
        const course = yield* s.readableCourse(courseId)
        const ref = courseRef(course)
        const students = yield* s.enrolled(course)
        const results = yield* s.repo.rollsOfCourses([ref.id])
        const sigList = yield* s.repo.courseSignatures(ref.id)
        for (const r of results) students.add(r.student_id)
        const byStudent = new Map(results.map((r) => [r.student_id, r]))
        const sigOf = new Map(sigList.filter((x) => x.signer_kind === "student").map((x) => [x.signer_id, x]))
        const entries = [...students].sort().map((sid) => {
          const r = byStudent.get(sid)
          const sig = sigOf.get(sid)
          return new RollEntry({
            student_id: sid,
            result: r?.result ?? null,
            signature_id: sig?.id ?? null,
            method: sig?.method ?? null,
            signed_at: sig?.received_at ?? null,
            excuse_id: r?.excuse_id ?? null
          })
        })
        const counts = { PRESENT: 0, LATE: 0, ABSENT: 0, EXCUSED: 0, UNMARKED: 0 }
        for (const e of entries) counts[e.result ?? "UNMARKED"]++
        return new CourseRoll({
          course_id: ref.id,
          course_name: course.name,
          start_at: utc(course.start_at),
          end_at: utc(course.end_at),
          closed: course.signature_closed,
          teacher_signed: sigList.some((x) => x.signer_kind === "teacher"),
          counts,
          entries
        })
      })
    )

  const { closeExpiredCourses, closeCourse } = makeClose(s)
  const { closeAllTenants, closeJob } = makeCloseJob(s, closeExpiredCourses)
  return { markRoll, courseRoll, closeExpiredCourses, closeCourse, closeAllTenants, closeJob } as const
}

/** The close job over every tenant, leader-elected, around a per-tenant `closeExpiredCourses`. */
const makeCloseJob = (
  s: Shared,
  closeExpiredCourses: (nowIso: string) => Effect.Effect<CloseResult, unknown, CurrentTenant | CurrentActor>
) => {
  /**
   * One run of the close job over every active tenant (as the system).
   * Answers how many courses were closed in all.
   */
  const closeAllTenants = Effect.flatMap(Clock.currentTimeMillis, (ms) =>
    sumOverActiveTenants(s.tenancy, "attendance close job", () =>
      Effect.map(closeExpiredCourses(instant(ms)), (r) => r.closed_count)
    )
  )

  /**
   * The close scheduler (issue 5 §4): every `intervalMs` (default one
   * minute) the replica holding the `attendance.close` lease runs
   * {@link closeAllTenants}; the others stand by. Runs until interrupted,
   * then releases the lease.
   */
  const closeJob = (options: { readonly intervalMs?: number } = {}) => {
    const intervalMs = options.intervalMs ?? 60_000
    const holder = `${process.pid}-${Crypto.randomUUID()}`
    const lease = "attendance.close"
    const tick = Effect.gen(function* () {
      const leader = yield* acquireLease(lease, holder, intervalMs * 2).pipe(
        Effect.provideService(SqlClient.SqlClient, s.sql)
      )
      if (!leader) return
      const closed = yield* closeAllTenants
      if (closed > 0) yield* Effect.logInfo(`attendance: closed ${closed} course(s)`)
    }).pipe(Effect.catchAllCause((cause) => Effect.logError("attendance close job failed", cause)))
    return Effect.forever(Effect.zipRight(tick, Effect.sleep(intervalMs))).pipe(
      Effect.ensuring(releaseLease(lease, holder).pipe(Effect.provideService(SqlClient.SqlClient, s.sql)))
    )
  }

  return { closeAllTenants, closeJob } as const
}
