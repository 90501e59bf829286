/**
 * Crash driver (issue 8 §1), shared by `npm run bench:crash` (≥ 100 kills)
 * and the CI test (packages/cli/test/crash.test.ts, 20 kills per database).
 *
 * Students sign by QR (`CreateSignatureAttempt`) against a real `signet serve`
 * process; at a random moment the server is killed with SIGKILL, restarted,
 * and the attempts that were in flight are sent again (signing is idempotent).
 * At the end:
 * - SQLite `PRAGMA integrity_check` is `ok`;
 * - every acknowledged signature id is present exactly once, with the id the
 *   server answered;
 * - no student has two signatures for the course;
 * - nothing is half-written: every signature has its roll result and its
 *   `signet.attendance.signature.created` outbox event (one transaction).
 *
 * Set-up (users, course, tokens) goes through `@signet/core` on the database
 * before the first start, as in bench/attendance.mjs.
 */
import { spawn } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")

/** POSTs JSON with a bearer token; answers `{ status, text }` (status 0 when the connection failed). */
export const post = (base, path, token, body, agent) =>
  new Promise((resolve) => {
    const u = new URL(base)
    const data = JSON.stringify(body)
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
        res.on("end", () => resolve({ status: res.statusCode, text }))
        res.on("error", () => resolve({ status: 0, text: "" }))
      }
    )
    req.on("error", () => resolve({ status: 0, text: "" }))
    req.end(data)
  })

/**
 * The environment of a `signet serve` child on `databaseUrl`: this
 * process's variables without any `SIGNET_*` or `DATABASE_URL`, then the
 * master key, per-user and per-key API limits off, no logs, no close job —
 * and `extra` over it.
 */
export const serveEnv = (databaseUrl, masterKey, extra = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  DATABASE_URL: databaseUrl,
  SIGNET_MASTER_KEY: masterKey,
  SIGNET_RATE_API_USER: "off",
  SIGNET_RATE_API_KEY: "off",
  SIGNET_LOG_LEVEL: "none",
  SIGNET_CLOSE_JOB_INTERVAL_MS: "0",
  ...extra
})

/**
 * Starts `signet serve --port <port>` (0: any) in `dir` with `env`; resolves
 * `{ server, url }` once it prints its URL, rejects with the end of its
 * stderr when it exits first.
 */
export const spawnServe = (dir, env, port) =>
  new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [bin, "serve", "--port", String(port)], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    server.stderr.on("data", (b) => (err += b))
    server.once("exit", (code) => reject(new Error(`signet serve exited (${code}): ${err.slice(-500)}`)))
    server.stdout.on("data", (b) => {
      out += b
      const m = /"url":"([^"]+)"/.exec(out)
      if (m) {
        server.removeAllListeners("exit")
        resolve({ server, url: m[1] })
      }
    })
  })

/**
 * The signing world of the crash and replica drivers, made through
 * `@signet/core` on `databaseUrl` before any server starts: tenant `slug`, a
 * school, `students` students in one group, a course running from 5 minutes
 * ago for 2 hours, and access tokens (sessions opened directly) for the
 * teacher and each student. `extra(ctx)`, when given, runs in the same
 * tenant context with `{ core, Effect, Schema, academics, identity, school }`
 * and its result is answered as `extra`.
 */
