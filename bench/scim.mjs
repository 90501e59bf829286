#!/usr/bin/env node
/**
 * SCIM 2.0 provisioning throughput (issue 19 "the note reports … SCIM
 * creates per second"), written to docs/benchmarks.md.
 *
 * A real `signet serve` (SQLite, synchronous=FULL, rate limits off). Setup
 * (not timed): a tenant and a SCIM token minted over REST. Timed: N
 * `POST /t/bench/scim/v2/Users` in the shape Microsoft Entra ID sends
 * (core schema + enterprise extension, `userType` Teacher), C concurrent
 * clients; each create checks uniqueness, creates the Signet user with its
 * default role, links it, and writes audit rows and events in one
 * transaction. Reported: creates/s and per-request p50/p99. Then a
 * `userName eq` lookup (what the IdP sends before each create) is timed
 * over the provisioned directory.
 *
 *   node bench/scim.mjs [--users 1000] [--concurrency 8]
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}
const N = arg("users", 1000)
const C = arg("concurrency", 8)
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-scim-"))
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  SIGNET_RATE_API_USER: "off",
  SIGNET_RATE_API_KEY: "off",
  SIGNET_LOG_LEVEL: "none"
}
spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))
const server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
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
const op = { authorization: `Bearer ${config.SIGNET_BOOTSTRAP_TOKEN}`, "content-type": "application/json" }
const request = async (method, path, body, headers) => {
  const r = await fetch(url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: r.status, body: await r.json().catch(() => null) }
}
await request("POST", "/api/v1/tenants", { slug: "bench", name: "Bench" }, op)
const minted = await request("POST", "/api/v1/tenants/bench/scim/tokens", { name: "bench" }, op)
if (minted.status !== 201) throw new Error(`token: ${minted.status} ${JSON.stringify(minted.body)}`)
const scim = { authorization: `Bearer ${minted.body.token}`, "content-type": "application/scim+json" }
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
const user = (i) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
  externalId: `ext-${i}`,
  userName: `user${i}@bench.example.edu`,
  active: true,
  displayName: `User ${i}`,
  emails: [{ primary: true, type: "work", value: `user${i}@bench.example.edu` }],
  name: { givenName: "User", familyName: String(i) },
  userType: "Teacher",
  [ENTERPRISE]: { employeeNumber: String(i), department: "Bench" }
})
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

process.stderr.write(`${N} SCIM creates, ${C} clients…\n`)
let next = 0
const latencies = []
const t0 = performance.now()
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < N) {
      const i = next++
      const s = performance.now()
      const r = await request("POST", "/t/bench/scim/v2/Users", user(i), scim)
      latencies.push(performance.now() - s)
      if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${JSON.stringify(r.body)}`)
    }
  })
)
const elapsed = (performance.now() - t0) / 1000

const lookups = []
for (let i = 0; i < 200; i++) {
  const name = encodeURIComponent(`userName eq "user${(i * 37) % N}@bench.example.edu"`)
  const s = performance.now()
  const r = await request("GET", `/t/bench/scim/v2/Users?filter=${name}`, undefined, scim)
  lookups.push(performance.now() - s)
  if (r.body?.totalResults !== 1) throw new Error(`lookup ${i}: ${JSON.stringify(r.body)}`)
}
server.kill("SIGTERM")
Fs.rmSync(dir, { recursive: true, force: true })

const ms = (x) => x.toFixed(1)
const lines = [
  `\`node bench/scim.mjs --users ${N} --concurrency ${C}\`: a real \`signet serve\` (SQLite, synchronous=FULL), Entra-shaped`,
  "`POST /t/{slug}/scim/v2/Users` bodies (core + enterprise extension) with a SCIM token; rate limits off.",
  "",
  "| step | figure |",
  "|---|---|",
  `| ${N} creates (user + default role + SCIM link + audit + events, one transaction each) | ${elapsed.toFixed(2)} s |`,
  `| SCIM creates per second | ${(N / elapsed).toFixed(0)} /s |`,
  `| create latency p50 / p99 | ${ms(pct(latencies, 50))} / ${ms(pct(latencies, 99))} ms |`,
  `| \`userName eq\` lookup over ${N} users, p50 / p99 (200 sequential) | ${ms(pct(lookups, 50))} / ${ms(pct(lookups, 99))} ms |`
]
writeSection("SCIM provisioning: creates per second", lines.join("\n"))
console.log(lines.join("\n"))
