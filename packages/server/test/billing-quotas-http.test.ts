/**
 * Issue 20 "Done when", over REST on SQLite and Postgres: a tenant goes
 * from a free trial through usage, a quota warning (the
 * `Signet-Quota-Warning` header), a hard limit (402 problem+json naming the
 * limit and the plan that lifts it, nothing written), an upgrade that lifts
 * it, a downgrade refused with the numbers, and the period's invoice
 * finalized by the close and paid.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, testServer } from "@signet/server/testing"
import { school } from "@signet/server/testing/school"
import { Effect } from "effect"
import { endPeriod, mfaAdmin } from "./billing-support.js"

const plan = (code: string, fixed_amount: number, users: number) => ({
  code,
  name: code,
  interval: "month",
  currency: "EUR",
  fixed_amount,
  entitlements: { features: {}, limits: { "users.max": users } }
})

/** The operator's catalogue for this walk: `walk_free` (3 users) and `walk_pro` (5 users). */
const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/walk_free")).status === 200) return
  expect((yield* call("POST", "/api/v1/billing/plans", { body: plan("walk_free", 0, 3) })).status).toBe(201)
  expect((yield* call("POST", "/api/v1/billing/plans", { body: plan("walk_pro", 2000, 5) })).status).toBe(201)
  const signatures = {
    ...plan("walk_sign", 5000, 100),
    entitlements: { features: {}, limits: { "signatures.monthly": 2 } }
  }
  expect((yield* call("POST", "/api/v1/billing/plans", { body: signatures })).status).toBe(201)
  const rate = {
    ...plan("walk_rate", 6000, 100),
    entitlements: { features: {}, limits: { "api.requests_per_minute": 5 } }
  }
  expect((yield* call("POST", "/api/v1/billing/plans", { body: rate })).status).toBe(201)
})

