/**
 * Academics over HTTP: CRUD with the seed's validation answers (404, 409,
 * 400), the teacher's course-edit rules and the school preferences that
 * govern them, OneRoster and iCalendar uploads, calendar feeds — one
 * behaviour per case, each on its own tenant.
 */
import { expect, layer } from "@effect/vitest"
import { generateOneRoster, testDialects } from "@signet/core/testing"
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
import { strToU8, zipSync } from "fflate"

/**
 * A tenant `slug` with two schools (Hugo, Zola), a classroom in each, a
 * teacher and a course of Hugo taught by them in its classroom; the admin's
 * and the teacher's tokens.
 */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    const admin = yield* onboardTenant(slug)
    const post = (path: string, body: unknown, token = admin) => call("POST", `${T}${path}`, { auth: token, body })
    const school = (yield* post("/schools", { name: "Hugo", code: "HUGO" })).body
    const other = (yield* post("/schools", { name: "Zola" })).body
    const room = (yield* post("/classrooms", { school_id: school.id, name: "101", code: "101" })).body
    const otherRoom = (yield* post("/classrooms", { school_id: other.id, name: "1", code: "1" })).body
    const teacher = (yield* post("/users", {
      email: `t@${slug}.example.edu`,
      given_name: "T",
      family_name: "R",
      user_type: "teacher",
      password: TEST_PASSWORD
    })).body
    const course = yield* post("/courses", {
      school_id: school.id,
      name: "Maths",
      start_at: "2026-11-23T08:00:00Z",
      end_at: "2026-11-23T09:00:00Z",
      teacher_ids: [teacher.id],
      classroom_ids: [room.id]
    })
    expect(course.status).toBe(201)
    const teacherToken = yield* loginToken(slug, `t@${slug}.example.edu`)
    return { T, admin, post, school, other, room, otherRoom, teacher, course: course.body, teacherToken }
  })

/** POSTs raw bytes as `type` with the admin's token; answers status and JSON body. */
const upload = (path: string, admin: string, type: string, body: Uint8Array | string) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async () => {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": type },
        body
      })
      return { status: res.status, body: (await res.json()) as any }
    })
  )

