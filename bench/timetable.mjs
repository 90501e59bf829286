#!/usr/bin/env node
/**
 * Timetable and roster import times (issue 16), written to docs/benchmarks.md:
 * a generated weekly timetable of 500 lessons over a school year
 * (2026-09-07 → 2027-07-16, about 22,900 occurrences; 40 rooms, 60 groups,
 * 80 teachers that exist) through core in-process — parse, first import,
 * re-import (nothing changed), sync (nothing changed), sync of an export that
 * regenerated every UID (WebUntis) — and a generated OneRoster set of 1,000
 * students (parse, import, re-import). SQLite (synchronous=FULL) and, when
 * SIGNET_BENCH_PG_URL is set, Postgres.
 *
 *   node bench/timetable.mjs [--lessons 500]
 */
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const { Effect, Schema, ManagedRuntime } = await import("effect")
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const LESSONS = arg("lessons", 500)
const ROOMS = 40
const GROUPS = 60
const TEACHERS = 80

/** The timetable: lesson i on weekday i % 5, period (i / 5) % 10, weekly until the year's end. */
const timetable = (uidSalt) => {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Signet bench//EN"]
  for (let i = 0; i < LESSONS; i++) {
    const day = 7 + (i % 5) // 2026-09-07 is a Monday
    const hour = 8 + (Math.floor(i / 5) % 10)
    const dt = (h) => `202609${String(day).padStart(2, "0")}T${String(h).padStart(2, "0")}0000`
    lines.push(
      "BEGIN:VEVENT",
      `UID:lesson-${i}-${uidSalt}@bench`,
      "DTSTAMP:20260801T000000Z",
      `DTSTART;TZID=Europe/Paris:${dt(hour)}`,
      `DTEND;TZID=Europe/Paris:${dt(hour + 1)}`,
      "RRULE:FREQ=WEEKLY;UNTIL=20270716T220000Z",
      `SUMMARY:G${i % GROUPS} Subject ${i % 17}`,
      `LOCATION:R${i % ROOMS}`,
      `DESCRIPTION:T${i % TEACHERS}`,
      `ORGANIZER:mailto:t${i % TEACHERS}@bench.example.edu`,
      "END:VEVENT"
    )
  }
  lines.push("END:VCALENDAR")
  return lines.join("\r\n")
}
const mapping = {
  timezone: "Europe/Paris",
  group: { from: "SUMMARY", pattern: "^(G\\d+)" },
  teacher: { from: "ORGANIZER" },
  windowStart: "2026-09-01",
  windowEnd: "2027-08-01"
}

const rosterFiles = testing.generateOneRoster({
  seed: 7,
  schools: 2,
  students: 1_000,
  teachers: 60,
  classes: 40,
  enrollmentsPerStudent: 5
})
const rosterBytes = new Map([...rosterFiles].map(([k, v]) => [k, new TextEncoder().encode(v)]))

const time = async (f) => {
  const t0 = performance.now()
  const value = await f()
  return { value, ms: performance.now() - t0 }
}

