/**
 * The billing facades (issue 20, first slice). Core is the security
 * boundary: REST handlers, the SDK's server and in-process embedders all
 * go through these.
 *
 * {@link BillingAdmin} — the current tenant's billing; each operation
 * carries its permission in its type (`policyRequire`). The `billing`
 * permissions are granted to the tenant's admins only (the `admin` role's
 * `*:*`; no other default role holds them, the viewer role included).
 * ⚑ marks the step-up of seed 003 "MFA required for billing changes": a
 * `user` actor needs an MFA verification on its session within the tenant's
 * `auth.step_up_minutes` (`Access.requireStepUp`, as for role grants), else
 * `Forbidden` (`permission: "mfa:step-up"`) before anything is read or
 * written. Operators, the system and API keys are not asked.
 *
 * | operation | permission |
 * |---|---|
 * | `listPlans`, `getPlan`, `getSubscription`, `getEntitlements`, `listMeters`, `getMeter`, `usage` | `billing:read` |
 * | ⚑ `createSubscription`, ⚑ `changePlan`, ⚑ `cancel`, ⚑ `reactivate`, `createMeter` | `billing:write` |
 * | `ingest` | `billing:ingest` (an API key can hold it alone) |
 * | `listInvoices`, `getInvoice`, `invoicePdf` | `billing:read` |
 * | ⚑ `payInvoice` (manual payment), ⚑ `voidInvoice` | `billing:write` |
 * | `listCreditNotes`, `getCreditNote`, `creditNotePdf` | `billing:read` |
 * | ⚑ `issueCreditNote` | `billing:write` |
 * | `checkout` (a Stripe Checkout link), `portal` (a Customer Portal link) | `billing:write` |
 *
 * `checkout` and `portal` change nothing in Signet (the payment itself
 * arrives by the signed webhook), so they ask no step-up.
 *
 * {@link BillingWebhooks} — the Stripe webhook: no caller identity, the
 * signature over the raw body is the authentication (checked in core).
 *
 * {@link BillingPlatform} — the plan catalogue, platform meters, the
 * period-end step and the period close (invoices): platform operators (or `system`) only, checked in core
 * (`Forbidden` for anyone else).
 *
 * @module
 */

import type { CreateCreditNote } from "@signet/contracts/billing/Corrections"
import type {
  ChangePlan,
  CreateMeter,
  CreatePlan,
  CreateSubscription,
  PayInvoice,
  PlanVersionInput,
  UsageEvent,
  UsageQuery,
  VoidInvoice
} from "@signet/contracts/billing/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { Access } from "../access/Access.js"
import { policyRequire } from "../access/Policy.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Billing } from "./Billing.js"
import { requireOperator } from "./Catalogue.js"

const read = policyRequire("billing", "read")
const write = policyRequire("billing", "write")
const ingest = policyRequire("billing", "ingest")

/** Runs `f` after the step-up check (see the module comment). */
const sensitive = <A, E, R>(f: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Access, (access) => Effect.zipRight(access.requireStepUp, f))

