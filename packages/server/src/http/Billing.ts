/**
 * Payments (issue 20 "Payments"): `invoiceCheckout` and `billingPortal`
 * answer Stripe links (409 `PaymentsManual` with the manual provider, the
 * default); `billingWebhooks` hands Stripe's raw body and its
 * `Stripe-Signature` header to core, which verifies them.
 *
 * Handlers of the `billingPlatform` group (operator token; core's
 * `BillingPlatform` checks the operator again) and of the `billing` group
 * over `BillingAdmin` (core checks `billing:read|write|ingest` and, for
 * subscription changes, the MFA step-up). One line each (issue 20).
 *
 * @module
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { BillingAdmin as B, BillingPlatform as P, policyUse, SignetApi, BillingWebhooks as W } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("billing:read")
const write = policyUse("billing:write")
const ingest = policyUse("billing:ingest")

/** The catalogue under `/api/v1/billing/…` (platform operators). */
export const BillingPlatformHttp = HttpApiBuilder.group(SignetApi, "billingPlatform", (h) =>
  h
    .handle("createPlan", ({ payload }) => P.createPlan(payload))
    .handle("listPlans", () => P.listPlans())
    .handle("getPlan", ({ path }) => P.getPlan(path.code))
    .handle("updatePlan", ({ path, payload }) => P.updatePlan(path.code, payload))
    .handle("listPlanVersions", ({ path }) => P.listPlanVersions(path.code))
    .handle("createPlatformMeter", ({ payload }) => P.createPlatformMeter(payload))
    .handle("listPlatformMeters", () => P.listPlatformMeters())
    .handle("advanceSubscription", ({ path }) => P.advanceTenant(path.slug))
    .handle("closePeriods", ({ path }) => P.closePeriodsOf(path.slug))
)

/** A tenant's billing under `/api/v1/tenants/{slug}/billing/…`. */
export const BillingHttp = HttpApiBuilder.group(SignetApi, "billing", (h) =>
  h
    .handle("listTenantPlans", () => asPrincipal(B.listPlans().pipe(read)))
    .handle("getTenantPlan", ({ path }) => asPrincipal(B.getPlan(path.code).pipe(read)))
    .handle("getSubscription", () => asPrincipal(B.getSubscription().pipe(read)))
    .handle("getEntitlements", () => asPrincipal(B.getEntitlements().pipe(read)))
    .handle("createSubscription", ({ payload }) => asPrincipal(B.createSubscription(payload).pipe(write)))
    .handle("changePlan", ({ payload }) => asPrincipal(B.changePlan(payload).pipe(write)))
    .handle("cancelSubscription", () => asPrincipal(B.cancel().pipe(write)))
    .handle("reactivateSubscription", () => asPrincipal(B.reactivate().pipe(write)))
    .handle("listMeters", () => asPrincipal(B.listMeters().pipe(read)))
    .handle("createMeter", ({ payload }) => asPrincipal(B.createMeter(payload).pipe(write)))
    .handle("getMeter", ({ path }) => asPrincipal(B.getMeter(path.code).pipe(read)))
    .handle("meterUsage", ({ path, urlParams }) => asPrincipal(B.usage(path.code, urlParams).pipe(read)))
    .handle("ingestUsage", ({ payload }) => asPrincipal(B.ingest(payload).pipe(ingest)))
    .handle("listInvoices", () => asPrincipal(B.listInvoices().pipe(read)))
    .handle("getInvoice", ({ path }) => asPrincipal(B.getInvoice(path.number).pipe(read)))
    .handle("invoicePdf", ({ path }) => asPrincipal(B.invoicePdf(path.number).pipe(read)))
    .handle("payInvoice", ({ path, payload }) => asPrincipal(B.payInvoice(path.number, payload).pipe(write)))
    .handle("voidInvoice", ({ path, payload }) => asPrincipal(B.voidInvoice(path.number, payload).pipe(write)))
    .handle("listCreditNotes", ({ path }) => asPrincipal(B.listCreditNotes(path.number).pipe(read)))
    .handle("issueCreditNote", ({ path, payload }) => asPrincipal(B.issueCreditNote(path.number, payload).pipe(write)))
    .handle("getCreditNote", ({ path }) => asPrincipal(B.getCreditNote(path.number).pipe(read)))
    .handle("creditNotePdf", ({ path }) => asPrincipal(B.creditNotePdf(path.number).pipe(read)))
    .handle("invoiceCheckout", ({ path }) => asPrincipal(B.checkout(path.number).pipe(write)))
    .handle("billingPortal", () => asPrincipal(B.portal().pipe(write)))
)

/** `POST /api/v1/billing/stripe/webhook`: the raw body (never re-serialised: the signature covers its bytes). */
export const BillingWebhooksHttp = HttpApiBuilder.group(SignetApi, "billingWebhooks", (h) =>
  h.handle("stripeWebhook", () =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.flatMap(Effect.orDie(request.text), (raw) => W.stripe(raw, request.headers["stripe-signature"]))
    )
  )
)