const run = async (dialect) => {
  const db = await testing.makeTestDatabase(dialect)
  const runtime = ManagedRuntime.make(core.Core.layer({ databaseUrl: db.url, envelope: core.Crypto.EnvelopeEphemeral }))
  const actor = { kind: "system", id: null }
  try {
    const tenant = await runtime.runPromise(
      core.Tenancy.pipe(
        Effect.flatMap((t) =>
          t.create(Schema.decodeUnknownSync(core.CreateTenant)({ slug: "bench-tt", name: "Bench" }))
        ),
        Effect.provideService(core.CurrentActor, actor)
      )
    )
    const go = (eff) =>
      runtime.runPromise(
        eff.pipe(
          Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(core.CurrentActor, actor)
        )
      )
    const school = await go(
      core.Academics.pipe(Effect.flatMap((a) => a.createSchool({ name: "Bench", timezone: "Europe/Paris" })))
    )
    await go(
      core.Academics.pipe(
        Effect.flatMap((a) =>
          Effect.gen(function* () {
            for (let i = 0; i < ROOMS; i++)
              yield* a.createClassroom({ school_id: school.id, name: `Room ${i}`, code: `R${i}` })
            for (let i = 0; i < GROUPS; i++)
              yield* a.createGroup({ school_id: school.id, name: `Group ${i}`, code: `G${i}` })
          })
        )
      )
    )
    await go(
      core.Identity.pipe(
        Effect.flatMap((id) =>
          Effect.forEach(
            Array.from({ length: TEACHERS }, (_, i) => i),
            (i) =>
              id.create(
                Schema.decodeUnknownSync(core.CreateUser)({
                  email: `t${i}@bench.example.edu`,
                  given_name: "T",
                  family_name: `${i}`,
                  user_type: "teacher"
                })
              )
          )
        )
      )
    )
    const text = timetable("a")
    const parse = await time(() => runtime.runPromise(core.ICalendar.parseTimetableEffect(text, mapping)))
    const plan = parse.value
    const importPlan = (p) => go(core.Timetable.pipe(Effect.flatMap((t) => t.importPlan(school.id, p))))
    const syncPlan = (p) => go(core.Timetable.pipe(Effect.flatMap((t) => t.syncPlan(school.id, p, {}))))
    const first = await time(() => importPlan(plan))
    const again = await time(() => importPlan(plan))
    const sync = await time(() => syncPlan(plan))
    const regenerated = await runtime.runPromise(core.ICalendar.parseTimetableEffect(timetable("b"), mapping))
    const rekey = await time(() => syncPlan(regenerated))
    const rParse = await time(async () => core.OneRoster.parseOneRoster(rosterBytes))
    const roster = (p) => go(core.Roster.pipe(Effect.flatMap((r) => r.importPlan(p))))
    const rFirst = await time(() => roster(rParse.value))
    const rAgain = await time(() => roster(rParse.value))
    return { dialect, occurrences: plan.occurrences.length, parse, first, again, sync, rekey, rParse, rFirst, rAgain }
  } finally {
    await runtime.dispose()
    await db.dispose()
  }
}

const results = [await run("sqlite")]
if (process.env.SIGNET_BENCH_PG_URL) {
  process.env.SIGNET_TEST_PG_URL = process.env.SIGNET_BENCH_PG_URL
  results.push(await run("pg"))
}
const s = (t) => `${(t.ms / 1000).toFixed(2)} s`
const row = (label, pick) => `| ${label} | ${results.map((r) => pick(r)).join(" | ")} |`
const lines = [
  `Generated weekly timetable: ${LESSONS} lessons (VEVENTs with a weekly RRULE, Europe/Paris) from 2026-09-07 to 2027-07-16 → ${results[0].occurrences.toLocaleString("en")} occurrences, 40 rooms, 60 groups, 80 teachers (all resolved). Generated OneRoster 1.1 set: 2 schools, 1,000 students, 60 teachers, 40 classes, 5 enrollments per student. In-process (\`@signet/core\`), one tenant.`,
  "",
  `| figure | ${results.map((r) => r.dialect).join(" | ")} |`,
  `|---|${results.map(() => "---|").join("")}`,
  row("timetable: parse (sliced, event loop free)", (r) => s(r.parse)),
  row(
    "timetable: first import (courses created)",
    (r) => `${s(r.first)} (${r.first.value.courses.created.toLocaleString("en")})`
  ),
  row(
    "timetable: re-import, nothing changed",
    (r) => `${s(r.again)} (${r.again.value.courses.unchanged.toLocaleString("en")} unchanged)`
  ),
  row(
    "timetable: sync, nothing changed",
    (r) => `${s(r.sync)} (${r.sync.value.counts.unchanged.toLocaleString("en")} unchanged)`
  ),
  row(
    "timetable: sync of a re-export with every UID regenerated (matched by start, end, room, group, name)",
    (r) => `${s(r.rekey)} (${r.rekey.value.counts.rekeyed.toLocaleString("en")} re-keyed)`
  ),
  row("roster: parse", (r) => s(r.rParse)),
  row("roster: first import", (r) => `${s(r.rFirst)} (${r.rFirst.value.users.created.toLocaleString("en")} users)`),
  row("roster: re-import, nothing changed", (r) => s(r.rAgain))
]
writeSection("Academics: timetable import and sync, 1,000-student roster", lines.join("\n"))
console.log(lines.join("\n"))
