/**
 * `signet invoice checkout` and `signet subscription portal` (issue 20
 * "Payments") as an administrator runs them: a process per command on the
 * local database (SQLite, and Postgres when configured), through core's
 * `BillingAdmin` as REST and RPC. With manual payments (the default) the
 * links are refused with the reason; with Stripe settings pointing at a
 * local recorder (`@signet/server/testing/stripe`) the portal link is
 * printed. (A Checkout link needs a finalized invoice, i.e. an ended period:
 * that path is tested over REST and RPC, where the clock can move.)
 */
import { testDialects } from "@signet/core/testing"
import { startStripeRecorder } from "@signet/server/testing/stripe"
import { afterAll, describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

const recorder = await startStripeRecorder()
afterAll(() => recorder.close())
const stripe = {
  SIGNET_STRIPE_SECRET_KEY: `sk_test_signet_${crypto.randomUUID().replaceAll("-", "")}`,
  SIGNET_STRIPE_WEBHOOK_SECRET: `whsec_${crypto.randomUUID().replaceAll("-", "")}`,
  SIGNET_STRIPE_API_URL: recorder.url,
  SIGNET_PUBLIC_URL: "https://signet.example.edu"
}

for (const dialect of testDialects()) {
  describe(`signet payment links on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-pay")
    const T = ["--tenant", "cli-pay"]

    it(
      "with manual payments, subscription portal fails saying payments are manual",
      async () => {
        const portal = await cli.signet(["subscription", "portal", ...T])
        expect(portal.code).not.toBe(0)
        expect(portal.stderr).toContain("the payments provider is manual")
      },
      TIMEOUT
    )

    it(
      "invoice checkout of an unknown number fails naming it",
      async () => {
        const checkout = await cli.signet(["invoice", "checkout", "INV-2026-000001", ...T], stripe)
        expect(checkout.code).not.toBe(0)
        expect(checkout.stderr).toContain("no invoice INV-2026-000001")
      },
      TIMEOUT
    )

    it(
      "with Stripe, subscription portal prints the Customer Portal link back to the tenant's billing page",
      async () => {
        const from = recorder.requests.length
        const portal = await cli.signet(["subscription", "portal", ...T], stripe)
        expect(portal.code, portal.stderr).toBe(0)
        expect(portal.stdout.trim()).toMatch(/^https:\/\/billing\.stripe\.com\//)
        const sent = recorder.requests.slice(from).find((r) => r.path === "/v1/billing_portal/sessions")
        expect(sent?.form.return_url).toBe("https://signet.example.edu/t/cli-pay/admin/billing")
      },
      TIMEOUT
    )
  })
}
