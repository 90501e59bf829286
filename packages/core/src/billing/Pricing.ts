/**
 * Pricing as pure functions (issue 20 "Catalogue", "Subscriptions"): the
 * charge for a quantity under each usage price model, and the proration of
 * a fixed charge. No I/O, no Effect: the catalogue, invoices (later) and
 * the property tests all call these.
 *
 * Money is in integer minor units. Quantities are finite numbers ≥ 0
 * (a `sum` meter can measure 2.5 GB). Rounding is explicit and happens once,
 * on the total: half up to a whole minor unit ({@link roundHalfUp}).
 *
 * Models (the names Stripe and Lago use):
 * - `per_unit`: `q × unit_amount`.
 * - `graduated`: each unit priced by the tier it falls in; a tier's
 *   `flat_amount` is added once when the quantity enters it. The total is
 *   the sum of the tier slices ({@link graduatedSlices}).
 * - `volume`: every unit priced by the single tier the whole quantity falls
 *   in, plus that tier's `flat_amount`; 0 for a quantity of 0. Not monotone
 *   across a tier boundary when the next tier is cheaper (11 units at 5 can
 *   cost less than 10 at 10) — that is the model, as in Stripe.
 * - `package`: `ceil(q / package_size) × package_amount` (a started package
 *   is paid in full).
 *
 * @module
 */
import type { GraduatedPrice, Price, PriceTier } from "@signet/contracts/billing/Domain"

/** Rounds a non-negative amount half up to a whole minor unit (2.5 → 3, 2.4999 → 2). */
export const roundHalfUp = (x: number): number => Math.floor(x + 0.5)

/** One tier's part of a graduated charge: the units that fell in it and their (unrounded) amount. */
export interface TierSlice {
  /** Index of the tier in the price. */
  readonly tier: number
  readonly units: number
  /** `units × unit_amount + flat_amount` (the flat amount only when `units > 0`), unrounded. */
  readonly amount: number
}

/** The slices of quantity `q` under graduated `tiers`, one per tier the quantity reaches. */
export const graduatedSlices = (tiers: ReadonlyArray<PriceTier>, q: number): ReadonlyArray<TierSlice> => {
  const slices: Array<TierSlice> = []
  let lower = 0
  for (let i = 0; i < tiers.length && q > lower; i++) {
    const t = tiers[i]!
    const upper = t.up_to ?? Number.POSITIVE_INFINITY
    const units = Math.min(q, upper) - lower
    slices.push({ tier: i, units, amount: units * t.unit_amount + t.flat_amount })
    lower = upper
  }
  return slices
}

/** The tier the whole quantity `q` falls in (volume pricing): the first with `q ≤ up_to`, else the last. */
export const volumeTier = (tiers: ReadonlyArray<PriceTier>, q: number): PriceTier =>
  tiers.find((t) => t.up_to === null || q <= t.up_to) ?? tiers[tiers.length - 1]!

/** The unrounded graduated amount: the sum of the slices. */
const graduated = (price: GraduatedPrice, q: number) =>
  graduatedSlices(price.tiers, q).reduce((sum, s) => sum + s.amount, 0)

/**
 * The charge, in integer minor units, for quantity `q` (finite, ≥ 0) under
 * `price`; rounded half up once, on the total.
 * @throws RangeError when `q` is negative or not finite (callers validate first)
 */
export const charge = (price: Price, q: number): number => {
  if (!Number.isFinite(q) || q < 0) throw new RangeError(`quantity must be a finite number ≥ 0, got ${q}`)
  switch (price._tag) {
    case "per_unit":
      return roundHalfUp(q * price.unit_amount)
    case "graduated":
      return roundHalfUp(graduated(price, q))
    case "volume": {
      if (q === 0) return 0
      const t = volumeTier(price.tiers, q)
      return roundHalfUp(q * t.unit_amount + t.flat_amount)
    }
    case "package":
      return Math.ceil(q / price.package_size) * price.package_amount
  }
}

/** `round_half_up(a × n / d)` in exact integer arithmetic (a, n ≥ 0; d > 0). */
export const mulDivHalfUp = (a: number, n: number, d: number): number =>
  Number((2n * BigInt(a) * BigInt(n) + BigInt(d)) / (2n * BigInt(d)))

/** Inputs of {@link prorate}: the period in whole seconds since the epoch, and the two fixed charges. */
export interface ProrationInput {
  readonly periodStart: number
  readonly periodEnd: number
  /** When the change takes effect (clamped into the period). */
  readonly at: number
  readonly oldAmount: number
  readonly newAmount: number
}

/** The figures of a proration; see `Proration` in the contracts. */
export interface ProrationFigures {
  readonly secondsInPeriod: number
  readonly secondsRemaining: number
  readonly credit: number
  readonly charge: number
  readonly net: number
  readonly computation: string
}

/**
 * Proration of an immediate plan change by seconds remaining in the period
 * (Stripe's "prorations by the second"): the unused part of the old fixed
 * charge is credited, the rest of the period on the new one charged, each
 * rounded half up to a whole minor unit.
 */
export const prorate = (p: ProrationInput): ProrationFigures => {
  const secondsInPeriod = Math.max(1, p.periodEnd - p.periodStart)
  const secondsRemaining = Math.min(secondsInPeriod, Math.max(0, p.periodEnd - p.at))
  const credit = mulDivHalfUp(p.oldAmount, secondsRemaining, secondsInPeriod)
  const chargeNew = mulDivHalfUp(p.newAmount, secondsRemaining, secondsInPeriod)
  return {
    secondsInPeriod,
    secondsRemaining,
    credit,
    charge: chargeNew,
    net: chargeNew - credit,
    computation:
      `credit = round(${p.oldAmount} × ${secondsRemaining} / ${secondsInPeriod}) = ${credit}; ` +
      `charge = round(${p.newAmount} × ${secondsRemaining} / ${secondsInPeriod}) = ${chargeNew}; ` +
      `net = ${chargeNew} − ${credit} = ${chargeNew - credit}`
  }
}
