/**
 * Signatures as stored (seed 004 "attendance"): reading them, recording a
 * refused attempt, inserting a new signature with its roll result and event,
 * and changing one (teacher roll call, admin override, PATCH, seed rule 6).
 * The rules that decide an attempt are in `Signing.ts`.
 *
 * @module
 */

import type { CourseId } from "@signet/contracts/academics/Domain"
import {
  type ExcuseId,
  type PatchSignature,
  type RefusalReason,
  type RollResult,
  Signature,
  SignatureAttemptResult,
  type SignatureId,
  type SignatureMethod,
  SignatureRefusalId,
  type SignatureStatus
} from "@signet/contracts/attendance/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { newId, type UserId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { DateTime, Effect, Option } from "effect"
import { rollOf, type SignatureKey } from "./Repo.js"
import { forbidden, notFound, type Shared, userOf } from "./Shared.js"

/** An attempt as a refusal records it. */
export interface Attempt {
  readonly course_id: CourseId
  readonly signer_id: UserId | null
  readonly method: SignatureMethod
  readonly at: DateTime.Utc
}

/** The answer to an attempt that a signature decides (new, or `existing`). */
export const resultOf = (s: Signature, existing: boolean): SignatureAttemptResult =>
  new SignatureAttemptResult(
    {
      signature_id: s.id,
      status: s.status,
      message:
        s.message ??
        (existing ? `already signed (${s.status.toLowerCase()})` : s.status === "LATE" ? "signed late" : "signed"),
      reason_code: s.reason_code,
      refusal_id: null,
      course_id: s.course_id,
      existing
    },
    true
  )

/** What a change of a signature may set. */
export interface SignatureChange {
  readonly status?: SignatureStatus | undefined
  readonly method?: SignatureMethod | undefined
  readonly message?: string | null | undefined
  readonly administrator_id?: UserId | null | undefined
  readonly admin_reason?: string | null | undefined
}

/** Upserts a roll result (caller's transaction). `null` removes it (the student is unmarked again). */
const setRollWith = (
  s: Shared,
  courseId: CourseId,
  studentId: UserId,
  result: RollResult | null,
  refs: { readonly signature_id?: SignatureId | null; readonly excuse_id?: ExcuseId | null },
  at: DateTime.Utc
) =>
  result === null
    ? s.repo.deleteRoll(courseId, studentId)
    : Effect.flatMap(s.actingUser, (by) => s.repo.upsertRoll(courseId, studentId, result, refs, by, at))

type SetRollArgs = Parameters<typeof setRollWith> extends [Shared, ...infer Rest] ? Rest : never

/**
 * Changes an existing signature's status (teacher roll call, admin
 * override, PATCH): records who changed it and the previous status, keeps
 * the roll result in step, writes an audit row and a
 * `signet.attendance.signature.updated` event.
 */
const changeSignatureWith = (s: Shared, before: Signature, change: SignatureChange) =>
  s.inTx(
    Effect.gen(function* () {
      const actor = yield* CurrentActor
      const at = yield* DateTime.now
      const status = change.status ?? before.status
      const after = new Signature({
        ...before,
        status,
        method: change.method ?? before.method,
        message: change.message === undefined ? before.message : change.message,
        reason_code: status === before.status ? before.reason_code : null,
        administrator_id: change.administrator_id === undefined ? before.administrator_id : change.administrator_id,
        admin_reason: change.admin_reason === undefined ? before.admin_reason : change.admin_reason,
        changed_by: actor.kind === "user" ? userOf(actor) : before.changed_by,
        previous_status: status === before.status ? before.previous_status : before.status,
        decided_at: status === before.status ? before.decided_at : at,
        updated_at: at
      })
      yield* s.repo.updateSignature(after)
      if (after.signer_kind === "student" && after.status !== before.status) {
        yield* setRollWith(s, after.course_id, after.signer_id, rollOf(after.status), { signature_id: after.id }, at)
      }
      yield* s.audit.record({
        action: "attendance.signature.updated",
        targetType: "signature",
        targetId: after.id,
        before,
        after
      })
      yield* s.events.publish({ type: "signet.attendance.signature.updated", subject: after.id, data: after })
      return after
    })
  )

/** Reading signatures and refusals: one signature (as a reader sees it), a course's signatures and refusals. */
const signatureReads = (s: Shared) => {
  const findSignature = (key: SignatureKey) => s.repo.findSignature(key)

  /** One signature. @errors AttendanceNotFound */
  const getSignature = (id: SignatureId) =>
    s.inTx(
      Effect.flatMap(findSignature({ id }), (o) =>
        Option.match(o, { onNone: () => Effect.fail(notFound("signature", id)), onSome: Effect.succeed })
      )
    )

  /**
   * One signature as a reader sees it: a narrowed teacher (issue 15 §4,
   * `Shared.narrowedTo`) only those of the courses they teach.
   * @errors AttendanceNotFound (missing, or of another teacher's course)
   */
  const readSignature = (id: SignatureId) =>
    Effect.gen(function* () {
      const sig = yield* getSignature(id)
      if (!(yield* s.mayReadCourse(sig.course_id))) return yield* notFound("signature", id)
      return sig
    })

  /**
   * Signatures of a course (every signer), oldest first; a narrowed teacher
   * only of a course they teach. @errors AttendanceNotFound (course)
   */
  const listSignatures = (courseId: CourseId) =>
    s.inTx(Effect.zipRight(s.readableCourse(courseId), s.repo.courseSignatures(courseId)))

  /**
   * Refused attempts of a course (cursor pagination, newest last); a
   * narrowed teacher only of a course they teach.
   * @errors AttendanceNotFound, ValidationError
   */
  const listRefusals = (
    courseId: CourseId,
    params: { readonly cursor?: string | undefined; readonly limit?: number | undefined } = {}
  ) =>
    s.inTx(
      Effect.gen(function* () {
        yield* s.readableCourse(courseId)
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        return toPage(yield* s.repo.listRefusals(courseId, after ?? null, limit + 1), limit)
      })
    )

  return { findSignature, getSignature, readSignature, listSignatures, listRefusals } as const
}

