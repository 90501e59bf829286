#!/usr/bin/env node
/**
 * Outgoing webhook deliveries per second (issue 21 "the note reports
 * webhook deliveries per second to a local receiver"): one `signet serve`
 * (SQLite, `SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS=true` for the loopback
 * receiver) and a `node:http` receiver on loopback that verifies every
 * request's Standard Webhooks signature with the `standardwebhooks` package.
 *
 * N users are created while the endpoint is disabled (N `signet.user.created`
 * events in the outbox), then the endpoint is enabled and `recover
 * {include: "missed"}` queues one delivery per event; the figure is N over
 * the time from the first delivery received to the last (the delivery job's
 * own pace: claim, sign, POST, record the attempt). A second figure is the
 * live rate: users created at full speed with the endpoint enabled, from
 * the first create to the last delivery.
 *
 *   node bench/webhooks.mjs [--events 2000]
 */
import * as Http from "node:http"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { writeSection } from "./report.mjs"
import { root, startSignet } from "./server.mjs"

const { Webhook } = createRequire(Path.join(root, "packages/core/package.json"))("standardwebhooks")
const at = process.argv.indexOf("--events")
const N = at < 0 ? 2000 : Number(process.argv[at + 1])

// The receiver: verifies each request, counts distinct webhook-ids, times first and last.
let verifier
const seen = new Set()
let first = 0
let last = 0
let bad = 0
const receiver = Http.createServer((req, res) => {
  let body = ""
  req.on("data", (c) => {
    body += c
  })
  req.on("end", () => {
    try {
      verifier.verify(body, req.headers)
      if (seen.size === 0) first = performance.now()
      seen.add(req.headers["webhook-id"])
      last = performance.now()
      res.writeHead(204).end()
    } catch {
      bad++
      res.writeHead(400).end()
    }
  })
})
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve))
const hook = `http://127.0.0.1:${receiver.address().port}/hook`

const s = await startSignet("webhooks", { SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" })
const T = "/api/v1/tenants/bench"
await s.post("/api/v1/tenants", { slug: "bench", name: "Bench" })

/** Creates `n` users, 8 requests in flight; `tag` keeps their addresses apart. */
const createUsers = async (n, tag) => {
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      await s.post(`${T}/users`, {
        email: `u${i}.${tag}@bench.example.edu`,
        given_name: "U",
        family_name: `${tag}${i}`,
        user_type: "student"
      })
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
}
const waitFor = async (count, timeoutMs) => {
  const until = performance.now() + timeoutMs
  while (seen.size < count && performance.now() < until) await new Promise((r) => setTimeout(r, 50))
  if (seen.size < count) throw new Error(`only ${seen.size} of ${count} deliveries arrived`)
}

// 1. A backlog: events first, then the endpoint.
const since = new Date(Date.now() - 1000).toISOString()
const created = await s.post(`${T}/webhooks/endpoints`, {
  url: hook,
  event_types: ["signet.user.created"],
  enabled: false
})
verifier = new Webhook(created.secret)
const id = created.endpoint.id
await createUsers(N, "a")
await s.patch(`${T}/webhooks/endpoints/${id}`, { enabled: true })
let requeued = 0
for (;;) {
  const r = await s.post(`${T}/webhooks/endpoints/${id}/recover`, { since, include: "missed" })
  requeued += r.requeued
  if (!r.more) break
}
await waitFor(N, 600_000)
const backlogRate = (N - 1) / ((last - first) / 1000)

// 2. Live: the same number of creates with the endpoint on.
seen.clear()
const start = performance.now()
await createUsers(N, "b")
const createdIn = (performance.now() - start) / 1000
await waitFor(N, 600_000)
const liveRate = N / ((last - start) / 1000)

receiver.close()
s.stop()
if (bad > 0) throw new Error(`${bad} requests failed verification`)

const body = [
  `One \`signet serve\` (SQLite, \`synchronous=FULL\`) and a \`node:http\` receiver on loopback that verifies`,
  "every request with `standardwebhooks` (HMAC-SHA256) and answers 204; one endpoint filtered on",
  "`signet.user.created`; the delivery job at its defaults (50 due deliveries per tenant per round, 8 sent at once).",
  "",
  "| run | deliveries | per second |",
  "|---|---|---|",
  `| backlog: ${N} events queued by \`recover {include: "missed"}\` (${requeued} requeued), first → last delivery | ${N} | ${backlogRate.toFixed(0)} |`,
  `| live: ${N} users created by 8 clients (${createdIn.toFixed(1)} s), first create → last delivery | ${N} | ${liveRate.toFixed(0)} |`,
  "",
  "Every delivery verified; each webhook-id arrived (duplicates, had there been retries, counted once)."
].join("\n")
writeSection("Outgoing webhooks: deliveries per second (issue 21 §1)", body)
console.log(body)
