/**
 * Issue 20 "Payments" with the Stripe provider, over REST, on SQLite and
 * Postgres. Stripe's API is a local recorder (`@signet/server/testing/stripe`): the
 * tests assert what Signet sent it (paths, form parameters, metadata,
 * Idempotency-Key). Webhooks are signed with the `stripe` package's own
 * `generateTestHeaderString`. Nothing here reaches the real Stripe.
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { afterAll, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, testServer } from "@signet/server/testing"
import { startStripeRecorder } from "@signet/server/testing/stripe"
import { Effect } from "effect"
import Stripe from "stripe"
import { mfaAdmin } from "./billing-support.js"

const recorder = await startStripeRecorder()
afterAll(() => recorder.close())
// Fake test secrets, generated per run (never real keys).
const SECRET_KEY = `sk_test_signet_${crypto.randomUUID().replaceAll("-", "")}`
const WEBHOOK_SECRET = `whsec_${crypto.randomUUID().replaceAll("-", "")}`
const env = {
  SIGNET_STRIPE_SECRET_KEY: SECRET_KEY,
  SIGNET_STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  SIGNET_STRIPE_API_URL: recorder.url,
  SIGNET_PUBLIC_URL: "https://signet.example.edu"
}
const signer = new Stripe("sk_test_signer_only")
const WEBHOOK = "/api/v1/billing/stripe/webhook"

let eventSeq = 0
/** A Stripe `Event` JSON about `object` (created `created` Unix seconds, default now). */
const stripeEvent = (type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) =>
  JSON.stringify({
    id: `evt_test_${++eventSeq}_${Date.now()}`,
    object: "event",
    api_version: "2025-08-27.basil",
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object }
  })

/** Delivers `payload` signed with `secret` (the endpoint's by default). */
const deliver = (payload: string, secret = WEBHOOK_SECRET) =>
  call("POST", WEBHOOK, {
    auth: false,
    raw: payload,
    headers: { "stripe-signature": signer.webhooks.generateTestHeaderString({ payload, secret }) }
  })

/** The `flat` plan (1500 EUR cents a month), made once per server. */
const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/flat")).status === 200) return
  const made = yield* call("POST", "/api/v1/billing/plans", {
    body: { code: "flat", name: "Flat", interval: "month", currency: "EUR", fixed_amount: 1500 }
  })
  expect(made.status, made.text).toBe(201)
})

/** Ends the live subscription's current period of tenant `id` one second ago (row-level security honoured). */
const endPeriod = (tenantId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const now = Date.now()
    const setTenant: Effect.Effect<unknown, SqlError> = sql.onDialectOrElse({
      pg: () => sql`SELECT set_config('app.tenant_id', ${tenantId}, true)`,
      orElse: () => Effect.void
    })
    yield* sql
      .withTransaction(
        Effect.zipRight(
          setTenant,
          sql`UPDATE billing_subscriptions SET current_period_start = ${new Date(now - 30 * 86_400_000).toISOString()},
            current_period_end = ${new Date(now - 1000).toISOString()} WHERE tenant_id = ${tenantId}`
        )
      )
      .pipe(Effect.orDie)
  })

/** Moves tenant `id`'s `past_due_at` `days` days into the past, as time passing would. */
const pastDueSince = (tenantId: string, days: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const setTenant: Effect.Effect<unknown, SqlError> = sql.onDialectOrElse({
      pg: () => sql`SELECT set_config('app.tenant_id', ${tenantId}, true)`,
      orElse: () => Effect.void
    })
    const since = new Date(Date.now() - days * 86_400_000).toISOString()
    yield* sql
      .withTransaction(
        Effect.zipRight(
          setTenant,
          sql`UPDATE billing_subscriptions SET past_due_at = ${since} WHERE tenant_id = ${tenantId} AND status = 'past_due'`
        )
      )
      .pipe(Effect.orDie)
  })

/** Tenant `slug` on `flat` with one finalized invoice; answers the admin tokens, tenant id and invoice number. */
const invoiced = (slug: string) =>
  Effect.gen(function* () {
    yield* catalogue
    const plain = yield* onboardTenant(slug)
    const admin = yield* mfaAdmin(slug)
    const tenantId = (yield* call("GET", `/api/v1/tenants/${slug}`)).body.id as string
    const sub = yield* call("POST", `/api/v1/tenants/${slug}/billing/subscription`, {
      auth: admin,
      body: { plan_code: "flat" }
    })
    expect(sub.status, sub.text).toBe(201)
    yield* endPeriod(tenantId)
    const closed = yield* call("POST", `/api/v1/tenants/${slug}/billing/close-periods`)
    expect(closed.status, closed.text).toBe(200)
    const number = closed.body.invoices[0].number as string
    // The invoice is mirrored into Stripe in the background (billing-stripe-sync-http.test.ts); wait for it.
    const mirrored = () => {
      const mine = recorder.requests.find(
        (r) => r.path === "/v1/invoices" && r.form["metadata[signet_tenant_id]"] === tenantId
      )
      return mine !== undefined && recorder.requests.some((r) => r.path === `/v1/invoices/${mine.response.id}/finalize`)
    }
    for (let i = 0; i < 1200 && !mirrored(); i++) yield* Effect.sleep("100 millis")
    expect(mirrored()).toBe(true)
    return { plain, admin, tenantId, number }
  })

