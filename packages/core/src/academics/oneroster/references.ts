/**
 * References between OneRoster files (`schoolSourcedId`, `userSourcedId`…): how far a
 * target file can be trusted to be complete, and resolving a reference into it with the
 * right severity (error for a reference the import needs, warning otherwise).
 *
 * @module
 */
import type { Row } from "./columns.js"
import { type Issues, type SourceLocation, where } from "./issues.js"
import type { Entity } from "./reader.js"

/** How far a file can be trusted to list every row a reference may point to. */
export type Coverage = "complete" | "delta" | "absent" | "broken"

/** A row a reference may point to: where it is, and whether it is `tobedeleted`. */
export interface Indexed {
  readonly at: SourceLocation
  readonly deleted: boolean
}

/** A file references point into: its label in messages, its coverage and its rows by `sourcedId`. */
export interface Target {
  readonly entity: Entity
  readonly label: string
  readonly coverage: Coverage
  readonly rows: ReadonlyMap<string, Indexed>
}

/** A resolved reference: the row, or why there is none (`unverified`: the target cannot tell). */
export type RefResult =
  | { readonly kind: "found"; readonly target: Indexed }
  | { readonly kind: "unknown" | "unverified" }

/**
 * Resolves a reference. `needed` references (the import relies on them) are errors when
 * they dangle into a complete file; others only warn. A `tobedeleted` row may point to
 * rows that are gone already (`stale-reference`).
 */
export const resolve = (
  row: Row,
  column: string,
  id: string,
  target: Target,
  options: { readonly needed: boolean; readonly deleted: boolean },
  issues: Issues
): RefResult => {
  const found = target.rows.get(id)
  if (found !== undefined) {
    if (found.deleted && !options.deleted && options.needed) {
      issues.warn(
        row.at,
        "reference-to-deleted",
        `${where(row.at)}: ${column} '${id}' refers to a tobedeleted ${target.label} (${where(found.at)})`
      )
    }
    return { kind: "found", target: found }
  }
  if (target.coverage === "broken") return { kind: "unverified" } // the target file already has an error
  if (target.coverage !== "complete") {
    if (options.needed) {
      issues.warn(
        row.at,
        "unverified-reference",
        `${where(row.at)}: ${column} '${id}' cannot be checked: ${target.label} file is ${
          target.coverage === "delta" ? "a delta" : "absent"
        }`
      )
    }
    return { kind: "unverified" }
  }
  const message = `${where(row.at)}: ${column} '${id}' does not match any ${target.label}`
  if (!options.needed) issues.warn(row.at, "dangling-optional-reference", `${message} (not used by Signet)`)
  else if (options.deleted) issues.warn(row.at, "stale-reference", `${message} (row is tobedeleted)`)
  else issues.error(row.at, "dangling-reference", message)
  return { kind: "unknown" }
}
