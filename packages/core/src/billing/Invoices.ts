/**
 * Invoices (issue 20 "Invoices"; seed 003 "invoicing"; Stripe Billing's and
 * Lago's invoice life). Internal to `Billing.ts`; every operation runs in
 * the current tenant's transaction, writes an audit row and publishes
 * `signet.billing.invoice.*` through the outbox in that transaction.
 *
 * - **Lines** of a subscription's closed period `[start, end)`: the plan
 *   version's fixed charge, then one line per usage charge — the platform
 *   meter's aggregate over the period (`Meters.makeAggregator`, read page
 *   by page) priced by
 *   `Pricing.charge` — then, when the rate is not 0, a tax line:
 *   `round_half_up(subtotal × rate_bps / 10 000)`, the rate being the
 *   tenant's `billing.tax_rate_bps` setting — or one tax line per named
 *   rate of its `billing.tax_rates` (`InvoiceLines.ts`). Integer minor
 *   units of the plan's ISO 4217 currency. Immediate plan changes of the
 *   period (stored by `Billing.changePlan` in `billing_prorations`) add a
 *   credit and a charge line each, the fixed line being the version in
 *   force at the period's start (`InvoiceLines.prorationLines`). A trial
 *   period is not invoiced (nothing is charged in a trial).
 * - **Numbers** `INV-<year>-<000001…>`, sequential per tenant and calendar
 *   year (UTC, of the day the invoice is made), without gaps: the counter
 *   row is incremented in the invoice's own transaction
 *   (`BillingRepo.nextInvoiceNumber`), so a rolled-back invoice gives its
 *   number back; on Postgres a transaction-scoped advisory lock per tenant
 *   serialises invoicing first.
 * - **States** `draft` → `finalized` → `paid` | `void`. The period close
 *   makes the draft and finalizes it in one transaction; lines and amounts
 *   are never updated after the insert (the repository has no such
 *   statement). `pay` (manual payment, an optional reference) and `void`
 *   (a reason) only move a finalized invoice (else 409).
 * - **Period close** ({@link makeInvoices} `closeDue`): while the live
 *   subscription's current period has ended, invoice it and roll the
 *   subscription one period on (`Subscriptions.advanceBy(1)`: renewal,
 *   scheduled plan, trial end, scheduled cancellation), each period in one
 *   transaction. Idempotent: an invoice exists at most once per
 *   `(tenant, subscription, period_start)` (unique constraint), and a
 *   period already invoiced is found, not made again.
 *
 * @module
 */
import {
  Invoice,
  InvoiceId,
  InvoiceLine,
  InvoiceNotFound,
  type PayInvoice,
  type Plan,
  type TaxRate,
  type UsageCharge,
  type VoidInvoice
} from "@signet/contracts/billing/Domain"
import { Conflict } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import type { CorrectionsRepo } from "./CorrectionsRepo.js"
import { type ProrationEntry, prorationLines, resolveTaxRates, taxLines } from "./InvoiceLines.js"
import { makeAggregator } from "./Meters.js"
import { charge, graduatedSlices } from "./Pricing.js"
import type { BillingRepo, EventCursor, InvoiceRow, InvoiceTransition, SubscriptionRow } from "./Repo.js"
import type { makeSubscriptions } from "./Subscriptions.js"

/** Events the period close reads per statement while measuring a meter. */
export const CLOSE_PAGE = 10_000

/**
 * Events of one meter in one period beyond which the close fails rather
 * than run on (ten million: minutes of reading inside the tenant's
 * transaction). Queries (`Metering`) keep their own, lower, limit.
 */
export const MAX_CLOSE_EVENTS = 10_000_000

/** Invoices `list` answers at most (newest first). */
export const MAX_LISTED_INVOICES = 500

/** `INV-<year>-<seq>`, the sequence zero-padded to six digits. */
export const formatInvoiceNumber = (year: number, seq: number): string => `INV-${year}-${String(seq).padStart(6, "0")}`

/** What a usage line is computed from: the charge, the meter's name and the measured quantity. */
export interface MeasuredCharge {
  readonly charge: UsageCharge
  readonly meterName: string
  readonly quantity: number
}

/** The lines and totals of an invoice; see {@link computeInvoice}. */
export interface ComputedInvoice {
  readonly lines: ReadonlyArray<InvoiceLine>
  readonly subtotal: number
  readonly tax: number
  /** The sum of the rates applied, in basis points. */
  readonly taxRateBps: number
  readonly total: number
}

const day = (d: DateTime.Utc) => DateTime.formatIso(d).slice(0, 10)

/** How a usage charge's amount was reached, in words and figures. */
const usageComputation = (c: UsageCharge, q: number, amount: number): string => {
  const p = c.price
  switch (p._tag) {
    case "graduated":
      return `${graduatedSlices(p.tiers, q)
        .map(
          (s) => `tier ${s.tier + 1}: ${s.units} × ${p.tiers[s.tier]!.unit_amount} + ${p.tiers[s.tier]!.flat_amount}`
        )
        .join("; ")} = ${amount} (rounded half up)`
    case "per_unit":
      return `${q} × ${p.unit_amount} = ${amount}`
    case "package":
      return `ceil(${q} / ${p.package_size}) × ${p.package_amount} = ${amount}`
    case "volume":
      return `volume pricing of ${q} units = ${amount}`
  }
}

