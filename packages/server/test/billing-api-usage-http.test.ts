/**
 * Issue 20 "Metering … from Signet's own domain (… API requests — emitted
 * from the outbox, never counted twice)" through the server, on SQLite and
 * Postgres: the tenant's admitted REST and RPC requests (users' and API
 * keys') appear in a platform meter `sum` over `$.count` of
 * `signet.billing.api_requests.counted`, each once; operators' requests and
 * requests refused by a rate limit are not metered.
 */
import { expect, layer } from "@effect/vitest"
import type { UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect, Option } from "effect"

/** The platform meter of API requests, made once per server (as the operator). */
const apiMeter = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/meters")).body.some((m: { code: string }) => m.code === "api_requests"))
    return
  const made = yield* call("POST", "/api/v1/billing/meters", {
    body: {
      code: "api_requests",
      name: "API requests",
      event_type: "signet.billing.api_requests.counted",
      aggregation: "sum",
      value_path: "$.count"
    }
  })
  expect(made.status, made.text).toBe(201)
})

/** Tenant `slug`'s metered API requests this month, read by the operator (whose requests are not metered). */
const metered = (slug: string) =>
  Effect.map(call("GET", `/api/v1/tenants/${slug}/billing/meters/api_requests/usage`), (res) => {
    expect(res.status, res.text).toBe(200)
    return (res.body.rows as Array<{ value: number | null }>).reduce((sum, r) => sum + (r.value ?? 0), 0)
  })

/**
 * Waits until tenant `slug`'s metered requests reach `expected` (the flush
 * runs every 200 ms, then the outbox dispatcher stores the usage), then
 * waits for two more flushes and answers the figure again: it must not grow.
 */
const settle = (slug: string, expected: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 300 && (yield* metered(slug)) < expected; i++) yield* Effect.sleep("100 millis")
    yield* Effect.sleep("600 millis")
    return yield* metered(slug)
  })

const me = (slug: string, token: string) => call("GET", `/api/v1/tenants/${slug}/me`, { auth: token })

for (const dialect of testDialects()) {
  layer(testServer(dialect, { apiUsageFlushMs: 200 }), { timeout: 120_000, excludeTestServices: true })(
    `billing: API requests metered on ${dialect} (issue 20)`,
    (it) => {
      it.effect("a user's REST and RPC requests and an API key's are metered once each; the operator's are not", () =>
        Effect.gen(function* () {
          yield* apiMeter
          const admin = yield* onboardTenant("api-meter")
          for (let i = 0; i < 4; i++) expect((yield* me("api-meter", admin)).status).toBe(200)
          const server = yield* TestServer
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: admin, tenant: "api-meter" })
          const self = (yield* me("api-meter", admin)).body.id as UserId
          yield* rpc.GetUserLite({ user_id: self })
          // Made by the operator: not metered.
          const minted = yield* call("POST", "/api/v1/tenants/api-meter/api-keys", {
            body: { name: "sync", permissions: ["users:read"] }
          })
          expect(minted.status, minted.text).toBe(201)
          for (let i = 0; i < 3; i++)
            expect((yield* call("GET", "/api/v1/tenants/api-meter/users", { auth: minted.body.key })).status).toBe(200)
          // 4 + 1 (`me` for the id) + 1 RPC + 3 with the key.
          expect(yield* settle("api-meter", 9)).toBe(9)
        }).pipe(Effect.scoped)
      )
    }
  )

  layer(
    testServer(dialect, {
      apiUsageFlushMs: 200,
      apiRateLimits: {
        address: Option.none(),
        user: Option.some({ count: 3, windowSeconds: 86_400 }),
        apiKey: Option.none(),
        tenant: Option.none()
      }
    }),
    { timeout: 120_000, excludeTestServices: true }
  )(`billing: API requests refused are not metered on ${dialect} (issue 20)`, (it) => {
    it.effect("requests refused with 429 by the user's rate limit are not metered", () =>
      Effect.gen(function* () {
        yield* apiMeter
        const admin = yield* onboardTenant("api-meter-429")
        for (let i = 0; i < 3; i++) expect((yield* me("api-meter-429", admin)).status).toBe(200)
        for (let i = 0; i < 2; i++) expectProblem(yield* me("api-meter-429", admin), 429)
        expect(yield* settle("api-meter-429", 3)).toBe(3)
      })
    )
  })
}
