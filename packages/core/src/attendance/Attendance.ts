/**
 * The attendance service (seed 004 "attendance", `AttendanceCommandService`,
 * "Attendance validation rules", Flow A and Flow B; issue 5).
 *
 * Attendance is the only writer of signatures. The service is assembled
 * from one file per seam of the domain (issue 14 §3):
 *
 * | seam | file |
 * |---|---|
 * | signing (`createSignatureAttempt`) and its rules | `Signing.ts`, bounds in `Limits.ts` |
 * | signatures as stored, PATCH | `Signatures.ts` |
 * | QR codes | `Qr.ts` |
 * | roll call, course roll, close job | `Roll.ts` |
 * | closing courses (CloseExpiredCourses, CloseCourse) | `Close.ts` |
 * | excuses | `Excuses.ts` |
 * | reports and CSV | `Reports.ts` |
 * | school policies | `Policies.ts` |
 *
 * with all the SQL in `Repo.ts`. The service enforces the rules that need
 * the course (its teachers, its students, excuses) itself; the plain
 * permission of each operation the server exposes is in the types of the
 * facade `AttendanceAdmin` (`Admin.ts`).
 *
 * Every operation acts on the `CurrentTenant`: another tenant's course,
 * signature or excuse answers 404.
 *
 * @module
 */

import type { CreateSignatureAttempt } from "@signet/contracts/attendance/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { makeExcuses } from "./Excuses.js"
import { makeSigningLimits } from "./Limits.js"
import { makePolicies } from "./Policies.js"
import { makeQr } from "./Qr.js"
import { AttendanceRepo } from "./Repo.js"
import { makeReports } from "./Reports.js"
import { makeRoll } from "./Roll.js"
import { as404, makeShared } from "./Shared.js"
import { makeSignatures } from "./Signatures.js"
import { type AttendancePrincipal, makeSigning } from "./Signing.js"

export { QR_DIGITS, qrCodeFor, qrPayload, SignLinkOrigin } from "./Qr.js"
export { historyCsv, reportCsv, rollCsv } from "./Reports.js"
export { type AttendancePrincipal, principalOfActor, systemPrincipal } from "./Signing.js"

/**
 * The attendance service: signing, signatures, QR codes, roll calls and the
 * close job, excuses, reports and school policies (see the module comment
 * for where each lives and what it enforces).
 */
export class Attendance extends Effect.Service<Attendance>()("Signet/Attendance", {
  effect: Effect.gen(function* () {
    const shared = yield* makeShared
    const limits = yield* makeSigningLimits
    const policies = makePolicies(shared)
    const qr = makeQr(shared, policies)
    const sigs = makeSignatures(shared)
    const signing = makeSigning(shared, sigs, policies, qr, limits)
    const roll = makeRoll(shared, sigs)
    const excuses = makeExcuses(shared, sigs)
    const reports = makeReports(shared)
    return {
      /** `CreateSignatureAttempt` with the caller's verified user type and school (see `Signing.ts`). */
      createSignatureAttempt: (input: CreateSignatureAttempt, principal: AttendancePrincipal) =>
        as404(signing.createSignatureAttempt(input, principal)),
      /**
       * Counts a student-initiated attempt (QR or NFC by a user) of the
       * current actor against the attempt limits (`Limits.ts`); other
       * attempts pass. The facade runs it before `createSignatureAttempt`.
       * @errors RateLimited (429)
       */
      limitAttempt: (input: CreateSignatureAttempt) =>
        Effect.flatMap(CurrentActor, (actor) =>
          (input.method === "QR" || input.method === "NFC") && actor.kind === "user" && actor.id
            ? limits.attempt(actor.id, input.course_id ?? null)
            : Effect.void
        ),
      getSignature: sigs.readSignature,
      listSignatures: sigs.listSignatures,
      listRefusals: sigs.listRefusals,
      patchSignature: sigs.patchSignature,
      markRoll: roll.markRoll,
      currentQrCode: qr.currentQrCode,
      courseRoll: roll.courseRoll,
      closeExpiredCourses: roll.closeExpiredCourses,
      closeCourse: roll.closeCourse,
      closeAllTenants: roll.closeAllTenants,
      closeJob: roll.closeJob,
      getPolicy: policies.getPolicy,
      updatePolicy: policies.updatePolicy,
      submitExcuse: excuses.submitExcuse,
      getExcuse: excuses.getExcuse,
      excuseAttachment: excuses.excuseAttachment,
      decideExcuse: excuses.decideExcuse,
      listExcuses: excuses.listExcuses,
      studentHistory: reports.studentHistory,
      report: reports.report
    } as const
  }),
  dependencies: [AttendanceRepo.Default]
}) {}
