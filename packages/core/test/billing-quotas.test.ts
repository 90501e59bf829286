/**
 * Issue 20 "Entitlements and quotas": the plan's limits and features
 * enforced in core (identity's users, beacons, webhooks), on SQLite and
 * Postgres — hard limits refuse with the numbers and the plan that lifts
 * them and write nothing; soft limits warn; warnings are published once per
 * threshold; a plan change takes effect at once; a tenant without a plan
 * is not limited; one tenant's plan never limits another.
 */
import { expect, layer } from "@effect/vitest"
import {
  Auth,
  Beacons,
  BillingAdmin,
  BillingPlatform,
  ChangePlan,
  CreateSubscription,
  CreateWebhookEndpoint,
  CurrentQuotaNotices,
  Identity,
  type QuotaNotice,
  Webhooks
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted, Schema } from "effect"
import { deviceKey } from "./beacon-support.js"
import { asOperator, billingRead, billingWrite, planBody } from "./billing-support.js"
import { ADMIN_PASSWORD, inTenant, onboardWithAdmin, outboxCount, type TenantRef, testCore, user } from "./support.js"

/** Plans of these tests (created once per database): `q_small` (3 users, 1 beacon, no webhooks), `q_big` (10 users), `q_soft` (2 users, soft). */
const quotaPlans = Effect.gen(function* () {
  if ((yield* Effect.either(BillingPlatform.getPlan("q_small")))._tag === "Right") return
  yield* BillingPlatform.createPlan(
    planBody("q_small", 100, {
      entitlements: { features: { webhooks: false }, limits: { "users.max": 3, "beacons.max": 1 } }
    })
  )
  yield* BillingPlatform.createPlan(
    planBody("q_big", 500, { entitlements: { features: {}, limits: { "users.max": 10 } } })
  )
  yield* BillingPlatform.createPlan(
    planBody("q_huge", 900, { entitlements: { features: {}, limits: { "users.max": 1000 } } })
  )
  yield* BillingPlatform.createPlan(
    planBody("q_soft", 50, {
      entitlements: { features: {}, limits: { "users.max": 2 }, soft_limits: ["users.max"] }
    })
  )
}).pipe(asOperator)

/** A tenant (its admin is user 1) subscribed to `plan`. */
const subscribed = (slug: string, plan: string | null) =>
  Effect.gen(function* () {
    const t = yield* onboardWithAdmin(slug)
    yield* quotaPlans
    if (plan !== null)
      yield* BillingAdmin.createSubscription(Schema.decodeUnknownSync(CreateSubscription)({ plan_code: plan })).pipe(
        billingWrite,
        inTenant(t)
      )
    return t
  })

