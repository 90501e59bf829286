/**
 * The `stripe` payment provider (issue 20 "Payments") over the official
 * `stripe` package (pinned; its default API version). What it sends:
 *
 * - `POST /v1/customers` — one customer per tenant: `name` = the tenant's
 *   slug, `metadata[signet_tenant_id]`, `metadata[signet_tenant_slug]`;
 *   `Idempotency-Key: signet-customer-<tenant id>` (a retried creation
 *   makes no second customer).
 * - `POST /v1/checkout/sessions` — `mode=payment` for one finalized
 *   invoice: one line `price_data` (`currency` lower case, `unit_amount` =
 *   the invoice total in minor units, `product_data[name]` = `Signet invoice
 *   <number>`), `customer`, `client_reference_id` = the invoice id, and the
 *   same `metadata` (`signet_tenant_id`, `signet_invoice_number`) on the
 *   session and on its PaymentIntent (`payment_intent_data[metadata]`);
 *   `Idempotency-Key: signet-checkout-<tenant id>-<invoice number>`.
 * - `POST /v1/billing_portal/sessions` — `customer`, `return_url`.
 * - subscription sync (`updateCustomerMetadata`, run by `StripeSync.ts`):
 *   `POST /v1/customers/<id>` with `metadata[signet_plan]`,
 *   `metadata[signet_plan_version]`, `metadata[signet_subscription_status]`;
 *   key `signet-customer-sync-<outbox event id>`.
 * - settling a mirror (`settleInvoice`, run by `StripeSync.ts`): `POST
 *   /v1/invoices/<id>/pay` with `paid_out_of_band=true`, or `POST
 *   /v1/invoices/<id>/void`; key `signet-invoice-settle-<tenant id>-<number>`.
 * - invoice sync (`syncInvoice`, run by `StripeSync.ts`): `POST
 *   /v1/invoices` (`customer`, `currency`, `collection_method=send_invoice`,
 *   `days_until_due`, `auto_advance=false`,
 *   `pending_invoice_items_behavior=exclude`, `metadata[signet_tenant_id]`,
 *   `metadata[signet_invoice_number]`; key `signet-invoice-<tenant id>-<number>`),
 *   then one `POST /v1/invoiceitems` per line with an amount (`invoice`,
 *   `amount` in minor units, `currency`, `description`; key
 *   `signet-invoiceitem-<tenant id>-<number>-<line index>`), then `POST
 *   /v1/invoices/<id>/finalize` (`auto_advance=false`; key
 *   `signet-invoice-finalize-<tenant id>-<number>`). A total that differs
 *   from Signet's is a defect (the sync is retried, never left wrong).
 * - webhooks: `stripe.webhooks.constructEvent` (HMAC-SHA256 of
 *   `<timestamp>.<raw body>` under the endpoint secret, 300 s tolerance,
 *   checked at Signet's clock).
 *
 * Network retries are off (a failed call is a 500 the caller may retry:
 * the idempotency keys make that safe) and telemetry is off. Stripe's
 * failures are defects (500), never shown to the caller.
 *
 * @module
 */
import { WebhookSignatureInvalid } from "@signet/contracts/billing/Payments"
import { Effect } from "effect"
import Stripe from "stripe"
import type { CheckoutRequest, InvoiceSyncRequest, PaymentProviderService, ProviderEvent } from "./PaymentProvider.js"

/** Seconds a webhook's signed timestamp may lag Signet's clock (Stripe's default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300

/** What the stripe provider is made from; `apiUrl` overrides Stripe's API origin (tests). */
export interface StripeSettings {
  readonly secretKey: string
  readonly webhookSecret: string
  readonly apiUrl?: string | undefined
}

/** Stripe client options pointing at `apiUrl` (host, port, protocol), Stripe's own API otherwise. */
const clientOptions = (apiUrl: string | undefined): Stripe.StripeConfig => {
  const base: Stripe.StripeConfig = { maxNetworkRetries: 0, telemetry: false }
  if (apiUrl === undefined) return base
  const u = new URL(apiUrl)
  return {
    ...base,
    host: u.hostname,
    port: u.port || (u.protocol === "http:" ? 80 : 443),
    protocol: u.protocol === "http:" ? "http" : "https"
  }
}

const call = <A>(name: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (e) => e }).pipe(Effect.orDie, Effect.withSpan(`Stripe.${name}`))

const str = (v: unknown): string | null =>
  typeof v === "string" ? v : v && typeof v === "object" && "id" in v ? String(v.id) : null

/** A verified Stripe event as the port's {@link ProviderEvent}. */
const toProviderEvent = (event: Stripe.Event): ProviderEvent => {
  const o = event.data.object as unknown as Record<string, unknown>
  const metadata = (o.metadata && typeof o.metadata === "object" ? o.metadata : {}) as Record<string, string>
  return {
    id: event.id,
    type: event.type,
    created: event.created,
    object: {
      id: String(o.id),
      customer: str(o.customer),
      metadata,
      payment_status: typeof o.payment_status === "string" ? o.payment_status : undefined,
      payment_intent: str(o.payment_intent),
      amount: typeof o.amount === "number" ? o.amount : undefined,
      amount_refunded: typeof o.amount_refunded === "number" ? o.amount_refunded : undefined,
      status: typeof o.status === "string" ? o.status : undefined,
      currency: typeof o.currency === "string" ? o.currency : undefined
    }
  }
}

