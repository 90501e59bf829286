/**
 * Issue 20 payments, "`past_due` on failed payment with a grace period, then
 * the plan's downgrade policy", through the core facades on SQLite and
 * Postgres: a plan's `downgrade` policy moves a subscription still past due
 * after the grace period to its target plan (`active`, event
 * `signet.billing.subscription.downgraded`); `cancel` cancels as before; an
 * incoherent policy is refused when the plan is stored, nothing written.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { BillingAdmin, BillingPlatform, CreateSubscription, PlanVersionInput } from "@signet/core"
import { tenantTx } from "@signet/core/kernel/Database"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { asOperator, billingRead, billingWrite, catalogue, planBody } from "./billing-support.js"
import { inTenant, onboardWithAdmin as onboard, type TenantRef, testCore } from "./support.js"

const at = (s: string) => TestClock.setTime(Date.parse(s))

/** Creates plan `code` unless the database already has it (plans are platform-wide). */
const ensurePlan = (code: string, fixed: number, extra: Record<string, unknown> = {}) =>
  Effect.gen(function* () {
    if ((yield* Effect.either(BillingPlatform.getPlan(code)))._tag === "Right") return
    yield* BillingPlatform.createPlan(planBody(code, fixed, extra))
  }).pipe(asOperator)

/** Tenant `slug` on plan `plan` from 2026-11-01, made `past_due` on that day (a failed payment). */
const pastDue = (slug: string, plan: string) =>
  Effect.gen(function* () {
    const t = yield* onboard(slug)
    yield* at("2026-11-01T00:00:00Z")
    yield* BillingAdmin.createSubscription(Schema.decodeUnknownSync(CreateSubscription)({ plan_code: plan })).pipe(
      billingWrite,
      inTenant(t)
    )
    const sql = yield* SqlClient.SqlClient
    yield* tenantTx(
      sql`UPDATE billing_subscriptions SET status = 'past_due', past_due_at = ${"2026-11-01T00:00:00.000Z"}
          WHERE tenant_id = ${t.id}`
    ).pipe(inTenant(t), Effect.orDie)
    return t
  })

/** The period close of tenant `t` on 2026-11-10 (nine days past due, beyond the default 7). */
const closeLater = (t: TenantRef) =>
  Effect.zipRight(at("2026-11-10T00:00:00Z"), BillingPlatform.closePeriods().pipe(asOperator, inTenant(t)))

/** The data of the outbox events of `type` about `subject`. */
const eventsOf = (type: string, subject: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ data: unknown }>`SELECT data FROM outbox WHERE type = ${type} AND subject = ${subject}`.pipe(
      Effect.map((rows) =>
        rows.map((r) => (typeof r.data === "string" ? JSON.parse(r.data) : r.data) as Record<string, any>)
      ),
      Effect.orDie
    )
  )

const failure = <A, E>(eff: Effect.Effect<A, E, any>) =>
  Effect.map(Effect.flip(eff), (e) => e as { _tag: string; message: string })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing downgrade policy on ${dialect} (issue 20)`, (it) => {
    it.effect("past the grace period the period close moves a downgrade-policy plan to its target, active", () =>
      Effect.gen(function* () {
        yield* ensurePlan("dg_free", 0)
        yield* ensurePlan("dg_paid", 5000, { downgrade_policy: "downgrade", downgrade_to: "dg_free" })
        const t = yield* pastDue("dg-moves", "dg_paid")
        const before = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
        yield* closeLater(t)
        const after = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
        expect([after.status, after.plan.code, after.id]).toEqual(["active", "dg_free", before.id])
        const [event] = yield* eventsOf("signet.billing.subscription.downgraded", before.id)
        expect(event).toMatchObject({
          reason: "past_due_grace_expired",
          from_plan: { code: "dg_paid", version: 1 },
          to_plan: { code: "dg_free", version: 1 }
        })
      })
    )

    it.effect("a cancel-policy plan (the default) is canceled past the grace period, as before", () =>
      Effect.gen(function* () {
        yield* catalogue
        const t = yield* pastDue("dg-cancels", "starter")
        const before = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
        expect(before.plan.downgrade_policy).toBe("cancel")
        yield* closeLater(t)
        const gone = yield* failure(BillingAdmin.getSubscription().pipe(billingRead, inTenant(t)))
        expect(gone._tag).toBe("SubscriptionNotFound")
        const [event] = yield* eventsOf("signet.billing.subscription.canceled", before.id)
        expect(event).toMatchObject({ reason: "past_due_grace_expired" })
        expect(event).not.toHaveProperty("downgrade_fallback")
      })
    )

    it.effect(
      "when the target no longer has the plan's interval the subscription is canceled, and the event says so",
      () =>
        Effect.gen(function* () {
          yield* ensurePlan("dg_free2", 0)
          yield* ensurePlan("dg_paid2", 5000, { downgrade_policy: "downgrade", downgrade_to: "dg_free2" })
          const t = yield* pastDue("dg-fallback", "dg_paid2")
          const before = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
          yield* BillingPlatform.updatePlan(
            "dg_free2",
            Schema.decodeUnknownSync(PlanVersionInput)({
              name: "free",
              interval: "year",
              currency: "EUR",
              fixed_amount: 0
            })
          ).pipe(asOperator)
          yield* closeLater(t)
          const [event] = yield* eventsOf("signet.billing.subscription.canceled", before.id)
          expect(event?.downgrade_fallback).toContain("dg_free2")
          expect(yield* eventsOf("signet.billing.subscription.downgraded", before.id)).toEqual([])
        })
    )

    it.effect("an incoherent downgrade policy is a ValidationError on downgrade_to and no plan is stored", () =>
      Effect.gen(function* () {
        yield* catalogue
        const attempts = [
          { code: "dg_bad_missing", extra: { downgrade_policy: "downgrade" } },
          { code: "dg_bad_unknown", extra: { downgrade_policy: "downgrade", downgrade_to: "no_such_plan" } },
          { code: "dg_bad_currency", extra: { downgrade_policy: "downgrade", downgrade_to: "starter_usd" } },
          { code: "dg_bad_interval", extra: { downgrade_policy: "downgrade", downgrade_to: "pro_yearly" } },
          { code: "dg_bad_self", extra: { downgrade_policy: "downgrade", downgrade_to: "dg_bad_self" } },
          { code: "dg_bad_cancel", extra: { downgrade_to: "starter" } }
        ]
        for (const a of attempts) {
          const e = yield* failure(BillingPlatform.createPlan(planBody(a.code, 100, a.extra)).pipe(asOperator))
          expect([a.code, e._tag]).toEqual([a.code, "ValidationError"])
          expect((yield* failure(BillingPlatform.getPlan(a.code).pipe(asOperator)))._tag).toBe("PlanNotFound")
        }
      })
    )

    it.effect("an update to an incoherent policy is refused and the plan keeps its version", () =>
      Effect.gen(function* () {
        yield* catalogue
        const e = yield* failure(
          BillingPlatform.updatePlan(
            "starter",
            Schema.decodeUnknownSync(PlanVersionInput)({
              name: "starter",
              interval: "month",
              currency: "EUR",
              fixed_amount: 2900,
              downgrade_policy: "downgrade",
              downgrade_to: "starter"
            })
          ).pipe(asOperator)
        )
        expect(e._tag).toBe("ValidationError")
        const versions = yield* BillingPlatform.listPlanVersions("starter").pipe(asOperator)
        expect(versions.map((v) => v.downgrade_policy)).toEqual(["cancel"])
      })
    )
  })
}
