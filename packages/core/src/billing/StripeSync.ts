/**
 * Stripe sync (issue 20 "Payments … customer, subscription and invoice
 * sync"; seed 003 "Stripe with webhooks"), two outbox subscribers
 * registered only when the provider is Stripe. Internal to `Billing.ts`.
 *
 * **Subscription sync** (`billing-stripe-subscription-sync`, on every
 * `signet.billing.subscription.*` event): the tenant's Stripe customer gets
 * `metadata[signet_plan]` (plan code, `""` when none), `[signet_plan_version]`
 * and `[signet_subscription_status]` (`trial|active|past_due|canceled`,
 * `none` when the tenant has no live subscription). Why metadata and not a
 * Stripe subscription: Signet is the billing engine (periods, proration,
 * usage pricing, grace, downgrade), so a Stripe subscription would be a
 * second engine charging on its own schedule; the metadata lets Stripe's
 * dashboard, Radar rules and support see the plan without billing it. The
 * values are read from the live subscription when the event is handled (not
 * from the event), so a late or repeated delivery writes the current state;
 * the key `signet-customer-sync-<event id>` makes a retried call harmless.
 * A tenant without a Stripe customer yet is skipped (one is made on its
 * first invoice mirror, Checkout or Portal). Since Signet makes no Stripe
 * subscriptions, `customer.subscription.*` webhooks have nothing to act on
 * and are ignored; a cancellation asked in the Customer Portal is not
 * possible (the Portal shows no subscription) — tenants cancel in Signet.
 *
 * **Invoice sync**: each finalized Signet invoice is
 * mirrored into the payment provider as a provider invoice, so the tenant
 * can pay it on Stripe's hosted invoice page and Stripe's dashboard shows
 * what Signet billed.
 *
 * **Settling the mirror** (`billing-stripe-invoice-settle`, on
 * `signet.billing.invoice.paid` and `…invoice.voided`): an invoice paid or
 * voided in Signet other than through its Stripe mirror — marked paid by
 * hand (bank transfer), paid through a Checkout session, voided by an
 * admin — would leave the mirror open, and Stripe's hosted page would still
 * ask for the money. So the mirror is marked paid out of band (`POST
 * /v1/invoices/<id>/pay`, `paid_out_of_band=true`: nothing is charged) or
 * voided (`POST /v1/invoices/<id>/void`). Skipped when there is no mirror
 * (an invoice settled while its mirror was being made is settled by the
 * mirroring itself, which reads the invoice again once the mirror is
 * stored), or when the change came from the mirror itself (an applied `invoice.paid`
 * or `invoice.voided` webhook for that number). A refusal for good (a 4xx:
 * the mirror was already paid or voided in Stripe's dashboard) is logged
 * and ends the delivery; an outage fails it, and the outbox retries (the
 * key `signet-invoice-settle-<tenant>-<number>` makes a retry harmless).
 * The `invoice.paid` / `invoice.voided` webhooks Stripe then sends find the
 * Signet invoice already settled and are ignored.
 *
 * Signet stays the billing engine: it numbers, prices, taxes and finalizes
 * the invoice; Stripe only collects. The mirror has one invoice item per
 * Signet line with a non-zero amount (the tax line included, so Stripe Tax
 * is not used and the totals agree), `collection_method=send_invoice` with
 * {@link DAYS_UNTIL_DUE} days to pay and `auto_advance=false` (Signet's own
 * mailer sends the invoice; Stripe neither e-mails nor charges a saved card
 * on its own, so a school that pays by transfer is never charged by
 * surprise), and `metadata[signet_tenant_id|signet_invoice_number]` so its
 * webhooks find the tenant and invoice (`Payments.ts`).
 *
 * Why through the outbox: the sync is an outbox subscriber of
 * `signet.billing.invoice.finalized`, so the period close never waits on
 * Stripe and a Stripe outage only delays the mirror: a failed call fails
 * the delivery, which the dispatcher retries with backoff (and dead-letters
 * after its attempts, replayable with `signet events replay`). Every Stripe
 * call carries an idempotency key derived from the tenant and invoice
 * number, so a retry after a lost answer makes no second invoice (Stripe
 * keeps keys 24 hours); once stored (`billing_payment_invoices`) an invoice
 * is never mirrored again. An invoice already paid or voided when its turn
 * comes, or with a zero total, is not mirrored.
 *
 * @module
 */
import type { Invoice } from "@signet/contracts/billing/Domain"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option } from "effect"
import type { Events } from "../events/Events.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import type { makeInvoices } from "./Invoices.js"
import type { PaymentProviderService } from "./PaymentProvider.js"
import type { PaymentDeps } from "./Payments.js"
import type { PaymentsRepo } from "./PaymentsRepo.js"
import type { makeSubscriptions } from "./Subscriptions.js"

/** Days the payer has to pay a mirrored invoice (`days_until_due`). */
export const DAYS_UNTIL_DUE = 30

/** The outbox subscribers' names (their deliveries are bookkept under them). */
export const INVOICE_SYNC_SUBSCRIBER = "billing-stripe-invoice-sync"
/** @see INVOICE_SYNC_SUBSCRIBER */
export const SUBSCRIPTION_SYNC_SUBSCRIBER = "billing-stripe-subscription-sync"
/** @see INVOICE_SYNC_SUBSCRIBER */
export const INVOICE_SETTLE_SUBSCRIBER = "billing-stripe-invoice-settle"

