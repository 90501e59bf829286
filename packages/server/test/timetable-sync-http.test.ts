/**
 * Issue 16 "Sync mode" over HTTP: `POST …/schools/{id}/timetable/syncs`
 * (dry run and real), and timetable sources (add, list, get,
 * remove; another tenant's source answers 404; the URL never comes back).
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//signet test//http sync//EN",
  "BEGIN:VEVENT",
  "UID:maths",
  "DTSTAMP:20261101T000000Z",
  "DTSTART:20261207T080000Z",
  "DTEND:20261207T090000Z",
  "RRULE:FREQ=WEEKLY;COUNT=2",
  "SUMMARY:Maths 1A",
  "LOCATION:R1",
  "END:VEVENT",
  "END:VCALENDAR"
].join("\r\n")

/** POSTs a calendar with the token; answers status and JSON body. */
const upload = (path: string, token: string, body: string) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async () => {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "text/calendar" },
        body
      })
      return { status: res.status, body: (await res.json()) as any }
    })
  )

const setup = (slug: string) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    const admin = yield* onboardTenant(slug)
    const school = (yield* call("POST", `${T}/schools`, { auth: admin, body: { name: "Hugo" } })).body
    yield* call("POST", `${T}/classrooms`, { auth: admin, body: { school_id: school.id, name: "R1", code: "R1" } })
    return { T, admin, school }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Timetable sync over HTTP on ${dialect} (issue 16)`,
    (it) => {
      it.effect("a dry run answers the diff and writes nothing; the sync then creates the courses", () =>
        Effect.gen(function* () {
          const { T, admin, school } = yield* setup("http-sync")
          const path = `${T}/schools/${school.id}/timetable/syncs`
          const dry = yield* upload(`${path}?dry_run=true`, admin, ICS)
          expect(dry.status, JSON.stringify(dry.body)).toBe(200)
          expect(dry.body).toMatchObject({ dry_run: true, counts: { created: 2 } })
          expect((yield* call("GET", `${T}/courses?school_id=${school.id}`, { auth: admin })).body.items).toEqual([])
          const real = yield* upload(path, admin, ICS)
          expect(real.body.counts).toMatchObject({ created: 2, removed: 0 })
          expect((yield* upload(path, admin, ICS)).body.counts).toMatchObject({ created: 0, unchanged: 2 })
        })
      )

      it.effect("an invalid mapping answers 400", () =>
        Effect.gen(function* () {
          const { T, admin, school } = yield* setup("http-sync-mapping")
          const mapping = encodeURIComponent(JSON.stringify({ clasroom: { from: "LOCATION" } }))
          const r = yield* upload(`${T}/schools/${school.id}/timetable/syncs?mapping=${mapping}`, admin, ICS)
          expect(r.status).toBe(400)
        })
      )

      it.effect(
        "sources: added (201, the URL never answered; 400 for plain http or an interval under 15 min), listed, removed",
        () =>
          Effect.gen(function* () {
            const { T, admin, school } = yield* setup("http-sources")
            const body = {
              school_id: school.id,
              url: "https://timetable.example.org/x.ics?token=s3cret",
              interval_minutes: 30
            }
            const added = yield* call("POST", `${T}/timetable/sources`, { auth: admin, body })
            expect(added.status, JSON.stringify(added.body)).toBe(201)
            expect(added.body.url_hint).toBe("https://timetable.example.org/…")
            const listed = yield* call("GET", `${T}/timetable/sources`, { auth: admin })
            expect(JSON.stringify(listed.body)).not.toContain("s3cret")
            expect(listed.body).toHaveLength(1)
            const tooOften = yield* call("POST", `${T}/timetable/sources`, {
              auth: admin,
              body: { ...body, interval_minutes: 5 }
            })
            expectProblem(tooOften, 400)
            const insecure = yield* call("POST", `${T}/timetable/sources`, {
              auth: admin,
              body: { ...body, url: "http://127.0.0.1:9/x.ics" }
            })
            expectProblem(insecure, 400)
            const removed = yield* call("DELETE", `${T}/timetable/sources/${added.body.id}`, { auth: admin })
            expect(removed.status).toBe(200)
            expectProblem(yield* call("GET", `${T}/timetable/sources/${added.body.id}`, { auth: admin }), 404)
          })
      )

      it.effect("another tenant's source answers 404", () =>
        Effect.gen(function* () {
          const a = yield* setup("http-sources-a")
          const b = yield* setup("http-sources-b")
          const body = { school_id: a.school.id, url: "https://timetable.example.org/a.ics" }
          const added = (yield* call("POST", `${a.T}/timetable/sources`, { auth: a.admin, body })).body
          expectProblem(yield* call("GET", `${b.T}/timetable/sources/${added.id}`, { auth: b.admin }), 404)
          expectProblem(yield* call("POST", `${b.T}/timetable/sources/${added.id}/pulls`, { auth: b.admin }), 404)
          expectProblem(yield* call("DELETE", `${b.T}/timetable/sources/${added.id}`, { auth: b.admin }), 404)
        })
      )
    }
  )
}
