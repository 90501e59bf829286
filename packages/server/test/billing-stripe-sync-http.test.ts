/**
 * Issue 20 "Payments … invoice sync" with the Stripe provider, over REST, on
 * SQLite and Postgres: a finalized invoice is mirrored into Stripe through
 * the outbox (`StripeSync.ts`), a Stripe outage only delays it, and
 * the mirrored invoice's webhooks (`invoice.paid`, `invoice.payment_failed`,
 * `invoice.voided`) act on the Signet invoice; subscription changes are
 * written into the Stripe customer's metadata; refunds and disputes of the
 * payment (`charge.refunded`, `charge.dispute.*`) are recorded. Stripe's API is the local
 * recorder (`@signet/server/testing/stripe`); webhooks are signed with the
 * `stripe` package's `generateTestHeaderString`. Nothing reaches the real Stripe.
 */
import { afterAll, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, onboardTenant, testServer } from "@signet/server/testing"
import { type RecordedRequest, startStripeRecorder } from "@signet/server/testing/stripe"
import { Effect } from "effect"
import Stripe from "stripe"
import { closeOneInvoice, mfaAdmin } from "./billing-support.js"

const recorder = await startStripeRecorder()
afterAll(() => recorder.close())
// Fake test secrets, generated per run (never real keys).
const WEBHOOK_SECRET = `whsec_${crypto.randomUUID().replaceAll("-", "")}`
const env = {
  SIGNET_STRIPE_SECRET_KEY: `sk_test_signet_${crypto.randomUUID().replaceAll("-", "")}`,
  SIGNET_STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  SIGNET_STRIPE_API_URL: recorder.url
}
const signer = new Stripe("sk_test_signer_only")

let eventSeq = 0
/** A signed delivery of a Stripe `Event` of `type` about `object`, created `created` Unix seconds (default now). */
const deliver = (type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) => {
  const payload = JSON.stringify({
    id: `evt_sync_${++eventSeq}_${Date.now()}`,
    object: "event",
    api_version: "2025-08-27.basil",
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object }
  })
  const header = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET })
  return Effect.map(
    call("POST", "/api/v1/billing/stripe/webhook", {
      auth: false,
      raw: payload,
      headers: { "stripe-signature": header }
    }),
    (res) => ({ payload, res })
  )
}

/** The `flat` plan (1500 EUR cents a month), made once per server. */
const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/flat")).status === 200) return
  const made = yield* call("POST", "/api/v1/billing/plans", {
    body: { code: "flat", name: "Flat", interval: "month", currency: "EUR", fixed_amount: 1500 }
  })
  expect(made.status, made.text).toBe(201)
})

/** Polls the recorder (every 100 ms, for at most 2 minutes) until `find` answers a request. */
const recorded = (find: (requests: ReadonlyArray<RecordedRequest>) => RecordedRequest | undefined) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1200; i++) {
      const hit = find(recorder.requests)
      if (hit) return hit
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.dieMessage("the recorder never received the expected request")
  })

/** The mirror of tenant `tenantId`'s invoice `number` once finalized: its create, items and finalize requests. */
const mirrored = (tenantId: string, number: string) =>
  Effect.gen(function* () {
    const mine = (r: RecordedRequest) =>
      r.path === "/v1/invoices" &&
      r.status === 200 &&
      r.form["metadata[signet_tenant_id]"] === tenantId &&
      r.form["metadata[signet_invoice_number]"] === number
    const create = yield* recorded((rs) => rs.find(mine))
    const id = String(create.response.id)
    const finalize = yield* recorded((rs) =>
      rs.find((r) => r.path === `/v1/invoices/${id}/finalize` && r.status === 200)
    )
    const items = recorder.requests.filter((r) => r.path === "/v1/invoiceitems" && r.form.invoice === id)
    return { id, create, items, finalize, customer: create.form.customer! }
  })

/** Tenant `slug` on `flat` with one finalized invoice, mirrored; answers tokens, ids, number and the mirror. */
const synced = (slug: string) =>
  Effect.gen(function* () {
    yield* catalogue
    yield* onboardTenant(slug)
    const admin = yield* mfaAdmin(slug)
    const tenantId = (yield* call("GET", `/api/v1/tenants/${slug}`)).body.id as string
    const number = yield* closeOneInvoice(slug, admin, "flat")
    return { admin, tenantId, number, mirror: yield* mirrored(tenantId, number), B: `/api/v1/tenants/${slug}/billing` }
  })

