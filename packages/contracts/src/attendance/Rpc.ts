/**
 * RPC contract of the attendance module: `AttendanceCommand` with the seed's
 * `CreateSignatureAttempt` (attendance.proto, consumed by the beacon
 * service) and the staff commands; `AttendanceQuery` for rolls, histories
 * and reports. Same semantics and errors as the REST twins. `CloseCourse`
 * closes one running course now (its teacher or an admin; the unmarked
 * become ABSENT); the scheduled close of every expired course is
 * `AcademicsCommand.CloseExpiredCourses`, which the server runs through
 * attendance for the same reason.
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { CourseId } from "../academics/Domain.js"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { Conflict, Forbidden, QuotaExceeded, RateLimited, ValidationError } from "../kernel/Errors.js"
import { UserId } from "../kernel/Ids.js"
import { ReportParams, ReportRange } from "./Api.js"
import {
  AttendanceNotFound,
  AttendanceReport,
  CloseResult,
  CourseRoll,
  CreateSignatureAttempt,
  DecideExcuse,
  Excuse,
  ExcuseId,
  MarkRoll,
  PatchSignature,
  RollMarked,
  Signature,
  SignatureAttemptResult,
  SignatureId,
  StudentHistory,
  SubmitExcuse
} from "./Domain.js"

const Errors = Schema.Union(AttendanceNotFound, Forbidden, ValidationError, Conflict)

/** `AttendanceCommandService` (seed 004) and the staff commands. */
export class AttendanceCommand extends RpcGroup.make(
  Rpc.make("CreateSignatureAttempt", {
    payload: CreateSignatureAttempt,
    success: SignatureAttemptResult,
    error: Schema.Union(AttendanceNotFound, Forbidden, ValidationError, Conflict, RateLimited, QuotaExceeded)
  }),
  Rpc.make("PatchSignature", {
    payload: { signature_id: SignatureId, patch: PatchSignature },
    success: Signature,
    error: Errors
  }),
  Rpc.make("CloseCourse", { payload: { course_id: CourseId }, success: CloseResult, error: Errors }),
  Rpc.make("MarkRoll", {
    payload: { course_id: CourseId, roll: MarkRoll },
    success: RollMarked,
    error: Schema.Union(Errors, QuotaExceeded)
  }),
  Rpc.make("SubmitExcuse", { payload: SubmitExcuse, success: Excuse, error: Errors }),
  Rpc.make("DecideExcuse", {
    payload: { excuse_id: ExcuseId, decision: DecideExcuse },
    success: Excuse,
    error: Errors
  })
).middleware(RpcTenantAuth) {}

/** Attendance reads. */
export class AttendanceQuery extends RpcGroup.make(
  Rpc.make("GetSignature", { payload: { signature_id: SignatureId }, success: Signature, error: Errors }),
  Rpc.make("GetCourseRoll", { payload: { course_id: CourseId }, success: CourseRoll, error: Errors }),
  Rpc.make("GetStudentHistory", {
    payload: { student_id: UserId, ...ReportRange.fields },
    success: StudentHistory,
    error: Errors
  }),
  Rpc.make("GetAttendanceReport", { payload: ReportParams, success: AttendanceReport, error: Errors })
).middleware(RpcTenantAuth) {}
