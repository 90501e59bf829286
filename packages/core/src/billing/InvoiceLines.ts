/**
 * Pure computations of the invoice lines added for money correctness
 * (issue 20 "proration", "taxes as configured rates"; Stripe Billing's
 * proration line items and tax rates, Lago's taxes). Used by
 * `Invoices.computeInvoice`; no I/O.
 *
 * - **Proration lines.** Invoices are made after their period, on the
 *   plan version in force at its end. When the plan changed at once in the
 *   period (`Billing.changePlan`, stored in `billing_prorations`), the
 *   period's `fixed` line is the fixed charge of the version in force at
 *   the period's **start**, and each change adds two lines: a negative
 *   credit for the unused part of the old version's fixed charge and a
 *   charge for the rest of the period on the new one (the figures
 *   `Pricing.prorate` computed at the change). Successive changes
 *   telescope, so every second of the period is paid once, on the version
 *   in force then (up to one minor unit of rounding per line); nothing is
 *   counted twice. A credit never exceeds what the period charged for that
 *   version: the first version is charged in full, a later one for the
 *   seconds left at its start, which are at least the seconds left at its
 *   own replacement.
 * - **Tax lines.** One per rate, each `round_half_up(subtotal × rate_bps /
 *   10 000)` on the whole subtotal (rates are not compounded), in the
 *   order configured.
 *
 * @module
 */
import { InvoiceLine, TaxRate } from "@signet/contracts/billing/Domain"
import { DateTime } from "effect"
import { mulDivHalfUp } from "./Pricing.js"

/** What a proration line pair is computed from (a `billing_prorations` row). */
export interface ProrationEntry {
  readonly changed_at: DateTime.Utc
  readonly old_plan: string
  readonly new_plan: string
  readonly old_fixed_amount: number
  readonly new_fixed_amount: number
  readonly seconds_in_period: number
  readonly seconds_remaining: number
  readonly credit: number
  readonly charge: number
}

const instantText = (d: DateTime.Utc) => DateTime.formatIso(d).slice(0, 16).replace("T", " ")

/**
 * The two lines of each proration, in order: a credit (negative amount) for
 * the unused part of the old version, a charge for the rest of the period on
 * the new one. Amounts in integer minor units; see the module comment.
 */
export const prorationLines = (prorations: ReadonlyArray<ProrationEntry>): ReadonlyArray<InvoiceLine> =>
  prorations.flatMap((p) => [
    new InvoiceLine({
      kind: "proration",
      description: `Unused time on ${p.old_plan} from ${instantText(p.changed_at)} UTC`,
      meter: null,
      quantity: 1,
      amount: -p.credit,
      computation: `credit = round(${p.old_fixed_amount} × ${p.seconds_remaining} / ${p.seconds_in_period}) = ${p.credit}`
    }),
    new InvoiceLine({
      kind: "proration",
      description: `Remaining time on ${p.new_plan} from ${instantText(p.changed_at)} UTC`,
      meter: null,
      quantity: 1,
      amount: p.charge,
      computation: `charge = round(${p.new_fixed_amount} × ${p.seconds_remaining} / ${p.seconds_in_period}) = ${p.charge}`
    })
  ])

/**
 * The rates an invoice is taxed at: the tenant's named rates
 * (`billing.tax_rates`) when it has any, else its single legacy rate
 * (`billing.tax_rate_bps`) as one rate named "Tax" when not 0, else none.
 */
export const resolveTaxRates = (named: ReadonlyArray<TaxRate>, legacyBps: number): ReadonlyArray<TaxRate> =>
  named.length > 0 ? named : legacyBps > 0 ? [new TaxRate({ name: "Tax", rate_bps: legacyBps })] : []

/** One tax line per rate on `subtotal` (minor units), each rounded half up; see the module comment. */
export const taxLines = (subtotal: number, rates: ReadonlyArray<TaxRate>): ReadonlyArray<InvoiceLine> =>
  rates.map((rate) => {
    const amount = mulDivHalfUp(subtotal, rate.rate_bps, 10_000)
    return new InvoiceLine({
      kind: "tax",
      description: `${rate.name} ${rate.rate_bps / 100} %`,
      meter: null,
      quantity: subtotal,
      amount,
      computation: `round(${subtotal} × ${rate.rate_bps} / 10000) = ${amount}`,
      tax_rate: rate
    })
  })
