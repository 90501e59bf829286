/**
 * The live roll's event stream (issue 17 "Teacher": live roll by
 * Server-Sent Events from the domain's events): a student's signature
 * appears on the teacher's stream; another tenant's course, a student and a
 * missing token open no stream. SQLite and Postgres.
 */
import { expect, it, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, TestServer, testServer } from "@signet/server/testing"
import { school } from "@signet/server/testing/school"
import { Context, Effect, Exit, Layer, Scope } from "effect"

/** A tenant with a school, a student in a group, a teacher and the teacher's running course; tokens. */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const s = yield* school(slug, { students: ["s1"], teachers: ["t"] }, [
      { name: "Maths", startIn: -5, endIn: 55, teachers: ["t"] }
    ])
    const tTeacher = yield* s.token("t")
    const tStudent = yield* s.token("s1")
    return { T: s.T, admin: s.admin, post: s.post, course: s.courses[0]!, s1: s.users.s1!, tTeacher, tStudent }
  })

/** Reads the stream until `pred` holds for the text so far or `ms` pass; answers the text. */
const readUntil = (body: ReadableStream<Uint8Array>, pred: (text: string) => boolean, ms: number) =>
  Effect.promise(async () => {
    const reader = body.getReader()
    const decoder = new TextDecoder()
    let text = ""
    const deadline = Date.now() + ms
    while (!pred(text) && Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), Math.max(1, deadline - Date.now())))
      ])
      if (!chunk || chunk.done) break
      text += decoder.decode(chunk.value, { stream: true })
    }
    await reader.cancel().catch(() => undefined)
    return text
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `live roll stream on ${dialect}`,
    (it) => {
      it.scoped("a student's QR signature appears on the teacher's stream as `event: roll`", () =>
        Effect.gen(function* () {
          const { T, course, post, s1, tStudent, tTeacher } = yield* setup("lr-sign")
          const server = yield* TestServer
          const controller = new AbortController()
          const res = yield* Effect.promise(() =>
            fetch(`${server.url}${T}/courses/${course.id}/roll/events`, {
              headers: { authorization: `Bearer ${tTeacher}` },
              signal: controller.signal
            })
          )
          // The stream stays open until the client leaves: leave whatever the assertions say.
          yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
          expect(res.status).toBe(200)
          expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/)
          const code = (yield* call("GET", `${T}/courses/${course.id}/qr`, { auth: tTeacher })).body.code
          const signed = yield* post("/signatures", { course_id: course.id, method: "QR", qr_code: code }, tStudent)
          expect(signed.body, JSON.stringify(signed.body)).toMatchObject({ status: "ACCEPTED" })
          const text = yield* readUntil(res.body!, (t) => t.includes("event: roll"), 20_000)
          const data = /event: roll\ndata: (.*)\n/.exec(text)?.[1]
          expect(data).toBeDefined()
          expect(JSON.parse(data!)).toEqual({
            type: "signature",
            student_id: s1.id,
            status: "ACCEPTED",
            signature_id: signed.body.signature_id
          })
        })
      )

      it.scoped('an ABSENT roll mark appears on the stream as `{ type: "marks" }`', () =>
        Effect.gen(function* () {
          const { T, course, post, s1, tTeacher } = yield* setup("lr-mark")
          const server = yield* TestServer
          const controller = new AbortController()
          const res = yield* Effect.promise(() =>
            fetch(`${server.url}${T}/courses/${course.id}/roll/events`, {
              headers: { authorization: `Bearer ${tTeacher}` },
              signal: controller.signal
            })
          )
          yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
          expect(res.status).toBe(200)
          const marked = yield* post(
            `/courses/${course.id}/roll`,
            { marks: [{ student_id: s1.id, result: "ABSENT" }] },
            tTeacher
          )
          expect(marked.status, marked.text).toBe(200)
          const text = yield* readUntil(res.body!, (t) => t.includes("event: roll"), 20_000)
          const data = /event: roll\ndata: (.*)\n/.exec(text)?.[1]
          expect(data).toBeDefined()
          expect(JSON.parse(data!)).toEqual({ type: "marks" })
        })
      )

      it.effect("another tenant's course answers 404 problem+json and opens no stream", () =>
        Effect.gen(function* () {
          const home = yield* setup("lr-home")
          const away = yield* setup("lr-away")
          // The away teacher names the home course under their own tenant, then under the home tenant.
          expectProblem(
            yield* call("GET", `${away.T}/courses/${home.course.id}/roll/events`, { auth: away.tTeacher }),
            404
          )
          expectProblem(
            yield* call("GET", `${home.T}/courses/${home.course.id}/roll/events`, { auth: away.tTeacher }),
            404
          )
        })
      )

      it.effect("a student cannot open a course's live roll (403 or 404)", () =>
        Effect.gen(function* () {
          const { T, course, tStudent } = yield* setup("lr-student")
          const res = yield* call("GET", `${T}/courses/${course.id}/roll/events`, { auth: tStudent })
          expect([403, 404]).toContain(res.status)
          expectProblem(res, res.status)
        })
      )

      it.effect("without a token the stream answers 401", () =>
        Effect.gen(function* () {
          const { T, course } = yield* setup("lr-anon")
          expectProblem(yield* call("GET", `${T}/courses/${course.id}/roll/events`, { auth: false }), 401)
        })
      )
    }
  )
}