/** What the invoice sync is built from. */
export interface InvoiceSyncDeps {
  readonly events: Events
  readonly tenancy: Tenancy
  readonly provider: PaymentProviderService
  readonly repo: PaymentsRepo
  readonly invoices: ReturnType<typeof makeInvoices>
  readonly subscriptions: ReturnType<typeof makeSubscriptions>
  readonly inTx: PaymentDeps["inTx"]
  /** The current tenant's provider customer, made on first need (`Payments.ts`). */
  readonly customer: Effect.Effect<string, unknown, CurrentTenant>
}

/** The invoice number a `signet.billing.invoice.finalized` event carries. */
const numberOf = (data: unknown): string | undefined => {
  const n = (data as { invoice?: { number?: unknown } } | null)?.invoice?.number
  return typeof n === "string" ? n : undefined
}

/** Registers both subscribers (see the module comment). */
export const subscribeStripeSync = (deps: InvoiceSyncDeps) => {
  const { customer, events, inTx, invoices, provider, repo, subscriptions, tenancy } = deps
  /** Runs `self` as the system in the tenant of `event` (none: nothing to do). */
  const asTenantOf = <E>(event: CloudEvent, self: Effect.Effect<void, E, CurrentTenant | CurrentActor>) =>
    event.tenantid === undefined
      ? Effect.void
      : Effect.flatMap(tenancy.getById(event.tenantid as TenantId), (tenant) =>
          self.pipe(
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
            Effect.provideService(CurrentActor, systemActor)
          )
        )

  /** Writes the current tenant's plan and status into its Stripe customer's metadata. */
  const syncSubscription = (eventId: string) =>
    Effect.gen(function* () {
      const stored = yield* inTx(repo.customerOf("stripe"))
      if (Option.isNone(stored)) return
      const live = yield* Effect.option(inTx(subscriptions.get))
      const metadata = Option.match(live, {
        onNone: () => ({ signet_plan: "", signet_plan_version: "", signet_subscription_status: "none" }),
        onSome: (s) => ({
          signet_plan: s.plan.code,
          signet_plan_version: String(s.plan.version),
          signet_subscription_status: s.status
        })
      })
      yield* provider.updateCustomerMetadata(stored.value, metadata, `signet-customer-sync-${eventId}`)
    }).pipe(Effect.withSpan("Billing.syncSubscription"))

  /** Mirrors the current tenant's invoice `number` unless already done or nothing is to be collected. */
  const syncOne = (number: string) =>
    Effect.gen(function* () {
      if (Option.isSome(yield* inTx(repo.syncedInvoice(number)))) return
      const invoice: Invoice = yield* inTx(invoices.get(number))
      if (invoice.status !== "finalized" || invoice.total === 0) return
      const tenant = yield* CurrentTenant
      const synced = yield* provider.syncInvoice({
        customer: yield* customer,
        tenantId: tenant.id,
        invoiceNumber: invoice.number,
        currency: invoice.currency,
        total: invoice.total,
        lines: invoice.lines.filter((l) => l.amount > 0).map((l) => ({ description: l.description, amount: l.amount })),
        daysUntilDue: DAYS_UNTIL_DUE
      })
      const now = yield* DateTime.now
      yield* inTx(repo.insertSyncedInvoice(number, synced.id, synced.hostedUrl, now))
      yield* Effect.logInfo("billing: invoice mirrored in Stripe", { tenant: tenant.slug, invoice: number })
      // Paid or voided while the mirror was being made: the settle subscriber found no mirror then.
      const after: Invoice = yield* inTx(invoices.get(number))
      if (after.status === "paid" || after.status === "void")
        yield* settleOne(number, after.status === "paid" ? "paid" : "void")
    }).pipe(Effect.withSpan("Billing.syncInvoice"))

  /** Marks the mirror of invoice `number` paid out of band, or voids it (see the module comment). */
  const settleOne = (number: string, to: "paid" | "void") =>
    Effect.gen(function* () {
      const mirror = yield* inTx(repo.syncedInvoice(number))
      if (Option.isNone(mirror)) return
      const fromMirror = yield* inTx(repo.appliedEventOfType(number, to === "paid" ? "invoice.paid" : "invoice.voided"))
      if (fromMirror) return
      const tenant = yield* CurrentTenant
      const id = mirror.value.provider_invoice_id
      const done = yield* provider.settleInvoice(id, to, `signet-invoice-settle-${tenant.id}-${number}`)
      if (done.outcome === "refused")
        yield* Effect.logWarning("billing: Stripe refused to settle the invoice mirror", {
          tenant: tenant.slug,
          invoice: number,
          to,
          reason: done.reason
        })
      else
        yield* Effect.logInfo("billing: invoice mirror settled in Stripe", { tenant: tenant.slug, invoice: number, to })
    }).pipe(Effect.withSpan("Billing.settleMirror"))

  return Effect.all(
    [
      events.subscribe({
        name: INVOICE_SETTLE_SUBSCRIBER,
        types: ["signet.billing.invoice.paid", "signet.billing.invoice.voided"],
        handle: (event) => {
          const number = numberOf(event.data)
          const to = event.type === "signet.billing.invoice.paid" ? "paid" : "void"
          return number === undefined ? Effect.void : asTenantOf(event, settleOne(number, to))
        }
      }),
      events.subscribe({
        name: INVOICE_SYNC_SUBSCRIBER,
        types: ["signet.billing.invoice.finalized"],
        handle: (event) => {
          const number = numberOf(event.data)
          return number === undefined ? Effect.void : asTenantOf(event, syncOne(number))
        }
      }),
      events.subscribe({
        name: SUBSCRIPTION_SYNC_SUBSCRIBER,
        types: ["signet.billing.subscription."],
        handle: (event) => asTenantOf(event, syncSubscription(event.id))
      })
    ],
    { discard: true }
  )
}
