/**
 * Replica driver (issue 23 goal 5), shared by `npm run bench:replicas` (full
 * size, figures into docs/benchmarks.md) and the CI test
 * (packages/cli/test/replicas.test.ts, reduced size).
 *
 * Three `signet serve` replicas on one Postgres database behind a real
 * HAProxy (Debian's `haproxy`, started here with a generated configuration:
 * round robin, `GET /ready` health checks, connection failures re-dispatched
 * to another replica). Then, through the load balancer unless a step names
 * a replica:
 *
 * 1. **Sign burst with a replica killed**: students sign by QR
 *    (`CreateSignatureAttempt`), `concurrency` requests in flight; the
 *    replica leading the close job is killed with SIGKILL after `killAt` of
 *    the students were acknowledged and restarted on the same port after
 *    `restartAt`. A request that
 *    gets no acknowledgement (connection reset, 502/503) is sent again, as a
 *    client retries (signing is idempotent). Checked: every acknowledged
 *    signature present exactly once, one per student, nothing half-written
 *    (`checkSignatures` of bench/crash-driver.mjs).
 * 2. **Outbox exactly once per subscriber**: a webhook endpoint (to a
 *    receiver on loopback) subscribed to `signet.attendance.signature.created`
 *    gets one delivery row per signature event — no event enqueued twice by
 *    two replicas' dispatchers, none missed — and the receiver gets every
 *    event (a delivery cut by the SIGKILL may arrive twice with the same
 *    `webhook-id`, as Standard Webhooks allows; counted).
 * 3. **Rate limits hold across replicas**: with `SIGNET_RATE_LOGIN_ACCOUNT`
 *    at `loginLimit` per 15 minutes, 3 × `loginLimit` sign-ins of one account
 *    spread over the three replicas admit exactly `loginLimit` (the buckets
 *    live in Postgres, not in each process).
 * 4. **One leader for the close job**: courses ending during the run, every
 *    replica running the close job every second; each is closed once (one
 *    `signet.attendance.course.closed` event per course). The lease's holder,
 *    sampled every 250 ms, moves only away from the killed leader (after its
 *    lease expires), never between live replicas, and someone takes over.
 * 5. **Tokens across replicas and a key rotation**: a token issued by replica
 *    0 works on replicas 1 and 2; after `signet keys rotate` (run against the
 *    same database, as an operator does), a token signed by replica 2 with
 *    the new key works on replicas 0 and 1, and the first token still works.
 */
import { spawn, spawnSync } from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { checkSignatures, post, serveEnv, signFixture, spawnServe } from "./crash-driver.mjs"
import { freePort } from "./server.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")
const PASSWORD = "replica passphrase 2026"

/** The HAProxy executable, or null when it is not installed. */
export const haproxyPath = () =>
  ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"].find((p) => Fs.existsSync(p)) ?? null

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** GET/POST JSON; answers `{ status, body }` (status 0 when the connection failed). */
const request = async (url, { method = "GET", token, body } = {}) => {
  try {
    const r = await fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await r.text()
    let parsed
    try {
      parsed = text === "" ? undefined : JSON.parse(text)
    } catch {
      parsed = text
    }
    return { status: r.status, body: parsed }
  } catch {
    return { status: 0, body: undefined }
  }
}

