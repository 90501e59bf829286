/**
 * Issue 20 "Invoices" (first slice) through the core facades, on SQLite and
 * Postgres: the period close turns the plan's fixed charge, graduated usage
 * and the tenant's tax rate into finalized invoice lines; numbers run per
 * tenant without gaps; closing twice makes nothing new; a finalized invoice
 * never changes and only moves to paid or void; the PDF carries the number.
 */
import * as Zlib from "node:zlib"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  Billing,
  BillingAdmin,
  BillingPlatform,
  CreateSubscription,
  type Invoice,
  PayInvoice,
  Tenancy,
  VoidInvoice
} from "@signet/core"
import { CLOSE_PAGE } from "@signet/core/billing/Invoices"
import { tenantTx } from "@signet/core/kernel/Database"
import { ownerQuery, testDialects } from "@signet/core/testing"
import { Cause, Effect, Exit, Schema, TestClock } from "effect"
import { PDFDocument } from "pdf-lib"
import { asOperator, batch, billingIngest, billingRead, billingWrite, catalogue } from "./billing-support.js"
import {
  auditCount,
  inTenant,
  onboardWithAdmin as onboard,
  outboxCount,
  type TenantRef,
  TestDbUrl,
  testCore
} from "./support.js"

const at = (s: string) => TestClock.setTime(Date.parse(s))

/** A tenant on plan `plan` from `start` (default 2026-11-01; a month's period), with tax rate `bps`. */
const subscribed = (slug: string, plan = "pro", bps = 0, start = "2026-11-01T00:00:00Z") =>
  Effect.gen(function* () {
    const t = yield* onboard(slug)
    yield* catalogue
    yield* at(start)
    if (bps > 0) yield* Tenancy.use((x) => x.putSetting(slug, "billing.tax_rate_bps", bps)).pipe(inTenant(t))
    yield* BillingAdmin.createSubscription(Schema.decodeUnknownSync(CreateSubscription)({ plan_code: plan })).pipe(
      billingWrite,
      inTenant(t)
    )
    return t
  })

/** `n` API calls (the `api_calls` meter) at `time`, ids prefixed with `prefix`. */
const calls = (t: TenantRef, prefix: string, n: number, time: string) =>
  Effect.forEach(
    Array.from({ length: Math.ceil(n / 1000) }, (_, k) => k),
    (k) =>
      BillingAdmin.ingest(
        batch(
          Array.from({ length: Math.min(1000, n - k * 1000) }, (_, i) => ({
            id: `${prefix}-${k * 1000 + i}`,
            source: "/test",
            type: "api.call",
            subject: "app",
            time
          }))
        )
      ).pipe(billingIngest, inTenant(t)),
    { discard: true }
  )