/** The current tenant's billing; see the module comment for permissions and step-up. */
export const BillingAdmin = {
  /** The latest version of every plan (`billing:read`). */
  listPlans: () => read(Billing.use((b) => b.listPlans)),
  /** The latest version of one plan, as {@link BillingAdmin.listPlans} shows it (`billing:read`). @errors PlanNotFound */
  getPlan: (code: string) => read(Billing.use((b) => b.getPlan(code))),
  /** The tenant's live subscription (`billing:read`). @errors SubscriptionNotFound */
  getSubscription: () => read(Billing.use((b) => b.getSubscription)),
  /** The plan's features and limits as enforced now, with the tenant's usage of each limit (`billing:read`). */
  getEntitlements: () => read(Billing.use((b) => b.entitlementStatus)),
  /** ⚑ Subscribes the tenant (`billing:write`). @errors Forbidden (step-up), PlanNotFound, Conflict */
  createSubscription: (input: CreateSubscription) => write(sensitive(Billing.use((b) => b.createSubscription(input)))),
  /**
   * ⚑ Changes the plan now (prorated, figures answered) or at period end (`billing:write`).
   * @errors Forbidden (step-up), SubscriptionNotFound, PlanNotFound, Conflict, ValidationError (currency, interval)
   */
  changePlan: (input: ChangePlan) => write(sensitive(Billing.use((b) => b.changePlan(input)))),
  /** ⚑ Cancels at the period's end (`billing:write`). @errors Forbidden (step-up), SubscriptionNotFound */
  cancel: () => write(sensitive(Billing.use((b) => b.cancel))),
  /** ⚑ Undoes a scheduled cancellation (`billing:write`). @errors Forbidden (step-up), SubscriptionNotFound, Conflict */
  reactivate: () => write(sensitive(Billing.use((b) => b.reactivate))),
  /** The meters the tenant sees, its own and the platform's (`billing:read`). */
  listMeters: () => read(Billing.use((b) => b.listMeters)),
  /** One meter (`billing:read`). @errors MeterNotFound */
  getMeter: (code: string) => read(Billing.use((b) => b.getMeter(code))),
  /** Defines a tenant meter (`billing:write`). @errors Conflict, ValidationError (MAX_METERS) */
  createMeter: (input: CreateMeter) => write(Billing.use((b) => b.createMeter(input))),
  /** Stores usage events idempotently (`billing:ingest`). @errors ValidationError, Conflict (id reused) */
  ingest: (batch: ReadonlyArray<UsageEvent>) => ingest(Billing.use((b) => b.ingest(batch))),
  /** A meter's usage by window and group (`billing:read`). @errors MeterNotFound, ValidationError */
  usage: (code: string, query: UsageQuery) => read(Billing.use((b) => b.usage(code, query))),
  /** The tenant's invoices, newest first, at most 500 (`billing:read`). */
  listInvoices: () => read(Billing.use((b) => b.listInvoices)),
  /** One invoice by number, e.g. `INV-2026-000001` (`billing:read`). @errors InvoiceNotFound */
  getInvoice: (number: string) => read(Billing.use((b) => b.getInvoice(number))),
  /** One invoice as PDF bytes (`billing:read`). @errors InvoiceNotFound */
  invoicePdf: (number: string) => read(Billing.use((b) => b.invoicePdf(number))),
  /**
   * ⚑ Records a manual payment (bank transfer) of a finalized invoice (`billing:write`).
   * @errors Forbidden (step-up), InvoiceNotFound, Conflict (not finalized)
   */
  payInvoice: (number: string, input: PayInvoice) => write(sensitive(Billing.use((b) => b.payInvoice(number, input)))),
  /** ⚑ Voids a finalized invoice (`billing:write`). @errors Forbidden (step-up), InvoiceNotFound, Conflict */
  voidInvoice: (number: string, input: VoidInvoice) =>
    write(sensitive(Billing.use((b) => b.voidInvoice(number, input)))),
  /**
   * ⚑ Issues a credit note on a finalized or paid invoice (`billing:write`; `Corrections.ts`).
   * @errors Forbidden (step-up), InvoiceNotFound, Conflict (invoice not finalized or paid), ValidationError (a line), CreditExceedsInvoice (409, with the numbers)
   */
  issueCreditNote: (number: string, input: CreateCreditNote) =>
    write(sensitive(Billing.use((b) => b.issueCreditNote(number, input)))),
  /** The credit notes of invoice `number`, oldest first (`billing:read`). @errors InvoiceNotFound */
  listCreditNotes: (number: string) => read(Billing.use((b) => b.listCreditNotes(number))),
  /** One credit note by number, e.g. `CN-2026-000001` (`billing:read`). @errors InvoiceNotFound */
  getCreditNote: (number: string) => read(Billing.use((b) => b.getCreditNote(number))),
  /** One credit note as PDF bytes (`billing:read`). @errors InvoiceNotFound */
  creditNotePdf: (number: string) => read(Billing.use((b) => b.creditNotePdf(number))),
  /**
   * A Stripe Checkout link paying a finalized invoice (`billing:write`).
   * @errors InvoiceNotFound, Conflict (not finalized), PaymentsManual (409, payments are manual)
   */
  checkout: (number: string) => write(Billing.use((b) => b.checkout(number))),
  /** A Stripe Customer Portal link (`billing:write`). @errors PaymentsManual (409) */
  portal: () => write(Billing.use((b) => b.portal))
} as const

