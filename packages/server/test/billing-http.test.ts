/**
 * Issue 20 (billing, first slice) over REST: the operator's catalogue
 * (versioned plans, platform meters), a tenant admin's subscription with the
 * MFA step-up and the proration figures, idempotent usage ingestion and
 * usage queries, bad input as problem+json with nothing written, and tenant
 * isolation — on SQLite and Postgres.
 */
import { expect, layer } from "@effect/vitest"
import { UsageBatch } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { DateTime, Effect, Schema } from "effect"
import { mfaAdmin } from "./billing-support.js"

const plan = (code: string, fixed_amount: number) => ({
  code,
  name: code,
  interval: "month",
  currency: "EUR",
  fixed_amount
})

/** The catalogue, made once per server by the operator: two plans and a platform meter. */
const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/team")).status === 200) return
  const meter = yield* call("POST", "/api/v1/billing/meters", {
    body: { code: "seats", name: "Seats", event_type: "seat.active", aggregation: "unique_count", value_path: "$.user" }
  })
  expect(meter.status, meter.text).toBe(201)
  expect((yield* call("POST", "/api/v1/billing/plans", { body: plan("team", 3000) })).status).toBe(201)
  const business = yield* call("POST", "/api/v1/billing/plans", {
    body: {
      ...plan("business", 12000),
      charges: [
        {
          meter: "seats",
          price: {
            _tag: "volume",
            tiers: [
              { up_to: 10, unit_amount: 500 },
              { up_to: null, unit_amount: 400 }
            ]
          }
        }
      ],
      entitlements: { features: { sso: true }, limits: { "users.max": 1000 } }
    }
  })
  expect(business.status, business.text).toBe(201)
})

