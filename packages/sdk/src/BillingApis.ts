/**
 * The facade's billing group (`client.billing`, issue 20, first slice): one
 * factory over the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */
import type { CreateMeter } from "@signet/contracts/billing/Domain"
import { DateTime } from "effect"
import type { Session } from "./Session.js"
import type { PlainOf } from "./Transport.js"

/**
 * One usage event as an integrator sends it (CloudEvents-shaped): `id`
 * unique per tenant (a re-sent event is counted once), `time` an ISO 8601
 * instant (receipt time when absent), `data` a JSON object.
 */
export interface UsageEventInput {
  readonly id: string
  readonly source: string
  readonly type: string
  readonly subject: string
  readonly time?: string
  readonly data?: Record<string, unknown>
}

/**
 * A usage query: `from ≤ time < to` (ISO 8601 or `Date`; default the
 * current UTC month), optional window, subject and group-by names.
 */
export interface UsageQueryInput {
  readonly from?: string | Date
  readonly to?: string | Date
  readonly window?: "hour" | "day" | "month"
  readonly subject?: string
  readonly group_by?: ReadonlyArray<string>
}

/**
 * `client.billing`: the tenant's subscription, meters and usage
 * (docs/billing.md). Reading needs `billing:read`; subscription changes
 * `billing:write` and a session with a fresh MFA verification; `ingest`
 * needs `billing:ingest` (an API key scoped to it is enough). Invoices:
 * `invoices.list/get/pdf` need `billing:read`; `invoices.pay/void` need
 * `billing:write` and a fresh MFA verification. Payment links
 * (`invoices.checkout`, `portal`) need `billing:write` and reject
 * `PaymentsManual` when the server's payments are manual. Credit notes:
 * `invoices.credit` needs `billing:write` and a fresh MFA verification;
 * `invoices.creditNotes`, `creditNotes.get/pdf` need `billing:read`.
 */
export const billingApi = ({ call, callWith, path }: Session) => {
  const at = (code: string) => ({ path: { ...path, code } })
  const inv = (number: string) => ({ ...path, number })
  return {
    /** The tenant's invoices (issue 20 "Invoices"; amounts in integer minor units). */
    invoices: {
      /** The tenant's invoices, newest first (at most 500). */
      list: () => call((r) => r.billing.listInvoices({ path })),
      /** One invoice by number, e.g. `INV-2026-000001` (rejects `InvoiceNotFound`). */
      get: (number: string) => call((r) => r.billing.getInvoice({ path: inv(number) })),
      /** One invoice as PDF bytes (`application/pdf`). */
      pdf: (number: string) => call((r) => r.billing.invoicePdf({ path: inv(number) })),
      /** Records a manual payment of a finalized invoice: `{ reference? }` (rejects `Conflict` otherwise). */
      pay: (number: string, input: PlainOf<"billing", "payInvoice"> = {}) =>
        callWith("billing", "payInvoice", input, (r, payload) => r.billing.payInvoice({ path: inv(number), payload })),
      /** Voids a finalized invoice: `{ reason }`. */
      void: (number: string, input: PlainOf<"billing", "voidInvoice">) =>
        callWith("billing", "voidInvoice", input, (r, payload) =>
          r.billing.voidInvoice({ path: inv(number), payload })
        ),
      /**
       * A Stripe Checkout link paying a finalized invoice: `{ provider, id, url }`
       * (rejects `PaymentsManual` when payments are manual, `Conflict` when the invoice is paid or void).
       */
      checkout: (number: string) => call((r) => r.billing.invoiceCheckout({ path: inv(number) })),
      /** The credit notes of an invoice, oldest first. */
      creditNotes: (number: string) => call((r) => r.billing.listCreditNotes({ path: inv(number) })),
      /**
       * Issues a credit note on a finalized or paid invoice: `{ reason, lines: [{ invoice_line?, amount, description? }] }`
       * (rejects `CreditExceedsInvoice` with the numbers when it would credit more than is left).
       */
      credit: (number: string, input: PlainOf<"billing", "issueCreditNote">) =>
        callWith("billing", "issueCreditNote", input, (r, payload) =>
          r.billing.issueCreditNote({ path: inv(number), payload })
        )
    },
    /** Credit notes by their own number (issue 20 "credit notes for corrections"; `billing:read`). */
    creditNotes: {
      /** One credit note by number, e.g. `CN-2026-000001`. */
      get: (number: string) => call((r) => r.billing.getCreditNote({ path: inv(number) })),
      /** One credit note as PDF bytes (`application/pdf`). */
      pdf: (number: string) => call((r) => r.billing.creditNotePdf({ path: inv(number) }))
    },
    /** A Stripe Customer Portal link back to the tenant's billing page: `{ provider, id, url }` (rejects `PaymentsManual`). */
    portal: () => call((r) => r.billing.billingPortal({ path })),
    /** The plans on offer (latest version of each). */
    plans: () => call((r) => r.billing.listTenantPlans({ path })),
    /** One plan on offer by code, its latest version (rejects `PlanNotFound`). */
    plan: (code: string) => call((r) => r.billing.getTenantPlan(at(code))),
    /** The tenant's live subscription (rejects `SubscriptionNotFound` when none). */
    subscription: () => call((r) => r.billing.getSubscription({ path })),
    /** The plan's features and limits as enforced now, with the tenant's usage of each (`EntitlementStatus`). */
    entitlements: () => call((r) => r.billing.getEntitlements({ path })),
    /** Subscribes: `{ plan_code, trial_days? }`. */
    subscribe: (input: PlainOf<"billing", "createSubscription">) =>
      callWith("billing", "createSubscription", input, (r, payload) => r.billing.createSubscription({ path, payload })),
    /** Changes plan `now` (answers the proration) or at `period_end`. */
    changePlan: (input: PlainOf<"billing", "changePlan">) =>
      callWith("billing", "changePlan", input, (r, payload) => r.billing.changePlan({ path, payload })),
    /** Cancels at the period's end. */
    cancel: () => call((r) => r.billing.cancelSubscription({ path })),
    /** Undoes a scheduled cancellation. */
    reactivate: () => call((r) => r.billing.reactivateSubscription({ path })),
    /** The meters the tenant sees (its own and the platform's). */
    meters: () => call((r) => r.billing.listMeters({ path })),
    /** Defines a tenant meter: `{ code, name, event_type, aggregation, value_path?, dimensions? }`. */
    createMeter: (input: typeof CreateMeter.Encoded) =>
      callWith("billing", "createMeter", input, (r, payload) => r.billing.createMeter({ path, payload })),
    /** Stores 1–1,000 usage events, idempotently by id: answers `{ accepted, duplicates }`. */
    ingest: (events: ReadonlyArray<UsageEventInput>) =>
      callWith("billing", "ingestUsage", events, (r, payload) => r.billing.ingestUsage({ path, payload })),
    /** A meter's usage by window and group. */
    usage: (code: string, q: UsageQueryInput = {}) =>
      call((r) =>
        r.billing.meterUsage({
          ...at(code),
          urlParams: {
            ...(q.from ? { from: DateTime.unsafeMake(q.from) } : {}),
            ...(q.to ? { to: DateTime.unsafeMake(q.to) } : {}),
            ...(q.window ? { window: q.window } : {}),
            ...(q.subject ? { subject: q.subject } : {}),
            ...(q.group_by ? { group_by: q.group_by.join(",") } : {})
          }
        })
      )
  }
}