const addUser = (t: TenantRef, n: number) => user(`u${n}@${t.slug}.example.edu`, "teacher").pipe(inTenant(t))
const userCount = (t: TenantRef) =>
  Identity.use((i) => i.list({ limit: 100 })).pipe(
    inTenant(t),
    Effect.map((p) => p.items.length)
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing entitlements and quotas on ${dialect} (issue 20)`, (it) => {
    it.effect("users.max refuses the user past the limit with the numbers and the plan that lifts it", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-users", "q_small")
        yield* addUser(t, 2)
        yield* addUser(t, 3)
        const refused = yield* Effect.flip(addUser(t, 4))
        expect(refused._tag).toBe("QuotaExceeded")
        if (refused._tag !== "QuotaExceeded") return
        expect({ ...refused }).toMatchObject({
          limit: "users.max",
          value: 3,
          used: 3,
          adding: 1,
          plan: "q_small",
          upgrade_plan: "q_big"
        })
        expect(yield* userCount(t)).toBe(3)
      })
    )

    it.effect("reaching 80 % and 100 % publishes one warning per threshold, not one per request", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-warn", "q_big")
        const before = yield* outboxCount("signet.billing.quota.warning")
        for (let n = 2; n <= 8; n++) yield* addUser(t, n) // 8 of 10: 80 %
        expect((yield* outboxCount("signet.billing.quota.warning")) - before).toBe(1)
        yield* addUser(t, 9)
        expect((yield* outboxCount("signet.billing.quota.warning")) - before).toBe(1)
        yield* addUser(t, 10) // 100 %
        expect((yield* outboxCount("signet.billing.quota.warning")) - before).toBe(2)
        yield* Effect.flip(addUser(t, 11))
        expect((yield* outboxCount("signet.billing.quota.warning")) - before).toBe(2)
      })
    )

    it.effect("a check at or above 80 % leaves a notice in the request's cell (the warning header's source)", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-notice", "q_small")
        const cell: { notices: Array<QuotaNotice> } = { notices: [] }
        yield* addUser(t, 2).pipe(Effect.locally(CurrentQuotaNotices, cell))
        expect(cell.notices).toEqual([])
        yield* addUser(t, 3).pipe(Effect.locally(CurrentQuotaNotices, cell))
        expect(cell.notices).toEqual([{ limit: "users.max", used: 3, value: 3 }])
      })
    )

    it.effect("a soft limit admits past its value and warns", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-soft", "q_soft")
        const before = yield* outboxCount("signet.billing.quota.warning")
        yield* addUser(t, 2)
        yield* addUser(t, 3)
        expect(yield* userCount(t)).toBe(3)
        expect((yield* outboxCount("signet.billing.quota.warning")) - before).toBe(2)
      })
    )

    it.effect("an upgrade lifts the limit at once (the cached plan is dropped)", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-upgrade", "q_small")
        yield* addUser(t, 2)
        yield* addUser(t, 3)
        yield* Effect.flip(addUser(t, 4))
        yield* BillingAdmin.changePlan(Schema.decodeUnknownSync(ChangePlan)({ plan_code: "q_big", when: "now" })).pipe(
          billingWrite,
          inTenant(t)
        )
        yield* addUser(t, 4)
        expect(yield* userCount(t)).toBe(4)
      })
    )

    it.effect("a downgrade below what the tenant holds is refused with the numbers, now or at period end", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-downgrade", "q_big")
        for (let n = 2; n <= 5; n++) yield* addUser(t, n)
        for (const when of ["now", "period_end"] as const) {
          const refused = yield* Effect.flip(
            BillingAdmin.changePlan(Schema.decodeUnknownSync(ChangePlan)({ plan_code: "q_small", when })).pipe(
              billingWrite,
              inTenant(t)
            )
          )
          expect(refused._tag === "QuotaExceeded" && [refused.limit, refused.value, refused.used]).toEqual([
            "users.max",
            3,
            5
          ])
        }
        const sub = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
        expect([sub.plan.code, sub.scheduled_plan]).toEqual(["q_big", null])
      })
    )

    it.effect("the access token's plan claim is the live subscription's plan (seed 002)", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-claim", "q_big")
        const login = yield* Auth.use((a) =>
          a.login(t.slug, { login: `head@${t.slug}.example.edu`, password: Redacted.make(ADMIN_PASSWORD) }, {})
        )
        if (login.status !== "authenticated") throw new Error("expected tokens")
        const claims = JSON.parse(Buffer.from(login.tokens.access_token.split(".")[1]!, "base64url").toString())
        expect(claims.plan).toBe("q_big")
      })
    )

    it.effect("a tenant without a subscription is not limited, and another tenant's plan does not limit it", () =>
      Effect.gen(function* () {
        const full = yield* subscribed("q-full", "q_small")
        yield* addUser(full, 2)
        yield* addUser(full, 3)
        const free = yield* subscribed("q-free", null)
        for (let n = 2; n <= 5; n++) yield* addUser(free, n)
        expect(yield* userCount(free)).toBe(5)
        expect((yield* Effect.flip(addUser(full, 4)))._tag).toBe("QuotaExceeded")
      })
    )

    it.effect("beacons.max refuses the enrolment code past the limit", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-beacons", "q_huge")
        const beacons = yield* Beacons
        // q_huge sets no beacons.max: codes are not limited.
        yield* beacons.createEnrolmentCode({}).pipe(inTenant(t))
        yield* beacons.createEnrolmentCode({}).pipe(inTenant(t))
        const small = yield* subscribed("q-beacons-s", "q_small")
        const first = yield* beacons.createEnrolmentCode({}).pipe(inTenant(small))
        const spare = yield* beacons.createEnrolmentCode({}).pipe(inTenant(small))
        yield* beacons.enrol({ code: first.code, alg: "ES256", public_jwk: deviceKey("ES256").jwk as never })
        // One beacon of one: no new code, and a code made before cannot enrol a second beacon.
        const refused = yield* Effect.flip(beacons.createEnrolmentCode({}).pipe(inTenant(small)))
        expect(refused._tag === "QuotaExceeded" && refused.limit).toBe("beacons.max")
        const late = yield* Effect.flip(
          beacons.enrol({ code: spare.code, alg: "ES256", public_jwk: deviceKey("ES256").jwk as never })
        )
        expect(late._tag === "QuotaExceeded" && late.limit).toBe("beacons.max")
      })
    )

    it.effect("a feature the plan switches off is refused (webhooks) and nothing is written", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("q-feature", "q_small")
        yield* Webhooks.use((w) => w.configure({ allowPrivateTargets: true }))
        const body = Schema.decodeUnknownSync(CreateWebhookEndpoint)({ url: "http://127.0.0.1:9/hook" })
        const refused = yield* Effect.flip(Webhooks.use((w) => w.create(body)).pipe(inTenant(t)))
        expect(refused._tag === "FeatureNotEntitled" && [refused.feature, refused.plan]).toEqual([
          "webhooks",
          "q_small"
        ])
        expect(yield* Webhooks.use((w) => w.list).pipe(inTenant(t))).toEqual([])
        const open = yield* subscribed("q-feature-b", "q_big")
        const created = yield* Webhooks.use((w) => w.create(body)).pipe(inTenant(open))
        expect(created.endpoint.url).toBe("http://127.0.0.1:9/hook")
      })
    )
  })
}
