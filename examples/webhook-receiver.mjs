#!/usr/bin/env node
/**
 * Example (d): receive Signet's webhooks (issue 21 §1, docs/webhooks.md) —
 * a plain `node:http` receiver that verifies each request with the
 * `standardwebhooks` package (any Standard Webhooks library works) and
 * ignores repeated `webhook-id`s.
 *
 *   node examples/webhook-receiver.mjs   # starts a throwaway local server, registers this
 *                                         # receiver as an endpoint, and creates a school
 *
 * The throwaway server allows a loopback receiver with
 * `SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS=true`; a real installation posts to
 * https URLs on public addresses only.
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { createSignetClient } from "@signet/sdk"
import { Redacted } from "effect"
import { Webhook } from "standardwebhooks"

// --- The receiver: what your service runs. ---------------------------------------------------
let wh // new Webhook("whsec_…") with the secret answered when the endpoint was created
const seen = new Set() // webhook-ids already handled (a database table in production)
const handled = []
const receiver = Http.createServer((req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    let event
    try {
      // Verify the raw bytes (not re-serialised JSON): signature and a ±5 min timestamp.
      event = wh.verify(Buffer.concat(chunks), req.headers)
    } catch (e) {
      console.log(`refused a request: ${e.message}`)
      res.writeHead(400).end()
      return
    }
    if (!seen.has(req.headers["webhook-id"])) {
      seen.add(req.headers["webhook-id"])
      handled.push(event)
      console.log(`verified ${event.type} (${event.id})`)
    }
    res.writeHead(204).end() // answer quickly; do slow work after
  })
})
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve))
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/signet`

// --- A throwaway Signet installation to send to it. ------------------------------------------
const bin = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../packages/cli/bin/signet.js")
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-webhook-example-"))
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
)
spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
const operatorToken = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8")).SIGNET_BOOTSTRAP_TOKEN
const server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
  cwd: dir,
  env: { ...env, SIGNET_LOG_LEVEL: "info", SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" },
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

try {
  const slug = `hooks-${Date.now().toString(36)}`
  const password = `Example-${randomBytes(9).toString("base64url")}`
  const operator = createSignetClient({ baseUrl: url, tenant: slug, credentials: { operatorToken } })
  await operator.tenants.create({
    slug,
    name: "Webhook Example School",
    admin: { email: `admin@${slug}.example.edu`, password: Redacted.make(password), given_name: "A", family_name: "D" }
  })
  const admin = createSignetClient({
    baseUrl: url,
    tenant: slug,
    credentials: { login: `admin@${slug}.example.edu`, password }
  })
  // Register the receiver for academics events; the secret is shown this once.
  const { endpoint, secret } = await admin.webhooks.create({
    url: receiverUrl,
    event_types: ["signet.academics."],
    description: "example receiver"
  })
  wh = new Webhook(secret)
  const ping = await admin.webhooks.ping(endpoint.id)
  console.log(`ping answered HTTP ${ping.attempts[0].status_code}`)
  // A change in Signet: the outbox dispatcher and the delivery job post it within a few seconds.
  const school = await admin.academics.createSchool({ name: "Riverside High", code: "RIV" })
  for (let i = 0; i < 300 && !handled.some((e) => e.subject === school.id); i++)
    await new Promise((r) => setTimeout(r, 100))
  const delivered = handled.find((e) => e.subject === school.id)
  console.log(delivered ? `school event delivered: ${delivered.type}` : "school event not delivered within 30 s")
} finally {
  server.kill("SIGTERM")
  receiver.close()
}
