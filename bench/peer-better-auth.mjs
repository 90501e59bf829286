#!/usr/bin/env node
/**
 * Signet beside better-auth, its closest TypeScript peer, in one run on this
 * machine (issue 23 goal 2: "≥ 2× better-auth on authenticated reads and on
 * refresh, measured side by side in one run").
 *
 * Installs better-auth (pinned, `--ignore-scripts`) into a temporary
 * directory and serves it with `node:http` (`toNodeHandler`), e-mail and
 * password sign-in and the JWT plugin, on better-sqlite3 (the repository's
 * own build) with the same pragmas as Signet (WAL, `synchronous=FULL`) and
 * its rate limiter off. Signet is a real `signet serve` (repository build,
 * SQLite). Same load client for both: 16 connections, 5 s slices, the two
 * servers alternating for 3 rounds, so a drift in the machine's speed touches
 * both alike; each figure with the server's CPU per request (/proc).
 *
 * - authenticated read: Signet `GET …/me` (access token) vs better-auth
 *   `GET /api/auth/get-session` (session cookie; no cookie cache, so a
 *   database read like Signet's);
 * - refresh: Signet's refresh-token rotation (`POST …/auth/refresh`, each
 *   connection chaining its own session) vs better-auth's JWT endpoint
 *   (`GET /api/auth/token`: a session lookup and a signed JWT).
 *
 *   node bench/peer-better-auth.mjs [--seconds 5] [--rounds 3]
 *
 * Writes the section "Peer: better-auth" of docs/benchmarks.md.
 */
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { writeSection } from "./report.mjs"
import { root, startSignet } from "./server.mjs"

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}
const SECONDS = arg("seconds", 5)
const ROUNDS = arg("rounds", 3)
const BETTER_AUTH = "1.7.29"
const CLIENTS = 16
const PASSWORD = "benchmark passphrase 2026"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-peer-ba-"))
process.stderr.write(`installing better-auth@${BETTER_AUTH}…\n`)
Fs.writeFileSync(Path.join(dir, "package.json"), JSON.stringify({ name: "peer", private: true, type: "module" }))
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", `better-auth@${BETTER_AUTH}`], {
  cwd: dir,
  stdio: ["ignore", "ignore", "inherit"]
})
Fs.writeFileSync(
  Path.join(dir, "server.mjs"),
  `import * as Http from "node:http"
import { createRequire } from "node:module"
import { betterAuth } from "better-auth"
import { getMigrations } from "better-auth/db/migration"
import { toNodeHandler } from "better-auth/node"
import { jwt } from "better-auth/plugins"
const Database = createRequire(${JSON.stringify(Path.join(root, "package.json"))})("better-sqlite3")
const db = new Database(${JSON.stringify(Path.join(dir, "auth.db"))})
db.pragma("journal_mode = WAL")
db.pragma("synchronous = FULL")
const server = Http.createServer()
await new Promise((r) => server.listen(0, "127.0.0.1", r))
const baseURL = "http://127.0.0.1:" + server.address().port
const auth = betterAuth({
  database: db,
  baseURL,
  secret: "peer-benchmark-secret-0123456789abcdef",
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  plugins: [jwt()]
})
const { runMigrations } = await getMigrations(auth.options)
await runMigrations()
server.on("request", toNodeHandler(auth))
process.stdout.write(JSON.stringify({ url: baseURL }) + "\\n")
`
)
const peer = spawn(process.execPath, [Path.join(dir, "server.mjs")], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] })
const peerUrl = await new Promise((resolve, reject) => {
  let out = ""
  peer.stdout.on("data", (b) => {
    out += b
    if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]).url)
  })
  peer.once("exit", (code) => reject(new Error(`better-auth server exited (${code})`)))
})

/** CPU seconds (user + system) of process `pid` so far. */
const cpuOf = (pid) => {
  const f = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(f[11]) + Number(f[12])) / 100
}

// better-auth: one user, signed in once (the session cookie).
const baPost = (path, body) =>
  fetch(peerUrl + path, {
    method: "POST",
    headers: { "content-type": "application/json", origin: peerUrl },
    body: JSON.stringify(body)
  })
const signUp = await baPost("/api/auth/sign-up/email", { email: "bench@peer.example", password: PASSWORD, name: "B" })
if (!signUp.ok) throw new Error(`better-auth sign-up: ${signUp.status} ${await signUp.text()}`)
const signIn = await baPost("/api/auth/sign-in/email", { email: "bench@peer.example", password: PASSWORD })
const cookie = signIn.headers
  .getSetCookie()
  .map((c) => c.split(";")[0])
  .join("; ")
const baSession = await fetch(`${peerUrl}/api/auth/get-session`, { headers: { cookie } })
if (!(await baSession.json())?.user) throw new Error("better-auth: no session after sign-in")

