/**
 * The payment-provider port (issue 20 "Payments"; seed 003 "Stripe with
 * webhooks"): how Signet asks a payment service for a customer, a Checkout
 * link for a finalized invoice, a Customer Portal link, and how it verifies
 * the service's webhooks. Two implementations:
 *
 * - {@link manualProvider} — today's behaviour and the self-hosted school
 *   default: invoices are paid by bank transfer and an admin records the
 *   payment (`BillingAdmin.payInvoice`); every online operation fails with
 *   `PaymentsManual` (409) and webhooks are refused (400).
 * - `stripe` (`StripeProvider.ts`) — the official `stripe` package.
 *
 * `paymentProviderLayer` (`PaymentConfig.ts`) picks one from the environment:
 * `SIGNET_PAYMENTS=manual|stripe` when set, else `stripe` exactly when
 * `SIGNET_STRIPE_SECRET_KEY` is set. Stripe also reads
 * `SIGNET_STRIPE_WEBHOOK_SECRET` (`whsec_…`, required with stripe) and
 * `SIGNET_STRIPE_API_URL` (an API origin such as `http://127.0.0.1:12111`;
 * tests point it at a local recorder; default Stripe's own). A stripe
 * choice without both secrets stops the start with a one-line message.
 *
 * @module
 */
import { type PaymentProviderKind, PaymentsManual, WebhookSignatureInvalid } from "@signet/contracts/billing/Payments"
import { Context, Effect } from "effect"

/** What a checkout is made for: one finalized invoice of one tenant (amounts in integer minor units). */
export interface CheckoutRequest {
  readonly customer: string
  readonly tenantId: string
  readonly tenantSlug: string
  readonly invoiceId: string
  readonly invoiceNumber: string
  /** ISO 4217, upper case as Signet stores it; the provider gets it lower case. */
  readonly currency: string
  /** Integer minor units (the invoice's total). */
  readonly amount: number
  readonly successUrl: string
  readonly cancelUrl: string
}

/** One line of a mirrored invoice: what the payer reads and its amount (integer minor units, ≥ 0). */
export interface SyncLine {
  readonly description: string
  readonly amount: number
}

/**
 * A finalized Signet invoice to mirror at the provider (`StripeSync.ts`):
 * its lines (tax included as a line), currency (ISO 4217, upper case) and
 * total (integer minor units, the sum of the lines).
 */
export interface InvoiceSyncRequest {
  readonly customer: string
  readonly tenantId: string
  readonly invoiceNumber: string
  readonly currency: string
  readonly total: number
  readonly lines: ReadonlyArray<SyncLine>
  /** Days the payer has to pay the mirrored invoice (`days_until_due`). */
  readonly daysUntilDue: number
}

/** The provider's invoice once finalized: its id (`in_…`) and hosted payment page, when it has one. */
export interface SyncedInvoice {
  readonly id: string
  readonly hostedUrl: string | null
}

/**
 * A verified provider event as Signet reads it (Stripe's `Event`): `id`
 * (`evt_…`), `type`, `created` (Unix seconds) and the object it is about.
 */
export interface ProviderEvent {
  readonly id: string
  readonly type: string
  readonly created: number
  readonly object: {
    readonly id: string
    readonly customer: string | null
    readonly metadata: Readonly<Record<string, string>>
    /** Checkout Session: `paid` | `unpaid` | `no_payment_required`; absent on other objects. */
    readonly payment_status?: string | undefined
    /** The PaymentIntent of a Checkout Session (or charge, dispute), when it has one. */
    readonly payment_intent?: string | null | undefined
    /** Amounts in integer minor units, when the object has them (charge: `amount`, `amount_refunded`; dispute: `amount`). */
    readonly amount?: number | undefined
    readonly amount_refunded?: number | undefined
    /** The object's `status` (dispute: `won`, `lost`, `needs_response`, …), when it has one. */
    readonly status?: string | undefined
    /** The object's `currency` (lower case, as the provider sends it), when it has one. */
    readonly currency?: string | undefined
  }
}

/** A payment provider; see the module comment. Failures other than the typed ones are defects (a 500). */
export interface PaymentProviderService {
  readonly kind: PaymentProviderKind
  /** Creates the provider's customer of a tenant; answers its id (`cus_…`). @errors PaymentsManual */
  readonly createCustomer: (tenant: {
    readonly id: string
    readonly slug: string
  }) => Effect.Effect<string, PaymentsManual>
  /** A one-off payment session for an invoice. @errors PaymentsManual */
  readonly checkout: (
    req: CheckoutRequest
  ) => Effect.Effect<{ readonly id: string; readonly url: string }, PaymentsManual>
  /** A customer-portal session. @errors PaymentsManual */
  readonly portal: (
    customer: string,
    returnUrl: string
  ) => Effect.Effect<{ readonly id: string; readonly url: string }, PaymentsManual>
  /**
   * Replaces the given keys of a provider customer's metadata (other keys
   * stay); `idempotencyKey` makes a retried call harmless. @errors PaymentsManual
   */
  readonly updateCustomerMetadata: (
    customer: string,
    metadata: Readonly<Record<string, string>>,
    idempotencyKey: string
  ) => Effect.Effect<void, PaymentsManual>
  /**
   * Mirrors a finalized invoice at the provider (a provider invoice with one
   * item per line, finalized); retried calls make no second one (idempotency
   * keys). @errors PaymentsManual
   */
  readonly syncInvoice: (req: InvoiceSyncRequest) => Effect.Effect<SyncedInvoice, PaymentsManual>
  /**
   * Settles a mirrored provider invoice `id` the way its Signet invoice was
   * settled outside the provider: `paid` (marked paid out of band: nothing is
   * charged) or `void`. `idempotencyKey` makes a retried call harmless.
   * Answers `settled`, or `refused` with the provider's reason when the
   * provider refuses the change for good (e.g. the mirror is already paid
   * or void: a 4xx other than 429); other failures are defects, retried by
   * the outbox. @errors PaymentsManual
   */
  readonly settleInvoice: (
    id: string,
    to: "paid" | "void",
    idempotencyKey: string
  ) => Effect.Effect<
    { readonly outcome: "settled" } | { readonly outcome: "refused"; readonly reason: string },
    PaymentsManual
  >
  /**
   * Verifies a webhook's signature over the raw body at `nowMs` (Unix
   * milliseconds) and parses it. @errors WebhookSignatureInvalid
   */
  readonly verify: (
    raw: string,
    signature: string | undefined,
    nowMs: number
  ) => Effect.Effect<ProviderEvent, WebhookSignatureInvalid>
}

/** The payment provider in use (see the module comment). */
export class PaymentProvider extends Context.Tag("Signet/PaymentProvider")<PaymentProvider, PaymentProviderService>() {}

const manualRefusal = new PaymentsManual({
  message: "the payments provider is manual: pay by bank transfer and have an admin record the payment",
  provider: "manual"
})

/** The `manual` provider: online operations answer `PaymentsManual` (409), webhooks `WebhookSignatureInvalid` (400). */
export const manualProvider: PaymentProviderService = {
  kind: "manual",
  createCustomer: () => Effect.fail(manualRefusal),
  checkout: () => Effect.fail(manualRefusal),
  portal: () => Effect.fail(manualRefusal),
  syncInvoice: () => Effect.fail(manualRefusal),
  settleInvoice: () => Effect.fail(manualRefusal),
  updateCustomerMetadata: () => Effect.fail(manualRefusal),
  verify: () =>
    Effect.fail(new WebhookSignatureInvalid({ message: "no webhook secret: the payments provider is manual" }))
}
