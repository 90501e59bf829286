/**
 * Issue 20, money correctness, through the core facades on SQLite and
 * Postgres: proration lines of immediate plan changes on the period's
 * invoice, named tax rates (one line each), credit notes (limits, numbering,
 * immutability, isolation, step-up, PDF) and the late-usage grace window of
 * the period-close job.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  Billing,
  BillingAdmin,
  BillingPlatform,
  ChangePlan,
  CreateCreditNote,
  CreateMeter,
  CreateSubscription,
  Events,
  Tenancy,
  UsageQuery,
  VoidInvoice
} from "@signet/core"
import { tenantTx } from "@signet/core/kernel/Database"
import { testDialects } from "@signet/core/testing"
import { Cause, Effect, Exit, Schema, TestClock } from "effect"
import { PDFDocument } from "pdf-lib"
import { asOperator, batch, billingIngest, billingRead, billingWrite, catalogue } from "./billing-support.js"
import {
  adminSession,
  asTenant,
  auditCount,
  inTenant,
  onboardWithAdmin as onboard,
  outboxCount,
  type TenantRef,
  testCore
} from "./support.js"

const at = (s: string) => TestClock.setTime(Date.parse(s))

/** A tenant on `plan` from 2026-11-01 (a 30-day period). */
const subscribed = (slug: string, plan = "starter") =>
  Effect.gen(function* () {
    const t = yield* onboard(slug)
    yield* catalogue
    yield* at("2026-11-01T00:00:00Z")
    yield* BillingAdmin.createSubscription(Schema.decodeUnknownSync(CreateSubscription)({ plan_code: plan })).pipe(
      billingWrite,
      inTenant(t)
    )
    return t
  })

const changeNow = (t: TenantRef, plan: string) =>
  BillingAdmin.changePlan(Schema.decodeUnknownSync(ChangePlan)({ plan_code: plan, when: "now" })).pipe(
    billingWrite,
    inTenant(t)
  )

const close = (t: TenantRef) => BillingPlatform.closePeriods().pipe(asOperator, inTenant(t))

/** The finalized invoice of November 2026 (closed at once by the operator). */
const novemberInvoice = (t: TenantRef) =>
  Effect.gen(function* () {
    yield* at("2026-12-01T00:00:01Z")
    return (yield* close(t)).invoices[0]!
  })

const credit = (t: TenantRef, number: string, body: Record<string, unknown>) =>
  BillingAdmin.issueCreditNote(number, Schema.decodeUnknownSync(CreateCreditNote)(body)).pipe(billingWrite, inTenant(t))

const lines = (inv: { readonly lines: ReadonlyArray<{ kind: string; amount: number }> }) =>
  inv.lines.map((l) => [l.kind, l.amount])

const putSetting = (t: TenantRef, key: string, value: unknown) =>
  Tenancy.use((x) => x.putSetting(t.slug, key, value)).pipe(inTenant(t))

