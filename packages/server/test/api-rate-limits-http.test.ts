/**
 * API rate limits (issue 21 §5) over REST and RPC: per user, per API key, per
 * tenant and per client address, 429 `RateLimited` as problem+json with
 * `Retry-After` and the `RateLimit-*` fields, refusals counted in `/metrics`,
 * operators unlimited. Day-long windows: a test cannot straddle a window
 * boundary and see a count reset.
 */
import { expect, layer } from "@effect/vitest"
import type { UserId } from "@signet/core"
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
import { Effect, Option } from "effect"

const day = (count: number) => Option.some({ count, windowSeconds: 86_400 })

const limits = {
  address: Option.none(),
  user: day(3),
  apiKey: day(2),
  tenant: Option.none()
}

const me = (slug: string, token: string) => call("GET", `/api/v1/tenants/${slug}/me`, { auth: token })

/** A second user (a teacher) of `slug`, signed in. */
const teacher = (slug: string, name: string) =>
  Effect.gen(function* () {
    const created = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
      body: {
        email: `${name}@${slug}.example.edu`,
        given_name: "T",
        family_name: name,
        user_type: "teacher",
        password: TEST_PASSWORD
      }
    })
    expect(created.status).toBe(201)
    return yield* loginToken(slug, `${name}@${slug}.example.edu`)
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect, { apiRateLimits: limits }), { timeout: 120_000, excludeTestServices: true })(
    `API rate limits per user and API key on ${dialect}`,
    (it) => {
      it.effect("a user's requests carry RateLimit fields counting down to the limit", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("rl-count")
          const seen: Array<string | null> = []
          for (let i = 0; i < 3; i++) {
            const r = yield* me("rl-count", token)
            expect(r.status).toBe(200)
            expect(r.headers.get("ratelimit-limit")).toBe("3")
            seen.push(r.headers.get("ratelimit-remaining"))
          }
          expect(seen).toEqual(["2", "1", "0"])
        })
      )

      it.effect("over the user limit: 429 problem+json with Retry-After, the route not run", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("rl-user")
          for (let i = 0; i < 3; i++) expect((yield* me("rl-user", token)).status).toBe(200)
          // A write over the limit changes nothing: the user it would create does not exist.
          const refused = yield* call("POST", "/api/v1/tenants/rl-user/users", {
            auth: token,
            body: { email: "late@rl-user.example.edu", given_name: "L", family_name: "L", user_type: "student" }
          })
          const problem = expectProblem(refused, 429)
          expect(problem.code).toBe("RateLimited")
          expect(problem.detail).toContain("this user")
          const retry = Number(refused.headers.get("retry-after"))
          expect(retry).toBeGreaterThan(0)
          expect(retry).toBeLessThanOrEqual(86_400)
          expect(refused.headers.get("ratelimit-remaining")).toBe("0")
          const users = yield* call("GET", "/api/v1/tenants/rl-user/users?q=late")
          expect(users.status).toBe(200)
          expect(JSON.stringify(users.body)).not.toContain("late@rl-user")
        })
      )

      it.effect("one user's limit leaves another user of the same tenant untouched", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("rl-two")
          const other = yield* teacher("rl-two", "bea")
          for (let i = 0; i < 4; i++) yield* me("rl-two", admin)
          expect((yield* me("rl-two", admin)).status).toBe(429)
          const r = yield* me("rl-two", other)
          expect(r.status).toBe(200)
          expect(r.headers.get("ratelimit-remaining")).toBe("2")
        })
      )

      it.effect("an API key has its own bucket under the API-key limit", () =>
        Effect.gen(function* () {
          yield* onboardTenant("rl-key")
          const minted = yield* call("POST", "/api/v1/tenants/rl-key/api-keys", {
            body: { name: "sync", permissions: ["users:read"] }
          })
          expect(minted.status).toBe(201)
          const key = minted.body.key as string
          const list = () => call("GET", "/api/v1/tenants/rl-key/users", { auth: key })
          expect((yield* list()).headers.get("ratelimit-limit")).toBe("2")
          expect((yield* list()).status).toBe(200)
          const refused = expectProblem(yield* list(), 429)
          expect(refused.detail).toContain("API key")
        })
      )

      it.effect("operators are not limited", () =>
        Effect.gen(function* () {
          yield* onboardTenant("rl-op")
          for (let i = 0; i < 6; i++) {
            const r = yield* call("GET", "/api/v1/tenants/rl-op/users")
            expect(r.status).toBe(200)
            expect(r.headers.get("ratelimit-limit")).toBeNull()
          }
        })
      )

      it.effect("RPC calls count against the same user bucket and fail with the typed RateLimited", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("rl-rpc")
          const server = yield* TestServer
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token, tenant: "rl-rpc" })
          const self = (yield* me("rl-rpc", token)).body.id as UserId
          expect((yield* rpc.GetUserLite({ user_id: self })).id).toBe(self)
          expect((yield* me("rl-rpc", token)).status).toBe(200)
          const error = yield* Effect.flip(rpc.GetUserLite({ user_id: self }))
          expect(error._tag).toBe("RateLimited")
        }).pipe(Effect.scoped)
      )

      it.effect("refusals are counted in /metrics by scope", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("rl-metrics")
          const before = yield* call("GET", "/metrics", { auth: false })
          const count = (text: string) =>
            Number(/signet_rate_limited_total\{scope="user"\} (\d+)/.exec(text)?.[1] ?? "0")
          for (let i = 0; i < 5; i++) yield* me("rl-metrics", token)
          const after = yield* call("GET", "/metrics", { auth: false })
          expect(count(after.text) - count(before.text)).toBe(2)
        })
      )
    }
  )

  layer(testServer(dialect, { apiRateLimits: { ...limits, user: Option.none(), tenant: day(5) } }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`API rate limit per tenant on ${dialect}`, (it) => {
    it.effect("the tenant limit counts every user of the tenant together", () =>
      Effect.gen(function* () {
        const admin = yield* onboardTenant("rl-tenant")
        const other = yield* teacher("rl-tenant", "cyd")
        for (let i = 0; i < 3; i++) expect((yield* me("rl-tenant", admin)).status).toBe(200)
        for (let i = 0; i < 2; i++) expect((yield* me("rl-tenant", other)).status).toBe(200)
        const refused = expectProblem(yield* me("rl-tenant", other), 429)
        expect(refused.detail).toContain("this tenant")
        // Another tenant has its own bucket.
        const elsewhere = yield* onboardTenant("rl-tenant-b")
        expect((yield* me("rl-tenant-b", elsewhere)).status).toBe(200)
      })
    )
  })

  layer(
    testServer(dialect, {
      apiRateLimits: { address: day(3), user: Option.none(), apiKey: Option.none(), tenant: Option.none() }
    }),
    { timeout: 120_000, excludeTestServices: true }
  )(`API rate limit per address on ${dialect}`, (it) => {
    it.effect(
      "unauthenticated API requests count per address; a forged X-Forwarded-For does not evade it; /health is not counted",
      () =>
        Effect.gen(function* () {
          const anonymous = (headers: Record<string, string> = {}) =>
            call("GET", "/api/v1/tenants/nowhere/me", { auth: false, headers })
          for (let i = 0; i < 3; i++) expect((yield* anonymous()).status).toBe(401)
          const refused = yield* anonymous({ "x-forwarded-for": "203.0.113.9" })
          const problem = expectProblem(refused, 429)
          expect(problem.detail).toContain("this address")
          expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
          expect((yield* call("GET", "/health", { auth: false })).status).toBe(200)
        })
    )
  })
}
