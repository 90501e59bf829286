/**
 * Issue 20 credit notes and late usage over REST and RPC, on SQLite and
 * Postgres: a tenant admin (with the MFA step-up) credits part of a
 * finalized invoice (201, listed, PDF), more than is left is a 409
 * problem+json with the numbers and nothing written, the same over RPC
 * (`IssueCreditNote`, `ListCreditNotes`), another tenant's invoice is 404,
 * and a usage event of the closed period is a 422 naming the window.
 * The server runs on the real clock: the period is moved into the past in
 * the database (`endPeriod`) and closed by the operator at once.
 */
import { expect, layer } from "@effect/vitest"
import { CreditNoteLineInput } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { endPeriod, mfaAdmin } from "./billing-support.js"

const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/flatcn")).status === 200) return
  const made = yield* call("POST", "/api/v1/billing/plans", {
    body: { code: "flatcn", name: "Flat", interval: "month", currency: "EUR", fixed_amount: 1500 }
  })
  expect(made.status, made.text).toBe(201)
})

/** Tenant `slug` on `flatcn` with one finalized invoice (1500); its MFA admin's token and the number. */
const invoiced = (slug: string) =>
  Effect.gen(function* () {
    yield* catalogue
    yield* onboardTenant(slug)
    const admin = yield* mfaAdmin(slug)
    const sub = yield* call("POST", `/api/v1/tenants/${slug}/billing/subscription`, {
      auth: admin,
      body: { plan_code: "flatcn" }
    })
    expect(sub.status, sub.text).toBe(201)
    yield* endPeriod(slug)
    const closed = yield* call("POST", `/api/v1/tenants/${slug}/billing/close-periods`)
    expect(closed.status, closed.text).toBe(200)
    return { admin, number: closed.body.invoices[0].number as string, end: closed.body.invoices[0].period_end }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `billing credit notes over HTTP on ${dialect} (issue 20)`,
    (it) => {
      it.effect("a credit note is issued (201), listed, read by number and downloaded as PDF", () =>
        Effect.gen(function* () {
          const { admin, number } = yield* invoiced("cnhttp-ok")
          const B = "/api/v1/tenants/cnhttp-ok/billing"
          const made = yield* call("POST", `${B}/invoices/${number}/credit-notes`, {
            auth: admin,
            body: { reason: "outage", lines: [{ invoice_line: 0, amount: 500 }] }
          })
          expect(made.status, made.text).toBe(201)
          expect(made.body).toMatchObject({ invoice_number: number, total: 500, currency: "EUR" })
          expect(made.body.number).toMatch(/^CN-\d{4}-000001$/)
          const listed = yield* call("GET", `${B}/invoices/${number}/credit-notes`, { auth: admin })
          expect(listed.body.map((c: { number: string }) => c.number)).toEqual([made.body.number])
          const one = yield* call("GET", `${B}/credit-notes/${made.body.number}`, { auth: admin })
          expect(one.body.reason).toBe("outage")
          const pdf = yield* call("GET", `${B}/credit-notes/${made.body.number}/pdf`, { auth: admin })
          expect(pdf.headers.get("content-type")).toContain("application/pdf")
          expect(pdf.text.startsWith("%PDF-")).toBe(true)
        })
      )

      it.effect("crediting more than is left is a 409 problem+json with the numbers; nothing written", () =>
        Effect.gen(function* () {
          const { admin, number } = yield* invoiced("cnhttp-over")
          const B = "/api/v1/tenants/cnhttp-over/billing/invoices"
          const refused = expectProblem(
            yield* call("POST", `${B}/${number}/credit-notes`, {
              auth: admin,
              body: { reason: "x", lines: [{ amount: 1501, description: "refund" }] }
            }),
            409
          )
          expect(refused).toMatchObject({ code: "CreditExceedsInvoice", invoice_total: 1500, available: 1500 })
          expect((yield* call("GET", `${B}/${number}/credit-notes`, { auth: admin })).body).toEqual([])
        })
      )

      it.scoped("over RPC: IssueCreditNote and ListCreditNotes; another tenant's invoice is InvoiceNotFound", () =>
        Effect.gen(function* () {
          const { admin, number } = yield* invoiced("cnhttp-rpc")
          const rpc = yield* makeRpcClient({ baseUrl: (yield* TestServer).url, token: admin })
          const note = yield* rpc.IssueCreditNote({
            number,
            reason: "rpc",
            lines: [new CreditNoteLineInput({ amount: 100, description: "y" })]
          })
          expect(note.total).toBe(100)
          expect((yield* rpc.ListCreditNotes({ number })).map((c) => c.number)).toEqual([note.number])
          const other = yield* onboardTenant("cnhttp-rpc-b")
          const otherRpc = yield* makeRpcClient({ baseUrl: (yield* TestServer).url, token: other })
          expect((yield* Effect.flip(otherRpc.ListCreditNotes({ number })))._tag).toBe("InvoiceNotFound")
        })
      )

      it.effect("a usage event of the closed period is a 422 naming the window; nothing stored", () =>
        Effect.gen(function* () {
          const { admin, end } = yield* invoiced("cnhttp-late")
          const time = new Date(Date.parse(end) - 60_000).toISOString()
          const late = expectProblem(
            yield* call("POST", "/api/v1/tenants/cnhttp-late/billing/events", {
              auth: admin,
              body: [{ id: "late-1", source: "/t", type: "api.call", subject: "app", time }]
            }),
            422
          )
          expect(late).toMatchObject({ code: "LateUsageRefused", field: "events[0].time", grace_hours: 24 })
        })
      )
    }
  )
}
