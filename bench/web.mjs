#!/usr/bin/env node
/**
 * The web app's budgets (issue 17 "Tests and budgets"), written to
 * docs/benchmarks.md:
 *
 * 1. JavaScript of the student's sign path (`/t/{slug}/sign`): the entry
 *    chunk, the sign page's chunk and everything they import statically,
 *    gzip -9 (budget ≤ 150 KB), from Vite's manifest of packages/web/dist;
 *    the whole app for comparison.
 * 2. Opening the sign URL to the result shown, on loopback with a cold
 *    cache (a fresh browser context holding only the session cookies), for
 *    `--runs` students (budget ≤ 1 s): median and worst.
 * 3. The classroom screen left open `--screen-minutes` (default 10; the
 *    budget is stated for 90) with the shortest QR step (5 s): the page's JS
 *    heap sampled every 30 s after a forced GC (CDP `HeapProfiler.collectGarbage`),
 *    growth from the first sample (budget: < 50 MB over 90 minutes).
 *
 * Against a real `signet serve` (SQLite, synchronous=FULL) and Debian's
 * Chromium (`/usr/bin/chromium`).
 *
 *   node bench/web.mjs [--runs 10] [--screen-minutes 10]
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"
import { chromium } from "playwright-core"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const RUNS = arg("runs", 10)
const SCREEN_MINUTES = arg("screen-minutes", 10)
const kb = (n) => `${(n / 1024).toFixed(1)} KB`

// 1. Bundle sizes --------------------------------------------------------------
const dist = Path.join(root, "packages/web/dist")
const manifest = JSON.parse(Fs.readFileSync(Path.join(dist, ".vite/manifest.json"), "utf8"))
const gz = (file) => Zlib.gzipSync(Fs.readFileSync(Path.join(dist, file)), { level: 9 }).length
const closure = (keys) => {
  const seen = new Set()
  const visit = (k) => {
    const c = manifest[k]
    if (!c || seen.has(c.file)) return
    seen.add(c.file)
    for (const i of c.imports ?? []) visit(i)
  }
  for (const k of keys) visit(k)
  return [...seen]
}
const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const signKey = Object.keys(manifest).find((k) => k.endsWith("pages/student/Sign.tsx"))
const signFiles = closure([entryKey, signKey])
const signJs = signFiles.reduce((n, f) => n + gz(f), 0)
const allJs = Object.values(manifest)
  .map((c) => c.file)
  .filter((f, i, a) => f.endsWith(".js") && a.indexOf(f) === i)
  .reduce((n, f) => n + gz(f), 0)
console.log(`sign path JS ${kb(signJs)} gzip (${signFiles.length} files); whole app ${kb(allJs)}`)

// A server ----------------------------------------------------------------------
const bin = Path.join(root, "packages/cli/bin/signet.js")
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-web-"))
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  SIGNET_RATE_API_USER: "off",
  SIGNET_RATE_API_KEY: "off",
  SIGNET_LOG_LEVEL: "none",
  SIGNET_RATE_LOGIN_IP: "off",
  SIGNET_RATE_LOGIN_ACCOUNT: "off"
}
spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))
const server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
  cwd: dir,
  env,
  stdio: ["ignore", "pipe", "inherit"]
})
const url = await new Promise((resolve, reject) => {
  let out = ""
  server.stdout.on("data", (d) => {
    out += d
    const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out)
    if (m) resolve(m[0])
  })
  server.once("exit", () => reject(new Error(`server exited: ${out}`)))
})
const api = async (method, path, body, token = config.SIGNET_BOOTSTRAP_TOKEN) => {
  const r = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined
  })
  const text = await r.text()
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}
const slug = "bench-web"
const password = "correct horse battery staple"
await api("POST", "/api/v1/tenants", {
  slug,
  name: "Bench",
  admin: { email: `admin@${slug}.example.edu`, password, given_name: "A", family_name: "D" }
})
const T = `/api/v1/tenants/${slug}`
const login = async (email) =>
  (await api("POST", `${T}/auth/login`, { login: email, password }, "")).tokens.access_token
const admin = await login(`admin@${slug}.example.edu`)
const school = await api("POST", `${T}/schools`, { name: "Bench School" }, admin)
const user = (name, user_type) =>
  api(
    "POST",
    `${T}/users`,
    {
      email: `${name}@${slug}.example.edu`,
      given_name: "B",
      family_name: name,
      user_type,
      password,
      school_id: school.id
    },
    admin
  )
const teacher = await user("teacher", "teacher")
const students = []
for (let i = 0; i < RUNS; i++) students.push(await user(`s${i}`, "student"))
const group = await api("POST", `${T}/groups`, { school_id: school.id, name: "G" }, admin)
await api("PUT", `${T}/groups/${group.id}/members`, { student_ids: students.map((s) => s.id) }, admin)
const course = await api(
  "POST",
  `${T}/courses`,
  {
    school_id: school.id,
    name: "Bench course",
    start_at: new Date(Date.now() - 60_000).toISOString(),
    end_at: new Date(Date.now() + (SCREEN_MINUTES + 30) * 60_000).toISOString(),
    teacher_ids: [teacher.id],
    group_ids: [group.id]
  },
  admin
)
const teacherToken = await login(`teacher@${slug}.example.edu`)

const browser = await chromium.launch({
  executablePath: process.env.SIGNET_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
})

/** A context holding `email`'s browser session (cookies only: nothing cached). */
const sessionState = async (email) => {
  const c = await browser.newContext({ baseURL: url })
  const r = await c.request.post(`${T}/web/login`, { data: { login: email, password } })
  if (!r.ok()) throw new Error(`web login ${email}: ${r.status()}`)
  const state = await c.storageState()
  await c.close()
  return state
}

