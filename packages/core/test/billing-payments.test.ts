/**
 * Issue 20 "Payments" with the `manual` provider (the self-hosted default:
 * no `SIGNET_STRIPE_SECRET_KEY`), through the core facades on SQLite and
 * Postgres: an unknown invoice is still a 404 first; Checkout and Portal
 * links answer `PaymentsManual` (409) and write nothing; webhooks are
 * refused (400); the admin's manual payment works as before. The Stripe
 * provider is tested over REST in `packages/server/test/billing-stripe-http.test.ts`.
 */
import { expect, layer } from "@effect/vitest"
import { BillingAdmin, BillingPlatform, BillingWebhooks, CreateSubscription, PayInvoice } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { asOperator, billingWrite, catalogue } from "./billing-support.js"
import { inTenant, onboardWithAdmin as onboard, testCore } from "./support.js"

/** Tenant `slug` on `starter` from 2026-11-01 with November's invoice finalized; answers the tenant and its number. */
const invoiced = (slug: string) =>
  Effect.gen(function* () {
    const t = yield* onboard(slug)
    yield* catalogue
    yield* TestClock.setTime(Date.parse("2026-11-01T00:00:00Z"))
    yield* BillingAdmin.createSubscription(Schema.decodeUnknownSync(CreateSubscription)({ plan_code: "starter" })).pipe(
      billingWrite,
      inTenant(t)
    )
    yield* TestClock.setTime(Date.parse("2026-12-01T00:00:01Z"))
    const [invoice] = (yield* BillingPlatform.closePeriods().pipe(asOperator, inTenant(t))).invoices
    return { t, number: invoice!.number }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(
    `billing payments, manual provider, on ${dialect} (issue 20)`,
    (it) => {
      it.effect("checkout: an unknown invoice is 404; a finalized one is PaymentsManual (409); portal too", () =>
        Effect.gen(function* () {
          const { number, t } = yield* invoiced("pay-manual")
          const unknown = yield* Effect.flip(BillingAdmin.checkout("INV-1999-000001").pipe(billingWrite, inTenant(t)))
          expect(unknown._tag).toBe("InvoiceNotFound")
          const manual = yield* Effect.flip(BillingAdmin.checkout(number).pipe(billingWrite, inTenant(t)))
          expect(manual).toMatchObject({ _tag: "PaymentsManual", provider: "manual" })
          const portal = yield* Effect.flip(BillingAdmin.portal().pipe(billingWrite, inTenant(t)))
          expect(portal._tag).toBe("PaymentsManual")
          // The manual path is unchanged: the admin records the bank transfer.
          const paid = yield* BillingAdmin.payInvoice(number, new PayInvoice({ reference: "SEPA-9" })).pipe(
            billingWrite,
            inTenant(t)
          )
          expect(paid).toMatchObject({ status: "paid", payment_reference: "SEPA-9" })
          const again = yield* Effect.flip(BillingAdmin.checkout(number).pipe(billingWrite, inTenant(t)))
          expect(again._tag).toBe("Conflict")
        })
      )

      it.effect("a webhook is refused with WebhookSignatureInvalid when payments are manual", () =>
        Effect.gen(function* () {
          const refused = yield* Effect.flip(BillingWebhooks.stripe('{"id":"evt_1"}', "t=1,v1=00"))
          expect(refused._tag).toBe("WebhookSignatureInvalid")
        })
      )
    }
  )
}