/** Polls `check` every 200 ms until it answers true, at most `seconds`; throws `what` after that. */
const until = async (what, seconds, check) => {
  const end = Date.now() + seconds * 1000
  while (Date.now() < end) {
    if (await check()) return
    await sleep(200)
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}`)
}

/** The `kid` in a JWT's protected header. */
const kidOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString("utf8")).kid

/**
 * Runs the five checks on `databaseUrl` (Postgres) with `students` students.
 * Answers the figures and the list of violations (empty when sound).
 */
export async function replicaRun({
  databaseUrl,
  students,
  concurrency = 8,
  killAt = 0.3,
  restartAt = 0.6,
  loginLimit = 6,
  log = () => {}
}) {
  const haproxy = haproxyPath()
  if (haproxy === null) throw new Error("haproxy is not installed (apt-get install haproxy)")
  const { Webhook } = createRequire(Path.join(root, "packages/core/package.json"))("standardwebhooks")
  const masterKey = Crypto.randomBytes(32).toString("base64")
  const operator = Crypto.randomBytes(24).toString("base64url")
  process.env.SIGNET_MASTER_KEY = masterKey
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-replicas-"))
  const slug = "replica-school"
  const hoppers = 30
  const closing = 3
  const closeAt = Date.now() + 20_000

  log(`fixture: ${students} students`)
  const fixture = await signFixture({
    databaseUrl,
    slug,
    students,
    extra: ({ core, Effect, Schema, academics, identity, school, group }) =>
      Effect.gen(function* () {
        const mk = (email) =>
          identity.create(
            Schema.decodeUnknownSync(core.CreateUser)({
              email,
              given_name: "R",
              family_name: "P",
              user_type: "teacher",
              password: PASSWORD
            })
          )
        yield* mk(`limited@${slug}.example.edu`)
        for (let i = 0; i < hoppers; i++) yield* mk(`hop${i}@${slug}.example.edu`)
        const courses = []
        for (let i = 0; i < closing; i++)
          courses.push(
            (yield* academics.createCourse({
              school_id: school.id,
              name: `Closing ${i}`,
              start_at: new Date(closeAt - 60 * 60_000).toISOString(),
              end_at: new Date(closeAt).toISOString(),
              teacher_ids: [],
              group_ids: [group.id]
            })).id
          )
        return { closing: courses }
      })
  })

  const env = serveEnv(databaseUrl, masterKey, {
    SIGNET_BOOTSTRAP_TOKEN: operator,
    SIGNET_RATE_LOGIN_IP: "off",
    SIGNET_RATE_LOGIN_ACCOUNT: `${loginLimit}/900`,
    SIGNET_CLOSE_JOB_INTERVAL_MS: "1000",
    SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true"
  })
  const ports = [await freePort(), await freePort(), await freePort()]
  const lbPort = await freePort()
  const replicas = [null, null, null]
  const start = (i) =>
    spawnServe(dir, env, ports[i]).then(({ server }) => {
      replicas[i] = server
      return server
    })
  const stop = (i, signal) =>
    new Promise((resolve) => {
      const s = replicas[i]
      if (s === null || s.exitCode !== null || s.signalCode !== null) return resolve()
      s.once("exit", () => resolve())
      s.kill(signal)
    })
  const direct = (i) => `http://127.0.0.1:${ports[i]}`
  const lb = `http://127.0.0.1:${lbPort}`
  const T = `/api/v1/tenants/${slug}`
  const violations = []
  const checks = await openChecks(databaseUrl, fixture.tenant)
  let proxy
  let receiver
  try {
    // Replicas one after the other (the first runs the migrations), then HAProxy.
    for (let i = 0; i < 3; i++) await start(i)
    const cfg = Path.join(dir, "haproxy.cfg")
    Fs.writeFileSync(
      cfg,
      [
        "global",
        "  maxconn 1024",
        "defaults",
        "  mode http",
        "  timeout connect 2s",
        "  timeout client 60s",
        "  timeout server 60s",
        "  retries 3",
        "  option redispatch",
        "frontend signet",
        `  bind 127.0.0.1:${lbPort}`,
        "  default_backend replicas",
        "backend replicas",
        "  balance roundrobin",
        "  option httpchk GET /ready",
        "  default-server inter 300ms fall 1 rise 2",
        ...ports.map((p, i) => `  server r${i} 127.0.0.1:${p} check`),
        ""
      ].join("\n")
    )
    const check = spawnSync(haproxy, ["-c", "-q", "-f", cfg], { stdio: "pipe" })
    if (check.status !== 0) throw new Error(`haproxy configuration refused: ${check.stderr}`)
    proxy = spawn(haproxy, ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] })
    let proxyErr = ""
    proxy.stderr.on("data", (b) => (proxyErr += b))
    await until("HAProxy and three healthy replicas", 60, async () => (await request(`${lb}/ready`)).status === 200)
    await sleep(1000) // every server's first health checks (rise 2 × 300 ms)

    // The webhook receiver.
    let verifier
    const seen = new Map() // webhook-id → times received
    let bad = 0
    receiver = Http.createServer((req, res) => {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        try {
          verifier.verify(body, req.headers)
          const id = req.headers["webhook-id"]
          seen.set(id, (seen.get(id) ?? 0) + 1)
          res.writeHead(204).end()
        } catch {
          bad++
          res.writeHead(400).end()
        }
      })
    })
    await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    const endpoint = await request(`${lb}${T}/webhooks/endpoints`, {
      method: "POST",
      token: operator,
      body: {
        url: `http://127.0.0.1:${receiver.address().port}/hook`,
        event_types: ["signet.attendance.signature.created"]
      }
    })
    if (endpoint.status !== 201)
      throw new Error(`webhook endpoint: ${endpoint.status} ${JSON.stringify(endpoint.body)}`)
    verifier = new Webhook(endpoint.body.secret)

    // 1. The sign burst, one replica killed and restarted.
    log("sign burst through HAProxy")
    let qr = (await request(`${lb}${T}/courses/${fixture.course.id}/qr`, { token: fixture.teacher })).body.code
    const acknowledged = new Map()
    const queue = [...fixture.tokens]
    let sent = 0
    let retries = 0
    let killedAt = -1
    let killedPid = ""
    let victim = 1
    let restartedAt = -1
    let restart = Promise.resolve()
    const latencies = []
    // The close job's lease holder, sampled through the burst: one at a time, changing only when its replica dies.
    const holders = []
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const h = await closeLeaseHolder(checks)
        if (h !== null && holders.at(-1) !== h) holders.push(h)
        await sleep(250)
      }
    })()
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (queue.length > 0) {
          const s = queue.shift()
          const done = acknowledged.size
          if (killedAt < 0 && done >= students * killAt) {
            killedAt = done
            // The replica leading the close job, so the lease's hand-over is exercised too.
            const holder = (await closeLeaseHolder(checks))?.split("-")[0]
            victim = Math.max(
              0,
              [0, 1, 2].findIndex((i) => String(replicas[i].pid) === holder)
            )
            killedPid = String(replicas[victim].pid)
            log(`SIGKILL replica ${victim} (close job leader: ${holder === killedPid}) after ${done} acknowledged`)
            await stop(victim, "SIGKILL")
          } else if (killedAt >= 0 && restartedAt < 0 && done >= students * restartAt) {
            restartedAt = done
            log(`restarting replica ${victim} after ${done} acknowledged`)
            restart = start(victim)
          }
          sent++
          const t = performance.now()
          const r = await post(lb, `${T}/signatures`, s.token, {
            course_id: fixture.course.id,
            method: "QR",
            qr_code: qr
          })
          if (r.status === 200) {
            latencies.push(performance.now() - t)
            const id = JSON.parse(r.text).signature_id
            const prior = acknowledged.get(s.id)
            acknowledged.set(s.id, prior && prior !== id ? `CONFLICT:${prior}:${id}` : id)
          } else {
            retries++
            if (r.status >= 400 && r.status < 500) {
              // The QR code rotated: take the current one.
              const fresh = await request(`${lb}${T}/courses/${fixture.course.id}/qr`, { token: fixture.teacher })
              if (fresh.status === 200) qr = fresh.body.code
            } else await sleep(50)
            queue.push(s)
          }
        }
      })
    )
    const seconds = (performance.now() - t0) / 1000
    await restart
    const signed = await checkSignatures({ databaseUrl, fixture, acknowledged, students })
    violations.push(...signed.violations)
    log(`${acknowledged.size} acknowledged in ${seconds.toFixed(1)} s, ${retries} retried`)

    // 2. Every signature event enqueued once for the endpoint and received.
    const events = signed.rows.events.length
    await until(`${events} webhook deliveries`, 180, async () => seen.size >= events)
    const deliveries = await deliveryCounts(checks, fixture.tenant, endpoint.body.endpoint.id)
    if (deliveries.rows !== events)
      violations.push(`${deliveries.rows} webhook delivery rows for ${events} signature events`)
    if (deliveries.distinct !== deliveries.rows)
      violations.push(`${deliveries.rows - deliveries.distinct} signature events enqueued twice for the endpoint`)
    if (bad > 0) violations.push(`${bad} webhook requests failed verification`)
    const duplicates = [...seen.values()].filter((n) => n > 1).length

    // 3. The per-account login limit, across replicas.
    let admitted = 0
    const answers = []
    for (let k = 0; k < 3 * loginLimit; k++) {
      const r = await request(`${direct(k % 3)}${T}/auth/login`, {
        method: "POST",
        body: { login: `limited@${slug}.example.edu`, password: PASSWORD }
      })
      answers.push(r.status)
      if (r.status === 200) admitted++
    }
    if (admitted !== loginLimit)
      violations.push(`login limit ${loginLimit}: ${admitted} of ${3 * loginLimit} admitted (${answers.join(" ")})`)

    // 4. The courses that ended during the run: each closed once.
    const wait = Math.max(0, closeAt - Date.now())
    await until("the closing courses to close", 60 + wait / 1000, async () => {
      const closed = await closedCounts(checks, fixture.tenant, fixture.extra.closing)
      return closed.every((n) => n > 0)
    })
    await sleep(3000) // the other replicas' close ticks, had they run too
    const closed = await closedCounts(checks, fixture.tenant, fixture.extra.closing)
    closed.forEach((n, i) => {
      if (n !== 1) violations.push(`course ${fixture.extra.closing[i]} closed ${n} times`)
    })
    sampling = false
    await sampler
    log(`close lease holders: ${holders.join(", ")}`)
    // A lease moves only from the killed replica (it expires after two intervals): never between live ones.
    for (const h of holders.slice(0, -1))
      if (h.split("-")[0] !== killedPid) violations.push(`the close lease moved away from live holder ${h}`)
    const leaderKilled = holders.some((h) => h.split("-")[0] === killedPid)
    if (leaderKilled && holders.at(-1).split("-")[0] === killedPid)
      violations.push("no replica took the close job over from the killed leader")

    // 5. Tokens across replicas, and after a key rotation.
    let hop = 0
    const login = async (i) => {
      const r = await request(`${direct(i)}${T}/auth/login`, {
        method: "POST",
        body: { login: `hop${hop++}@${slug}.example.edu`, password: PASSWORD }
      })
      const token = r.body?.access_token ?? r.body?.tokens?.access_token
      if (r.status !== 200 || !token) throw new Error(`login on replica ${i}: ${r.status} ${JSON.stringify(r.body)}`)
      return token
    }
    const worksOn = async (token, i) => (await request(`${direct(i)}${T}/me`, { token })).status === 200
    const first = await login(0)
    for (const i of [1, 2])
      if (!(await worksOn(first, i))) violations.push(`a token of replica 0 refused by replica ${i}`)
    const rotated = spawnSync(process.execPath, [bin, "keys", "rotate"], { cwd: dir, env, stdio: "pipe" })
    if (rotated.status !== 0) throw new Error(`signet keys rotate: ${rotated.stderr}`)
    // Replica 2 signs with the new key once it re-reads the key table (at most every 30 s).
    let second = await login(2)
    const end = Date.now() + 60_000
    while (kidOf(second) === kidOf(first) && Date.now() < end && hop < hoppers) {
      await sleep(3000)
      second = await login(2)
    }
    if (kidOf(second) === kidOf(first)) violations.push("replica 2 never signed with the rotated key")
    for (const i of [0, 1])
      if (!(await worksOn(second, i))) violations.push(`a token of the new key (replica 2) refused by replica ${i}`)
    for (const i of [0, 1, 2])
      if (!(await worksOn(first, i))) violations.push(`the token of the old key refused by replica ${i} after rotation`)
    if (proxyErr.includes("[ALERT]")) log(`haproxy: ${proxyErr.slice(-300)}`)

    latencies.sort((a, b) => a - b)
    return {
      students,
      acknowledged: acknowledged.size,
      sent,
      retries,
      seconds,
      perSecond: acknowledged.size / seconds,
      p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      killedAt,
      restartedAt,
      events,
      webhookDuplicates: duplicates,
      loginAdmitted: admitted,
      loginAttempts: 3 * loginLimit,
      loginLimit,
      closed,
      leaseHolders: holders.length,
      leaderKilled,
      rotatedKid: kidOf(second) !== kidOf(first),
      violations
    }
  } finally {
    await checks.dispose()
    proxy?.kill("SIGTERM")
    receiver?.closeAllConnections()
    receiver?.close()
    await Promise.all([0, 1, 2].map((i) => stop(i, "SIGTERM")))
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * One core runtime over `databaseUrl` for the checks: `tenant(f)` runs
 * `f(sql)` in the fixture's tenant (row-level security), `platform(f)` on the
 * platform tables.
 */
const openChecks = async (databaseUrl, tenant) => {
  const core = await import(pathToFileURL(Path.join(root, "packages/core/dist/index.js")).href)
  const { Effect, ManagedRuntime } = await import("effect")
  const { SqlClient } = await import("@effect/sql")
  const rt = ManagedRuntime.make(core.Core.layer({ databaseUrl, pgPoolSize: 1 }))
  const run = (eff) => rt.runPromise(eff)
  return {
    tenant: (f) =>
      run(
        Effect.flatMap(SqlClient.SqlClient, (sql) => core.Db.tenantTx(f(sql))).pipe(
          Effect.provideService(core.CurrentTenant, { id: tenant.id, slug: tenant.slug })
        )
      ),
    platform: (f) => run(Effect.flatMap(SqlClient.SqlClient, (sql) => f(sql))),
    dispose: () => rt.dispose()
  }
}

/** Delivery rows of `endpointId` and how many distinct events they are for. */
const deliveryCounts = (checks, tenant, endpointId) =>
  checks
    .tenant(
      (sql) => sql`SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM webhook_deliveries
        WHERE tenant_id = ${tenant.id} AND endpoint_id = ${endpointId}`
    )
    .then(([r]) => ({ rows: Number(r.n), distinct: Number(r.d) }))

/** How many `signet.attendance.course.closed` events each of `courseIds` has. */
const closedCounts = (checks, tenant, courseIds) =>
  checks
    .tenant(
      (sql) =>
        sql`SELECT subject FROM outbox WHERE tenant_id = ${tenant.id} AND type = 'signet.attendance.course.closed'`
    )
    .then((rows) => courseIds.map((id) => rows.filter((r) => r.subject === id).length))

/** The holder of the close job's lease now (`<pid>-<uuid>`), or null. */
const closeLeaseHolder = (checks) =>
  checks
    .platform((sql) => sql`SELECT holder FROM job_leases WHERE name = 'attendance.close'`)
    .then((rows) => rows[0]?.holder ?? null)
