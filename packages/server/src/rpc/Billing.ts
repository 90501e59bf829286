/**
 * RPC handlers of `BillingQuery` and `BillingCommand` (`/rpc`, issue 20):
 * one line each, the same core operations as the REST handlers
 * (`BillingAdmin`, which enforces the permission in its types and the
 * step-up of subscription changes): the tenant's view of the plan
 * catalogue, subscription, meters, usage, invoices and payment links.
 *
 * @module
 */
import {
  BillingAdmin as B,
  BillingCommand,
  BillingQuery,
  CreateCreditNote,
  PayInvoice,
  policyUse,
  RpcTenantAuth,
  VoidInvoice
} from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("billing:read")
const write = policyUse("billing:write")

/** The billing procedures over `BillingAdmin`. */
export const BillingRpc = BillingQuery.merge(BillingCommand)
  .middleware(RpcTenantAuth)
  .toLayer(
    Effect.succeed({
      ListPlans: () => asPrincipal(B.listPlans().pipe(read)),
      GetPlan: ({ code }) => asPrincipal(B.getPlan(code).pipe(read)),
      GetSubscription: () => asPrincipal(B.getSubscription().pipe(read)),
      GetEntitlements: () => asPrincipal(B.getEntitlements().pipe(read)),
      ListMeters: () => asPrincipal(B.listMeters().pipe(read)),
      GetMeterUsage: ({ code, ...q }) => asPrincipal(B.usage(code, q).pipe(read)),
      IngestUsage: ({ events }) => asPrincipal(B.ingest(events).pipe(policyUse("billing:ingest"))),
      CreateSubscription: (input) => asPrincipal(B.createSubscription(input).pipe(write)),
      ChangePlan: (input) => asPrincipal(B.changePlan(input).pipe(write)),
      CancelSubscription: () => asPrincipal(B.cancel().pipe(write)),
      ReactivateSubscription: () => asPrincipal(B.reactivate().pipe(write)),
      ListInvoices: () => asPrincipal(B.listInvoices().pipe(read)),
      GetInvoice: ({ number }) => asPrincipal(B.getInvoice(number).pipe(read)),
      ListCreditNotes: ({ number }) => asPrincipal(B.listCreditNotes(number).pipe(read)),
      GetCreditNote: ({ number }) => asPrincipal(B.getCreditNote(number).pipe(read)),
      IssueCreditNote: ({ number, ...input }) =>
        asPrincipal(B.issueCreditNote(number, new CreateCreditNote(input)).pipe(write)),
      PayInvoice: ({ number, ...input }) => asPrincipal(B.payInvoice(number, new PayInvoice(input)).pipe(write)),
      VoidInvoice: ({ number, reason }) => asPrincipal(B.voidInvoice(number, new VoidInvoice({ reason })).pipe(write)),
      Checkout: ({ number }) => asPrincipal(B.checkout(number).pipe(write)),
      Portal: () => asPrincipal(B.portal().pipe(write))
    })
  )
