/**
 * Payments of invoices through the payment provider (issue 20 "Payments";
 * seed 003 "Stripe with webhooks"). Internal to `Billing.ts`; the rules
 * live here, the provider (`PaymentProvider.ts`) only talks to Stripe.
 *
 * - **Customer**: one provider customer per tenant, made on first need and
 *   stored (`billing_payment_customers`); the creation carries an
 *   idempotency key, so a retry after a lost answer makes no second one.
 * - **checkout(number)**: a Checkout link for a `finalized` invoice of the
 *   current tenant — `InvoiceNotFound` (404) first, then `Conflict` (409,
 *   paid/void), then `PaymentsManual` (409) when payments are manual.
 * - **portal**: a Customer Portal link back to the tenant's billing page.
 * - **webhook(raw, signature)** (platform level; no caller identity: the
 *   signature is the authentication): verified by the provider over the
 *   raw body (`WebhookSignatureInvalid`, 400, nothing changed). The tenant
 *   and invoice come from the signed event's `metadata`
 *   (`signet_tenant_id`, `signet_invoice_number`, set by `checkout`), and
 *   the event's `customer` must be the customer Signet stored for that
 *   tenant — never from anything unsigned. Then, in one transaction of that
 *   tenant, as the system:
 *   - the event id is claimed in `billing_payment_events`: an id seen
 *     before answers `duplicate` and changes nothing (replays);
 *   - an event older (`created`) than one already applied to the same
 *     invoice answers `stale` and changes nothing (out-of-order delivery;
 *     e.g. a failure arriving after the payment);
 *   - `checkout.session.completed` with `payment_status=paid`, and
 *     `checkout.session.async_payment_succeeded` → the invoice is paid
 *     (`Invoices.pay`: audit row `billing.invoice.paid` and event
 *     `signet.billing.invoice.paid`, reference = the PaymentIntent id, else
 *     the session id), and a `past_due` subscription becomes `active`;
 *   - `checkout.session.async_payment_failed` and
 *     `payment_intent.payment_failed` → the live subscription becomes
 *     `past_due` (`past_due_at` stamped; `signet.billing.subscription.past_due`),
 *     unless the invoice is already paid or void;
 *   - the mirrored Stripe invoice's events (`StripeSync.ts` sets the
 *     same metadata on it), under the same rules, and only when the event's
 *     invoice is the one Signet stored for that number: `invoice.paid` →
 *     paid (reference = its PaymentIntent when the event names one, else
 *     the Stripe invoice id); `invoice.payment_failed` and
 *     `invoice.marked_uncollectible` → `past_due`; `invoice.voided` → the
 *     Signet invoice is voided too (reason names the Stripe invoice), since
 *     Stripe will no longer collect it;
 *   - a paid invoice's PaymentIntent is recorded (`billing_payment_refs`)
 *     so its refunds and disputes find it: `charge.refunded`,
 *     `charge.dispute.created` and `charge.dispute.closed` are
 *     `Chargebacks.ts`;
 *   - anything else answers `ignored`.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { type Invoice, PayInvoice, VoidInvoice } from "@signet/contracts/billing/Domain"
import { PaymentLink, PaymentsManual } from "@signet/contracts/billing/Payments"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { Conflict } from "@signet/contracts/kernel/Errors"
import { Config, DateTime, Effect, Option } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import { CHARGEBACK_EVENTS, makeChargebacks } from "./Chargebacks.js"
import type { makeInvoices } from "./Invoices.js"
import type { PaymentProviderService, ProviderEvent } from "./PaymentProvider.js"
import type { PaymentsRepo } from "./PaymentsRepo.js"
import type { makeSubscriptions } from "./Subscriptions.js"

/** Event types that pay an invoice (Checkout Sessions in `mode=payment`, and the mirrored Stripe invoice). */
export const PAID_EVENTS = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "invoice.paid"
] as const
/** Event types that void the invoice (its Stripe mirror was voided). */
export const VOIDED_EVENTS = ["invoice.voided"] as const
/** Event types that make the subscription `past_due`. */
export const FAILED_EVENTS = [
  "checkout.session.async_payment_failed",
  "payment_intent.payment_failed",
  "invoice.payment_failed",
  "invoice.marked_uncollectible"
] as const

