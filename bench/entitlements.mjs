#!/usr/bin/env node
/**
 * Entitlement-check benchmark (issue 20 "Entitlements and quotas … at
 * permission-check speed"): core's `Quotas.admit` (a hard limit well below
 * its warning threshold) and `Quotas.feature`, each beside the in-process
 * RBAC permission check `Access.check` of the same tenant — the peer the
 * issue names — and beside `Effect.void`, the floor of running any Effect,
 * in the same process and run. Build first (`npx tsc -b`).
 *
 *   node bench/entitlements.mjs [--seconds 3]
 *
 * Setup: a SQLite core in a temporary directory, a plan with `users.max`
 * and a feature flag, a tenant subscribed to it with one user holding the
 * admin role; the plan and the policy are compiled and cached by a first
 * call. Timing: `process.hrtime.bigint` around batches of 1,000 checks run
 * inside one Effect (the per-check figure is the batch time / 1,000; p50
 * and p99 over batches) for a fixed time after a warm-up. The count behind
 * the limit is handed in as a constant (the caller's own count, a query,
 * is not part of the check). Writes docs/benchmarks.md "Entitlement check".
 */
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const { Effect, ManagedRuntime, Schema } = await import("effect")

const i = process.argv.indexOf("--seconds")
const SECONDS = i < 0 ? 3 : Number(process.argv[i + 1])
const BATCH = 1000

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

const db = await testing.makeTestDatabase("sqlite")
const runtime = ManagedRuntime.make(core.Core.layer({ databaseUrl: db.url, envelope: core.Crypto.EnvelopeEphemeral }))
const system = { kind: "system", id: null }
const asSystem = (eff) => Effect.provideService(eff, core.CurrentActor, system)

const tenant = await runtime.runPromise(
  asSystem(
    Effect.gen(function* () {
      yield* core.BillingPlatform.createPlan(
        Schema.decodeUnknownSync(core.CreatePlan)({
          code: "bench",
          name: "Bench",
          interval: "month",
          currency: "EUR",
          fixed_amount: 1000,
          entitlements: { features: { webhooks: true }, limits: { "users.max": 1_000_000 } }
        })
      )
      return yield* core.Tenancy.pipe(
        Effect.flatMap((t) =>
          t.create(
            Schema.decodeUnknownSync(core.CreateTenant)({
              slug: "bench-ent",
              name: "Bench",
              admin: {
                email: "head@bench.example.edu",
                password: "correct horse battery staple",
                given_name: "H",
                family_name: "T"
              }
            })
          )
        )
      )
    })
  )
)
const inTenant = (eff) => asSystem(Effect.provideService(eff, core.CurrentTenant, { id: tenant.id, slug: tenant.slug }))
await runtime.runPromise(
  inTenant(
    core.BillingAdmin.createSubscription(
      Schema.decodeUnknownSync(core.CreateSubscription)({ plan_code: "bench" })
    ).pipe(core.policyUse("billing:write"))
  )
)
const userId = await runtime.runPromise(
  inTenant(core.Identity.use((i) => i.list({ limit: 1 })).pipe(Effect.map((p) => p.items[0].id)))
)

/** Per-check nanoseconds (p50, p99) of `check` run `BATCH` times per sample for `SECONDS`. */
const measure = (check) =>
  runtime.runPromise(
    inTenant(
      Effect.gen(function* () {
        yield* check // compiles and caches
        const samples = []
        const deadline = Date.now() + SECONDS * 1000
        let warm = 50
        while (Date.now() < deadline || warm > 0) {
          const t0 = process.hrtime.bigint()
          for (let n = 0; n < BATCH; n++) yield* check
          const ns = Number(process.hrtime.bigint() - t0) / BATCH
          if (warm > 0) warm--
          else samples.push(ns)
        }
        return { p50: percentile(samples, 50), p99: percentile(samples, 99), batches: samples.length }
      })
    )
  )

const count = Effect.succeed(10)
const rows = []
for (const [name, check] of [
  ["Effect.void (floor)", Effect.void],
  [
    "Access.check (RBAC permission, compiled policy)",
    core.Access.pipe(Effect.flatMap((a) => a.check(userId, "users:read")))
  ],
  [
    "Quotas.admit (users.max, hard, below 80 %)",
    core.Quotas.pipe(Effect.flatMap((q) => q.admit("users.max", 1, count)))
  ],
  ["Quotas.feature (webhooks on)", core.Quotas.pipe(Effect.flatMap((q) => q.feature("webhooks")))]
]) {
  const r = await measure(check)
  rows.push({ name, ...r })
  console.log(
    `${name}: p50 ${(r.p50 / 1000).toFixed(3)} µs, p99 ${(r.p99 / 1000).toFixed(3)} µs (${r.batches} batches)`
  )
}
await runtime.dispose()
await db.dispose?.()

const byName = Object.fromEntries(rows.map((r) => [r.name, r]))
const rbac = byName["Access.check (RBAC permission, compiled policy)"]
const admit = byName["Quotas.admit (users.max, hard, below 80 %)"]
const table = [
  "| Check | p50 | p99 | p50 ÷ permission check |",
  "|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${(r.p50 / 1000).toFixed(3)} µs | ${(r.p99 / 1000).toFixed(3)} µs | ${(r.p50 / rbac.p50).toFixed(2)} |`
  )
].join("\n")
writeSection(
  "Entitlement check",
  `\`node bench/entitlements.mjs\` — ${Os.cpus()[0]?.model ?? "?"} (${Os.cpus().length} cores), Node ${process.version}. ` +
    `In process, tenant plan and policy cached, batches of ${BATCH} inside one Effect for ${SECONDS} s each.\n\n${table}\n\n` +
    `Goal (issue 20): entitlement check ≤ 1 µs p50 — ${admit.p50 <= 1000 ? "met" : "not met"} (${(admit.p50 / 1000).toFixed(3)} µs); ` +
    `the check costs ${(admit.p50 / rbac.p50).toFixed(2)}× the permission check it is meant to match.`
)
