/**
 * Issue 16, the import side of timetables: skipped events, moved one-off
 * events, series cancellations, teachers by name, created rooms and groups,
 * double booking, grouped warnings, the floating zone and the school year's
 * end. Calendars are generated here; every test runs on SQLite and Postgres.
 */

import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Academics, AcademicsAdmin, ICalendar, policyUse, type SchoolId, Timetable } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Effect } from "effect"
import { as, asTenant, onboard, operator, testActor, testCore, user } from "./support.js"

/** A VCALENDAR around these events (CRLF), optionally with a METHOD. */
const calendar = (events: ReadonlyArray<string>, method?: string) =>
  [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//test//EN",
    ...(method ? [`METHOD:${method}`] : []),
    ...events,
    "END:VCALENDAR"
  ].join("\r\n")

/** A VEVENT with a UID, a DTSTAMP and these properties (`NAME:value` lines). */
const event = (uid: string, ...props: ReadonlyArray<string>) =>
  ["BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20261101T000000Z", ...props, "END:VEVENT"].join("\r\n")

/** A one-hour lesson on 2026-11-23 at `hour` UTC. */
const lesson = (uid: string, hour: number, ...props: ReadonlyArray<string>) => {
  const h = String(hour).padStart(2, "0")
  const h1 = String(hour + 1).padStart(2, "0")
  return event(uid, `DTSTART:20261123T${h}0000Z`, `DTEND:20261123T${h1}0000Z`, "SUMMARY:Maths", ...props)
}

const rooms = { classroom: { from: "LOCATION" } } as const

/** Runs `body` in a fresh tenant with a school, as the test operator. */
const inSchool = <A, E, R>(slug: string, body: (schoolId: SchoolId) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const tenant = yield* onboard(slug)
    return yield* asTenant(
      tenant,
      Effect.gen(function* () {
        const school = yield* Academics.use((a) => a.createSchool({ name: slug }))
        return yield* body(school.id)
      }).pipe(Effect.provide(testActor))
    )
  })

const importIcs = (schoolId: SchoolId, ics: string, mapping: ICalendar.TimetableMapping = {}, options = {}) =>
  Effect.flatMap(ICalendar.parseTimetableEffect(ics, mapping), (plan) =>
    Timetable.use((t) => t.importPlan(schoolId, plan, options))
  )

const coursesOf = (schoolId: SchoolId) =>
  Effect.map(
    Academics.use((a) => a.listCourses({ school_id: schoolId, limit: 500 })),
    (p) => p.items
  )

