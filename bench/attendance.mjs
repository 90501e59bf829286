#!/usr/bin/env node
/**
 * Sign-burst benchmark (issue 5), written to docs/benchmarks.md.
 *
 * 300 courses × 30 students = 9,000 students sign by QR within the opening
 * minute, over HTTP, through a real `signet serve` on SQLite
 * (synchronous=FULL): every request is a real student token, a real
 * rotating code and the full rule chain. Goal ≥ 3,000 accepted attempts/s
 * with p99 ≤ 25 ms, zero lost and zero duplicated (rows are counted
 * afterwards, every acknowledged signature id must be present once).
 *
 * In the same run a bare `node:http` + better-sqlite3 baseline does the same
 * validation reads (token signature and session, course, membership,
 * existing signature, QR HMAC) and writes (signature, roll result, outbox
 * row, one transaction) for the same load; the ratio is reported. With
 * SIGNET_BENCH_PG_URL (an admin URL) the Signet run is repeated on Postgres.
 *
 * Set-up (not measured): users, groups and courses are created and the
 * students' tokens are minted through `@signet/core` on the server's
 * database (the same signing keys), so the burst does not wait for 9,000
 * argon2 logins.
 *
 *   node bench/attendance.mjs [--courses 300] [--students 30] [--concurrency 32]
 *
 * Diagnostics (nothing written): `--sqlite-only` or `--pg-only` run Signet
 * alone on one database; BENCH_SERVER_FLAGS passes Node/V8 flags to the
 * server (e.g. `--max-semi-space-size=64`); BENCH_CPU_PROF=<dir> profiles it.
 */
import { spawn } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"

const here = fileURLToPath(import.meta.url)
const root = Path.resolve(Path.dirname(here), "..")
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const COURSES = arg("courses", 300)
const PER_COURSE = arg("students", 30)
const CONCURRENCY = arg("concurrency", 32)
/** Arrivals per second of the open-loop phase (9,000 in the opening minute = 150/s). */
const ARRIVALS = arg("rate", 150)
const STUDENTS = COURSES * PER_COURSE

const pct = (xs, p) => {
  const s = Float64Array.from(xs).sort()
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const log = (m) => process.stderr.write(`${m}\n`)

/**
 * Sends `jobs` ([path, token, body]) over keep-alive connections: closed loop with
 * `CONCURRENCY` connections (throughput), or open loop at `rate` arrivals per second
 * (latency, measured from each request's scheduled time so a slow server is not hidden).
 */
const burst = async (base, jobs, rate) => {
  const agent = new Http.Agent({ keepAlive: true, maxSockets: rate ? 512 : CONCURRENCY })
  const u = new URL(base)
  const latencies = []
  const results = new Array(jobs.length)
  let next = 0
  const one = (i, scheduled, retried = false) =>
    new Promise((resolve, reject) => {
      const [path, token, body] = jobs[i]
      const data = JSON.stringify(typeof body === "function" ? body() : body)
      const t0 = scheduled ?? performance.now()
      const req = Http.request(
        {
          host: u.hostname,
          port: u.port,
          path,
          method: "POST",
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(data)
          }
        },
        (res) => {
          let text = ""
          res.setEncoding("utf8")
          res.on("data", (c) => (text += c))
          res.on("end", () => {
            latencies.push(performance.now() - t0)
            results[i] = { status: res.statusCode, body: text }
            resolve()
          })
        }
      )
      // A kept-alive socket the server closed while idle: retry once (signing is idempotent).
      req.on("error", (e) =>
        req.reusedSocket && e.code === "ECONNRESET" && !retried
          ? one(i, scheduled, true).then(resolve, reject)
          : reject(e)
      )
      req.end(data)
    })
  const t0 = performance.now()
  if (rate) {
    const pending = []
    for (let i = 0; i < jobs.length; i++) {
      const at = t0 + (i * 1000) / rate
      const wait = at - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      pending.push(one(i, at))
    }
    await Promise.all(pending)
  } else
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < jobs.length) await one(next++)
      })
    )
  const seconds = (performance.now() - t0) / 1000
  agent.destroy()
  return { seconds, latencies, results }
}

