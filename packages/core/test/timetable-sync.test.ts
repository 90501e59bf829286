/**
 * Issue 16 "Sync mode": `Timetable.syncPlan` replaces a school's timetable in
 * the window a snapshot covers — on calendars generated here, on both dialects.
 */
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  AcademicsAdmin,
  Attendance,
  Audit,
  ICalendar,
  policyUse,
  type SchoolId,
  SYNC_LIST_CAP,
  Timetable
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted } from "effect"
import { as, asTenant, onboard, outboxCount, testActor, testCore, user } from "./support.js"

/** One VEVENT: UID, start and end as `YYYYMMDDTHHMMSSZ`, SUMMARY ("<subject> <group>"), LOCATION (room code). */
interface Ev {
  readonly uid: string
  readonly start: string
  readonly end: string
  readonly summary: string
  readonly room: string
}

const calendar = (events: ReadonlyArray<Ev>) =>
  [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//signet test//sync//EN",
    ...events.flatMap((e) => [
      "BEGIN:VEVENT",
      `UID:${e.uid}`,
      "DTSTAMP:20261101T000000Z",
      `DTSTART:${e.start}`,
      `DTEND:${e.end}`,
      `SUMMARY:${e.summary}`,
      `LOCATION:${e.room}`,
      "END:VEVENT"
    ]),
    "END:VCALENDAR"
  ].join("\r\n")

const mapping = { group: { from: "SUMMARY", pattern: "(\\w+)$" } } as const
const plan = (events: ReadonlyArray<Ev>) => ICalendar.parseTimetable(calendar(events), mapping)

// Monday 7 and Tuesday 8 December 2026.
const maths: Ev = { uid: "e1", start: "20261207T080000Z", end: "20261207T090000Z", summary: "Maths 1A", room: "R1" }
const physics: Ev = { uid: "e2", start: "20261207T090000Z", end: "20261207T100000Z", summary: "Physics 1A", room: "R1" }
const history: Ev = { uid: "e3", start: "20261208T080000Z", end: "20261208T090000Z", summary: "History 1A", room: "R2" }
const WEEK = [maths, physics, history]

/** A school with rooms R1, R2 and group 1A; answers its id and the group's. */
const school = (name: string) =>
  Effect.gen(function* () {
    const a = yield* Academics
    const s = yield* a.createSchool({ name })
    yield* a.createClassroom({ school_id: s.id, name: "R1", code: "R1" })
    yield* a.createClassroom({ school_id: s.id, name: "R2", code: "R2" })
    const group = yield* a.createGroup({ school_id: s.id, name: "1A", code: "1A" })
    return { id: s.id, groupId: group.id }
  })

const sync = (schoolId: SchoolId, events: ReadonlyArray<Ev>, options: Parameters<Timetable["syncPlan"]>[2] = {}) =>
  Timetable.use((t) => t.syncPlan(schoolId, plan(events), options))

const coursesOf = (schoolId: SchoolId) =>
  Effect.map(
    Academics.use((a) => a.listCourses({ school_id: schoolId, limit: 500 })),
    (p) => p.items
  )

