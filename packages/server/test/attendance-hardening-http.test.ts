/**
 * Issue 15 "Hardening" of attendance over HTTP: excuse attachments are
 * checked at upload and served as downloads (§5); teachers read only their
 * own courses (§4).
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import {
  call,
  expectProblem,
  loginToken,
  onboardTenant,
  TEST_PASSWORD,
  TestServer,
  testServer
} from "@signet/server/testing"
import { Effect } from "effect"

const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()

/**
 * A tenant `slug` with a school, two students in a group, two teachers, and
 * two courses of that group: `mine` (taught by `teacher`) and `theirs`
 * (taught by `other`). Returns the tokens and ids.
 */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    const admin = yield* onboardTenant(slug)
    const login = (email: string) => loginToken(slug, email)
    const post = (path: string, body: unknown, token = admin) => call("POST", `${T}${path}`, { auth: token, body })
    const get = (path: string, token = admin) => call("GET", `${T}${path}`, { auth: token })
    const school = (yield* post("/schools", { name: "Hugo" })).body
    const mkUser = (email: string, user_type: string) =>
      Effect.map(
        post("/users", {
          email,
          given_name: "G",
          family_name: email,
          user_type,
          password: TEST_PASSWORD,
          school_id: school.id
        }),
        (r) => r.body
      )
    const s1 = yield* mkUser(`s1@${slug}.example.edu`, "student")
    const s2 = yield* mkUser(`s2@${slug}.example.edu`, "student")
    const teacher = yield* mkUser(`t@${slug}.example.edu`, "teacher")
    const other = yield* mkUser(`o@${slug}.example.edu`, "teacher")
    const group = (yield* post("/groups", { school_id: school.id, name: "2A" })).body
    yield* call("PUT", `${T}/groups/${group.id}/members`, { auth: admin, body: { student_ids: [s1.id, s2.id] } })
    const course = (name: string, teacherId: string) =>
      Effect.map(
        post("/courses", {
          school_id: school.id,
          name,
          start_at: iso(-5),
          end_at: iso(55),
          teacher_ids: [teacherId],
          group_ids: [group.id]
        }),
        (r) => r.body
      )
    const mine = yield* course("Maths", teacher.id)
    const theirs = yield* course("History", other.id)
    return {
      T,
      post,
      get,
      admin,
      school,
      group,
      s1,
      s2,
      mine,
      theirs,
      tS1: yield* login(`s1@${slug}.example.edu`),
      tTeacher: yield* login(`t@${slug}.example.edu`)
    }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Attendance hardening over HTTP on ${dialect}`,
    (it) => {
      it.scoped("issue 15 §5: a PDF/HTML polyglot upload answers 400 and stores nothing", () =>
        Effect.gen(function* () {
          const f = yield* setup("hard-polyglot")
          const polyglot = Buffer.from("%PDF-1.7\n<html><body><script>fetch('/steal')</script></body></html>")
          const res = yield* f.post(
            "/excuses",
            {
              course_id: f.mine.id,
              reason: "illness",
              attachment: {
                filename: "note.pdf",
                content_type: "application/pdf",
                data_base64: polyglot.toString("base64")
              }
            },
            f.tS1
          )
          expectProblem(res, 400)
          expect((yield* f.get("/excuses")).body.items).toEqual([])
        })
      )

      it.scoped("issue 15 §5: an attachment downloads as a file: type, disposition, nosniff, CSP, exact bytes", () =>
        Effect.gen(function* () {
          const f = yield* setup("hard-download")
          const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\n\u00e9\u00ff\ntrailer<<>>\n%%EOF", "latin1")
          const excuse = yield* f.post(
            "/excuses",
            {
              course_id: f.mine.id,
              reason: "illness",
              attachment: {
                filename: 'C:\\Users\\x\\Arztbrief "Müller".pdf',
                content_type: "application/pdf",
                data_base64: pdf.toString("base64")
              }
            },
            f.tS1
          )
          expect(excuse.status).toBe(201)
          expect(excuse.body.attachment.filename).toBe("Arztbrief Müller.pdf")
          const server = yield* TestServer
          const res = yield* Effect.promise(() =>
            fetch(`${server.url}${f.T}/excuses/${excuse.body.id}/attachment`, {
              headers: { authorization: `Bearer ${f.tS1}` }
            })
          )
          expect(res.status).toBe(200)
          expect(res.headers.get("content-type")).toBe("application/pdf")
          expect(res.headers.get("content-disposition")).toBe(
            "attachment; filename=\"Arztbrief M_ller.pdf\"; filename*=UTF-8''Arztbrief%20M%C3%BCller.pdf"
          )
          expect(res.headers.get("x-content-type-options")).toBe("nosniff")
          expect(res.headers.get("content-security-policy")).toContain("default-src 'none'")
          expect(res.headers.get("content-security-policy")).toContain("sandbox")
          const bytes = Buffer.from(yield* Effect.promise(() => res.arrayBuffer()))
          expect(bytes.equals(pdf)).toBe(true)
        })
      )

      it.scoped("issue 15 §4: a teacher reads their own course's roll and excuses; another teacher's answer 404", () =>
        Effect.gen(function* () {
          const f = yield* setup("hard-narrow")
          const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]).toString("base64")
          const excuse = (courseId: string) =>
            Effect.map(
              f.post(
                "/excuses",
                {
                  course_id: courseId,
                  reason: "illness",
                  attachment: { filename: "n.png", content_type: "image/png", data_base64: png }
                },
                f.tS1
              ),
              (r) => r.body
            )
          const mine = yield* excuse(f.mine.id)
          const theirs = yield* excuse(f.theirs.id)
          expect((yield* f.get(`/courses/${f.mine.id}/roll`, f.tTeacher)).status).toBe(200)
          expectProblem(yield* f.get(`/courses/${f.theirs.id}/roll`, f.tTeacher), 404)
          expectProblem(yield* f.get(`/courses/${f.theirs.id}/refusals`, f.tTeacher), 404)
          expectProblem(yield* f.get(`/excuses/${theirs.id}`, f.tTeacher), 404)
          expectProblem(yield* f.get(`/excuses/${theirs.id}/attachment`, f.tTeacher), 404)
          expectProblem(yield* f.get(`/attendance/report?scope=course&id=${f.theirs.id}`, f.tTeacher), 404)
          const listed = (yield* f.get("/excuses", f.tTeacher)).body.items.map((e: { id: string }) => e.id)
          expect(listed).toEqual([mine.id])
          // The administrator keeps the whole tenant.
          expect((yield* f.get(`/courses/${f.theirs.id}/roll`)).status).toBe(200)
          expect((yield* f.get("/excuses")).body.items).toHaveLength(2)
        })
      )
    }
  )
}
