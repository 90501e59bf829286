#!/usr/bin/env node
/**
 * Usage ingestion over HTTP (issue 20 "Ingestion of usage events in batches
 * of 1,000 over HTTP, idempotent, SQLite and Postgres: goal ≥ 20,000
 * events/s on SQLite"), written to docs/benchmarks.md.
 *
 *   node bench/billing-ingest.mjs [--events 200000] [--clients 4] [--postgres] [--cpu-prof <dir>]
 *
 * A real `signet serve` (SQLite with synchronous=FULL in a temporary
 * directory, or with `--postgres` a fresh database under
 * `SIGNET_TEST_PG_URL`). Setup (not timed): a tenant and a platform meter
 * (`count` of `api.call`). Timed: `--events` CloudEvents-shaped usage
 * events with distinct ids, `POST …/billing/events` in batches of 1,000
 * from `--clients` concurrent clients with the operator's token. Then the
 * first batch is sent again: it must answer `accepted: 0, duplicates:
 * 1000` (idempotent by event id). On SQLite the same client and batches
 * also run against a baseline: a bare `node:http` server that parses the
 * JSON and inserts the rows with better-sqlite3 (`INSERT OR IGNORE`, one
 * transaction per batch, synchronous=FULL) — what the work costs without
 * Signet's validation, digests, authentication, tenancy and Effect.
 * `--cpu-prof <dir>` writes the server's V8 CPU profile there.
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")
const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? dflt : Number(process.argv[i + 1])
}
const EVENTS = arg("--events", 200_000)
const CLIENTS = arg("--clients", 4)
const dialect = process.argv.includes("--postgres") ? "postgres" : "sqlite"
const BATCHES = Math.ceil(EVENTS / 1000)
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-ingest-"))
const db = dialect === "postgres" ? await testing.makeTestDatabase("postgres") : undefined

const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  ...(db ? { DATABASE_URL: db.url } : {}),
  SIGNET_LOG_LEVEL: "none"
}
spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))
const profAt = process.argv.indexOf("--cpu-prof")
const prof = profAt < 0 ? [] : ["--cpu-prof", `--cpu-prof-dir=${Path.resolve(process.argv[profAt + 1])}`]
const server = spawn(process.execPath, [...prof, bin, "serve", "--port", "0"], {
  cwd: dir,
  env,
  stdio: ["ignore", "pipe", "inherit"]
})
const url = await new Promise((resolve) => {
  let out = ""
  server.stdout.on("data", (b) => {
    out += b
    const m = /"url":"([^"]+)"/.exec(out)
    if (m) resolve(m[1])
  })
})
const headers = { "content-type": "application/json", authorization: `Bearer ${config.SIGNET_BOOTSTRAP_TOKEN}` }
const post = async (base, path, body) => {
  const r = await fetch(base + path, { method: "POST", headers, body })
  return { status: r.status, body: await r.json().catch(() => null) }
}

/** Batch `b` as the JSON text sent (built before timing). */
const batchText = (b) =>
  JSON.stringify(
    Array.from({ length: Math.min(1000, EVENTS - b * 1000) }, (_, i) => ({
      id: `evt-${b}-${i}`,
      source: "/bench/app",
      type: "api.call",
      subject: `user-${i % 100}`,
      time: new Date(Date.now() - 60_000).toISOString(),
      data: { route: "/v1/things", status: 200 }
    }))
  )
const bodies = Array.from({ length: BATCHES }, (_, b) => batchText(b))

/** Sends every batch to `base + path` from CLIENTS clients; answers seconds. */
const run = async (base, path, check) => {
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < BATCHES) {
        const b = next++
        const r = await post(base, path, bodies[b])
        check(r, b)
      }
    })
  )
  return (performance.now() - t0) / 1000
}