// 2. Sign URL → result ------------------------------------------------------------
const times = []
for (let i = 0; i < RUNS; i++) {
  const storageState = await sessionState(`s${i}@${slug}.example.edu`)
  const { code } = await api("GET", `${T}/courses/${course.id}/qr`, undefined, teacherToken)
  const context = await browser.newContext({
    baseURL: url,
    storageState,
    viewport: { width: 390, height: 844 },
    isMobile: true
  })
  const page = await context.newPage()
  const t0 = performance.now()
  await page.goto(`/t/${slug}/sign?c=${course.id}&k=${code}`)
  await page.locator(".result-status").waitFor({ timeout: 30_000 })
  times.push(performance.now() - t0)
  const status = await page.locator(".result-status").textContent()
  if (status !== "ACCEPTED") throw new Error(`run ${i}: ${status}`)
  await context.close()
}
times.sort((a, b) => a - b)
const median = times[Math.floor(times.length / 2)]
const worst = times[times.length - 1]
console.log(`sign URL → result: median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms over ${RUNS}`)

// 3. Classroom screen memory -----------------------------------------------------------
let screen = "not measured: the classroom screen page is not in this build"
const screenPath = `/t/${slug}/teacher/courses/${course.id}/screen`
const hasScreen = Object.keys(manifest).some((k) => k.includes("pages/teacher/"))
if (hasScreen && SCREEN_MINUTES > 0) {
  await api("PUT", `${T}/schools/${school.id}/attendance-policy`, { qr_step_seconds: 5 }, admin)
  const context = await browser.newContext({
    baseURL: url,
    storageState: await sessionState(`teacher@${slug}.example.edu`),
    viewport: { width: 1920, height: 1080 }
  })
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send("Performance.enable")
  await page.goto(screenPath)
  await page.waitForTimeout(5000)
  const heap = async () => {
    await cdp.send("HeapProfiler.collectGarbage")
    const { metrics } = await cdp.send("Performance.getMetrics")
    return metrics.find((m) => m.name === "JSHeapUsedSize").value
  }
  const samples = [await heap()]
  const end = Date.now() + SCREEN_MINUTES * 60_000
  while (Date.now() < end) {
    await page.waitForTimeout(30_000)
    samples.push(await heap())
  }
  const growth = samples[samples.length - 1] - samples[0]
  const max = Math.max(...samples)
  screen = `${SCREEN_MINUTES} min at a 5 s step (${SCREEN_MINUTES * 12} codes): JS heap ${(samples[0] / 2 ** 20).toFixed(1)} MB at start, ${(samples[samples.length - 1] / 2 ** 20).toFixed(1)} MB at the end (max ${(max / 2 ** 20).toFixed(1)} MB), growth ${(growth / 2 ** 20).toFixed(2)} MB`
  console.log(`classroom screen: ${screen}`)
  await context.close()
}

await browser.close()
server.kill("SIGTERM")
Fs.rmSync(dir, { recursive: true, force: true })

writeSection(
  "Web app budgets",
  [
    "`node bench/web.mjs` — a real `signet serve` (SQLite) and Debian's Chromium on loopback.",
    "",
    "| Budget | Goal | Measured |",
    "|---|---|---|",
    `| JavaScript of the sign path (entry + sign page + static imports, gzip -9) | ≤ 150 KB | ${kb(signJs)} (${signFiles.length} files; whole app ${kb(allJs)}) |`,
    `| Sign URL opened → result shown (cold cache, session cookie present, phone viewport) | ≤ 1 s | median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms (${RUNS} students) |`,
    `| Classroom screen memory | < 50 MB growth over 90 min | ${screen} |`
  ].join("\n")
)
