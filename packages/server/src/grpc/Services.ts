/**
 * The gRPC services of the seeds (issue 21 §3), method by method, over the
 * same facades, permissions and payload schemas as `/rpc`:
 *
 * | service | methods | permission |
 * |---|---|---|
 * | `academics.api.v1.AcademicsQueryService` | GetCourse, ValidateTeacherCourse, ValidateStudentCourse, ValidateClassroomCourse, GetSchoolPreferences | `academics:read` |
 * | `academics.api.v1.AcademicsCommandService` | CloseExpiredCourses | `attendance:admin` |
 * | `attendance.api.v1.AttendanceCommandService` | CreateSignatureAttempt | the attendance rules (as `/rpc`) |
 * | `identity.api.v1.IdentityQueryService` | GetUserLite, Exists, ValidateStudentDevice | `users:read` (or the user themself) |
 * | `core.api.v1.UserService` | GetUserById | as `IdentityQuery.GetUserById` |
 * | `core.api.v1.AuthService` | ValidateToken | none: the token is the credential |
 *
 * Each request is first turned into the contracts' RPC payload (timestamps
 * to instants, enums to the domain's literals, empty strings to "absent")
 * and decoded by that payload's schema, so a malformed message is
 * `INVALID_ARGUMENT` before anything runs.
 *
 * @module
 */
import type { Rpc } from "@effect/rpc"
import {
  AcademicsAdmin as A,
  AcademicsCommand,
  AcademicsQuery,
  Account,
  AttendanceAdmin,
  AttendanceCommand,
  Auth,
  AuthService,
  IdentityQuery,
  policyUse
} from "@signet/core"
import { Effect, type ParseResult, Schema } from "effect"
import { asPrincipal } from "../Auth.js"
import { fromTimestamp, optional, type Timestamp, toTimestamp } from "./Codec.js"
import type { ServiceName } from "./Paths.js"

/** One unary method: whether it needs a caller (metadata `authorization`), and its work. */
export interface Method {
  readonly authenticated: boolean
  // biome-ignore lint/suspicious/noExplicitAny: proto-loader's decoded messages are untyped
  readonly handle: (request: any) => Effect.Effect<unknown, unknown, any>
}

/** Decodes `input` with the payload schema of the RPC `tag` of `group` (the contracts' own). */
const payload = (
  group: { readonly requests: ReadonlyMap<string, unknown> },
  tag: string,
  input: unknown
  // biome-ignore lint/suspicious/noExplicitAny: the payload's type follows `tag`
): Effect.Effect<any, ParseResult.ParseError> => {
  const rpc = group.requests.get(tag) as Rpc.AnyWithProps | undefined
  if (rpc === undefined) return Effect.dieMessage(`no RPC ${tag}`)
  // biome-ignore lint/suspicious/noExplicitAny: the payload's type follows `tag`
  return Schema.decodeUnknown(rpc.payloadSchema as Schema.Schema<any, unknown>)(input)
}

const read = policyUse("academics:read")

/** Drops the keys whose value is undefined (the contracts' structs are strict). */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** A course as academics.proto's `Course`. */
// biome-ignore lint/suspicious/noExplicitAny: the domain Course (structural)
const courseMessage = (c: any) => ({
  id: c.id,
  school_id: c.school_id,
  name: c.name,
  start_at: toTimestamp(c.start_at),
  end_at: toTimestamp(c.end_at),
  is_online: c.is_online,
  signature_closing_delay_minutes: c.signature_closing_delay_minutes,
  signature_closed: c.signature_closed
})

/** `academics.api.v1.AcademicsQueryService`. */
const academicsQuery: Record<string, Method> = {
  GetCourse: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(AcademicsQuery, "GetCourse", { course_id: r.course_id }), (p) =>
        asPrincipal(A.getCourse(p.course_id).pipe(read)).pipe(Effect.map((c) => ({ course: courseMessage(c) })))
      )
  },
  ValidateTeacherCourse: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(AcademicsQuery, "ValidateTeacherCourse", r), (p) =>
        asPrincipal(A.validateTeacherCourse(p.teacher_id, p.course_id).pipe(read)).pipe(
          Effect.map((is_assigned) => ({ is_assigned }))
        )
      )
  },
  ValidateStudentCourse: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(AcademicsQuery, "ValidateStudentCourse", r), (p) =>
        asPrincipal(A.validateStudentCourse(p.student_id, p.course_id).pipe(read)).pipe(
          Effect.map((v) => ({ is_allowed: v.is_allowed, matched_group_ids: [...v.matched_group_ids] }))
        )
      )
  },
  ValidateClassroomCourse: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(AcademicsQuery, "ValidateClassroomCourse", r), (p) =>
        asPrincipal(A.validateClassroomCourse(p.classroom_id, p.course_id).pipe(read)).pipe(
          Effect.map((is_linked) => ({ is_linked }))
        )
      )
  },
  GetSchoolPreferences: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(AcademicsQuery, "GetSchoolPreferences", r), (p) =>
        asPrincipal(A.getSchoolPreferences(p.school_id).pipe(read)).pipe(
          Effect.map((preferences) => ({ preferences: { ...preferences } }))
        )
      )
  }
}

