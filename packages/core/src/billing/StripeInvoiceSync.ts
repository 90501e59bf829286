/**
 * Invoice sync (issue 20 "Payments … customer, subscription and invoice
 * sync"; seed 003 "Stripe with webhooks"): each finalized Signet invoice is
 * mirrored into the payment provider as a provider invoice, so the tenant
 * can pay it on Stripe's hosted invoice page and Stripe's dashboard shows
 * what Signet billed. Internal to `Billing.ts`; registered only when the
 * provider is Stripe.
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
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option } from "effect"
import type { Events } from "../events/Events.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import type { makeInvoices } from "./Invoices.js"
import type { PaymentProviderService } from "./PaymentProvider.js"
import type { PaymentDeps } from "./Payments.js"
import type { PaymentsRepo } from "./PaymentsRepo.js"

/** Days the payer has to pay a mirrored invoice (`days_until_due`). */
export const DAYS_UNTIL_DUE = 30

/** The outbox subscriber's name (its deliveries are bookkept under it). */
export const INVOICE_SYNC_SUBSCRIBER = "billing-stripe-invoice-sync"

/** What the invoice sync is built from. */
export interface InvoiceSyncDeps {
  readonly events: Events
  readonly tenancy: Tenancy
  readonly provider: PaymentProviderService
  readonly repo: PaymentsRepo
  readonly invoices: ReturnType<typeof makeInvoices>
  readonly inTx: PaymentDeps["inTx"]
  /** The current tenant's provider customer, made on first need (`Payments.ts`). */
  readonly customer: Effect.Effect<string, unknown, CurrentTenant>
}

/** The invoice number a `signet.billing.invoice.finalized` event carries. */
const numberOf = (data: unknown): string | undefined => {
  const n = (data as { invoice?: { number?: unknown } } | null)?.invoice?.number
  return typeof n === "string" ? n : undefined
}

/** Registers the sync (see the module comment). */
export const subscribeInvoiceSync = ({
  customer,
  events,
  inTx,
  invoices,
  provider,
  repo,
  tenancy
}: InvoiceSyncDeps) => {
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
    }).pipe(Effect.withSpan("Billing.syncInvoice"))

  return events.subscribe({
    name: INVOICE_SYNC_SUBSCRIBER,
    types: ["signet.billing.invoice.finalized"],
    handle: (event) =>
      Effect.gen(function* () {
        const number = numberOf(event.data)
        if (number === undefined || event.tenantid === undefined) return
        const tenant = yield* tenancy.getById(event.tenantid as TenantId)
        yield* syncOne(number).pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, systemActor)
        )
      })
  })
}