/** The payment provider's webhooks (issue 20 "Payments"); see `Payments.ts`. */
export const BillingWebhooks = {
  /**
   * Verifies and applies one Stripe webhook delivery: `raw` is the request
   * body exactly as received, `signature` the `Stripe-Signature` header.
   * Answers what was done (`applied`, `duplicate`, `stale`, `ignored`).
   * @errors WebhookSignatureInvalid (400, nothing changed)
   */
  stripe: (raw: string, signature: string | undefined) => Billing.use((b) => b.stripeWebhook(raw, signature))
} as const

/** The catalogue and platform billing operations; platform operators only (see the module comment). */
export const BillingPlatform = {
  /** Stores version 1 of a plan. @errors Forbidden, Conflict, ValidationError */
  createPlan: (input: CreatePlan) => Billing.use((b) => b.createPlan(input)),
  /** Stores the next version of a plan. @errors Forbidden, PlanNotFound, ValidationError */
  updatePlan: (code: string, input: PlanVersionInput) => Billing.use((b) => b.updatePlan(code, input)),
  /** The latest version of a plan. @errors Forbidden, PlanNotFound */
  getPlan: (code: string) =>
    Effect.zipRight(
      requireOperator,
      Billing.use((b) => b.getPlan(code))
    ),
  /** The latest version of every plan. @errors Forbidden */
  listPlans: () =>
    Effect.zipRight(
      requireOperator,
      Billing.use((b) => b.listPlans)
    ),
  /** Every version of a plan, oldest first. @errors Forbidden, PlanNotFound */
  listPlanVersions: (code: string) => Billing.use((b) => b.listPlanVersions(code)),
  /** Defines a platform meter. @errors Forbidden, Conflict, ValidationError */
  createPlatformMeter: (input: CreateMeter) => Billing.use((b) => b.createPlatformMeter(input)),
  /** Every platform meter. @errors Forbidden */
  listPlatformMeters: () =>
    Effect.zipRight(
      requireOperator,
      Billing.use((b) => b.listPlatformMeters)
    ),
  /**
   * The period-end step for the current tenant's subscription (renewal,
   * scheduled plan, trial end, scheduled cancellation). @errors Forbidden, SubscriptionNotFound
   */
  advance: () =>
    Effect.zipRight(
      requireOperator,
      Billing.use((b) => b.advance)
    ),
  /**
   * The period close for the current tenant (what the `billing.close_periods`
   * job runs): invoices and finalizes every ended period, rolling the
   * subscription on; answers the invoices made. @errors Forbidden
   */
  closePeriods: () =>
    Effect.zipRight(
      requireOperator,
      Billing.use((b) => b.closePeriods)
    ),
  /** {@link BillingPlatform.closePeriods} for the tenant `slug`. @errors Forbidden, TenantNotFound */
  closePeriodsOf: (slug: string) =>
    Effect.zipRight(
      requireOperator,
      Effect.flatMap(
        Tenancy.use((t) => t.get(slug)),
        (tenant) =>
          Billing.use((b) => b.closePeriods).pipe(
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug })
          )
      )
    ),
  /** {@link BillingPlatform.advance} for the tenant `slug`. @errors Forbidden, TenantNotFound, SubscriptionNotFound */
  advanceTenant: (slug: string) =>
    Effect.zipRight(
      requireOperator,
      Effect.flatMap(
        Tenancy.use((t) => t.get(slug)),
        (tenant) =>
          Billing.use((b) => b.advance).pipe(Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }))
      )
    )
} as const
