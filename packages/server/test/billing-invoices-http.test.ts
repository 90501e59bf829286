/**
 * Issue 20 "Invoices" over REST, on SQLite and Postgres: the operator's
 * period close, a tenant admin's list, invoice and PDF, manual payment with
 * the step-up, and tenant isolation (another tenant's number answers 404);
 * the same over RPC (`ListInvoices`, `GetInvoice`).
 * The server runs on the real clock, so a test moves the subscription's
 * period into the past in the database, as time passing would.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { endPeriod, mfaAdmin } from "./billing-support.js"

/** The `flat` plan (1500 EUR cents a month), made once per server. */
const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/flat")).status === 200) return
  const made = yield* call("POST", "/api/v1/billing/plans", {
    body: { code: "flat", name: "Flat", interval: "month", currency: "EUR", fixed_amount: 1500 }
  })
  expect(made.status, made.text).toBe(201)
})

/**
 * Tenant `slug` on `flat` with one finalized invoice; answers its admin's
 * tokens (`plain`: a password-only session; `admin`: with MFA) and the number.
 */
const invoiced = (slug: string) =>
  Effect.gen(function* () {
    yield* catalogue
    const plain = yield* onboardTenant(slug)
    const admin = yield* mfaAdmin(slug)
    const sub = yield* call("POST", `/api/v1/tenants/${slug}/billing/subscription`, {
      auth: admin,
      body: { plan_code: "flat" }
    })
    expect(sub.status, sub.text).toBe(201)
    yield* endPeriod(slug)
    const closed = yield* call("POST", `/api/v1/tenants/${slug}/billing/close-periods`)
    expect(closed.status, closed.text).toBe(200)
    expect(closed.body.invoices).toHaveLength(1)
    return { plain, admin, number: closed.body.invoices[0].number as string }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `billing invoices over HTTP on ${dialect} (issue 20)`,
    (it) => {
      it.effect("the operator's close finalizes an invoice the tenant admin lists, reads and downloads", () =>
        Effect.gen(function* () {
          const { admin, number } = yield* invoiced("invhttp-read")
          expect(number).toMatch(/^INV-\d{4}-000001$/)
          const B = "/api/v1/tenants/invhttp-read/billing/invoices"
          const list = yield* call("GET", B, { auth: admin })
          expect(list.body.map((i: { number: string }) => i.number)).toEqual([number])
          const one = yield* call("GET", `${B}/${number}`, { auth: admin })
          expect(one.body).toMatchObject({ number, status: "finalized", total: 1500, currency: "EUR" })
          const pdf = yield* call("GET", `${B}/${number}/pdf`, { auth: admin })
          expect(pdf.status).toBe(200)
          expect(pdf.headers.get("content-type")).toContain("application/pdf")
          expect(pdf.text.startsWith("%PDF-")).toBe(true)
        })
      )

      it.effect("a manual payment needs the step-up; paid once, a second payment is a 409", () =>
        Effect.gen(function* () {
          const { admin, number, plain } = yield* invoiced("invhttp-pay")
          const B = "/api/v1/tenants/invhttp-pay/billing/invoices"
          const refused = expectProblem(yield* call("POST", `${B}/${number}/pay`, { auth: plain, body: {} }), 403)
          expect(refused.permission).toBe("mfa:step-up")
          const paid = yield* call("POST", `${B}/${number}/pay`, { auth: admin, body: { reference: "SEPA-1" } })
          expect(paid.status, paid.text).toBe(200)
          expect(paid.body).toMatchObject({ status: "paid", payment_reference: "SEPA-1" })
          expectProblem(yield* call("POST", `${B}/${number}/pay`, { auth: admin, body: {} }), 409)
        })
      )

      it.scoped("another tenant's invoice number answers 404 problem+json, and InvoiceNotFound over RPC", () =>
        Effect.gen(function* () {
          const { number } = yield* invoiced("invhttp-iso-a")
          const other = yield* onboardTenant("invhttp-iso-b")
          const B = "/api/v1/tenants/invhttp-iso-b/billing/invoices"
          const missing = expectProblem(yield* call("GET", `${B}/${number}`, { auth: other }), 404)
          expect(missing.code).toBe("InvoiceNotFound")
          const rpc = yield* makeRpcClient({ baseUrl: (yield* TestServer).url, token: other })
          expect((yield* Effect.flip(rpc.GetInvoice({ number })))._tag).toBe("InvoiceNotFound")
          expect(yield* rpc.ListInvoices()).toEqual([])
          expectProblem(yield* call("GET", `${B}/${number}/pdf`, { auth: other }), 404)
          expect((yield* call("GET", B, { auth: other })).body).toEqual([])
        })
      )
    }
  )
}