/** What a verified event asks of its invoice. */
type Action = "paid" | "failed" | "voided"

/** The action of a verified event, `null` for a type Signet does not act on. */
const actionOf = (ev: ProviderEvent): Action | null => {
  if (ev.type === "checkout.session.completed") return ev.object.payment_status === "paid" ? "paid" : null
  if (ev.type === "checkout.session.async_payment_succeeded" || ev.type === "invoice.paid") return "paid"
  if ((FAILED_EVENTS as ReadonlyArray<string>).includes(ev.type)) return "failed"
  if (ev.type === "invoice.voided") return "voided"
  return null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Origin of the links Stripe sends the payer back to (`SIGNET_PUBLIC_URL`, as the mailer's). */
const publicOrigin = Config.string("SIGNET_PUBLIC_URL").pipe(
  Config.withDefault("http://127.0.0.1:8080"),
  Config.map((s) => s.replace(/\/+$/, ""))
)

type InTx = <A, E, R>(
  self: Effect.Effect<A, E, R>
) => Effect.Effect<A, Exclude<E, SqlError>, Exclude<R, SqlClient.SqlClient> | CurrentTenant>

/** What the payment operations are built from. */
export interface PaymentDeps {
  readonly sql: SqlClient.SqlClient
  readonly audit: Audit
  readonly events: Events
  readonly provider: PaymentProviderService
  readonly repo: PaymentsRepo
  readonly tenancy: Tenancy
  readonly invoices: ReturnType<typeof makeInvoices>
  readonly subscriptions: ReturnType<typeof makeSubscriptions>
  /** Runs in one transaction of the current tenant. */
  readonly inTx: InTx
}

/** The payment operations; see the module comment. */
export const makePayments = (deps: PaymentDeps) => {
  const { inTx, invoices, provider, repo, subscriptions, tenancy } = deps
  const chargebacks = makeChargebacks(deps)
  /** The current tenant's provider customer, made and stored on first need. */
  const customer = Effect.gen(function* () {
    const stored = yield* inTx(repo.customerOf("stripe"))
    if (Option.isSome(stored)) return stored.value
    const tenant = yield* CurrentTenant
    const id = yield* provider.createCustomer({ id: tenant.id, slug: tenant.slug })
    const now = yield* DateTime.now
    return yield* inTx(
      Effect.zipRight(repo.insertCustomer("stripe", id, now), Effect.map(repo.customerOf("stripe"), Option.getOrThrow))
    )
  })

  /** Fails with `PaymentsManual` (409) when payments are manual. */
  const online =
    provider.kind === "manual"
      ? Effect.fail(
          new PaymentsManual({
            message: "the payments provider is manual: pay by bank transfer and have an admin record the payment",
            provider: "manual"
          })
        )
      : Effect.void

  const pageOf = (slug: string) => Effect.map(Effect.orDie(publicOrigin), (o) => `${o}/t/${slug}/admin/billing`)

  /** @errors InvoiceNotFound, Conflict (not finalized), PaymentsManual */
  const checkout = (number: string) =>
    Effect.gen(function* () {
      const invoice: Invoice = yield* inTx(invoices.get(number))
      if (invoice.status !== "finalized")
        return yield* new Conflict({ message: `invoice ${number} is ${invoice.status}; only a finalized one is paid` })
      yield* online
      const tenant = yield* CurrentTenant
      const page = yield* pageOf(tenant.slug)
      const session = yield* provider.checkout({
        customer: yield* customer,
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        currency: invoice.currency,
        amount: invoice.total,
        successUrl: `${page}?invoice=${encodeURIComponent(number)}&checkout=success`,
        cancelUrl: `${page}?invoice=${encodeURIComponent(number)}&checkout=canceled`
      })
      return new PaymentLink({ provider: provider.kind, ...session })
    }).pipe(Effect.withSpan("Billing.checkout"))

  /** @errors PaymentsManual */
  const portal = Effect.gen(function* () {
    yield* online
    const tenant = yield* CurrentTenant
    const session = yield* provider.portal(yield* customer, yield* pageOf(tenant.slug))
    return new PaymentLink({ provider: provider.kind, ...session })
  }).pipe(Effect.withSpan("Billing.portal"))

  /** Applies a verified event for the current tenant (see the module comment); answers the outcome. */
  const apply = (ev: ProviderEvent, number: string, action: Action) =>
    Effect.gen(function* () {
      const now = yield* DateTime.now
      const created = DateTime.unsafeMake(ev.created * 1000)
      if (!(yield* repo.claimEvent({ eventId: ev.id, type: ev.type, objectKey: number, created, at: now })))
        return "duplicate" as const
      const outcome = yield* decide(ev, number, action, created)
      yield* repo.setOutcome(ev.id, outcome)
      return outcome
    })

  const decide = (ev: ProviderEvent, number: string, action: Action, created: DateTime.Utc) =>
    Effect.gen(function* () {
      const stored = yield* repo.customerOf("stripe")
      // The customer must be the one Signet made for this tenant (metadata alone is not enough).
      if (Option.isNone(stored) || stored.value !== ev.object.customer) return "ignored" as const
      // An invoice event must be about the Stripe invoice Signet made for this number.
      if (ev.type.startsWith("invoice.")) {
        const mirror = yield* repo.syncedInvoice(number)
        if (Option.isNone(mirror) || mirror.value.provider_invoice_id !== ev.object.id) return "ignored" as const
      }
      const newest = yield* repo.latestApplied(number)
      if (Option.isSome(newest) && DateTime.lessThan(created, newest.value)) return "stale" as const
      const invoice = yield* Effect.option(invoices.get(number))
      if (Option.isNone(invoice) || invoice.value.status !== "finalized") return "ignored" as const
      const why = { invoice: number, provider_event: ev.id }
      if (action === "paid") {
        const reference = ev.object.payment_intent ?? ev.object.id
        yield* Effect.orDie(invoices.pay(number, new PayInvoice({ reference })))
        if (ev.object.payment_intent) yield* repo.insertRef(ev.object.payment_intent, number, yield* DateTime.now)
        yield* Effect.catchTag(subscriptions.recover(why), "SubscriptionNotFound", () => Effect.succeed(false))
      } else if (action === "voided") {
        yield* Effect.orDie(invoices.void(number, new VoidInvoice({ reason: `voided in Stripe (${ev.object.id})` })))
      } else {
        yield* Effect.catchTag(subscriptions.markPastDue(why), "SubscriptionNotFound", () => Effect.succeed(false))
      }
      return "applied" as const
    })

  /** @errors WebhookSignatureInvalid */
  const webhook = (raw: string, signature: string | undefined) =>
    Effect.gen(function* () {
      const ev = yield* provider.verify(raw, signature, DateTime.toEpochMillis(yield* DateTime.now))
      const ignored = { received: true, event_id: ev.id, outcome: "ignored" } as const
      if ((CHARGEBACK_EVENTS as ReadonlyArray<string>).includes(ev.type))
        return { received: true, event_id: ev.id, outcome: yield* chargebacks.handle(ev) } as const
      const action = actionOf(ev)
      const tenantId = ev.object.metadata.signet_tenant_id
      const number = ev.object.metadata.signet_invoice_number
      // Only ids Signet itself could have put there (a UUID) are looked up.
      if (action === null || !tenantId || !UUID.test(tenantId) || !number) return ignored
      const tenant = yield* Effect.option(tenancy.getById(tenantId as TenantId))
      if (Option.isNone(tenant)) return ignored
      const outcome = yield* inTx(apply(ev, number, action)).pipe(
        Effect.provideService(CurrentTenant, { id: tenant.value.id, slug: tenant.value.slug }),
        Effect.provideService(CurrentActor, systemActor)
      )
      return { received: true, event_id: ev.id, outcome } as const
    }).pipe(Effect.withSpan("Billing.stripeWebhook"))

  return { checkout, portal, webhook, customer } as const
}