/** A generated OneRoster set (one school, 12 students, 2 teachers, 3 classes), zipped. */
const rosterZip = () =>
  zipSync(
    Object.fromEntries(
      [
        ...generateOneRoster({ seed: 3, schools: 1, students: 12, teachers: 2, classes: 3, enrollmentsPerStudent: 2 })
      ].map(([k, v]) => [k, strToU8(v)])
    )
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Academics over HTTP on ${dialect}`,
    (it) => {
      it.effect("a course linked to another school's classroom is 409 CrossSchoolLink; an inverted period 400", () =>
        Effect.gen(function* () {
          const { T, admin, course, otherRoom, post, school } = yield* setup("aca-rules")
          const cross = expectProblem(
            yield* call("PATCH", `${T}/courses/${course.id}`, { auth: admin, body: { classroom_ids: [otherRoom.id] } }),
            409
          )
          expect(cross.code).toBe("CrossSchoolLink")
          const inverted = {
            school_id: school.id,
            name: "Bad",
            start_at: "2026-11-23T10:00:00Z",
            end_at: "2026-11-23T09:00:00Z"
          }
          expectProblem(yield* post("/courses", inverted), 400)
          expectProblem(yield* post("/schools", { name: "X", extra: 1 }), 400)
        })
      )

      it.effect("a missing course answers 404", () =>
        Effect.gen(function* () {
          const { T, admin } = yield* setup("aca-404")
          expectProblem(yield* call("GET", `${T}/courses/01900000-0000-7000-8000-000000000009`, { auth: admin }), 404)
        })
      )

      it.effect("a teacher reads academics and renames their course, but cannot create a school", () =>
        Effect.gen(function* () {
          const { T, course, post, teacherToken } = yield* setup("aca-teacher")
          expect((yield* call("GET", `${T}/courses`, { auth: teacherToken })).body.items).toHaveLength(1)
          expectProblem(yield* post("/schools", { name: "Mine" }, teacherToken), 403)
          const renamed = yield* call("PATCH", `${T}/courses/${course.id}`, {
            auth: teacherToken,
            body: { name: "Maths (room change)", signature_closing_delay_minutes: 10 }
          })
          expect(renamed.body).toMatchObject({ name: "Maths (room change)", signature_closing_delay_minutes: 10 })
        })
      )

      it.effect("school preferences govern the teacher's edits: the closing delay, then any change", () =>
        Effect.gen(function* () {
          const { T, admin, course, school, teacherToken } = yield* setup("aca-prefs")
          const prefs = (body: unknown) => call("PUT", `${T}/schools/${school.id}/preferences`, { auth: admin, body })
          const patch = (body: unknown) => call("PATCH", `${T}/courses/${course.id}`, { auth: teacherToken, body })
          yield* prefs({ teacher_can_modify_closing_delay: false })
          expectProblem(yield* patch({ signature_closing_delay_minutes: 5 }), 403)
          expect((yield* patch({ name: "Still allowed" })).status).toBe(200)
          yield* prefs({ disable_course_modification_from_ui: true })
          expectProblem(yield* patch({ name: "Nope" }), 403)
          const read = (yield* call("GET", `${T}/schools/${school.id}/preferences`, { auth: teacherToken })).body
          expect(read).toMatchObject({
            disable_course_modification_from_ui: true,
            teacher_can_modify_closing_delay: false
          })
        })
      )

      it.effect("a OneRoster zip: dry run, import, a re-import that changes nothing, a broken zip 400", () =>
        Effect.gen(function* () {
          const { T, admin } = yield* setup("aca-roster")
          const zip = rosterZip()
          const path = `${T}/roster/imports`
          const dry = yield* upload(`${path}?dry_run=true`, admin, "application/zip", zip)
          expect(dry.body).toMatchObject({ dry_run: true, users: { created: 14 } })
          const real = yield* upload(path, admin, "application/zip", zip)
          expect(real.status).toBe(200)
          expect(real.body).toMatchObject({ dry_run: false, groups: { created: 3 } })
          expect((yield* upload(path, admin, "application/zip", zip)).body.users).toMatchObject({
            created: 0,
            updated: 0
          })
          expect((yield* upload(path, admin, "application/zip", new TextEncoder().encode("not a zip"))).status).toBe(
            400
          )
        })
      )

      it.effect("an iCalendar timetable makes a course, and a group's calendar feed serves it until revoked", () =>
        Effect.gen(function* () {
          const { T, admin, post, room, school } = yield* setup("aca-timetable")
          const group = (yield* post("/groups", { school_id: school.id, name: "2nde A", code: "2A" })).body
          const ics = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//t//EN",
            "BEGIN:VEVENT",
            "UID:ev-1",
            "DTSTAMP:20261101T000000Z",
            "DTSTART:20261125T080000Z",
            "DTEND:20261125T090000Z",
            `SUMMARY:History ${group.code}`,
            `LOCATION:${room.code}`,
            "END:VEVENT",
            "END:VCALENDAR"
          ].join("\r\n")
          const tt = yield* upload(`${T}/schools/${school.id}/timetable/imports`, admin, "text/calendar", ics)
          expect(tt.status, JSON.stringify(tt.body)).toBe(200)
          expect(tt.body.courses.created).toBe(1)
          const feed = yield* post("/feeds", { kind: "group", subject_id: group.id })
          expect(feed.status).toBe(201)
          const server = yield* TestServer
          const calendar = yield* Effect.promise(async () => {
            const res = await fetch(`${server.url}${feed.body.url}`)
            return { status: res.status, type: res.headers.get("content-type"), text: await res.text() }
          })
          expect(calendar.status).toBe(200)
          expect(calendar.type).toContain("text/calendar")
          expect(calendar.text).toContain("BEGIN:VCALENDAR")
          yield* call("DELETE", `${T}/feeds/${feed.body.feed.id}`, { auth: admin })
          expectProblem(yield* call("GET", feed.body.url, { auth: false }), 401)
        })
      )
    }
  )
}
