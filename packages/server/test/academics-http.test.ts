import { expect, layer } from "@effect/vitest"
import { generateOneRoster, testDialects } from "@signet/core/testing"
import { call, expectProblem, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { strToU8, zipSync } from "fflate"

const PASSWORD = "correct horse battery staple"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Academics over HTTP on ${dialect}`,
    (it) => {
      it.effect("CRUD with permissions; teachers edit their own courses only when the school allows; 404/409/400", () =>
        Effect.gen(function* () {
          yield* call("POST", "/api/v1/tenants", {
            body: {
              slug: "aca-web",
              name: "Aca",
              admin: { email: "admin@aca.example.edu", password: PASSWORD, given_name: "A", family_name: "D" }
            }
          })
          const login = (email: string) =>
            Effect.map(
              call("POST", "/api/v1/tenants/aca-web/auth/login", {
                auth: false,
                body: { login: email, password: PASSWORD }
              }),
              (r) => r.body.tokens.access_token as string
            )
          const admin = yield* login("admin@aca.example.edu")
          const as = (token: string) => ({ auth: token })
          const school = (yield* call("POST", "/api/v1/tenants/aca-web/schools", {
            ...as(admin),
            body: { name: "Hugo", code: "HUGO" }
          })).body
          const other = (yield* call("POST", "/api/v1/tenants/aca-web/schools", {
            ...as(admin),
            body: { name: "Zola" }
          })).body
          const room = (yield* call("POST", "/api/v1/tenants/aca-web/classrooms", {
            ...as(admin),
            body: { school_id: school.id, name: "101", code: "101" }
          })).body
          const otherRoom = (yield* call("POST", "/api/v1/tenants/aca-web/classrooms", {
            ...as(admin),
            body: { school_id: other.id, name: "1", code: "1" }
          })).body
          const teacher = (yield* call("POST", "/api/v1/tenants/aca-web/users", {
            ...as(admin),
            body: {
              email: "t@aca.example.edu",
              given_name: "T",
              family_name: "R",
              user_type: "teacher",
              password: PASSWORD
            }
          })).body
          const course = yield* call("POST", "/api/v1/tenants/aca-web/courses", {
            ...as(admin),
            body: {
              school_id: school.id,
              name: "Maths",
              start_at: "2026-11-23T08:00:00Z",
              end_at: "2026-11-23T09:00:00Z",
              teacher_ids: [teacher.id],
              classroom_ids: [room.id]
            }
          })
          expect(course.status).toBe(201)
          const cross = expectProblem(
            yield* call("PATCH", `/api/v1/tenants/aca-web/courses/${course.body.id}`, {
              ...as(admin),
              body: { classroom_ids: [otherRoom.id] }
            }),
            409
          )
          expect(cross.code).toBe("CrossSchoolLink")
          expectProblem(
            yield* call("POST", "/api/v1/tenants/aca-web/courses", {
              ...as(admin),
              body: {
                school_id: school.id,
                name: "Bad",
                start_at: "2026-11-23T10:00:00Z",
                end_at: "2026-11-23T09:00:00Z"
              }
            }),
            400
          )
          expectProblem(
            yield* call("GET", "/api/v1/tenants/aca-web/courses/01900000-0000-7000-8000-000000000009", as(admin)),
            404
          )

          // The teacher reads academics, may rename their course, but cannot create schools.
          const t = yield* login("t@aca.example.edu")
          expect((yield* call("GET", "/api/v1/tenants/aca-web/courses", as(t))).body.items).toHaveLength(1)
          expectProblem(
            yield* call("POST", "/api/v1/tenants/aca-web/schools", { ...as(t), body: { name: "Mine" } }),
            403
          )
          const renamed = yield* call("PATCH", `/api/v1/tenants/aca-web/courses/${course.body.id}`, {
            ...as(t),
            body: { name: "Maths (room change)", signature_closing_delay_minutes: 10 }
          })
          expect(renamed.body).toMatchObject({ name: "Maths (room change)", signature_closing_delay_minutes: 10 })
          yield* call("PUT", `/api/v1/tenants/aca-web/schools/${school.id}/preferences`, {
            ...as(admin),
            body: { teacher_can_modify_closing_delay: false }
          })
          expectProblem(
            yield* call("PATCH", `/api/v1/tenants/aca-web/courses/${course.body.id}`, {
              ...as(t),
              body: { signature_closing_delay_minutes: 5 }
            }),
            403
          )
          yield* call("PUT", `/api/v1/tenants/aca-web/schools/${school.id}/preferences`, {
            ...as(admin),
            body: { disable_course_modification_from_ui: true }
          })
          expectProblem(
            yield* call("PATCH", `/api/v1/tenants/aca-web/courses/${course.body.id}`, {
              ...as(t),
              body: { name: "Nope" }
            }),
            403
          )
          const prefs = (yield* call("GET", `/api/v1/tenants/aca-web/schools/${school.id}/preferences`, as(t))).body
          expect(prefs).toMatchObject({
            disable_course_modification_from_ui: true,
            teacher_can_modify_closing_delay: false
          })
          expectProblem(
            yield* call("POST", "/api/v1/tenants/aca-web/schools", { ...as(admin), body: { name: "X", extra: 1 } }),
            400
          )

          // OneRoster upload (zip): dry run, import, re-import, a broken zip.
          const files = generateOneRoster({
            seed: 3,
            schools: 1,
            students: 12,
            teachers: 2,
            classes: 3,
            enrollmentsPerStudent: 2
          })
          const zip = zipSync(Object.fromEntries([...files].map(([k, v]) => [k, strToU8(v)])))
          const upload = (query: string, body: Uint8Array) =>
            Effect.flatMap(TestServer, (server) =>
              Effect.promise(async () => {
                const res = await fetch(`${server.url}/api/v1/tenants/aca-web/roster/imports${query}`, {
                  method: "POST",
                  headers: { authorization: `Bearer ${admin}`, "content-type": "application/zip" },
                  body
                })
                return { status: res.status, body: (await res.json()) as any }
              })
            )
          const dry = yield* upload("?dry_run=true", zip)
          expect(dry.body).toMatchObject({ dry_run: true, users: { created: 14 } })
          const real = yield* upload("", zip)
          expect(real.status).toBe(200)
          expect(real.body).toMatchObject({ dry_run: false, groups: { created: 3 } })
          expect((yield* upload("", zip)).body.users).toMatchObject({ created: 0, updated: 0 })
          expect((yield* upload("", new TextEncoder().encode("not a zip"))).status).toBe(400)

          // Timetable upload (text/calendar) and a public calendar feed.
          const groupId = (yield* call("GET", "/api/v1/tenants/aca-web/groups?limit=1", as(admin))).body.items[0].id
          const groupCode = (yield* call("GET", `/api/v1/tenants/aca-web/groups/${groupId}`, as(admin))).body.code
          const ics = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//t//EN",
            "BEGIN:VEVENT",
            "UID:ev-1",
            "DTSTAMP:20261101T000000Z",
            "DTSTART:20261125T080000Z",
            "DTEND:20261125T090000Z",
            `SUMMARY:History ${groupCode}`,
            "LOCATION:101",
            "END:VEVENT",
            "END:VCALENDAR"
          ].join("\r\n")
          const groupSchool = (yield* call("GET", `/api/v1/tenants/aca-web/groups/${groupId}`, as(admin))).body
            .school_id
          const tt = yield* Effect.flatMap(TestServer, (server) =>
            Effect.promise(async () => {
              const res = await fetch(`${server.url}/api/v1/tenants/aca-web/schools/${groupSchool}/timetable/imports`, {
                method: "POST",
                headers: { authorization: `Bearer ${admin}`, "content-type": "text/calendar" },
                body: ics
              })
              return { status: res.status, body: (await res.json()) as any }
            })
          )
          expect(tt.status, JSON.stringify(tt.body)).toBe(200)
          expect(tt.body.courses.created).toBe(1)
          const feed = yield* call("POST", "/api/v1/tenants/aca-web/feeds", {
            ...as(admin),
            body: { kind: "group", subject_id: groupId }
          })
          expect(feed.status).toBe(201)
          const calendar = yield* Effect.flatMap(TestServer, (server) =>
            Effect.promise(async () => {
              const res = await fetch(`${server.url}${feed.body.url}`)
              return { status: res.status, type: res.headers.get("content-type"), text: await res.text() }
            })
          )
          expect(calendar.status).toBe(200)
          expect(calendar.type).toContain("text/calendar")
          expect(calendar.text).toContain("BEGIN:VCALENDAR")
          yield* call("DELETE", `/api/v1/tenants/aca-web/feeds/${feed.body.feed.id}`, as(admin))
          expectProblem(yield* call("GET", feed.body.url, { auth: false }), 401)
        })
      )
    }
  )
}
