/**
 * The seeds' services over the Connect protocol on the main port (issue 21
 * §3), called by a real Connect client (`@connectrpc/connect-node`, HTTP/1.1)
 * built from the same `.proto` files, and by plain `fetch` with JSON: the
 * same methods, permissions, tenant isolation and error mapping as gRPC
 * (`grpc.test.ts`), answered as Connect errors. SQLite and Postgres.
 */

import { Code, ConnectError, createClient } from "@connectrpc/connect"
import { createConnectTransport } from "@connectrpc/connect-node"
import { expect, layer } from "@effect/vitest"
import * as ProtoLoader from "@grpc/proto-loader"
import { testDialects } from "@signet/core/testing"
import { registryOf } from "@signet/server"
import { call, loginToken, TestServer, testServer } from "@signet/server/testing"
import { school } from "@signet/server/testing/school"
import { Effect } from "effect"
import { loadProtos } from "../src/grpc/Protos.js"

const registry = registryOf(loadProtos(ProtoLoader))

/** A client of a descriptor found at run time: its methods by local name, messages untyped. */
type AnyClient = Record<string, (request: object, options?: object) => Promise<any>>

/** A Connect client of `service` on the test server (JSON unless `binary`). */
const client = (service: string, binary = false) =>
  Effect.map(
    TestServer,
    ({ url }) =>
      createClient(
        registry.getService(service)!,
        createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: binary })
      ) as unknown as AnyClient
  )

/** The Connect error code of a failed call (or "ok"). */
const codeOf = (call: () => Promise<unknown>) =>
  Effect.promise(() =>
    call().then(
      () => "ok" as const,
      (e: unknown) => ConnectError.from(e).code
    )
  )

/** A tenant with a school, a student in a group, a teacher, the teacher's running course, and an `academics:read` key. */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const s = yield* school(slug, { students: ["s1", "s2"], teachers: ["t1"], grouped: ["s1"] }, [
      { name: "Maths", startIn: -5, endIn: 55, teachers: ["t1"] }
    ])
    const minted = yield* call("POST", `${s.T}/api-keys`, {
      body: { name: "attendance-svc", permissions: ["academics:read", "users:read"] }
    })
    const key = minted.body.key as string
    return {
      slug,
      school: s.school,
      student: s.users.s1!,
      teacher: s.users.t1!,
      course: s.courses[0]!,
      key,
      headers: { authorization: `Bearer ${key}`, "x-signet-tenant": slug }
    }
  })

