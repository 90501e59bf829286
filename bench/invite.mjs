#!/usr/bin/env node
/**
 * Invitations end to end (issue 18 "the note reports … invitation of 1,000
 * users end to end"), written to docs/benchmarks.md.
 *
 * A real `signet serve` (SQLite, synchronous=FULL) whose SMTP transport
 * points at an `smtp-server` sink in this process (loopback, no TLS). Setup
 * (not timed): a tenant, its admin, and N users without a password created
 * over REST. Timed: one `POST …/invitations/bulk` call (N invitations, N
 * mails queued through the outbox), then until the sink has received all N
 * mails (the server's outbox dispatcher sends them). Reported: the bulk
 * call's duration, the time until the last mail, and mails delivered per
 * second. One invitation is then accepted to check that the links work.
 *
 * `--smtp-pool` keeps SMTP connections open (`?pool=true` on the URL).
 *
 *   node bench/invite.mjs [--users 1000] [--smtp-pool]
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")
const usersAt = process.argv.indexOf("--users")
const N = usersAt < 0 ? 1000 : Number(process.argv[usersAt + 1])
const pool = process.argv.includes("--smtp-pool")
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-invite-"))

const inbox = []
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData: (stream, session, callback) => {
    simpleParser(stream).then(
      (mail) => {
        inbox.push({ at: performance.now(), to: session.envelope.rcptTo.map((a) => a.address), text: mail.text })
        callback()
      },
      (e) => callback(e)
    )
  }
})
const smtpPort = await new Promise((resolve) => smtp.listen(0, "127.0.0.1", () => resolve(smtp.server.address().port)))

const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  SIGNET_SMTP_URL: `smtp://127.0.0.1:${smtpPort}${pool ? "?pool=true" : ""}`,
  SIGNET_MAIL_FROM: "no-reply@bench.example",
  SIGNET_PUBLIC_URL: "https://signet.bench.example",
  SIGNET_RATE_LOGIN_IP: "off",
  SIGNET_RATE_LOGIN_ACCOUNT: "off",
  // Setup creates N users through one admin's token: above the per-user API limit.
  SIGNET_RATE_API_USER: "off",
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
const json = { "content-type": "application/json" }
const post = async (path, body, headers = json) => {
  const r = await fetch(url + path, { method: "POST", headers, body: JSON.stringify(body) })
  return { status: r.status, body: await r.json().catch(() => null) }
}
const PASSWORD = "benchmark passphrase 2026"
await post(
  "/api/v1/tenants",
  {
    slug: "bench",
    name: "Bench",
    admin: { email: "admin@bench.example.edu", password: PASSWORD, given_name: "A", family_name: "B" }
  },
  { ...json, authorization: `Bearer ${config.SIGNET_BOOTSTRAP_TOKEN}` }
)
const login = await post("/api/v1/tenants/bench/auth/login", { login: "admin@bench.example.edu", password: PASSWORD })
const admin = { ...json, authorization: `Bearer ${login.body.tokens.access_token}` }

// Setup: N users without a password, 8 requests at a time.
let next = 0
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < N) {
      const i = next++
      const r = await post(
        "/api/v1/tenants/bench/users",
        { email: `s${i}@bench.example.edu`, given_name: "S", family_name: `P${i}`, user_type: "student" },
        admin
      )
      if (r.status !== 201) throw new Error(`user ${i}: ${r.status} ${JSON.stringify(r.body)}`)
    }
  })
)

// Timed: the bulk call, then every mail delivered.
const t0 = performance.now()
const bulk = await post("/api/v1/tenants/bench/invitations/bulk", {}, admin)
const t1 = performance.now()
if (bulk.status !== 200 || bulk.body.invited !== N) throw new Error(`bulk: ${bulk.status} ${JSON.stringify(bulk.body)}`)
while (inbox.length < N) {
  if (performance.now() - t0 > 600_000) throw new Error(`only ${inbox.length} of ${N} mails after 10 min`)
  await new Promise((r) => setTimeout(r, 50))
}
const t2 = Math.max(...inbox.map((m) => m.at))
const firstMail = Math.min(...inbox.map((m) => m.at))

// The links work: accept one.
const token = /invite\?token=([A-Za-z0-9_-]+)/.exec(inbox[0].text)[1]
const accepted = await post("/api/v1/tenants/bench/auth/invitation/accept", { token, new_password: PASSWORD })
if (accepted.status !== 200) throw new Error(`accept: ${accepted.status}`)

server.kill("SIGTERM")
smtp.close()
Fs.rmSync(dir, { recursive: true, force: true })

const s = (ms) => (ms / 1000).toFixed(2)
const lines = [
  `\`node bench/invite.mjs --users ${N}${pool ? " --smtp-pool" : ""}\`: a real \`signet serve\` (SQLite, synchronous=FULL) mailing to an`,
  "`smtp-server` sink on loopback (no TLS); the users without a password are created over REST first (not timed).",
  "",
  "| step | figure |",
  "|---|---|",
  `| \`POST …/invitations/bulk\` (${N} invitations, ${N} mails queued, ${N} events) | ${s(t1 - t0)} s |`,
  `| bulk call → first mail received | ${s(firstMail - t0)} s |`,
  `| bulk call → all ${N} mails received (end to end) | ${s(t2 - t0)} s |`,
  `| delivery rate (first → last mail) | ${(N / Math.max((t2 - firstMail) / 1000, 0.001)).toFixed(0)} mails/s |`,
  "",
  "One of the mailed links was then accepted (password set, signed in): 200."
]
writeSection("Invitations: 1,000 users end to end", lines.join("\n"))
console.log(lines.join("\n"))
