/**
 * Issue 20 (billing, first slice): the plan catalogue and a tenant's
 * subscription lifecycle through the core facades (`BillingPlatform`,
 * `BillingAdmin`), on SQLite and Postgres — versioning, proration figures
 * checked against hand-computed values, scheduled changes, cancellation,
 * trials, the step-up, permissions and tenant isolation.
 */
import { expect, layer } from "@effect/vitest"
import {
  type Actor,
  BillingAdmin,
  BillingPlatform,
  ChangePlan,
  CreateSubscription,
  CreateUser,
  Identity
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Effect, Schema, TestClock } from "effect"
import { asOperator, billingRead, billingWrite, catalogue, planBody } from "./billing-support.js"
import {
  ADMIN_PASSWORD,
  adminSession,
  auditCount,
  inTenant,
  onboardWithAdmin as onboard,
  outboxCount,
  recordStepUp,
  type TenantRef,
  testCore
} from "./support.js"

const subscribe = (plan_code: string, trial_days?: number) =>
  BillingAdmin.createSubscription(
    Schema.decodeUnknownSync(CreateSubscription)({ plan_code, ...(trial_days === undefined ? {} : { trial_days }) })
  ).pipe(billingWrite)

const change = (plan_code: string, when: "now" | "period_end") =>
  BillingAdmin.changePlan(Schema.decodeUnknownSync(ChangePlan)({ plan_code, when })).pipe(billingWrite)

const iso = (d: DateTime.Utc) => DateTime.formatIso(d)
const at = (s: string) => TestClock.setTime(Date.parse(s))