/** A Stripe `invoice` object of the mirror (what `invoice.*` events carry). */
const stripeInvoice = (
  t: { tenantId: string; number: string; mirror: { id: string; customer: string } },
  status: string,
  id = t.mirror.id
) => ({
  id,
  object: "invoice",
  status,
  customer: t.mirror.customer,
  total: 1500,
  metadata: { signet_tenant_id: t.tenantId, signet_invoice_number: t.number }
})

/** `synced`, then paid through the mirror by PaymentIntent `pi` (the invoice object names it). */
const paidBy = (slug: string, pi: string) =>
  Effect.gen(function* () {
    const t = yield* synced(slug)
    const paid = yield* deliver("invoice.paid", { ...stripeInvoice(t, "paid"), payment_intent: `${pi}_${slug}` })
    expect(paid.res.body.outcome).toBe("applied")
    return { ...t, slug }
  })

/** A Stripe `charge` of PaymentIntent `pi` (of tenant `t`), 1500 cents, `refunded` refunded so far. */
const charge = (t: { slug: string; mirror: { customer: string } }, pi: string, refunded: number) => ({
  id: `ch_test_${pi}_${t.slug}`,
  object: "charge",
  amount: 1500,
  amount_refunded: refunded,
  currency: "eur",
  customer: t.mirror.customer,
  payment_intent: `${pi}_${t.slug}`,
  refunded: refunded === 1500,
  status: "succeeded",
  metadata: {}
})

/** A Stripe `dispute` of PaymentIntent `pi` of tenant `t`, 1500 cents, in `status`. */
const dispute = (t: { slug: string }, pi: string, status: string) => ({
  id: `dp_test_${pi}_${t.slug}`,
  object: "dispute",
  amount: 1500,
  currency: "eur",
  charge: `ch_test_${pi}_${t.slug}`,
  payment_intent: `${pi}_${t.slug}`,
  reason: "fraudulent",
  status,
  metadata: {}
})