const apiCall = (t: TenantRef, id: string, time: string) =>
  BillingAdmin.ingest(batch([{ id, source: "/test", type: "api.call", subject: "app", time }])).pipe(
    billingIngest,
    inTenant(t)
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`billing corrections on ${dialect} (issue 20)`, (it) => {
    it.effect("an upgrade with 10 of 30 days left: the old fixed charge, a credit and a prorated charge", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-up")
        yield* at("2026-11-21T00:00:00Z")
        yield* changeNow(t, "pro")
        const inv = yield* novemberInvoice(t)
        // starter 2900 in full; credit round(2900 × 10/30) = 967; pro round(9900 × 10/30) = 3300; no usage.
        expect(lines(inv)).toEqual([
          ["fixed", 2900],
          ["proration", -967],
          ["proration", 3300],
          ["usage", 0]
        ])
        expect(inv.lines[1]!.computation).toBe("credit = round(2900 × 864000 / 2592000) = 967")
        expect([inv.subtotal, inv.total, inv.plan_code]).toEqual([5233, 5233, "pro"])
      })
    )

    it.effect("two changes in one period telescope: each version is paid for its own seconds", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-twice")
        yield* at("2026-11-11T00:00:00Z")
        yield* changeNow(t, "pro")
        yield* at("2026-11-21T00:00:00Z")
        yield* changeNow(t, "starter")
        const inv = yield* novemberInvoice(t)
        expect(lines(inv)).toEqual([
          ["fixed", 2900],
          ["proration", -1933],
          ["proration", 6600],
          ["proration", -3300],
          ["proration", 967]
        ])
        // ≈ 2900 × 10/30 + 9900 × 10/30 + 2900 × 10/30 = 5233.33, one unit of rounding apart.
        expect(inv.total).toBe(5234)
      })
    )

    it.effect("the next period is invoiced on the new plan without proration lines", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-next")
        yield* at("2026-11-21T00:00:00Z")
        yield* changeNow(t, "pro")
        yield* novemberInvoice(t)
        yield* at("2027-01-01T00:00:01Z")
        const [december] = (yield* close(t)).invoices
        expect(lines(december!)).toEqual([
          ["fixed", 9900],
          ["usage", 0]
        ])
      })
    )

    it.effect("named tax rates: one tax line each on the subtotal, rounded half up, with name and rate", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-tax")
        yield* putSetting(t, "billing.tax_rate_bps", 1000) // not applied once named rates are set
        yield* putSetting(t, "billing.tax_rates", [
          { name: "VAT", rate_bps: 2000 },
          { name: "City", rate_bps: 150 }
        ])
        const inv = yield* novemberInvoice(t)
        // 2900 × 20 % = 580; 2900 × 1.5 % = 43.5 → 44.
        expect(inv.lines.filter((l) => l.kind === "tax").map((l) => [l.description, l.amount, l.tax_rate])).toEqual([
          ["VAT 20 %", 580, { name: "VAT", rate_bps: 2000 }],
          ["City 1.5 %", 44, { name: "City", rate_bps: 150 }]
        ])
        expect([inv.subtotal, inv.tax, inv.tax_rate_bps, inv.total]).toEqual([2900, 624, 2150, 3524])
      })
    )

    it.effect("tax rates beyond the limits are refused and the setting is unchanged", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-tax-bad")
        const six = Array.from({ length: 6 }, (_, i) => ({ name: `T${i}`, rate_bps: 100 }))
        const refusals = yield* Effect.forEach(
          [
            six,
            [{ name: "VAT", rate_bps: 10_001 }],
            [
              { name: "A", rate_bps: 6000 },
              { name: "B", rate_bps: 5000 }
            ],
            [
              { name: "VAT", rate_bps: 100 },
              { name: "VAT", rate_bps: 200 }
            ]
          ],
          (rates) => Effect.flip(putSetting(t, "billing.tax_rates", rates))
        )
        expect(refusals.map((e) => e._tag)).toEqual([
          "ValidationError",
          "ValidationError",
          "ValidationError",
          "ValidationError"
        ])
        const stored = yield* Tenancy.use((x) => x.settingValue(t.id as never, "billing.tax_rates"))
        expect(stored).toEqual([])
      })
    )

    it.effect("a credit note on a finalized invoice: numbered, audited, published, listed", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-cn")
        const inv = yield* novemberInvoice(t)
        const audits = yield* auditCount(t)
        const note = yield* credit(t, inv.number, {
          reason: "service outage",
          lines: [
            { invoice_line: 0, amount: 1000 },
            { amount: 200, description: "goodwill" }
          ]
        })
        expect(note).toMatchObject({ number: "CN-2026-000001", invoice_number: inv.number, total: 1200 })
        expect(note.lines.map((l) => [l.invoice_line, l.amount])).toEqual([
          [0, 1000],
          [null, 200]
        ])
        expect(yield* auditCount(t)).toBe(audits + 1)
        expect(yield* outboxCount("signet.billing.credit_note.created")).toBeGreaterThanOrEqual(1)
        const listed = yield* BillingAdmin.listCreditNotes(inv.number).pipe(billingRead, inTenant(t))
        expect(listed.map((c) => c.number)).toEqual(["CN-2026-000001"])
      })
    )

    it.effect("crediting more than the invoice has left is refused with the numbers; nothing written", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-cn-over")
        const inv = yield* novemberInvoice(t)
        yield* credit(t, inv.number, { reason: "partial", lines: [{ amount: 2000, description: "refund" }] })
        const refused = yield* Effect.flip(
          credit(t, inv.number, { reason: "too much", lines: [{ amount: 901, description: "refund" }] })
        )
        expect(refused).toMatchObject({
          _tag: "CreditExceedsInvoice",
          invoice_line: null,
          invoice_total: 2900,
          credited: 2000,
          requested: 901,
          available: 900
        })
        // The refused note took no number: the next one follows without a gap.
        const next = yield* credit(t, inv.number, { reason: "rest", lines: [{ amount: 900, description: "refund" }] })
        expect(next.number).toBe("CN-2026-000002")
      })
    )

    it.effect("crediting more than an invoice line's amount is refused naming the line", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-cn-line")
        yield* putSetting(t, "billing.tax_rate_bps", 2000)
        const inv = yield* novemberInvoice(t)
        const refused = yield* Effect.flip(
          credit(t, inv.number, { reason: "tax", lines: [{ invoice_line: 1, amount: 581 }] })
        )
        expect(refused).toMatchObject({
          _tag: "CreditExceedsInvoice",
          invoice_line: 1,
          invoice_total: 580,
          available: 580
        })
      })
    )

    it.effect("a free amount needs a description; an unknown line is refused", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-cn-bad")
        const inv = yield* novemberInvoice(t)
        const free = yield* Effect.flip(credit(t, inv.number, { reason: "x", lines: [{ amount: 1 }] }))
        const unknown = yield* Effect.flip(
          credit(t, inv.number, { reason: "x", lines: [{ invoice_line: 9, amount: 1 }] })
        )
        expect([free, unknown].map((e) => e._tag)).toEqual(["ValidationError", "ValidationError"])
        expect(yield* BillingAdmin.listCreditNotes(inv.number).pipe(billingRead, inTenant(t))).toEqual([])
      })
    )

    it.effect("a void invoice cannot be credited (409)", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-cn-void")
        const inv = yield* novemberInvoice(t)
        yield* BillingAdmin.voidInvoice(inv.number, new VoidInvoice({ reason: "wrong" })).pipe(
          billingWrite,
          inTenant(t)
        )
        const refused = yield* Effect.flip(
          credit(t, inv.number, { reason: "x", lines: [{ amount: 1, description: "y" }] })
        )
        expect(refused._tag).toBe("Conflict")
      })
    )

    it.effect("another tenant's invoice and credit note are not found", () =>
      Effect.gen(function* () {
        const a = yield* subscribed("cor-iso-a")
        const b = yield* onboard("cor-iso-b")
        const inv = yield* novemberInvoice(a)
        const note = yield* credit(a, inv.number, { reason: "x", lines: [{ amount: 1, description: "y" }] })
        const issue = yield* Effect.flip(
          credit(b, inv.number, { reason: "x", lines: [{ amount: 1, description: "y" }] })
        )
        const read = yield* Effect.flip(BillingAdmin.getCreditNote(note.number).pipe(billingRead, inTenant(b)))
        expect([issue._tag, read._tag]).toEqual(["InvoiceNotFound", "InvoiceNotFound"])
      })
    )

    it.effect("an admin without a fresh MFA step-up cannot issue a credit note", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-stepup")
        const inv = yield* novemberInvoice(t)
        const admin = yield* adminSession(t)
        const refused = yield* Effect.flip(
          BillingAdmin.issueCreditNote(
            inv.number,
            Schema.decodeUnknownSync(CreateCreditNote)({ reason: "x", lines: [{ amount: 1, description: "y" }] })
          ).pipe(billingWrite, inTenant(t, admin))
        )
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
      })
    )

    it.effect("a credit note is immutable in the database and renders to a PDF titled with its number", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-cn-db")
        const inv = yield* novemberInvoice(t)
        const note = yield* credit(t, inv.number, { reason: "x", lines: [{ amount: 5, description: "y" }] })
        const sql = yield* SqlClient.SqlClient
        const exit = yield* tenantTx(sql`UPDATE billing_credit_notes SET total = 1 WHERE id = ${note.id}`).pipe(
          inTenant(t),
          Effect.exit
        )
        const why = Exit.isFailure(exit) ? String((Cause.squash(exit.cause) as { cause?: unknown }).cause) : "ok"
        expect(why).toContain("immutable")
        const bytes = yield* BillingAdmin.creditNotePdf(note.number).pipe(billingRead, inTenant(t))
        expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe("%PDF-")
        const doc = yield* Effect.promise(() => PDFDocument.load(bytes))
        expect(doc.getTitle()).toBe(note.number)
      })
    )

    it.effect("the close job waits the late-usage window; a late event of the period is then on the invoice", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-grace", "pro")
        yield* at("2026-12-01T10:00:00Z")
        yield* Billing.use((b) => b.closeAllTenants)
        expect(yield* BillingAdmin.listInvoices().pipe(billingRead, inTenant(t))).toEqual([])
        yield* apiCall(t, "late-1", "2026-11-30T23:00:00Z") // late, inside the window
        yield* at("2026-12-02T00:00:01Z")
        yield* Billing.use((b) => b.closeAllTenants)
        const [inv] = yield* BillingAdmin.listInvoices().pipe(billingRead, inTenant(t))
        expect(inv!.lines.find((l) => l.kind === "usage")!.quantity).toBe(1)
      })
    )

    it.effect("a domain event billing refuses is left out; the dispatcher batch's other usage is metered", () =>
      Effect.gen(function* () {
        // A meter that cannot measure logins (a sum over a user id) refuses their usage events.
        yield* Effect.forEach(
          [
            { code: "bad-logins", event_type: "signet.auth.login", value_path: "$.user_id" },
            { code: "user-creates", event_type: "signet.user.created", value_path: "$.count" }
          ],
          (m) =>
            BillingPlatform.createPlatformMeter(
              Schema.decodeUnknownSync(CreateMeter)({ ...m, name: m.code, aggregation: "sum" })
            ).pipe(asOperator)
        )
        const t = yield* subscribed("cor-domain-refused")
        const publish = (type: string, subject: string) =>
          asTenant(
            t,
            Events.use((e) => e.publish({ type, subject, data: { user_type: "teacher" } }))
          )
        const refused = yield* publish("signet.auth.login", "u-1")
        const created = yield* publish("signet.user.created", "u-2")
        yield* Events.use((e) => Effect.repeat(e.dispatchOnce, { until: (n) => n === 0 }))
        const november = Schema.decodeUnknownSync(UsageQuery)({
          from: "2026-11-01T00:00:00Z",
          to: "2026-12-01T00:00:00Z"
        })
        const usage = yield* BillingAdmin.usage("user-creates", november).pipe(billingRead, inTenant(t))
        expect(usage.rows.map((r) => r.value)).toEqual([1])
        for (const ev of [refused, created]) expect((yield* Events.use((e) => e.get(ev.id))).status).toBe("delivered")
      })
    )

    it.effect("an event of a closed period is refused (422) naming the window; nothing stored", () =>
      Effect.gen(function* () {
        const t = yield* subscribed("cor-late")
        yield* novemberInvoice(t)
        const refused = yield* Effect.flip(apiCall(t, "too-late", "2026-11-30T23:00:00Z"))
        expect(refused).toMatchObject({ _tag: "LateUsageRefused", grace_hours: 24 })
        const again = yield* apiCall(t, "too-late", "2026-12-01T00:00:02Z")
        expect(again.accepted).toBe(1) // the id was not taken by the refused event
      })
    )
  })
}
