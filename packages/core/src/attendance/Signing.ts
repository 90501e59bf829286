/**
 * `AttendanceCommand.CreateSignatureAttempt` (attendance.proto; seed 004
 * "Attendance validation rules", Flow A and Flow B; issue 5).
 *
 * The caller is authorized for the method first (403, nothing written),
 * then the seed's rules apply in order — (1) the course exists and is of the
 * caller's school, (2) the time window with its grace, (3) the closing delay
 * (LATE or REFUSED after it, per the school's policy), (4) the student's
 * membership (`ValidateStudentCourse`), (5) the teacher's assignment
 * (`ValidateTeacherCourse`), then the method's proof (QR code from the
 * school's network, registered NFC device, beacon classroom) and
 * `students_can_sign_before_teacher`. A refusal writes only a
 * `signature_refusals` row; an acceptance writes the signature, the
 * student's roll result and a `signet.attendance.signature.created` event in
 * one transaction. Signing twice answers the first signature.
 *
 * @module
 */

import { type Course, CourseId } from "@signet/contracts/academics/Domain"
import {
  type AttendancePolicy,
  type CreateSignatureAttempt,
  type RefusalReason,
  Signature,
  type SignatureAttemptResult,
  SignatureId,
  type SignatureMethod,
  type SignatureStatus
} from "@signet/contracts/attendance/Domain"
import { type Actor, CurrentActor } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId, type UserId } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Option } from "effect"
import type { SigningLimits } from "./Limits.js"
import { ipAllowed, type Policies, type PolicyEntry } from "./Policies.js"
import type { Qr } from "./Qr.js"
import { courseRef, forbidden, MINUTE, notFound, type Shared, UUID, userOf, utc } from "./Shared.js"
import { type Attempt, resultOf, type Signatures } from "./Signatures.js"

/**
 * What the verified token says about the caller beyond `CurrentActor`: the
 * user type and school (claims `user_type`, `school_id`). Operators, API keys
 * and the system have neither. The facade (`AttendanceAdmin`) reads them
 * from `CurrentActor` (`userType`, `schoolId`).
 */
export interface AttendancePrincipal {
  readonly userType: string | null
  readonly schoolId: string | null
}

/** The principal of background jobs and in-process callers (the beacon module). */
export const systemPrincipal: AttendancePrincipal = { userType: null, schoolId: null }

/** The principal `CurrentActor` carries: its verified user type and school. */
export const principalOfActor = (actor: Actor): AttendancePrincipal => ({
  userType: actor.userType ?? null,
  schoolId: actor.schoolId ?? null
})

/** Who signs, once the caller is authorized for the method. */
interface Signer {
  readonly id: UserId
  readonly kind: "student" | "teacher"
}

/** The status an attempt gets from the time rules (2) and (3). */
interface Timing {
  readonly status: SignatureStatus
  readonly reasonCode: string | null
  readonly message: string | null
}

const isTrusted = (actor: Actor) => actor.kind === "beacon" || actor.kind === "system"

/** What the steps of an attempt use: the shared helpers, the seams they reach, and the bounded refusal. */
interface SigningDeps {
  readonly s: Shared
  readonly qr: Qr
  /** Refuses an attempt; past the per-signer bound (`Limits.ts`) the refusal is answered but not stored. */
  readonly refuseAttempt: (
    attempt: Attempt,
    reason: RefusalReason,
    message: string,
    options?: { readonly courseKnown?: boolean }
  ) => ReturnType<Signatures["refuse"]>
}

/**
 * Authorization by method (403 `Forbidden`, nothing written): QR and NFC —
 * a student signing for themselves; FLASHLIGHT and BEACON — the beacon
 * module (beacon or system actor) or `attendance:admin`; TEACHER — a user
 * with `attendance:write` (the assignment is rule 5); ADMIN —
 * `attendance:admin`, with a mandatory `reason`.
 */