/** The audit rows of tenant `t` with `action`, newest first. */
const auditOf = (t: { slug: string; admin: string }, action: string) =>
  Effect.map(
    call("GET", `/api/v1/tenants/${t.slug}/audit-logs?action=${action}`, { auth: t.admin }),
    (res) =>
      res.body.items as Array<{
        actor_kind: string
        after: { amount?: number; full?: boolean; status?: string }
      }>
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, env), { timeout: 180_000, excludeTestServices: true })(
    `Stripe invoice sync over HTTP on ${dialect} (issue 20)`,
    (it) => {
      it.effect("a finalized invoice is mirrored: a send_invoice Stripe invoice, one item per line, finalized", () =>
        Effect.gen(function* () {
          const t = yield* synced(`sync-mirror-${dialect}`)
          expect(t.mirror.create).toMatchObject({
            idempotencyKey: `signet-invoice-${t.tenantId}-${t.number}`,
            form: {
              customer: expect.stringMatching(/^cus_test_/),
              currency: "eur",
              collection_method: "send_invoice",
              days_until_due: "30",
              auto_advance: "false",
              pending_invoice_items_behavior: "exclude"
            }
          })
          expect(t.mirror.items).toHaveLength(1)
          expect(t.mirror.items[0]).toMatchObject({
            idempotencyKey: `signet-invoiceitem-${t.tenantId}-${t.number}-0`,
            form: { amount: "1500", currency: "eur", customer: t.mirror.customer }
          })
          expect(t.mirror.finalize.idempotencyKey).toBe(`signet-invoice-finalize-${t.tenantId}-${t.number}`)
          // Exactly one mirror: the subscriber does not mirror an invoice twice.
          const creates = recorder.requests.filter(
            (r) => r.path === "/v1/invoices" && r.form["metadata[signet_tenant_id]"] === t.tenantId
          )
          expect(creates).toHaveLength(1)
        })
      )

      it.effect("an invoice paid by hand in Signet marks its Stripe mirror paid out of band (nothing charged)", () =>
        Effect.gen(function* () {
          const t = yield* synced(`sync-oob-${dialect}`)
          const paid = yield* call("POST", `${t.B}/invoices/${t.number}/pay`, {
            auth: t.admin,
            body: { reference: "SEPA-OOB-1" }
          })
          expect(paid.status, paid.text).toBe(200)
          const settle = yield* recorded((rs) => rs.find((r) => r.path === `/v1/invoices/${t.mirror.id}/pay`))
          expect(settle).toMatchObject({
            status: 200,
            idempotencyKey: `signet-invoice-settle-${t.tenantId}-${t.number}`,
            form: { paid_out_of_band: "true" }
          })
          // The webhook Stripe then sends for the mirror finds the invoice already paid.
          const echo = yield* deliver("invoice.paid", stripeInvoice(t, "paid"))
          expect(echo.res.body.outcome).toBe("ignored")
        })
      )

      it.effect("an invoice voided in Signet voids its Stripe mirror", () =>
        Effect.gen(function* () {
          const t = yield* synced(`sync-signet-void-${dialect}`)
          const voided = yield* call("POST", `${t.B}/invoices/${t.number}/void`, {
            auth: t.admin,
            body: { reason: "billed twice" }
          })
          expect(voided.status, voided.text).toBe(200)
          const settle = yield* recorded((rs) => rs.find((r) => r.path === `/v1/invoices/${t.mirror.id}/void`))
          expect(settle).toMatchObject({
            status: 200,
            idempotencyKey: `signet-invoice-settle-${t.tenantId}-${t.number}`
          })
          expect(recorder.requests.some((r) => r.path === `/v1/invoices/${t.mirror.id}/pay`)).toBe(false)
        })
      )

      it.effect("a Stripe outage does not block the close; the mirror is made once Stripe answers again", () =>
        Effect.gen(function* () {
          yield* catalogue
          const slug = `sync-outage-${dialect}`
          yield* onboardTenant(slug)
          const admin = yield* mfaAdmin(slug)
          const tenantId = (yield* call("GET", `/api/v1/tenants/${slug}`)).body.id as string
          const from = recorder.requests.length
          recorder.down = true
          const number = yield* closeOneInvoice(slug, admin, "flat").pipe(
            Effect.tapErrorCause(() => Effect.sync(() => (recorder.down = false)))
          )
          // The close answered while Stripe was down; the sync's first attempt failed.
          yield* recorded((rs) => rs.slice(from).find((r) => r.status === 500)).pipe(
            Effect.ensuring(Effect.sync(() => (recorder.down = false)))
          )
          const mirror = yield* mirrored(tenantId, number)
          expect(mirror.items).toHaveLength(1)
        })
      )

      it.effect("invoice.paid of the mirror pays the Signet invoice once; another Stripe invoice is ignored", () =>
        Effect.gen(function* () {
          const t = yield* synced(`sync-paid-${dialect}`)
          const other = yield* deliver("invoice.paid", stripeInvoice(t, "paid", "in_test_not_the_mirror"))
          expect(other.res.body.outcome).toBe("ignored")
          expect((yield* call("GET", `${t.B}/invoices/${t.number}`, { auth: t.admin })).body.status).toBe("finalized")
          const paid = yield* deliver("invoice.paid", stripeInvoice(t, "paid"))
          expect(paid.res.status, paid.res.text).toBe(200)
          expect(paid.res.body.outcome).toBe("applied")
          const invoice = (yield* call("GET", `${t.B}/invoices/${t.number}`, { auth: t.admin })).body
          expect(invoice).toMatchObject({ status: "paid", payment_reference: t.mirror.id })
          const replay = yield* call("POST", "/api/v1/billing/stripe/webhook", {
            auth: false,
            raw: paid.payload,
            headers: {
              "stripe-signature": signer.webhooks.generateTestHeaderString({
                payload: paid.payload,
                secret: WEBHOOK_SECRET
              })
            }
          })
          expect(replay.body.outcome).toBe("duplicate")
        })
      )

      it.effect("invoice.payment_failed of the mirror makes the subscription past_due", () =>
        Effect.gen(function* () {
          const t = yield* synced(`sync-failed-${dialect}`)
          const failed = yield* deliver("invoice.payment_failed", stripeInvoice(t, "open"))
          expect(failed.res.body.outcome).toBe("applied")
          expect((yield* call("GET", `${t.B}/subscription`, { auth: t.admin })).body.status).toBe("past_due")
        })
      )

      it.effect("invoice.voided of the mirror voids the Signet invoice, naming the Stripe invoice", () =>
        Effect.gen(function* () {
          const t = yield* synced(`sync-void-${dialect}`)
          const voided = yield* deliver("invoice.voided", stripeInvoice(t, "void"))
          expect(voided.res.body.outcome).toBe("applied")
          const invoice = (yield* call("GET", `${t.B}/invoices/${t.number}`, { auth: t.admin })).body
          expect(invoice).toMatchObject({ status: "void", void_reason: `voided in Stripe (${t.mirror.id})` })
        })
      )

      it.effect("each subscription change writes the plan and status into the Stripe customer's metadata", () =>
        Effect.gen(function* () {
          const t = yield* synced(`sync-sub-${dialect}`)
          const sent = (status: string) =>
            recorded((rs) =>
              rs.find(
                (r) =>
                  r.path === `/v1/customers/${t.mirror.customer}` &&
                  r.form["metadata[signet_subscription_status]"] === status
              )
            )
          const canceled = yield* call("POST", `${t.B}/subscription/cancel`, { auth: t.admin })
          expect(canceled.status, canceled.text).toBe(200)
          const active = yield* sent("active")
          expect(active.form).toMatchObject({ "metadata[signet_plan]": "flat", "metadata[signet_plan_version]": "1" })
          expect(active.idempotencyKey).toMatch(/^signet-customer-sync-/)
          expect((yield* deliver("invoice.payment_failed", stripeInvoice(t, "open"))).res.body.outcome).toBe("applied")
          expect((yield* sent("past_due")).form["metadata[signet_plan]"]).toBe("flat")
        })
      )

      it.effect("charge.refunded records each raise of the refunded total once; an older view is stale", () =>
        Effect.gen(function* () {
          const t = yield* paidBy(`sync-refund-${dialect}`, "pi_test_refund")
          const partial = yield* deliver("charge.refunded", charge(t, "pi_test_refund", 500))
          expect(partial.res.body.outcome).toBe("applied")
          const full = yield* deliver("charge.refunded", charge(t, "pi_test_refund", 1500))
          expect(full.res.body.outcome).toBe("applied")
          const older = yield* deliver("charge.refunded", charge(t, "pi_test_refund", 500))
          expect(older.res.body.outcome).toBe("stale")
          const rows = yield* auditOf(t, "billing.invoice.refunded")
          expect(rows.map((r) => [r.after.amount, r.after.full])).toEqual([
            [1000, true],
            [500, false]
          ])
          expect((yield* call("GET", `${t.B}/invoices/${t.number}`, { auth: t.admin })).body.status).toBe("paid")
        })
      )

      it.effect("a dispute is recorded; lost, it makes the subscription past_due; a late creation is stale", () =>
        Effect.gen(function* () {
          const t = yield* paidBy(`sync-dispute-${dialect}`, "pi_test_dispute")
          const opened = yield* deliver("charge.dispute.created", dispute(t, "pi_test_dispute", "needs_response"))
          expect(opened.res.body.outcome).toBe("applied")
          expect((yield* auditOf(t, "billing.invoice.disputed")).length).toBe(1)
          expect((yield* call("GET", `${t.B}/subscription`, { auth: t.admin })).body.status).toBe("active")
          const lost = yield* deliver("charge.dispute.closed", dispute(t, "pi_test_dispute", "lost"))
          expect(lost.res.body.outcome).toBe("applied")
          expect((yield* call("GET", `${t.B}/subscription`, { auth: t.admin })).body.status).toBe("past_due")
          const late = yield* deliver("charge.dispute.created", dispute(t, "pi_test_dispute", "needs_response"))
          expect(late.res.body.outcome).toBe("stale")
          const closed = yield* auditOf(t, "billing.invoice.dispute_closed")
          expect(closed[0]).toMatchObject({ actor_kind: "system", after: { status: "lost", amount: 1500 } })
        })
      )

      it.effect("a refund or dispute of a PaymentIntent Signet never applied is ignored", () =>
        Effect.gen(function* () {
          const t = yield* paidBy(`sync-unknown-${dialect}`, "pi_test_known")
          const refund = yield* deliver("charge.refunded", charge(t, "pi_test_never_seen", 1500))
          expect(refund.res.body.outcome).toBe("ignored")
          const opened = yield* deliver("charge.dispute.created", dispute(t, "pi_test_never_seen", "needs_response"))
          expect(opened.res.body.outcome).toBe("ignored")
          expect(yield* auditOf(t, "billing.invoice.refunded")).toHaveLength(0)
        })
      )
    }
  )
}
