/**
 * The seeds' gRPC services (issue 21 §3) called by a real gRPC client
 * (`@grpc/grpc-js`) built from the same `.proto` files: authentication by API
 * key or user token with the same permissions as REST and `/rpc`, tenant
 * isolation, `x-request-id` echoed, errors as gRPC status codes (malformed
 * messages `INVALID_ARGUMENT`). SQLite and Postgres.
 */

import * as Path from "node:path"
import { expect, layer } from "@effect/vitest"
import * as Grpc from "@grpc/grpc-js"
import * as ProtoLoader from "@grpc/proto-loader"
import { testDialects } from "@signet/core/testing"
import { GrpcEndpoint, LOADER_OPTIONS, PROTO_FILES, protoDir, ServerActivity } from "@signet/server"
import { call, loginToken, testServer } from "@signet/server/testing"
import { school } from "@signet/server/testing/school"
import { Effect, Option } from "effect"

const dir = protoDir()
// biome-ignore lint/suspicious/noExplicitAny: grpc-js's loaded package object is untyped
const proto = Grpc.loadPackageDefinition(
  ProtoLoader.loadSync(
    PROTO_FILES.map((f) => Path.join(dir, f)),
    { ...LOADER_OPTIONS, includeDirs: [dir] }
  )
) as any

/** The answer of one unary call: the response, or the status code and message; and the response metadata. */
interface Answer {
  // biome-ignore lint/suspicious/noExplicitAny: a decoded proto message
  readonly response?: any
  readonly code?: number
  readonly details?: string
  readonly requestId?: string | undefined
}

/** Calls `service.method` on the test server's gRPC port with `metadata`. */
const rpc = (
  service: string,
  method: string,
  request: unknown,
  metadata: Record<string, string> = {}
): Effect.Effect<Answer, never, GrpcEndpoint> =>
  Effect.flatMap(GrpcEndpoint, ({ port }) =>
    Effect.promise(
      () =>
        new Promise<Answer>((resolve) => {
          const [pkg, api, version, name] = service.split(".")
          const Client = proto[pkg!][api!][version!][name!]
          const client = new Client(`127.0.0.1:${Option.getOrThrow(port)}`, Grpc.credentials.createInsecure())
          const md = new Grpc.Metadata()
          for (const [k, v] of Object.entries(metadata)) md.set(k, v)
          let requestId: string | undefined
          const c = client[method](
            request,
            md,
            { deadline: Date.now() + 30_000 },
            (error: Grpc.ServiceError | null, response: unknown) => {
              client.close()
              resolve(error ? { code: error.code, details: error.details, requestId } : { response, requestId })
            }
          )
          c.on("metadata", (m: Grpc.Metadata) => {
            requestId = m.get("x-request-id")[0]?.toString()
          })
        })
    )
  )

/** A tenant with a school, a student in a group, a teacher, the teacher's running course, and an `academics:read` key. */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const s = yield* school(slug, { students: ["s1", "s2"], teachers: ["t1"], grouped: ["s1"] }, [
      { name: "Maths", startIn: -5, endIn: 55, teachers: ["t1"] }
    ])
    // Minted by the operator (a signed-in admin would need a step-up first).
    const minted = yield* call("POST", `${s.T}/api-keys`, {
      body: { name: "attendance-svc", permissions: ["academics:read", "users:read"] }
    })
    const key = minted.body.key as string
    const auth = { authorization: `Bearer ${key}`, "x-signet-tenant": slug }
    const { s1: student, s2: outsider, t1: teacher } = s.users
    return {
      slug,
      school: s.school,
      student: student!,
      outsider: outsider!,
      teacher: teacher!,
      group: s.group,
      course: s.courses[0]!,
      key,
      auth
    }
  })

const Q = "academics.api.v1.AcademicsQueryService"