/** Runs `body` in a fresh tenant as the test operator. */
const inFreshTenant = <A, E, R>(slug: string, body: Effect.Effect<A, E, R>) =>
  Effect.flatMap(onboard(slug), (tenant) => asTenant(tenant, body.pipe(Effect.provide(testActor))))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Timetable sync on ${dialect} (issue 16)`, (it) => {
    it.effect("a first sync creates the snapshot's courses; syncing it again changes nothing", () =>
      inFreshTenant(
        "sync-idem",
        Effect.gen(function* () {
          const s = yield* school("S")
          expect((yield* sync(s.id, WEEK)).counts).toMatchObject({ created: 3, updated: 0, removed: 0 })
          const again = yield* sync(s.id, WEEK)
          expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 3, removed: 0, rekeyed: 0 })
          expect(yield* coursesOf(s.id)).toHaveLength(3)
        })
      )
    )

    it.effect("a changed snapshot creates, updates (before → after) and removes in its window", () =>
      inFreshTenant(
        "sync-diff",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          const chemistry: Ev = { ...history, uid: "e4", start: "20261208T090000Z", end: "20261208T100000Z" }
          const r = yield* sync(s.id, [{ ...maths, room: "R2" }, history, chemistry])
          expect(r.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1, removed: 1, kept_with_attendance: 0 })
          expect(r.window).toEqual({ start: "2026-12-07T08:00:00.000Z", end: "2026-12-08T10:00:00.000Z" })
          expect(r.removed.map((i) => i.name)).toEqual(["Physics 1A"])
          expect(r.created.map((i) => i.source_key)).toEqual(["e4|2026-12-08T09:00:00.000Z"])
          const rooms = yield* Academics.use((a) => a.listClassrooms({ school_id: s.id }))
          const code = (id: string) => rooms.items.find((x) => x.id === id)?.code
          const change = r.updated[0]!.changes.find((c) => c.field === "classroom_ids")!
          expect([code(change.before), code(change.after)]).toEqual(["R1", "R2"])
          expect((yield* coursesOf(s.id)).map((c) => c.name).sort()).toEqual(["History 1A", "History 1A", "Maths 1A"])
        })
      )
    )

    it.effect("courses created by hand and another school's courses are never touched", () =>
      inFreshTenant(
        "sync-scope",
        Effect.gen(function* () {
          const a = yield* Academics
          const s = yield* school("A")
          const other = yield* school("B")
          yield* sync(s.id, WEEK)
          yield* sync(other.id, WEEK)
          const manual = yield* a.createCourse({
            school_id: s.id,
            name: "Assembly",
            start_at: "2026-12-07T09:30:00Z",
            end_at: "2026-12-07T10:30:00Z"
          })
          const r = yield* sync(s.id, [maths, history])
          expect(r.counts).toMatchObject({ removed: 1, unchanged: 2 })
          expect((yield* a.getCourse(manual.id)).name).toBe("Assembly")
          expect(yield* coursesOf(other.id)).toHaveLength(3)
        })
      )
    )

    it.effect("a vanished course with attendance is kept and reported, never deleted", () =>
      inFreshTenant(
        "sync-attendance",
        Effect.gen(function* () {
          const a = yield* Academics
          const s = yield* school("S")
          const student = yield* user("pupil@sync.example.edu", "student", { school_id: s.id })
          yield* a.setMembers(s.groupId, [student.id])
          yield* sync(s.id, WEEK)
          const physicsCourse = (yield* coursesOf(s.id)).find((c) => c.name === "Physics 1A")!
          yield* Attendance.use((t) =>
            t.markRoll(physicsCourse.id, { marks: [{ student_id: student.id, result: "PRESENT" }] })
          )
          const r = yield* sync(s.id, [maths, history])
          expect(r.counts).toMatchObject({ removed: 0, kept_with_attendance: 1 })
          expect(r.kept_with_attendance.map((i) => i.course_id)).toEqual([physicsCourse.id])
          expect((yield* a.getCourse(physicsCourse.id)).name).toBe("Physics 1A")
        })
      )
    )

    it.effect("an export that regenerates every UID is matched by stable key and re-keyed", () =>
      inFreshTenant(
        "sync-rekey",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          const before = (yield* coursesOf(s.id)).map((c) => c.id).sort()
          const r = yield* sync(
            s.id,
            WEEK.map((e) => ({ ...e, uid: `${e.uid}-run2` }))
          )
          expect(r.counts).toMatchObject({ created: 0, removed: 0, updated: 0, unchanged: 3, rekeyed: 3 })
          const after = yield* coursesOf(s.id)
          expect(after.map((c) => c.id).sort()).toEqual(before)
          expect(after.every((c) => c.source_key?.includes("-run2|"))).toBe(true)
          // The new keys hold: the next run with the same UIDs matches by key.
          expect(
            (yield* sync(
              s.id,
              WEEK.map((e) => ({ ...e, uid: `${e.uid}-run2` }))
            )).counts.rekeyed
          ).toBe(0)
        })
      )
    )

    it.effect("a moved one-off event updates its course instead of duplicating it", () =>
      inFreshTenant(
        "sync-moved",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          const moved = { ...maths, start: "20261207T110000Z", end: "20261207T120000Z" }
          const r = yield* sync(s.id, [moved, physics, history])
          expect(r.counts).toMatchObject({ created: 0, removed: 0, updated: 1, unchanged: 2 })
          expect(r.updated[0]!.changes.map((c) => c.field)).toEqual(["start_at", "end_at", "source_key"])
          const names = (yield* coursesOf(s.id)).map((c) => c.name)
          expect(names.filter((n) => n === "Maths 1A")).toHaveLength(1)
        })
      )
    )

    it.effect("a dry run answers the diff and changes nothing", () =>
      inFreshTenant(
        "sync-dry",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          const before = yield* coursesOf(s.id)
          const audits = yield* Audit.use((x) => x.count)
          const r = yield* sync(
            s.id,
            [
              { ...maths, room: "R2" },
              { ...history, uid: "e9", start: "20261208T110000Z", end: "20261208T120000Z" }
            ],
            {
              dryRun: true
            }
          )
          expect(r.dry_run).toBe(true)
          expect(r.counts).toMatchObject({ created: 1, updated: 1, removed: 2 })
          expect(r.created[0]!.course_id).toBeNull()
          expect(r.list_cap).toBe(SYNC_LIST_CAP)
          expect(yield* coursesOf(s.id)).toEqual(before)
          expect(yield* Audit.use((x) => x.count)).toBe(audits)
        })
      )
    )

    it.effect("one sync writes one summary audit row and one signet.academics.timetable.synced event", () =>
      inFreshTenant(
        "sync-audit",
        Effect.gen(function* () {
          const s = yield* school("S")
          const events = yield* outboxCount("signet.academics.timetable.synced")
          yield* sync(s.id, WEEK)
          expect(yield* outboxCount("signet.academics.timetable.synced")).toBe(events + 1)
          const rows = yield* Audit.use((x) => x.list({ action: "academics.timetable.synced" }))
          expect(rows.items).toHaveLength(1)
          expect(rows.items[0]!.target_id).toBe(s.id)
        })
      )
    )

    it.effect("without a window, only the span the file covers is replaced", () =>
      inFreshTenant(
        "sync-span",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          // Tuesday only: Monday's courses lie outside the span and stay.
          const r = yield* sync(s.id, [history])
          expect(r.counts).toMatchObject({ unchanged: 1, removed: 0 })
          expect(yield* coursesOf(s.id)).toHaveLength(3)
        })
      )
    )

    it.effect("a window (the mapping's windowStart/windowEnd) replaces the whole window", () =>
      inFreshTenant(
        "sync-window",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          const r = yield* sync(s.id, [history], {
            window: { start: "2026-12-07T00:00:00Z", end: "2026-12-09T00:00:00Z" }
          })
          expect(r.counts).toMatchObject({ unchanged: 1, removed: 2 })
          expect((yield* coursesOf(s.id)).map((c) => c.name)).toEqual(["History 1A"])
        })
      )
    )

    it.effect("a file without occurrences and without a window removes nothing", () =>
      inFreshTenant(
        "sync-empty",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          const r = yield* sync(s.id, [])
          expect(r.window).toBeNull()
          expect(r.counts.removed).toBe(0)
          expect(yield* coursesOf(s.id)).toHaveLength(3)
        })
      )
    )

    it.effect("a vanished event that reappears later is created again", () =>
      inFreshTenant(
        "sync-reappear",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          yield* sync(s.id, [maths, history])
          expect((yield* sync(s.id, WEEK)).counts).toMatchObject({ created: 1, unchanged: 2 })
          expect(yield* coursesOf(s.id)).toHaveLength(3)
        })
      )
    )

    it.effect("a calendar with errors is refused whole and changes nothing", () =>
      inFreshTenant(
        "sync-errors",
        Effect.gen(function* () {
          const s = yield* school("S")
          yield* sync(s.id, WEEK)
          const broken = { ...physics, end: "20261207T080000Z" } // DTEND before DTSTART
          const e = yield* Effect.flip(sync(s.id, [maths, broken, history]))
          expect(e._tag).toBe("TimetableImportFailed")
          expect(yield* coursesOf(s.id)).toHaveLength(3)
        })
      )
    )
    it.effect("the facade needs academics:write to sync or add a source, and reads the mapping's window", () =>
      inFreshTenant(
        "sync-facade",
        Effect.gen(function* () {
          const s = yield* school("S")
          const teacher = yield* user("teacher@sync.example.edu", "teacher")
          const asTeacher = as({ kind: "user", id: teacher.id })
          const ics = calendar(WEEK)
          const denied = yield* Effect.flip(
            AcademicsAdmin.syncTimetable(s.id, ics).pipe(policyUse("academics:write"), asTeacher)
          )
          expect(denied._tag).toBe("Forbidden")
          const source = { school_id: s.id, url: Redacted.make("https://timetable.example.org/a.ics") }
          const refused = yield* Effect.flip(
            AcademicsAdmin.addTimetableSource(source).pipe(policyUse("academics:write"), asTeacher)
          )
          expect(refused._tag).toBe("Forbidden")
          yield* AcademicsAdmin.syncTimetable(s.id, ics, { mapping }).pipe(policyUse("academics:write"))
          const windowed = yield* AcademicsAdmin.syncTimetable(s.id, calendar([history]), {
            mapping: { ...mapping, windowStart: "2026-12-07", windowEnd: "2026-12-09" },
            dryRun: true
          }).pipe(policyUse("academics:write"))
          expect(windowed.counts).toMatchObject({ removed: 2, unchanged: 1 })
          const bad = yield* Effect.flip(
            AcademicsAdmin.syncTimetable(s.id, ics, { mapping: { room: {} } }).pipe(policyUse("academics:write"))
          )
          expect(bad).toMatchObject({ _tag: "ValidationError" })
        })
      )
    )
  })
}
