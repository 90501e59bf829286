#!/usr/bin/env node
/**
 * Crash test, full run (issue 8 §1): `npm run bench:crash`. 100 SIGKILLs of
 * `signet serve` during CreateSignatureAttempt on SQLite, and on Postgres
 * when SIGNET_BENCH_PG_URL is set (the server is killed, not Postgres). See
 * bench/crash-driver.mjs for what is checked. Writes docs/benchmarks.md.
 *
 *   node bench/crash.mjs [--kills 100]
 */
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { crashRun } from "./crash-driver.mjs"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const at = process.argv.indexOf("--kills")
const kills = at < 0 ? 100 : Number(process.argv[at + 1])
const results = []
for (const dialect of ["sqlite", ...(process.env.SIGNET_BENCH_PG_URL ? ["pg"] : [])]) {
  if (dialect === "pg") process.env.SIGNET_TEST_PG_URL = process.env.SIGNET_BENCH_PG_URL
  const db = await testing.makeTestDatabase(dialect)
  try {
    const r = await crashRun({
      databaseUrl: db.url,
      kills,
      perCycle: 40,
      log: (m) => process.stderr.write(`${dialect}: ${m}\n`)
    })
    results.push({ dialect, ...r })
    process.stderr.write(`${dialect}: ${JSON.stringify({ ...r, violations: r.violations.slice(0, 5) })}\n`)
  } finally {
    await db.dispose()
  }
}
writeSection(
  "Crash test",
  [
    "`signet serve` is killed with SIGKILL at a random moment (20–320 ms into each batch of QR signatures, 8 requests in flight), restarted, and the interrupted attempts are sent again. Checked at the end: SQLite `integrity_check`, every acknowledged signature present exactly once, one signature per student, and every signature written together with its roll result and outbox event.",
    "",
    "| Database | Kills | Students | Requests sent | Interrupted | Acknowledged | Rows | Violations | Time |",
    "|---|---|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.dialect === "pg" ? "Postgres" : "SQLite"} | ${r.kills} | ${r.students} | ${r.sent} | ${r.lostConnections} | ${r.acknowledged} | ${r.rows} | ${r.violations.length} ${r.violations.length === 0 ? "✓" : "✗"} | ${r.seconds.toFixed(0)} s |`
    )
  ].join("\n")
)
if (results.some((r) => r.violations.length > 0)) {
  for (const r of results) for (const v of r.violations.slice(0, 20)) process.stderr.write(`${r.dialect}: ${v}\n`)
  process.exitCode = 1
}
