/**
 * The one CSV writer of Signet's exports (RFC 4180 through `csv-stringify`,
 * header row), safe to open in a spreadsheet: a text cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula
 * (`=HYPERLINK(…)`, `@SUM(…)`), so it is written with a leading `'` as the
 * OWASP "CSV injection" guidance recommends (issue 15 §5). Numbers are
 * written as they are (a negative number is not text).
 *
 * @module
 */
import { stringify } from "csv-stringify/sync"

const FORMULA_START = /^[=+\-@\t\r]/

/** A cell as written: formula-leading text neutralised, numbers and empty cells as they are. */
export const csvCell = (value: string | number | null | undefined): string | number =>
  typeof value === "number" ? value : value == null ? "" : FORMULA_START.test(value) ? `'${value}` : value

/** CSV text with a header row of `columns`, every text cell passed through {@link csvCell}. */
export const toCsv = (
  columns: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>
): string =>
  stringify(
    rows.map((row) => row.map(csvCell)),
    { header: true, columns: [...columns] }
  )
