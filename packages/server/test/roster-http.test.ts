/**
 * Issue 16, roster side, over HTTP: a Clever zip imports through the same upload as
 * OneRoster (with warnings grouped by kind), a zip of no known dialect is a 422 naming
 * what each dialect needs, and a school's academic sessions are listed (another
 * tenant's school answers 404).
 */
import { expect, layer } from "@effect/vitest"
import { generateOneRoster, testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { strToU8, zipSync } from "fflate"

/** POSTs a zip with the admin's token; answers status and JSON body. */
const uploadZip = (path: string, token: string, files: Record<string, string>) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async () => {
      const body = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])))
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
        body
      })
      return { status: res.status, body: (await res.json()) as any }
    })
  )

/** One Clever school with a teacher, a section and two students, one of them with a broken e-mail. */
const CLEVER = {
  "schools.csv": "School_id,School_name,School_number\r\nsch-1,Lincoln,LIN\r\n",
  "teachers.csv":
    "School_id,Teacher_id,First_name,Last_name,Teacher_email\r\nsch-1,t-1,Ada,Byron,ada@lincoln.example\r\n",
  "students.csv":
    "School_id,Student_id,First_name,Last_name,Student_email,Username\r\nsch-1,s-1,Sam,One,sam@lincoln.example,sam\r\nsch-1,s-2,Kim,Two,kim.lincoln.example,kim\r\n",
  "sections.csv": "School_id,Section_id,Teacher_id,Name\r\nsch-1,sec-1,t-1,Algebra\r\n",
  "enrollments.csv": "School_id,Section_id,Student_id\r\nsch-1,sec-1,s-1\r\nsch-1,sec-1,s-2\r\n"
}

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Roster imports over HTTP on ${dialect} (issue 16)`,
    (it) => {
      it.effect("a Clever zip imports; the answer groups its warnings by kind", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-clever")
          const res = yield* uploadZip("/api/v1/tenants/http-clever/roster/imports", admin, CLEVER)
          expect(res.status, JSON.stringify(res.body)).toBe(200)
          expect(res.body).toMatchObject({
            version: "clever",
            schools: { created: 1 },
            users: { created: 3 },
            groups: { created: 1 },
            memberships: { added: 2 },
            teacher_assignments: { added: 1 }
          })
          expect(res.body.warning_groups).toEqual([
            { code: "invalid-email", count: 1, examples: [expect.objectContaining({ file: "students.csv", line: 3 })] }
          ])
        })
      )

      it.effect("a zip of no known dialect is a 422 naming the files and what each dialect needs", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-nodialect")
          const res = yield* uploadZip("/api/v1/tenants/http-nodialect/roster/imports", admin, {
            "pupils.csv": "id,name\r\n1,A\r\n"
          })
          expect(res.status).toBe(422)
          expect(res.body.errors[0].code).toBe("unknown-dialect")
          expect(res.body.errors[0].message).toContain("pupils.csv")
          expect(res.body.errors[0].message).toContain("Clever needs schools.csv")
          expect(res.body.warning_groups).toEqual([])
        })
      )

      it.effect("a school's academic sessions are listed; another tenant's school answers 404", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-sessions")
          const files = Object.fromEntries(
            generateOneRoster({ seed: 5, schools: 1, students: 4, teachers: 1, classes: 2, enrollmentsPerStudent: 1 })
          )
          const imported = yield* uploadZip("/api/v1/tenants/http-sessions/roster/imports", admin, files)
          expect(imported.body.sessions).toMatchObject({ created: 3 })
          const schools = yield* call("GET", "/api/v1/tenants/http-sessions/schools", { auth: admin })
          const school = schools.body.items[0]
          const listed = yield* call("GET", `/api/v1/tenants/http-sessions/schools/${school.id}/sessions`, {
            auth: admin
          })
          expect(listed.status).toBe(200)
          expect(listed.body.map((s: any) => [s.type, s.title, s.school_id])).toEqual([
            ["schoolYear", "2025-2026", school.id],
            ["semester", "Semester 1", school.id],
            ["semester", "Semester 2", school.id]
          ])
          const other = yield* onboardTenant("http-sessions-b")
          expectProblem(
            yield* call("GET", `/api/v1/tenants/http-sessions-b/schools/${school.id}/sessions`, { auth: other }),
            404
          )
        })
      )
    }
  )
}
