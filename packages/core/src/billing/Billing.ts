/**
 * The billing service, first slice (issue 20; seed 003 "Billing Service"):
 * the plan catalogue and platform meters (`Catalogue.ts`, platform
 * operators only), a tenant's subscription (`Subscriptions.ts`), its meters
 * (`Meters.ts`) and usage ingestion and queries (`Metering.ts`), priced by
 * the pure functions of `Pricing.ts`.
 *
 * Tenant operations take the tenant (and, for audit rows, the actor) from
 * context and run in one transaction of the `CurrentTenant` each (row-level
 * security on Postgres); permissions and the MFA step-up are on the facade
 * (`Admin.ts`).
 *
 * Signet's own domain events become usage events through the outbox
 * (`DomainUsage.ts`), API requests too, counted in memory and flushed per
 * tenant and minute (`ApiUsage.ts`). Entitlements and quotas are `Entitlements.ts` (shared with the `Quotas`
 * port other modules call); a subscription change here drops this
 * process's cached plan of the tenant at once.
 *
 * Invoices (`Invoices.ts`, their PDF in `InvoicePdf.ts`) are made by the
 * period close (`PeriodClose.ts`, the `billing.close_periods` job).
 *
 * Payments (`Payments.ts`) go through the `PaymentProvider` port
 * (`PaymentProvider.ts`: `manual`, the default, or Stripe in
 * `StripeProvider.ts`): Checkout and Customer Portal links and the Stripe
 * webhook (paid invoices, `past_due` on failed payments; refunds and
 * disputes in `Chargebacks.ts`); with Stripe, finalized invoices are
 * mirrored as Stripe invoices and the plan into the customer's metadata
 * through the outbox (`StripeSync.ts`).
 *
 * A subscription `past_due` beyond `SIGNET_BILLING_PAST_DUE_GRACE_DAYS`
 * (default 7) gets its plan's downgrade policy (canceled, or downgraded to
 * another plan) in the period close (`Subscriptions.endGrace`).
 *
 * Finalized invoices are mailed by accounts (`accounts/InvoiceMail.ts`, on
 * `signet.billing.invoice.finalized`). Corrections (`Corrections.ts`):
 * prorations of immediate plan changes stored for the period's invoice,
 * credit notes, and the refusal of usage of an already closed period.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { CreateCreditNote } from "@signet/contracts/billing/Corrections"
import {
  type ChangePlan,
  type CreateMeter,
  type CreatePlan,
  type CreateSubscription,
  EntitlementStatus,
  type PayInvoice,
  type PlanVersionInput,
  QuotaStatus,
  type UsageEvent,
  type UsageQuery,
  type VoidInvoice
} from "@signet/contracts/billing/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Config, type Context, DateTime, Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { QuotaUsage } from "../kernel/Quotas.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { makeApiRequestCounter } from "./ApiUsage.js"
import { makeCatalogue, presentPlan } from "./Catalogue.js"
import { makeCorrections } from "./Corrections.js"
import { CorrectionsRepo } from "./CorrectionsRepo.js"
import { subscribeDomainUsage } from "./DomainUsage.js"
import { Entitlements, periodOf } from "./Entitlements.js"
import { renderCreditNotePdf, renderInvoicePdf } from "./InvoicePdf.js"
import { makeInvoices } from "./Invoices.js"
import { makeMetering } from "./Metering.js"
import { makeMeters } from "./Meters.js"
import { PaymentProvider } from "./PaymentProvider.js"
import { makePayments } from "./Payments.js"
import { PaymentsRepo } from "./PaymentsRepo.js"
import { makePeriodClose } from "./PeriodClose.js"
import { BillingRepo } from "./Repo.js"
import { subscribeStripeSync } from "./StripeSync.js"
import { makeSubscriptions } from "./Subscriptions.js"

/** Days a `past_due` subscription keeps its plan (`SIGNET_BILLING_PAST_DUE_GRACE_DAYS`, 0–365, default 7). */
export const pastDueGraceDays = Config.integer("SIGNET_BILLING_PAST_DUE_GRACE_DAYS").pipe(
  Config.withDefault(7),
  Config.validate({ message: "between 0 and 365", validation: (n) => n >= 0 && n <= 365 })
)

