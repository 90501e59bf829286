/**
 * REST contract of billing, first slice (issue 20):
 *
 * - `billingPlatform` (operator token) under `/api/v1/billing/…`: the plan
 *   catalogue (create, list, get, edit = new version, versions) and platform
 *   meters; `POST /api/v1/tenants/{slug}/billing/subscription/advance` runs
 *   the period-end step for one tenant.
 * - `billing` (a tenant's users, `billing:*`; operators too) under
 *   `/api/v1/tenants/{slug}/billing/…`: plans (list, one by code), the subscription (create,
 *   change plan, cancel, reactivate — these four need a fresh MFA step-up),
 *   meters, usage ingestion (`billing:ingest`) and usage queries; invoices
 *   (list, get, PDF — `billing:read`; manual payment and void —
 *   `billing:write` and a fresh MFA step-up); credit notes of an invoice
 *   (list, one by number, PDF — `billing:read`; issue — `billing:write`
 *   and a step-up); payments: a Stripe Checkout
 *   link for an invoice and a Customer Portal link (`billing:write`; 409
 *   `PaymentsManual` when the provider is manual).
 * - `billingWebhooks`: `POST /api/v1/billing/stripe/webhook`, Stripe's
 *   signed webhook (no token; the signature is verified in core).
 * - `POST /api/v1/tenants/{slug}/billing/close-periods` (operators): the
 *   period close the `billing.close_periods` job runs, for one tenant.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Forbidden, QuotaExceeded, TenantNotFound, ValidationError } from "../kernel/Errors.js"
import { OperatorAuth, UserAuth } from "../kernel/Security.js"
import { CreateCreditNote, CreditExceedsInvoice, CreditNote, LateUsageRefused } from "./Corrections.js"
import {
  ChangePlan,
  CreateMeter,
  CreatePlan,
  CreateSubscription,
  EntitlementStatus,
  IngestResult,
  Invoice,
  InvoiceNotFound,
  Meter,
  MeterNotFound,
  PayInvoice,
  PeriodCloseResult,
  Plan,
  PlanChangeResult,
  PlanNotFound,
  PlanVersionInput,
  Subscription,
  SubscriptionNotFound,
  UsageBatch,
  UsageQuery,
  UsageReport,
  VoidInvoice
} from "./Domain.js"
import { PaymentLink, PaymentsManual, WebhookReceipt, WebhookSignatureInvalid } from "./Payments.js"

/**
 * `billingWebhooks` group: `POST /api/v1/billing/stripe/webhook`, called by
 * Stripe (no bearer token: the `Stripe-Signature` header over the raw body
 * authenticates it; core verifies). 400 WebhookSignatureInvalid, nothing
 * changed, on a bad or missing signature; 200 with what was done otherwise.
 */
export class BillingWebhooksApi extends HttpApiGroup.make("billingWebhooks")
  .add(
    HttpApiEndpoint.post("stripeWebhook", "/api/v1/billing/stripe/webhook")
      .addSuccess(WebhookReceipt)
      .addError(WebhookSignatureInvalid)
      .annotate(OpenApi.Summary, "Stripe webhook (signed; raw JSON body)")
  )
  .annotate(OpenApi.Title, "Billing webhooks") {}

const slug = HttpApiSchema.param("slug", Schema.String)
const code = HttpApiSchema.param("code", Schema.String)
const number = HttpApiSchema.param("number", Schema.String)

/** An invoice as a PDF document (`GET …/billing/invoices/{number}/pdf`); clients read it as bytes. */
export const InvoicePdf = HttpApiSchema.Uint8Array({ contentType: "application/pdf" })

