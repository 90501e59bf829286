/**
 * Timetable exports and feeds (issue 16): the export window is explicit
 * (`from`/`to`, validated, capped), an empty calendar is still a valid
 * VCALENDAR (RFC 5545 §3.6), and the attendance close job does not
 * re-version past courses in feeds.
 */
import { expect, layer, it as pure } from "@effect/vitest"
import { Academics, Attendance, CreateTenant, ICalendar, Tenancy, Timetable } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import ICAL from "ical.js"
import { asTenant, testActor, testCore } from "./support.js"

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

const NOW = Date.parse("2026-11-23T12:00:00Z")

/** A tenant with a school, group "1A" and one course of that group at `startIso` (1 h); runs `f` as the tenant. */
const withGroupCourse = <A, E, R>(slug: string, startIso: string, f: (group: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(NOW)
    const tenant = yield* onboard(slug)
    return yield* asTenant(
      tenant,
      Effect.gen(function* () {
        const a = yield* Academics
        const school = yield* a.createSchool({ name: slug })
        const group = yield* a.createGroup({ school_id: school.id, name: "1A", code: "1A" })
        yield* a.createCourse({
          school_id: school.id,
          name: "Maths",
          start_at: startIso,
          end_at: new Date(Date.parse(startIso) + 3_600_000).toISOString(),
          group_ids: [group.id]
        })
        return yield* f(group.id)
      })
    ).pipe(Effect.provide(testActor))
  })

/** The VEVENT components of a calendar text. */
const vevents = (text: string) => new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent")

pure("an empty calendar holds one component (a UTC VTIMEZONE) and no event, and ical.js reads it", () => {
  const text = ICalendar.renderFeed({ name: "Empty", events: [] })
  const calendar = new ICAL.Component(ICAL.parse(text))
  expect(calendar.getAllSubcomponents().map((c) => c.name)).toEqual(["vtimezone"])
  expect(calendar.getAllSubcomponents("vevent")).toEqual([])
})

pure("a calendar with events holds no VTIMEZONE (all times are UTC)", () => {
  const text = ICalendar.renderFeed({
    name: "One",
    events: [
      {
        id: "c1",
        name: "Maths",
        startAt: "2026-11-23T08:00:00Z",
        endAt: "2026-11-23T09:00:00Z",
        location: null,
        description: null,
        cancelled: false,
        updatedAt: "2026-11-01T00:00:00Z"
      }
    ]
  })
  expect(new ICAL.Component(ICAL.parse(text)).getAllSubcomponents().map((c) => c.name)).toEqual(["vevent"])
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Timetable exports and feeds on ${dialect}`, (it) => {
    it.effect("closing ended courses leaves a feed's SEQUENCE and LAST-MODIFIED unchanged", () =>
      withGroupCourse("feeds-close", "2026-11-22T08:00:00Z", (group) =>
        Effect.gen(function* () {
          const before = yield* Timetable.use((t) => t.renderSubject("group", group))
          expect(vevents(before)).toHaveLength(1)
          // The job runs an hour after the course was written (as at a later start of `serve`).
          yield* TestClock.adjust("1 hour")
          const closed = yield* Attendance.use((att) =>
            att.closeExpiredCourses(new Date(NOW + 3_600_000).toISOString())
          )
          expect(closed.closed_count).toBe(1)
          const after = yield* Timetable.use((t) => t.renderSubject("group", group))
          const stamp = (text: string) => {
            const e = vevents(text)[0]!
            return [e.getFirstPropertyValue("sequence"), String(e.getFirstPropertyValue("last-modified"))]
          }
          expect(stamp(after)).toEqual(stamp(before))
        })
      )
    )

    it.effect("an export without a window covers 30 days back to 180 ahead and says so", () =>
      withGroupCourse("feeds-default", "2027-09-06T08:00:00Z", (group) =>
        Effect.gen(function* () {
          const e = yield* Timetable.use((t) => t.exportSubject("group", group))
          expect(e.courses).toBe(0)
          expect(e.from).toBe("2026-10-24T12:00:00.000Z")
          expect(e.to).toBe("2027-05-22T12:00:00.000Z")
          expect(vevents(e.calendar)).toEqual([])
        })
      )
    )

    it.effect("an export with --from/--to covers courses beyond the default window", () =>
      withGroupCourse("feeds-window", "2027-09-06T08:00:00Z", (group) =>
        Effect.gen(function* () {
          const e = yield* Timetable.use((t) =>
            t.exportSubject("group", group, { from: "2027-09-01", to: "2028-07-15" })
          )
          expect(e.courses).toBe(1)
          expect(vevents(e.calendar).map((v) => v.getFirstPropertyValue("summary"))).toEqual(["Maths"])
        })
      )
    )

    it.effect("an export window ending before it starts, too long, or unreadable is refused", () =>
      withGroupCourse("feeds-bad", "2026-11-22T08:00:00Z", (group) =>
        Effect.gen(function* () {
          const refused = (from: string, to: string) =>
            Effect.flip(Timetable.use((t) => t.exportSubject("group", group, { from, to })))
          expect(yield* refused("2027-09-01", "2027-08-01")).toMatchObject({ _tag: "ValidationError" })
          expect(yield* refused("2027-01-01", "2029-06-01")).toMatchObject({ _tag: "ValidationError" })
          expect(yield* refused("next monday", "2027-08-01")).toMatchObject({ _tag: "ValidationError" })
        })
      )
    )
  })
}
