/**
 * Units of carbon footprints (issue 22 "Carbon footprints": "units handled
 * by a library, not by hand"): conversion of an activity quantity into the
 * emission factor's unit through `convert-units` (pinned), and the kg CO₂e
 * it makes. Internal to the activities module.
 *
 * - **Dimensions**: energy, length, volume and mass only — what emission
 *   factors are expressed per (kWh, km, l, t). Other units the library
 *   knows (°C, bytes, …) are refused as unknown.
 * - **`t` is the metric tonne** (1000 kg), as in every emission-factor
 *   table; the library's own `t` is the US short ton, so `t` is mapped to
 *   its `mt` before conversion and the short ton is not offered.
 * - Errors are {@link UnitConversionError} (400), raised before any write.
 *
 * @module
 */
import { UnitConversionError } from "@signet/contracts/activities/Carbon"
import convert from "convert-units"
import { Effect } from "effect"

/** The library's measures a footprint unit may belong to. */
export const FOOTPRINT_MEASURES = ["energy", "length", "volume", "mass"] as const

/** Caller symbols that differ from the library's: `t` (metric tonne) is its `mt`. */
const ALIASES: Record<string, string> = { t: "mt", tonne: "mt" }

/** The library's symbol and measure of a caller's unit, or undefined when not accepted. */
const resolve = (unit: string): { readonly abbr: string; readonly measure: string } | undefined => {
  const abbr = ALIASES[unit] ?? unit
  const measure = FOOTPRINT_MEASURES.find((m) =>
    convert()
      .possibilities(m)
      .includes(abbr as convert.Unit)
  )
  return measure === undefined ? undefined : { abbr, measure }
}

/**
 * `quantity` of `unit` expressed in `factorUnit` (e.g. 2 MWh → 2000 kWh,
 * 10 mi → 16.09… km).
 * @errors UnitConversionError (unknown_unit, incompatible_units)
 */
export const convertQuantity = (quantity: number, unit: string, factorUnit: string) =>
  Effect.gen(function* () {
    const from = resolve(unit)
    const to = resolve(factorUnit)
    const fail = (reason: "unknown_unit" | "incompatible_units", message: string) =>
      new UnitConversionError({ message, reason, unit, factor_unit: factorUnit })
    if (from === undefined) return yield* fail("unknown_unit", `unknown unit ${unit}`)
    if (to === undefined) return yield* fail("unknown_unit", `unknown factor unit ${factorUnit}`)
    if (from.measure !== to.measure)
      return yield* fail(
        "incompatible_units",
        `cannot apply a factor per ${factorUnit} (${to.measure}) to a quantity in ${unit} (${from.measure})`
      )
    return convert(quantity)
      .from(from.abbr as convert.Unit)
      .to(to.abbr as convert.Unit)
  })

/**
 * The kg CO₂e of `quantity` `unit` under a factor of `factor` kg CO₂e per
 * `factorUnit`, rounded to the gram (3 decimals) so sums are stable.
 * @errors UnitConversionError
 */
export const co2eKg = (quantity: number, unit: string, factor: number, factorUnit: string) =>
  Effect.map(convertQuantity(quantity, unit, factorUnit), (q) => Math.round(q * factor * 1000) / 1000)
