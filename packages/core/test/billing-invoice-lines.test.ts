/**
 * Issue 20 money correctness, the pure computation (`computeInvoice` with
 * `InvoiceLines`): proration lines of any sequence of immediate plan
 * changes and any named tax rates, checked by fast-check properties —
 * the total is the sum of the lines, no credit exceeds what the period
 * charged for that plan version, the subtotal is never negative, each
 * version is paid for its own seconds within one minor unit per change,
 * and each tax line is its rate of the subtotal rounded half up.
 */
import { computeInvoice, Plan, Pricing, TaxRate } from "@signet/core"
import { DateTime, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const START = DateTime.unsafeMake("2026-11-01T00:00:00Z")
const END = DateTime.unsafeMake("2026-12-01T00:00:00Z")
const PERIOD = 30 * 86_400

const plan = (fixed: number, code = "p") =>
  Schema.decodeUnknownSync(Plan)({
    id: "0190a8f0-0000-7000-8000-000000000001",
    code,
    version: 1,
    name: code,
    interval: "month",
    currency: "EUR",
    fixed_amount: fixed,
    charges: [],
    entitlements: { features: {}, limits: {} },
    created_at: "2026-01-01T00:00:00Z"
  })

/** Changes at increasing seconds into the period, each to a new fixed amount; the figures as `Subscriptions` computes them. */
const changes = (first: number, steps: ReadonlyArray<{ at: number; fixed: number }>) => {
  const sorted = [...steps].sort((a, b) => a.at - b.at)
  let old = first
  return sorted.map((s) => {
    const f = Pricing.prorate({ periodStart: 0, periodEnd: PERIOD, at: s.at, oldAmount: old, newAmount: s.fixed })
    const entry = {
      changed_at: DateTime.add(START, { seconds: s.at }),
      old_plan: `old ${old}`,
      new_plan: `new ${s.fixed}`,
      old_fixed_amount: old,
      new_fixed_amount: s.fixed,
      seconds_in_period: f.secondsInPeriod,
      seconds_remaining: f.secondsRemaining,
      credit: f.credit,
      charge: f.charge
    }
    old = s.fixed
    return entry
  })
}

const amount = fc.integer({ min: 0, max: 1_000_000 })
const steps = fc.array(fc.record({ at: fc.integer({ min: 0, max: PERIOD }), fixed: amount }), { maxLength: 6 })
const rates = fc
  .uniqueArray(
    fc.record({
      name: fc.constantFrom("VAT", "City", "State", "Eco", "Fed"),
      rate_bps: fc.integer({ min: 0, max: 2000 })
    }),
    {
      selector: (r) => r.name,
      maxLength: 5
    }
  )
  .map((rs) => rs.map((r) => new TaxRate(r)))

describe("invoice lines (issue 20: proration lines, named tax rates)", () => {
  it("the total is the sum of the lines; subtotal + tax = total", () =>
    fc.assert(
      fc.property(amount, steps, rates, (first, s, r) => {
        const inv = computeInvoice(plan(s.at(-1)?.fixed ?? first), START, END, [], r, changes(first, s))
        expect(inv.lines.reduce((sum, l) => sum + l.amount, 0)).toBe(inv.total)
        expect(inv.subtotal + inv.tax).toBe(inv.total)
      })
    ))

  it("no credit exceeds what the period charged for that version, and the subtotal is never negative", () =>
    fc.assert(
      fc.property(amount, steps, (first, s) => {
        const inv = computeInvoice(plan(0), START, END, [], 0, changes(first, s))
        const proration = inv.lines.filter((l) => l.kind === "proration")
        // What each version was charged in the period: the first in full, each later one its prorated charge.
        const charged = [
          inv.lines[0]!.amount,
          ...proration.filter((l) => l.computation.startsWith("charge")).map((l) => l.amount)
        ]
        const credits = proration.filter((l) => l.computation.startsWith("credit"))
        for (const [i, c] of credits.entries()) expect(-c.amount).toBeLessThanOrEqual(charged[i]!)
        expect(inv.subtotal).toBeGreaterThanOrEqual(0)
      })
    ))

  it("each version is paid for its own seconds, within one minor unit per line", () =>
    fc.assert(
      fc.property(amount, steps, (first, s) => {
        const entries = changes(first, s)
        // The plan passed is the version at the period's end; its fixed charge is used only without changes.
        const inv = computeInvoice(plan(first), START, END, [], 0, entries)
        const sorted = [...s].sort((a, b) => a.at - b.at)
        let exact = 0
        let from = 0
        let fixed = first
        for (const step of sorted) {
          exact += (fixed * (step.at - from)) / PERIOD
          from = step.at
          fixed = step.fixed
        }
        exact += (fixed * (PERIOD - from)) / PERIOD
        expect(Math.abs(inv.subtotal - exact)).toBeLessThanOrEqual(1 + 2 * entries.length)
      })
    ))

  it("each tax line is its rate of the subtotal, rounded half up, named", () =>
    fc.assert(
      fc.property(amount, rates, (fixed, r) => {
        const inv = computeInvoice(plan(fixed), START, END, [], r)
        const taxes = inv.lines.filter((l) => l.kind === "tax")
        expect(taxes.map((l) => [l.tax_rate?.name, l.amount])).toEqual(
          r.map((rate) => [rate.name, Math.floor((fixed * rate.rate_bps) / 10_000 + 0.5)])
        )
        expect(inv.taxRateBps).toBe(r.reduce((sum, x) => sum + x.rate_bps, 0))
      })
    ))

  it("without changes the fixed line is the plan's; a legacy single rate is one line named Tax", () => {
    const inv = computeInvoice(plan(2900), START, END, [], 2000)
    expect(inv.lines.map((l) => [l.kind, l.description.split(",")[0], l.amount])).toEqual([
      ["fixed", "p (p v1)", 2900],
      ["tax", "Tax 20 %", 580]
    ])
  })
})
