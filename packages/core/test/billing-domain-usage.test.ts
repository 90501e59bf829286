/**
 * Issue 20 "Metering … from Signet's own domain, emitted from the outbox,
 * never counted twice": logins become usage events of their tenant through
 * the outbox, a platform meter counts the month's active users, and a
 * redelivered event is stored once — on SQLite and Postgres.
 */
import { expect, layer } from "@effect/vitest"
import { Auth, Billing, BillingAdmin, BillingPlatform, CreateMeter, Events, UsageQuery, usageOf } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Effect, Redacted, Schema } from "effect"
import { asOperator, billingRead } from "./billing-support.js"
import { ADMIN_PASSWORD, inTenant, onboardWithAdmin, testCore, user } from "./support.js"

const PASSWORD = "teacher passphrase 2026"

const login = (slug: string, email: string, password: string) =>
  Auth.use((a) => a.login(slug, { login: email, password: Redacted.make(password) }, {}))

const drain = Events.use((e) => Effect.repeat(e.dispatchOnce, { until: (n) => n === 0 }))

const november = Schema.decodeUnknownSync(UsageQuery)({ from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z" })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing usage from the domain on ${dialect} (issue 20)`, (it) => {
    it.effect("logins become usage: the month's active users are counted once each, redeliveries once", () =>
      Effect.gen(function* () {
        yield* BillingPlatform.createPlatformMeter(
          Schema.decodeUnknownSync(CreateMeter)({
            code: "mau",
            name: "Monthly active users",
            event_type: "signet.auth.login",
            aggregation: "unique_count",
            value_path: "$.user_id"
          })
        ).pipe(asOperator)
        const t = yield* onboardWithAdmin("dom-usage")
        yield* user("t1@dom-usage.example.edu", "teacher", { password: PASSWORD }).pipe(inTenant(t))
        yield* login(t.slug, "head@dom-usage.example.edu", ADMIN_PASSWORD)
        yield* login(t.slug, "head@dom-usage.example.edu", ADMIN_PASSWORD)
        yield* login(t.slug, "t1@dom-usage.example.edu", PASSWORD)
        yield* drain
        const usage = yield* BillingAdmin.usage("mau", november).pipe(billingRead, inTenant(t))
        expect(usage.rows.map((r) => r.value)).toEqual([2])
        // A second tenant's logins are its own.
        const other = yield* onboardWithAdmin("dom-usage-b")
        yield* login(other.slug, "head@dom-usage-b.example.edu", ADMIN_PASSWORD)
        yield* drain
        expect((yield* BillingAdmin.usage("mau", november).pipe(billingRead, inTenant(t))).rows[0]?.value).toBe(2)
        expect((yield* BillingAdmin.usage("mau", november).pipe(billingRead, inTenant(other))).rows[0]?.value).toBe(1)
      })
    )

    it.effect("a domain event delivered again is stored once (the usage event's id is the outbox event's)", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin("dom-usage-again")
        yield* login(t.slug, "head@dom-usage-again.example.edu", ADMIN_PASSWORD)
        yield* drain
        const logins = (yield* Events.use((e) =>
          e.inRange(DateTime.unsafeMake("2026-11-01T00:00:00Z"), DateTime.unsafeMake("2026-12-01T00:00:00Z"), 100)
        ).pipe(inTenant(t))).filter((e) => e.type === "signet.auth.login")
        expect(logins.length).toBe(1)
        const usage = usageOf(logins[0]!)!
        expect(usage.id).toBe(`signet:${logins[0]!.id}`)
        const again = yield* Billing.use((b) => b.ingest([usage])).pipe(inTenant(t))
        expect(again).toMatchObject({ accepted: 0, duplicates: 1 })
      })
    )
  })
}
