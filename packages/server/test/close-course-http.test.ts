/**
 * CloseCourse over HTTP (issue 17, the teacher's "close the course"): the
 * course's teacher closes signing now and the unmarked become ABSENT; a
 * student, another teacher, another tenant and a course not yet started are
 * refused and change nothing. The same command over RPC
 * (`AttendanceCommand.CloseCourse`).
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { school } from "@signet/server/testing/school"
import { Effect } from "effect"

/** A tenant with a school, two students in a group, two teachers, a running course of `t1` and a future one. */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const s = yield* school(slug, { students: ["s1", "s2"], teachers: ["t1", "t2"] }, [
      { name: "Maths", startIn: -10, endIn: 50, teachers: ["t1"] },
      { name: "Later", startIn: 60, endIn: 120, teachers: ["t1"] }
    ])
    const [course, later] = s.courses
    const tokens = { tS1: yield* s.token("s1"), tT1: yield* s.token("t1"), tT2: yield* s.token("t2") }
    const roll = (id: string) => Effect.map(s.get(`/courses/${id}/roll`), (r) => r.body)
    return {
      T: s.T,
      admin: s.admin,
      post: s.post,
      s1: s.users.s1!,
      s2: s.users.s2!,
      course: course!,
      later: later!,
      roll,
      ...tokens
    }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(`CloseCourse on ${dialect}`, (it) => {
    it.effect(
      "the course's teacher closes it: signing closes, the unmarked become ABSENT, a second close changes nothing",
      () =>
        Effect.gen(function* () {
          const { T, course, post, roll, s1, tT1: t1 } = yield* setup("cc-close")
          const marked = yield* post(
            `/courses/${course.id}/roll`,
            { marks: [{ student_id: s1.id, result: "PRESENT" }] },
            t1
          )
          expect(marked.status, marked.text).toBe(200)
          const closed = yield* post(`/courses/${course.id}/close`, {}, t1)
          expect(closed.status).toBe(200)
          expect(closed.body).toEqual({ closed_count: 1, course_ids: [course.id], absences: 1 })
          const after = yield* roll(course.id)
          expect(after.closed).toBe(true)
          expect(after.counts).toMatchObject({ PRESENT: 1, ABSENT: 1, UNMARKED: 0 })
          expect((yield* post(`/courses/${course.id}/close`, {}, t1)).body).toEqual({
            closed_count: 0,
            course_ids: [],
            absences: 0
          })
          expectProblem(yield* call("GET", `${T}/courses/${course.id}/qr`, { auth: t1 }), 409)
        })
    )

    it.effect("a student or another teacher is refused (403) and the course stays open", () =>
      Effect.gen(function* () {
        const { course, post, roll, tS1: s1, tT2: t2 } = yield* setup("cc-who")
        expectProblem(yield* post(`/courses/${course.id}/close`, {}, s1), 403)
        expectProblem(yield* post(`/courses/${course.id}/close`, {}, t2), 403)
        expect((yield* roll(course.id)).closed).toBe(false)
      })
    )

    it.effect("a course that has not started is a 409; another tenant's course is a 404", () =>
      Effect.gen(function* () {
        const { course, later, post, roll, tT1: t1 } = yield* setup("cc-when")
        expectProblem(yield* post(`/courses/${later.id}/close`, {}, t1), 409)
        expect((yield* roll(later.id)).closed).toBe(false)
        const other = yield* onboardTenant("cc-when-other")
        expectProblem(
          yield* call("POST", `/api/v1/tenants/cc-when-other/courses/${course.id}/close`, { auth: other, body: {} }),
          404
        )
        expect((yield* roll(course.id)).closed).toBe(false)
      })
    )

    it.scoped("CloseCourse over RPC: the teacher closes the course; a student gets Forbidden and nothing changes", () =>
      Effect.gen(function* () {
        const { course, roll, tS1, tT1 } = yield* setup("cc-rpc")
        const server = yield* TestServer
        const rpc = (token: string) => makeRpcClient({ baseUrl: server.url, token, tenant: "cc-rpc" })
        const refused = yield* Effect.flip((yield* rpc(tS1)).CloseCourse({ course_id: course.id }))
        expect(refused._tag).toBe("Forbidden")
        expect((yield* roll(course.id)).closed).toBe(false)
        const closed = yield* (yield* rpc(tT1)).CloseCourse({ course_id: course.id })
        expect(closed).toEqual({ closed_count: 1, course_ids: [course.id], absences: 2 })
        expect((yield* roll(course.id)).closed).toBe(true)
      })
    )
  })
}