/**
 * The lines of an invoice for `plan` (the version in force at the period's
 * end) over `[start, end)` with the measured usage, the tax rates (a
 * single rate in basis points 0–10 000, or named rates: one tax line each,
 * `InvoiceLines.taxLines`) and the period's immediate plan changes, oldest
 * first (`InvoiceLines.prorationLines`: the fixed line is then the first
 * change's old version). Pure; amounts in integer minor units (see the
 * module comment).
 */
export const computeInvoice = (
  plan: Plan,
  start: DateTime.Utc,
  end: DateTime.Utc,
  usage: ReadonlyArray<MeasuredCharge>,
  taxes: number | ReadonlyArray<TaxRate>,
  prorations: ReadonlyArray<ProrationEntry> = []
): ComputedInvoice => {
  const first = prorations[0]
  const fixed = first
    ? { label: first.old_plan, amount: first.old_fixed_amount }
    : { label: `${plan.name} (${plan.code} v${plan.version})`, amount: plan.fixed_amount }
  const lines: Array<InvoiceLine> = [
    new InvoiceLine({
      kind: "fixed",
      description: `${fixed.label}, ${day(start)} – ${day(end)}`,
      meter: null,
      quantity: 1,
      amount: fixed.amount,
      computation: `fixed charge ${fixed.amount}`
    }),
    ...prorationLines(prorations)
  ]
  for (const u of usage) {
    const amount = charge(u.charge.price, u.quantity)
    lines.push(
      new InvoiceLine({
        kind: "usage",
        description: `${u.meterName} (${u.charge.price._tag})`,
        meter: u.charge.meter,
        quantity: u.quantity,
        amount,
        computation: usageComputation(u.charge, u.quantity, amount)
      })
    )
  }
  const subtotal = lines.reduce((sum, l) => sum + l.amount, 0)
  const rates = typeof taxes === "number" ? resolveTaxRates([], taxes) : taxes
  const taxed = taxLines(subtotal, rates)
  lines.push(...taxed)
  const tax = taxed.reduce((sum, l) => sum + l.amount, 0)
  return { lines, subtotal, tax, taxRateBps: rates.reduce((sum, r) => sum + r.rate_bps, 0), total: subtotal + tax }
}

/** What the invoice operations are built from. */
export interface InvoiceDeps {
  readonly repo: BillingRepo
  /** Prorations of the period (`CorrectionsRepo`, migration 0006). */
  readonly corrections: Pick<CorrectionsRepo, "prorationsOf">
  readonly audit: Audit
  readonly events: Events
  readonly subscriptions: ReturnType<typeof makeSubscriptions>
  /** A plan version by id (`Subscriptions`' reader). */
  readonly planOf: (id: string) => Effect.Effect<Plan>
}

const encodeInvoice = Schema.encodeSync(Invoice)

