import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const PASSWORD = "correct horse battery staple"
const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Attendance over HTTP and RPC on ${dialect}`,
    (it) => {
      it.scoped(
        "students sign by QR, refusals are 200 + reason, bad input 400, foreign ids 404, roll, excuse, CSV",
        () =>
          Effect.gen(function* () {
            const T = "/api/v1/tenants/att-web"
            for (const slug of ["att-web", "att-other"])
              yield* call("POST", "/api/v1/tenants", {
                body: {
                  slug,
                  name: slug,
                  admin: { email: `admin@${slug}.example.edu`, password: PASSWORD, given_name: "A", family_name: "D" }
                }
              })
            const login = (email: string, slug = "att-web") =>
              Effect.map(
                call("POST", `/api/v1/tenants/${slug}/auth/login`, {
                  auth: false,
                  body: { login: email, password: PASSWORD }
                }),
                (r) => r.body.tokens.access_token as string
              )
            const admin = yield* login("admin@att-web.example.edu")
            const post = (path: string, body: unknown, token = admin) =>
              call("POST", `${T}${path}`, { auth: token, body })
            const get = (path: string, token = admin) => call("GET", `${T}${path}`, { auth: token })
            const school = (yield* post("/schools", { name: "Hugo" })).body
            const mkUser = (email: string, user_type: string) =>
              Effect.map(
                post("/users", {
                  email,
                  given_name: "G",
                  family_name: email,
                  user_type,
                  password: PASSWORD,
                  school_id: school.id
                }),
                (r) => r.body
              )
            const s1 = yield* mkUser("s1@att-web.example.edu", "student")
            const s2 = yield* mkUser("s2@att-web.example.edu", "student")
            const s3 = yield* mkUser("s3@att-web.example.edu", "student")
            const teacher = yield* mkUser("t@att-web.example.edu", "teacher")
            const group = (yield* post("/groups", { school_id: school.id, name: "2A" })).body
            yield* call("PUT", `${T}/groups/${group.id}/members`, {
              auth: admin,
              body: { student_ids: [s1.id, s2.id, s3.id] }
            })
            const course = (yield* post("/courses", {
              school_id: school.id,
              name: "Maths",
              start_at: iso(-5),
              end_at: iso(55),
              teacher_ids: [teacher.id],
              group_ids: [group.id]
            })).body
            const past = (yield* post("/courses", {
              school_id: school.id,
              name: "Earlier",
              start_at: iso(-180),
              end_at: iso(-120),
              group_ids: [group.id]
            })).body
            const [t1, t2, tTeacher] = [
              yield* login("s1@att-web.example.edu"),
              yield* login("s2@att-web.example.edu"),
              yield* login("t@att-web.example.edu")
            ]

            // The teacher's screen: the current code and its image. A student cannot display it.
            const qr = yield* get(`/courses/${course.id}/qr`, tTeacher)
            expect(qr.status).toBe(200)
            expect(qr.body.code).toMatch(/^\d{8}$/)
            expect(qr.body.svg).toContain("<svg")
            expectProblem(yield* get(`/courses/${course.id}/qr`, t1), 403)

            // Sign: accepted, then the same signature again.
            const signed = yield* post("/signatures", { course_id: course.id, method: "QR", qr_code: qr.body.code }, t1)
            expect(signed.status).toBe(200)
            expect(signed.body).toMatchObject({ status: "ACCEPTED", existing: false })
            const again = yield* post("/signatures", { course_id: course.id, method: "QR", qr_code: qr.body.code }, t1)
            expect(again.body).toMatchObject({ signature_id: signed.body.signature_id, existing: true })

            // A refusal is a recorded decision: 200, REFUSED, reason code; visible to staff.
            const refused = yield* post("/signatures", { course_id: past.id, method: "QR", qr_code: "00000000" }, t2)
            expect(refused.status).toBe(200)
            expect(refused.body).toMatchObject({ status: "REFUSED", reason_code: "COURSE_ENDED", signature_id: null })
            const refusals = yield* get(`/courses/${past.id}/refusals`)
            expect(refusals.body.items.map((r: any) => r.reason_code)).toEqual(["COURSE_ENDED"])

            // Malformed attempts: 400 problem+json, nothing written.
            for (const body of [
              { course_id: course.id, method: "SMOKE" },
              { course_id: course.id, method: "QR", qr_code: "12ab" },
              { course_id: course.id, method: "QR", qr_code: "12345678", extra: 1 },
              { course_id: course.id, method: "QR" },
              { course_id: course.id, method: "ADMIN", student_id: s2.id }
            ]) {
              const res = yield* post("/signatures", body, body.method === "ADMIN" ? admin : t2)
              expectProblem(res, 400)
            }
            expectProblem(yield* call("POST", `${T}/signatures`, { auth: t2, raw: "{not json" }), 400)

            // Another tenant's course: 404 (the same as a missing one), for signing and for reads.
            const otherAdmin = yield* login("admin@att-other.example.edu", "att-other")
            const otherSchool = (yield* call("POST", "/api/v1/tenants/att-other/schools", {
              auth: otherAdmin,
              body: { name: "O" }
            })).body
            const foreign = (yield* call("POST", "/api/v1/tenants/att-other/courses", {
              auth: otherAdmin,
              body: { school_id: otherSchool.id, name: "F", start_at: iso(-5), end_at: iso(55) }
            })).body
            expectProblem(
              yield* post("/signatures", { course_id: foreign.id, method: "QR", qr_code: "12345678" }, t2),
              404
            )
            expectProblem(yield* get(`/courses/${foreign.id}/roll`), 404)
            expectProblem(yield* get(`/signatures/${signed.body.signature_id}`, otherAdmin), 404)
            expectProblem(
              yield* call("GET", `/api/v1/tenants/att-other/signatures/${signed.body.signature_id}`, {
                auth: otherAdmin
              }),
              404
            )

            // Teacher roll call over HTTP; a student cannot.
            expectProblem(
              yield* post(`/courses/${course.id}/roll`, { marks: [{ student_id: s2.id, result: "PRESENT" }] }, t1),
              403
            )
            const marked = yield* post(
              `/courses/${course.id}/roll`,
              { marks: [{ student_id: s2.id, result: "LATE" }] },
              tTeacher
            )
            expect(marked.body).toMatchObject({ marked: 1 })

            // Close: the past course closes, its three students become ABSENT.
            const closed = yield* post("/attendance/close", undefined)
            expect(closed.body).toMatchObject({ closed_count: 1, absences: 3 })
            expectProblem(yield* post("/attendance/close", undefined, tTeacher), 403)

            // Excuse with a PNG, approved by... the teacher is not the past course's teacher: 404 (issue 15 §4:
            // another teacher's course is not revealed); the admin approves.
            const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString("base64")
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
            expectProblem(yield* post(`/excuses/${excuse.body.id}/decision`, { decision: "approve" }, tTeacher), 404)
            expect((yield* post(`/excuses/${excuse.body.id}/decision`, { decision: "approve" })).body.status).toBe(
              "approved"
            )
            const download = yield* get(`/excuses/${excuse.body.id}/attachment`, t2)
            expect(download.headers.get("content-type")).toBe("image/png")
            expect(Buffer.from(download.text, "latin1").length).toBeGreaterThan(0)
            const mine = yield* get("/excuses", t2)
            expect(mine.body.items).toHaveLength(1)
            expect((yield* get("/excuses", t1)).body.items).toHaveLength(0)

            // Reports: the roll, a student's history (own only), the school CSV.
            const roll = (yield* get(`/courses/${past.id}/roll`)).body
            expect(roll.counts).toMatchObject({ ABSENT: 2, EXCUSED: 1 })
            const hist = yield* get(`/students/${s2.id}/attendance`, t2)
            expect(hist.body.totals).toMatchObject({ courses: 2, late: 1, excused: 1, rate: 1 })
            expectProblem(yield* get(`/students/${s2.id}/attendance`, t1), 403)
            const csv = yield* get(`/attendance/report.csv?scope=school&id=${school.id}`)
            expect(csv.headers.get("content-type")).toContain("text/csv")
            expect(csv.text.split("\n")[0]).toBe(
              "student_id,email,name,courses,present,late,absent,excused,unmarked,rate"
            )
            expect(csv.text).toContain("s2@att-web.example.edu")
            expectProblem(yield* get(`/attendance/report?scope=school&id=${school.id}&from=yesterday`), 400)

            // RPC twin: CreateSignatureAttempt as s3 (the seed's name and shape).
            const server = yield* TestServer
            const t3 = yield* login("s3@att-web.example.edu")
            const rpc = yield* makeRpcClient({ baseUrl: server.url, token: t3 })
            const code = (yield* get(`/courses/${course.id}/qr`, tTeacher)).body.code
            const viaRpc = yield* rpc.CreateSignatureAttempt({ course_id: course.id, method: "QR", qr_code: code })
            expect(viaRpc.status).toBe("ACCEPTED")
            expect(
              (yield* Effect.flip(rpc.CreateSignatureAttempt({ course_id: foreign.id, method: "QR", qr_code: code })))
                ._tag
            ).toBe("AttendanceNotFound")
            const rpcAdmin = yield* makeRpcClient({ baseUrl: server.url, token: admin })
            const rollRpc = yield* rpcAdmin.GetCourseRoll({ course_id: course.id })
            expect(rollRpc.counts).toMatchObject({ PRESENT: 2, LATE: 1 })
          })
      )
    }
  )
}
