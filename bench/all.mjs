#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark of the repository, one after the other
 * (they must not share the 2 cores), each writing its own section of
 * docs/benchmarks.md; then a sizing table in the style of Keycloak's sizing
 * guide, computed from those sections. Postgres figures are included when
 * SIGNET_BENCH_PG_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test).
 *
 *   node bench/all.mjs [--skip name,name]
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const skipAt = process.argv.indexOf("--skip")
const skip = new Set(skipAt < 0 ? [] : process.argv[skipAt + 1].split(","))
// --sizing-only: no benchmark runs; the sizing table is recomputed from the sections already written.
const sizingOnly = process.argv.includes("--sizing-only")
const scripts = [
  ["startup", []],
  ["login", []],
  ["peer-better-auth", []],
  ["refresh-parts", []],
  ["permission-check", []],
  ["academics", []],
  ["attendance", []],
  ["beacon-verify", []],
  ["beacon-e2e", []],
  ["crash", []],
  ["replicas", []],
  ["fuzz", []],
  ["memory", []],
  ["binary", []]
]
const timings = []
for (const [name, args] of scripts) {
  if (sizingOnly || skip.has(name)) continue
  const file = Path.join(root, "bench", `${name}.mjs`)
  if (!Fs.existsSync(file)) continue
  if (name === "binary" && !Fs.existsSync(Path.join(root, "dist", "signet"))) {
    process.stderr.write("bench: no dist/signet (npm run build:binary first); skipping the binary figures\n")
    continue
  }
  process.stderr.write(`\n=== bench/${name}.mjs ===\n`)
  const t0 = Date.now()
  const r = spawnSync(process.execPath, [file, ...args], { cwd: root, stdio: "inherit", env: process.env })
  timings.push({ name, seconds: (Date.now() - t0) / 1000, status: r.status })
  if (r.status !== 0) process.stderr.write(`bench/${name}.mjs exited with ${r.status}\n`)
}

// Sizing, from the sections just written.
const text = Fs.readFileSync(Path.join(root, "docs", "benchmarks.md"), "utf8")
const num = (re) => {
  const m = re.exec(text)
  return m ? Number(m[1].replace(/,/g, "")) : null
}
const logins = num(/password logins\/s[^|]*\| ([\d.,]+)/)
const refreshPerCore = num(/refresh rotations per server CPU-second \(per core\) \| ([\d.,]+)/)
const signCpuMs = num(/\| Signet, SQLite \(synchronous=FULL\) \| [\d,]+\/s \| [\d.]+ ms \| [\d.]+ ms \| ([\d.]+) ms/)
const signPgCpuMs = num(/\| Signet, Postgres \| [\d,]+\/s \| [\d.]+ ms \| [\d.]+ ms \| ([\d.]+) ms/)
const verifyEs256 = num(/\| ES256 \(ECDSA P-256[^|]*\| ([\d,]+)/)
const proofCpuMs = num(/server CPU per proof \| ([\d.]+) ms/)
// The binary's idle RSS in the steady state (after V8's memory reducer), else the first idle RSS figure.
const rssBinary = num(/idle RSS \d+ s after ready, one run[^|]*\| ([\d.]+) MB/) ?? num(/idle RSS[^|]*\| ([\d.]+) MB/)
const rows = [
  [
    "password logins (argon2id m=19 MiB, t=2)",
    logins === null ? null : logins / 2,
    "/s per core",
    "the 2 cores were saturated"
  ],
  ["refresh-token rotations", refreshPerCore, "/s per core", "server CPU-seconds"],
  [
    "QR signatures (SQLite, synchronous=FULL)",
    signCpuMs ? 1000 / signCpuMs : null,
    "/s per core",
    "1 / server CPU per attempt"
  ],
  [
    "QR signatures (Postgres; the database's own CPU not included)",
    signPgCpuMs ? 1000 / signPgCpuMs : null,
    "/s per core",
    "1 / server CPU per attempt"
  ],
  [
    "beacon proofs end to end (SQLite)",
    proofCpuMs ? 1000 / proofCpuMs : null,
    "/s per core",
    "1 / server CPU per proof"
  ],
  ["beacon signature verifications (ES256)", verifyEs256, "/s per core", "node:crypto"]
]
const f = (x) => (x === null ? "—" : x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1))
const need = (perCore, load) => (perCore ? Math.max(1, Math.ceil(load / perCore)) : "—")
writeSection(
  "Sizing",
  [
    "Per-core figures of one `signet serve` replica, from the sections above (Keycloak's sizing guide style): divide the load you expect at peak by the figure to get the cores, then add headroom (Keycloak suggests 150 % for spikes). A replica is single-threaded for requests (Node); run one replica per core behind a load balancer on Postgres to use more cores — SQLite is one replica.",
    "",
    "| Operation | Per core | Basis |",
    "|---|---|---|",
    ...rows.map(([name, v, unit, basis]) => `| ${name} | ${f(v)}${v === null ? "" : unit} | ${basis} |`),
    `| memory per replica (idle RSS) | ${rssBinary === null ? "—" : `${rssBinary} MB`} | the single binary, idle (steady state) |`,
    "",
    "Cores for a school-morning peak (before headroom):",
    "",
    "| Peak | Logins/s | QR signatures/s | Cores (logins) | Cores (signatures, SQLite) |",
    "|---|---|---|---|---|",
    ...[
      ["a school of 1,500 students (everyone in 5 minutes)", 5, 5],
      ["a district of 20,000 students (signing within the opening minute)", 30, 333],
      ["9,000 students within one minute (the sign-burst scenario)", 0, 150]
    ].map(([label, l, s]) => `| ${label} | ${l} | ${s} | ${l ? need(rows[0][1], l) : "—"} | ${need(rows[2][1], s)} |`),
    "",
    timings.length === 0
      ? "Recomputed from the sections above (`node bench/all.mjs --sizing-only`); each section names its own commit."
      : `Run of \`npm run bench\`: ${timings.map((t) => `${t.name} ${t.seconds.toFixed(0)} s${t.status === 0 ? "" : ` (exit ${t.status})`}`).join(", ")}.`
  ].join("\n")
)
process.stderr.write("sizing written to docs/benchmarks.md\n")
