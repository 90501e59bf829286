/**
 * Issue 20 "PDF rendering … looked at in the tests as PNG pages", on SQLite
 * and Postgres: invoice and credit note PDFs are rasterized with pdf.js
 * (./pdf-pages-support.ts) and checked as pictures (A4 size, not blank, ink
 * in the header and at the total) and as page text.
 */
import { expect, layer } from "@effect/vitest"
import { BillingAdmin, BillingPlatform, CreateCreditNote, CreateSubscription, Tenancy } from "@signet/core"
import { formatAmount, renderInvoicePdf } from "@signet/core/billing/InvoicePdf"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { asOperator, batch, billingIngest, billingRead, billingWrite, catalogue } from "./billing-support.js"
import { inkShare, pngSize, renderPdfPages } from "./pdf-pages-support.js"
import { inTenant, onboardWithAdmin as onboard, type TenantRef, testCore } from "./support.js"

const at = (s: string) => TestClock.setTime(Date.parse(s))
const A4 = { width: 595.28, height: 841.89 }
const SCALE = 1.5

/** A tenant on `plan` from 2026-11-01 with tax rate 20 %, `n` API calls in November, its November invoice. */
const invoiced = (slug: string, n: number) =>
  Effect.gen(function* () {
    const t = yield* onboard(slug)
    yield* catalogue
    yield* at("2026-11-01T00:00:00Z")
    yield* Tenancy.use((x) => x.putSetting(slug, "billing.tax_rate_bps", 2000)).pipe(inTenant(t))
    yield* BillingAdmin.createSubscription(Schema.decodeUnknownSync(CreateSubscription)({ plan_code: "pro" })).pipe(
      billingWrite,
      inTenant(t)
    )
    const events = Array.from({ length: n }, (_, i) => ({
      id: `c-${i}`,
      source: "/test",
      type: "api.call",
      subject: "app",
      time: "2026-11-15T10:00:00Z"
    }))
    for (let i = 0; i < n; i += 1000)
      yield* BillingAdmin.ingest(batch(events.slice(i, i + 1000))).pipe(billingIngest, inTenant(t))
    yield* at("2026-12-01T00:00:01Z")
    const [invoice] = (yield* BillingPlatform.closePeriods().pipe(asOperator, inTenant(t))).invoices
    return { t, invoice: invoice! }
  })

const pdf = (t: TenantRef, number: string) => BillingAdmin.invoicePdf(number).pipe(billingRead, inTenant(t))
const pages = (bytes: Uint8Array) => Effect.promise(() => renderPdfPages(bytes, SCALE))
const ink = (png: Buffer, top = 0, bottom = 1) => Effect.promise(() => inkShare(png, top, bottom))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing PDF pages on ${dialect} (issue 20)`, (it) => {
    it.effect("an invoice renders to one A4 PNG page with ink in the header and at the total", () =>
      Effect.gen(function* () {
        const { invoice, t } = yield* invoiced("pdfp-a4", 1500)
        const [page, ...rest] = yield* pages(yield* pdf(t, invoice.number))
        expect(rest).toHaveLength(0)
        expect([page!.width, page!.height]).toEqual([A4.width, A4.height])
        expect(pngSize(page!.png)).toEqual({
          width: Math.ceil(A4.width * SCALE),
          height: Math.ceil(A4.height * SCALE)
        })
        expect(yield* ink(page!.png)).toBeGreaterThan(0.002)
        expect(yield* ink(page!.png, 0, 0.1)).toBeGreaterThan(0.005) // "Invoice INV-…" heading
        expect(yield* ink(page!.png, 0.3, 0.4)).toBeGreaterThan(0.002) // subtotal, tax and total rows
        expect(yield* ink(page!.png, 0.6, 1)).toBe(0) // nothing below the short table
      })
    )

    it.effect("the invoice page's text has the number, the tenant and the total as money", () =>
      Effect.gen(function* () {
        const { invoice, t } = yield* invoiced("pdfp-text", 1500)
        const [page] = yield* pages(yield* pdf(t, invoice.number))
        expect(page!.text).toContain(`Invoice ${invoice.number}`)
        expect(page!.text).toContain("Customer: pdfp-text")
        expect(invoice.total).toBe(12480)
        expect(page!.text).toContain(formatAmount(invoice.total, "EUR"))
        expect(page!.text).toContain("124.80 EUR")
      })
    )

    it.effect("an invoice with 120 lines runs over several numbered pages, each non-blank, every line shown", () =>
      Effect.gen(function* () {
        const { invoice, t } = yield* invoiced("pdfp-many", 1500)
        const usage = invoice.lines.find((l) => l.kind === "usage")!
        const many = {
          ...invoice,
          lines: Array.from({ length: 120 }, (_, i) => ({ ...usage, description: `Line ${i}` }))
        }
        const rendered = yield* pages(yield* renderInvoicePdf(many, t.slug))
        expect(rendered.length).toBeGreaterThan(1)
        for (const [i, p] of rendered.entries()) {
          expect(yield* ink(p.png)).toBeGreaterThan(0.002)
          expect(p.text).toContain(`page ${i + 1} of ${rendered.length}`)
          if (i > 0) expect(p.text).toContain(`Invoice ${invoice.number} (continued)`)
        }
        const text = rendered.map((p) => p.text).join("\n")
        for (let i = 0; i < 120; i++) expect(text).toMatch(new RegExp(`Line ${i}\\b`))
        expect(text).not.toContain("more lines")
        // The totals close the last page.
        expect(rendered.at(-1)!.text).toContain("Total")
      })
    )

    it.effect("a credit note renders to a non-blank A4 page showing its CN- number", () =>
      Effect.gen(function* () {
        const { invoice, t } = yield* invoiced("pdfp-cn", 10)
        const note = yield* BillingAdmin.issueCreditNote(
          invoice.number,
          Schema.decodeUnknownSync(CreateCreditNote)({
            reason: "goodwill",
            lines: [{ amount: 500, description: "Refund" }]
          })
        ).pipe(billingWrite, inTenant(t))
        expect(note.number).toMatch(/^CN-/)
        const [page] = yield* pages(yield* BillingAdmin.creditNotePdf(note.number).pipe(billingRead, inTenant(t)))
        expect([page!.width, page!.height]).toEqual([A4.width, A4.height])
        expect(yield* ink(page!.png, 0, 0.1)).toBeGreaterThan(0.005)
        expect(page!.text).toContain(note.number)
      })
    )
  })
}