for (const dialect of testDialects()) {
  layer(testServer(dialect, { grpcPort: Option.some(0) }), { timeout: 120_000, excludeTestServices: true })(
    `gRPC services of the seeds on ${dialect}`,
    (it) => {
      it.effect("ValidateStudentCourse answers the membership, with the matched group", () =>
        Effect.gen(function* () {
          const s = yield* setup("grpc-member")
          const member = yield* rpc(
            Q,
            "ValidateStudentCourse",
            { student_id: s.student.id, course_id: s.course.id },
            s.auth
          )
          expect(member.response).toEqual({ is_allowed: true, matched_group_ids: [s.group.id] })
          const other = yield* rpc(
            Q,
            "ValidateStudentCourse",
            { student_id: s.outsider.id, course_id: s.course.id },
            s.auth
          )
          expect(other.response).toEqual({ is_allowed: false, matched_group_ids: [] })
        })
      )

      it.effect("a gRPC call counts as server activity while it runs (the idle collection waits for it)", () =>
        Effect.gen(function* () {
          const s = yield* setup("grpc-activity")
          const activity = yield* ServerActivity
          const before = activity.total
          const r = yield* rpc(Q, "GetCourse", { course_id: s.course.id }, s.auth)
          expect(r.response.course.id).toBe(s.course.id)
          expect(activity.total - before).toBe(1)
          expect(activity.n).toBe(0)
        })
      )

      it.effect("GetCourse answers the course with Timestamps; x-request-id is echoed", () =>
        Effect.gen(function* () {
          const s = yield* setup("grpc-course")
          const r = yield* rpc(Q, "GetCourse", { course_id: s.course.id }, { ...s.auth, "x-request-id": "trace-42" })
          expect(r.response.course).toMatchObject({ id: s.course.id, school_id: s.school.id, name: "Maths" })
          const { seconds, nanos } = r.response.course.start_at
          expect(Number(seconds) * 1000 + nanos / 1_000_000).toBe(Date.parse(s.course.start_at))
          expect(r.requestId).toBe("trace-42")
        })
      )

      it.effect("another tenant's course is NOT_FOUND; a key of another tenant is UNAUTHENTICATED", () =>
        Effect.gen(function* () {
          const s = yield* setup("grpc-mine")
          const other = yield* setup("grpc-theirs")
          const foreign = yield* rpc(Q, "GetCourse", { course_id: other.course.id }, s.auth)
          expect(foreign.code).toBe(Grpc.status.NOT_FOUND)
          const wrongKey = yield* rpc(
            Q,
            "GetCourse",
            { course_id: s.course.id },
            { authorization: `Bearer ${other.key}`, "x-signet-tenant": s.slug }
          )
          expect(wrongKey.code).toBe(Grpc.status.UNAUTHENTICATED)
        })
      )

      it.effect(
        "no credentials is UNAUTHENTICATED; a student's token without academics:read is PERMISSION_DENIED",
        () =>
          Effect.gen(function* () {
            const s = yield* setup("grpc-authz")
            const anonymous = yield* rpc(Q, "GetCourse", { course_id: s.course.id }, { "x-signet-tenant": s.slug })
            expect(anonymous.code).toBe(Grpc.status.UNAUTHENTICATED)
            const studentToken = yield* loginToken(s.slug, `s1@${s.slug}.example.edu`)
            const closing = yield* rpc(
              "academics.api.v1.AcademicsCommandService",
              "CloseExpiredCourses",
              { now: null },
              { authorization: `Bearer ${studentToken}` }
            )
            expect(closing.code).toBe(Grpc.status.PERMISSION_DENIED)
          })
      )

      it.effect("a malformed id is INVALID_ARGUMENT, never INTERNAL", () =>
        Effect.gen(function* () {
          const s = yield* setup("grpc-bad")
          for (const course_id of ["", "not-a-uuid", "x".repeat(5000)]) {
            const r = yield* rpc(Q, "GetCourse", { course_id }, s.auth)
            expect(r.code).toBe(Grpc.status.INVALID_ARGUMENT)
          }
          const method = yield* rpc(
            "attendance.api.v1.AttendanceCommandService",
            "CreateSignatureAttempt",
            { course_id: s.course.id, student_id: s.student.id, method: "SIGNATURE_METHOD_UNSPECIFIED" },
            s.auth
          )
          expect(method.code).toBe(Grpc.status.INVALID_ARGUMENT)
        })
      )

      it.effect("CreateSignatureAttempt by the course's teacher records the student present", () =>
        Effect.gen(function* () {
          const s = yield* setup("grpc-sign")
          const teacher = yield* loginToken(s.slug, `t1@${s.slug}.example.edu`)
          const r = yield* rpc(
            "attendance.api.v1.AttendanceCommandService",
            "CreateSignatureAttempt",
            { course_id: s.course.id, student_id: s.student.id, method: "SIGNATURE_METHOD_TEACHER" },
            { authorization: `Bearer ${teacher}` }
          )
          expect(r.response.status).toBe("SIGNATURE_STATUS_ACCEPTED")
          expect(r.response.signature_id).toMatch(/^[0-9a-f-]{36}$/)
          const roll = yield* call("GET", `/api/v1/tenants/${s.slug}/courses/${s.course.id}/roll`)
          expect(JSON.stringify(roll.body)).toContain(s.student.id)
        })
      )

      it.effect("identity and seed 000 services: GetUserLite, Exists, GetUserById, ValidateToken", () =>
        Effect.gen(function* () {
          const s = yield* setup("grpc-id")
          const I = "identity.api.v1.IdentityQueryService"
          const lite = yield* rpc(I, "GetUserLite", { user_id: s.student.id }, s.auth)
          expect(lite.response.user).toMatchObject({ id: s.student.id, email: `s1@${s.slug}.example.edu` })
          expect((yield* rpc(I, "Exists", { user_id: s.teacher.id }, s.auth)).response).toEqual({ exists: true })
          const byId = yield* rpc("core.api.v1.UserService", "GetUserById", { user_id: s.teacher.id }, s.auth)
          expect(byId.response).toMatchObject({ id: s.teacher.id, user_type: "teacher", lastname: "t1" })
          const token = yield* loginToken(s.slug, `t1@${s.slug}.example.edu`)
          const valid = yield* rpc("core.api.v1.AuthService", "ValidateToken", { token })
          expect(valid.response).toMatchObject({ id: s.teacher.id, tenant_slug: s.slug, user_type: "teacher" })
          const invalid = yield* rpc("core.api.v1.AuthService", "ValidateToken", { token: `${token}x` })
          expect(invalid.code).toBe(Grpc.status.UNAUTHENTICATED)
        })
      )
    }
  )
}