// Setup.
const tenant = await post(url, "/api/v1/tenants", JSON.stringify({ slug: "ingest", name: "Ingest" }))
if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${JSON.stringify(tenant.body)}`)
const meter = await post(
  url,
  "/api/v1/billing/meters",
  JSON.stringify({ code: "api_calls", name: "API calls", event_type: "api.call", aggregation: "count" })
)
if (meter.status !== 201) throw new Error(`meter: ${meter.status} ${JSON.stringify(meter.body)}`)

// Timed: Signet.
const path = "/api/v1/tenants/ingest/billing/events"
const signetSeconds = await run(url, path, (r, b) => {
  if (r.status !== 200 || r.body.accepted !== JSON.parse(bodies[b]).length)
    throw new Error(`batch ${b}: ${r.status} ${JSON.stringify(r.body)}`)
})
const again = await post(url, path, bodies[0])
if (again.status !== 200 || again.body.accepted !== 0 || again.body.duplicates !== 1000)
  throw new Error(`re-sent batch: ${again.status} ${JSON.stringify(again.body)}`)
server.kill("SIGTERM")
await new Promise((r) => server.once("exit", r))

// Baseline (SQLite only): node:http + better-sqlite3, the same rows.
let baselineSeconds
if (dialect === "sqlite") {
  const Sqlite = (await import("better-sqlite3")).default
  const conn = new Sqlite(Path.join(dir, "baseline.db"))
  conn.pragma("journal_mode = WAL")
  conn.pragma("synchronous = FULL")
  conn.exec(`CREATE TABLE usage_events (tenant_id TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL,
    type TEXT NOT NULL, subject TEXT NOT NULL, occurred_at TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id))`)
  const insert = conn.prepare(
    "INSERT OR IGNORE INTO usage_events (tenant_id, id, source, type, subject, occurred_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
  )
  const insertAll = conn.transaction((events) => {
    let accepted = 0
    for (const e of events)
      accepted += insert.run("t", e.id, e.source, e.type, e.subject, e.time, JSON.stringify(e.data)).changes
    return accepted
  })
  const bare = Http.createServer((req, res) => {
    const chunks = []
    req.on("data", (c) => chunks.push(c))
    req.on("end", () => {
      const events = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      const accepted = insertAll(events)
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ accepted, duplicates: events.length - accepted }))
    })
  })
  const port = await new Promise((r) => bare.listen(0, "127.0.0.1", () => r(bare.address().port)))
  baselineSeconds = await run(`http://127.0.0.1:${port}`, "/events", (r, b) => {
    if (r.status !== 200 || r.body.accepted !== JSON.parse(bodies[b]).length) throw new Error(`baseline batch ${b}`)
  })
  bare.close()
  conn.close()
}
Fs.rmSync(dir, { recursive: true, force: true })
await db?.dispose()

const rate = (s) => Math.round(EVENTS / s)
const lines = [
  `\`node bench/billing-ingest.mjs --events ${EVENTS} --clients ${CLIENTS}${dialect === "postgres" ? " --postgres" : ""}\`: a real \`signet serve\` on ${dialect === "sqlite" ? "SQLite (synchronous=FULL)" : "Postgres (row-level security)"}; ${BATCHES} batches of 1,000 usage events from ${CLIENTS} concurrent clients (operator token).`,
  "",
  "| server | time | events/s |",
  "|---|---|---|",
  `| Signet \`POST …/billing/events\` | ${signetSeconds.toFixed(2)} s | ${rate(signetSeconds).toLocaleString("en")} |`,
  ...(baselineSeconds
    ? [
        `| baseline: bare \`node:http\` + better-sqlite3 \`INSERT OR IGNORE\` | ${baselineSeconds.toFixed(2)} s | ${rate(baselineSeconds).toLocaleString("en")} |`,
        `| ratio Signet / baseline | | ${(baselineSeconds / signetSeconds).toFixed(2)}× |`
      ]
    : []),
  "",
  `Goal (issue 20): ≥ 20,000 events/s on SQLite (Lago publishes 10,000/s for its Postgres setup). The first batch sent again answered \`accepted: 0, duplicates: 1000\`.`
]
writeSection(`Billing: usage ingestion (${dialect})`, lines.join("\n"))
console.log(lines.join("\n"))
