/**
 * Issue 20 through the Promise facade (`client.billing`): an API key scoped
 * to `billing:ingest` sends usage with `billing.ingest` (a re-sent batch is
 * counted once) and may not read it; the tenant admin reads the usage and
 * the tenant's entitlements; `billing.invoices` lists, reads, downloads and
 * pays the invoice of a closed period.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { createSignetClient } from "@signet/sdk"
import { call, TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

const PASSWORD = "correct horse battery staple"

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })(
  "client.billing against a real server",
  (it) => {
    it.effect("billing.ingest with an ingest-only API key is idempotent; the admin reads the usage", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-bill",
          credentials: { operatorToken: server.token }
        })
        yield* run(() =>
          operator.tenants.create({
            slug: "sdk-bill",
            name: "Bill",
            admin: {
              email: "admin@bill.example.edu",
              password: Redacted.make(PASSWORD),
              given_name: "A",
              family_name: "D"
            }
          })
        )
        const { key } = yield* run(() =>
          operator.apiKeys.create({ name: "meter feed", permissions: ["billing:ingest"] })
        )
        const admin = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-bill",
          credentials: { login: "admin@bill.example.edu", password: PASSWORD }
        })
        yield* run(() =>
          admin.billing.createMeter({ code: "calls", name: "Calls", event_type: "app.call", aggregation: "count" })
        )
        const feed = createSignetClient({ baseUrl: server.url, tenant: "sdk-bill", credentials: { apiKey: key } })
        const events = [
          { id: "1", source: "/app", type: "app.call", subject: "acme", time: "2026-03-01T10:00:00Z" },
          { id: "2", source: "/app", type: "app.call", subject: "acme", time: "2026-03-01T11:00:00Z" }
        ]
        expect(yield* run(() => feed.billing.ingest(events))).toMatchObject({ accepted: 2, duplicates: 0 })
        expect(yield* run(() => feed.billing.ingest(events))).toMatchObject({ accepted: 0, duplicates: 2 })
        const refused = yield* Effect.flip(
          Effect.tryPromise(() =>
            feed.billing.usage("calls", { from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" })
          )
        )
        expect((refused.error as { _tag: string })._tag).toBe("Forbidden")
        const usage = yield* run(() =>
          admin.billing.usage("calls", { from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z", window: "hour" })
        )
        expect(usage.rows.map((r) => r.value)).toEqual([1, 1])
      })
    )

    it.effect("billing.entitlements: a tenant without a subscription has no plan and no limit", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-ent",
          credentials: { operatorToken: server.token }
        })
        yield* run(() =>
          operator.tenants.create({
            slug: "sdk-ent",
            name: "Ent",
            admin: {
              email: "admin@ent.example.edu",
              password: Redacted.make(PASSWORD),
              given_name: "A",
              family_name: "D"
            }
          })
        )
        const admin = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-ent",
          credentials: { login: "admin@ent.example.edu", password: PASSWORD }
        })
        expect(yield* run(() => admin.billing.entitlements())).toEqual({
          plan: null,
          version: null,
          features_off: [],
          limits: []
        })
      })
    )

    it.effect("billing.invoices: list, get, pdf and pay the invoice of a closed period", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-inv",
          credentials: { operatorToken: server.token }
        })
        yield* run(() =>
          operator.tenants.create({
            slug: "sdk-inv",
            name: "Inv",
            admin: {
              email: "admin@inv.example.edu",
              password: Redacted.make(PASSWORD),
              given_name: "A",
              family_name: "D"
            }
          })
        )
        const plan = { code: "sdkflat", name: "Flat", interval: "month", currency: "EUR", fixed_amount: 700 }
        expect((yield* call("POST", "/api/v1/billing/plans", { body: plan })).status).toBe(201)
        yield* run(() => operator.billing.subscribe({ plan_code: "sdkflat" }))
        // The period ends a second ago (the server runs on the real clock); SQLite has no row-level security.
        const sql = yield* SqlClient.SqlClient
        const now = Date.now()
        yield* sql`UPDATE billing_subscriptions SET current_period_start = ${new Date(now - 86_400_000).toISOString()},
          current_period_end = ${new Date(now - 1000).toISOString()}`.pipe(Effect.orDie)
        expect((yield* call("POST", "/api/v1/tenants/sdk-inv/billing/close-periods")).status).toBe(200)
        const [listed] = yield* run(() => operator.billing.invoices.list())
        const invoice = yield* run(() => operator.billing.invoices.get(listed!.number))
        expect(invoice).toMatchObject({ status: "finalized", total: 700 })
        const pdf = yield* run(() => operator.billing.invoices.pdf(listed!.number))
        expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-")
        const paid = yield* run(() => operator.billing.invoices.pay(listed!.number, { reference: "wire 7" }))
        expect(paid).toMatchObject({ status: "paid", payment_reference: "wire 7" })
      })
    )

    it.effect(
      "billing.plan reads one plan on offer; payment links reject PaymentsManual when payments are manual",
      () =>
        Effect.gen(function* () {
          const run = <A>(f: () => Promise<A>) => Effect.promise(f)
          const rejected = (f: () => Promise<unknown>) =>
            Effect.map(Effect.flip(Effect.tryPromise(f)), (e) => (e.error as { _tag: string })._tag)
          const server = yield* TestServer
          const operator = createSignetClient({
            baseUrl: server.url,
            tenant: "sdk-pay",
            credentials: { operatorToken: server.token }
          })
          yield* run(() => operator.tenants.create({ slug: "sdk-pay", name: "Pay" }))
          const plan = { code: "sdkpay", name: "Pay", interval: "month", currency: "EUR", fixed_amount: 900 }
          expect((yield* call("POST", "/api/v1/billing/plans", { body: plan })).status).toBe(201)
          expect(yield* run(() => operator.billing.plan("sdkpay"))).toMatchObject({ code: "sdkpay", version: 1 })
          expect(yield* rejected(() => operator.billing.plan("nope"))).toBe("PlanNotFound")
          expect(yield* rejected(() => operator.billing.portal())).toBe("PaymentsManual")
          expect(yield* rejected(() => operator.billing.invoices.checkout("INV-2026-000009"))).toBe("InvoiceNotFound")
        })
    )
  }
)
