#!/usr/bin/env node
/**
 * Activities benchmark (issue 22 "timeline of a target with 10,000
 * activities, first page ≤ 20 ms"): one school with N activities (notes and
 * tasks alternating, created through the service), then the timeline's
 * first page (limit 20) read in-process through `ActivitiesAdmin.timeline`
 * — target check through academics included — median and p95 of 100 reads.
 * SQLite (synchronous=FULL) by default; `--pg` uses SIGNET_TEST_PG_URL.
 * Prints the figures; docs/activities.md quotes them.
 *
 *   node bench/activities.mjs [--activities 10000] [--pg]
 */
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const { Effect, Schema, ManagedRuntime } = await import("effect")
const i = process.argv.indexOf("--activities")
const count = i < 0 ? 10_000 : Number(process.argv[i + 1])
const dialect = process.argv.includes("--pg") ? "pg" : "sqlite"

const db = await testing.makeTestDatabase(dialect)
const runtime = ManagedRuntime.make(core.Core.layer({ databaseUrl: db.url, envelope: core.Crypto.EnvelopeEphemeral }))
const actor = { kind: "system", id: null }
try {
  const tenant = await runtime.runPromise(
    core.Tenancy.pipe(
      Effect.flatMap((t) =>
        t.create(Schema.decodeUnknownSync(core.CreateTenant)({ slug: "bench-act", name: "Bench" }))
      ),
      Effect.provideService(core.CurrentActor, actor)
    )
  )
  const inTenant = (eff) =>
    eff.pipe(
      Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug }),
      Effect.provideService(core.CurrentActor, actor)
    )
  const school = await runtime.runPromise(
    inTenant(
      core.Academics.pipe(
        Effect.flatMap((a) => a.createSchool(Schema.decodeUnknownSync(core.CreateSchool)({ name: "S" })))
      )
    )
  )
  const target = { target_type: "school", target_id: school.id }
  const t0 = performance.now()
  for (let n = 0; n < count; n++) {
    const op =
      n % 2 === 0
        ? core.Activities.pipe(
            Effect.flatMap((a) =>
              a.notes.create(Schema.decodeUnknownSync(core.CreateNote)({ ...target, body: `Note **${n}** @nobody` }))
            )
          )
        : core.Activities.pipe(
            Effect.flatMap((a) =>
              a.tasks.create(Schema.decodeUnknownSync(core.CreateTask)({ ...target, title: `Task ${n}` }))
            )
          )
    await runtime.runPromise(inTenant(op))
  }
  const created = performance.now() - t0
  const times = []
  for (let r = 0; r < 100; r++) {
    const s = performance.now()
    const page = await runtime.runPromise(
      inTenant(core.Activities.pipe(Effect.flatMap((a) => a.timeline(target, { limit: 20 }))))
    )
    times.push(performance.now() - s)
    if (page.items.length !== 20) throw new Error("short page")
  }
  times.sort((a, b) => a - b)
  console.log(
    JSON.stringify({
      dialect,
      activities: count,
      create_seconds: +(created / 1000).toFixed(1),
      timeline_first_page_ms: { median: +times[50].toFixed(2), p95: +times[95].toFixed(2) }
    })
  )
} finally {
  await runtime.dispose()
  await db.dispose()
}
