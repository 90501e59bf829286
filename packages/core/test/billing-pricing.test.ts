/**
 * Issue 20 "Catalogue"/"Subscriptions": the pure pricing functions
 * (`billing/Pricing.ts`) — property tests with fast-check against
 * independent oracles, and hand-computed examples.
 */
import {
  Currency,
  GraduatedPrice,
  PackagePrice,
  PerUnitPrice,
  type Price,
  PriceTier,
  VolumePrice
} from "@signet/contracts/billing/Domain"
import { Pricing } from "@signet/core"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

/** Tiers with increasing bounds (last unbounded), integer prices. */
const tiersArb = fc
  .array(
    fc.record({
      width: fc.integer({ min: 1, max: 50 }),
      unit: fc.integer({ min: 0, max: 1000 }),
      flat: fc.integer({ min: 0, max: 500 })
    }),
    { minLength: 1, maxLength: 6 }
  )
  .map((raw) => {
    let bound = 0
    return raw.map((r, i) => {
      bound += r.width
      return new PriceTier({ up_to: i === raw.length - 1 ? null : bound, unit_amount: r.unit, flat_amount: r.flat })
    })
  })

/** The price of the `u`-th unit (1-based) under graduated tiers: its tier's unit amount. */
const unitPrice = (tiers: ReadonlyArray<PriceTier>, u: number) => tiers.find((t) => t.up_to === null || u <= t.up_to)!

