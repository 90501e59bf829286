/**
 * Attendance over HTTP and RPC (seed 004 "CreateSignatureAttempt"): QR
 * signing, refusals as recorded decisions, bad input, tenant isolation, the
 * roll call, the close job, excuses and reports — one behaviour per case,
 * each on its own tenant.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { isoFromNow, school } from "@signet/server/testing/school"
import { Effect } from "effect"

/**
 * A tenant `slug` with a school, three students in a group, a teacher, a
 * running course (Maths, the teacher's) and one that ended two hours ago
 * (Earlier, no teacher), with everyone's tokens and request helpers.
 */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const s = yield* school(slug, { students: ["s1", "s2", "s3"], teachers: ["t"] }, [
      { name: "Maths", startIn: -5, endIn: 55, teachers: ["t"] },
      { name: "Earlier", startIn: -180, endIn: -120 }
    ])
    const [course, past] = s.courses
    const tokens = {
      t1: yield* s.token("s1"),
      t2: yield* s.token("s2"),
      t3: yield* s.token("s3"),
      tTeacher: yield* s.token("t")
    }
    /** The code on the teacher's screen for the running course. */
    const qrCode = Effect.map(s.get(`/courses/${course!.id}/qr`, tokens.tTeacher), (r) => r.body.code as string)
    const { s1, s2, s3, t: teacher } = s.users
    return { ...s, s1: s1!, s2: s2!, s3: s3!, teacher: teacher!, course: course!, past: past!, ...tokens, qrCode }
  })

/** A course of another tenant (`${slug}-other`) and that tenant's admin token. */
const foreignCourse = (slug: string) =>
  Effect.gen(function* () {
    const otherAdmin = yield* onboardTenant(`${slug}-other`)
    const T = `/api/v1/tenants/${slug}-other`
    const otherSchool = (yield* call("POST", `${T}/schools`, { auth: otherAdmin, body: { name: "O" } })).body
    const foreign = (yield* call("POST", `${T}/courses`, {
      auth: otherAdmin,
      body: { school_id: otherSchool.id, name: "F", start_at: isoFromNow(-5), end_at: isoFromNow(55) }
    })).body
    return { otherAdmin, foreign, otherPath: T }
  })

