#!/usr/bin/env node
/**
 * Memory under load (issue 23 goal 3): a real `signet serve` (repository
 * build, SQLite) gets rounds of mixed requests from 16 connections —
 * authenticated `GET …/me` and `GET …/users`, refresh-token rotations,
 * setting changes (a write with its audit row and outbox event) and
 * `GET /health` — and rests between rounds.
 *
 * 1. Resident set: `/proc/<pid>/status` and the V8 heap in use
 *    (`nodejs_heap_size_used_bytes` from `/metrics`) when idle before the
 *    first round and after each round's rest. Goal: RSS after 100,000
 *    requests within 20 % of the idle figure.
 * 2. Leak check, on a second server (a heap snapshot costs the process
 *    memory it keeps, so it would distort phase 1): after each round's rest
 *    the server writes a heap snapshot (`--heapsnapshot-signal`; V8 collects
 *    garbage first) and the live heap is the total of its objects' sizes.
 *    A leak shows as a live heap that grows round after round; the heap in
 *    use of phase 1 includes garbage not yet collected and cannot tell.
 *
 * BENCH_NODE_OPTIONS (e.g. `--max-old-space-size=256`) is given to phase 1's
 * server as NODE_OPTIONS, to try V8 heap settings.
 *
 *   node bench/memory.mjs [--rounds 5] [--per-round 20000] [--rest-seconds 30]
 *                         [--leak-rounds 3] [--leak-per-round 10000]
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { writeSection } from "./report.mjs"
import { startSignet } from "./server.mjs"

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}
const ROUNDS = arg("rounds", 5)
const PER_ROUND = arg("per-round", 20_000)
const REST_MS = arg("rest-seconds", 30) * 1000
const LEAK_ROUNDS = arg("leak-rounds", 3)
const LEAK_PER_ROUND = arg("leak-per-round", 10_000)
const CLIENTS = 16
const PASSWORD = "correct horse battery staple 42"
const SLUG = "memory"
const zones = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"]

/** Resident set of a process, MB: total, anonymous and file-backed. */
const rss = (pid) => {
  const status = Fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A server with a tenant, its admin's access token and one refresh chain per connection. */
const prepare = async (env) => {
  const signet = await startSignet("memory", { SIGNET_RATE_LOGIN_IP: "off", SIGNET_RATE_LOGIN_ACCOUNT: "off", ...env })
  await signet.post("/api/v1/tenants", {
    slug: SLUG,
    name: "Memory",
    admin: { email: `admin@${SLUG}.example.edu`, password: PASSWORD, given_name: "A", family_name: "B" }
  })
  const login = () =>
    signet.post(
      `/api/v1/tenants/${SLUG}/auth/login`,
      { login: `admin@${SLUG}.example.edu`, password: PASSWORD },
      { token: "-" }
    )
  const access = (await login()).tokens.access_token
  const chains = []
  for (let i = 0; i < CLIENTS; i++) chains.push((await login()).tokens.refresh_token)
  const base = `${signet.url}/api/v1/tenants/${SLUG}`
  const bearer = { authorization: `Bearer ${access}` }

  /** Request `n` of the mix, on connection `k`; true when answered as expected. */
  const one = async (n, k) => {
    const kind = n % 10
    let r
    if (kind < 4) r = await fetch(`${base}/me`, { headers: bearer })
    else if (kind < 6) r = await fetch(`${base}/users?limit=20`, { headers: bearer })
    else if (kind < 8) {
      r = await fetch(`${base}/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: chains[k] })
      })
      const body = await r.json()
      if (r.status === 200) chains[k] = body.refresh_token
      return r.status === 200
    } else if (kind === 8) {
      r = await fetch(`${base}/settings/general.timezone`, {
        method: "PUT",
        headers: { authorization: `Bearer ${signet.token}`, "content-type": "application/json" },
        body: JSON.stringify({ value: zones[n % zones.length] })
      })
    } else r = await fetch(`${signet.url}/health`)
    await r.arrayBuffer()
    return r.status === 200
  }

  /** `count` requests of the mix from `CLIENTS` connections: failures and seconds. */
  const round = async (count) => {
    let next = 0
    let failed = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, k) => {
        for (let n = next++; n < count; n = next++) if (!(await one(n, k))) failed++
      })
    )
    return { failed, seconds: (performance.now() - t0) / 1000 }
  }

  /** V8 heap in use, MB, as the server reports it on /metrics. */
  const heapInUse = async () => {
    const r = await fetch(`${signet.url}/metrics`, { headers: { authorization: `Bearer ${signet.token}` } })
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)$/m.exec(await r.text())
    if (!m) throw new Error("no nodejs_heap_size_used_bytes on /metrics")
    return Number(m[1]) / 1e6
  }

  /** The live heap, MB: a snapshot written by the server (after a full GC), the total of its objects' sizes. */
  const liveHeap = async () => {
    const before = new Set(Fs.readdirSync(signet.dir))
    process.kill(signet.server.pid, "SIGUSR2")
    let file
    for (let last = -1; ; ) {
      await sleep(500)
      file ??= Fs.readdirSync(signet.dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f))
      if (file === undefined) continue
      const size = Fs.statSync(Path.join(signet.dir, file)).size
      if (size === last && size > 0) break
      last = size
    }
    const path = Path.join(signet.dir, file)
    const snapshot = JSON.parse(Fs.readFileSync(path, "utf8"))
    Fs.rmSync(path)
    const fields = snapshot.snapshot.meta.node_fields
    let total = 0
    for (let i = fields.indexOf("self_size"); i < snapshot.nodes.length; i += fields.length) total += snapshot.nodes[i]
    return total / 1e6
  }
  return { signet, round, heapInUse, liveHeap }
}

// Phase 1: resident set.
const phase1 = await prepare(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {})
const pid = phase1.signet.server.pid
await sleep(REST_MS)
const samples = [{ label: "idle, before the first round", ...rss(pid), heap: await phase1.heapInUse() }]
const runs = []
for (let i = 0; i < ROUNDS; i++) {
  const r = await phase1.round(PER_ROUND)
  runs.push(r)
  const busy = rss(pid).rss
  process.stderr.write(
    `round ${i + 1} of ${ROUNDS}: ${PER_ROUND} requests in ${r.seconds.toFixed(1)} s, ${r.failed} failed\n`
  )
  await sleep(REST_MS)
  samples.push({
    label: `after round ${i + 1} (${(PER_ROUND * (i + 1)).toLocaleString("en")} requests) and ${REST_MS / 1000} s of rest`,
    ...rss(pid),
    heap: await phase1.heapInUse(),
    busy
  })
}
phase1.signet.stop()

// Phase 2: live heap per round, from heap snapshots.
const phase2 = await prepare({ NODE_OPTIONS: "--heapsnapshot-signal=SIGUSR2" })
const live = [{ label: "idle", mb: await phase2.liveHeap() }]
let leakFailed = 0
for (let i = 0; i < LEAK_ROUNDS; i++) {
  leakFailed += (await phase2.round(LEAK_PER_ROUND)).failed
  await sleep(5_000)
  live.push({ label: `after ${(LEAK_PER_ROUND * (i + 1)).toLocaleString("en")} requests`, mb: await phase2.liveHeap() })
  process.stderr.write(
    `leak check: ${live[live.length - 1].label}: live heap ${live[live.length - 1].mb.toFixed(1)} MB\n`
  )
}
phase2.signet.stop()

const idle = samples[0]
const last = samples[samples.length - 1]
const failed = runs.reduce((a, r) => a + r.failed, 0) + leakFailed
const rate = (PER_ROUND * ROUNDS) / runs.reduce((a, r) => a + r.seconds, 0)
// Growth per round of the live heap from the first round on (the first fills caches; idle is before it).
const slope = live.length >= 3 ? (live[live.length - 1].mb - live[1].mb) / (live.length - 2) : 0
const ok = (b) => (b ? "✓" : "✗")
const lines = [
  `A \`signet serve\` (repository build, Node ${process.version}, SQLite${process.env.BENCH_NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.BENCH_NODE_OPTIONS} in phase 1` : ""}) gets rounds of mixed requests from ${CLIENTS} connections (per 10: 4 authenticated \`GET …/me\`, 2 \`GET …/users?limit=20\`, 2 refresh rotations, 1 setting change with its audit row and outbox event, 1 \`GET /health\`). Resident set from /proc/<pid>/status and V8 heap in use (\`nodejs_heap_size_used_bytes\`, garbage included) after each round and ${REST_MS / 1000} s of rest; ${rate.toFixed(0)} requests/s overall; ${failed} requests failed (both phases).`,
  "",
  "| when | RSS (anonymous + file-backed) | V8 heap in use | RSS at the round's end |",
  "|---|---|---|---|",
  ...samples.map(
    (s) =>
      `| ${s.label} | ${s.rss.toFixed(1)} MB (${s.anon.toFixed(0)} + ${s.file.toFixed(0)}) | ${s.heap.toFixed(1)} MB | ${s.busy === undefined ? "" : `${s.busy.toFixed(0)} MB`} |`
  ),
  "",
  `Leak check on a second server (heap snapshots, which collect garbage first; ${LEAK_ROUNDS} rounds of ${LEAK_PER_ROUND.toLocaleString("en")} requests, 5 s of rest each): live heap ${live.map((l) => `${l.mb.toFixed(1)} MB ${l.label}`).join(", ")}.`,
  "",
  "| figure | value | goal |",
  "|---|---|---|",
  `| RSS after ${(PER_ROUND * ROUNDS).toLocaleString("en")} requests ÷ idle RSS | ${(last.rss / idle.rss).toFixed(2)}× | ≤ 1.20× ${ok(last.rss / idle.rss <= 1.2)} |`,
  `| live heap growth per round of ${LEAK_PER_ROUND.toLocaleString("en")} requests (after the first) | ${slope >= 0 ? "+" : ""}${slope.toFixed(2)} MB | no steady growth |`,
  "",
  `1-minute load average at the end: ${Os.loadavg()[0].toFixed(1)} (2 cores).`
]
process.stdout.write(`${lines.join("\n")}\n`)
writeSection("Memory under load (issue 23 goal 3)", lines.join("\n"))