export async function signFixture({ databaseUrl, slug, students, extra }) {
  const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
  const { Effect, Schema, ManagedRuntime, Option } = await import("effect")
  const rt = ManagedRuntime.make(core.Core.layer({ databaseUrl, pgPoolSize: 2 }))
  const system = { kind: "system", id: null }
  try {
    const tenant = await rt.runPromise(
      core.Tenancy.pipe(
        Effect.flatMap((t) => t.create(Schema.decodeUnknownSync(core.CreateTenant)({ slug, name: slug }))),
        Effect.provideService(core.CurrentActor, system)
      )
    )
    return await rt.runPromise(
      Effect.gen(function* () {
        const a = yield* core.Academics
        const identity = yield* core.Identity
        const auth = yield* core.Auth
        const school = yield* a.createSchool({ name: `${slug} High` })
        const mk = (email, user_type) =>
          identity.create(
            Schema.decodeUnknownSync(core.CreateUser)({ email, given_name: "C", family_name: "R", user_type })
          )
        const teacher = yield* mk(`teacher@${slug}.example.edu`, "teacher")
        const ids = []
        for (let i = 0; i < students; i++) ids.push((yield* mk(`s${i}@${slug}.example.edu`, "student")).id)
        const g = yield* a.createGroup({ school_id: school.id, name: "All" })
        yield* a.setMembers(g.id, ids)
        const now = Date.now()
        const course = yield* a.createCourse({
          school_id: school.id,
          name: "Signing course",
          start_at: new Date(now - 5 * 60_000).toISOString(),
          end_at: new Date(now + 120 * 60_000).toISOString(),
          teacher_ids: [teacher.id],
          group_ids: [g.id]
        })
        const token = (id) =>
          Effect.flatMap(core.Db.tenantTx(identity.findRow(id)), (row) =>
            core.Db.tenantTx(auth.openSession(tenant, Option.getOrThrow(row), {}, false))
          )
        const tokens = []
        for (const id of ids) tokens.push({ id, token: (yield* token(id)).access_token })
        const more = extra
          ? yield* extra({ core, Effect, Schema, academics: a, identity, school, group: g })
          : undefined
        return { tenant, course, teacher: (yield* token(teacher.id)).access_token, tokens, extra: more }
      }).pipe(
        Effect.provideService(core.CurrentActor, system),
        Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug })
      )
    )
  } finally {
    await rt.dispose()
  }
}

/**
 * Runs `kills` kill/restart cycles on `databaseUrl`. `log` receives progress
 * lines. Answers the figures and the list of violations (empty when sound).
 */
export async function crashRun({ databaseUrl, kills, perCycle = 40, log = () => {} }) {
  const masterKey = Crypto.randomBytes(32).toString("base64")
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-crash-"))
  const env = serveEnv(databaseUrl, masterKey)
  process.env.SIGNET_MASTER_KEY = masterKey
  const students = kills * perCycle
  const fixture = await signFixture({ databaseUrl, slug: "crash-school", students })

  const start = () => spawnServe(dir, env, 0)
  const acknowledged = new Map() // student id → signature id the server answered
  const pending = [...fixture.tokens]
  let inFlightRetries = []
  let sent = 0
  let lostConnections = 0
  const t0 = Date.now()
  for (let k = 0; k <= kills; k++) {
    const { server, url } = await start()
    const agent = new Http.Agent({ keepAlive: true, maxSockets: 8 })
    const qr = await new Promise((resolve) => {
      Http.get(
        `${url}/api/v1/tenants/crash-school/courses/${fixture.course.id}/qr`,
        { headers: { authorization: `Bearer ${fixture.teacher}` } },
        (res) => {
          let t = ""
          res.on("data", (c) => (t += c))
          res.on("end", () => resolve(JSON.parse(t).code))
        }
      )
    })
    // The in-flight attempts of the last cycle first (a client retrying), then new students.
    const batch = [...inFlightRetries, ...pending.splice(0, k === kills ? pending.length : perCycle)]
    inFlightRetries = []
    const killAfter = k === kills ? Number.POSITIVE_INFINITY : 20 + Math.floor(Math.random() * 300)
    let killed = false
    const killer =
      killAfter === Number.POSITIVE_INFINITY
        ? null
        : setTimeout(() => {
            killed = true
            server.kill("SIGKILL")
          }, killAfter)
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < batch.length) {
          const s = batch[next++]
          if (killed) {
            inFlightRetries.push(s)
            continue
          }
          sent++
          const r = await post(
            url,
            "/api/v1/tenants/crash-school/signatures",
            s.token,
            { course_id: fixture.course.id, method: "QR", qr_code: qr },
            agent
          )
          if (r.status === 200) {
            const body = JSON.parse(r.text)
            if (body.signature_id) {
              const prior = acknowledged.get(s.id)
              if (prior && prior !== body.signature_id) acknowledged.set(s.id, `CONFLICT:${prior}:${body.signature_id}`)
              else acknowledged.set(s.id, body.signature_id)
            }
          } else {
            lostConnections++
            inFlightRetries.push(s)
          }
        }
      })
    )
    // The batch may finish before the planned moment: then the kill comes now (still SIGKILL).
    if (killer) {
      clearTimeout(killer)
      if (!killed) server.kill("SIGKILL")
    } else server.kill("SIGTERM")
    await new Promise((r) => (server.exitCode !== null || server.signalCode !== null ? r() : server.once("exit", r)))
    agent.destroy()
    if (k % 5 === 0 || k === kills)
      log(`cycle ${k}/${kills}: ${acknowledged.size} acknowledged, ${inFlightRetries.length} to retry`)
  }

  const { violations, rows } = await checkSignatures({ databaseUrl, fixture, acknowledged, students })
  Fs.rmSync(dir, { recursive: true, force: true })
  return {
    kills,
    students,
    sent,
    acknowledged: acknowledged.size,
    rows: rows.sigs.length,
    lostConnections,
    seconds: (Date.now() - t0) / 1000,
    violations
  }
}