const badEvent = event("broken", "DTSTART:20261123T100000Z", "DTEND:20261123T090000Z", "SUMMARY:Broken")

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Timetable import, issue 16, on ${dialect}`, (it) => {
    it.effect("one unreadable event is skipped and listed with uid:line; the rest is imported", () =>
      inSchool("ti-skip", (schoolId) =>
        Effect.gen(function* () {
          const summary = yield* importIcs(schoolId, calendar([lesson("a", 8), badEvent, lesson("b", 10)]))
          expect(summary.courses.created).toBe(2)
          expect(summary.skipped).toEqual([
            expect.objectContaining({ file: "broken", line: 11, code: "DTEND_BEFORE_DTSTART" })
          ])
          expect(yield* coursesOf(schoolId)).toHaveLength(2)
        })
      )
    )

    it.effect("with skipInvalid false one unreadable event refuses the file and nothing is written", () =>
      inSchool("ti-strict", (schoolId) =>
        Effect.gen(function* () {
          const refused = yield* Effect.flip(
            importIcs(schoolId, calendar([lesson("a", 8), badEvent]), {}, { skipInvalid: false })
          )
          expect(refused._tag).toBe("TimetableImportFailed")
          expect(refused).toMatchObject({ warning_groups: expect.any(Array) })
          expect(refused.message).toBe(
            "1 event(s) could not be read; strict import (skipInvalid false): nothing was imported"
          )
          expect(yield* coursesOf(schoolId)).toEqual([])
        })
      )
    )

    it.effect("a one-off event moved by an hour updates its course instead of adding one", () =>
      inSchool("ti-moved", (schoolId) =>
        Effect.gen(function* () {
          yield* importIcs(schoolId, calendar([lesson("once", 8)]))
          const moved = yield* importIcs(schoolId, calendar([lesson("once", 9)]))
          expect(moved.courses).toMatchObject({ created: 0, updated: 1 })
          const courses = yield* coursesOf(schoolId)
          expect(courses.map((c) => DateTime.formatIso(c.start_at))).toEqual(["2026-11-23T09:00:00.000Z"])
          expect(courses[0]!.source_key).toBe("once|2026-11-23T09:00:00.000Z")
        })
      )
    )

    it.effect("a moved one-off event is matched by its exact UID: LIKE wildcards in it match nothing else", () =>
      inSchool("ti-like", (schoolId) =>
        Effect.gen(function* () {
          yield* importIcs(schoolId, calendar([lesson("x_1", 8), lesson("xa1", 12)]))
          const moved = yield* importIcs(schoolId, calendar([lesson("x_1", 9), lesson("xa1", 12)]))
          expect(moved.courses).toMatchObject({ created: 0, updated: 1, unchanged: 1 })
          expect(yield* coursesOf(schoolId)).toHaveLength(2)
        })
      )
    )

    it.effect("METHOD:CANCEL without RECURRENCE-ID deletes every course of the UID in that school only", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("ti-cancel-series")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const a = yield* Academics
            const schoolA = yield* a.createSchool({ name: "A" })
            const schoolB = yield* a.createSchool({ name: "B" })
            const weekly = event(
              "weekly",
              "DTSTART:20261123T080000Z",
              "DTEND:20261123T090000Z",
              "RRULE:FREQ=WEEKLY;COUNT=3",
              "SUMMARY:Physics"
            )
            yield* importIcs(schoolA.id, calendar([weekly]))
            yield* importIcs(schoolB.id, calendar([weekly]))
            const cancel = event("weekly", "DTSTART:20261123T080000Z", "DTEND:20261123T090000Z", "SUMMARY:Physics")
            const summary = yield* importIcs(schoolA.id, calendar([cancel], "CANCEL"))
            expect(summary.courses).toMatchObject({ deleted: 3, created: 0 })
            expect(yield* coursesOf(schoolA.id)).toEqual([])
            expect(yield* coursesOf(schoolB.id)).toHaveLength(3)
          }).pipe(Effect.provide(testActor))
        )
      })
    )

    it.effect("a cancelled course that has attendance is kept, with a KEPT_WITH_ATTENDANCE warning", () =>
      inSchool("ti-kept", (schoolId) =>
        Effect.gen(function* () {
          const weekly = event(
            "weekly",
            "DTSTART:20261123T080000Z",
            "DTEND:20261123T090000Z",
            "RRULE:FREQ=WEEKLY;COUNT=2",
            "SUMMARY:Physics"
          )
          yield* importIcs(schoolId, calendar([weekly]))
          const [first] = yield* coursesOf(schoolId)
          const student = yield* user("kept@ti.example.edu", "student")
          const sql = yield* SqlClient.SqlClient
          const tenantId = (yield* sql<{
            tenant_id: string
          }>`SELECT tenant_id FROM courses WHERE id = ${first!.id}`)[0]!.tenant_id
          const at = "2026-11-23T08:05:00.000Z"
          yield* sql`INSERT INTO signatures (tenant_id, id, course_id, school_id, signer_id, signer_kind, method, status,
              received_at, decided_at, updated_at)
            VALUES (${tenantId}, ${"0193a5b0-0000-7000-8000-00000000c0de"}, ${first!.id}, ${schoolId}, ${student.id},
              'student', 'QR', 'ACCEPTED', ${at}, ${at}, ${at})`
          const cancel = event("weekly", "DTSTART:20261123T080000Z", "DTEND:20261123T090000Z", "SUMMARY:Physics")
          const summary = yield* importIcs(schoolId, calendar([cancel], "CANCEL"))
          expect(summary.courses.deleted).toBe(1)
          expect(summary.warnings.filter((w) => w.code === "KEPT_WITH_ATTENDANCE")).toHaveLength(1)
          expect((yield* coursesOf(schoolId)).map((c) => c.id)).toEqual([first!.id])
        })
      )
    )

    it.effect("a cancelled occurrence that comes back in a later import is created again", () =>
      inSchool("ti-restored", (schoolId) =>
        Effect.gen(function* () {
          yield* importIcs(schoolId, calendar([lesson("r1", 8)]))
          const cancelled = yield* importIcs(schoolId, calendar([lesson("r1", 8, "STATUS:CANCELLED")]))
          expect(cancelled.courses.deleted).toBe(1)
          const restored = yield* importIcs(schoolId, calendar([lesson("r1", 8)]))
          expect(restored.courses.created).toBe(1)
          expect(yield* coursesOf(schoolId)).toHaveLength(1)
        })
      )
    )

    it.effect("a lesson cancelled by a marker in its text is not created as a course", () =>
      inSchool("ti-marker", (schoolId) =>
        Effect.gen(function* () {
          const marked = event("m1", "DTSTART:20261123T080000Z", "DTEND:20261123T090000Z", "SUMMARY:Mathe ENTFÄLLT")
          const summary = yield* importIcs(schoolId, calendar([marked, lesson("m2", 10)]), {
            cancelled: { patterns: ["entfällt"] }
          })
          expect(summary.courses).toMatchObject({ created: 1, deleted: 0 })
          expect((yield* coursesOf(schoolId)).map((c) => c.name)).toEqual(["Maths"])
        })
      )
    )

    it.effect("a teacher named in the timetable resolves through the mapping's aliases", () =>
      inSchool("ti-alias", (schoolId) =>
        Effect.gen(function* () {
          const teacher = yield* user("kamotho@ti.example.edu", "teacher")
          const summary = yield* importIcs(schoolId, calendar([lesson("t1", 8, "DESCRIPTION:DR. D. W. KAMOTHO")]), {
            teacher: { from: "DESCRIPTION" },
            teachers: { "Dr. D. W. Kamotho": "kamotho@ti.example.edu" }
          })
          expect(summary.warnings.filter((w) => w.code === "UNRESOLVED")).toEqual([])
          expect((yield* coursesOf(schoolId))[0]!.teacher_ids).toEqual([teacher.id])
        })
      )
    )

    it.effect("a teacher's short code resolves through the codes CSV given with the import", () =>
      inSchool("ti-codes", (schoolId) =>
        Effect.gen(function* () {
          const teacher = yield* user("kmt@ti.example.edu", "teacher")
          yield* importIcs(
            schoolId,
            calendar([lesson("t1", 8, "DESCRIPTION:KMT")]),
            { teacher: { from: "DESCRIPTION" } },
            { teacherCodes: "code,login\r\nkmt,kmt@ti.example.edu\r\n" }
          )
          expect((yield* coursesOf(schoolId))[0]!.teacher_ids).toEqual([teacher.id])
        })
      )
    )

    it.effect("a codes CSV without the code,login header is a ValidationError and nothing is written", () =>
      inSchool("ti-codes-bad", (schoolId) =>
        Effect.gen(function* () {
          const refused = yield* Effect.flip(
            importIcs(schoolId, calendar([lesson("t1", 8)]), {}, { teacherCodes: "teacher,email\nKMT,x@y\n" })
          )
          expect(refused._tag).toBe("ValidationError")
          expect(refused.message).toContain('"code,login"')
          expect(yield* coursesOf(schoolId)).toEqual([])
        })
      )
    )

    it.effect("createMissing creates the classrooms and groups the file names, counted; teachers never", () =>
      inSchool("ti-create", (schoolId) =>
        Effect.gen(function* () {
          const summary = yield* importIcs(
            schoolId,
            calendar([lesson("c1", 8, "LOCATION:R9", "CATEGORIES:G7", "ORGANIZER:mailto:nobody@ti.example.edu")]),
            { ...rooms, group: { from: "CATEGORIES" }, teacher: { from: "ORGANIZER" } },
            { createMissing: true }
          )
          expect(summary.created_missing).toEqual({ classrooms: 1, groups: 1 })
          const room = yield* Academics.use((a) => a.findClassroomByCode("R9", schoolId))
          const group = yield* Academics.use((a) => a.findGroupByCode("G7", schoolId))
          const [course] = yield* coursesOf(schoolId)
          expect(course!.classroom_ids).toEqual([room.pipe((o) => (o._tag === "Some" ? o.value.id : null))])
          expect(course!.group_ids).toEqual([group.pipe((o) => (o._tag === "Some" ? o.value.id : null))])
          expect(summary.warnings.map((w) => w.code)).toEqual(["UNRESOLVED"])
        })
      )
    )

    it.effect("two imported lessons in one room at the same time give one DOUBLE_BOOKED warning", () =>
      inSchool("ti-double", (schoolId) =>
        Effect.gen(function* () {
          yield* Academics.use((a) => a.createClassroom({ school_id: schoolId, name: "R1", code: "R1" }))
          const summary = yield* importIcs(
            schoolId,
            calendar([lesson("d1", 8, "LOCATION:R1"), lesson("d2", 8, "LOCATION:R1"), lesson("d3", 9, "LOCATION:R1")]),
            rooms
          )
          const clashes = summary.warnings.filter((w) => w.code === "DOUBLE_BOOKED")
          expect(clashes).toHaveLength(1)
          expect(clashes[0]!.message).toContain("classroom")
        })
      )
    )

    it.effect("an imported lesson overlapping an existing course of the same group is DOUBLE_BOOKED", () =>
      inSchool("ti-double-existing", (schoolId) =>
        Effect.gen(function* () {
          const g = yield* Academics.use((a) => a.createGroup({ school_id: schoolId, name: "1A", code: "1A" }))
          yield* Academics.use((a) =>
            a.createCourse({
              school_id: schoolId,
              name: "Existing",
              start_at: "2026-11-23T08:30:00Z",
              end_at: "2026-11-23T09:30:00Z",
              group_ids: [g.id]
            })
          )
          const summary = yield* importIcs(schoolId, calendar([lesson("e1", 8, "CATEGORIES:1A")]), {
            group: { from: "CATEGORIES" }
          })
          expect(summary.warnings.filter((w) => w.code === "DOUBLE_BOOKED")).toHaveLength(1)
        })
      )
    )

    it.effect("an unknown classroom is reported once per distinct code, with its occurrence count", () =>
      inSchool("ti-unresolved", (schoolId) =>
        Effect.gen(function* () {
          const weekly = event(
            "w",
            "DTSTART:20261123T080000Z",
            "DTEND:20261123T090000Z",
            "RRULE:FREQ=WEEKLY;COUNT=5",
            "SUMMARY:Art",
            "LOCATION:NOWHERE"
          )
          const summary = yield* importIcs(schoolId, calendar([weekly]), rooms)
          const unresolved = summary.warnings.filter((w) => w.code === "UNRESOLVED")
          expect(unresolved).toHaveLength(1)
          expect(unresolved[0]!.message).toContain('"NOWHERE"')
          expect(unresolved[0]!.message).toContain("5 occurrence(s)")
        })
      )
    )

    it.effect("the summary groups its warnings by code", () =>
      inSchool("ti-groups", (schoolId) =>
        Effect.gen(function* () {
          const summary = yield* importIcs(
            schoolId,
            calendar([lesson("g1", 8, "LOCATION:X1"), lesson("g2", 10, "LOCATION:X2")]),
            rooms
          )
          expect(summary.warning_groups?.find((g) => g.code === "UNRESOLVED")).toMatchObject({ count: 2 })
        })
      )
    )

    it.effect("the summary names the zone floating times were read in", () =>
      inSchool("ti-floating", (schoolId) =>
        Effect.gen(function* () {
          const floating = event("f1", "DTSTART:20261123T080000", "DTEND:20261123T090000", "SUMMARY:Floating")
          const summary = yield* importIcs(schoolId, calendar([floating]), { timezone: "Europe/Paris" })
          expect(summary.floating_zone).toBe("Europe/Paris")
          expect(DateTime.formatIso((yield* coursesOf(schoolId))[0]!.start_at)).toBe("2026-11-23T07:00:00.000Z")
        })
      )
    )

    it.effect("AcademicsAdmin.importTimetable ends open-ended series with the school year", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("ti-year")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const school = yield* Academics.use((a) => a.createSchool({ name: "Year", timezone: "Europe/Paris" }))
            const sql = yield* SqlClient.SqlClient
            const now = "2026-11-01T00:00:00.000Z"
            yield* sql`INSERT INTO academic_sessions (tenant_id, id, school_id, source_id, type, title, start_date,
                end_date, created_at, updated_at)
              VALUES (${tenant.id}, ${"0193a5b0-0000-7000-8000-0000000ea401"}, ${school.id}, 'y2026', 'schoolYear',
                '2026-2027', '2026-09-01', '2027-01-11', ${now}, ${now})`
            // Mondays 08:00 Paris from 23 Nov 2026; the year's last day is Monday 11 Jan 2027 (inclusive).
            const weekly = event(
              "open",
              "DTSTART;TZID=Europe/Paris:20261123T080000",
              "DTEND;TZID=Europe/Paris:20261123T090000",
              "RRULE:FREQ=WEEKLY",
              "SUMMARY:Open"
            )
            const summary = yield* AcademicsAdmin.importTimetable(school.id, calendar([weekly])).pipe(
              policyUse("academics:write"),
              as(operator)
            )
            expect(summary.courses.created).toBe(8)
            const last = (yield* coursesOf(school.id)).at(-1)!
            expect(DateTime.formatIso(last.start_at)).toBe("2027-01-11T07:00:00.000Z")
          }).pipe(Effect.provide(testActor))
        )
      })
    )

    it.effect("AcademicsAdmin.importTimetable takes a mapping JSON; a bad one is a ValidationError", () =>
      inSchool("ti-mapping", (schoolId) =>
        Effect.gen(function* () {
          yield* Academics.use((a) => a.createClassroom({ school_id: schoolId, name: "R1", code: "R1" }))
          const ics = calendar([lesson("m1", 8, "LOCATION:Room R1")])
          const mapped = yield* AcademicsAdmin.importTimetable(schoolId, ics, {
            mapping: JSON.stringify({ classroom: { from: "LOCATION", pattern: "(R\\d+)$" } })
          }).pipe(policyUse("academics:write"), as(operator))
          expect(mapped.warnings.filter((w) => w.code === "UNRESOLVED")).toEqual([])
          const bad = yield* Effect.flip(
            AcademicsAdmin.importTimetable(schoolId, ics, { mapping: '{"clasroom":{}}' }).pipe(
              policyUse("academics:write"),
              as(operator)
            )
          )
          expect(bad._tag).toBe("ValidationError")
          expect(bad.message).toContain("mapping")
        })
      )
    )
  })
}