/** `invoiced`, then a Checkout link; answers the customer id Signet stored too. */
const checkedOut = (slug: string) =>
  Effect.gen(function* () {
    const t = yield* invoiced(slug)
    const res = yield* call("POST", `/api/v1/tenants/${slug}/billing/invoices/${t.number}/checkout`, { auth: t.plain })
    expect(res.status, res.text).toBe(200)
    const sent = recorder.requests.filter((r) => r.path === "/v1/checkout/sessions" && r.form.customer)
    const customer = sent.find((r) => r.form["metadata[signet_tenant_id]"] === t.tenantId)!.form.customer!
    return { ...t, customer, session: res.body.id as string }
  })

const completed = (t: { tenantId: string; number: string; customer: string }, pi: string, created?: number) =>
  stripeEvent(
    "checkout.session.completed",
    {
      id: `cs_test_${pi}`,
      object: "checkout.session",
      mode: "payment",
      payment_status: "paid",
      status: "complete",
      customer: t.customer,
      payment_intent: pi,
      metadata: { signet_tenant_id: t.tenantId, signet_invoice_number: t.number }
    },
    created
  )

const failed = (t: { tenantId: string; number: string; customer: string }, created?: number) =>
  stripeEvent(
    "payment_intent.payment_failed",
    {
      id: `pi_test_failed_${eventSeq}`,
      object: "payment_intent",
      status: "requires_payment_method",
      customer: t.customer,
      metadata: { signet_tenant_id: t.tenantId, signet_invoice_number: t.number }
    },
    created
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, env), { timeout: 120_000, excludeTestServices: true })(
    `Stripe payments over HTTP on ${dialect} (issue 20)`,
    (it) => {
      it.effect("checkout makes one customer per tenant and a payment session with the invoice's amount", () =>
        Effect.gen(function* () {
          const { number, plain, tenantId } = yield* invoiced(`stripe-co-${dialect}`)
          const B = `/api/v1/tenants/stripe-co-${dialect}/billing`
          const from = recorder.requests.length
          const link = yield* call("POST", `${B}/invoices/${number}/checkout`, { auth: plain })
          expect(link.status, link.text).toBe(200)
          expect(link.body).toMatchObject({ provider: "stripe", url: expect.stringMatching(/^https:\/\/checkout/) })
          // The customer was made by the invoice's mirror (before the checkout), once.
          const customers = recorder.requests.filter(
            (r) => r.path === "/v1/customers" && r.form["metadata[signet_tenant_id]"] === tenantId
          )
          expect(customers).toHaveLength(1)
          const [customer] = customers
          // Links only (the invoice mirror and the customer's metadata are synced in the background).
          const links = () =>
            recorder.requests
              .slice(from)
              .filter((r) => r.path === "/v1/checkout/sessions" || r.path === "/v1/billing_portal/sessions")
          const [session] = links()
          expect(customer).toMatchObject({
            method: "POST",
            path: "/v1/customers",
            idempotencyKey: `signet-customer-${tenantId}`,
            authorization: `Bearer ${SECRET_KEY}`,
            form: { name: `stripe-co-${dialect}`, "metadata[signet_tenant_id]": tenantId }
          })
          expect(session).toMatchObject({
            path: "/v1/checkout/sessions",
            idempotencyKey: `signet-checkout-${tenantId}-${number}`,
            form: {
              mode: "payment",
              customer: expect.stringMatching(/^cus_test_/),
              "line_items[0][quantity]": "1",
              "line_items[0][price_data][currency]": "eur",
              "line_items[0][price_data][unit_amount]": "1500",
              "metadata[signet_tenant_id]": tenantId,
              "metadata[signet_invoice_number]": number,
              "payment_intent_data[metadata][signet_invoice_number]": number,
              success_url: `https://signet.example.edu/t/stripe-co-${dialect}/admin/billing?invoice=${number}&checkout=success`
            }
          })
          // The customer is stored: a second link and the portal make no second one.
          const customersBefore = recorder.requests.filter((r) => r.path === "/v1/customers").length
          const again = yield* call("POST", `${B}/invoices/${number}/checkout`, { auth: plain })
          expect(again.status).toBe(200)
          const portal = yield* call("POST", `${B}/portal`, { auth: plain })
          expect(portal.body).toMatchObject({ provider: "stripe", url: expect.stringMatching(/^https:\/\/billing/) })
          const later = links().slice(1)
          expect(later.map((r) => r.path)).toEqual(["/v1/checkout/sessions", "/v1/billing_portal/sessions"])
          expect(recorder.requests.filter((r) => r.path === "/v1/customers")).toHaveLength(customersBefore)
          expect(later[1]!.form).toEqual({
            customer: session!.form.customer,
            return_url: `https://signet.example.edu/t/stripe-co-${dialect}/admin/billing`
          })
          expectProblem(yield* call("POST", `${B}/invoices/INV-1999-000001/checkout`, { auth: plain }), 404)
        })
      )

      it.effect("a signed checkout.session.completed pays the invoice once; a replay changes nothing", () =>
        Effect.gen(function* () {
          const t = yield* checkedOut(`stripe-paid-${dialect}`)
          const B = `/api/v1/tenants/stripe-paid-${dialect}/billing`
          const payload = completed(t, "pi_test_paid")
          const first = yield* deliver(payload)
          expect(first.status, first.text).toBe(200)
          expect(first.body.outcome).toBe("applied")
          const invoice = (yield* call("GET", `${B}/invoices/${t.number}`, { auth: t.admin })).body
          expect(invoice).toMatchObject({ status: "paid", payment_reference: "pi_test_paid" })
          const replay = yield* deliver(payload)
          expect(replay.body).toMatchObject({ outcome: "duplicate" })
          // An older failure arriving after the payment is stale: the subscription stays active.
          const late = yield* deliver(failed(t, Math.floor(Date.now() / 1000) - 600))
          expect(late.body.outcome).toBe("stale")
          expect((yield* call("GET", `${B}/subscription`, { auth: t.admin })).body.status).toBe("active")
          const audit = yield* call(
            "GET",
            `/api/v1/tenants/stripe-paid-${dialect}/audit-logs?action=billing.invoice.paid`,
            { auth: t.admin }
          )
          expect(audit.body.items).toHaveLength(1)
          expect(audit.body.items[0]).toMatchObject({ actor_kind: "system" })
        })
      )

      it.effect("a failed payment makes the subscription past_due; a later payment makes it active again", () =>
        Effect.gen(function* () {
          const t = yield* checkedOut(`stripe-fail-${dialect}`)
          const B = `/api/v1/tenants/stripe-fail-${dialect}/billing`
          const now = Math.floor(Date.now() / 1000)
          expect((yield* deliver(failed(t, now - 60))).body.outcome).toBe("applied")
          expect((yield* call("GET", `${B}/subscription`, { auth: t.admin })).body.status).toBe("past_due")
          expect((yield* deliver(completed(t, "pi_test_late", now))).body.outcome).toBe("applied")
          expect((yield* call("GET", `${B}/subscription`, { auth: t.admin })).body.status).toBe("active")
          expect((yield* call("GET", `${B}/invoices/${t.number}`, { auth: t.admin })).body.status).toBe("paid")
        })
      )

      it.effect("past the grace period (7 days by default) the period close cancels a past_due subscription", () =>
        Effect.gen(function* () {
          const t = yield* checkedOut(`stripe-grace-${dialect}`)
          const S = `/api/v1/tenants/stripe-grace-${dialect}`
          expect((yield* deliver(failed(t))).body.outcome).toBe("applied")
          yield* pastDueSince(t.tenantId, 6)
          expect((yield* call("POST", `${S}/billing/close-periods`)).status).toBe(200)
          expect((yield* call("GET", `${S}/billing/subscription`, { auth: t.admin })).body.status).toBe("past_due")
          yield* pastDueSince(t.tenantId, 8)
          expect((yield* call("POST", `${S}/billing/close-periods`)).status).toBe(200)
          expectProblem(yield* call("GET", `${S}/billing/subscription`, { auth: t.admin }), 404)
          const audit = yield* call("GET", `${S}/audit-logs?action=billing.subscription.canceled`, { auth: t.admin })
          expect(audit.body.items).toHaveLength(1)
        })
      )

      it.effect("a bad, missing or foreign signature is a 400 problem and nothing changes", () =>
        Effect.gen(function* () {
          const t = yield* checkedOut(`stripe-sig-${dialect}`)
          const B = `/api/v1/tenants/stripe-sig-${dialect}/billing`
          const payload = completed(t, "pi_test_forged")
          const wrong = expectProblem(yield* deliver(payload, "whsec_not_the_endpoint_secret"), 400)
          expect(wrong.code).toBe("WebhookSignatureInvalid")
          expectProblem(yield* call("POST", WEBHOOK, { auth: false, raw: payload }), 400)
          // A body altered after signing fails too.
          const header = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET })
          const altered = payload.replace("pi_test_forged", "pi_test_altered")
          expectProblem(
            yield* call("POST", WEBHOOK, { auth: false, raw: altered, headers: { "stripe-signature": header } }),
            400
          )
          // Signed, but older than the 300 s tolerance.
          const old = signer.webhooks.generateTestHeaderString({
            payload,
            secret: WEBHOOK_SECRET,
            timestamp: Math.floor(Date.now() / 1000) - 3600
          })
          expectProblem(
            yield* call("POST", WEBHOOK, { auth: false, raw: payload, headers: { "stripe-signature": old } }),
            400
          )
          // Signed, but naming a customer that is not the tenant's: ignored.
          const foreign = yield* deliver(completed({ ...t, customer: "cus_someone_else" }, "pi_test_foreign"))
          expect(foreign.body.outcome).toBe("ignored")
          expect((yield* call("GET", `${B}/invoices/${t.number}`, { auth: t.admin })).body.status).toBe("finalized")
        })
      )
    }
  )
}
