/**
 * Issue 16, timetable import over REST: the `mapping` url param (JSON,
 * validated by core; 400 when bad), `skip_invalid=false` (422, nothing
 * written) and `create_missing`, on a raw text/calendar body.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, type JsonResponse, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const calendar = (...events: ReadonlyArray<string>) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", ...events, "END:VCALENDAR"].join("\r\n")

const event = (uid: string, start: string, end: string, location: string) =>
  [
    "BEGIN:VEVENT",
    `UID:${uid}`,
    "DTSTAMP:20261101T000000Z",
    `DTSTART:${start}`,
    `DTEND:${end}`,
    "SUMMARY:History",
    `LOCATION:${location}`,
    "END:VEVENT"
  ].join("\r\n")

/** A tenant with one school; the admin's token and a text/calendar uploader to its import URL. */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    const admin = yield* onboardTenant(slug)
    const school = (yield* call("POST", `${T}/schools`, { auth: admin, body: { name: "Hugo" } })).body
    const server = yield* TestServer
    const upload = (query: string, ics: string) =>
      Effect.promise(async (): Promise<JsonResponse> => {
        const res = await fetch(`${server.url}${T}/schools/${school.id}/timetable/imports${query}`, {
          method: "POST",
          headers: { authorization: `Bearer ${admin}`, "content-type": "text/calendar" },
          body: ics
        })
        const text = await res.text()
        return { status: res.status, headers: res.headers, text, body: JSON.parse(text) }
      })
    const courses = Effect.map(
      call("GET", `${T}/courses?school_id=${school.id}`, { auth: admin }),
      (r) => r.body.items as Array<any>
    )
    return { T, admin, school, upload, courses }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Timetable import over HTTP, issue 16, on ${dialect}`,
    (it) => {
      it.effect("the mapping url param maps the calendar (here: the classroom code out of LOCATION)", () =>
        Effect.gen(function* () {
          const { T, admin, school, upload, courses } = yield* setup("tih-mapping")
          const room = (yield* call("POST", `${T}/classrooms`, {
            auth: admin,
            body: { school_id: school.id, name: "101", code: "101" }
          })).body
          const mapping = encodeURIComponent(JSON.stringify({ classroom: { from: "LOCATION", pattern: "(\\d+)$" } }))
          const res = yield* upload(
            `?mapping=${mapping}`,
            calendar(event("e1", "20261125T080000Z", "20261125T090000Z", "Room 101"))
          )
          expect(res.status, JSON.stringify(res.body)).toBe(200)
          expect((yield* courses)[0].classroom_ids).toEqual([room.id])
        })
      )

      it.effect("a mapping that is not valid JSON is 400 and nothing is written", () =>
        Effect.gen(function* () {
          const { upload, courses } = yield* setup("tih-bad-mapping")
          const res = yield* upload(
            `?mapping=${encodeURIComponent("{not json")}`,
            calendar(event("e1", "20261125T080000Z", "20261125T090000Z", "101"))
          )
          expect(res.status).toBe(400)
          expect(yield* courses).toEqual([])
        })
      )

      it.effect("skip_invalid=false refuses a calendar with one unreadable event (422); by default it is skipped", () =>
        Effect.gen(function* () {
          const { upload, courses } = yield* setup("tih-strict")
          const ics = calendar(
            event("ok", "20261125T080000Z", "20261125T090000Z", "101"),
            event("bad", "20261125T100000Z", "20261125T090000Z", "101")
          )
          const strict = yield* upload("?skip_invalid=false", ics)
          expectProblem(strict, 422)
          expect(yield* courses).toEqual([])
          const lenient = yield* upload("", ics)
          expect(lenient.status).toBe(200)
          expect(lenient.body.skipped).toEqual([expect.objectContaining({ file: "bad", code: "DTEND_BEFORE_DTSTART" })])
        })
      )

      it.effect("create_missing=true creates the classroom the calendar names", () =>
        Effect.gen(function* () {
          const { upload } = yield* setup("tih-create")
          const res = yield* upload(
            "?create_missing=true",
            calendar(event("e1", "20261125T080000Z", "20261125T090000Z", "B12"))
          )
          expect(res.status, JSON.stringify(res.body)).toBe(200)
          expect(res.body.created_missing).toEqual({ classrooms: 1, groups: 0 })
        })
      )
    }
  )
}
