/**
 * Issue 22 (activities, third slice): a student's or teacher's timetable
 * subscription feed (`/api/v1/tenants/{slug}/calendar/{token}.ics`) carries
 * that user's calendar events — those they attend or wrote — beside their
 * lessons, in the feed's window; a group feed and another user's feed do
 * not.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const tomorrowAt9 = (hours = 0) =>
  new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000 + (9 + hours) * 3_600_000).toISOString()

/** The public feed's text (no credential but its token). */
const fetchFeed = (url: string) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(() => fetch(`${server.url}${url}`).then(async (r) => ({ status: r.status, text: await r.text() })))
  )

/** A tenant with its admin, a teacher (id), a school and a group of it, and an event authored by the admin with the teacher attending. */
const setUp = (slug: string) =>
  Effect.gen(function* () {
    const admin = yield* onboardTenant(slug)
    const T = `/api/v1/tenants/${slug}`
    const me = (yield* call("GET", `${T}/me`, { auth: admin })).body
    const teacher = yield* call("POST", `${T}/users`, {
      auth: admin,
      body: { email: `t@${slug}.example.edu`, given_name: "T", family_name: "Eacher", user_type: "teacher" }
    })
    expect(teacher.status, teacher.text).toBe(201)
    const school = (yield* call("POST", `${T}/schools`, { auth: admin, body: { name: "S" } })).body
    const group = (yield* call("POST", `${T}/groups`, {
      auth: admin,
      body: { school_id: school.id, name: "G", code: "G" }
    })).body
    const event = yield* call("POST", `${T}/activities/events`, {
      auth: admin,
      body: {
        target_type: "school",
        target_id: school.id,
        title: "Parents evening",
        starts_at: tomorrowAt9(),
        ends_at: tomorrowAt9(2),
        attendees: [teacher.body.id],
        rrule: "FREQ=WEEKLY;COUNT=2"
      }
    })
    expect(event.status, event.text).toBe(201)
    const feedOf = (kind: string, subject_id: string) =>
      Effect.map(call("POST", `${T}/feeds`, { auth: admin, body: { kind, subject_id } }), (r) => r.body.url as string)
    return { admin, me, teacher: teacher.body, group, event: event.body, feedOf }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Calendar events in timetable feeds on ${dialect} (issue 22)`,
    (it) => {
      it.effect("an attendee's teacher feed holds each occurrence of the event, as does its author's", () =>
        Effect.gen(function* () {
          const s = yield* setUp("feed-ev")
          const attendee = yield* fetchFeed(yield* s.feedOf("teacher", s.teacher.id))
          expect(attendee.status).toBe(200)
          expect(attendee.text.match(/SUMMARY:Parents evening/g)).toHaveLength(2)
          expect(attendee.text).toContain(`UID:${s.event.id}-${Date.parse(tomorrowAt9())}@signet`)
          const author = yield* fetchFeed(yield* s.feedOf("teacher", s.me.id))
          expect(author.text).toContain("SUMMARY:Parents evening")
        })
      )

      it.effect("a group feed and a feed of a user who neither attends nor wrote it hold no event", () =>
        Effect.gen(function* () {
          const s = yield* setUp("feed-ev-no")
          const group = yield* fetchFeed(yield* s.feedOf("group", s.group.id))
          expect(group.status).toBe(200)
          expect(group.text).not.toContain("Parents evening")
          const other = yield* call("POST", "/api/v1/tenants/feed-ev-no/users", {
            auth: s.admin,
            body: { email: "o@feed-ev-no.example.edu", given_name: "O", family_name: "Ther", user_type: "student" }
          })
          const theirs = yield* fetchFeed(yield* s.feedOf("student", other.body.id))
          expect(theirs.status).toBe(200)
          expect(theirs.text).toContain("BEGIN:VCALENDAR")
          expect(theirs.text).not.toContain("Parents evening")
        })
      )

      it.effect("a deleted event leaves the feed", () =>
        Effect.gen(function* () {
          const s = yield* setUp("feed-ev-del")
          const url = yield* s.feedOf("teacher", s.teacher.id)
          yield* call("DELETE", `/api/v1/tenants/feed-ev-del/activities/events/${s.event.id}`, { auth: s.admin })
          expect((yield* fetchFeed(url)).text).not.toContain("Parents evening")
        })
      )
    }
  )
}
