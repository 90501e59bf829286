/**
 * Money in the web app (issue 20; ARCHITECTURE §2 "Money: integer
 * minor units + ISO 4217"): operators type amounts in major units
 * (`49.90` EUR, `500` JPY), the API stores integer minor units (4990, 500).
 * The number of decimals is the currency's ISO 4217 exponent
 * (`currencyExponent`: 2 for EUR, 0 for JPY, 3 for BHD); conversion is done
 * on the digits, never through floating-point multiplication.
 *
 * @module
 */
import { currencyExponent, MAX_AMOUNT } from "@signet/contracts/billing/Domain"

/** The ISO 4217 exponent of `currency`; 2 when the runtime does not know the code (the server refuses it). */
export const exponentOf = (currency: string): number => {
  try {
    return currencyExponent(currency)
  } catch {
    return 2
  }
}

/** Why a typed amount was refused, as a key of the `platform` catalogue (`money.*`) with its values. */
export interface MoneyProblem {
  readonly key: "money.notNumber" | "money.decimals" | "money.tooLarge"
  readonly decimals?: number
}

/**
 * A typed amount in major units (`49.90`, `49,90`, `1 000`) as integer minor
 * units of `currency`; a {@link MoneyProblem} when it is not a non-negative
 * number, has more decimals than the currency, or exceeds `MAX_AMOUNT`.
 */
export const toMinor = (text: string, currency: string): number | MoneyProblem => {
  const digits = text.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".")
  const m = /^(\d+)(?:\.(\d*))?$/.exec(digits)
  if (!m) return { key: "money.notNumber" }
  const exp = exponentOf(currency)
  const fraction = (m[2] ?? "").replace(/0+$/, "")
  if (fraction.length > exp) return { key: "money.decimals", decimals: exp }
  const minor = Number(`${m[1]}${fraction.padEnd(exp, "0")}`)
  if (!Number.isSafeInteger(minor) || minor > MAX_AMOUNT) return { key: "money.tooLarge" }
  return minor
}

/** Integer minor units as the major-unit text a form field shows (4990 EUR → `49.90`). */
export const toMajorText = (minor: number, currency: string): string => {
  const exp = exponentOf(currency)
  if (exp === 0) return String(minor)
  const s = String(minor).padStart(exp + 1, "0")
  return `${s.slice(0, -exp)}.${s.slice(-exp)}`
}

/** Integer minor units as money in `currency`, in the page's language (`€49.90`, `49,90 €`). */
export const formatMoney = (minor: number, currency: string, lang: string): string => {
  const exp = exponentOf(currency)
  try {
    return new Intl.NumberFormat(lang, { style: "currency", currency, minimumFractionDigits: exp }).format(
      Number(toMajorText(minor, currency))
    )
  } catch {
    return `${toMajorText(minor, currency)} ${currency}`
  }
}
