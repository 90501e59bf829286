/**
 * Issue 20 payments, the per-plan downgrade policy over REST, on SQLite and
 * Postgres: an incoherent policy is a 400 problem+json and no plan is
 * written; a coherent one round-trips through create, get and update.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const plan = (code: string, fixed_amount: number, extra: Record<string, unknown> = {}) => ({
  code,
  name: code,
  interval: "month",
  currency: "EUR",
  fixed_amount,
  ...extra
})

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `billing downgrade policy over HTTP on ${dialect} (issue 20)`,
    (it) => {
      it.effect("a bad downgrade policy is a 400 problem+json and no plan is written", () =>
        Effect.gen(function* () {
          expect((yield* call("POST", "/api/v1/billing/plans", { body: plan("dgh_free", 0) })).status).toBe(201)
          const bodies = [
            plan("dgh_bad1", 100, { downgrade_policy: "suspend", downgrade_to: "dgh_free" }),
            plan("dgh_bad2", 100, { downgrade_policy: "downgrade" }),
            plan("dgh_bad3", 100, { downgrade_policy: "downgrade", downgrade_to: "nope" }),
            plan("dgh_bad4", 100, { currency: "USD", downgrade_policy: "downgrade", downgrade_to: "dgh_free" })
          ]
          for (const body of bodies) {
            expectProblem(yield* call("POST", "/api/v1/billing/plans", { body }), 400)
            expect((yield* call("GET", `/api/v1/billing/plans/${body.code}`)).status).toBe(404)
          }
        })
      )

      it.effect("a downgrade policy round-trips through create, get and update", () =>
        Effect.gen(function* () {
          expect((yield* call("POST", "/api/v1/billing/plans", { body: plan("dgh_basic", 0) })).status).toBe(201)
          const created = yield* call("POST", "/api/v1/billing/plans", {
            body: plan("dgh_pro", 5000, { downgrade_policy: "downgrade", downgrade_to: "dgh_basic" })
          })
          expect(created.status, created.text).toBe(201)
          const got = yield* call("GET", "/api/v1/billing/plans/dgh_pro")
          expect(got.body).toMatchObject({ version: 1, downgrade_policy: "downgrade", downgrade_to: "dgh_basic" })
          const v2 = yield* call("PUT", "/api/v1/billing/plans/dgh_pro", {
            body: { ...plan("dgh_pro", 5000), code: undefined }
          })
          expect(v2.body).toMatchObject({ version: 2, downgrade_policy: "cancel", downgrade_to: null })
        })
      )
    }
  )
}
