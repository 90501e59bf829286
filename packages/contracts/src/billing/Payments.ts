/**
 * Payments of invoices (issue 20 "Payments"): what crosses the wire for the
 * payment provider — a Checkout or Customer Portal link, the provider's
 * refusal when payments are manual, a refused webhook signature and what a
 * webhook delivery did.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** The payment provider in use: `manual` (an admin marks invoices paid; the self-hosted default) or `stripe`. */
export const PaymentProviderKind = Schema.Literal("manual", "stripe")
/** @see PaymentProviderKind */
export type PaymentProviderKind = typeof PaymentProviderKind.Type

/**
 * A link the tenant's admin opens to pay (Stripe Checkout, `POST
 * …/billing/invoices/{number}/checkout`) or to manage payment methods
 * (Stripe Customer Portal, `POST …/billing/portal`). `id` is the provider's
 * session id (`cs_…`, `bps_…`).
 */
export class PaymentLink extends Schema.Class<PaymentLink>("PaymentLink")({
  provider: PaymentProviderKind,
  id: Schema.String,
  url: Schema.String
}) {}

/**
 * 409 — the operation needs an online payment provider but payments are
 * `manual` (no `SIGNET_STRIPE_SECRET_KEY`, or `SIGNET_PAYMENTS=manual`):
 * pay by bank transfer and have an admin record it.
 */
export class PaymentsManual extends Schema.TaggedError<PaymentsManual>()(
  "PaymentsManual",
  { message: Schema.String, provider: PaymentProviderKind },
  HttpApiSchema.annotations({ status: 409, description: "The payments provider is manual" })
) {}

/**
 * 400 — a provider webhook whose signature is missing, wrong, or older than
 * the tolerance (Stripe: `Stripe-Signature`, 300 s). Nothing was changed.
 */
export class WebhookSignatureInvalid extends Schema.TaggedError<WebhookSignatureInvalid>()(
  "WebhookSignatureInvalid",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "Webhook signature missing or invalid" })
) {}

/**
 * What one webhook delivery did: `applied` (an invoice paid or a
 * subscription past due), `duplicate` (the event id was processed before;
 * nothing changed), `stale` (older than an event already applied to the
 * same invoice; nothing changed), `ignored` (a type Signet does not handle,
 * or nothing Signet knows about).
 */
export class WebhookReceipt extends Schema.Class<WebhookReceipt>("WebhookReceipt")({
  received: Schema.Literal(true),
  event_id: Schema.String,
  outcome: Schema.Literal("applied", "duplicate", "stale", "ignored")
}) {}
