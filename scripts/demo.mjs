#!/usr/bin/env node
/**
 * `npm start` — the main job: a Signet installation on SQLite, from nothing.
 *
 * 1. `signet init` in ./.signet-demo (data directory, master key, config);
 * 2. `signet serve` on SIGNET_PORT (default 8080, or the next free port);
 * 3. onboards the demo tenant through the REST API (idempotent);
 * 4. runs a school day on it (scripts/school-day.mjs): roster and timetable
 *    imports, beacons, signatures by beacon and QR, latecomers, roll calls,
 *    an excuse, the close job, and prints the day's report (and a CSV);
 * 5. prints the web app's URL with an admin's, a teacher's and a student's
 *    credentials, the /docs link, and keeps serving
 *    until Ctrl-C (`--exit` stops after step 4, for scripts and tests).
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { formatDay, schoolDay } from "./school-day.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")
const dir = Path.resolve(process.env.SIGNET_DEMO_DIR ?? Path.join(root, ".signet-demo"))
const exitAfter = process.argv.includes("--exit")
const started = Date.now()
const step = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`)

const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
)

if (!Fs.existsSync(Path.join(root, "packages/cli/dist/main.js"))) {
  step("building (tsc -b)…")
  const b = spawnSync("npx", ["tsc", "-b"], { cwd: root, stdio: "inherit" })
  if (b.status !== 0) process.exit(b.status ?? 1)
}

Fs.mkdirSync(dir, { recursive: true })
if (!Fs.existsSync(Path.join(dir, "signet.json"))) {
  step(`signet init in ${dir}`)
  const r = spawnSync(process.execPath, [bin, "init", "--json"], { cwd: dir, env, encoding: "utf8" })
  if (r.status !== 0) {
    process.stderr.write(r.stderr)
    process.exit(r.status ?? 1)
  }
} else {
  step(`reusing ${dir} (delete it to start over)`)
}
const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))

const free = (port) =>
  new Promise((resolve) => {
    const s = Net.createServer()
    s.once("error", () => resolve(false))
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)))
  })
let port = Number(process.env.SIGNET_PORT ?? 8080)
while (!(await free(port))) port++

step(`signet serve on port ${port}`)
const server = spawn(process.execPath, [bin, "serve", "--port", String(port)], {
  cwd: dir,
  env,
  stdio: ["ignore", "pipe", "inherit"]
})
const url = await new Promise((resolve, reject) => {
  let out = ""
  const onData = (b) => {
    out += b
    const m = /"msg":"listening","url":"([^"]+)"/.exec(out)
    if (m) {
      server.stdout.off("data", onData)
      resolve(m[1])
    }
  }
  server.stdout.on("data", onData)
  server.once("exit", (code) => reject(new Error(`signet serve exited with ${code}`)))
})
server.stdout.resume()

const api = async (method, path, body) => {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${config.SIGNET_BOOTSTRAP_TOKEN}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {})
  })
  return { status: res.status, body: await res.json() }
}

const ready = await fetch(`${url}/ready`)
step(`/ready answered ${ready.status}`)
const slug = "demo-school"
const adminEmail = `admin@${slug}.example.edu`
const credentialsFile = Path.join(dir, "demo-admin.json")
let tenant = await api("GET", `/api/v1/tenants/${slug}`)
if (tenant.status === 404) {
  const password = `demo-${randomBytes(9).toString("base64url")}`
  Fs.writeFileSync(credentialsFile, JSON.stringify({ email: adminEmail, password }, null, 2), { mode: 0o600 })
  tenant = await api("POST", "/api/v1/tenants", {
    slug,
    name: "Demo School",
    region: "eu",
    plan: "pro",
    admin: { email: adminEmail, password, given_name: "Demo", family_name: "Admin" }
  })
  step(`onboarded tenant ${slug} with its first admin (${tenant.status})`)
} else {
  step(`tenant ${slug} already onboarded`)
}
const admin = JSON.parse(Fs.readFileSync(credentialsFile, "utf8"))
const login = await fetch(`${url}/api/v1/tenants/${slug}/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ login: admin.email, password: admin.password, device_label: "npm start" })
}).then((r) => r.json())
step(`admin login: ${login.status}`)
if (tenant.status >= 300) {
  console.error("onboarding failed:", JSON.stringify(tenant.body))
  server.kill("SIGTERM")
  process.exit(1)
}
let day
try {
  day = await schoolDay({
    root,
    url,
    slug,
    admin: login.tokens.access_token,
    operator: config.SIGNET_BOOTSTRAP_TOKEN,
    dir,
    step
  })
} catch (e) {
  console.error(`the school day failed: ${e.message}`)
  server.kill("SIGTERM")
  process.exit(1)
}
console.log(`\n${formatDay(day)}\n  CSV: ${day.csvFile}\n`)
const verify = await api("GET", `/api/v1/tenants/${slug}/audit-logs/verify`)

console.log(`
Signet is running.
  Web app        ${url}/t/${slug}/login
                 admin    ${admin.email} / ${admin.password}
                 teacher  ${day.browser.teacher.email} / ${day.browser.teacher.password}
                          (Today → ${day.browser.course.name}: classroom screen with the rotating QR, live roll)
                 student  ${day.browser.student.email} / ${day.browser.student.password}
                          (open the screen's QR link in another browser window and sign; for phones, serve on
                          your network: SIGNET_HOST=0.0.0.0 SIGNET_PUBLIC_URL=http://<this machine>:8080)
  URL            ${url}
  API docs       ${url}/docs   (OpenAPI: ${url}/openapi.json)
  Operator token ${config.SIGNET_BOOTSTRAP_TOKEN}
                 (platform endpoints; stored in ${Path.join(dir, "signet.json")})
  Demo tenant    ${slug}  id ${tenant.body.id}  status ${tenant.body.status}
  Tenant admin   ${admin.email} / ${admin.password}   (stored in ${credentialsFile})
  Log in         POST ${url}/api/v1/tenants/${slug}/auth/login  {"login": "${admin.email}", "password": "…"}
                 then use the access_token as "Bearer" in /docs → Authorize (valid 15 min; refresh with …/auth/refresh)
  Audit chain    ${verify.body.ok ? "verified" : "BROKEN"} (${verify.body.checked} rows)
  Explore        in /docs → Authorize with the admin's access token, then try
                 GET /api/v1/tenants/${slug}/courses/${day.courses[1].id}/roll
                 GET /api/v1/tenants/${slug}/attendance/report?scope=school&id=${day.school.id}
                 GET /api/v1/tenants/${slug}/beacons
  Database       ${config.DATABASE_URL}
Try: curl -H "authorization: Bearer ${config.SIGNET_BOOTSTRAP_TOKEN}" ${url}/api/v1/tenants/${slug}/settings
`)

if (exitAfter) {
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  step(`stopped (--exit); the whole run took ${((Date.now() - started) / 1000).toFixed(1)} s`)
} else {
  console.log(`Open the web app: ${url}/t/${slug}/login\nPress Ctrl-C to stop.`)
  const stop = () => server.kill("SIGTERM")
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
  server.once("exit", (code) => process.exit(code ?? 0))
}
