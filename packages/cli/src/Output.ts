/**
 * Output helpers: human tables or `--json`.
 *
 * @module
 */
import { Console, DateTime, Effect } from "effect"

/** One value as a table cell or `key: value` text: instants (`DateTime`) as ISO-8601 UTC, objects as JSON. */
const cellText = (v: unknown): string =>
  v === null || v === undefined
    ? "-"
    : DateTime.isDateTime(v)
      ? DateTime.formatIso(DateTime.toUtc(v))
      : typeof v === "object"
        ? JSON.stringify(v)
        : String(v)

/** Prints rows as an aligned table (human output). */
export const table = (rows: ReadonlyArray<Record<string, unknown>>, columns: ReadonlyArray<string>) => {
  if (rows.length === 0) return Console.log("(none)")
  const cell = cellText
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (vals: ReadonlyArray<string>) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()
  return Console.log(
    [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join("\n")
  )
}

/** Prints a value as JSON, or as `key: value` lines. */
export const show = (value: unknown, json: boolean) =>
  json
    ? Console.log(JSON.stringify(value, null, 2))
    : Effect.forEach(
        Object.entries(value as Record<string, unknown>),
        ([k, v]) => Console.log(`${k}: ${cellText(v)}`),
        { discard: true }
      )

/** Encodes a Schema class instance (or plain object) to JSON-safe data. */
export const plain = (value: unknown): any => JSON.parse(JSON.stringify(value))