/** A PNG header: enough for the attachment type check. */
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString("base64")

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Attendance over HTTP and RPC on ${dialect}`,
    (it) => {
      it.effect("the teacher's screen shows the current QR code and its image; a student cannot display it", () =>
        Effect.gen(function* () {
          const { course, get, t1, tTeacher } = yield* setup("ah-qr")
          const qr = yield* get(`/courses/${course.id}/qr`, tTeacher)
          expect(qr.status).toBe(200)
          expect(qr.body.code).toMatch(/^\d{8}$/)
          expect(qr.body.svg).toContain("<svg")
          expectProblem(yield* get(`/courses/${course.id}/qr`, t1), 403)
        })
      )

      it.effect("a student signs by QR: ACCEPTED, and signing again answers the same signature", () =>
        Effect.gen(function* () {
          const { course, post, qrCode, t1 } = yield* setup("ah-sign")
          const code = yield* qrCode
          const signed = yield* post("/signatures", { course_id: course.id, method: "QR", qr_code: code }, t1)
          expect(signed.status).toBe(200)
          expect(signed.body).toMatchObject({ status: "ACCEPTED", existing: false })
          const again = yield* post("/signatures", { course_id: course.id, method: "QR", qr_code: code }, t1)
          expect(again.body).toMatchObject({ signature_id: signed.body.signature_id, existing: true })
        })
      )

      it.effect("a refusal is a recorded decision: 200 REFUSED with its reason, listed for staff", () =>
        Effect.gen(function* () {
          const { get, past, post, t2 } = yield* setup("ah-refusal")
          const refused = yield* post("/signatures", { course_id: past.id, method: "QR", qr_code: "00000000" }, t2)
          expect(refused.status).toBe(200)
          expect(refused.body).toMatchObject({ status: "REFUSED", reason_code: "COURSE_ENDED", signature_id: null })
          const refusals = yield* get(`/courses/${past.id}/refusals`)
          expect(refusals.body.items.map((r: any) => r.reason_code)).toEqual(["COURSE_ENDED"])
        })
      )

      it.effect("malformed attempts answer 400 problem+json and write nothing", () =>
        Effect.gen(function* () {
          const { T, admin, course, get, post, s2, t2 } = yield* setup("ah-malformed")
          for (const body of [
            { course_id: course.id, method: "SMOKE" },
            { course_id: course.id, method: "QR", qr_code: "12ab" },
            { course_id: course.id, method: "QR", qr_code: "12345678", extra: 1 },
            { course_id: course.id, method: "QR" },
            { course_id: course.id, method: "ADMIN", student_id: s2.id }
          ]) {
            expectProblem(yield* post("/signatures", body, body.method === "ADMIN" ? admin : t2), 400)
          }
          expectProblem(yield* call("POST", `${T}/signatures`, { auth: t2, raw: "{not json" }), 400)
          expect((yield* get(`/courses/${course.id}/refusals`)).body.items).toHaveLength(0)
        })
      )

      it.effect("issue 14 §4: a malformed id in a path or a body answers 400 ValidationError", () =>
        Effect.gen(function* () {
          const { get, post, t2 } = yield* setup("ah-badid")
          for (const path of ["/signatures/not-a-uuid", "/courses/not-a-uuid/roll", "/excuses/not-a-uuid"]) {
            expect(expectProblem(yield* get(path), 400).code).toBe("ValidationError")
          }
          const body = { course_id: "not-a-uuid", method: "QR", qr_code: "12345678" }
          expect(expectProblem(yield* post("/signatures", body, t2), 400).code).toBe("ValidationError")
        })
      )

      it.effect("another tenant's course and signature answer 404, as a missing one does", () =>
        Effect.gen(function* () {
          const { course, get, post, qrCode, t1, t2 } = yield* setup("ah-foreign")
          const signed = yield* post("/signatures", { course_id: course.id, method: "QR", qr_code: yield* qrCode }, t1)
          const { foreign, otherAdmin, otherPath } = yield* foreignCourse("ah-foreign")
          expectProblem(
            yield* post("/signatures", { course_id: foreign.id, method: "QR", qr_code: "12345678" }, t2),
            404
          )
          expectProblem(yield* get(`/courses/${foreign.id}/roll`), 404)
          expectProblem(yield* get(`/signatures/${signed.body.signature_id}`, otherAdmin), 404)
          expectProblem(
            yield* call("GET", `${otherPath}/signatures/${signed.body.signature_id}`, { auth: otherAdmin }),
            404
          )
        })
      )

      it.effect("the course's teacher takes the roll over HTTP; a student cannot", () =>
        Effect.gen(function* () {
          const { course, post, s2, t1, tTeacher } = yield* setup("ah-roll")
          const mark = { marks: [{ student_id: s2.id, result: "LATE" }] }
          expectProblem(yield* post(`/courses/${course.id}/roll`, mark, t1), 403)
          expect((yield* post(`/courses/${course.id}/roll`, mark, tTeacher)).body).toMatchObject({ marked: 1 })
        })
      )

      it.effect("closing marks an ended course's students ABSENT; a teacher may not close", () =>
        Effect.gen(function* () {
          const { get, past, post, tTeacher } = yield* setup("ah-close")
          expectProblem(yield* post("/attendance/close", undefined, tTeacher), 403)
          expect((yield* post("/attendance/close", undefined)).body).toMatchObject({ closed_count: 1, absences: 3 })
          expect((yield* get(`/courses/${past.id}/roll`)).body.counts).toMatchObject({ ABSENT: 3 })
        })
      )

      it.effect(
        "an excuse with a PNG: another course's teacher gets 404, the admin approves, its student downloads it",
        () =>
          Effect.gen(function* () {
            const { get, past, post, t1, t2, tTeacher } = yield* setup("ah-excuse")
            yield* post("/attendance/close", undefined)
            const excuse = yield* post(
              "/excuses",
              {
                course_id: past.id,
                reason: "illness",
                attachment: { filename: "note.png", content_type: "image/png", data_base64: png }
              },
              t2
            )
            expect(excuse.status).toBe(201)
            // Issue 15 §4: another teacher's course is not revealed.
            expectProblem(yield* post(`/excuses/${excuse.body.id}/decision`, { decision: "approve" }, tTeacher), 404)
            expect((yield* post(`/excuses/${excuse.body.id}/decision`, { decision: "approve" })).body.status).toBe(
              "approved"
            )
            const download = yield* get(`/excuses/${excuse.body.id}/attachment`, t2)
            expect(download.headers.get("content-type")).toBe("image/png")
            expect(Buffer.from(download.text, "latin1").length).toBeGreaterThan(0)
            expect((yield* get("/excuses", t2)).body.items).toHaveLength(1)
            expect((yield* get("/excuses", t1)).body.items).toHaveLength(0)
            expect((yield* get(`/courses/${past.id}/roll`)).body.counts).toMatchObject({ ABSENT: 2, EXCUSED: 1 })
          })
      )

      it.effect("a student reads their own history; the school report downloads as CSV; a bad date is 400", () =>
        Effect.gen(function* () {
          const { course, get, post, s2, school, t1, t2, tTeacher } = yield* setup("ah-reports")
          yield* post(`/courses/${course.id}/roll`, { marks: [{ student_id: s2.id, result: "LATE" }] }, tTeacher)
          yield* post("/attendance/close", undefined)
          const hist = yield* get(`/students/${s2.id}/attendance`, t2)
          expect(hist.body.totals).toMatchObject({ courses: 2, late: 1, absent: 1 })
          expectProblem(yield* get(`/students/${s2.id}/attendance`, t1), 403)
          const csv = yield* get(`/attendance/report.csv?scope=school&id=${school.id}`)
          expect(csv.headers.get("content-type")).toContain("text/csv")
          expect(csv.text.split("\n")[0]).toBe(
            "student_id,email,name,courses,present,late,absent,excused,unmarked,rate"
          )
          expect(csv.text).toContain("s2@ah-reports.example.edu")
          expectProblem(yield* get(`/attendance/report?scope=school&id=${school.id}&from=yesterday`), 400)
        })
      )

      it.scoped(
        "over RPC: CreateSignatureAttempt (the seed's name and shape), 404 for a foreign course, the roll",
        () =>
          Effect.gen(function* () {
            const { admin, course, qrCode, t3 } = yield* setup("ah-rpc")
            const { foreign } = yield* foreignCourse("ah-rpc")
            const server = yield* TestServer
            const rpc = yield* makeRpcClient({ baseUrl: server.url, token: t3 })
            const code = yield* qrCode
            const viaRpc = yield* rpc.CreateSignatureAttempt({ course_id: course.id, method: "QR", qr_code: code })
            expect(viaRpc.status).toBe("ACCEPTED")
            expect(
              (yield* Effect.flip(rpc.CreateSignatureAttempt({ course_id: foreign.id, method: "QR", qr_code: code })))
                ._tag
            ).toBe("AttendanceNotFound")
            const rpcAdmin = yield* makeRpcClient({ baseUrl: server.url, token: admin })
            const roll = yield* rpcAdmin.GetCourseRoll({ course_id: course.id })
            expect(roll.counts).toMatchObject({ PRESENT: 1 })
          })
      )
    }
  )
}