const cpuOf = (pid) => {
  const f = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(f[11]) + Number(f[12])) / 100
}

/**
 * Runs `spec.phases` against `spec.url` in a child process (`--load`) and returns, per phase,
 * `{ seconds, latencies, results, cpu }` (`cpu`: seconds of CPU `spec.cpuPid` used in it). The
 * load client is kept out of the benchmark's own process: that one holds the set-up (an
 * in-process Signet, 9,000 tokens, the first run's results), and its garbage collections —
 * scavenges of 10–17 ms and pauses over 100 ms on a ~400 MB heap, measured with a
 * PerformanceObserver during the open loop — were counted as the server's latency.
 */
const runLoad = async (spec) => {
  const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-load-")), "load.json")
  Fs.writeFileSync(file, JSON.stringify(spec))
  const child = spawn(process.execPath, [here, "--load", file], { stdio: ["ignore", "inherit", "inherit"] })
  const code = await new Promise((resolve) => child.on("exit", resolve))
  if (code !== 0) throw new Error(`load client exited (${code})`)
  const out = JSON.parse(Fs.readFileSync(`${file}.out`, "utf8"))
  Fs.rmSync(Path.dirname(file), { recursive: true, force: true })
  return out
}

// ——— The load client (child mode) ————————————————————————————————————————————

if (process.argv.includes("--load")) {
  const file = process.argv[process.argv.indexOf("--load") + 1]
  const spec = JSON.parse(Fs.readFileSync(file, "utf8"))
  spec.url ??= `http://127.0.0.1:${spec.port}`
  // The codes on the teachers' screens: given (the baseline's), or read from Signet. Like
  // real screens, each course's code is refreshed every 10 s, the courses spread evenly over
  // those 10 s; an attempt carries the code its course shows when the attempt is sent.
  const codes = new Map(Object.entries(spec.codes ?? {}))
  let refresher
  if (spec.screens) {
    const { courses, token } = spec.screens
    const path = (id) => spec.screens.path.replace("{id}", id)
    const fetchCode = async (id) => {
      const r = await fetch(`${spec.url}${path(id)}`, { headers: { authorization: `Bearer ${token}` } })
      if (r.status !== 200) throw new Error(`GET code of ${id}: ${r.status}`)
      codes.set(id, (await r.json()).code)
    }
    // The first codes 16 at a time: 600 connections at once time out on a loaded machine.
    const first = [...courses]
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (first.length > 0) await fetchCode(first.shift())
      })
    )
    // Fire-and-forget on a fixed schedule, so a slow answer never delays the next screen's refresh.
    let nextCourse = 0
    refresher = setInterval(
      () => fetchCode(courses[nextCourse++ % courses.length]).catch(() => {}),
      Math.max(1, 10_000 / courses.length)
    )
  }
  const out = []
  for (const phase of spec.phases) {
    if (phase.log) log(phase.log)
    const jobs = phase.jobs.map(([path, token, course]) => [
      path,
      token,
      () => ({ course_id: course, method: "QR", qr_code: codes.get(course) })
    ])
    const cpu0 = cpuOf(spec.cpuPid)
    const r = await burst(spec.url, jobs, phase.rate)
    out.push({ ...r, cpu: cpuOf(spec.cpuPid) - cpu0 })
  }
  clearInterval(refresher)
  Fs.writeFileSync(`${file}.out`, JSON.stringify(out))
  process.exit(0)
}

// ——— The bare baseline server (child mode) ————————————————————————————————

