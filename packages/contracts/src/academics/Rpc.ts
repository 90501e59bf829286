/**
 * RPC contract of the academics module, with the names and semantics of
 * seed 004 `academics.proto`: `AcademicsQuery` (read-only, idempotent) and
 * `AcademicsCommand`.
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { Forbidden, ValidationError } from "../kernel/Errors.js"
import {
  AcademicsNotFound,
  Course,
  CourseId,
  Instant,
  SchoolId,
  SchoolPreferences,
  StudentCourseValidation
} from "./Domain.js"

const Errors = Schema.Union(AcademicsNotFound, Forbidden, ValidationError)

/**
 * `AcademicsQueryService` (seed 004). The `Validate…Course` payloads keep
 * plain string ids: a malformed id answers "not assigned / not allowed /
 * not linked" as before rather than a validation error.
 */
export class AcademicsQuery extends RpcGroup.make(
  Rpc.make("GetCourse", { payload: { course_id: CourseId }, success: Course, error: Errors }),
  Rpc.make("ValidateTeacherCourse", {
    payload: { teacher_id: Schema.String, course_id: Schema.String },
    success: Schema.Struct({ is_assigned: Schema.Boolean }),
    error: Errors
  }),
  Rpc.make("ValidateStudentCourse", {
    payload: { student_id: Schema.String, course_id: Schema.String },
    success: StudentCourseValidation,
    error: Errors
  }),
  Rpc.make("ValidateClassroomCourse", {
    payload: { classroom_id: Schema.String, course_id: Schema.String },
    success: Schema.Struct({ is_linked: Schema.Boolean }),
    error: Errors
  }),
  Rpc.make("GetSchoolPreferences", { payload: { school_id: SchoolId }, success: SchoolPreferences, error: Errors })
).middleware(RpcTenantAuth) {}

/** `AcademicsCommandService` (seed 004). */
export class AcademicsCommand extends RpcGroup.make(
  Rpc.make("CloseExpiredCourses", {
    // Seed 004 names a `now`; it is accepted for compatibility and ignored: the server's clock
    // decides which courses have ended (issue 15 §3). Needs `attendance:admin`.
    payload: { now: Schema.optional(Instant) },
    success: Schema.Struct({ closed_count: Schema.Number }),
    error: Errors
  })
).middleware(RpcTenantAuth) {}