/** A fresh tenant with the catalogue in place and the clock at 2026-11-01T00:00Z. */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const t = yield* onboard(slug)
    yield* catalogue
    yield* at("2026-11-01T00:00:00Z")
    return t
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing subscriptions on ${dialect} (issue 20)`, (it) => {
    it.effect("editing a plan stores version 2; a subscription made on version 1 keeps it", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-version")
        yield* BillingPlatform.createPlan(planBody("basic", 1000)).pipe(asOperator)
        const sub = yield* subscribe("basic").pipe(inTenant(t))
        const v2 = yield* BillingPlatform.updatePlan("basic", planBody("basic", 1500)).pipe(asOperator)
        expect(v2.version).toBe(2)
        const after = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
        expect(after.plan).toMatchObject({ id: sub.plan.id, version: 1, fixed_amount: 1000 })
        const versions = yield* BillingPlatform.listPlanVersions("basic").pipe(asOperator)
        expect(versions.map((v) => [v.version, v.fixed_amount])).toEqual([
          [1, 1000],
          [2, 1500]
        ])
      })
    )

    it.effect("a tenant user cannot manage the catalogue: Forbidden, nothing stored", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-catalogue-user")
        const admin = yield* adminSession(t)
        const error = yield* Effect.flip(BillingPlatform.createPlan(planBody("sneaky", 0)).pipe(inTenant(t, admin)))
        expect(error).toMatchObject({ _tag: "Forbidden" })
        const missing = yield* Effect.flip(BillingPlatform.getPlan("sneaky").pipe(asOperator))
        expect(missing._tag).toBe("PlanNotFound")
      })
    )

    it.effect("a plan charging an unknown meter is refused and nothing is stored", () =>
      Effect.gen(function* () {
        yield* setup("bill-unknown-meter")
        const body = planBody("metered", 0, {
          charges: [{ meter: "nope", price: { _tag: "per_unit", unit_amount: 1 } }]
        })
        const error = yield* Effect.flip(BillingPlatform.createPlan(body).pipe(asOperator))
        expect(error).toMatchObject({ _tag: "ValidationError", issues: [{ field: "charges[0].meter" }] })
        expect((yield* Effect.flip(BillingPlatform.getPlan("metered").pipe(asOperator)))._tag).toBe("PlanNotFound")
      })
    )

    it.effect("an immediate upgrade is prorated by the seconds left in the period (hand-computed)", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-upgrade")
        const sub = yield* subscribe("starter").pipe(inTenant(t))
        expect([iso(sub.current_period_start), iso(sub.current_period_end)]).toEqual([
          "2026-11-01T00:00:00.000Z",
          "2026-12-01T00:00:00.000Z"
        ])
        yield* at("2026-11-21T00:00:00Z")
        const result = yield* change("pro", "now").pipe(inTenant(t))
        // 30-day period = 2,592,000 s; 10 days left = 864,000 s.
        // credit = 2900 × 864000 / 2592000 = 966.67 → 967; charge = 9900 × 864000 / 2592000 = 3300.
        expect(result.proration).toMatchObject({
          currency: "EUR",
          seconds_in_period: 2_592_000,
          seconds_remaining: 864_000,
          old_fixed_amount: 2900,
          new_fixed_amount: 9900,
          credit: 967,
          charge: 3300,
          net: 2333,
          rounding: "half_up"
        })
        expect(result.subscription.plan.code).toBe("pro")
        expect(iso(result.subscription.current_period_end)).toBe("2026-12-01T00:00:00.000Z")
        expect(yield* outboxCount("signet.billing.subscription.plan_changed")).toBeGreaterThanOrEqual(1)
      })
    )

    it.effect("an immediate downgrade credits more than it charges (negative net)", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-downgrade")
        yield* subscribe("pro").pipe(inTenant(t))
        // 7 h 30 min into November: 2,592,000 − 27,000 = 2,565,000 s left.
        yield* at("2026-11-01T07:30:00Z")
        const { proration } = yield* change("starter", "now").pipe(inTenant(t))
        // credit = 9900 × 2565000 / 2592000 = 9796.875 → 9797; charge = 2900 × 2565000 / 2592000 = 2869.79 → 2870.
        expect(proration).toMatchObject({ seconds_remaining: 2_565_000, credit: 9797, charge: 2870, net: -6927 })
      })
    )

    it.effect("a change at period end is scheduled, then applied by the period-end step", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-scheduled")
        yield* subscribe("starter").pipe(inTenant(t))
        const scheduled = yield* change("pro_yearly", "period_end").pipe(inTenant(t))
        expect(scheduled.proration).toBeNull()
        expect(scheduled.subscription.plan.code).toBe("starter")
        expect(scheduled.subscription.scheduled_plan?.code).toBe("pro_yearly")
        yield* at("2026-12-01T00:00:01Z")
        const renewed = yield* BillingPlatform.advance().pipe(inTenant(t))
        expect(renewed.plan.code).toBe("pro_yearly")
        expect(renewed.scheduled_plan).toBeNull()
        expect([iso(renewed.current_period_start), iso(renewed.current_period_end)]).toEqual([
          "2026-12-01T00:00:00.000Z",
          "2027-12-01T00:00:00.000Z"
        ])
        expect(yield* outboxCount("signet.billing.subscription.renewed")).toBeGreaterThanOrEqual(1)
      })
    )

    it.effect("cancel at period end, reactivate, cancel again: the period-end step cancels", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-cancel")
        yield* subscribe("starter").pipe(inTenant(t))
        expect((yield* BillingAdmin.cancel().pipe(billingWrite, inTenant(t))).cancel_at_period_end).toBe(true)
        expect((yield* BillingAdmin.reactivate().pipe(billingWrite, inTenant(t))).cancel_at_period_end).toBe(false)
        const again = yield* Effect.flip(BillingAdmin.reactivate().pipe(billingWrite, inTenant(t)))
        expect(again._tag).toBe("Conflict")
        yield* BillingAdmin.cancel().pipe(billingWrite, inTenant(t))
        yield* at("2026-11-30T23:59:59Z")
        expect((yield* BillingPlatform.advance().pipe(inTenant(t))).status).toBe("active")
        yield* at("2026-12-01T00:00:00Z")
        const canceled = yield* BillingPlatform.advance().pipe(inTenant(t))
        expect(canceled).toMatchObject({ status: "canceled" })
        expect(iso(canceled.canceled_at!)).toBe("2026-12-01T00:00:00.000Z")
        const gone = yield* Effect.flip(BillingAdmin.getSubscription().pipe(billingRead, inTenant(t)))
        expect(gone._tag).toBe("SubscriptionNotFound")
        expect(yield* outboxCount("signet.billing.subscription.canceled")).toBeGreaterThanOrEqual(1)
        // A canceled subscription is over: the tenant may subscribe again.
        expect((yield* subscribe("starter").pipe(inTenant(t))).status).toBe("active")
      })
    )

    it.effect("a trial is not prorated and becomes active at its end with a month's period", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-trial")
        const sub = yield* subscribe("starter", 14).pipe(inTenant(t))
        expect(sub).toMatchObject({ status: "trial" })
        expect(iso(sub.trial_end!)).toBe("2026-11-15T00:00:00.000Z")
        expect(iso(sub.current_period_end)).toBe("2026-11-15T00:00:00.000Z")
        yield* at("2026-11-10T00:00:00Z")
        const upgraded = yield* change("pro", "now").pipe(inTenant(t))
        expect(upgraded.proration).toBeNull()
        yield* at("2026-11-15T00:00:00Z")
        const active = yield* BillingPlatform.advance().pipe(inTenant(t))
        expect(active).toMatchObject({ status: "active", plan: { code: "pro" } })
        expect([iso(active.current_period_start), iso(active.current_period_end)]).toEqual([
          "2026-11-15T00:00:00.000Z",
          "2026-12-15T00:00:00.000Z"
        ])
      })
    )

    it.effect("a plan in another currency is refused and nothing changes", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-currency")
        yield* subscribe("starter").pipe(inTenant(t))
        const before = yield* Effect.all([auditCount(t), outboxCount()])
        const error = yield* Effect.flip(change("starter_usd", "now").pipe(inTenant(t)))
        expect(error).toMatchObject({ _tag: "ValidationError", issues: [{ field: "plan_code" }] })
        expect(yield* Effect.all([auditCount(t), outboxCount()])).toEqual(before)
        expect((yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))).plan.code).toBe("starter")
      })
    )

    it.effect("a second live subscription is refused (409)", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-second")
        yield* subscribe("starter").pipe(inTenant(t))
        expect((yield* Effect.flip(subscribe("pro").pipe(inTenant(t))))._tag).toBe("Conflict")
      })
    )

    it.effect("two subscriptions created at once: one succeeds, the other is a 409", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-race")
        const results = yield* Effect.all(
          [subscribe("starter"), subscribe("pro")].map((e) => Effect.either(e.pipe(inTenant(t)))),
          { concurrency: 2 }
        )
        expect(results.filter((r) => r._tag === "Right")).toHaveLength(1)
        expect(results.filter((r) => r._tag === "Left").map((r) => (r.left as { _tag: string })._tag)).toEqual([
          "Conflict"
        ])
      })
    )

    it.effect("an admin without a fresh MFA step-up cannot subscribe; after the step-up they can", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-stepup")
        const admin = yield* adminSession(t)
        const refused = yield* Effect.flip(subscribe("starter").pipe(inTenant(t, admin)))
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        expect((yield* Effect.flip(BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))))._tag).toBe(
          "SubscriptionNotFound"
        )
        yield* recordStepUp(t, admin, ADMIN_PASSWORD)
        expect((yield* subscribe("starter").pipe(inTenant(t, admin))).status).toBe("active")
      })
    )

    it.effect("a teacher (no billing permission) can neither read nor change the subscription", () =>
      Effect.gen(function* () {
        const t = yield* setup("bill-teacher")
        yield* subscribe("starter").pipe(inTenant(t))
        const teacher = yield* Identity.use((i) =>
          i.create(
            Schema.decodeUnknownSync(CreateUser)({
              email: "t@bill-teacher.example.edu",
              given_name: "T",
              family_name: "T",
              user_type: "teacher"
            })
          )
        ).pipe(inTenant(t))
        const actor: Actor = { kind: "user", id: teacher.id, userType: "teacher" }
        const read = yield* Effect.flip(BillingAdmin.getSubscription().pipe(billingRead, inTenant(t, actor)))
        expect(read).toMatchObject({ _tag: "Forbidden", permission: "billing:read" })
        const write = yield* Effect.flip(BillingAdmin.cancel().pipe(billingWrite, inTenant(t, actor)))
        expect(write).toMatchObject({ _tag: "Forbidden", permission: "billing:write" })
      })
    )

    it.effect("another tenant's subscription is not visible: 404 in the other tenant", () =>
      Effect.gen(function* () {
        const a = yield* setup("bill-iso-a")
        const b: TenantRef = yield* onboard("bill-iso-b")
        yield* subscribe("starter").pipe(inTenant(a))
        const error = yield* Effect.flip(BillingAdmin.getSubscription().pipe(billingRead, inTenant(b)))
        expect(error._tag).toBe("SubscriptionNotFound")
        expect((yield* Effect.flip(BillingAdmin.cancel().pipe(billingWrite, inTenant(b))))._tag).toBe(
          "SubscriptionNotFound"
        )
      })
    )
  })
}
