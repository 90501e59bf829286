/**
 * Values of a OneRoster row: `status`, enumerations, booleans, dates (ISO 8601, with
 * `d/m/y` and `m/d/y` inferred per set), identifiers (`sourcedId`), lists and texts. Each
 * reader reports what it normalized or could not read at the row's `file:line`.
 *
 * @module
 */
import type { Row, Table } from "./columns.js"
import { type Issues, type SourceLocation, where } from "./issues.js"

/** Date and date-time columns (read by {@link readDate}; their slashed forms decide {@link DateOrder}). */
const DATE_COLUMNS = ["dateLastModified", "startDate", "endDate", "beginDate"] as const

/** Reads `status`: null when invalid (an error was reported and the row is skipped). */
export const readStatus = (row: Row, issues: Issues): { readonly deleted: boolean } | null => {
  const raw = row.get("status")
  const value = raw.toLowerCase()
  if (raw === "") {
    return { deleted: false } // warned by readStatusOf when the file has a status column
  }
  if (value === "active" || value === "tobedeleted") {
    if (raw !== "active" && raw !== "tobedeleted") {
      issues.warn(row.at, "value-normalized", `${where(row.at)}: status '${raw}' read as '${value}'`)
    }
    return { deleted: value === "tobedeleted" }
  }
  if (value === "inactive") {
    issues.warn(
      row.at,
      "inactive-status",
      `${where(row.at)}: status 'inactive' (OneRoster 1.0) read as 'tobedeleted' (soft delete)`
    )
    return { deleted: true }
  }
  issues.error(
    row.at,
    "invalid-status",
    `${where(row.at)}: status '${raw}' is not active, tobedeleted or inactive; row skipped`
  )
  return null
}

/**
 * Reads `status` of a row of `table`. An empty cell is `active`; it is worth an
 * `empty-status` warning only in a delta file (`warnEmpty`), where OneRoster 1.1 / 1.2
 * require status and dateLastModified on every row. In a bulk file (or a set without
 * manifest, read as bulk) they may be left empty, so an empty status says nothing
 * (issue 16: 4,631 such warnings hid the one invalid e-mail).
 */
export const readStatusOf = (table: Table, row: Row, issues: Issues, warnEmpty: boolean) => {
  if (warnEmpty && table.has("status") && row.get("status") === "") {
    issues.warn(row.at, "empty-status", `${where(row.at)}: empty status in a delta file read as 'active'`)
  }
  return readStatus(row, issues)
}

/** Case-insensitive match in a vocabulary; non-canonical spellings are normalized with a warning. */
export const readEnum = (
  row: Row,
  column: string,
  vocabulary: ReadonlyArray<string>,
  issues: Issues,
  options: { readonly warnUnknown: boolean } = { warnUnknown: true }
): string => {
  const raw = row.get(column)
  if (raw === "") return raw
  const match = vocabulary.find((v) => v.toLowerCase() === raw.toLowerCase())
  if (match === undefined) {
    if (options.warnUnknown) {
      issues.warn(
        row.at,
        "unknown-value",
        `${where(row.at)}: ${column} '${raw}' is not one of ${vocabulary.join(", ")}`
      )
    }
    return raw
  }
  if (match !== raw) issues.warn(row.at, "value-normalized", `${where(row.at)}: ${column} '${raw}' read as '${match}'`)
  return match
}

const TRUE_WORDS = ["true", "1", "yes", "y"]
const FALSE_WORDS = ["false", "0", "no", "n"]

/**
 * Reads a boolean; `fallback` (with `empty-value` when `warnEmpty`) for an empty or
 * unreadable value. `anyCase`: `TRUE`/`FALSE` are the dialect's own spelling (SDS).
 */
export const readBoolean = (
  row: Row,
  column: string,
  options: { readonly fallback: boolean; readonly warnEmpty: boolean; readonly anyCase: boolean },
  issues: Issues
): boolean => {
  const { fallback, warnEmpty, anyCase } = options
  const raw = row.get(column)
  if (raw === "") {
    if (warnEmpty) issues.warn(row.at, "empty-value", `${where(row.at)}: empty ${column} read as ${fallback}`)
    return fallback
  }
  const lower = raw.toLowerCase()
  const value = TRUE_WORDS.includes(lower) ? true : FALSE_WORDS.includes(lower) ? false : null
  if (value === null) {
    issues.warn(row.at, "unknown-value", `${where(row.at)}: ${column} '${raw}' is not a boolean; read as ${fallback}`)
    return fallback
  }
  if (raw !== String(value) && !(anyCase && lower === String(value))) {
    issues.warn(row.at, "value-normalized", `${where(row.at)}: ${column} '${raw}' read as ${value}`)
  }
  return value
}

/**
 * How `d/m/y`-style dates are read. ISO 8601 always wins; a slashed (or dotted) date whose
 * first number is > 12 is day-first, whose second is > 12 month-first; an ambiguous one
 * follows the unambiguous dates of the same set, and day-first when the set has none or
 * has both orders. Every non-ISO date yields a `non-iso-date` warning with its reading.
 */
export interface DateOrder {
  readonly dayFirst: boolean
  readonly reason: string
}