const authorize = ({ s }: SigningDeps, input: CreateSignatureAttempt, principal: AttendancePrincipal, actor: Actor) =>
  Effect.gen(function* () {
    const isUser = actor.kind === "user" && actor.id !== null
    const trusted = isTrusted(actor)
    if (!trusted && !(yield* s.can("attendance:write")))
      return yield* forbidden("missing permission attendance:write", "attendance:write")
    let signerId: UserId | null
    let kind: Signer["kind"] = "student"
    switch (input.method) {
      case "QR":
      case "NFC": {
        if (!isUser || principal.userType !== "student")
          return yield* forbidden(`${input.method} signatures are made by the signing student`)
        if (input.student_id !== undefined && input.student_id !== actor.id)
          return yield* forbidden("students sign for themselves only")
        signerId = userOf(actor)
        if (input.method === "QR" && !input.qr_code)
          return yield* ValidationError.field("qr_code", "is required for QR")
        if (input.method === "NFC" && !input.device_identifier)
          return yield* ValidationError.field("device_identifier", "is required for NFC")
        break
      }
      case "FLASHLIGHT":
      case "BEACON": {
        if (!trusted && !(yield* s.can("attendance:admin")))
          return yield* forbidden(`${input.method} attempts come from the beacon service`, "attendance:admin")
        if (!input.beacon_proof) return yield* ValidationError.field("beacon_proof", `is required for ${input.method}`)
        if (!input.student_id) return yield* ValidationError.field("student_id", `is required for ${input.method}`)
        signerId = input.student_id
        break
      }
      case "TEACHER": {
        const teacherId = input.teacher_id ?? userOf(actor)
        if (!teacherId) return yield* ValidationError.field("teacher_id", "is required")
        if (teacherId !== actor.id && !(yield* s.can("attendance:admin")))
          return yield* forbidden("teachers act for themselves only", "attendance:admin")
        if (input.student_id === undefined) {
          signerId = teacherId
          kind = "teacher"
        } else signerId = input.student_id
        break
      }
      case "ADMIN": {
        if (!(yield* s.can("attendance:admin")))
          return yield* forbidden("admin overrides need attendance:admin", "attendance:admin")
        if (!input.reason) return yield* ValidationError.field("reason", "is required for an ADMIN override")
        if (!input.student_id) return yield* ValidationError.field("student_id", "is required for ADMIN")
        signerId = input.student_id
        break
      }
    }
    if (signerId === null || !UUID.test(signerId))
      return yield* ValidationError.field("student_id", "must be a user id (UUID)")
    return { id: signerId, kind } satisfies Signer
  })

/**
 * Rule (1), first half: the course named, or for beacon methods the one
 * running in the proof's classroom. Answers the course, or the refusal.
 */
const resolveCourse = (
  { refuseAttempt, s }: SigningDeps,
  input: CreateSignatureAttempt,
  signer: Signer,
  at: DateTime.Utc
) =>
  Effect.gen(function* () {
    const method = input.method
    if (input.course_id === undefined) {
      const classroom = input.beacon_proof?.classroom_id
      if ((method !== "BEACON" && method !== "FLASHLIGHT") || !classroom)
        return yield* ValidationError.field("course_id", "is required")
      const running = yield* s.academics.coursesInClassroomAt(classroom, DateTime.formatIso(at), 0)
      if (running.length === 0)
        return yield* Effect.map(
          refuseAttempt(
            // No course ran: the refusal is filed under the classroom's id (as it always was).
            { course_id: CourseId.make(classroom), signer_id: signer.id, method, at },
            "COURSE_NOT_FOUND",
            "no course runs in this classroom now",
            { courseKnown: false }
          ),
          (r) => ({ refused: r }) as const
        )
      return { course: running[0]! } as const
    }
    const found = yield* s.cachedCourse(input.course_id)
    if (Option.isNone(found)) {
      yield* refuseAttempt(
        { course_id: input.course_id, signer_id: signer.id, method, at },
        "COURSE_NOT_FOUND",
        "no such course",
        { courseKnown: false }
      )
      return yield* notFound("course", input.course_id)
    }
    return { course: found.value } as const
  })

/** Rules (2) and (3): the time window with its grace, then the closing delay. Answers the timing, or the refusal. */
const timing = (
  { refuseAttempt }: SigningDeps,

  course: Course,
  policy: AttendancePolicy,
  method: SignatureMethod,
  atMs: number,
  attempt: Attempt,
  requested: SignatureStatus
) =>
  Effect.gen(function* () {
    const ok: Timing = { status: requested, reasonCode: null, message: null }
    // An override ignores the time rules; the student must still be enrolled.
    if (method === "ADMIN") return ok
    if (course.signature_closed)
      return yield* refuseAttempt(attempt, "COURSE_CLOSED", "signing is closed for this course")
    if (method === "TEACHER") return ok
    const start = utc(course.start_at)
    const end = utc(course.end_at)
    const startMs = DateTime.toEpochMillis(start)
    const endMs = DateTime.toEpochMillis(end)
    const grace = policy.window_grace_minutes * MINUTE
    if (atMs < startMs - grace)
      return yield* refuseAttempt(attempt, "COURSE_NOT_STARTED", `the course starts at ${DateTime.formatIso(start)}`)
    if (atMs > endMs + grace)
      return yield* refuseAttempt(attempt, "COURSE_ENDED", `the course ended at ${DateTime.formatIso(end)}`)
    const delay = course.signature_closing_delay_minutes
    if (atMs <= startMs + delay * MINUTE) return ok
    if (policy.late_policy === "refuse")
      return yield* refuseAttempt(attempt, "SIGNING_CLOSED", `signing closed ${delay} min after the start`)
    return {
      status: "LATE",
      reasonCode: "AFTER_CLOSING_DELAY",
      message: `signed ${Math.round((atMs - startMs) / MINUTE)} min after the start (closing delay ${delay} min)`
    } satisfies Timing
  })