const teacher = (slug: string, n: number) => ({
  email: `t${n}@${slug}.example.edu`,
  given_name: "T",
  family_name: String(n),
  user_type: "teacher"
})

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `billing quotas over HTTP on ${dialect} (issue 20)`,
    (it) => {
      it.effect("trial → usage → warning → 402 at the hard limit → upgrade → downgrade refused → invoice paid", () =>
        Effect.gen(function* () {
          yield* catalogue
          const slug = "walk-school"
          const T = `/api/v1/tenants/${slug}`
          yield* onboardTenant(slug)
          const admin = yield* mfaAdmin(slug)
          const sub = yield* call("POST", `${T}/billing/subscription`, {
            auth: admin,
            body: { plan_code: "walk_free", trial_days: 14 }
          })
          expect(sub.status, sub.text).toBe(201)
          expect(sub.body).toMatchObject({ status: "trial", plan: { code: "walk_free" } })

          // Usage: the admin is user 1 of 3; user 2 is below 80 %, user 3 reaches 100 %.
          const second = yield* call("POST", `${T}/users`, { auth: admin, body: teacher(slug, 2) })
          expect(second.status, second.text).toBe(201)
          expect(second.headers.get("signet-quota-warning")).toBeNull()
          const third = yield* call("POST", `${T}/users`, { auth: admin, body: teacher(slug, 3) })
          expect(third.status, third.text).toBe(201)
          expect(third.headers.get("signet-quota-warning")).toBe("users.max=3/3")

          // The hard limit: 402, the numbers and the plan that lifts it; nothing written.
          const refused = expectProblem(yield* call("POST", `${T}/users`, { auth: admin, body: teacher(slug, 4) }), 402)
          expect(refused).toMatchObject({
            code: "QuotaExceeded",
            limit: "users.max",
            value: 3,
            used: 3,
            plan: "walk_free",
            upgrade_plan: "walk_pro"
          })
          const listed = yield* call("GET", `${T}/users?limit=50`, { auth: admin })
          expect(listed.body.items.length).toBe(3)

          // The upgrade lifts it at once.
          const upgraded = yield* call("POST", `${T}/billing/subscription/change-plan`, {
            auth: admin,
            body: { plan_code: "walk_pro", when: "now" }
          })
          expect(upgraded.status, upgraded.text).toBe(200)
          const fourth = yield* call("POST", `${T}/users`, { auth: admin, body: teacher(slug, 4) })
          expect(fourth.status, fourth.text).toBe(201)
          expect(fourth.headers.get("signet-quota-warning")).toBe("users.max=4/5")

          // A downgrade below what the tenant holds: refused with the numbers, nothing changed.
          const down = expectProblem(
            yield* call("POST", `${T}/billing/subscription/change-plan`, {
              auth: admin,
              body: { plan_code: "walk_free", when: "period_end" }
            }),
            402
          )
          expect(down).toMatchObject({ limit: "users.max", value: 3, used: 4, plan: "walk_free" })
          const now = yield* call("GET", `${T}/billing/subscription`, { auth: admin })
          expect(now.body).toMatchObject({ plan: { code: "walk_pro" }, scheduled_plan: null })
          const status = yield* call("GET", `${T}/billing/entitlements`, { auth: admin })
          expect(status.body).toEqual({
            plan: "walk_pro",
            version: 1,
            features_off: [],
            limits: [{ limit: "users.max", value: 5, used: 4, soft: false }]
          })

          // The trial (the first period) ends: nothing is invoiced and the subscription is active.
          yield* endPeriod(slug)
          const trialClosed = yield* call("POST", `${T}/billing/close-periods`)
          expect(trialClosed.status, trialClosed.text).toBe(200)
          expect(trialClosed.body.invoices).toHaveLength(0)
          const active = yield* call("GET", `${T}/billing/subscription`, { auth: admin })
          expect(active.body).toMatchObject({ status: "active", plan: { code: "walk_pro" } })

          // The first paid period ends: the close finalizes its invoice, which the admin pays (step-up session).
          yield* endPeriod(slug)
          const closed = yield* call("POST", `${T}/billing/close-periods`)
          expect(closed.status, closed.text).toBe(200)
          expect(closed.body.invoices).toHaveLength(1)
          const number = closed.body.invoices[0].number as string
          const invoice = yield* call("GET", `${T}/billing/invoices/${number}`, { auth: admin })
          expect(invoice.body).toMatchObject({ number, status: "finalized", currency: "EUR", total: 2000 })
          const paid = yield* call("POST", `${T}/billing/invoices/${number}/pay`, {
            auth: admin,
            body: { reference: "SEPA-WALK-1" }
          })
          expect(paid.status, paid.text).toBe(200)
          expect(paid.body).toMatchObject({ number, status: "paid", payment_reference: "SEPA-WALK-1" })
        })
      )

      it.effect("signatures.monthly: a roll call past the month's limit is refused whole (402), nothing marked", () =>
        Effect.gen(function* () {
          yield* catalogue
          const f = yield* school("walk-sign", { students: ["ann", "bob", "cyd"], teachers: [] }, [
            { name: "Maths", startIn: -10, endIn: 50 },
            { name: "Art", startIn: -5, endIn: 55 }
          ])
          const admin = yield* mfaAdmin("walk-sign")
          const sub = yield* f.post("/billing/subscription", { plan_code: "walk_sign" }, admin)
          expect(sub.status, sub.text).toBe(201)
          const [maths, art] = f.courses
          const mark = (names: ReadonlyArray<string>) => ({
            marks: names.map((n) => ({ student_id: f.users[n].id, result: "PRESENT" }))
          })
          const first = yield* f.post(`/courses/${maths.id}/roll`, mark(["ann"]), admin)
          expect(first.status, first.text).toBe(200)
          const refused = expectProblem(yield* f.post(`/courses/${art.id}/roll`, mark(["ann", "bob"]), admin), 402)
          expect(refused).toMatchObject({ limit: "signatures.monthly", value: 2, used: 2, adding: 1 })
          expect(refused.period).toMatch(/^\d{4}-\d{2}$/)
          const roll = yield* f.get(`/courses/${art.id}/roll`, admin)
          expect(roll.body.counts.PRESENT).toBe(0)
          const status = yield* f.get("/billing/entitlements", admin)
          expect(status.body.limits).toEqual([
            { limit: "signatures.monthly", value: 2, used: 1, soft: false, period: refused.period }
          ])
        })
      )

      it.effect("api.requests_per_minute: the plan's rate refuses the tenant's requests past it with 429", () =>
        Effect.gen(function* () {
          yield* catalogue
          yield* onboardTenant("walk-rate")
          const admin = yield* mfaAdmin("walk-rate")
          const T = "/api/v1/tenants/walk-rate"
          const sub = yield* call("POST", `${T}/billing/subscription`, {
            auth: admin,
            body: { plan_code: "walk_rate" }
          })
          expect(sub.status, sub.text).toBe(201)
          // 12 requests: at most 5 per fixed 60 s window, so at most 10 pass even across a window's edge.
          const answers = []
          for (let n = 0; n < 12; n++) answers.push(yield* call("GET", `${T}/users`, { auth: admin }))
          expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(10)
          const refused = answers.find((r) => r.status === 429)
          if (refused === undefined) throw new Error("no request was refused")
          expect(expectProblem(refused, 429).code).toBe("RateLimited")
          expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
          // Another tenant without that plan is not held back.
          const other = yield* onboardTenant("walk-rate-b")
          expect((yield* call("GET", "/api/v1/tenants/walk-rate-b/users", { auth: other })).status).toBe(200)
        })
      )

      it.effect("one tenant at its limit does not limit another without a plan", () =>
        Effect.gen(function* () {
          const other = yield* onboardTenant("walk-other")
          for (let n = 2; n <= 5; n++) {
            const created = yield* call("POST", "/api/v1/tenants/walk-other/users", {
              auth: other,
              body: teacher("walk-other", n)
            })
            expect(created.status, created.text).toBe(201)
            expect(created.headers.get("signet-quota-warning")).toBeNull()
          }
        })
      )
    }
  )
}
