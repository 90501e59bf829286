/**
 * Webhook redirects (issue 21 §1: "refuse private, loopback, link-local and
 * metadata addresses after DNS resolution (and on every redirect)"): a 307 or
 * 308 is followed with the same signed POST, at most `MAX_WEBHOOK_REDIRECTS` times,
 * each Location checked by the endpoint URL's rules; 301/302/303 are not
 * followed. Loopback receivers (private targets allowed, as the operator can);
 * the refusal rules themselves on `redirectTarget`.
 */

import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import { CreateWebhookEndpoint, MAX_WEBHOOK_REDIRECTS, redirectTarget, Webhooks } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { Webhook } from "standardwebhooks"
import { testCore } from "./support.js"
import { inFreshTenant } from "./webhook-support.js"

/** A loopback receiver: `/hook` → 307 to `/final`, `/moved` → 302, `/loop` → 307 to itself, `/final` → 200. */
const receiver = Effect.acquireRelease(
  Effect.async<{
    readonly base: string
    readonly got: Array<{ path: string; headers: Http.IncomingHttpHeaders; body: string }>
    readonly srv: Http.Server
  }>((resume) => {
    const got: Array<{ path: string; headers: Http.IncomingHttpHeaders; body: string }> = []
    const srv = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        got.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
        if (req.url === "/hook") res.writeHead(307, { location: "/final" }).end()
        else if (req.url === "/moved") res.writeHead(302, { location: "/final" }).end()
        else if (req.url === "/loop") res.writeHead(307, { location: "/loop" }).end()
        else res.writeHead(200).end("ok")
      })
    })
    srv.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, got, srv }))
    )
  }),
  (s) => Effect.sync(() => s.srv.close())
)

/** Creates an endpoint at `url` and pings it once; answers the first attempt and the secret. */
const pingAt = (url: string) =>
  Effect.gen(function* () {
    yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true }))
    const { endpoint, secret } = yield* Webhooks.use((w) =>
      w.create(Schema.decodeUnknownSync(CreateWebhookEndpoint)({ url }))
    )
    const detail = yield* Webhooks.use((w) => w.ping(endpoint.id))
    return { attempt: detail.attempts[0]!, secret }
  })

describe("redirectTarget (the rules of each hop)", () => {
  const from = new URL("https://hooks.example.org/in")
  const strict = { allowPrivateTargets: false }
  it("a relative Location resolves against the current URL", () => {
    expect(String(redirectTarget(from, "/v2/in", strict))).toBe("https://hooks.example.org/v2/in")
  })
  it("a redirect to plain http, a private or link-local address, or loopback is refused", () => {
    expect(redirectTarget(from, "http://hooks.example.org/in", strict)).toBe("must use https")
    expect(redirectTarget(from, "https://169.254.169.254/latest/meta-data", strict)).toContain("non-public")
    expect(redirectTarget(from, "https://10.1.2.3/", strict)).toContain("non-public")
    expect(redirectTarget(from, "https://localhost/", strict)).toContain("loopback")
  })
  it("a missing Location is refused", () => {
    expect(redirectTarget(from, undefined, strict)).toContain("missing")
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`webhook redirects on ${dialect}`, (it) => {
    it.scoped("a 307 is followed: the receiver's new location gets the same signed POST", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        const { attempt, secret } = yield* inFreshTenant("whr-307", pingAt(`${rx.base}/hook`))
        expect(attempt.status_code).toBe(200)
        expect(attempt.error).toBeNull()
        expect(rx.got.map((g) => g.path)).toEqual(["/hook", "/final"])
        const final = rx.got[1]!
        expect(new Webhook(secret).verify(final.body, final.headers as Record<string, string>)).toBeTruthy()
      })
    )

    it.scoped("a 302 is not followed: the attempt fails naming the new location", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        const { attempt } = yield* inFreshTenant("whr-302", pingAt(`${rx.base}/moved`))
        expect(attempt.status_code).toBe(302)
        expect(attempt.error).toContain("update the endpoint's URL to /final")
        expect(rx.got.map((g) => g.path)).toEqual(["/moved"])
      })
    )

    it.scoped("a redirect loop stops after MAX_WEBHOOK_REDIRECTS hops", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        const { attempt } = yield* inFreshTenant("whr-loop", pingAt(`${rx.base}/loop`))
        expect(attempt.error).toContain(`more than ${MAX_WEBHOOK_REDIRECTS} redirects`)
        expect(rx.got).toHaveLength(MAX_WEBHOOK_REDIRECTS + 1)
      })
    )
  })
}