/**
 * Rules (4) and (5), the method's proof and `students_can_sign_before_teacher`.
 * Answers the proof reference, or the refusal.
 */
const proofs = (
  { qr, refuseAttempt, s }: SigningDeps,

  input: CreateSignatureAttempt,
  signer: Signer,
  course: Course,
  entry: PolicyEntry,
  attempt: Attempt,
  actor: Actor,
  atMs: number
) =>
  Effect.gen(function* () {
    const method = input.method
    const refused = (r: SignatureAttemptResult) => ({ refused: r }) as const
    const refuse = (reason: RefusalReason, message: string) =>
      Effect.map(refuseAttempt(attempt, reason, message), refused)
    if (signer.kind === "student") {
      const v = yield* s.academics.validateStudentCourse(signer.id, course.id)
      if (!v.is_allowed) return yield* refuse("NOT_ENROLLED", "the student is in none of the course's groups")
    }
    if (method === "TEACHER") {
      const teacherId = input.teacher_id ?? userOf(actor)!
      if (!(yield* s.academics.validateTeacherCourse(teacherId, course.id)))
        return yield* refuse("TEACHER_NOT_ASSIGNED", "the teacher is not assigned to this course")
    }
    const prefs = yield* s.cachedPrefs(course.school_id)
    let proofRef: string | null = null
    // The school's network policy applies to every method a student's own device submits (issue
    // 15 §3: it covered QR only, so an NFC claim could come from anywhere).
    if ((method === "QR" || method === "NFC") && !ipAllowed(entry.ips, actor.ip))
      return yield* refuse("IP_NOT_ALLOWED", `${method} signatures must come from the school's network`)
    if (method === "QR") {
      const tid = yield* s.tenantId
      const check = yield* qr.checkQr(tid, course.id, input.qr_code!, atMs, entry.policy.qr_step_seconds)
      if (!check.ok)
        return yield* check.expired
          ? refuse("QR_CODE_EXPIRED", "this code has expired: scan the code on screen now")
          : refuse("QR_CODE_INVALID", "this is not the current code of this course")
      proofRef = `qr:${check.step}`
    } else if (method === "NFC") {
      if (!prefs.enable_nfc) return yield* refuse("METHOD_DISABLED", "this school does not use NFC")
      if (!(yield* s.identity.validateStudentDevice(signer.id, input.device_identifier!)))
        return yield* refuse("DEVICE_NOT_REGISTERED", "this device is not registered to the student")
      proofRef = `device:${input.device_identifier}`
    } else if (method === "FLASHLIGHT" || method === "BEACON") {
      if (method === "FLASHLIGHT" && !prefs.enable_flash)
        return yield* refuse("METHOD_DISABLED", "this school does not use the flashlight channel")
      const proof = input.beacon_proof!
      if (!(yield* s.academics.validateClassroomCourse(proof.classroom_id, course.id)))
        return yield* refuse("CLASSROOM_NOT_LINKED", "the beacon's classroom is not this course's")
      proofRef = `beacon:${proof.beacon_id}`
    }
    if (signer.kind === "student" && method !== "TEACHER" && method !== "ADMIN") {
      if (!prefs.students_can_sign_before_teacher && !(yield* s.inTx(s.repo.teacherSigned(courseRef(course).id))))
        return yield* refuse("TEACHER_NOT_SIGNED", "the teacher has not signed this course yet")
    }
    return { proofRef } as const
  })