/** The invoice operations over `deps`; see the module comment. Run inside the tenant's transaction. */
export const makeInvoices = ({ audit, corrections, events, planOf, repo, subscriptions }: InvoiceDeps) => {
  /** A row as the public shape, with its plan version's code and number. */
  const shape = ({ plan_id: _, ...row }: InvoiceRow, plan: Plan) =>
    new Invoice({ ...row, plan_code: plan.code, plan_version: plan.version })

  const present = (row: InvoiceRow) => Effect.map(planOf(row.plan_id), (plan) => shape(row, plan))

  const find = (number: string) =>
    Effect.flatMap(repo.invoiceByNumber(number), (row) =>
      Option.match(row, {
        onNone: () => Effect.fail(new InvoiceNotFound({ message: `no invoice ${number}`, number })),
        onSome: present
      })
    )

  /**
   * The quantity a platform meter measured over `[from, to)` (0 without
   * events): the events are read {@link CLOSE_PAGE} at a time (keyset on
   * time and id) into one incremental aggregate, so memory does not grow
   * with the period's events. Beyond {@link MAX_CLOSE_EVENTS} the close of
   * this tenant fails (a defect, logged; other tenants go on).
   */
  const measure = (c: UsageCharge, from: DateTime.Utc, to: DateTime.Utc) =>
    Effect.gen(function* () {
      const meter = Option.getOrThrowWith(
        yield* repo.findPlatformMeter(c.meter),
        () => new Error(`plan charge names no platform meter ${c.meter}`)
      )
      const acc = makeAggregator(meter, {
        from: DateTime.toEpochMillis(from),
        to: DateTime.toEpochMillis(to),
        groupBy: []
      })
      let after: EventCursor | undefined
      let read = 0
      for (;;) {
        const page = yield* repo.scanEvents(meter.event_type, from, to, undefined, CLOSE_PAGE, after)
        acc.add(page)
        read += page.length
        if (read > MAX_CLOSE_EVENTS)
          return yield* Effect.dieMessage(`meter ${c.meter} has over ${MAX_CLOSE_EVENTS} events in the period`)
        const last = page[page.length - 1]
        if (page.length < CLOSE_PAGE || last === undefined) break
        after = { at: last.occurred_at, id: last.id }
      }
      const [row] = acc.rows()
      return { charge: c, meterName: meter.name, quantity: row?.value ?? 0 } satisfies MeasuredCharge
    })

  /** Records the audit row and publishes `signet.billing.invoice.<action>` for `after`. */
  const announce = (action: "finalized" | "paid" | "voided", after: Invoice, before?: Invoice) =>
    Effect.gen(function* () {
      yield* audit.record({
        action: `billing.invoice.${action}`,
        targetType: "invoice",
        targetId: after.id,
        ...(before ? { before } : {}),
        after
      })
      yield* events.publish({
        type: `signet.billing.invoice.${action}`,
        subject: after.id,
        data: { invoice: encodeInvoice(after) }
      })
    })

  /** The finalized invoice of the live subscription's current (ended) period; found when it exists. */
  const invoicePeriod = (row: SubscriptionRow, taxes: ReadonlyArray<TaxRate>) =>
    Effect.gen(function* () {
      const existing = yield* repo.invoiceOfPeriod(row.id, row.current_period_start)
      if (Option.isSome(existing)) return { invoice: yield* present(existing.value), made: false }
      const plan = yield* planOf(row.plan_id)
      const start = row.current_period_start
      const end = row.current_period_end
      const usage = yield* Effect.forEach(plan.charges, (c) => measure(c, start, end))
      const prorations = yield* corrections.prorationsOf(row.id, start)
      const computed = computeInvoice(plan, start, end, usage, taxes, prorations)
      const now = yield* DateTime.now
      const year = DateTime.getPartUtc(now, "year")
      const number = formatInvoiceNumber(year, yield* repo.nextInvoiceNumber(year))
      const id = yield* newId(InvoiceId)
      yield* repo.insertInvoice({
        id,
        number,
        subscription_id: row.id,
        plan_id: plan.id,
        currency: plan.currency,
        period_start: start,
        period_end: end,
        ...computed,
        tax_rate_bps: computed.taxRateBps,
        at: now
      })
      yield* repo.transitionInvoice(id, { to: "finalized" }, now)
      const invoice = yield* find(number).pipe(Effect.orDie)
      yield* announce("finalized", invoice)
      return { invoice, made: true }
    })

  /**
   * One period-close step for the current tenant (module comment): `null` when the live subscription's
   * period has not ended `graceMs` ago (late-usage window) or there is none, else the period's invoice
   * (`null` for a trial) after rolling it one period on. `taxes`: `InvoiceLines.resolveTaxRates`.
   */
  const closeOne = (taxes: ReadonlyArray<TaxRate>, graceMs = 0) =>
    Effect.gen(function* () {
      yield* repo.lockInvoicing
      const live = yield* repo.liveSubscription
      if (Option.isNone(live)) return null
      const row = live.value
      const closable = DateTime.add(row.current_period_end, { millis: graceMs })
      if (DateTime.greaterThan(closable, yield* DateTime.now)) return null
      const made = row.status === "trial" ? null : yield* invoicePeriod(row, taxes)
      yield* subscriptions.advanceBy(1).pipe(Effect.orDie)
      return { invoice: made?.made ? made.invoice : null }
    })

  /** Moves a finalized invoice to `paid` or `void`. @errors InvoiceNotFound, Conflict (not finalized) */
  const settle = (number: string, change: Exclude<InvoiceTransition, { to: "finalized" }>) =>
    Effect.gen(function* () {
      const before = yield* find(number)
      const now = yield* DateTime.now
      if (!(yield* repo.transitionInvoice(before.id, change, now)))
        return yield* new Conflict({
          message: `invoice ${number} is ${before.status}; only a finalized invoice can be ${change.to === "paid" ? "paid" : "voided"}`
        })
      const after = yield* find(number).pipe(Effect.orDie)
      yield* announce(change.to === "paid" ? "paid" : "voided", after, before)
      return after
    })

  return {
    closeOne,
    /** The current tenant's invoices, newest first (at most MAX_LISTED_INVOICES). */
    list: Effect.flatMap(repo.listInvoices(MAX_LISTED_INVOICES), (rows) =>
      Effect.gen(function* () {
        // One plan read per plan version, not per invoice.
        const plans = new Map<string, Plan>()
        for (const id of new Set(rows.map((r) => r.plan_id))) plans.set(id, yield* planOf(id))
        return rows.map((row) => shape(row, plans.get(row.plan_id)!))
      })
    ),
    /** One invoice by number. @errors InvoiceNotFound */
    get: find,
    /** Marks a finalized invoice paid (manual payment). @errors InvoiceNotFound, Conflict */
    pay: (number: string, input: PayInvoice) => settle(number, { to: "paid", reference: input.reference ?? null }),
    /** Voids a finalized invoice. @errors InvoiceNotFound, Conflict */
    void: (number: string, input: VoidInvoice) => settle(number, { to: "void", reason: input.reason })
  } as const
}
