/**
 * Issue 20 over RPC (`/rpc`), on SQLite and Postgres: the plan catalogue as
 * a tenant sees it (`ListPlans`, `GetPlan`: latest versions, `billing:read`)
 * and the payment links (`Checkout`, `Portal`: `billing:write`, enforced in
 * core's `BillingAdmin` as over REST). Stripe's API is the local recorder
 * (`@signet/server/testing/stripe`); without Stripe settings the provider is `manual`
 * and both links answer `PaymentsManual`.
 */
import { afterAll, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, loginToken, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { startStripeRecorder } from "@signet/server/testing/stripe"
import { Effect } from "effect"
import { closeOneInvoice, mfaAdmin } from "./billing-support.js"

const recorder = await startStripeRecorder()
afterAll(() => recorder.close())
/** Checkout and Portal sessions Stripe was asked for (finalized invoices are also mirrored in the background). */
const sessionsAsked = () =>
  recorder.requests.filter((r) => r.path === "/v1/checkout/sessions" || r.path === "/v1/billing_portal/sessions").length
const stripeEnv = {
  SIGNET_STRIPE_SECRET_KEY: `sk_test_signet_${crypto.randomUUID().replaceAll("-", "")}`,
  SIGNET_STRIPE_WEBHOOK_SECRET: `whsec_${crypto.randomUUID().replaceAll("-", "")}`,
  SIGNET_STRIPE_API_URL: recorder.url,
  SIGNET_PUBLIC_URL: "https://signet.example.edu"
}

/** `flat` (version 2 after an edit) and `team` in the catalogue, made once per server. */
const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/flat")).status === 200) return
  for (const [code, amount] of [
    ["flat", 1500],
    ["team", 3000]
  ] as const) {
    const made = yield* call("POST", "/api/v1/billing/plans", {
      body: { code, name: code, interval: "month", currency: "EUR", fixed_amount: amount }
    })
    expect(made.status, made.text).toBe(201)
  }
  const v2 = yield* call("PUT", "/api/v1/billing/plans/flat", {
    body: { name: "Flat", interval: "month", currency: "EUR", fixed_amount: 1700 }
  })
  expect(v2.status, v2.text).toBe(201)
})

/** Tenant `slug` on `flat` with one finalized invoice; answers a password-only admin token and the number. */
const invoiced = (slug: string) =>
  Effect.gen(function* () {
    yield* catalogue
    const plain = yield* onboardTenant(slug)
    return { plain, number: yield* closeOneInvoice(slug, yield* mfaAdmin(slug), "flat") }
  })

/** A teacher of tenant `slug` (no `billing:*` permission); answers the access token. */
const teacherOf = (slug: string, admin: string) =>
  Effect.gen(function* () {
    const email = `teacher@${slug}.example.edu`
    const made = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
      auth: admin,
      body: { email, given_name: "T", family_name: "E", user_type: "teacher", password: TEST_PASSWORD }
    })
    expect(made.status, made.text).toBe(201)
    return yield* loginToken(slug, email)
  })