/** Writing attempts: refusals, new signatures with their roll result, changes and PATCH. */
const signatureWrites = (s: Shared, { findSignature, getSignature }: ReturnType<typeof signatureReads>) => {
  /**
   * Records a refused attempt (its own transaction) and answers the REFUSED
   * result; a signer who already signed the course gets their signature
   * back instead (e.g. a retry with a code that has since rotated).
   * `store: false` answers the refusal without writing it (the per-signer
   * bound on stored refusals, see `Limits.ts`).
   */
  const refuse = (
    attempt: Attempt,
    reason: RefusalReason,
    message: string,
    options: { readonly courseKnown?: boolean; readonly store?: boolean } = {}
  ) =>
    Effect.gen(function* () {
      if (options.courseKnown !== false && attempt.signer_id !== null) {
        const prior = yield* s.inTx(findSignature({ course_id: attempt.course_id, signer_id: attempt.signer_id }))
        if (Option.isSome(prior)) return resultOf(prior.value, true)
      }
      const actor = yield* CurrentActor
      const id = yield* newId(SignatureRefusalId)
      if (options.store !== false)
        yield* s.inTx(
          s.repo.insertRefusal({
            id,
            course_id: attempt.course_id,
            signer_id: attempt.signer_id,
            method: attempt.method,
            reason_code: reason,
            message,
            actor_id: actor.id,
            ip: actor.ip ?? null,
            received_at: attempt.at
          })
        )
      return new SignatureAttemptResult(
        {
          signature_id: null,
          status: "REFUSED",
          message,
          reason_code: reason,
          refusal_id: options.store === false ? null : id,
          course_id: attempt.course_id,
          existing: false
        },
        true
      )
    })

  const setRoll = (...args: SetRollArgs) => setRollWith(s, ...args)
  const changeSignature = (before: Signature, change: SignatureChange) => changeSignatureWith(s, before, change)

  /**
   * Inserts a new signature with its roll result and event (one transaction),
   * when the tenant's plan admits one more this UTC month
   * (`signatures.monthly`, issue 20; 402 `QuotaExceeded` otherwise).
   * A concurrent insert of the same signer and course (or idempotency key)
   * loses the race gracefully: the winner's row is answered as `existing`.
   */
  const insertSignature = (sig: Signature, proof: unknown, idempotencyKey: string | null) =>
    s.inTx(
      Effect.gen(function* () {
        const month = DateTime.startOf(DateTime.toUtc(yield* DateTime.now), "month")
        yield* s.quotas.admit("signatures.monthly", 1, s.repo.countSignaturesSince(month))
        // A student's signature gives their roll result in the same statement where the database allows it.
        const roll = sig.signer_kind === "student" ? rollOf(sig.status) : null
        const inserted =
          roll === null
            ? yield* s.repo.insertSignature(sig, proof, idempotencyKey)
            : yield* s.repo.insertSignatureWithRoll(sig, proof, idempotencyKey, {
                result: roll,
                by: yield* s.actingUser
              })
        if (!inserted) {
          const byKey =
            idempotencyKey !== null ? yield* findSignature({ idempotency_key: idempotencyKey }) : Option.none()
          const winner = Option.isSome(byKey)
            ? byKey
            : yield* findSignature({ course_id: sig.course_id, signer_id: sig.signer_id })
          return resultOf(Option.getOrThrow(winner), true)
        }
        yield* s.events.publish({ type: "signet.attendance.signature.created", subject: sig.id, data: sig })
        return resultOf(sig, false)
      })
    )

  /**
   * `PATCH …/signatures/{id}` (seed rule 6): only the course's teachers and
   * admins change a status; the administrator fields only admins.
   * @errors AttendanceNotFound, Forbidden
   */
  const patchSignature = (id: SignatureId, patch: PatchSignature) =>
    Effect.gen(function* () {
      const before = yield* getSignature(id)
      if (!(yield* s.isStaffOf(before.course_id)))
        return yield* forbidden("only the course's teachers and admins change a signature", "attendance:write")
      if (
        (patch.administrator_id !== undefined || patch.admin_reason !== undefined) &&
        !(yield* s.can("attendance:admin"))
      )
        return yield* forbidden("administrator fields are set by admins only", "attendance:admin")
      return yield* changeSignature(before, {
        status: patch.status,
        message: patch.message,
        administrator_id: patch.administrator_id,
        admin_reason: patch.admin_reason
      })
    })

  return { refuse, setRoll, insertSignature, changeSignature, patchSignature } as const
}

/** The signature operations of the attendance service: reads and writes. */
export const makeSignatures = (s: Shared) => {
  const reads = signatureReads(s)
  return { ...reads, ...signatureWrites(s, reads) } as const
}

/** The signature seam's operations. */
export type Signatures = ReturnType<typeof makeSignatures>
