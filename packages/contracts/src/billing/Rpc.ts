/**
 * RPC contract of billing, first slice (issue 20): `BillingQuery` and
 * `BillingCommand`, the tenant side of the REST `billing` group with the
 * same payloads, results and tagged errors. Payloads name no tenant: it is
 * the one the caller authenticated for (the server wires `RpcTenantAuth`).
 * Permissions as on REST: `billing:read` for queries, `billing:ingest` for
 * `IngestUsage`, `billing:write` plus a fresh MFA step-up for subscription
 * changes, invoice payments/voids and credit notes (`IssueCreditNote`;
 * `ListCreditNotes` of an invoice and `GetCreditNote` are `billing:read`).
 * Invoice and credit note PDFs are REST only (bytes).
 * The plan catalogue as the tenant sees it (`ListPlans`, `GetPlan`: the
 * latest version of each plan, `billing:read`, as REST's
 * `GET …/billing/plans`) and the payment links (`Checkout` for a finalized
 * invoice, `Portal`: `billing:write`, 409 `PaymentsManual` when payments
 * are manual, as REST's `…/checkout` and `…/portal`).
 * Contract only: no SQL, no Node module.
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Conflict, Forbidden, QuotaExceeded, ValidationError } from "../kernel/Errors.js"
import { CreateCreditNote, CreditExceedsInvoice, CreditNote, LateUsageRefused } from "./Corrections.js"
import {
  ChangePlan,
  Code,
  CreateSubscription,
  EntitlementStatus,
  IngestResult,
  Invoice,
  InvoiceNotFound,
  Meter,
  MeterNotFound,
  PayInvoice,
  Plan,
  PlanChangeResult,
  PlanNotFound,
  Subscription,
  SubscriptionNotFound,
  UsageBatch,
  UsageQuery,
  UsageReport,
  VoidInvoice
} from "./Domain.js"
import { PaymentLink, PaymentsManual } from "./Payments.js"

/** Errors every billing procedure can answer (tenant and credential errors come from the middleware). */
const Base = [Forbidden, ValidationError] as const

/** Read-only billing procedures (`billing:read`). */
export class BillingQuery extends RpcGroup.make(
  Rpc.make("GetSubscription", { success: Subscription, error: Schema.Union(...Base, SubscriptionNotFound) }),
  Rpc.make("ListPlans", { success: Schema.Array(Plan), error: Schema.Union(...Base) }),
  Rpc.make("GetPlan", { payload: { code: Code }, success: Plan, error: Schema.Union(...Base, PlanNotFound) }),
  Rpc.make("GetEntitlements", { success: EntitlementStatus, error: Schema.Union(...Base) }),
  Rpc.make("ListMeters", { success: Schema.Array(Meter), error: Schema.Union(...Base) }),
  Rpc.make("GetMeterUsage", {
    payload: { code: Code, ...UsageQuery.fields },
    success: UsageReport,
    error: Schema.Union(...Base, MeterNotFound)
  }),
  Rpc.make("ListInvoices", { success: Schema.Array(Invoice), error: Schema.Union(...Base) }),
  Rpc.make("GetInvoice", {
    payload: { number: Schema.String },
    success: Invoice,
    error: Schema.Union(...Base, InvoiceNotFound)
  }),
  Rpc.make("ListCreditNotes", {
    payload: { number: Schema.String },
    success: Schema.Array(CreditNote),
    error: Schema.Union(...Base, InvoiceNotFound)
  }),
  Rpc.make("GetCreditNote", {
    payload: { number: Schema.String },
    success: CreditNote,
    error: Schema.Union(...Base, InvoiceNotFound)
  })
) {}

/**
 * Billing changes: usage ingestion (`billing:ingest`), subscription changes
 * (`billing:write`, step-up) and payment links (`billing:write`, no step-up:
 * a link changes nothing in Signet).
 */
export class BillingCommand extends RpcGroup.make(
  Rpc.make("IngestUsage", {
    payload: { events: UsageBatch },
    success: IngestResult,
    error: Schema.Union(...Base, Conflict, LateUsageRefused)
  }),
  Rpc.make("CreateSubscription", {
    payload: CreateSubscription,
    success: Subscription,
    error: Schema.Union(...Base, Conflict, PlanNotFound)
  }),
  Rpc.make("ChangePlan", {
    payload: ChangePlan,
    success: PlanChangeResult,
    error: Schema.Union(...Base, Conflict, PlanNotFound, SubscriptionNotFound, QuotaExceeded)
  }),
  Rpc.make("CancelSubscription", { success: Subscription, error: Schema.Union(...Base, SubscriptionNotFound) }),
  Rpc.make("ReactivateSubscription", {
    success: Subscription,
    error: Schema.Union(...Base, Conflict, SubscriptionNotFound)
  }),
  Rpc.make("PayInvoice", {
    payload: { number: Schema.String, ...PayInvoice.fields },
    success: Invoice,
    error: Schema.Union(...Base, Conflict, InvoiceNotFound)
  }),
  Rpc.make("VoidInvoice", {
    payload: { number: Schema.String, ...VoidInvoice.fields },
    success: Invoice,
    error: Schema.Union(...Base, Conflict, InvoiceNotFound)
  }),
  Rpc.make("IssueCreditNote", {
    payload: { number: Schema.String, ...CreateCreditNote.fields },
    success: CreditNote,
    error: Schema.Union(...Base, Conflict, InvoiceNotFound, CreditExceedsInvoice)
  }),
  Rpc.make("Checkout", {
    payload: { number: Schema.String },
    success: PaymentLink,
    error: Schema.Union(...Base, Conflict, InvoiceNotFound, PaymentsManual)
  }),
  Rpc.make("Portal", { success: PaymentLink, error: Schema.Union(...Base, PaymentsManual) })
) {}