/** `billingPlatform` group: the catalogue and platform meters (platform operators only). */
export class BillingPlatformApi extends HttpApiGroup.make("billingPlatform")
  .add(
    HttpApiEndpoint.post("createPlan", "/api/v1/billing/plans")
      .setPayload(CreatePlan)
      .addSuccess(Plan, { status: 201 })
      .annotate(OpenApi.Summary, "Create a plan (version 1)")
  )
  .add(HttpApiEndpoint.get("listPlans", "/api/v1/billing/plans").addSuccess(Schema.Array(Plan)))
  .add(HttpApiEndpoint.get("getPlan")`/api/v1/billing/plans/${code}`.addSuccess(Plan))
  .add(
    HttpApiEndpoint.put("updatePlan")`/api/v1/billing/plans/${code}`
      .setPayload(PlanVersionInput)
      .addSuccess(Plan, { status: 201 })
      .annotate(OpenApi.Summary, "Edit a plan: stores the next version; subscriptions keep theirs")
  )
  .add(HttpApiEndpoint.get("listPlanVersions")`/api/v1/billing/plans/${code}/versions`.addSuccess(Schema.Array(Plan)))
  .add(
    HttpApiEndpoint.post("createPlatformMeter", "/api/v1/billing/meters")
      .setPayload(CreateMeter)
      .addSuccess(Meter, { status: 201 })
  )
  .add(HttpApiEndpoint.get("listPlatformMeters", "/api/v1/billing/meters").addSuccess(Schema.Array(Meter)))
  .add(
    HttpApiEndpoint.post("advanceSubscription")`/api/v1/tenants/${slug}/billing/subscription/advance`
      .addSuccess(Subscription)
      .annotate(
        OpenApi.Summary,
        "Period-end step of one tenant's subscription (renewal, scheduled change or cancellation)"
      )
  )
  .add(
    HttpApiEndpoint.post("closePeriods")`/api/v1/tenants/${slug}/billing/close-periods`
      .addSuccess(PeriodCloseResult)
      .annotate(
        OpenApi.Summary,
        "Period close of one tenant (what the billing.close_periods job runs): invoice and finalize every ended period"
      )
  )
  .addError(PlanNotFound)
  .addError(SubscriptionNotFound)
  .addError(Conflict)
  .addError(ValidationError)
  .addError(Forbidden)
  .addError(TenantNotFound)
  .middleware(OperatorAuth)
  .annotate(OpenApi.Title, "Billing catalogue")
  .annotate(OpenApi.Description, "Plans (versioned) and platform meters, managed by platform operators.") {}