/** `academics.api.v1.AcademicsCommandService`. */
const academicsCommand: Record<string, Method> = {
  CloseExpiredCourses: {
    authenticated: true,
    handle: () =>
      Effect.flatMap(payload(AcademicsCommand, "CloseExpiredCourses", {}), () =>
        asPrincipal(AttendanceAdmin.closeExpiredCourses().pipe(policyUse("attendance:admin"))).pipe(
          Effect.map((r) => ({ closed_count: String(r.closed_count) }))
        )
      )
  }
}

/** attendance.proto's `CreateSignatureAttemptRequest` as the contracts' `CreateSignatureAttempt`. */
// biome-ignore lint/suspicious/noExplicitAny: a decoded proto message
const attemptOf = (r: any) =>
  defined({
    course_id: optional(r.course_id),
    student_id: optional(r.student_id),
    method: String(r.method ?? "").replace(/^SIGNATURE_METHOD_/, ""),
    teacher_id: optional(r.teacher_id),
    administrator_id: optional(r.administrator_id),
    beacon_proof: r.beacon_proof
      ? defined({
          beacon_id: r.beacon_proof.beacon_id,
          classroom_id: r.beacon_proof.classroom_id,
          proof_type: r.beacon_proof.proof_type,
          proof_payload:
            r.beacon_proof.proof_payload?.length > 0
              ? Buffer.from(r.beacon_proof.proof_payload).toString("base64")
              : undefined,
          proof_time: fromTimestamp(r.beacon_proof.proof_time as Timestamp | null)
        })
      : undefined,
    received_at: fromTimestamp(r.received_at as Timestamp | null)
  })

/** The proto `SignatureStatus` of a domain status (roll-only statuses have none). */
const statusMessage = (s: string) =>
  ["PENDING", "ACCEPTED", "REFUSED", "LATE"].includes(s) ? `SIGNATURE_STATUS_${s}` : "SIGNATURE_STATUS_UNSPECIFIED"

/** `attendance.api.v1.AttendanceCommandService`. */
const attendanceCommand: Record<string, Method> = {
  CreateSignatureAttempt: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(AttendanceCommand, "CreateSignatureAttempt", attemptOf(r)), (p) =>
        asPrincipal(AttendanceAdmin.createSignatureAttempt(p)).pipe(
          Effect.map((res) => ({
            signature_id: res.signature_id ?? "",
            status: statusMessage(res.status),
            message: res.message
          }))
        )
      )
  }
}

/** `identity.api.v1.IdentityQueryService`. */
const identityQuery: Record<string, Method> = {
  GetUserLite: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(IdentityQuery, "GetUserLite", r), (p) =>
        asPrincipal(Account.userLite(p.user_id)).pipe(Effect.map((user) => ({ user: { ...user } })))
      )
  },
  Exists: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(IdentityQuery, "Exists", r), (p) =>
        asPrincipal(Account.userExists(p.user_id)).pipe(Effect.map((exists) => ({ exists })))
      )
  },
  ValidateStudentDevice: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(IdentityQuery, "ValidateStudentDevice", r), (p) =>
        asPrincipal(Account.validateStudentDevice(p.student_id, p.device_identifier)).pipe(
          Effect.map((is_valid) => ({ is_valid }))
        )
      )
  }
}

/** `core.api.v1.UserService` (seed 000 §6). */
const userService: Record<string, Method> = {
  GetUserById: {
    authenticated: true,
    handle: (r) =>
      Effect.flatMap(payload(IdentityQuery, "GetUserById", r), (p) =>
        asPrincipal(Account.user(p.user_id)).pipe(
          Effect.map((u) => ({
            id: u.id,
            tenant_id: u.tenant_id,
            school_id: u.school_id ?? "",
            user_type: u.user_type,
            email: u.email,
            firstname: u.given_name,
            lastname: u.family_name
          }))
        )
      )
  }
}

/** `core.api.v1.AuthService` (seed 000 §6): no caller authentication, the token is the credential. */
const authService: Record<string, Method> = {
  ValidateToken: {
    authenticated: false,
    handle: (r) =>
      Effect.flatMap(payload(AuthService, "ValidateToken", r), (p) =>
        Auth.use((a) => a.validateToken(p.token)).pipe(
          Effect.map((c) => ({
            id: c.sub,
            tenant_id: c.tid,
            tenant_slug: c.tenant_slug,
            school_id: c.school_id ?? "",
            user_type: c.user_type,
            roles: [...c.roles],
            session_id: c.sid,
            expires_at: String(c.exp)
          }))
        )
      )
  }
}

/** Every served service by its fully qualified name, and its methods. */
export const SERVICES: Record<ServiceName, Record<string, Method>> = {
  "academics.api.v1.AcademicsQueryService": academicsQuery,
  "academics.api.v1.AcademicsCommandService": academicsCommand,
  "attendance.api.v1.AttendanceCommandService": attendanceCommand,
  "identity.api.v1.IdentityQueryService": identityQuery,
  "core.api.v1.UserService": userService,
  "core.api.v1.AuthService": authService
}

/** The methods served by the read-only query services, which clients may retry (seed 004 "retries only for idempotent queries"). */
export const IDEMPOTENT_SERVICES = [
  "academics.api.v1.AcademicsQueryService",
  "identity.api.v1.IdentityQueryService",
  "core.api.v1.UserService",
  "core.api.v1.AuthService"
] as const