it.live(
  "shutdown ends open streams and does not wait the drain's grace period on them (issue 17)",
  () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const ctx = yield* Layer.buildWithScope(testServer("sqlite", { shutdownGraceMs: 30_000 }), scope)
      const server = Context.get(ctx, TestServer)
      const { T, course, tTeacher } = yield* setup("lr-shutdown").pipe(Effect.provide(ctx))
      const res = yield* Effect.promise(() =>
        fetch(`${server.url}${T}/courses/${course.id}/roll/events`, {
          headers: { authorization: `Bearer ${tTeacher}` }
        })
      )
      expect(res.status).toBe(200)
      const reader = res.body!.getReader()
      yield* Effect.promise(() => reader.read())
      const start = Date.now()
      yield* Scope.close(scope, Exit.void)
      const closedIn = Date.now() - start
      // The stream ended (done, or the connection closed under it) and the drain did not wait 30 s.
      const end = yield* Effect.promise(() =>
        (async () => {
          for (;;) {
            const r = await reader.read()
            if (r.done) return "done"
          }
        })().catch(() => "closed")
      )
      expect(["done", "closed"]).toContain(end)
      expect(closedIn).toBeLessThan(15_000)
    }),
  120_000
)

it.live(
  "streams per tenant are limited (429 with Retry-After), and a client that leaves frees its slot (issue 17)",
  () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const ctx = yield* Layer.buildWithScope(testServer("sqlite", { liveRollMaxStreams: 1 }), scope)
      const server = Context.get(ctx, TestServer)
      const { T, course, tTeacher } = yield* setup("lr-limit").pipe(Effect.provide(ctx))
      const open = (signal?: AbortSignal) =>
        Effect.promise(() =>
          fetch(`${server.url}${T}/courses/${course.id}/roll/events`, {
            headers: { authorization: `Bearer ${tTeacher}` },
            ...(signal ? { signal } : {})
          })
        )
      const first = new AbortController()
      expect((yield* open(first.signal)).status).toBe(200)
      const refused = yield* open()
      expect(refused.status).toBe(429)
      expect(refused.headers.get("retry-after")).toBe("30")
      expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/)
      first.abort()
      // The server notices the closed connection and frees the slot.
      let again = 0
      for (let i = 0; i < 50 && again !== 200; i++) {
        yield* Effect.sleep("100 millis")
        const third = new AbortController()
        const res = yield* open(third.signal)
        again = res.status
        third.abort()
      }
      expect(again).toBe(200)
      yield* Scope.close(scope, Exit.void)
    }),
  120_000
)