const rpcAs = (token: string) => Effect.flatMap(TestServer, (server) => makeRpcClient({ baseUrl: server.url, token }))

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, stripeEnv), { timeout: 120_000, excludeTestServices: true })(
    `billing over RPC with Stripe on ${dialect} (issue 20)`,
    (it) => {
      it.scoped("ListPlans answers the latest version of each plan, as REST's tenant catalogue", () =>
        Effect.gen(function* () {
          yield* catalogue
          const admin = yield* onboardTenant(`rpcplans-${dialect}`)
          const rpc = yield* rpcAs(admin)
          const plans = yield* rpc.ListPlans()
          const rest = yield* call("GET", `/api/v1/tenants/rpcplans-${dialect}/billing/plans`, { auth: admin })
          expect(plans.map((p) => [p.code, p.version])).toEqual(
            rest.body.map((p: { code: string; version: number }) => [p.code, p.version])
          )
          expect(plans.find((p) => p.code === "flat")).toMatchObject({ version: 2, fixed_amount: 1700 })
        })
      )

      it.scoped("GetPlan answers one plan's latest version; an unknown code is PlanNotFound", () =>
        Effect.gen(function* () {
          yield* catalogue
          const rpc = yield* rpcAs(yield* onboardTenant(`rpcplan-${dialect}`))
          expect(yield* rpc.GetPlan({ code: "flat" })).toMatchObject({ code: "flat", version: 2 })
          expect((yield* Effect.flip(rpc.GetPlan({ code: "nope" })))._tag).toBe("PlanNotFound")
        })
      )

      it.scoped("the plan catalogue needs billing:read: a teacher is Forbidden", () =>
        Effect.gen(function* () {
          yield* catalogue
          const slug = `rpcplanro-${dialect}`
          const rpc = yield* rpcAs(yield* teacherOf(slug, yield* onboardTenant(slug)))
          expect((yield* Effect.flip(rpc.ListPlans()))._tag).toBe("Forbidden")
          expect((yield* Effect.flip(rpc.GetPlan({ code: "flat" })))._tag).toBe("Forbidden")
        })
      )

      it.scoped("Checkout answers a Stripe Checkout link for a finalized invoice", () =>
        Effect.gen(function* () {
          const { number, plain } = yield* invoiced(`rpcco-${dialect}`)
          const from = recorder.requests.length
          const link = yield* (yield* rpcAs(plain)).Checkout({ number })
          expect(link).toMatchObject({ provider: "stripe", url: expect.stringMatching(/^https:\/\/checkout/) })
          const session = recorder.requests.slice(from).find((r) => r.path === "/v1/checkout/sessions")
          expect(session?.form["metadata[signet_invoice_number]"]).toBe(number)
        })
      )

      it.scoped("Checkout of an unknown invoice is InvoiceNotFound and asks Stripe nothing", () =>
        Effect.gen(function* () {
          const rpc = yield* rpcAs(yield* onboardTenant(`rpcco404-${dialect}`))
          const from = sessionsAsked()
          expect((yield* Effect.flip(rpc.Checkout({ number: "INV-2026-999999" })))._tag).toBe("InvoiceNotFound")
          expect(sessionsAsked()).toBe(from)
        })
      )

      it.scoped("Portal answers a Stripe Customer Portal link back to the tenant's billing page", () =>
        Effect.gen(function* () {
          const slug = `rpcportal-${dialect}`
          const link = yield* (yield* rpcAs(yield* onboardTenant(slug))).Portal()
          expect(link).toMatchObject({ provider: "stripe", url: expect.stringMatching(/^https:\/\/billing/) })
          const sent = recorder.requests.filter((r) => r.path === "/v1/billing_portal/sessions").at(-1)
          expect(sent?.form.return_url).toBe(`https://signet.example.edu/t/${slug}/admin/billing`)
        })
      )

      it.scoped("payment links need billing:write: a teacher is Forbidden before Stripe is asked", () =>
        Effect.gen(function* () {
          const { number, plain } = yield* invoiced(`rpcco403-${dialect}`)
          const rpc = yield* rpcAs(yield* teacherOf(`rpcco403-${dialect}`, plain))
          const from = sessionsAsked()
          expect((yield* Effect.flip(rpc.Checkout({ number })))._tag).toBe("Forbidden")
          expect((yield* Effect.flip(rpc.Portal()))._tag).toBe("Forbidden")
          expect(sessionsAsked()).toBe(from)
        })
      )
    }
  )

  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `billing payment links over RPC with manual payments on ${dialect} (issue 20)`,
    (it) => {
      it.scoped("Checkout and Portal answer PaymentsManual when payments are manual", () =>
        Effect.gen(function* () {
          const { number, plain } = yield* invoiced(`rpcmanual-${dialect}`)
          const rpc = yield* rpcAs(plain)
          const checkout = yield* Effect.flip(rpc.Checkout({ number }))
          expect(checkout).toMatchObject({ _tag: "PaymentsManual", provider: "manual" })
          expect((yield* Effect.flip(rpc.Portal()))._tag).toBe("PaymentsManual")
        })
      )
    }
  )
}