const Q = "academics.api.v1.AcademicsQueryService"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Connect protocol on the main port on ${dialect}`,
    (it) => {
      it.effect("ValidateToken answers the token's user without caller credentials", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-token")
          const token = yield* loginToken(s.slug, `t1@${s.slug}.example.edu`)
          const auth = yield* client("core.api.v1.AuthService")
          const info = yield* Effect.promise(() => auth.validateToken({ token }))
          expect(info).toMatchObject({ id: s.teacher.id, tenantSlug: s.slug, userType: "teacher" })
          expect(Number(info.expiresAt)).toBeGreaterThan(Date.now() / 1000)
        })
      )

      it.effect("GetCourse answers the same course as gRPC, in JSON and in binary; x-request-id is echoed", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-course")
          for (const binary of [false, true]) {
            const q = yield* client(Q, binary)
            let requestId: string | null = null
            const r = yield* Effect.promise(() =>
              q.getCourse(
                { courseId: s.course.id },
                {
                  headers: { ...s.headers, "x-request-id": `trace-${binary}` },
                  onHeader: (h: Headers) => {
                    requestId = h.get("x-request-id")
                  }
                }
              )
            )
            expect(r.course).toMatchObject({ id: s.course.id, schoolId: s.school.id, name: "Maths" })
            const { seconds, nanos } = r.course.startAt
            expect(Number(seconds) * 1000 + nanos / 1_000_000).toBe(Date.parse(s.course.start_at))
            expect(requestId).toBe(`trace-${binary}`)
          }
        })
      )

      it.effect("a student's token without attendance:admin is permission_denied", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-authz")
          const student = yield* loginToken(s.slug, `s1@${s.slug}.example.edu`)
          const command = yield* client("academics.api.v1.AcademicsCommandService")
          const code = yield* codeOf(() =>
            command.closeExpiredCourses({}, { headers: { authorization: `Bearer ${student}` } })
          )
          expect(code).toBe(Code.PermissionDenied)
        })
      )

      it.effect("no credentials is unauthenticated", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-anon")
          const q = yield* client(Q)
          const code = yield* codeOf(() =>
            q.getCourse({ courseId: s.course.id }, { headers: { "x-signet-tenant": s.slug } })
          )
          expect(code).toBe(Code.Unauthenticated)
        })
      )

      it.effect("another tenant's course is not_found", () =>
        Effect.gen(function* () {
          const mine = yield* setup("cx-mine")
          const theirs = yield* setup("cx-theirs")
          const q = yield* client(Q)
          const code = yield* codeOf(() => q.getCourse({ courseId: theirs.course.id }, { headers: mine.headers }))
          expect(code).toBe(Code.NotFound)
        })
      )

      it.effect("a malformed id is invalid_argument", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-bad-id")
          const q = yield* client(Q)
          const code = yield* codeOf(() => q.getCourse({ courseId: "not-a-uuid" }, { headers: s.headers }))
          expect(code).toBe(Code.InvalidArgument)
        })
      )

      it.effect("a body that is not the message is invalid_argument (400), never internal", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-bad-body")
          const { url } = yield* TestServer
          const bodies: ReadonlyArray<readonly [string, string | Uint8Array]> = [
            ["application/json", "{not json"],
            ["application/json", JSON.stringify({ courseId: 42 })],
            ["application/json", JSON.stringify({ noSuchField: "x" })],
            ["application/proto", new Uint8Array([0x0a, 0xff, 0xff, 0xff])]
          ]
          for (const [contentType, body] of bodies) {
            const res = yield* Effect.promise(() =>
              fetch(`${url}/${Q}/GetCourse`, {
                method: "POST",
                headers: { ...s.headers, "content-type": contentType },
                body
              })
            )
            expect(res.status).toBe(400)
            expect(yield* Effect.promise(() => res.json())).toMatchObject({ code: "invalid_argument" })
          }
        })
      )

      it.effect("a message over 64 KiB is resource_exhausted", () =>
        Effect.gen(function* () {
          const auth = yield* client("core.api.v1.AuthService")
          const code = yield* codeOf(() => auth.validateToken({ token: "x".repeat(70 * 1024) }))
          expect(code).toBe(Code.ResourceExhausted)
        })
      )

      it.effect("an expired Connect-Timeout-Ms is deadline_exceeded before anything runs", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-deadline")
          const { url } = yield* TestServer
          const res = yield* Effect.promise(() =>
            fetch(`${url}/${Q}/GetCourse`, {
              method: "POST",
              headers: { ...s.headers, "content-type": "application/json", "connect-timeout-ms": "0" },
              body: JSON.stringify({ courseId: s.course.id })
            })
          )
          expect(res.status).toBe(504)
          expect(yield* Effect.promise(() => res.json())).toMatchObject({ code: "deadline_exceeded" })
        })
      )

      it.effect("the client's deadline ends the call with deadline_exceeded", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-timeout")
          const q = yield* client(Q)
          const code = yield* codeOf(() => q.getCourse({ courseId: s.course.id }, { headers: s.headers, timeoutMs: 1 }))
          expect(code).toBe(Code.DeadlineExceeded)
        })
      )

      it.effect("plain fetch with JSON (as curl): proto3 JSON answer, permission refusal as 403 Connect error", () =>
        Effect.gen(function* () {
          const s = yield* setup("cx-curl")
          const { url } = yield* TestServer
          const post = (path: string, headers: Record<string, string>, body: unknown) =>
            Effect.promise(() =>
              fetch(`${url}/${path}`, {
                method: "POST",
                headers: { ...headers, "content-type": "application/json", "connect-protocol-version": "1" },
                body: JSON.stringify(body)
              })
            )
          const ok = yield* post(`${Q}/GetCourse`, s.headers, { courseId: s.course.id })
          expect(ok.status).toBe(200)
          expect(ok.headers.get("content-type")).toBe("application/json")
          const body = (yield* Effect.promise(() => ok.json())) as { course: Record<string, string> }
          expect(body.course).toMatchObject({ id: s.course.id, name: "Maths" })
          expect(Date.parse(body.course.startAt)).toBe(Date.parse(s.course.start_at))
          const student = yield* loginToken(s.slug, `s1@${s.slug}.example.edu`)
          const refused = yield* post(
            "academics.api.v1.AcademicsCommandService/CloseExpiredCourses",
            { authorization: `Bearer ${student}` },
            {}
          )
          expect(refused.status).toBe(403)
          expect(yield* Effect.promise(() => refused.json())).toMatchObject({ code: "permission_denied" })
        })
      )
    }
  )
}