if (process.argv.includes("--baseline-server")) {
  const Database = (await import(pathToFileURL(Path.join(root, "node_modules/better-sqlite3/lib/index.js")).href))
    .default
  const file = process.argv[process.argv.indexOf("--baseline-server") + 1]
  const db = new Database(file)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  const setup = JSON.parse(Fs.readFileSync(`${file}.json`, "utf8"))
  const publicKey = Crypto.createPublicKey(setup.publicKey)
  const qrKey = Buffer.from(setup.qrKey, "base64")
  const q = {
    session: db.prepare("SELECT revoked_at FROM sessions WHERE id = ? AND user_id = ?"),
    course: db.prepare("SELECT id, start_at, end_at, delay FROM courses WHERE id = ?"),
    member: db.prepare(
      "SELECT 1 FROM course_groups cg JOIN group_members gm ON gm.group_id = cg.group_id WHERE cg.course_id = ? AND gm.student_id = ?"
    ),
    existing: db.prepare("SELECT id, status FROM signatures WHERE course_id = ? AND signer_id = ?"),
    insert: db.prepare(
      "INSERT INTO signatures (id, course_id, signer_id, method, status, received_at) VALUES (?, ?, ?, 'QR', ?, ?)"
    ),
    roll: db.prepare(
      "INSERT INTO roll_results (course_id, student_id, result) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET result = excluded.result"
    ),
    outbox: db.prepare("INSERT INTO outbox (id, type, data) VALUES (?, ?, ?)")
  }
  const write = db.transaction((row) => {
    q.insert.run(row.id, row.course, row.student, row.status, row.at)
    q.roll.run(row.course, row.student, row.status === "ACCEPTED" ? "PRESENT" : "LATE")
    q.outbox.run(Crypto.randomUUID(), "signet.attendance.signature.created", JSON.stringify(row))
  })
  const code = (course, step) => {
    const mac = Crypto.createHmac("sha256", qrKey).update(`${course}:${step}`).digest()
    const o = mac[mac.length - 1] & 15
    return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e8).padStart(8, "0")
  }
  const server = Http.createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      const reply = (status, obj) => {
        const s = JSON.stringify(obj)
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(s) })
        res.end(s)
      }
      try {
        const [h, p, sig] = (req.headers.authorization ?? "").slice(7).split(".")
        const ok = Crypto.verify(
          "sha256",
          Buffer.from(`${h}.${p}`),
          { key: publicKey, dsaEncoding: "ieee-p1363" },
          Buffer.from(sig, "base64url")
        )
        const claims = JSON.parse(Buffer.from(p, "base64url").toString())
        if (!ok || claims.exp * 1000 < Date.now()) return reply(401, { error: "token" })
        const s = q.session.get(claims.sid, claims.sub)
        if (!s || s.revoked_at) return reply(401, { error: "session" })
        const input = JSON.parse(body)
        const course = q.course.get(input.course_id)
        if (!course) return reply(404, { error: "course" })
        const now = Date.now()
        const existing = q.existing.get(course.id, claims.sub)
        if (existing) return reply(200, { signature_id: existing.id, status: existing.status, existing: true })
        if (now < Date.parse(course.start_at) || now > Date.parse(course.end_at))
          return reply(200, { status: "REFUSED" })
        if (!q.member.get(course.id, claims.sub)) return reply(200, { status: "REFUSED" })
        const step = Math.floor(now / 15000)
        if (![step, step - 1, step + 1].some((x) => code(course.id, x) === input.qr_code))
          return reply(200, { status: "REFUSED" })
        const status = now <= Date.parse(course.start_at) + course.delay * 60000 ? "ACCEPTED" : "LATE"
        const row = {
          id: Crypto.randomUUID(),
          course: course.id,
          student: claims.sub,
          status,
          at: new Date(now).toISOString()
        }
        write(row)
        reply(200, { signature_id: row.id, status, existing: false })
      } catch {
        reply(400, { error: "bad request" })
      }
    })
  })
  server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`))
} else {
  await main()
}

async function main() {
  const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
  const testing = await import(pathToFileURL(Path.join(root, "packages/core/dist/testing.js")).href)
  const { Effect, Schema, ManagedRuntime, Option } = await import("effect")
  const bin = Path.join(root, "packages/cli/bin/signet.js")

  /** One Signet run on `databaseUrl`: set-up, burst, verification. */
  const signetRun = async (databaseUrl) => {
    const masterKey = Crypto.randomBytes(32).toString("base64")
    const bootstrap = Crypto.randomBytes(24).toString("hex")
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-att-"))
    const env = {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
      ),
      DATABASE_URL: databaseUrl,
      SIGNET_MASTER_KEY: masterKey,
      SIGNET_BOOTSTRAP_TOKEN: bootstrap,
      SIGNET_RATE_API_USER: "off",
      SIGNET_RATE_API_KEY: "off",
      SIGNET_LOG_LEVEL: "none",
      SIGNET_CLOSE_JOB_INTERVAL_MS: "0"
    }
    // Set-up through the core on the database, before the server starts (one writer at a time).
    process.env.SIGNET_MASTER_KEY = masterKey
    const runtime = ManagedRuntime.make(core.Core.layer({ databaseUrl, pgPoolSize: 4 }))
    const actor = { kind: "system", id: null }
    const tenant = await runtime.runPromise(
      core.Tenancy.pipe(
        Effect.flatMap((t) =>
          t.create(Schema.decodeUnknownSync(core.CreateTenant)({ slug: "bench-att", name: "Bench" }))
        ),
        Effect.provideService(core.CurrentActor, actor)
      )
    )
    const inTenant = (eff) =>
      runtime.runPromise(
        eff.pipe(
          Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(core.CurrentActor, actor)
        )
      )
    const start = Date.now() - 60_000
    log(`set-up: ${COURSES} courses × ${PER_COURSE} students…`)
    const t0 = performance.now()
    const fixture = await inTenant(
      Effect.gen(function* () {
        const a = yield* core.Academics
        const identity = yield* core.Identity
        const auth = yield* core.Auth
        const school = yield* a.createSchool({ name: "Bench High" })
        const teacher = yield* identity.create(
          Schema.decodeUnknownSync(core.CreateUser)({
            email: "teacher@bench.example.edu",
            given_name: "T",
            family_name: "T",
            user_type: "teacher"
          })
        )
        const courses = []
        const tokens = []
        for (let c = 0; c < COURSES; c++) {
          const ids = []
          for (let s = 0; s < PER_COURSE; s++) {
            const u = yield* identity.create(
              Schema.decodeUnknownSync(core.CreateUser)({
                email: `s${c}-${s}@bench.example.edu`,
                given_name: "S",
                family_name: `${c}-${s}`,
                user_type: "student"
              })
            )
            ids.push(u.id)
          }
          const g = yield* a.createGroup({ school_id: school.id, name: `G${c}` })
          yield* a.setMembers(g.id, ids)
          const course = yield* a.createCourse({
            school_id: school.id,
            name: `C${c}`,
            start_at: new Date(start).toISOString(),
            end_at: new Date(start + 3_600_000).toISOString(),
            signature_closing_delay_minutes: 15,
            teacher_ids: [teacher.id],
            group_ids: [g.id]
          })
          // A second course of the same group, for the open-loop phase.
          const second = yield* a.createCourse({
            school_id: school.id,
            name: `C${c}b`,
            start_at: new Date(start).toISOString(),
            end_at: new Date(start + 3_600_000).toISOString(),
            signature_closing_delay_minutes: 15,
            teacher_ids: [teacher.id],
            group_ids: [g.id]
          })
          courses.push(course.id, second.id)
          for (const id of ids) {
            const row = Option.getOrThrow(yield* core.Db.tenantTx(identity.findRow(id)))
            const pair = yield* core.Db.tenantTx(auth.openSession(tenant, row, {}, false))
            tokens.push({ course: course.id, second: second.id, student: id, token: pair.access_token })
          }
        }
        const teacherRow = Option.getOrThrow(yield* core.Db.tenantTx(identity.findRow(teacher.id)))
        const teacherToken = (yield* core.Db.tenantTx(auth.openSession(tenant, teacherRow, {}, false))).access_token
        return { courses, tokens, teacherToken }
      })
    )
    log(`set-up done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    await runtime.dispose()

    const server = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
        ...(process.env.BENCH_SERVER_FLAGS ? process.env.BENCH_SERVER_FLAGS.split(/\s+/).filter(Boolean) : []),
        bin,
        "serve",
        "--port",
        "0"
      ],
      { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"] }
    )
    process.on("exit", () => server.kill("SIGKILL"))
    const url = await new Promise((resolve, reject) => {
      let out = ""
      server.on("exit", (code) => reject(new Error(`server exited (${code})`)))
      server.stdout.on("data", (b) => {
        out += b
        const m = /"url":"([^"]+)"/.exec(out)
        if (m) resolve(m[1])
      })
    })
    // Interleave courses, as students of every class arrive at once.
    const order = [...fixture.tokens].sort((a, b) => a.student.localeCompare(b.student))
    const path = "/api/v1/tenants/bench-att/signatures"
    const [r, open] = await runLoad({
      url,
      cpuPid: server.pid,
      screens: {
        courses: fixture.courses,
        path: "/api/v1/tenants/bench-att/courses/{id}/qr",
        token: fixture.teacherToken
      },
      phases: [
        {
          log: `burst: ${order.length} attempts, ${CONCURRENCY} connections…`,
          jobs: order.map((t) => [path, t.token, t.course])
        },
        // Open loop: the same students sign their second course at ARRIVALS per second.
        {
          log: `open loop: ${order.length} attempts at ${ARRIVALS}/s…`,
          jobs: order.map((t) => [path, t.token, t.second]),
          rate: ARRIVALS
        }
      ]
    })
    const cpu = r.cpu
    const openAccepted = open.results.filter((x) => x.status === 200 && JSON.parse(x.body).status === "ACCEPTED").length
    const statuses = {}
    const acknowledged = []
    for (const x of [...r.results, ...open.results]) {
      const body = JSON.parse(x.body)
      const key = x.status === 200 ? body.status : `HTTP ${x.status}`
      statuses[key] = (statuses[key] ?? 0) + 1
      if (x.status === 200 && body.signature_id) acknowledged.push(body.signature_id)
    }
    server.kill("SIGTERM")
    await new Promise((res) => server.on("exit", res))
    // Count the rows afterwards: every acknowledged id once, nothing else.
    const after = ManagedRuntime.make(core.Core.layer({ databaseUrl, pgPoolSize: 2 }))
    const rows = await after.runPromise(
      Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug })(
        Effect.gen(function* () {
          const sql = yield* (yield* Effect.promise(() => import("@effect/sql"))).SqlClient.SqlClient
          return yield* core.Db.tenantTx(
            sql`SELECT id, course_id, signer_id FROM signatures WHERE tenant_id = ${tenant.id}`
          )
        })
      )
    )
    const ids = new Set(rows.map((x) => x.id))
    const lost = acknowledged.filter((id) => !ids.has(id)).length
    const duplicated = rows.length - new Set(rows.map((x) => `${x.course_id}|${x.signer_id}`)).size
    await after.dispose()
    Fs.rmSync(dir, { recursive: true, force: true })
    return {
      rate: r.results.filter((x) => x.status === 200 && JSON.parse(x.body).status === "ACCEPTED").length / r.seconds,
      seconds: r.seconds,
      p50: pct(r.latencies, 50),
      p99: pct(r.latencies, 99),
      open: { accepted: openAccepted, p50: pct(open.latencies, 50), p99: pct(open.latencies, 99) },
      statuses,
      rows: rows.length,
      acknowledged: acknowledged.length,
      lost,
      duplicated,
      cpuPerAttemptMs: (cpu * 1000) / order.length
    }
  }

  /** The bare baseline: the same load against `--baseline-server`. */
  const baselineRun = async () => {
    const Database = (await import(pathToFileURL(Path.join(root, "node_modules/better-sqlite3/lib/index.js")).href))
      .default
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-base-"))
    const file = Path.join(dir, "base.db")
    const db = new Database(file)
    db.pragma("journal_mode = WAL")
    db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id TEXT, revoked_at TEXT);
      CREATE TABLE courses (id TEXT PRIMARY KEY, start_at TEXT, end_at TEXT, delay INTEGER);
      CREATE TABLE course_groups (course_id TEXT, group_id TEXT, PRIMARY KEY (course_id, group_id));
      CREATE TABLE group_members (group_id TEXT, student_id TEXT, PRIMARY KEY (group_id, student_id));
      CREATE TABLE signatures (id TEXT PRIMARY KEY, course_id TEXT, signer_id TEXT, method TEXT, status TEXT,
        received_at TEXT, UNIQUE (course_id, signer_id));
      CREATE TABLE roll_results (course_id TEXT, student_id TEXT, result TEXT, PRIMARY KEY (course_id, student_id));
      CREATE TABLE outbox (id TEXT PRIMARY KEY, type TEXT, data TEXT);`)
    const { privateKey, publicKey } = Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
    const qrKey = Crypto.randomBytes(32)
    const start = Date.now() - 60_000
    const jobs = []
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url")
    const insert = db.transaction(() => {
      for (let c = 0; c < COURSES; c++) {
        const course = Crypto.randomUUID()
        const group = Crypto.randomUUID()
        db.prepare("INSERT INTO courses VALUES (?, ?, ?, 15)").run(
          course,
          new Date(start).toISOString(),
          new Date(start + 3_600_000).toISOString()
        )
        db.prepare("INSERT INTO course_groups VALUES (?, ?)").run(course, group)
        for (let s = 0; s < PER_COURSE; s++) {
          const student = Crypto.randomUUID()
          const sid = Crypto.randomUUID()
          db.prepare("INSERT INTO group_members VALUES (?, ?)").run(group, student)
          db.prepare("INSERT INTO sessions VALUES (?, ?, NULL)").run(sid, student)
          const head = b64({ alg: "ES256", typ: "at+jwt" })
          const payload = b64({ sub: student, sid, exp: Math.floor(Date.now() / 1000) + 900 })
          const sig = Crypto.sign("sha256", Buffer.from(`${head}.${payload}`), {
            key: privateKey,
            dsaEncoding: "ieee-p1363"
          }).toString("base64url")
          jobs.push({ course, token: `${head}.${payload}.${sig}` })
        }
      }
    })
    insert()
    db.close()
    Fs.writeFileSync(
      `${file}.json`,
      JSON.stringify({ publicKey: publicKey.export({ type: "spki", format: "pem" }), qrKey: qrKey.toString("base64") })
    )
    const child = spawn(process.execPath, [here, "--baseline-server", file], { stdio: ["ignore", "pipe", "inherit"] })
    const port = await new Promise((resolve) => child.stdout.once("data", (b) => resolve(JSON.parse(b).port)))
    const step = Math.floor(Date.now() / 15000)
    const code = (course) => {
      const mac = Crypto.createHmac("sha256", qrKey).update(`${course}:${step}`).digest()
      const o = mac[mac.length - 1] & 15
      return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e8).padStart(8, "0")
    }
    const order = [...jobs].sort((a, b) => a.token.localeCompare(b.token))
    const [r] = await runLoad({
      port,
      cpuPid: child.pid,
      codes: Object.fromEntries(order.map((j) => [j.course, code(j.course)])),
      phases: [
        { log: `baseline burst: ${order.length} attempts…`, jobs: order.map((j) => ["/signatures", j.token, j.course]) }
      ]
    })
    const cpu = r.cpu
    const accepted = r.results.filter((x) => x.status === 200 && JSON.parse(x.body).status === "ACCEPTED").length
    child.kill()
    Fs.rmSync(dir, { recursive: true, force: true })
    return {
      rate: accepted / r.seconds,
      p50: pct(r.latencies, 50),
      p99: pct(r.latencies, 99),
      accepted,
      cpuPerAttemptMs: (cpu * 1000) / order.length
    }
  }

  if (process.argv.includes("--pg-only")) {
    // Diagnostics: the Postgres run alone, nothing written to docs/benchmarks.md.
    process.env.SIGNET_TEST_PG_URL = process.env.SIGNET_BENCH_PG_URL
    const pgDb = await testing.makeTestDatabase("pg")
    try {
      log(`signet pg: ${JSON.stringify(await signetRun(pgDb.url))}`)
    } finally {
      await pgDb.dispose()
    }
    return
  }
  const sqliteDb = await testing.makeTestDatabase("sqlite")
  const sqlite = await signetRun(sqliteDb.url)
  await sqliteDb.dispose()
  log(`signet sqlite: ${JSON.stringify(sqlite)}`)
  // Diagnostics: the SQLite run alone, nothing written to docs/benchmarks.md.
  if (process.argv.includes("--sqlite-only")) return
  const base = await baselineRun()
  log(`baseline: ${JSON.stringify(base)}`)
  let pg = null
  if (process.env.SIGNET_BENCH_PG_URL) {
    process.env.SIGNET_TEST_PG_URL = process.env.SIGNET_BENCH_PG_URL
    const pgDb = await testing.makeTestDatabase("pg")
    try {
      pg = await signetRun(pgDb.url)
      log(`signet pg: ${JSON.stringify(pg)}`)
    } finally {
      await pgDb.dispose()
    }
  }

  const f0 = (x) => x.toFixed(0)
  const f1 = (x) => x.toFixed(1)
  const ok = (c) => (c ? "✓" : "✗")
  const line = (name, r, goal) =>
    `| ${name} | ${f0(r.rate)}/s | ${f1(r.p50)} ms | ${f1(r.p99)} ms | ${r.cpuPerAttemptMs.toFixed(2)} ms | ${goal} |`
  const openLine = (name, r) =>
    `| ${name} | ${r.open.accepted}/${STUDENTS} accepted | ${f1(r.open.p50)} ms | ${f1(r.open.p99)} ms ${ok(r.open.p99 <= 25)} |`
  const outcome = (name, r) =>
    `- Outcomes (${name}): ${JSON.stringify(r.statuses)}; rows afterwards ${r.rows}, acknowledged ${r.acknowledged}, lost ${r.lost}, duplicated ${r.duplicated} ${ok(r.lost === 0 && r.duplicated === 0 && r.rows === 2 * STUDENTS)}.`
  const body = [
    `${COURSES} courses × ${PER_COURSE} students = ${STUDENTS} students sign by QR over HTTP through \`signet serve\`, with real access tokens and the courses' current rotating codes. The load client runs in its own process on the same machine (it shares the 2 cores); until 2026-12-07 it ran in the benchmark's process, whose own garbage collections (a ~400 MB heap after the set-up) paused it for 100 ms and more, and those pauses were counted as the server's latency.`,
    "",
    `**Throughput** (closed loop, ${CONCURRENCY} keep-alive connections, every student signs course A):`,
    "",
    "| Run | Accepted/s | p50 | p99 | Server CPU per attempt | Goal |",
    "|---|---|---|---|---|---|",
    line(
      "Signet, SQLite (synchronous=FULL)",
      sqlite,
      `≥ 3,000/s ${ok(sqlite.rate >= 3000)}, p99 ≤ 25 ms ${ok(sqlite.p99 <= 25)}`
    ),
    ...(pg ? [line("Signet, Postgres", pg, "(stated)")] : []),
    line("Bare node:http + better-sqlite3 baseline", base, "—"),
    "",
    `**The opening minute** (open loop: the same ${STUDENTS} students sign course B at ${ARRIVALS} arrivals/s, i.e. all of them within ${f0(STUDENTS / ARRIVALS)} s; latency from each request's scheduled time):`,
    "",
    "| Run | Result | p50 | p99 (goal ≤ 25 ms) |",
    "|---|---|---|---|",
    openLine("Signet, SQLite", sqlite),
    ...(pg ? [openLine("Signet, Postgres", pg)] : []),
    "",
    `- Signet / baseline throughput: ${(sqlite.rate / base.rate).toFixed(2)}× (server CPU per attempt ${(sqlite.cpuPerAttemptMs / base.cpuPerAttemptMs).toFixed(1)}× the baseline's).`,
    outcome("SQLite", sqlite),
    ...(pg ? [outcome("Postgres", pg)] : []),
    "- The baseline checks the token's ES256 signature and session, reads the course, the membership and any existing signature, checks the QR HMAC, and writes the signature, roll result and outbox row in one transaction — what Signet does, without the framework, RBAC, audit context, schemas and problem details. It is itself limited by the shared 2 cores: 3,000/s was not reached by the bare baseline either."
  ].join("\n")
  writeSection("Attendance sign burst", body)
  log("written to docs/benchmarks.md")
}