/** The stripe provider; see the module comment. */
export const makeStripeProvider = (settings: StripeSettings): PaymentProviderService => {
  const stripe = new Stripe(settings.secretKey, clientOptions(settings.apiUrl))
  return {
    kind: "stripe",
    createCustomer: (tenant) =>
      call("createCustomer", () =>
        stripe.customers.create(
          { name: tenant.slug, metadata: { signet_tenant_id: tenant.id, signet_tenant_slug: tenant.slug } },
          { idempotencyKey: `signet-customer-${tenant.id}` }
        )
      ).pipe(Effect.map((c) => c.id)),
    checkout: (req: CheckoutRequest) => {
      const metadata = { signet_tenant_id: req.tenantId, signet_invoice_number: req.invoiceNumber }
      return call("checkout", () =>
        stripe.checkout.sessions.create(
          {
            mode: "payment",
            customer: req.customer,
            client_reference_id: req.invoiceId,
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: req.currency.toLowerCase(),
                  unit_amount: req.amount,
                  product_data: { name: `Signet invoice ${req.invoiceNumber}` }
                }
              }
            ],
            metadata,
            payment_intent_data: { metadata },
            success_url: req.successUrl,
            cancel_url: req.cancelUrl
          },
          { idempotencyKey: `signet-checkout-${req.tenantId}-${req.invoiceNumber}` }
        )
      ).pipe(
        Effect.flatMap((s) =>
          s.url ? Effect.succeed({ id: s.id, url: s.url }) : Effect.dieMessage("Stripe answered no Checkout URL")
        )
      )
    },
    portal: (customer, returnUrl) =>
      call("portal", () => stripe.billingPortal.sessions.create({ customer, return_url: returnUrl })).pipe(
        Effect.map((s) => ({ id: s.id, url: s.url }))
      ),
    updateCustomerMetadata: (customer, metadata, idempotencyKey) =>
      call("updateCustomer", () =>
        stripe.customers.update(customer, { metadata: { ...metadata } }, { idempotencyKey })
      ).pipe(Effect.asVoid),
    syncInvoice: (req: InvoiceSyncRequest) => {
      const key = `${req.tenantId}-${req.invoiceNumber}`
      const currency = req.currency.toLowerCase()
      return Effect.gen(function* () {
        const draft = yield* call("createInvoice", () =>
          stripe.invoices.create(
            {
              customer: req.customer,
              currency,
              collection_method: "send_invoice",
              days_until_due: req.daysUntilDue,
              auto_advance: false,
              pending_invoice_items_behavior: "exclude",
              description: `Signet invoice ${req.invoiceNumber}`,
              metadata: { signet_tenant_id: req.tenantId, signet_invoice_number: req.invoiceNumber }
            },
            { idempotencyKey: `signet-invoice-${key}` }
          )
        )
        const id = draft.id ?? ""
        for (const [i, line] of req.lines.entries())
          yield* call("createInvoiceItem", () =>
            stripe.invoiceItems.create(
              { customer: req.customer, invoice: id, amount: line.amount, currency, description: line.description },
              { idempotencyKey: `signet-invoiceitem-${key}-${i}` }
            )
          )
        const final = yield* call("finalizeInvoice", () =>
          stripe.invoices.finalizeInvoice(
            id,
            { auto_advance: false },
            { idempotencyKey: `signet-invoice-finalize-${key}` }
          )
        )
        if (final.total !== req.total)
          return yield* Effect.dieMessage(`Stripe invoice ${id} totals ${final.total}, Signet's ${req.total}`)
        return { id, hostedUrl: final.hosted_invoice_url ?? null }
      })
    },
    settleInvoice: (id, to, idempotencyKey) =>
      Effect.tryPromise({
        try: () =>
          to === "paid"
            ? stripe.invoices.pay(id, { paid_out_of_band: true }, { idempotencyKey })
            : stripe.invoices.voidInvoice(id, {}, { idempotencyKey }),
        catch: (e) => e
      }).pipe(
        Effect.as({ outcome: "settled" } as const),
        // A 4xx other than 429 will not succeed on a retry (already paid or void, unknown invoice).
        Effect.catchIf(
          (e): e is Stripe.errors.StripeError =>
            e instanceof Stripe.errors.StripeError &&
            (e.statusCode ?? 0) >= 400 &&
            (e.statusCode ?? 0) < 500 &&
            e.statusCode !== 429,
          (e) => Effect.succeed({ outcome: "refused", reason: e.message } as const)
        ),
        Effect.orDie,
        Effect.withSpan("Stripe.settleInvoice")
      ),
    verify: (raw, signature, nowMs) =>
      Effect.try({
        // Why the raw body: the signature covers the exact bytes Stripe sent; re-serialised JSON would not verify.
        try: () =>
          toProviderEvent(
            stripe.webhooks.constructEvent(
              raw,
              signature ?? "",
              settings.webhookSecret,
              WEBHOOK_TOLERANCE_SECONDS,
              undefined,
              nowMs
            )
          ),
        catch: (e) =>
          new WebhookSignatureInvalid({
            message: signature ? `webhook signature refused: ${(e as Error).message}` : "no Stripe-Signature header"
          })
      })
  }
}