/** `billing` group: a tenant's subscription, meters and usage. */
export class BillingApi extends HttpApiGroup.make("billing")
  .add(HttpApiEndpoint.get("listTenantPlans")`/api/v1/tenants/${slug}/billing/plans`.addSuccess(Schema.Array(Plan)))
  .add(
    HttpApiEndpoint.get("getTenantPlan")`/api/v1/tenants/${slug}/billing/plans/${code}`
      .addSuccess(Plan)
      .annotate(OpenApi.Summary, "The latest version of one plan on offer (billing:read)")
  )
  .add(HttpApiEndpoint.get("getSubscription")`/api/v1/tenants/${slug}/billing/subscription`.addSuccess(Subscription))
  .add(
    HttpApiEndpoint.get("getEntitlements")`/api/v1/tenants/${slug}/billing/entitlements`
      .addSuccess(EntitlementStatus)
      .annotate(
        OpenApi.Summary,
        "The plan's features and limits as enforced now, with the tenant's usage (billing:read)"
      )
  )
  .add(
    HttpApiEndpoint.post("createSubscription")`/api/v1/tenants/${slug}/billing/subscription`
      .setPayload(CreateSubscription)
      .addSuccess(Subscription, { status: 201 })
      .annotate(OpenApi.Summary, "Subscribe (trial or active); needs billing:write and a fresh MFA step-up")
  )
  .add(
    HttpApiEndpoint.post("changePlan")`/api/v1/tenants/${slug}/billing/subscription/change-plan`
      .setPayload(ChangePlan)
      .addSuccess(PlanChangeResult)
      .addError(QuotaExceeded)
      .annotate(OpenApi.Summary, "Change plan now (prorated, figures answered) or at period end; step-up")
      .annotate(
        OpenApi.Description,
        "402 QuotaExceeded (with the numbers) when the plan's hard limits are below what the tenant holds now."
      )
  )
  .add(
    HttpApiEndpoint.post("cancelSubscription")`/api/v1/tenants/${slug}/billing/subscription/cancel`
      .addSuccess(Subscription)
      .annotate(OpenApi.Summary, "Cancel at the period's end; step-up")
  )
  .add(
    HttpApiEndpoint.post("reactivateSubscription")`/api/v1/tenants/${slug}/billing/subscription/reactivate`
      .addSuccess(Subscription)
      .annotate(OpenApi.Summary, "Undo a scheduled cancellation; step-up")
  )
  .add(HttpApiEndpoint.get("listMeters")`/api/v1/tenants/${slug}/billing/meters`.addSuccess(Schema.Array(Meter)))
  .add(
    HttpApiEndpoint.post("createMeter")`/api/v1/tenants/${slug}/billing/meters`
      .setPayload(CreateMeter)
      .addSuccess(Meter, { status: 201 })
  )
  .add(HttpApiEndpoint.get("getMeter")`/api/v1/tenants/${slug}/billing/meters/${code}`.addSuccess(Meter))
  .add(
    HttpApiEndpoint.get("meterUsage")`/api/v1/tenants/${slug}/billing/meters/${code}/usage`
      .setUrlParams(UsageQuery)
      .addSuccess(UsageReport)
      .annotate(OpenApi.Summary, "Usage of a meter by window (hour/day/month) and group")
  )
  .add(
    HttpApiEndpoint.post("ingestUsage")`/api/v1/tenants/${slug}/billing/events`
      .setPayload(UsageBatch)
      .addSuccess(IngestResult)
      .addError(LateUsageRefused)
      .annotate(OpenApi.Summary, "Ingest 1–1,000 usage events, idempotent by event id (billing:ingest)")
      .annotate(
        OpenApi.Description,
        "422 LateUsageRefused (nothing written) when an event's time is in an already closed billing period."
      )
  )
  .add(
    HttpApiEndpoint.get("listInvoices")`/api/v1/tenants/${slug}/billing/invoices`
      .addSuccess(Schema.Array(Invoice))
      .annotate(OpenApi.Summary, "The tenant's invoices, newest first, at most 500 (billing:read)")
  )
  .add(HttpApiEndpoint.get("getInvoice")`/api/v1/tenants/${slug}/billing/invoices/${number}`.addSuccess(Invoice))
  .add(
    HttpApiEndpoint.get("invoicePdf")`/api/v1/tenants/${slug}/billing/invoices/${number}/pdf`
      .addSuccess(InvoicePdf)
      .annotate(OpenApi.Summary, "An invoice as a PDF document (billing:read)")
  )
  .add(
    HttpApiEndpoint.post("payInvoice")`/api/v1/tenants/${slug}/billing/invoices/${number}/pay`
      .setPayload(PayInvoice)
      .addSuccess(Invoice)
      .annotate(OpenApi.Summary, "Record a manual payment of a finalized invoice; billing:write and step-up")
  )
  .add(
    HttpApiEndpoint.post("voidInvoice")`/api/v1/tenants/${slug}/billing/invoices/${number}/void`
      .setPayload(VoidInvoice)
      .addSuccess(Invoice)
      .annotate(OpenApi.Summary, "Void a finalized invoice with a reason; billing:write and step-up")
  )
  .add(
    HttpApiEndpoint.get("listCreditNotes")`/api/v1/tenants/${slug}/billing/invoices/${number}/credit-notes`
      .addSuccess(Schema.Array(CreditNote))
      .annotate(OpenApi.Summary, "The credit notes of an invoice, oldest first (billing:read)")
  )
  .add(
    HttpApiEndpoint.post("issueCreditNote")`/api/v1/tenants/${slug}/billing/invoices/${number}/credit-notes`
      .setPayload(CreateCreditNote)
      .addSuccess(CreditNote, { status: 201 })
      .addError(CreditExceedsInvoice)
      .annotate(OpenApi.Summary, "Credit part of a finalized or paid invoice; billing:write and step-up")
      .annotate(
        OpenApi.Description,
        "409 CreditExceedsInvoice (with invoice_total, credited, requested, available) when the note would credit more than the invoice or one of its lines has left; nothing written."
      )
  )
  .add(
    HttpApiEndpoint.get("getCreditNote")`/api/v1/tenants/${slug}/billing/credit-notes/${number}`
      .addSuccess(CreditNote)
      .annotate(OpenApi.Summary, "One credit note by number, e.g. CN-2026-000001 (billing:read)")
  )
  .add(
    HttpApiEndpoint.get("creditNotePdf")`/api/v1/tenants/${slug}/billing/credit-notes/${number}/pdf`
      .addSuccess(InvoicePdf)
      .annotate(OpenApi.Summary, "A credit note as a PDF document (billing:read)")
  )
  .add(
    HttpApiEndpoint.post("invoiceCheckout")`/api/v1/tenants/${slug}/billing/invoices/${number}/checkout`
      .addSuccess(PaymentLink)
      .addError(PaymentsManual)
      .annotate(OpenApi.Summary, "A Stripe Checkout link paying a finalized invoice (billing:write)")
      .annotate(OpenApi.Description, "409 PaymentsManual when the payments provider is manual.")
  )
  .add(
    HttpApiEndpoint.post("billingPortal")`/api/v1/tenants/${slug}/billing/portal`
      .addSuccess(PaymentLink)
      .addError(PaymentsManual)
      .annotate(OpenApi.Summary, "A Stripe Customer Portal link (billing:write); 409 when payments are manual")
  )
  .addError(InvoiceNotFound)
  .addError(PlanNotFound)
  .addError(MeterNotFound)
  .addError(SubscriptionNotFound)
  .addError(Conflict)
  .addError(ValidationError)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Billing")
  .annotate(
    OpenApi.Description,
    "A tenant's subscription, meters and usage. Money is in integer minor units of an ISO 4217 currency."
  ) {}