/** The signing operation of the attendance service. */
export const makeSigning = (s: Shared, sigs: Signatures, policies: Policies, qr: Qr, limits: SigningLimits) => {
  const d: SigningDeps = {
    s,
    qr,
    refuseAttempt: (attempt, reason, message, options = {}) =>
      Effect.flatMap(limits.storeRefusal(attempt.course_id, attempt.signer_id), (store) =>
        sigs.refuse(attempt, reason, message, { ...options, store })
      )
  }

  /**
   * `AttendanceCommand.CreateSignatureAttempt`; see the module comment for
   * the order of the rules and `authorize` for who may use which method.
   * `principal` is the caller's verified user type and school. The attempt
   * limits of student-initiated methods (`Limits.ts`) are applied by the
   * facade (`AttendanceAdmin.createSignatureAttempt`), the public entry of
   * students; refusals are bounded here for every caller.
   * @errors Forbidden, ValidationError (missing proof fields, malformed ids), AttendanceNotFound (course of another tenant or none), Conflict (an idempotency key already used for another attempt)
   */
  const createSignatureAttempt = (input: CreateSignatureAttempt, principal: AttendancePrincipal) =>
    Effect.gen(function* () {
      const actor = yield* CurrentActor
      const nowMs = yield* Clock.currentTimeMillis
      const method = input.method
      const signer = yield* authorize(d, input, principal, actor)
      // The decision time: now, or the beacon service's reception time when it is recent.
      let atMs = nowMs
      if (isTrusted(actor) && input.received_at) {
        const r = DateTime.toEpochMillis(DateTime.unsafeMake(input.received_at))
        if (r <= nowMs + 5_000 && r >= nowMs - 10 * MINUTE) atMs = r
      }
      const at = DateTime.unsafeMake(atMs)

      // Idempotency key: the same key answers the same signature.
      if (input.idempotency_key) {
        const prior = yield* s.inTx(sigs.findSignature({ idempotency_key: input.idempotency_key }))
        if (Option.isSome(prior)) {
          if (prior.value.signer_id !== signer.id || (input.course_id && prior.value.course_id !== input.course_id))
            return yield* new Conflict({
              message: "this idempotency key was used for another attempt",
              field: "idempotency_key"
            })
          return resultOf(prior.value, true)
        }
      }
      // (1) The course exists and is of the caller's school.
      const resolved = yield* resolveCourse(d, input, signer, at)
      if ("refused" in resolved) return resolved.refused
      const course = resolved.course
      const ref = courseRef(course)
      const attempt: Attempt = { course_id: ref.id, signer_id: signer.id, method, at }
      if (principal.schoolId && course.school_id !== principal.schoolId)
        return yield* d.refuseAttempt(attempt, "COURSE_OTHER_SCHOOL", "this course belongs to another school")

      // An existing signature is changed by a teacher's roll call or an admin override; for the
      // other methods it is answered as it is (by the insert's conflict, or by `refuse`).
      const existing =
        method === "TEACHER" || method === "ADMIN"
          ? yield* s.inTx(sigs.findSignature({ course_id: ref.id, signer_id: signer.id }))
          : Option.none<Signature>()
      const entry = yield* policies.policyOf(ref.school_id)
      const time = yield* timing(d, course, entry.policy, method, atMs, attempt, input.status ?? "ACCEPTED")
      if (!("reasonCode" in time)) return time
      const proof = yield* proofs(d, input, signer, course, entry, attempt, actor, atMs)
      if ("refused" in proof) return proof.refused

      const adminFields =
        method === "ADMIN" ? { administrator_id: userOf(actor), admin_reason: input.reason ?? null } : undefined
      const message = method === "ADMIN" || method === "TEACHER" ? (input.reason ?? time.message) : time.message
      if (Option.isSome(existing)) {
        const after = yield* sigs.changeSignature(existing.value, {
          status: time.status,
          method,
          message,
          ...(adminFields ?? {})
        })
        return resultOf(after, false)
      }
      const signature = new Signature({
        id: yield* newId(SignatureId),
        course_id: ref.id,
        school_id: ref.school_id,
        signer_id: signer.id,
        signer_kind: signer.kind,
        method,
        status: time.status,
        reason_code: time.reasonCode,
        message,
        proof_ref: proof.proofRef,
        administrator_id: adminFields?.administrator_id ?? null,
        admin_reason: adminFields?.admin_reason ?? null,
        changed_by: method === "TEACHER" || method === "ADMIN" ? userOf(actor) : null,
        previous_status: null,
        received_at: at,
        decided_at: DateTime.unsafeMake(nowMs),
        updated_at: DateTime.unsafeMake(nowMs)
      })
      return yield* sigs.insertSignature(signature, input.beacon_proof, input.idempotency_key ?? null)
    })

  return { createSignatureAttempt } as const
}