describe("pricing (issue 20)", () => {
  it("graduated: the total is the sum, unit by unit, of each unit's tier price plus the flat fee of each tier reached", () => {
    fc.assert(
      fc.property(tiersArb, fc.integer({ min: 0, max: 400 }), (tiers, q) => {
        let expected = 0
        const reached = new Set<PriceTier>()
        for (let u = 1; u <= q; u++) {
          const t = unitPrice(tiers, u)
          expected += t.unit_amount
          reached.add(t)
        }
        for (const t of reached) expected += t.flat_amount
        expect(Pricing.charge(new GraduatedPrice({ tiers }), q)).toBe(expected)
      })
    )
  })

  it("graduated: the slices partition the quantity and their amounts add up to the total", () => {
    fc.assert(
      fc.property(tiersArb, fc.integer({ min: 0, max: 400 }), (tiers, q) => {
        const slices = Pricing.graduatedSlices(tiers, q)
        expect(slices.reduce((n, s) => n + s.units, 0)).toBe(q)
        expect(slices.reduce((n, s) => n + s.amount, 0)).toBe(Pricing.charge(new GraduatedPrice({ tiers }), q))
      })
    )
  })

  it("volume: every unit at the one tier the whole quantity falls in, plus that tier's flat fee", () => {
    fc.assert(
      fc.property(tiersArb, fc.integer({ min: 1, max: 400 }), (tiers, q) => {
        const t = unitPrice(tiers, q)
        expect(Pricing.charge(new VolumePrice({ tiers }), q)).toBe(q * t.unit_amount + t.flat_amount)
      })
    )
  })

  it("volume: can cost less past a tier boundary when the next tier is cheaper (the model, not monotone)", () => {
    const price = new VolumePrice({
      tiers: [
        new PriceTier({ up_to: 10, unit_amount: 10, flat_amount: 0 }),
        new PriceTier({ up_to: null, unit_amount: 5, flat_amount: 0 })
      ]
    })
    expect(Pricing.charge(price, 10)).toBe(100)
    expect(Pricing.charge(price, 11)).toBe(55)
  })

  it("package: a started package is paid in full (rounds up)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 5000 }),
        (size, amount, q) => {
          const expected = (Math.floor(q / size) + (q % size === 0 ? 0 : 1)) * amount
          expect(Pricing.charge(new PackagePrice({ package_size: size, package_amount: amount }), q)).toBe(expected)
        }
      )
    )
    expect(Pricing.charge(new PackagePrice({ package_size: 1000, package_amount: 200 }), 1001)).toBe(400)
  })

  it("per_unit, graduated and package are monotone in the quantity (fractional quantities included)", () => {
    const priceArb: fc.Arbitrary<Price> = fc.oneof(
      fc.integer({ min: 0, max: 1000 }).map((u) => new PerUnitPrice({ unit_amount: u })),
      tiersArb.map((tiers) => new GraduatedPrice({ tiers })),
      fc
        .tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 1000 }))
        .map(([s, a]) => new PackagePrice({ package_size: s, package_amount: a }))
    )
    const qty = fc.double({ min: 0, max: 1000, noNaN: true })
    fc.assert(
      fc.property(priceArb, qty, qty, (price, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        expect(Pricing.charge(price, lo)).toBeLessThanOrEqual(Pricing.charge(price, hi))
      })
    )
  })

  it("every charge is a whole number of minor units, rounded half up on the total", () => {
    expect(Pricing.charge(new PerUnitPrice({ unit_amount: 3 }), 2.5)).toBe(8) // 7.5 → 8
    expect(Pricing.charge(new PerUnitPrice({ unit_amount: 3 }), 2.4)).toBe(7) // 7.2 → 7
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1e6, noNaN: true }), (u, q) => {
        expect(Number.isInteger(Pricing.charge(new PerUnitPrice({ unit_amount: u }), q))).toBe(true)
      })
    )
  })

  it("refuses a negative or non-finite quantity", () => {
    expect(() => Pricing.charge(new PerUnitPrice({ unit_amount: 1 }), -1)).toThrow(RangeError)
    expect(() => Pricing.charge(new PerUnitPrice({ unit_amount: 1 }), Number.NaN)).toThrow(RangeError)
  })

  it("proration by seconds: credit and charge rounded half up, computation written out", () => {
    // 30-day period (2,592,000 s), 10 days left (864,000 s): 2900 → 9900.
    const f = Pricing.prorate({ periodStart: 0, periodEnd: 2_592_000, at: 1_728_000, oldAmount: 2900, newAmount: 9900 })
    // credit = 2900 × 864000 / 2592000 = 966.67 → 967; charge = 9900 / 3 = 3300.
    expect(f).toMatchObject({
      secondsInPeriod: 2_592_000,
      secondsRemaining: 864_000,
      credit: 967,
      charge: 3300,
      net: 2333
    })
    expect(f.computation).toContain("= 967")
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (period, a, b, frac) => {
          const at = Math.floor(period * frac)
          const p = Pricing.prorate({ periodStart: 0, periodEnd: period, at, oldAmount: a, newAmount: b })
          expect(p.credit).toBeLessThanOrEqual(a)
          expect(p.charge).toBeLessThanOrEqual(b)
          expect(p.net).toBe(p.charge - p.credit)
        }
      )
    )
  })

  it("currencies are ISO 4217 codes", () => {
    expect(Either.isRight(Schema.decodeUnknownEither(Currency)("EUR"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Currency)("EUX"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Currency)("eur"))).toBe(true)
  })

  it("tiers must increase and end unbounded", () => {
    const decode = Schema.decodeUnknownEither(GraduatedPrice)
    expect(Either.isLeft(decode({ _tag: "graduated", tiers: [{ up_to: 10, unit_amount: 1 }] }))).toBe(true)
    expect(
      Either.isLeft(
        decode({
          _tag: "graduated",
          tiers: [
            { up_to: 10, unit_amount: 1 },
            { up_to: 5, unit_amount: 1 },
            { up_to: null, unit_amount: 1 }
          ]
        })
      )
    ).toBe(true)
    expect(
      Either.isRight(
        decode({
          _tag: "graduated",
          tiers: [
            { up_to: 10, unit_amount: 1 },
            { up_to: null, unit_amount: 1 }
          ]
        })
      )
    ).toBe(true)
  })
})
