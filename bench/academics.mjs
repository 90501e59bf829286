#!/usr/bin/env node
/**
 * Academics benchmarks, written to docs/benchmarks.md:
 * 1. OneRoster import of a generated set (10,000 users, 500 classes,
 *    100,000 enrollments): parse + all-or-nothing import, on SQLite
 *    (synchronous=FULL) and, when SIGNET_BENCH_PG_URL is set, Postgres.
 *    Goal ≤ 15 s on SQLite.
 * 2. ValidateStudentCourse in-process (the service call attendance makes):
 *    goal ≥ 50,000/s.
 *
 *   node bench/academics.mjs [--users 10000] [--classes 500] [--per-student 10]
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
const students = arg("users", 10_000) - 400
const teachers = 400
const classes = arg("classes", 500)
const perStudent = arg("per-student", 10)

const files = testing.generateOneRoster({
  seed: 42,
  schools: 10,
  students,
  teachers,
  classes,
  enrollmentsPerStudent: perStudent
})
const bytes = new Map([...files].map(([k, v]) => [k, new TextEncoder().encode(v)]))

const run = async (dialect) => {
  const db = await testing.makeTestDatabase(dialect)
  const runtime = ManagedRuntime.make(core.Core.layer({ databaseUrl: db.url, envelope: core.Crypto.EnvelopeEphemeral }))
  const actor = { kind: "system", id: null }
  try {
    const tenant = await runtime.runPromise(
      core.Tenancy.pipe(
        Effect.flatMap((t) =>
          t.create(Schema.decodeUnknownSync(core.CreateTenant)({ slug: "bench-school", name: "Bench" }))
        ),
        Effect.provideService(core.CurrentActor, actor)
      )
    )
    const inTenant = (eff) =>
      eff.pipe(
        Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug }),
        Effect.provideService(core.CurrentActor, actor)
      )
    const t0 = performance.now()
    const plan = core.OneRoster.parseOneRoster(bytes)
    const parsed = performance.now()
    const summary = await runtime.runPromise(inTenant(core.Roster.pipe(Effect.flatMap((r) => r.importPlan(plan)))))
    const imported = performance.now()
    const again = await runtime.runPromise(inTenant(core.Roster.pipe(Effect.flatMap((r) => r.importPlan(plan)))))
    const reimported = performance.now()
    // A course with 5 groups, and validations of students in and out of it.
    const academics = await runtime.runPromise(core.Academics)
    const schoolsPage = await runtime.runPromise(inTenant(academics.listSchools({ limit: 1 })))
    const groups = await runtime.runPromise(
      inTenant(academics.listGroups({ school_id: schoolsPage.items[0].id, limit: 5 }))
    )
    const course = await runtime.runPromise(
      inTenant(
        academics.createCourse({
          school_id: schoolsPage.items[0].id,
          name: "Bench",
          start_at: "2026-11-23T08:00:00Z",
          end_at: "2026-11-23T09:00:00Z",
          group_ids: groups.items.map((g) => g.id)
        })
      )
    )
    const members = await runtime.runPromise(inTenant(academics.listMembers(groups.items[0].id)))
    const N = 20_000
    const validate = inTenant(
      Effect.gen(function* () {
        let allowed = 0
        for (let i = 0; i < N; i++) {
          const r = yield* academics.validateStudentCourse(members[i % members.length], course.id)
          if (r.is_allowed) allowed++
        }
        return allowed
      })
    )
    const v0 = performance.now()
    const allowed = await runtime.runPromise(validate)
    const perSecond = N / ((performance.now() - v0) / 1000)
    return {
      dialect,
      parseMs: parsed - t0,
      importMs: imported - parsed,
      reimportMs: reimported - imported,
      summary,
      again,
      perSecond,
      allowed
    }
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
const enrollments = [...files.get("enrollments.csv").matchAll(/\n/g)].length - 1
const lines = [
  `Generated OneRoster 1.1 set (seed 42): 10 schools, ${students + teachers} users, ${classes} classes, ${enrollments} enrollments. In-process (\`@signet/core\`), one tenant.`,
  "",
  "| figure | " + results.map((r) => r.dialect).join(" | ") + " | goal |",
  "|---|" + results.map(() => "---|").join("") + "---|",
  `| parse (csv-parse, warnings with file:line) | ${results.map((r) => `${(r.parseMs / 1000).toFixed(1)} s`).join(" | ")} | |`,
  `| import, all-or-nothing in one transaction | ${results.map((r) => `${(r.importMs / 1000).toFixed(1)} s`).join(" | ")} | ≤ 15 s (SQLite) |`,
  `| re-import of the same files (no change) | ${results.map((r) => `${(r.reimportMs / 1000).toFixed(1)} s`).join(" | ")} | |`,
  `| ValidateStudentCourse in-process, per second | ${results.map((r) => Math.round(r.perSecond).toLocaleString("en")).join(" | ")} | ≥ 50,000 |`
]
writeSection("Academics: roster import and ValidateStudentCourse", lines.join("\n"))
console.log(lines.join("\n"))
for (const r of results)
  console.error(
    r.dialect,
    JSON.stringify({
      created: r.summary.users.created,
      memberships: r.summary.memberships,
      again: r.again.users,
      allowed: r.allowed
    })
  )
