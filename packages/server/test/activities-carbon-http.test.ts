/**
 * Issue 22 "Carbon footprints" over HTTP and RPC: a footprint recorded on a
 * school answers its computed kg CO₂e; an incompatible unit is a
 * problem+json 400 (`UnitConversionError`) that writes nothing; the
 * school's and the tenant's totals by scope and category; delete and
 * restore through `POST …/activities/footprints/{id}/restore`; another
 * tenant gets 404.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Carbon footprints over HTTP on ${dialect} (issue 22)`,
    (it) => {
      it.scoped("record, refuse incompatible units, total, delete and restore; another tenant gets 404", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-co2")
          const school = yield* call("POST", "/api/v1/tenants/http-co2/schools", { auth: admin, body: { name: "S" } })
          expect(school.status, school.text).toBe(201)
          const C = "/api/v1/tenants/http-co2/activities/carbon"
          const body = {
            target_type: "school",
            target_id: school.body.id,
            scope: 3,
            category: "transport",
            quantity: 100,
            unit: "km",
            factor_kg_per_unit: 0.25,
            factor_unit: "km",
            factor_source: "DEFRA 2024",
            period_start: "2026-03-01",
            period_end: "2026-03-31"
          }
          const made = yield* call("POST", `${C}/footprints`, { auth: admin, body })
          expect(made.status, made.text).toBe(201)
          expect(made.body).toMatchObject({ co2e_kg: 25, scope: 3, category: "transport" })
          const energy = yield* call("POST", `${C}/footprints`, {
            auth: admin,
            body: {
              ...body,
              scope: 2,
              category: "energy",
              quantity: 1.5,
              unit: "MWh",
              factor_kg_per_unit: 0.2,
              factor_unit: "kWh"
            }
          })
          expect(energy.body.co2e_kg).toBe(300)

          const refused = yield* call("POST", `${C}/footprints`, {
            auth: admin,
            body: { ...body, unit: "kWh", factor_unit: "km" }
          })
          expectProblem(refused, 400)
          expect(refused.text).toContain("UnitConversionError")
          expectProblem(yield* call("POST", `${C}/footprints`, { auth: admin, body: { ...body, quantity: -1 } }), 400)

          const q = `target_type=school&target_id=${school.body.id}`
          const list = yield* call("GET", `${C}/footprints?${q}`, { auth: admin })
          expect(list.body.items.map((f: { id: string }) => f.id)).toEqual([energy.body.id, made.body.id])
          const totals = yield* call("GET", `${C}/totals?${q}`, { auth: admin })
          expect(totals.status, totals.text).toBe(200)
          expect(totals.body).toMatchObject({ total_kg: 325, by_scope: { "1": 0, "2": 300, "3": 25 } })
          const tenant = yield* call("GET", `${C}/totals?from=2026-03-01&to=2026-03-31`, { auth: admin })
          expect(tenant.body.total_kg).toBe(325)

          expect((yield* call("DELETE", `${C}/footprints/${made.body.id}`, { auth: admin })).status).toBe(204)
          expect((yield* call("GET", `${C}/totals?${q}`, { auth: admin })).body.total_kg).toBe(300)
          const restored = yield* call(
            "POST",
            `/api/v1/tenants/http-co2/activities/footprints/${made.body.id}/restore`,
            { auth: admin }
          )
          expect(restored.status, restored.text).toBe(200)
          expect((yield* call("GET", `${C}/totals?${q}`, { auth: admin })).body.total_kg).toBe(325)

          const other = yield* onboardTenant("http-co2-b")
          const B = "/api/v1/tenants/http-co2-b/activities/carbon"
          expectProblem(yield* call("GET", `${B}/footprints/${made.body.id}`, { auth: other }), 404)
          expectProblem(yield* call("GET", `${B}/totals?${q}`, { auth: other }), 404)
          expectProblem(yield* call("POST", `${B}/footprints`, { auth: other, body }), 404)
          const rpc = yield* Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, token: other }))
          expect((yield* Effect.flip(rpc.GetFootprint({ id: made.body.id })))._tag).toBe("ActivityNotFound")
        })
      )
    }
  )
}