const close = (t: TenantRef) => BillingPlatform.closePeriods().pipe(asOperator, inTenant(t))
const list = (t: TenantRef) => BillingAdmin.listInvoices().pipe(billingRead, inTenant(t))
const numbers = (invoices: ReadonlyArray<Invoice>) => invoices.map((i) => i.number)

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing invoices on ${dialect} (issue 20)`, (it) => {
    it.effect("a closed period's invoice: fixed charge, graduated usage and the tenant's tax (hand-computed)", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-lines", "pro", 2000)
        yield* calls(t, "c", 1500, "2026-11-15T10:00:00Z")
        yield* calls(t, "late", 7, "2026-12-01T00:00:00Z") // the next period: not on this invoice
        yield* at("2026-12-01T00:00:01Z")
        const [invoice] = (yield* close(t)).invoices
        // pro: 9900 fixed; api_calls graduated 1000 free then 1 each → 500; tax 20 % of 10400 = 2080.
        expect(invoice!.lines.map((l) => [l.kind, l.quantity, l.amount])).toEqual([
          ["fixed", 1, 9900],
          ["usage", 1500, 500],
          ["tax", 10400, 2080]
        ])
        expect(invoice).toMatchObject({
          number: "INV-2026-000001",
          status: "finalized",
          currency: "EUR",
          plan_code: "pro",
          subtotal: 10400,
          tax_rate_bps: 2000,
          tax: 2080,
          total: 12480
        })
        expect(yield* outboxCount("signet.billing.invoice.finalized")).toBeGreaterThanOrEqual(1)
      })
    )

    it.effect(
      `a meter with more events than one page of the close (${CLOSE_PAGE}) is measured in full, ties in time included`,
      () =>
        Effect.gen(function* () {
          const t = yield* subscribed("inv-paged")
          // All at one instant: the pages' keyset must break ties by id.
          yield* calls(t, "big", CLOSE_PAGE + 2345, "2026-11-20T08:00:00Z")
          yield* at("2026-12-01T00:00:01Z")
          const [invoice] = (yield* close(t)).invoices
          expect(invoice!.lines.find((l) => l.kind === "usage")).toMatchObject({
            quantity: CLOSE_PAGE + 2345,
            amount: CLOSE_PAGE + 2345 - 1000
          })
        })
    )

    it.effect("the close rolls the subscription on, one invoice per period, numbered without gaps", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-numbers", "starter")
        yield* at("2027-01-01T00:00:01Z") // two periods ended: November and December
        const made = yield* close(t)
        expect(numbers(made.invoices)).toEqual(["INV-2027-000001", "INV-2027-000002"])
        expect(made.invoices.map((i) => i.lines.map((l) => l.amount))).toEqual([[2900], [2900]])
        const sub = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
        expect(sub.current_period_start.toJSON()).toBe("2027-01-01T00:00:00.000Z")
      })
    )

    it.effect("closing again makes nothing new; the next period takes the next number", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-idem", "starter", 0, "2026-10-01T00:00:00Z")
        yield* at("2026-11-01T00:00:01Z")
        expect(numbers((yield* close(t)).invoices)).toEqual(["INV-2026-000001"])
        expect((yield* close(t)).invoices).toEqual([])
        expect(numbers(yield* list(t))).toEqual(["INV-2026-000001"])
        yield* at("2026-12-01T00:00:01Z")
        expect(numbers((yield* close(t)).invoices)).toEqual(["INV-2026-000002"])
        expect(numbers(yield* list(t))).toEqual(["INV-2026-000002", "INV-2026-000001"])
      })
    )

    it.effect("two closes of one tenant at once make one invoice; the next number follows without a gap", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-race", "starter", 0, "2026-10-01T00:00:00Z")
        yield* at("2026-11-01T00:00:01Z")
        const [a, b] = yield* Effect.all([close(t), close(t)], { concurrency: 2 })
        expect([...numbers(a!.invoices), ...numbers(b!.invoices)]).toEqual(["INV-2026-000001"])
        yield* at("2026-12-01T00:00:01Z")
        expect(numbers((yield* close(t)).invoices)).toEqual(["INV-2026-000002"])
      })
    )

    it.effect("each tenant has its own sequence", () =>
      Effect.gen(function* () {
        const a = yield* subscribed("inv-seq-a", "starter")
        const b = yield* subscribed("inv-seq-b", "starter")
        yield* at("2026-12-01T00:00:01Z")
        expect(numbers((yield* close(a)).invoices)).toEqual(["INV-2026-000001"])
        expect(numbers((yield* close(b)).invoices)).toEqual(["INV-2026-000001"])
      })
    )

    it.effect("a finalized invoice does not change: late usage of its period is refused (422)", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-final", "pro")
        yield* calls(t, "c", 1200, "2026-11-10T00:00:00Z")
        yield* at("2026-12-01T00:00:01Z")
        const [invoice] = (yield* close(t)).invoices
        const late = yield* Effect.flip(calls(t, "late", 300, "2026-11-20T00:00:00Z")) // the closed period
        expect(late).toMatchObject({ _tag: "LateUsageRefused", field: "events[0].time", grace_hours: 24 })
        yield* close(t)
        const again = yield* BillingAdmin.getInvoice(invoice!.number).pipe(billingRead, inTenant(t))
        expect([again.status, again.total, again.lines[1]!.quantity]).toEqual(["finalized", invoice!.total, 1200])
      })
    )

    it.effect("the database refuses to change a finalized invoice's amounts or to delete it", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-db", "starter")
        yield* at("2026-12-01T00:00:01Z")
        const [invoice] = (yield* close(t)).invoices
        const sql = yield* SqlClient.SqlClient
        const attempt = (statement: Effect.Effect<unknown, unknown>) =>
          tenantTx(statement).pipe(inTenant(t), Effect.exit)
        const raised = yield* attempt(sql`UPDATE billing_invoices SET total = 1 WHERE id = ${invoice!.id}`)
        const deleted = yield* attempt(sql`DELETE FROM billing_invoices WHERE id = ${invoice!.id}`)
        // The driver's message is the SqlError's cause.
        const why = (e: Exit.Exit<unknown, unknown>) =>
          Exit.isFailure(e) ? String((Cause.squash(e.cause) as { cause?: unknown }).cause) : "succeeded"
        expect(why(raised)).toContain("immutable")
        expect(why(deleted)).toContain("never deleted")
        const again = yield* BillingAdmin.getInvoice(invoice!.number).pipe(billingRead, inTenant(t))
        expect(again.total).toBe(2900)
      })
    )

    it.effect("a manual payment marks a finalized invoice paid (audited); it cannot be paid again or voided", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-paid", "starter")
        yield* at("2026-12-01T00:00:01Z")
        const [invoice] = (yield* close(t)).invoices
        const audits = yield* auditCount(t)
        const paid = yield* BillingAdmin.payInvoice(invoice!.number, new PayInvoice({ reference: "SEPA-42" })).pipe(
          billingWrite,
          inTenant(t)
        )
        expect(paid).toMatchObject({ status: "paid", payment_reference: "SEPA-42", total: invoice!.total })
        expect(yield* auditCount(t)).toBe(audits + 1)
        expect(yield* outboxCount("signet.billing.invoice.paid")).toBeGreaterThanOrEqual(1)
        const voiding = yield* Effect.flip(
          BillingAdmin.voidInvoice(invoice!.number, new VoidInvoice({ reason: "oops" })).pipe(billingWrite, inTenant(t))
        )
        const repay = yield* Effect.flip(
          BillingAdmin.payInvoice(invoice!.number, new PayInvoice({})).pipe(billingWrite, inTenant(t))
        )
        expect([voiding._tag, repay._tag]).toEqual(["Conflict", "Conflict"])
      })
    )

    it.effect("a finalized invoice can be voided with a reason (event and audit row)", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-void", "starter")
        yield* at("2026-12-01T00:00:01Z")
        const [invoice] = (yield* close(t)).invoices
        const voided = yield* BillingAdmin.voidInvoice(invoice!.number, new VoidInvoice({ reason: "duplicate" })).pipe(
          billingWrite,
          inTenant(t)
        )
        expect(voided).toMatchObject({ status: "void", void_reason: "duplicate" })
        expect(yield* outboxCount("signet.billing.invoice.voided")).toBeGreaterThanOrEqual(1)
      })
    )

    it.effect("a trial period is not invoiced", () =>
      Effect.gen(function* () {
        const t = yield* onboard("inv-trial")
        yield* catalogue
        yield* at("2026-11-01T00:00:00Z")
        yield* BillingAdmin.createSubscription(
          Schema.decodeUnknownSync(CreateSubscription)({ plan_code: "starter", trial_days: 14 })
        ).pipe(billingWrite, inTenant(t))
        yield* at("2026-11-15T00:00:01Z")
        expect((yield* close(t)).invoices).toEqual([])
        const sub = yield* BillingAdmin.getSubscription().pipe(billingRead, inTenant(t))
        expect(sub.status).toBe("active")
      })
    )

    it.effect("another tenant's invoice number is not found", () =>
      Effect.gen(function* () {
        const a = yield* subscribed("inv-iso-a", "starter")
        const b = yield* onboard("inv-iso-b")
        yield* at("2026-12-01T00:00:01Z")
        const [invoice] = (yield* close(a)).invoices
        const error = yield* Effect.flip(BillingAdmin.getInvoice(invoice!.number).pipe(billingRead, inTenant(b)))
        expect(error._tag).toBe("InvoiceNotFound")
      })
    )

    it.effect("the PDF starts with %PDF, is titled with the number and shows it on the page", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-pdf", "starter")
        yield* at("2026-12-01T00:00:01Z")
        const [invoice] = (yield* close(t)).invoices
        const bytes = yield* BillingAdmin.invoicePdf(invoice!.number).pipe(billingRead, inTenant(t))
        expect(Buffer.from(bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-")
        const doc = yield* Effect.promise(() => PDFDocument.load(bytes))
        expect(doc.getTitle()).toBe(invoice!.number)
        // Page text is in Flate-compressed content streams, strings hex-encoded (WinAnsi).
        const raw = Buffer.from(bytes).toString("latin1")
        const shown = [...raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)]
          .map((m) => {
            try {
              return Zlib.inflateSync(Buffer.from(m[1]!, "latin1")).toString("latin1")
            } catch {
              return ""
            }
          })
          .flatMap((s) =>
            [...s.matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g)].map((h) => Buffer.from(h[1]!, "hex").toString("latin1"))
          )
        expect(shown).toContain(`Invoice ${invoice!.number}`)
      })
    )

    it.effect("the billing.close_periods job's run invoices every active tenant whose period ended", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("inv-job", "starter", 0, "2027-02-01T00:00:00Z")
        yield* at("2027-03-02T00:00:01Z") // the period's end + the 24 h late-usage window
        expect(yield* Billing.use((b) => b.closeAllTenants)).toBeGreaterThanOrEqual(1)
        expect(numbers(yield* list(t))).toEqual(["INV-2027-000001"])
      })
    )

    if (dialect === "pg")
      it.effect("row-level security covers the invoice tables: the app role sees no invoice outside a tenant", () =>
        Effect.gen(function* () {
          const t = yield* subscribed("inv-rls", "starter")
          yield* at("2026-12-01T00:00:01Z")
          yield* close(t)
          const sql = yield* SqlClient.SqlClient
          expect(yield* sql.unsafe("SELECT * FROM billing_invoices").pipe(Effect.orDie)).toHaveLength(0)
          const tables = ["billing_invoice_counters", "billing_invoices"]
          const url = yield* TestDbUrl
          const forced = yield* Effect.promise(() =>
            ownerQuery(url, "SELECT relname FROM pg_class WHERE relforcerowsecurity AND relname = ANY($1)", [tables])
          )
          expect(forced.map((r: { relname: string }) => r.relname).sort()).toEqual(tables)
        })
      )
  })
}
