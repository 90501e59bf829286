/**
 * Issue 16's capabilities on the shared Leeds timetable (University of Leeds
 * ITS, ../shared/data/ics/ITSLeeds-TDS, floating times in Europe/London):
 * create-missing, sync (unchanged, a vanished event, regenerated UIDs) and
 * double booking against its courses. The file is read, never edited; the
 * variants are derived from its text in memory.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, layer } from "@effect/vitest"
import { Academics, CreateTenant, ICalendar, type SchoolId, Tenancy, Timetable } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { asTenant, testActor, testCore } from "./support.js"

const LEEDS = Path.resolve(__dirname, "../../../../shared/data/ics/ITSLeeds-TDS/timetable.ics")
const hasLeeds = Fs.existsSync(LEEDS)
if (!hasLeeds) console.warn(`${LEEDS} absent: the Leeds timetable cases are skipped`)
const leeds = () => Fs.readFileSync(LEEDS, "utf8")

/** Rooms are the "7.96" / "1.11" at the end of LOCATION ("Online - Teams" has none). */
const mapping = {
  timezone: "Europe/London",
  classroom: { from: "LOCATION", pattern: "\\(?(\\d+\\.\\d+)\\)?$" }
} as const

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

/** Runs `f` as a fresh tenant with a Europe/London school. */
const inSchool = <A, E, R>(slug: string, f: (a: Academics, school: SchoolId) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const tenant = yield* onboard(slug)
    return yield* asTenant(
      tenant,
      Effect.gen(function* () {
        const a = yield* Academics
        const school = yield* a.createSchool({ name: "Leeds ITS", timezone: "Europe/London" })
        return yield* f(a, school.id)
      })
    ).pipe(Effect.provide(testActor))
  })

/** The Leeds text without the VEVENT whose SUMMARY is `summary`. */
const without = (text: string, summary: string) =>
  text.replace(
    new RegExp(`BEGIN:VEVENT(?:(?!END:VEVENT)[\\s\\S])*SUMMARY:${summary}\\r?\\n[\\s\\S]*?END:VEVENT\\r?\\n`),
    ""
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Leeds timetable (issue 16) on ${dialect}`, (it) => {
    it.effect.skipIf(!hasLeeds)("createMissing creates the two rooms the file names and links every room course", () =>
      inSchool("leeds-missing", (a, school) =>
        Effect.gen(function* () {
          const plan = ICalendar.parseTimetable(leeds(), mapping)
          const summary = yield* Timetable.use((t) => t.importPlan(school, plan, { createMissing: true }))
          expect(summary.created_missing).toEqual({ classrooms: 2, groups: 0 })
          expect(summary.warnings.filter((w) => w.code === "UNRESOLVED")).toEqual([])
          const rooms = (yield* a.listClassrooms({ school_id: school })).items.map((r) => r.code).sort()
          expect(rooms).toEqual(["1.11", "7.96"])
          const courses = (yield* a.listCourses({ school_id: school, limit: 100 })).items
          // 8 of the 11 events name a room; two are "Online - Teams", one has no LOCATION.
          expect(courses.filter((c) => c.classroom_ids.length === 1)).toHaveLength(8)
        })
      )
    )

    it.effect.skipIf(!hasLeeds)("a sync of the file just imported changes nothing", () =>
      inSchool("leeds-sync-same", (_a, school) =>
        Effect.gen(function* () {
          const plan = ICalendar.parseTimetable(leeds(), mapping)
          yield* Timetable.use((t) => t.importPlan(school, plan))
          const sync = yield* Timetable.use((t) => t.syncPlan(school, plan))
          expect(sync.counts).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: 11 })
        })
      )
    )

    it.effect.skipIf(!hasLeeds)("a sync of the file without one event removes exactly that course", () =>
      inSchool("leeds-sync-removed", (a, school) =>
        Effect.gen(function* () {
          yield* Timetable.use((t) => t.importPlan(school, ICalendar.parseTimetable(leeds(), mapping)))
          const shorter = ICalendar.parseTimetable(without(leeds(), "TDS seminar 1"), mapping)
          expect(shorter.occurrences).toHaveLength(10)
          const sync = yield* Timetable.use((t) => t.syncPlan(school, shorter))
          expect(sync.counts).toMatchObject({ removed: 1, unchanged: 10 })
          expect(sync.removed.map((r) => r.name)).toEqual(["TDS seminar 1"])
          const names = (yield* a.listCourses({ school_id: school, limit: 100 })).items.map((c) => c.name)
          expect(names).not.toContain("TDS seminar 1")
        })
      )
    )

    it.effect.skipIf(!hasLeeds)(
      "a re-export with every UID regenerated is matched by its stable key, not duplicated",
      () =>
        inSchool("leeds-sync-uids", (a, school) =>
          Effect.gen(function* () {
            yield* Timetable.use((t) => t.importPlan(school, ICalendar.parseTimetable(leeds(), mapping)))
            const regenerated = ICalendar.parseTimetable(leeds().replace(/^UID:(.*)$/gm, "UID:regen-$1"), mapping)
            const sync = yield* Timetable.use((t) => t.syncPlan(school, regenerated))
            expect(sync.counts).toMatchObject({ created: 0, removed: 0, rekeyed: 11 })
            expect((yield* a.listCourses({ school_id: school, limit: 100 })).items).toHaveLength(11)
          })
        )
    )

    it.effect.skipIf(!hasLeeds)("a lesson booked into room 7.96 during Practical 1 is reported DOUBLE_BOOKED", () =>
      inSchool("leeds-clash", (_a, school) =>
        Effect.gen(function* () {
          yield* Timetable.use((t) =>
            t.importPlan(school, ICalendar.parseTimetable(leeds(), mapping), { createMissing: true })
          )
          const clash = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:clash@test",
            "DTSTAMP:20240101T000000Z",
            "DTSTART:20240208T093000",
            "DTEND:20240208T103000",
            "SUMMARY:Extra lesson",
            "LOCATION:Irene Manton North Cluster (7.96)",
            "END:VEVENT",
            "END:VCALENDAR"
          ].join("\r\n")
          const summary = yield* Timetable.use((t) => t.importPlan(school, ICalendar.parseTimetable(clash, mapping)))
          const clashes = summary.warnings.filter((w) => w.code === "DOUBLE_BOOKED")
          expect(clashes).toHaveLength(1)
          expect(clashes[0]!.message).toContain("TDS Practical 1")
        })
      )
    )
  })
}