// Signet: a tenant, 16 users signed in (one refresh chain each).
const signet = await startSignet("peer", {
  SIGNET_RATE_API_USER: "off",
  SIGNET_RATE_LOGIN_IP: "off",
  SIGNET_RATE_LOGIN_ACCOUNT: "off"
})
await signet.post("/api/v1/tenants", {
  slug: "peer",
  name: "Peer",
  admin: { email: "admin@peer.example.edu", password: PASSWORD, given_name: "A", family_name: "B" }
})
const login = () =>
  signet.post(
    "/api/v1/tenants/peer/auth/login",
    { login: "admin@peer.example.edu", password: PASSWORD },
    { token: "-" }
  )
const access = (await login()).tokens.access_token
const chains = []
for (let i = 0; i < CLIENTS; i++) chains.push((await login()).tokens.refresh_token)

/** `one` from 16 connections for `seconds`: requests done, errors, seconds and the server's CPU. */
const slice = async (pid, one) => {
  let done = 0
  let errors = 0
  const c0 = cpuOf(pid)
  const t0 = performance.now()
  const until = Date.now() + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, k) => {
      while (Date.now() < until) {
        if (await one(k)) done++
        else errors++
      }
    })
  )
  return { done, errors, seconds: (performance.now() - t0) / 1000, cpu: cpuOf(pid) - c0 }
}

const kinds = {
  "signet-read": [
    signet.server.pid,
    async () => {
      const r = await fetch(`${signet.url}/api/v1/tenants/peer/me`, { headers: { authorization: `Bearer ${access}` } })
      await r.arrayBuffer()
      return r.status === 200
    }
  ],
  "ba-read": [
    peer.pid,
    async () => {
      const r = await fetch(`${peerUrl}/api/auth/get-session`, { headers: { cookie } })
      const body = await r.json()
      return r.status === 200 && body?.user !== undefined
    }
  ],
  "signet-refresh": [
    signet.server.pid,
    async (k) => {
      const r = await fetch(`${signet.url}/api/v1/tenants/peer/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: chains[k] })
      })
      const body = await r.json()
      if (r.status !== 200) return false
      chains[k] = body.refresh_token
      return true
    }
  ],
  "ba-token": [
    peer.pid,
    async () => {
      const r = await fetch(`${peerUrl}/api/auth/token`, { headers: { cookie } })
      const body = await r.json()
      return r.status === 200 && typeof body?.token === "string"
    }
  ]
}
const totals = Object.fromEntries(Object.keys(kinds).map((k) => [k, { done: 0, errors: 0, seconds: 0, cpu: 0 }]))
// Warm-up: each kind once, briefly.
for (const [, one] of Object.values(kinds)) for (let i = 0; i < 200; i++) await one(i % CLIENTS)
for (let round = 0; round < ROUNDS; round++) {
  process.stderr.write(`round ${round + 1} of ${ROUNDS}…\n`)
  for (const [name, [pid, one]] of Object.entries(kinds)) {
    const r = await slice(pid, one)
    for (const key of Object.keys(r)) totals[name][key] += r[key]
  }
}
signet.stop()
peer.kill("SIGTERM")
Fs.rmSync(dir, { recursive: true, force: true })

const rate = (t) => t.done / t.seconds
const cpuMs = (t) => (t.cpu * 1000) / Math.max(1, t.done)
const row = (label, s, b) =>
  `| ${label} | ${rate(totals[s]).toFixed(0)}/s (${totals[s].errors} errors), ${cpuMs(totals[s]).toFixed(2)} ms CPU | ${rate(totals[b]).toFixed(0)}/s (${totals[b].errors} errors), ${cpuMs(totals[b]).toFixed(2)} ms CPU | ${(rate(totals[s]) / rate(totals[b])).toFixed(2)}× (${(cpuMs(totals[b]) / cpuMs(totals[s])).toFixed(2)}× by CPU) | ≥ 2× |`
const lines = [
  `better-auth ${BETTER_AUTH} (installed by the script; \`node:http\` + \`toNodeHandler\`, better-sqlite3 with WAL and \`synchronous=FULL\`, rate limiter off, JWT plugin) beside \`signet serve\` (repository build, SQLite), on the same machine in one run: the same client (${CLIENTS} connections, Node's fetch, on the same cores), ${ROUNDS} rounds of ${SECONDS} s slices alternating between the servers. CPU is the serving process's user + system time per request.`,
  "",
  "| figure | Signet | better-auth | Signet ÷ better-auth | goal |",
  "|---|---|---|---|---|",
  row("authenticated read: `GET …/me` vs `GET /api/auth/get-session`", "signet-read", "ba-read"),
  row("refresh: Signet's rotation vs `GET /api/auth/token` (JWT)", "signet-refresh", "ba-token")
]
writeSection("Peer: better-auth", lines.join("\n"))
console.log(lines.join("\n"))
