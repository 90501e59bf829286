/**
 * Issues of a OneRoster import: where a message points (`file:line`), the stable
 * warning and error codes (documented in the module doc of `../OneRoster.ts`), and the
 * collector every reader step reports into.
 *
 * @module
 */

/** Where a message points: a file of the set and a 1-based line (header = 1; 0 = the whole file). */
export interface SourceLocation {
  readonly file: string
  readonly line: number
}

/** A warning or error of an import, with a stable machine-readable `code` (see the module doc of `OneRoster`). */
export interface ImportIssue extends SourceLocation {
  readonly code: string
  readonly message: string
}

/** Warning codes: the plan may be applied; each names a tolerated deviation (module doc of `OneRoster`). */
export type WarningCode =
  | "bom"
  | "encoding"
  | "cr-line-endings"
  | "relaxed-quotes"
  | "header-typo"
  | "header-case"
  | "empty-header"
  | "unknown-column"
  | "missing-column"
  | "sds-dialect"
  | "synthesized-sourced-id"
  | "password-ignored"
  | "trailing-empty-cells"
  | "short-row"
  | "empty-row"
  | "whitespace-trimmed"
  | "empty-status"
  | "inactive-status"
  | "value-normalized"
  | "unknown-value"
  | "empty-value"
  | "non-iso-date"
  | "invalid-date"
  | "date-order"
  | "manifest-missing"
  | "manifest-value"
  | "manifest-version"
  | "manifest-mismatch"
  | "delta-mode"
  | "unverified-reference"
  | "dangling-optional-reference"
  | "stale-reference"
  | "reference-to-deleted"
  | "user-without-role"
  | "guardian-skipped"
  | "unsupported-role"
  | "no-primary-role"
  | "role-ignored"
  | "enrollment-skipped"
  | "enrollment-role-mismatch"
  | "enrollment-school-mismatch"
  | "invalid-email"
  | "duplicate-email"
  | "no-contact"
  | "file-ignored"

/** Error codes: a plan holding any of them must not be applied (module doc of `OneRoster`). */
export type ErrorCode =
  | "csv-syntax"
  | "missing-header"
  | "missing-required-column"
  | "duplicate-column"
  | "column-count"
  | "missing-required-value"
  | "invalid-status"
  | "duplicate-sourced-id"
  | "dangling-reference"
  | "file-missing"
  | "duplicate-file"
  | "unknown-dialect"

/** Collects the warnings and errors of one `parseOneRoster` run, in the order they are found. */
export class Issues {
  readonly warnings: Array<ImportIssue> = []
  readonly errors: Array<ImportIssue> = []
  /** Records a warning at `at`. */
  warn(at: SourceLocation, code: WarningCode, message: string): void {
    this.warnings.push({ file: at.file, line: at.line, code, message })
  }
  /** Records an error at `at` (the plan must then not be applied). */
  error(at: SourceLocation, code: ErrorCode, message: string): void {
    this.errors.push({ file: at.file, line: at.line, code, message })
  }
}

/** Order of files in messages: the order they are processed in, then anything else. */
const FILE_ORDER = [
  "manifest.csv",
  "orgs.csv",
  "academicsessions.csv",
  "courses.csv",
  "classes.csv",
  "users.csv",
  "roles.csv",
  "enrollments.csv"
]

/** Stable sort of issues by file (processing order) then line, so reports read top-down. */
export const byFileThenLine = (list: ReadonlyArray<ImportIssue>): Array<ImportIssue> => {
  const rank = (file: string) => {
    const i = FILE_ORDER.indexOf(file.toLowerCase())
    return i < 0 ? FILE_ORDER.length : i
  }
  return [...list].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line)
}

/** A location: `file` and 1-based `line` (0 = the file as a whole). */
export const loc = (file: string, line: number): SourceLocation => ({ file, line })

/** `file:line`, the prefix of every message. */
export const where = (at: SourceLocation): string => `${at.file}:${at.line}`