/**
 * Hours the period-close job waits after a period's end before closing it,
 * so late usage lands in its period (`SIGNET_BILLING_LATE_USAGE_GRACE_HOURS`,
 * 0–720, default 24; `PeriodClose.ts`).
 */
export const lateUsageGraceHours = Config.integer("SIGNET_BILLING_LATE_USAGE_GRACE_HOURS").pipe(
  Config.withDefault(24),
  Config.validate({ message: "between 0 and 720", validation: (n) => n >= 0 && n <= 720 })
)

/** The current tenant's plan as enforced, with its usage per limit (`GET …/billing/entitlements`). */
const entitlementStatusOf = (
  entitlements: Context.Tag.Service<typeof Entitlements>,
  usage: Context.Tag.Service<typeof QuotaUsage>
) =>
  Effect.gen(function* () {
    const compiled = yield* entitlements.current
    const now = yield* DateTime.now
    const limits = yield* Effect.forEach(
      [...compiled.limits].sort(([a], [b]) => a.localeCompare(b)),
      ([limit, value]) =>
        Effect.map(usage.count(limit), (used) => {
          const period = periodOf(limit, now)
          return new QuotaStatus({
            limit,
            value,
            used: used ?? null,
            soft: compiled.soft.has(limit),
            ...(period ? { period } : {})
          })
        })
    )
    return new EntitlementStatus({
      plan: compiled.plan,
      version: compiled.version,
      features_off: [...compiled.off].sort(),
      limits
    })
  })