const event = (id: string, tokens: number, time = "2026-03-01T10:00:00Z") => ({
  id,
  source: "/app",
  type: "ai.tokens",
  subject: "team-1",
  time,
  data: { tokens }
})

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `billing over HTTP on ${dialect} (issue 20)`,
    (it) => {
      it.effect(
        "the operator's catalogue: create, edit into version 2, versions listed; a tenant token is refused",
        () =>
          Effect.gen(function* () {
            yield* catalogue
            const v2 = yield* call("PUT", "/api/v1/billing/plans/team", {
              body: { ...plan("team", 3500), code: undefined }
            })
            expect(v2.status, v2.text).toBe(201)
            expect(v2.body).toMatchObject({ code: "team", version: 2, fixed_amount: 3500 })
            const versions = yield* call("GET", "/api/v1/billing/plans/team/versions")
            expect(versions.body.map((p: { version: number }) => p.version)).toEqual([1, 2])
            const admin = yield* onboardTenant("billhttp-cat")
            expectProblem(yield* call("POST", "/api/v1/billing/plans", { auth: admin, body: plan("x", 1) }), 401)
            expectProblem(
              yield* call("POST", "/api/v1/billing/plans", { body: { ...plan("eur", 1), currency: "EUX" } }),
              400
            )
          })
      )

      it.effect("a subscription needs the step-up; the upgrade answers its proration", () =>
        Effect.gen(function* () {
          yield* catalogue
          const plain = yield* onboardTenant("billhttp-sub")
          const B = "/api/v1/tenants/billhttp-sub/billing"
          const refused = expectProblem(
            yield* call("POST", `${B}/subscription`, { auth: plain, body: { plan_code: "team" } }),
            403
          )
          expect(refused.permission).toBe("mfa:step-up")
          expectProblem(yield* call("GET", `${B}/subscription`, { auth: plain }), 404)
          const admin = yield* mfaAdmin("billhttp-sub")
          const created = yield* call("POST", `${B}/subscription`, { auth: admin, body: { plan_code: "team" } })
          expect(created.status, created.text).toBe(201)
          expect(created.body).toMatchObject({ status: "active", plan: { code: "team" } })
          const changed = yield* call("POST", `${B}/subscription/change-plan`, {
            auth: admin,
            body: { plan_code: "business", when: "now" }
          })
          expect(changed.status, changed.text).toBe(200)
          const p = changed.body.proration
          // Figures recomputed from what the answer states (the period is the real clock's).
          expect(p.credit).toBe(
            Math.floor((2 * p.old_fixed_amount * p.seconds_remaining + p.seconds_in_period) / (2 * p.seconds_in_period))
          )
          expect(p.charge).toBe(
            Math.floor((2 * 12000 * p.seconds_remaining + p.seconds_in_period) / (2 * p.seconds_in_period))
          )
          expect(p.net).toBe(p.charge - p.credit)
          expect(p.computation).toContain(`= ${p.net}`)
          const read = yield* call("GET", `${B}/subscription`, { auth: plain })
          expect(read.body.plan).toMatchObject({ code: "business", entitlements: { features: { sso: true } } })
          const cancel = yield* call("POST", `${B}/subscription/cancel`, { auth: admin })
          expect(cancel.body.cancel_at_period_end).toBe(true)
        })
      )

      it.effect("usage ingested twice is counted once, and queried by window", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("billhttp-usage")
          const B = "/api/v1/tenants/billhttp-usage/billing"
          const meter = yield* call("POST", `${B}/meters`, {
            auth: admin,
            body: {
              code: "tokens",
              name: "Tokens",
              event_type: "ai.tokens",
              aggregation: "sum",
              value_path: "$.tokens"
            }
          })
          expect(meter.status, meter.text).toBe(201)
          const events = [event("a", 10), event("b", 20), event("c", 5, "2026-03-02T08:00:00Z")]
          expect((yield* call("POST", `${B}/events`, { auth: admin, body: events })).body).toEqual({
            accepted: 3,
            duplicates: 0
          })
          expect((yield* call("POST", `${B}/events`, { auth: admin, body: events })).body).toEqual({
            accepted: 0,
            duplicates: 3
          })
          const usage = yield* call(
            "GET",
            `${B}/meters/tokens/usage?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&window=day`,
            { auth: admin }
          )
          expect(usage.status, usage.text).toBe(200)
          expect(usage.body.rows.map((r: { value: number }) => r.value)).toEqual([30, 5])
        })
      )

      it.effect("bad input is a problem+json and nothing is written", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("billhttp-bad")
          const B = "/api/v1/tenants/billhttp-bad/billing"
          yield* call("POST", `${B}/meters`, {
            auth: admin,
            body: {
              code: "tokens",
              name: "Tokens",
              event_type: "ai.tokens",
              aggregation: "sum",
              value_path: "$.tokens"
            }
          })
          yield* call("POST", `${B}/events`, { auth: admin, body: [event("a", 10)] })
          const tooMany = Array.from({ length: 1001 }, (_, i) => event(`n${i}`, 1))
          expectProblem(yield* call("POST", `${B}/events`, { auth: admin, body: tooMany }), 400)
          const { id: _id, ...noId } = event("x", 1)
          expectProblem(yield* call("POST", `${B}/events`, { auth: admin, body: [noId] }), 400)
          expectProblem(yield* call("POST", `${B}/events`, { auth: admin, body: [event("neg", -3)] }), 400)
          expectProblem(
            yield* call("POST", `${B}/events`, { auth: admin, body: [event("new", 1), event("a", 99)] }),
            409
          )
          expectProblem(
            yield* call("GET", `${B}/meters/nope/usage?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z`, {
              auth: admin
            }),
            404
          )
          expectProblem(yield* call("POST", `${B}/subscription`, { body: { plan_code: "no-such-plan" } }), 404)
          const usage = yield* call(
            "GET",
            `${B}/meters/tokens/usage?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z`,
            {
              auth: admin
            }
          )
          expect(usage.body.rows.map((r: { value: number }) => r.value)).toEqual([10])
        })
      )

      it.scoped(
        "over RPC: IngestUsage is idempotent and GetMeterUsage reads it; a missing subscription is the same tagged error",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("billrpc")
            yield* call("POST", "/api/v1/tenants/billrpc/billing/meters", {
              auth: admin,
              body: {
                code: "tokens",
                name: "Tokens",
                event_type: "ai.tokens",
                aggregation: "sum",
                value_path: "$.tokens"
              }
            })
            const server = yield* TestServer
            const rpc = yield* makeRpcClient({ baseUrl: server.url, token: admin })
            const decoded = Schema.decodeUnknownSync(UsageBatch)([event("r1", 4), event("r2", 6)])
            expect(yield* rpc.IngestUsage({ events: decoded })).toMatchObject({ accepted: 2, duplicates: 0 })
            expect(yield* rpc.IngestUsage({ events: decoded })).toMatchObject({ accepted: 0, duplicates: 2 })
            const usage = yield* rpc.GetMeterUsage({
              code: "tokens",
              from: DateTime.unsafeMake("2026-03-01T00:00:00Z"),
              to: DateTime.unsafeMake("2026-04-01T00:00:00Z")
            })
            expect(usage.rows.map((r) => r.value)).toEqual([10])
            expect((yield* Effect.flip(rpc.GetSubscription()))._tag).toBe("SubscriptionNotFound")
          })
      )

      it.effect("another tenant's billing answers 404", () =>
        Effect.gen(function* () {
          yield* catalogue
          yield* onboardTenant("billhttp-iso-a")
          yield* call("POST", "/api/v1/tenants/billhttp-iso-a/billing/subscription", { body: { plan_code: "team" } })
          const other = yield* onboardTenant("billhttp-iso-b")
          expectProblem(yield* call("GET", "/api/v1/tenants/billhttp-iso-a/billing/subscription", { auth: other }), 404)
          expectProblem(yield* call("GET", "/api/v1/tenants/billhttp-iso-b/billing/subscription", { auth: other }), 404)
        })
      )
    }
  )
}
