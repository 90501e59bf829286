import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, layer } from "@effect/vitest"
import { Academics, CreateTenant, ICalendar, Tenancy, Timetable } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { asTenant, testActor, testCore } from "./support.js"

const LEEDS = Path.resolve(__dirname, "../../../../shared/data/ics/ITSLeeds-TDS/timetable.ics")
if (!Fs.existsSync(LEEDS)) console.warn(`${LEEDS} absent: the shared timetable import test is skipped`)

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Timetables and feeds on ${dialect}`, (it) => {
    it.effect.skipIf(!Fs.existsSync(LEEDS))(
      "imports the Leeds timetable into courses; re-importing changes nothing",
      () =>
        Effect.gen(function* () {
          const tenant = yield* onboard("tt-leeds")
          yield* asTenant(
            tenant,
            Effect.gen(function* () {
              const a = yield* Academics
              const school = yield* a.createSchool({ name: "Leeds ITS", timezone: "Europe/London" })
              const room = yield* a.createClassroom({ school_id: school.id, name: "Room 7.96", code: "7.96" })
              const plan = ICalendar.parseTimetable(Fs.readFileSync(LEEDS, "utf8"), {
                timezone: "Europe/London",
                classroom: { from: "LOCATION", pattern: "\\(?(\\d+\\.\\d+)\\)?$" }
              })
              expect(plan.errors).toEqual([])
              const first = yield* Timetable.use((t) => t.importPlan(school.id, plan))
              expect(first.courses).toMatchObject({ created: 11, updated: 0 })
              // Room 1.11 does not exist in this school: a warning, the course has no classroom.
              expect(first.warnings.some((w) => w.code === "UNRESOLVED")).toBe(true)
              const again = yield* Timetable.use((t) => t.importPlan(school.id, plan))
              expect(again.courses).toMatchObject({ created: 0, updated: 0, unchanged: 11 })
              const inRoom = yield* a.listCourses({ classroom_id: room.id, limit: 100 })
              expect(inRoom.items.length).toBeGreaterThan(0)
              const dry = yield* Timetable.use((t) => t.importPlan(school.id, plan, { dryRun: true }))
              expect(dry.dry_run).toBe(true)
            }).pipe(Effect.provide(testActor))
          )
        })
    )

    it.effect("feeds publish a group's courses until revoked; cancelled occurrences delete their course", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("tt-feeds")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "Feeds" })
            const group = yield* a.createGroup({ school_id: school.id, name: "1A", code: "1A" })
            const ics = [
              "BEGIN:VCALENDAR",
              "VERSION:2.0",
              "PRODID:-//test//EN",
              "BEGIN:VEVENT",
              "UID:weekly-maths",
              "DTSTAMP:20261101T000000Z",
              "DTSTART:20261123T080000Z",
              "DTEND:20261123T090000Z",
              "RRULE:FREQ=WEEKLY;COUNT=3",
              "SUMMARY:Maths 1A",
              "END:VEVENT",
              "END:VCALENDAR"
            ].join("\r\n")
            const plan = ICalendar.parseTimetable(ics, { group: { from: "SUMMARY", pattern: "(\\w+)$" } })
            const imported = yield* Timetable.use((t) => t.importPlan(school.id, plan))
            expect(imported.courses.created).toBe(3)
            const { feed, token } = yield* Timetable.use((t) => t.createFeed("group", group.id))
            expect(token).toMatch(/^sgc_/)
            const text = yield* Timetable.use((t) =>
              t.renderSubject("group", group.id, { from: "2026-11-01T00:00:00Z", to: "2027-01-01T00:00:00Z" })
            )
            expect(text).toContain("BEGIN:VCALENDAR")
            expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(3)
            expect(text).toContain("SUMMARY:Maths 1A")
            yield* Timetable.use((t) => t.revokeFeed(feed.id))
            expect((yield* Effect.flip(Timetable.use((t) => t.feedByToken(token))))._tag).toBe("Unauthorized")

            const cancelled = ICalendar.parseTimetable(
              ics.replace(
                "END:VCALENDAR",
                "BEGIN:VEVENT\r\nUID:weekly-maths\r\nDTSTAMP:20261101T000000Z\r\nRECURRENCE-ID:20261130T080000Z\r\nDTSTART:20261130T080000Z\r\nDTEND:20261130T090000Z\r\nSUMMARY:Maths 1A\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR"
              ),
              { group: { from: "SUMMARY", pattern: "(\\w+)$" } }
            )
            const after = yield* Timetable.use((t) => t.importPlan(school.id, cancelled))
            expect(after.courses).toMatchObject({ deleted: 1, unchanged: 2 })
          }).pipe(Effect.provide(testActor))
        )
      })
    )

    it.effect("issue 16: one export imported into a second school creates its courses and leaves the first's", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("tt-two-schools")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const a = yield* Academics
            const rooms = { from: "LOCATION", pattern: "^(\\w+)$" } as const
            const ics = [
              "BEGIN:VCALENDAR",
              "VERSION:2.0",
              "PRODID:-//test//EN",
              "BEGIN:VEVENT",
              "UID:weekly-physics",
              "DTSTAMP:20261101T000000Z",
              "DTSTART:20261123T080000Z",
              "DTEND:20261123T090000Z",
              "RRULE:FREQ=WEEKLY;COUNT=2",
              "SUMMARY:Physics",
              "LOCATION:R1",
              "END:VEVENT",
              "END:VCALENDAR"
            ].join("\r\n")
            const schoolA = yield* a.createSchool({ name: "A" })
            const roomA = yield* a.createClassroom({ school_id: schoolA.id, name: "R1", code: "R1" })
            const schoolB = yield* a.createSchool({ name: "B" })
            const roomB = yield* a.createClassroom({ school_id: schoolB.id, name: "R1", code: "R1" })
            const plan = ICalendar.parseTimetable(ics, { classroom: rooms })
            expect((yield* Timetable.use((t) => t.importPlan(schoolA.id, plan))).courses.created).toBe(2)
            const intoB = yield* Timetable.use((t) => t.importPlan(schoolB.id, plan))
            expect(intoB.courses).toMatchObject({ created: 2, updated: 0, deleted: 0 })
            const coursesOf = (schoolId: typeof schoolA.id) =>
              Effect.map(a.listCourses({ school_id: schoolId, limit: 100 }), (page) => page.items)
            expect((yield* coursesOf(schoolA.id)).map((c) => c.classroom_ids)).toEqual([[roomA.id], [roomA.id]])
            expect((yield* coursesOf(schoolB.id)).map((c) => c.classroom_ids)).toEqual([[roomB.id], [roomB.id]])
            // Cancelling in B removes B's occurrence only.
            const cancelled = ICalendar.parseTimetable(
              ics.replace(
                "END:VCALENDAR",
                "BEGIN:VEVENT\r\nUID:weekly-physics\r\nDTSTAMP:20261101T000000Z\r\nRECURRENCE-ID:20261130T080000Z\r\nDTSTART:20261130T080000Z\r\nDTEND:20261130T090000Z\r\nSUMMARY:Physics\r\nLOCATION:R1\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR"
              ),
              { classroom: rooms }
            )
            expect((yield* Timetable.use((t) => t.importPlan(schoolB.id, cancelled))).courses).toMatchObject({
              deleted: 1,
              unchanged: 1
            })
            expect(yield* coursesOf(schoolA.id)).toHaveLength(2)
            expect(yield* coursesOf(schoolB.id)).toHaveLength(1)
          }).pipe(Effect.provide(testActor))
        )
      })
    )

    it.effect(
      "a calendar past a limit (a never-matching RRULE) is a ValidationError naming it; nothing is written",
      () =>
        Effect.gen(function* () {
          const tenant = yield* onboard("tt-limits")
          yield* asTenant(
            tenant,
            Effect.gen(function* () {
              const a = yield* Academics
              const school = yield* a.createSchool({ name: "Limits" })
              const event = (uid: string, rrule: string) =>
                `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261123T080000Z\r\nDTEND:20261123T090000Z\r\nRRULE:${rrule}\r\nSUMMARY:Maths\r\nEND:VEVENT`
              const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n${event("ok", "FREQ=WEEKLY;COUNT=3")}\r\n${event("bad", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO")}\r\nEND:VCALENDAR`
              const plan = yield* ICalendar.parseTimetableEffect(ics)
              const refused = yield* Effect.flip(Timetable.use((t) => t.importPlan(school.id, plan)))
              expect(refused._tag).toBe("ValidationError")
              expect(refused.message).toContain(
                `${ICalendar.MAX_EVENT_RULE_STEPS} iteration steps (MAX_EVENT_RULE_STEPS`
              )
              expect((yield* a.listCourses({ school_id: school.id, limit: 100 })).items).toEqual([])
            }).pipe(Effect.provide(testActor))
          )
        })
    )
  })
}