/**
 * Checks on the database after a signing run (crash and replica drivers):
 * SQLite `integrity_check` is `ok`; every student of `fixture` got an
 * acknowledged signature (`acknowledged`: student id → the signature id the
 * server answered, `CONFLICT:…` when two answers differed), present exactly
 * once; no student signed twice; every signature has its roll result and its
 * `signet.attendance.signature.created` outbox event. Answers the
 * violations (empty when sound) and the rows read.
 */
export async function checkSignatures({ databaseUrl, fixture, acknowledged, students }) {
  const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
  const { Effect, ManagedRuntime } = await import("effect")
  const check = ManagedRuntime.make(core.Core.layer({ databaseUrl, pgPoolSize: 2 }))
  const violations = []
  let rows
  try {
    rows = await check.runPromise(
      Effect.gen(function* () {
        const { SqlClient } = yield* Effect.promise(() => import("@effect/sql"))
        const sql = yield* SqlClient.SqlClient
        const db = yield* core.Db.Database
        const tid = fixture.tenant.id
        const integrity =
          db.dialect === "sqlite"
            ? (yield* sql.unsafe("PRAGMA integrity_check")).map((r) => r.integrity_check).join("; ")
            : "ok"
        return yield* core.Db.tenantTx(
          Effect.gen(function* () {
            const sigs = yield* sql`SELECT id, signer_id FROM signatures WHERE tenant_id = ${tid}`
            const rolls = yield* sql`SELECT student_id, signature_id FROM roll_results WHERE tenant_id = ${tid}`
            const events =
              yield* sql`SELECT subject FROM outbox WHERE tenant_id = ${tid} AND type = 'signet.attendance.signature.created'`
            return { integrity, sigs, rolls, events }
          })
        ).pipe(Effect.provideService(core.CurrentTenant, { id: tid, slug: fixture.tenant.slug }))
      })
    )
  } finally {
    await check.dispose()
  }
  if (rows.integrity !== "ok") violations.push(`integrity_check: ${rows.integrity}`)
  const byId = new Map()
  const perSigner = new Map()
  for (const s of rows.sigs) {
    byId.set(s.id, (byId.get(s.id) ?? 0) + 1)
    perSigner.set(s.signer_id, (perSigner.get(s.signer_id) ?? 0) + 1)
  }
  if (acknowledged.size !== students)
    violations.push(`${students - acknowledged.size} students never got an acknowledged signature`)
  for (const [student, id] of acknowledged) {
    if (id.startsWith("CONFLICT")) violations.push(`student ${student} was answered two different signatures ${id}`)
    else if (byId.get(id) !== 1) violations.push(`acknowledged signature ${id} present ${byId.get(id) ?? 0} times`)
  }
  for (const [signer, n] of perSigner) if (n > 1) violations.push(`student ${signer} has ${n} signatures`)
  const rollOf = new Map(rows.rolls.map((r) => [r.signature_id, r]))
  const eventOf = new Set(rows.events.map((e) => e.subject))
  for (const s of rows.sigs) {
    if (!rollOf.has(s.id)) violations.push(`signature ${s.id} has no roll result (half-written)`)
    if (!eventOf.has(s.id)) violations.push(`signature ${s.id} has no outbox event (half-written)`)
  }
  return { violations, rows }
}
