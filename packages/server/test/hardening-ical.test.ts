/**
 * Issue 15 §1 "iCalendar expansion DoS": an uploaded calendar whose RRULE never matches used to
 * keep ical.js searching for ever, with the event loop blocked. It is refused with 400 naming the
 * limit, nothing is written, and the server keeps answering other requests while calendars are read.
 */
import { expect, layer } from "@effect/vitest"
import { call, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const calendar = (rrules: ReadonlyArray<string>) =>
  [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Test//Test//EN",
    ...rrules.flatMap((rrule, i) => [
      "BEGIN:VEVENT",
      `UID:rule-${i}@example.edu`,
      "DTSTAMP:20260101T000000Z",
      "DTSTART:20260105T080000Z",
      "DTEND:20260105T090000Z",
      `RRULE:${rrule}`,
      `SUMMARY:Lesson ${i}`,
      "LOCATION:101",
      "END:VEVENT"
    ]),
    "END:VCALENDAR",
    ""
  ].join("\r\n")

const upload = (path: string, ics: string) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async () => {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.token}`, "content-type": "text/calendar" },
        body: ics
      })
      return { status: res.status, body: (await res.json()) as { _tag?: string; message?: string } }
    })
  )

layer(testServer("sqlite"), { timeout: 120_000, excludeTestServices: true })("iCalendar limits (issue 15 §1)", (it) => {
  const setup = Effect.gen(function* () {
    yield* call("POST", "/api/v1/tenants", { body: { slug: "ical-limits", name: "iCal limits" } })
    const school = yield* call("POST", "/api/v1/tenants/ical-limits/schools", { body: { name: "Limits High" } })
    expect(school.status).toBe(201)
    return `/api/v1/tenants/ical-limits/schools/${school.body.id}/timetable/imports`
  }).pipe(Effect.cached)

  it.effect("a never-matching RRULE answers 400 naming the limit, and no course is written", () =>
    Effect.gen(function* () {
      const path = yield* Effect.flatten(setup)
      for (const rule of ["FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"]) {
        const r = yield* upload(path, calendar(["FREQ=WEEKLY;COUNT=3", rule]))
        expect(r.status, JSON.stringify(r.body)).toBe(400)
        expect(r.body._tag).toBe("ValidationError")
        expect(r.body.message).toMatch(/REFUSED_FREQUENCIES|never occurs/)
      }
      const rare = yield* upload(path, calendar(["FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"]))
      expect(rare.status).toBe(400)
      expect(rare.body.message).toContain("MAX_EVENT_RULE_STEPS")
      const courses = yield* call("GET", "/api/v1/tenants/ical-limits/courses?limit=100")
      expect(courses.body.items).toEqual([])
    })
  )

  it.effect("/health keeps answering while a costly calendar is being read", () =>
    Effect.gen(function* () {
      const path = yield* Effect.flatten(setup)
      const server = yield* TestServer
      // 30 rare rules: the whole per-file budget of recurrence steps is spent (the longest parse there is).
      const costly = calendar(Array.from({ length: 30 }, () => "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"))
      const { answers, started, finished, status } = yield* Effect.promise(async () => {
        const answers: Array<number> = []
        const started = Date.now()
        let done = false
        const pending = fetch(`${server.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${server.token}`, "content-type": "text/calendar" },
          body: costly
        }).then((r) => {
          done = true
          return r.status
        })
        while (!done) {
          await fetch(`${server.url}/health`)
          answers.push(Date.now())
        }
        return { answers, started, finished: Date.now(), status: await pending }
      })
      expect(status).toBe(400)
      // A parse that held the event loop would leave one gap as long as the parse itself; sliced,
      // health checks keep coming back all along (the bound is relative, so load does not matter).
      const times = [started, ...answers, finished]
      const longestGap = Math.max(...times.slice(1).map((t, i) => t - times[i]!))
      console.log(`upload ${finished - started} ms, ${answers.length} health answers, longest gap ${longestGap} ms`)
      expect(longestGap).toBeLessThan((finished - started) * 0.75)
    })
  )
})