/** Billing; see the module comment. */
export class Billing extends Effect.Service<Billing>()("Signet/Billing", {
  effect: Effect.gen(function* () {
    const repo = yield* BillingRepo
    const audit = yield* Audit
    const events = yield* Events
    const sql = yield* SqlClient.SqlClient
    const entitlements = yield* Entitlements
    /** Runs a subscription change, then drops the tenant's cached plan (whatever the outcome). */
    const changing = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.ensuring(
        self,
        Effect.flatMap(CurrentTenant, (t) => entitlements.invalidate(t.id))
      )
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql)) as Effect.Effect<
        A,
        Exclude<E, SqlError>,
        Exclude<R, SqlClient.SqlClient> | CurrentTenant
      >
    const catalogue = makeCatalogue({ repo, events, sql })
    const usage = yield* QuotaUsage
    const subscriptions = makeSubscriptions({ repo, audit, events, catalogue, usage })
    const meters = makeMeters(repo)
    const metering = makeMetering(repo, meters)
    const tenancy = yield* Tenancy
    // Usage from Signet's own domain (logins, signatures, beacons, users) through the outbox.
    yield* subscribeDomainUsage(events, tenancy, (batch) => inTx(metering.ingest(batch)))
    // API requests counted in memory, flushed to the outbox per tenant and minute (ApiUsage.ts).
    const apiRequests = yield* makeApiRequestCounter({ events, inTx })
    const planOf = (id: string) => Effect.map(repo.planById(id), (row) => presentPlan(Option.getOrThrow(row)))
    const correctionsRepo = yield* CorrectionsRepo
    const invoices = makeInvoices({ repo, corrections: correctionsRepo, audit, events, subscriptions, planOf })
    const graceDays = yield* Effect.orDie(pastDueGraceDays)
    const graceHours = yield* Effect.orDie(lateUsageGraceHours)
    const corrections = makeCorrections({
      repo: correctionsRepo,
      audit,
      events,
      invoice: invoices.get,
      lateUsageGraceHours: graceHours
    })
    const periodClose = makePeriodClose({
      sql,
      tenancy,
      invoices,
      subscriptions,
      graceDays,
      lateUsageGraceHours: graceHours,
      inTx,
      changing
    })
    const provider = yield* PaymentProvider
    const paymentsRepo = yield* PaymentsRepo
    const payments = makePayments({
      sql,
      audit,
      events,
      provider,
      repo: paymentsRepo,
      tenancy,
      invoices,
      subscriptions,
      inTx
    })
    // Finalized invoices and the tenant's plan mirrored into Stripe through the outbox (StripeSync.ts).
    if (provider.kind === "stripe")
      yield* subscribeStripeSync({
        events,
        tenancy,
        provider,
        repo: paymentsRepo,
        invoices,
        subscriptions,
        inTx,
        customer: payments.customer
      })
    /** The PDF of the current tenant's invoice `number`. @errors InvoiceNotFound */
    const invoicePdf = (number: string) =>
      Effect.flatMap(inTx(invoices.get(number)), (invoice) =>
        Effect.flatMap(CurrentTenant, (t) => renderInvoicePdf(invoice, t.slug))
      )

    return {
      // catalogue (platform operators; checked in Catalogue.ts)
      createPlan: (input: CreatePlan) => catalogue.createPlan(input),
      updatePlan: (code: string, input: PlanVersionInput) => catalogue.updatePlan(code, input),
      getPlan: (code: string) => catalogue.getPlan(code),
      listPlans: catalogue.listPlans,
      listPlanVersions: (code: string) => catalogue.listPlanVersions(code),
      createPlatformMeter: (input: CreateMeter) => catalogue.createPlatformMeter(input),
      listPlatformMeters: catalogue.listPlatformMeters,
      getPlatformMeter: (code: string) => catalogue.getPlatformMeter(code),
      // the current tenant
      getSubscription: inTx(subscriptions.get),
      createSubscription: (input: CreateSubscription) => changing(inTx(subscriptions.create(input))),
      // An immediate change's proration is stored in the change's transaction (Corrections.ts).
      changePlan: (input: ChangePlan) =>
        changing(
          inTx(
            Effect.gen(function* () {
              const before = yield* subscriptions.get
              const result = yield* subscriptions.changePlan(input)
              yield* corrections.recordProration(result, before.plan)
              return result
            })
          )
        ),
      cancel: changing(inTx(subscriptions.cancel)),
      reactivate: changing(inTx(subscriptions.reactivate)),
      advance: changing(inTx(subscriptions.advance)),
      createMeter: (input: CreateMeter) => inTx(meters.create(input)),
      listMeters: inTx(meters.list),
      getMeter: (code: string) => inTx(meters.resolve(code)),
      // Usage of a closed period is refused (Corrections.ts); Signet's own domain usage above is not checked.
      ingest: (batch: ReadonlyArray<UsageEvent>) =>
        inTx(Effect.zipRight(corrections.refuseLate(batch), metering.ingest(batch))),
      usage: (code: string, query: UsageQuery) => inTx(metering.usage(code, query)),
      // invoices (Invoices.ts, PeriodClose.ts)
      closePeriods: periodClose.closeDue,
      closeAllTenants: periodClose.closeAllTenants,
      closeJob: periodClose.closeJob,
      listInvoices: inTx(invoices.list),
      getInvoice: (number: string) => inTx(invoices.get(number)),
      invoicePdf,
      payInvoice: (number: string, input: PayInvoice) => inTx(invoices.pay(number, input)),
      voidInvoice: (number: string, input: VoidInvoice) => inTx(invoices.void(number, input)),
      // credit notes (Corrections.ts)
      issueCreditNote: (number: string, input: CreateCreditNote) => inTx(corrections.issue(number, input)),
      listCreditNotes: (number: string) => inTx(corrections.listOf(number)),
      getCreditNote: (number: string) => inTx(corrections.get(number)),
      creditNotePdf: (number: string) =>
        Effect.flatMap(inTx(corrections.get(number)), (note) =>
          Effect.flatMap(CurrentTenant, (t) => renderCreditNotePdf(note, t.slug))
        ),
      // payments (Payments.ts)
      checkout: payments.checkout,
      portal: payments.portal,
      stripeWebhook: payments.webhook,
      /** API requests as usage (ApiUsage.ts): the transports count each admitted request here. */
      apiRequests,
      /** The current tenant's plan as enforced, with its usage per limit. */
      entitlementStatus: inTx(entitlementStatusOf(entitlements, usage))
    } as const
  }),
  dependencies: [BillingRepo.Default, PaymentsRepo.Default, CorrectionsRepo.Default]
}) {}
