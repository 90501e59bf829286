/**
 * Issue 21 §1 over HTTP: webhook endpoints (create answers the secret
 * once, list, get, update, rotate, delete), a ping to a real loopback
 * receiver verified with `standardwebhooks`' `Webhook.verify`, the delivery
 * log, problem+json for a refused URL, and another tenant's endpoint
 * answering 404. The operator allowance of private targets is set through
 * the server's configuration (`SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS`).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { expect, layer } from "@effect/vitest"
import { UpdateWebhookEndpoint } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import {
  call,
  expectProblem,
  loginToken,
  onboardTenant,
  TEST_PASSWORD,
  TestServer,
  testServer
} from "@signet/server/testing"
import { Effect } from "effect"
import { Webhook } from "standardwebhooks"

/** A loopback receiver answering 200 and recording bodies and headers. */
const receiver = Effect.acquireRelease(
  Effect.async<{
    readonly url: string
    readonly got: Array<{ headers: Record<string, string>; body: string }>
    readonly srv: Http.Server
  }>((resume) => {
    const got: Array<{ headers: Record<string, string>; body: string }> = []
    const srv = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        got.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") })
        res.writeHead(200).end("ok")
      })
    })
    srv.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/in`, got, srv }))
    )
  }),
  (r) => Effect.sync(() => r.srv.close())
)

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, { SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`Webhooks over HTTP on ${dialect} (issue 21)`, (it) => {
    it.scoped("an endpoint is created with its secret once, pinged with a verifiable signature, and managed", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        const admin = yield* onboardTenant("http-hooks")
        const E = "/api/v1/tenants/http-hooks/webhooks/endpoints"
        const created = yield* call("POST", E, {
          auth: admin,
          body: { url: rx.url, event_types: ["signet.test."], description: "ERP" }
        })
        expect(created.status, created.text).toBe(201)
        const { endpoint, secret } = created.body
        expect(secret).toMatch(/^whsec_/)
        const got = yield* call("GET", `${E}/${endpoint.id}`, { auth: admin })
        expect(got.body).toMatchObject({ id: endpoint.id, description: "ERP", enabled: true })
        expect(got.text).not.toContain(secret.slice(6))

        const ping = yield* call("POST", `${E}/${endpoint.id}/ping`, { auth: admin })
        expect(ping.status, ping.text).toBe(200)
        expect(ping.body.delivery).toMatchObject({
          status: "succeeded",
          event_type: "signet.integrations.endpoint.ping"
        })
        expect(ping.body.attempts[0]).toMatchObject({ attempt: 1, status_code: 200, response_excerpt: "ok" })
        const sent = rx.got[0]!
        expect(new Webhook(secret).verify(sent.body, sent.headers)).toMatchObject({ tenantid: expect.any(String) })

        const deliveries = yield* call("GET", `${E}/${endpoint.id}/deliveries`, { auth: admin })
        expect(deliveries.body.map((d: { id: string }) => d.id)).toEqual([ping.body.delivery.id])

        const rotated = yield* call("POST", `${E}/${endpoint.id}/rotate-secret`, { auth: admin })
        expect(rotated.body.secret).not.toBe(secret)
        const updated = yield* call("PATCH", `${E}/${endpoint.id}`, { auth: admin, body: { enabled: false } })
        expect(updated.body.enabled).toBe(false)
        expect((yield* call("DELETE", `${E}/${endpoint.id}`, { auth: admin })).status).toBe(204)
        expect((yield* call("GET", E, { auth: admin })).body).toEqual([])
      })
    )

    it.effect("a URL that is not http(s) answers 400 problem+json naming the rule; nothing is stored", () =>
      Effect.gen(function* () {
        const admin = yield* onboardTenant("http-hooks-bad")
        const E = "/api/v1/tenants/http-hooks-bad/webhooks/endpoints"
        const res = yield* call("POST", E, { auth: admin, body: { url: "ftp://example.com/in" } })
        expectProblem(res, 400)
        expect(res.text).toContain("must use https")
        const filter = yield* call("POST", E, {
          auth: admin,
          body: { url: "https://example.com/in", event_types: ["Bad Type"] }
        })
        expectProblem(filter, 400)
        expect((yield* call("GET", E, { auth: admin })).body).toEqual([])
      })
    )

    it.effect("another tenant's endpoint answers 404", () =>
      Effect.gen(function* () {
        const owner = yield* onboardTenant("http-hooks-a")
        const other = yield* onboardTenant("http-hooks-b")
        const created = yield* call("POST", "/api/v1/tenants/http-hooks-a/webhooks/endpoints", {
          auth: owner,
          body: { url: "https://hooks.example.com/in" }
        })
        const path = `/api/v1/tenants/http-hooks-b/webhooks/endpoints/${created.body.endpoint.id}`
        expectProblem(yield* call("GET", path, { auth: other }), 404)
        expectProblem(yield* call("DELETE", path, { auth: other }), 404)
        expectProblem(yield* call("POST", `${path}/ping`, { auth: other }), 404)
      })
    )

    it.effect("recover over REST: a range answers what it queued; since after until is 400 problem+json", () =>
      Effect.gen(function* () {
        const admin = yield* onboardTenant("http-hooks-recover")
        const E = "/api/v1/tenants/http-hooks-recover/webhooks/endpoints"
        const created = yield* call("POST", E, { auth: admin, body: { url: "https://hooks.example.com/in" } })
        const recover = (body: unknown) =>
          call("POST", `${E}/${created.body.endpoint.id}/recover`, { auth: admin, body })
        const ok = yield* recover({ since: "2026-01-01T00:00:00Z", include: "all" })
        expect(ok.status, ok.text).toBe(200)
        expect(ok.body).toEqual({ requeued: 0, more: false })
        const bad = expectProblem(yield* recover({ since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }), 400)
        expect(bad.detail).toContain("since")
        expectProblem(yield* recover({ since: "yesterday" }), 400)
      })
    )

    it.scoped("the webhook procedures over RPC mirror REST; a student is refused with Forbidden", () =>
      Effect.gen(function* () {
        const rx = yield* receiver
        const admin = yield* onboardTenant("rpc-hooks")
        const server = yield* TestServer
        const rpc = yield* makeRpcClient({ baseUrl: server.url, token: admin, tenant: "rpc-hooks" })
        const { endpoint, secret } = yield* rpc.CreateWebhookEndpoint({ url: rx.url, event_types: ["signet.test."] })
        expect(secret).toMatch(/^whsec_/)
        expect((yield* rpc.ListWebhookEndpoints()).map((e) => e.id)).toEqual([endpoint.id])
        const ping = yield* rpc.PingWebhookEndpoint({ endpoint_id: endpoint.id })
        expect(ping.attempts[0]?.status_code).toBe(200)
        new Webhook(secret).verify(rx.got[0]!.body, rx.got[0]!.headers)
        const updated = yield* rpc.UpdateWebhookEndpoint({
          endpoint_id: endpoint.id,
          patch: new UpdateWebhookEndpoint({ description: "LMS" })
        })
        expect(updated.description).toBe("LMS")
        const missing = yield* Effect.flip(
          rpc.GetWebhookEndpoint({ endpoint_id: "0193a000-0000-7000-8000-000000000000" })
        )
        expect(missing._tag).toBe("WebhookEndpointNotFound")

        yield* call("POST", "/api/v1/tenants/rpc-hooks/users", {
          body: {
            email: "kid@rpc-hooks.example.edu",
            given_name: "K",
            family_name: "D",
            user_type: "student",
            password: TEST_PASSWORD
          }
        })
        const kid = yield* loginToken("rpc-hooks", "kid@rpc-hooks.example.edu")
        const asKid = yield* makeRpcClient({ baseUrl: server.url, token: kid, tenant: "rpc-hooks" })
        expect((yield* Effect.flip(asKid.ListWebhookEndpoints()))._tag).toBe("Forbidden")
        yield* rpc.DeleteWebhookEndpoint({ endpoint_id: endpoint.id })
        expect(yield* rpc.ListWebhookEndpoints()).toEqual([])
      })
    )
  })
}