const SLASH_DATE = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})$/
const YMD_SLASH_DATE = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/** The {@link DateOrder} of a set, from its unambiguous slashed dates. */
export const inferDateOrder = (tables: ReadonlyArray<Table>): DateOrder => {
  let dayFirst: (SourceLocation & { value: string }) | null = null
  let monthFirst: (SourceLocation & { value: string }) | null = null
  for (const table of tables) {
    for (const row of table.rows) {
      for (const column of DATE_COLUMNS) {
        const m = SLASH_DATE.exec(row.get(column))
        if (m === null) continue
        const [a, b] = [Number(m[1]), Number(m[2])]
        if (a > 12 && b <= 12 && dayFirst === null) dayFirst = { ...row.at, value: m[0] }
        if (b > 12 && a <= 12 && monthFirst === null) monthFirst = { ...row.at, value: m[0] }
      }
    }
  }
  if (dayFirst !== null && monthFirst === null) {
    return { dayFirst: true, reason: `day/month/year, as '${dayFirst.value}' at ${where(dayFirst)}` }
  }
  if (monthFirst !== null && dayFirst === null) {
    return { dayFirst: false, reason: `month/day/year, as '${monthFirst.value}' at ${where(monthFirst)}` }
  }
  return {
    dayFirst: true,
    reason:
      dayFirst === null
        ? "day/month/year assumed: no unambiguous date in the set"
        : "day/month/year assumed: the set mixes both orders"
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const isValidDate = (y: number, m: number, d: number) =>
  m >= 1 && m <= 12 && d >= 1 && d <= (m === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[m - 1])

const iso = (y: number, m: number, d: number) =>
  `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`

/** Reads a date or date-time column as ISO `YYYY-MM-DD` (the date as written, no time-zone shift). */
export const readDate = (row: Row, column: string, order: DateOrder, issues: Issues): string | null => {
  const raw = row.get(column)
  if (raw === "") return null
  const invalid = () => {
    issues.warn(row.at, "invalid-date", `${where(row.at)}: ${column} '${raw}' is not a valid date; ignored`)
    return null
  }
  const isoMatch = ISO_DATE.exec(raw)
  if (isoMatch !== null) {
    const [y, m, d] = [Number(isoMatch[1]), Number(isoMatch[2]), Number(isoMatch[3])]
    if (!isValidDate(y, m, d)) return invalid()
    if (isoMatch[4] === " ") {
      issues.warn(
        row.at,
        "non-iso-date",
        `${where(row.at)}: ${column} '${raw}' has a space for 'T'; read as ${iso(y, m, d)}`
      )
    }
    return iso(y, m, d)
  }
  const ymd = YMD_SLASH_DATE.exec(raw)
  if (ymd !== null) {
    const [y, m, d] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])]
    if (!isValidDate(y, m, d)) return invalid()
    issues.warn(row.at, "non-iso-date", `${where(row.at)}: ${column} '${raw}' is not ISO 8601; read as ${iso(y, m, d)}`)
    return iso(y, m, d)
  }
  const slash = SLASH_DATE.exec(raw)
  if (slash !== null) {
    const [a, b] = [Number(slash[1]), Number(slash[2])]
    const y = slash[3].length === 2 ? 2000 + Number(slash[3]) : Number(slash[3])
    let dayFirst: boolean
    let reason: string
    if (a > 12 && b <= 12) [dayFirst, reason] = [true, "day/month/year: unambiguous"]
    else if (b > 12 && a <= 12) [dayFirst, reason] = [false, "month/day/year: unambiguous"]
    else if (a === b) [dayFirst, reason] = [true, "day and month are equal"]
    else [dayFirst, reason] = [order.dayFirst, order.reason]
    const [d, m] = dayFirst ? [a, b] : [b, a]
    if (!isValidDate(y, m, d)) return invalid()
    issues.warn(
      row.at,
      "non-iso-date",
      `${where(row.at)}: ${column} '${raw}' is not ISO 8601; read as ${iso(y, m, d)} (${reason})`
    )
    return iso(y, m, d)
  }
  return invalid()
}

/** Splits a comma-separated list (`orgSourcedIds`, `termSourcedIds`…), trimmed, empties dropped. */
export const splitList = (value: string): Array<string> =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")

/** Reads `sourcedId` and rejects empties and duplicates; returns null when the row must be skipped. */
export const readId = (row: Row, column: string, seen: Map<string, SourceLocation>, issues: Issues): string | null => {
  const id = row.get(column)
  if (id === "") {
    issues.error(row.at, "missing-required-value", `${where(row.at)}: empty ${column}; row skipped`)
    return null
  }
  const first = seen.get(id)
  if (first !== undefined) {
    issues.error(
      row.at,
      "duplicate-sourced-id",
      `${where(row.at)}: ${column} '${id}' already used at line ${first.line}; row skipped`
    )
    return null
  }
  seen.set(id, row.at)
  return id
}

/** The value, or null when it is empty. */
export const orNull = (value: string): string | null => (value === "" ? null : value)

/** The value of `column`, or `fallback` with an `empty-value` warning when it is empty. */
export const textOr = (row: Row, column: string, fallback: string, issues: Issues): string => {
  const value = row.get(column)
  if (value !== "") return value
  issues.warn(row.at, "empty-value", `${where(row.at)}: empty ${column}; '${fallback}' used`)
  return fallback
}

/** A plausible e-mail address: something, `@`, something, no blanks. */
export const EMAIL = /^[^\s@]+@[^\s@]+$/
