#!/usr/bin/env node
/**
 * Replicas, full run (issue 23 goal 5): `npm run bench:replicas`. Three
 * `signet serve` replicas on one Postgres behind HAProxy; students sign by QR
 * while one replica is killed with SIGKILL and restarted; then the outbox,
 * rate-limit, close-job and token checks of bench/replicas-driver.mjs.
 * Writes docs/benchmarks.md. Needs Postgres (`SIGNET_BENCH_PG_URL`, default
 * the local `postgres://postgres@127.0.0.1:5432/test`, a database is created
 * and dropped) and Debian's `haproxy`.
 *
 *   node bench/replicas.mjs [--students 3000]
 */
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { haproxyPath, replicaRun } from "./replicas-driver.mjs"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const at = process.argv.indexOf("--students")
const students = at < 0 ? 3000 : Number(process.argv[at + 1])
if (haproxyPath() === null) {
  process.stderr.write("bench/replicas.mjs: haproxy is not installed (apt-get install haproxy); skipped\n")
  process.exit(0)
}
process.env.SIGNET_TEST_PG_URL = process.env.SIGNET_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const db = await testing.makeTestDatabase("pg")
let r
try {
  r = await replicaRun({ databaseUrl: db.url, students, log: (m) => process.stderr.write(`replicas: ${m}\n`) })
} finally {
  await db.dispose()
}
const ok = (good) => (good ? "✓" : "✗")
writeSection(
  "Replicas behind HAProxy (issue 23 goal 5)",
  [
    "Three `signet serve` replicas (repository build, Node 20) on one Postgres database behind Debian's HAProxy 2.6 (round robin, `GET /ready` checks every 300 ms, connection failures re-dispatched), all on this 2-core machine with the load client. Students sign by QR through HAProxy, 8 requests in flight; the replica leading the close job is killed with SIGKILL after 30 % of the students were acknowledged and restarted on its port after 60 %; a request without an acknowledgement is sent again. `bench/replicas-driver.mjs` says what each check reads; the CI test `packages/cli/test/replicas.test.ts` runs the same checks with 150 students.",
    "",
    "| Check | Result |",
    "|---|---|",
    `| Signatures acknowledged / students | ${r.acknowledged} / ${r.students} (${r.sent} requests, ${r.retries} sent again) |`,
    `| Sign burst through HAProxy, 3 replicas, one killed | ${r.perSecond.toFixed(0)} signatures/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.seconds.toFixed(1)} s) |`,
    `| Acknowledged signatures lost or duplicated, half-written | ${ok(!r.violations.some((v) => /signature|student|half/.test(v)))} none |`,
    `| Webhook deliveries: one row per signature event, every event received | ${ok(!r.violations.some((v) => /webhook|enqueued/.test(v)))} ${r.events} events (${r.webhookDuplicates} received twice after the kill, same \`webhook-id\`) |`,
    `| Login limit ${r.loginLimit} per account, ${r.loginAttempts} attempts spread over the 3 replicas | ${ok(r.loginAdmitted === r.loginLimit)} ${r.loginAdmitted} admitted |`,
    `| Courses ending during the run, closed by the close job (every replica runs it each second) | ${ok(r.closed.every((n) => n === 1))} ${r.closed.join(", ")} close event(s) each; the lease passed ${r.leaseHolders - 1} time(s)${r.leaderKilled ? ", from the killed leader" : ""}, never between live replicas |`,
    `| Token of replica 0 on replicas 1, 2; after \`signet keys rotate\`, replica 2's new-key token on 0, 1; the old token everywhere | ${ok(r.rotatedKid && !r.violations.some((v) => /token|key/.test(v)))} |`,
    `| Violations | ${r.violations.length} ${ok(r.violations.length === 0)} |`
  ].join("\n")
)
if (r.violations.length > 0) {
  for (const v of r.violations.slice(0, 20)) process.stderr.write(`replicas: ${v}\n`)
  process.exitCode = 1
}
