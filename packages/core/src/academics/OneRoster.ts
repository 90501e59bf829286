/**
 * OneRoster 1.1 / 1.2 CSV bulk reader → a normalized, side-effect-free import plan.
 *
 * Implements the roster import of ARCHITECTURE.md §4 ("Rosters import from OneRoster
 * CSV"): orgs → schools, classes → student groups (+ course templates), users →
 * tenant users with a `user_type` derived from their role, enrollments → group
 * memberships (students) and course/group assignments (teachers). Everything is keyed by
 * `sourcedId` so that applying the same plan twice is an idempotent upsert, and
 * `tobedeleted` rows become soft deletes.
 *
 * The reader is deliberately tolerant of the deviations real exports contain, and says
 * so: every deviation is a warning pointing at `file:line`. Deviations that would make
 * the import wrong (a dangling reference, a duplicate `sourcedId`, a missing column the
 * import needs, unparseable CSV) are errors; a caller must not apply a plan whose
 * `errors` is non-empty (all-or-nothing per import).
 *
 * Also read, as a tolerated dialect: Microsoft School Data Sync v2.1 CSV ("sds"), which
 * is OneRoster-derived but has no manifest, no `status`/`dateLastModified`, renamed
 * columns and enrollments without `sourcedId`.
 *
 * Pure TypeScript: no SQL, no Effect services; `node:fs` is loaded lazily by
 * {@link readOneRosterSource} only.
 *
 * ## Issue codes
 * Line numbers are 1-based (the header is line 1); line 0 means "the file as a whole"
 * (a file that is absent). Warnings:
 * - `bom` — a UTF-8 byte-order mark was stripped.
 * - `encoding` — the file was not UTF-8 (UTF-16 or Windows-1252 decoded instead).
 * - `cr-line-endings` — CR-only (classic Mac) line endings were normalized to LF.
 * - `relaxed-quotes` — a stray `"` inside an unquoted field was read literally.
 * - `header-typo` — a known misspelt header (`dataLastModified`, `prefferedGivenName`…) was mapped.
 * - `header-case` — a header matched a known column only case-insensitively.
 * - `empty-header` — header cells without a name (trailing commas) were dropped.
 * - `unknown-column` — columns outside the spec were ignored (`metadata.*` is silently allowed).
 * - `missing-column` — `status` / `dateLastModified` are absent; rows are read as active.
 * - `sds-dialect` — the file was read as Microsoft SDS v2.1 (column mapping in the message).
 * - `synthesized-sourced-id` — SDS enrollments have no `sourcedId`; `classSourcedId:userSourcedId` is used.
 * - `password-ignored` — the file carries passwords; Signet never imports them.
 * - `trailing-empty-cells` — a row has more cells than the header, all extra cells empty.
 * - `short-row` — a row has fewer cells than the header; the missing cells are read as empty.
 * - `empty-row` — a row with only empty cells was skipped.
 * - `whitespace-trimmed` — cells with leading/trailing blanks were trimmed (once per file, with a count).
 * - `empty-status` — empty `status` read as `active`.
 * - `inactive-status` — OneRoster 1.0 `inactive` read as `tobedeleted` (soft delete).
 * - `value-normalized` — an enumeration or boolean in a non-canonical spelling (`TRUE`, `Scheduled`) was normalized.
 * - `unknown-value` — an enumeration value outside the vocabulary (org/session/class type) was kept as is.
 * - `empty-value` — a value Signet uses was empty and a default was used (named in the message).
 * - `non-iso-date` — a date not in ISO 8601 was interpreted; the message gives the interpretation.
 * - `invalid-date` — an unparseable or impossible date was ignored (null).
 * - `date-order` — a session ends before it starts.
 * - `manifest-missing` — no `manifest.csv`; version and dialect were detected from the headers.
 * - `manifest-value` — a manifest value is empty or unknown (empty `file.x` = `absent`).
 * - `manifest-version` — `oneroster.version` is missing, unsupported or contradicted by the headers.
 * - `manifest-mismatch` — a file is present although the manifest omits it or marks it `absent`; it is read.
 * - `delta-mode` — the manifest declares a file `delta`: rows are upserts, absent rows are not deleted
 *   and references to rows outside the set cannot be checked.
 * - `unverified-reference` — a reference into a file that is absent or in delta mode could not be checked.
 * - `dangling-optional-reference` — a reference Signet does not use (parent org/session, terms,
 *   school year, agents) does not resolve.
 * - `stale-reference` — a `tobedeleted` row refers to an unknown row (harmless for a deletion).
 * - `reference-to-deleted` — an active row refers to a `tobedeleted` row.
 * - `user-without-role` — a user has no role (1.2 `roles.csv` / SDS); the user is skipped.
 * - `guardian-skipped` — parent/guardian/relative: Signet has no guardian accounts yet; skipped.
 * - `unsupported-role` — a role with no Signet user type (counselor, nurse, unknown…); skipped.
 * - `no-primary-role` — a user has no usable primary role; the first usable role is used.
 * - `role-ignored` — a user's further role of another kind was ignored.
 * - `enrollment-skipped` — an enrollment of another role than student/teacher, or of a skipped user.
 * - `enrollment-role-mismatch` — the enrollment role contradicts the user's type (a teacher enrolled as student).
 * - `enrollment-school-mismatch` — an enrollment's `schoolSourcedId` differs from its class's school.
 * - `invalid-email` — an email without `@` was dropped (null).
 * - `duplicate-email` — several users share an email address.
 * - `no-contact` — a user has neither email nor username.
 *
 * Errors (the plan must not be applied):
 * - `csv-syntax` — the file is not parseable CSV (unclosed quote…); the file is not read.
 * - `missing-header` — the file is empty.
 * - `missing-required-column` — a column the import needs is absent (at the header line).
 * - `duplicate-column` — two header cells name the same column.
 * - `column-count` — a row has non-empty cells beyond the header (a shifted row).
 * - `missing-required-value` — an empty `sourcedId`, reference or role.
 * - `invalid-status` — a status other than active / tobedeleted / inactive.
 * - `duplicate-sourced-id` — a `sourcedId` repeated within a file (at the repeat; the first row is kept).
 * - `dangling-reference` — a reference the import needs (class → school/course, user → org,
 *   enrollment → class/user/school, course → org, role → user/org) into a complete file does not resolve.
 * - `file-missing` — a file the manifest declares, or `orgs.csv`/`users.csv` without a manifest, is absent.
 * - `duplicate-file` — two input files have the same (case-insensitive) name.
 *
 * @module
 */
import { parse as parseCsv } from "csv-parse/sync"
import { Effect } from "effect"
import { readRosterZip } from "./RosterZip.js"

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

/** Where a message points: a file of the set and a 1-based line (header = 1; 0 = the whole file). */
export interface SourceLocation {
  readonly file: string
  readonly line: number
}

/** A warning or error of an import, with a stable machine-readable `code` (see the module doc). */
export interface ImportIssue extends SourceLocation {
  readonly code: string
  readonly message: string
}

/**
 * The Signet user type a OneRoster role maps to: student → student; teacher, aide,
 * proctor → teacher; administrator, principal, district/site/systemAdministrator → admin.
 * Parent/guardian/relative are skipped (no guardian accounts yet).
 */
export type UserType = "student" | "teacher" | "admin"

/** A OneRoster org → a Signet school (every org is listed; `type` lets the caller filter). */
export interface PlanSchool {
  readonly sourcedId: string
  readonly name: string
  readonly identifier: string | null
  /** The OneRoster org type (`school`, `district`, `department`…; SDS adds `college`…). */
  readonly type: string
  readonly deleted: boolean
  readonly at: SourceLocation
}

/** A OneRoster user → a Signet tenant user. Passwords are never carried. */
export interface PlanUser {
  readonly sourcedId: string
  readonly userType: UserType
  readonly email: string | null
  readonly username: string | null
  readonly givenName: string
  readonly familyName: string
  readonly identifier: string | null
  /** Orgs of the user, input order: 1.1 `orgSourcedIds`; 1.2 `primaryOrgSourcedId` then role orgs. */
  readonly schoolSourcedIds: ReadonlyArray<string>
  readonly enabled: boolean
  /** Soft delete. A deleted user without any role is listed with `userType` "student": only the deletion applies. */
  readonly deleted: boolean
  readonly at: SourceLocation
}

/** A OneRoster class → a Signet student group, and a course template (title / courseTitle / location). */
export interface PlanGroup {
  readonly sourcedId: string
  readonly title: string
  readonly classCode: string | null
  readonly schoolSourcedId: string
  readonly courseSourcedId: string | null
  /** Title of the OneRoster course; null when courses.csv is absent or does not list it. */
  readonly courseTitle: string | null
  readonly location: string | null
  readonly deleted: boolean
  readonly at: SourceLocation
}

/** A OneRoster enrollment → a group membership (student) or a course/group assignment (teacher). */
export interface PlanEnrollment {
  readonly sourcedId: string
  readonly classSourcedId: string
  readonly userSourcedId: string
  readonly role: "student" | "teacher"
  readonly primary: boolean
  readonly deleted: boolean
  readonly at: SourceLocation
}

/** A OneRoster academic session (school year, term, semester, grading period); dates are ISO `YYYY-MM-DD`. */
export interface PlanSession {
  readonly sourcedId: string
  readonly title: string
  readonly type: string
  readonly startDate: string | null
  readonly endDate: string | null
  readonly deleted: boolean
  readonly at: SourceLocation
}

/**
 * The normalized result of reading a OneRoster set. Entities keep input order. A plan with
 * a non-empty `errors` must not be applied (all-or-nothing); `warnings` are informational.
 */
export interface ImportPlan {
  /** From the manifest (`oneroster.version`), else detected from the headers; `sds` = Microsoft SDS v2.1. */
  readonly version: "1.1" | "1.2" | "sds"
  readonly schools: ReadonlyArray<PlanSchool>
  readonly sessions: ReadonlyArray<PlanSession>
  readonly groups: ReadonlyArray<PlanGroup>
  readonly users: ReadonlyArray<PlanUser>
  readonly enrollments: ReadonlyArray<PlanEnrollment>
  readonly warnings: ReadonlyArray<ImportIssue>
  readonly errors: ReadonlyArray<ImportIssue>
  /** Input files not used (demographics, userProfiles, resources…, roles.csv of a 1.1 set, non-CSV files). */
  readonly ignoredFiles: ReadonlyArray<string>
}

// ---------------------------------------------------------------------------------------
// Issues
// ---------------------------------------------------------------------------------------

type WarningCode =
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

type ErrorCode =
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

class Issues {
  readonly warnings: Array<ImportIssue> = []
  readonly errors: Array<ImportIssue> = []
  warn(at: SourceLocation, code: WarningCode, message: string): void {
    this.warnings.push({ file: at.file, line: at.line, code, message })
  }
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
const byFileThenLine = (list: ReadonlyArray<ImportIssue>): Array<ImportIssue> => {
  const rank = (file: string) => {
    const i = FILE_ORDER.indexOf(file.toLowerCase())
    return i < 0 ? FILE_ORDER.length : i
  }
  return [...list].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line)
}

const loc = (file: string, line: number): SourceLocation => ({ file, line })
const where = (at: SourceLocation) => `${at.file}:${at.line}`

// ---------------------------------------------------------------------------------------
// Files, decoding and CSV
// ---------------------------------------------------------------------------------------

type Entity = "orgs" | "academicSessions" | "courses" | "classes" | "users" | "enrollments" | "roles"

/** Lower-cased file name → entity. Every other `.csv` is ignored (demographics, userProfiles…). */
const ENTITY_FILES: Readonly<Record<string, Entity | "manifest">> = {
  "manifest.csv": "manifest",
  "orgs.csv": "orgs",
  "academicsessions.csv": "academicSessions",
  "courses.csv": "courses",
  "classes.csv": "classes",
  "users.csv": "users",
  "enrollments.csv": "enrollments",
  "roles.csv": "roles"
}

interface RawRow {
  readonly line: number
  readonly cells: ReadonlyArray<string>
}

interface RawTable {
  readonly file: string
  readonly headerLine: number
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<RawRow>
}

const startsWith = (bytes: Uint8Array, ...prefix: Array<number>) => prefix.every((b, i) => bytes[i] === b)

const decode = (file: string, bytes: Uint8Array, issues: Issues): string => {
  const at = loc(file, 1)
  if (startsWith(bytes, 0xef, 0xbb, 0xbf)) {
    issues.warn(at, "bom", `${file} starts with a UTF-8 byte-order mark; it was stripped`)
  } else if (startsWith(bytes, 0xff, 0xfe) || startsWith(bytes, 0xfe, 0xff)) {
    const le = bytes[0] === 0xff
    issues.warn(at, "encoding", `${file} is UTF-16${le ? "LE" : "BE"}, not UTF-8; it was decoded as such`)
    return new TextDecoder(le ? "utf-16le" : "utf-16be").decode(bytes)
  }
  try {
    // The default (ignoreBOM: false) strips a leading BOM.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    issues.warn(at, "encoding", `${file} is not valid UTF-8; it was decoded as Windows-1252`)
    return new TextDecoder("windows-1252").decode(bytes)
  }
}

type CsvRecord = { readonly record: Array<string>; readonly info: { readonly lines: number } }

const csvErrorLine = (e: unknown): number => {
  const lines = (e as { lines?: unknown }).lines
  return typeof lines === "number" && lines > 0 ? lines : 1
}

const readCsv = (file: string, bytes: Uint8Array, issues: Issues): RawTable | null => {
  let text = decode(file, bytes, issues)
  if (text.includes("\r")) {
    // CRLF is standard CSV (RFC 4180) and silently accepted; a CR not followed by LF is not.
    if (/\r(?!\n)/.test(text)) {
      issues.warn(loc(file, 1), "cr-line-endings", `${file} uses CR-only line endings; they were normalized to LF`)
    }
    // csv-parse miscounts lines for CRLF inside quoted values, so everything becomes LF first.
    text = text.replace(/\r\n?/g, "\n")
  }
  const options = { bom: true, relax_column_count: true, info: true, skip_empty_lines: true }
  let records: Array<CsvRecord>
  try {
    records = parseCsv(text, options) as unknown as Array<CsvRecord>
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code !== "INVALID_OPENING_QUOTE" && code !== "CSV_INVALID_CLOSING_QUOTE") {
      issues.error(loc(file, csvErrorLine(e)), "csv-syntax", `${file} is not valid CSV: ${(e as Error).message}`)
      return null
    }
    try {
      records = parseCsv(text, { ...options, relax_quotes: true }) as unknown as Array<CsvRecord>
      issues.warn(
        loc(file, csvErrorLine(e)),
        "relaxed-quotes",
        `${file} has a '"' inside an unquoted value; it was read literally`
      )
    } catch (e2) {
      issues.error(loc(file, csvErrorLine(e2)), "csv-syntax", `${file} is not valid CSV: ${(e2 as Error).message}`)
      return null
    }
  }
  // info.lines is the line a record ends on; quoted values may span lines.
  const rows = records.map(
    ({ info, record }): RawRow => ({
      line: info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0),
      cells: record
    })
  )
  if (rows.length === 0) {
    issues.error(loc(file, 1), "missing-header", `${file} is empty: no header line`)
    return null
  }
  return { file, headerLine: rows[0].line, header: rows[0].cells, rows: rows.slice(1) }
}

// ---------------------------------------------------------------------------------------
// Column specs and header mapping
// ---------------------------------------------------------------------------------------

type Dialect = "oneroster" | "sds"

/** Columns of each OneRoster file (union of 1.1 and 1.2, so both read without `unknown-column`). */
const ONEROSTER_COLUMNS: Readonly<Record<Entity, ReadonlyArray<string>>> = {
  orgs: ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
  academicSessions: [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "type",
    "startDate",
    "endDate",
    "parentSourcedId",
    "schoolYear"
  ],
  courses: [
    "sourcedId",
    "status",
    "dateLastModified",
    "schoolYearSourcedId",
    "title",
    "courseCode",
    "grades",
    "orgSourcedId",
    "subjects",
    "subjectCodes",
    "resourceSourcedIds"
  ],
  classes: [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "subjectCodes",
    "periods",
    "resourceSourcedIds"
  ],
  users: [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "userMasterIdentifier",
    "resourceSourcedIds",
    "preferredGivenName",
    "preferredMiddleName",
    "preferredFamilyName",
    "primaryOrgSourcedId",
    "pronouns"
  ],
  enrollments: [
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate"
  ],
  roles: [
    "sourcedId",
    "status",
    "dateLastModified",
    "userSourcedId",
    "roleType",
    "role",
    "beginDate",
    "endDate",
    "orgSourcedId",
    "userProfileSourcedId"
  ]
}

/** Microsoft SDS v2.1 columns that are not OneRoster columns of the same file. */
const SDS_EXTRA_COLUMNS: Readonly<Partial<Record<Entity, ReadonlyArray<string>>>> = {
  users: ["activeDirectoryMatchId"],
  roles: ["isPrimary", "sessionSourcedId", "grade"]
}

/** Microsoft SDS v2.1 column → OneRoster column of the same file. */
const SDS_RENAMES: Readonly<Partial<Record<Entity, Readonly<Record<string, string>>>>> = {
  classes: { orgSourcedId: "schoolSourcedId", sessionSourcedIds: "termSourcedIds", code: "classCode" },
  courses: { code: "courseCode", subject: "subjects", grade: "grades" },
  roles: { roleStartDate: "beginDate", roleEndDate: "endDate" }
}

/** Misspellings seen in real exports → the OneRoster column. */
const HEADER_TYPOS: Readonly<Record<string, string>> = {
  dataLastModified: "dateLastModified",
  dateLastModifed: "dateLastModified",
  sourceId: "sourcedId",
  prefferedGivenName: "preferredGivenName",
  prefferedMiddleName: "preferredMiddleName",
  prefferedFamilyName: "preferredFamilyName",
  preferredFirstName: "preferredGivenName",
  preferredLastName: "preferredFamilyName"
}

const DATE_COLUMNS = ["dateLastModified", "startDate", "endDate", "beginDate"] as const

interface Table {
  readonly file: string
  readonly entity: Entity
  readonly headerAt: SourceLocation
  readonly has: (column: string) => boolean
  readonly rows: ReadonlyArray<Row>
}

interface Row {
  readonly at: SourceLocation
  readonly get: (column: string) => string
}

/**
 * Maps the header to canonical columns (typos, case, SDS renames), checks the needed
 * columns, then reads the rows. Returns null (file unusable) on a structural error.
 */
const buildTable = (
  raw: RawTable,
  entity: Entity,
  dialect: Dialect,
  needed: ReadonlyArray<string>,
  issues: Issues
): Table | null => {
  const { file } = raw
  const headerAt = loc(file, raw.headerLine)
  const known = new Set([...ONEROSTER_COLUMNS[entity], ...(dialect === "sds" ? (SDS_EXTRA_COLUMNS[entity] ?? []) : [])])
  const renames: Record<string, string> = dialect === "sds" ? { ...SDS_RENAMES[entity] } : {}
  const byLower = new Map<string, string>()
  for (const name of [...known, ...Object.keys(renames), ...Object.keys(HEADER_TYPOS)]) {
    byLower.set(name.toLowerCase(), name)
  }
  const columns: Array<string | null> = []
  const index = new Map<string, number>()
  const empty: Array<number> = []
  const unknown: Array<string> = []
  const renamed: Array<string> = []
  let ok = true
  raw.header.forEach((cell, i) => {
    const name = cell.trim()
    let canonical: string | null = null
    if (name === "") {
      empty.push(i + 1)
    } else if (name.toLowerCase().startsWith("metadata.")) {
      canonical = null // OneRoster extension columns: allowed, not used
    } else {
      let spelled = name
      if (!known.has(name) && !(name in renames) && !(name in HEADER_TYPOS)) {
        const match = byLower.get(name.toLowerCase())
        if (match !== undefined) {
          issues.warn(headerAt, "header-case", `${file}: header '${name}' read as '${match}'`)
          spelled = match
        }
      }
      if (known.has(spelled)) {
        canonical = spelled
      } else if (spelled in renames) {
        canonical = renames[spelled]
        renamed.push(`${spelled}→${canonical}`)
      } else if (spelled in HEADER_TYPOS) {
        canonical = HEADER_TYPOS[spelled]
        issues.warn(headerAt, "header-typo", `${file}: misspelt header '${name}' read as '${canonical}'`)
      } else {
        unknown.push(name)
      }
    }
    if (canonical !== null && index.has(canonical)) {
      issues.error(headerAt, "duplicate-column", `${file}: column '${canonical}' appears twice in the header`)
      ok = false
    }
    if (canonical !== null) index.set(canonical, i)
    columns.push(canonical)
  })
  if (empty.length > 0) {
    issues.warn(
      headerAt,
      "empty-header",
      `${file}: ${empty.length} header cell(s) without a name (position ${empty.join(", ")}) were dropped`
    )
  }
  if (unknown.length > 0) {
    issues.warn(headerAt, "unknown-column", `${file}: column(s) not in the spec were ignored: ${unknown.join(", ")}`)
  }
  if (dialect === "sds") {
    const notes = [renamed.length > 0 ? `columns mapped ${renamed.join(", ")}` : "no column renamed"]
    if (!index.has("status")) notes.push("no status column: every row is active")
    issues.warn(headerAt, "sds-dialect", `${file} read as Microsoft SDS v2.1: ${notes.join("; ")}`)
  } else {
    const absent = ["status", "dateLastModified"].filter((c) => !index.has(c))
    if (absent.length > 0) {
      issues.warn(headerAt, "missing-column", `${file}: no ${absent.join(" / ")} column; rows are read as active`)
    }
  }
  for (const column of needed) {
    if (!index.has(column)) {
      issues.error(headerAt, "missing-required-column", `${file}: required column '${column}' is missing`)
      ok = false
    }
  }
  if (!ok) return null
  if (index.has("password")) {
    const col = index.get("password")!
    const count = raw.rows.filter((r) => (r.cells[col] ?? "").trim() !== "").length
    if (count > 0) {
      issues.warn(headerAt, "password-ignored", `${file}: ${count} password(s) present; Signet never imports passwords`)
    }
  }

  const rows: Array<Row> = []
  let trimmed = 0
  let firstTrimmed = 0
  for (const rawRow of raw.rows) {
    const at = loc(file, rawRow.line)
    const cells = rawRow.cells
    if (cells.every((c) => c.trim() === "")) {
      issues.warn(at, "empty-row", `${where(at)}: row with only empty cells skipped`)
      continue
    }
    if (cells.length > columns.length) {
      const extra = cells.slice(columns.length)
      if (extra.some((c) => c.trim() !== "")) {
        issues.error(
          at,
          "column-count",
          `${where(at)}: ${cells.length} cells for ${columns.length} columns (extra values: ${extra
            .filter((c) => c.trim() !== "")
            .join(", ")}); is a value with a comma unquoted?`
        )
        continue
      }
      issues.warn(at, "trailing-empty-cells", `${where(at)}: ${extra.length} trailing empty cell(s) ignored`)
    } else if (cells.length < columns.length) {
      const missing = columns.slice(cells.length).filter((c): c is string => c !== null)
      if (missing.length > 0) {
        issues.warn(
          at,
          "short-row",
          `${where(at)}: ${cells.length} cells for ${columns.length} columns; ${missing.join(", ")} read as empty`
        )
      }
    }
    // One array per row, read through the shared column index (no per-row map: large sets).
    const values: Array<string> = new Array(columns.length)
    for (let i = 0; i < columns.length; i++) {
      const cell = cells[i] ?? ""
      const value = columns[i] === null ? "" : cell.trim()
      if (value.length !== cell.length && columns[i] !== null) {
        trimmed++
        if (firstTrimmed === 0) firstTrimmed = rawRow.line
      }
      values[i] = value
    }
    rows.push({
      at,
      get: (column) => {
        const i = index.get(column)
        return i === undefined ? "" : values[i]
      }
    })
  }
  if (trimmed > 0) {
    issues.warn(
      loc(file, firstTrimmed),
      "whitespace-trimmed",
      `${file}: ${trimmed} value(s) had leading/trailing blanks, trimmed (first at line ${firstTrimmed})`
    )
  }
  return { file, entity, headerAt, has: (column) => index.has(column), rows }
}

// ---------------------------------------------------------------------------------------
// Values: status, enumerations, booleans, dates
// ---------------------------------------------------------------------------------------

/** Reads `status`: null when invalid (an error was reported and the row is skipped). */
const readStatus = (row: Row, issues: Issues): { readonly deleted: boolean } | null => {
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

const readStatusOf = (table: Table, row: Row, issues: Issues) => {
  if (table.has("status") && row.get("status") === "") {
    issues.warn(row.at, "empty-status", `${where(row.at)}: empty status read as 'active'`)
  }
  return readStatus(row, issues)
}

/** Case-insensitive match in a vocabulary; non-canonical spellings are normalized with a warning. */
const readEnum = (
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
const readBoolean = (
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
interface DateOrder {
  readonly dayFirst: boolean
  readonly reason: string
}

const SLASH_DATE = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})$/
const YMD_SLASH_DATE = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

const inferDateOrder = (tables: ReadonlyArray<Table>): DateOrder => {
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
const readDate = (row: Row, column: string, order: DateOrder, issues: Issues): string | null => {
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

const splitList = (value: string): Array<string> =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")

// ---------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------

type RoleKind = UserType | "guardian"

/** OneRoster 1.1 / 1.2 roles (user and enrollment roles) → Signet kind; absent = unsupported. */
const ONEROSTER_ROLES: ReadonlyArray<readonly [string, RoleKind | null]> = [
  ["student", "student"],
  ["teacher", "teacher"],
  ["aide", "teacher"],
  ["proctor", "teacher"],
  ["administrator", "admin"],
  ["principal", "admin"],
  ["districtAdministrator", "admin"],
  ["siteAdministrator", "admin"],
  ["systemAdministrator", "admin"],
  ["parent", "guardian"],
  ["guardian", "guardian"],
  ["relative", "guardian"],
  ["counselor", null]
]

/** Microsoft SDS v2.1 extra roles (its "default list of values"). */
const SDS_ROLES: ReadonlyArray<readonly [string, RoleKind | null]> = [
  ["professor", "teacher"],
  ["lecturer", "teacher"],
  ["instructor", "teacher"],
  ["faculty", "teacher"],
  ["adjunct", "teacher"],
  ["teacherAssistant", "teacher"],
  ["substitute", "teacher"],
  ["itAdmin", "admin"],
  ...[
    "chair",
    "researcher",
    "affiliate",
    "occupationalTherapist",
    "physicalTherapist",
    "speechTherapist",
    "visionTherapist",
    "paraprofessional",
    "specialServices",
    "advisor",
    "nurse",
    "officeStaff",
    "staff",
    "assistant",
    "coach",
    "alumni",
    "other"
  ].map((r) => [r, null] as const)
]

interface RoleRef {
  readonly at: SourceLocation
  readonly raw: string
  /** Canonical spelling when the role is known. */
  readonly role: string
  readonly kind: RoleKind | null
  readonly primary: boolean
}

const lookupRole = (
  at: SourceLocation,
  raw: string,
  dialect: Dialect,
  issues: Issues
): { readonly role: string; readonly kind: RoleKind | null } => {
  const table = dialect === "sds" ? [...ONEROSTER_ROLES, ...SDS_ROLES] : ONEROSTER_ROLES
  const match = table.find(([name]) => name.toLowerCase() === raw.toLowerCase())
  if (match === undefined) return { role: raw, kind: null }
  if (match[0] !== raw) issues.warn(at, "value-normalized", `${where(at)}: role '${raw}' read as '${match[0]}'`)
  return { role: match[0], kind: match[1] }
}

// ---------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------

/** How far a file can be trusted to list every row a reference may point to. */
type Coverage = "complete" | "delta" | "absent" | "broken"

interface Indexed {
  readonly at: SourceLocation
  readonly deleted: boolean
}

interface Target {
  readonly entity: Entity
  readonly label: string
  readonly coverage: Coverage
  readonly rows: ReadonlyMap<string, Indexed>
}

type RefResult = { readonly kind: "found"; readonly target: Indexed } | { readonly kind: "unknown" | "unverified" }

/**
 * Resolves a reference. `needed` references (the import relies on them) are errors when
 * they dangle into a complete file; others only warn. A `tobedeleted` row may point to
 * rows that are gone already (`stale-reference`).
 */
const resolve = (
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

/** Reads `sourcedId` and rejects empties and duplicates; returns null when the row must be skipped. */
const readId = (row: Row, column: string, seen: Map<string, SourceLocation>, issues: Issues): string | null => {
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

const orNull = (value: string) => (value === "" ? null : value)

const textOr = (row: Row, column: string, fallback: string, issues: Issues): string => {
  const value = row.get(column)
  if (value !== "") return value
  issues.warn(row.at, "empty-value", `${where(row.at)}: empty ${column}; '${fallback}' used`)
  return fallback
}

const EMAIL = /^[^\s@]+@[^\s@]+$/

// ---------------------------------------------------------------------------------------
// Manifest
// ---------------------------------------------------------------------------------------

type Mode = "bulk" | "delta" | "absent"

interface Manifest {
  readonly version: "1.1" | "1.2" | null
  readonly versionAt: SourceLocation
  /** Lower-cased file name → declared mode and where it is declared. */
  readonly modes: ReadonlyMap<string, { readonly mode: Mode; readonly at: SourceLocation }>
}

const readManifest = (raw: RawTable, issues: Issues): Manifest => {
  const { file } = raw
  const modes = new Map<string, { mode: Mode; at: SourceLocation }>()
  let version: "1.1" | "1.2" | null = null
  let versionAt = loc(file, raw.headerLine)
  const header = raw.header.map((h) => h.trim().toLowerCase())
  const nameCol = header.indexOf("propertyname")
  const valueCol = header.indexOf("value")
  if (nameCol < 0 || valueCol < 0) {
    issues.error(loc(file, raw.headerLine), "missing-required-column", `${file}: header must be propertyName,value`)
    return { version, versionAt, modes }
  }
  let sawVersion = false
  for (const row of raw.rows) {
    const at = loc(file, row.line)
    const name = (row.cells[nameCol] ?? "").trim()
    const value = (row.cells[valueCol] ?? "").trim()
    if (name === "") continue
    if (name === "oneroster.version") {
      sawVersion = true
      versionAt = at
      if (value === "1.1" || value === "1.2") version = value
      else if (value === "1.0") {
        version = "1.1"
        issues.warn(at, "manifest-version", `${where(at)}: oneroster.version 1.0 read as 1.1`)
      } else issues.warn(at, "manifest-version", `${where(at)}: unsupported oneroster.version '${value}'`)
    } else if (name === "manifest.version") {
      if (value !== "1.0")
        issues.warn(at, "manifest-version", `${where(at)}: manifest.version '${value}' (expected 1.0)`)
    } else if (name.startsWith("file.")) {
      const key = `${name.slice("file.".length).toLowerCase()}.csv`
      const lower = value.toLowerCase()
      let mode: Mode
      if (lower === "bulk" || lower === "delta" || lower === "absent") {
        mode = lower
        if (lower !== value) issues.warn(at, "value-normalized", `${where(at)}: '${value}' read as '${lower}'`)
      } else {
        mode = "absent"
        issues.warn(
          at,
          "manifest-value",
          value === ""
            ? `${where(at)}: ${name} has no value; read as 'absent'`
            : `${where(at)}: ${name} '${value}' is not bulk, delta or absent; read as 'absent'`
        )
      }
      modes.set(key, { mode, at })
    }
  }
  if (!sawVersion) issues.warn(versionAt, "manifest-version", `${file}: no oneroster.version; detected from headers`)
  return { version, versionAt, modes }
}

// ---------------------------------------------------------------------------------------
// parseOneRoster
// ---------------------------------------------------------------------------------------

const ORG_TYPES = ["department", "school", "district", "local", "state", "national"]
const SDS_ORG_TYPES = [
  ...ORG_TYPES,
  "ministryOfEducation",
  "localAuthority",
  "university",
  "region",
  "college",
  "division",
  "campus",
  "province",
  "adultEducation",
  "researchCenter",
  "municipality",
  "program",
  "departmentOfEducation",
  "academicTrust"
]
const SESSION_TYPES = ["gradingPeriod", "semester", "schoolYear", "term"]
const CLASS_TYPES = ["homeroom", "scheduled"]

const basename = (name: string) => name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1)

/**
 * Reads a OneRoster 1.1 / 1.2 CSV set (or a Microsoft SDS v2.1 set) from in-memory files
 * and returns the import plan. Pure and deterministic: the same bytes give the same plan.
 *
 * @param files file name → bytes. Names are matched case-insensitively on their base name
 *   (`users.csv`, `Users.CSV` and `export/users.csv` are the same file); non-CSV and
 *   unknown CSV files go to `ignoredFiles`.
 * @returns the plan; never throws on bad input — problems are `warnings` / `errors` with
 *   `file:line` (codes in the module documentation). Apply it only when `errors` is empty.
 */
export const parseOneRoster = (files: ReadonlyMap<string, Uint8Array>): ImportPlan => {
  const issues = new Issues()
  const ignoredFiles: Array<string> = []
  const inputs = new Map<string, { readonly name: string; readonly bytes: Uint8Array }>()
  for (const [name, bytes] of files) {
    const base = basename(name)
    const key = base.toLowerCase()
    if (!(key in ENTITY_FILES)) {
      ignoredFiles.push(name)
      continue
    }
    const previous = inputs.get(key)
    if (previous !== undefined) {
      issues.error(loc(base, 0), "duplicate-file", `'${name}' and '${previous.name}' are the same file of the set`)
      continue
    }
    inputs.set(key, { name: base, bytes })
  }

  // 1. CSV of every known file
  const raws = new Map<string, RawTable | null>()
  for (const [key, { name, bytes }] of inputs) raws.set(key, readCsv(name, bytes, issues))

  // 2. manifest, dialect, version
  const manifestRaw = raws.get("manifest.csv")
  const manifest = manifestRaw == null ? null : readManifest(manifestRaw, issues)
  const headerOf = (key: string) => new Set((raws.get(key)?.header ?? []).map((h) => h.trim().toLowerCase()))
  const usersHeader = headerOf("users.csv")
  let dialect: Dialect = "oneroster"
  if (!inputs.has("manifest.csv")) {
    const sds =
      usersHeader.has("activedirectorymatchid") ||
      headerOf("roles.csv").has("isprimary") ||
      (inputs.has("enrollments.csv") && !headerOf("enrollments.csv").has("sourcedid"))
    if (sds) dialect = "sds"
    issues.warn(
      loc("manifest.csv", 0),
      "manifest-missing",
      sds
        ? "no manifest.csv; the set is read as Microsoft School Data Sync v2.1 (OneRoster-derived)"
        : "no manifest.csv; OneRoster version detected from the headers"
    )
  }
  // 1.1 carries role/orgSourcedIds on users.csv; 1.2 (and SDS) puts roles in roles.csv.
  const usersReadable = raws.get("users.csv") != null
  const embeddedRoles = dialect === "oneroster" && (usersHeader.has("role") || !usersReadable)
  const detected: "1.1" | "1.2" = embeddedRoles ? "1.1" : "1.2"
  const version: ImportPlan["version"] = dialect === "sds" ? "sds" : (manifest?.version ?? detected)
  if (manifest !== null && manifest.version !== null && manifest.version !== detected) {
    issues.warn(
      manifest.versionAt,
      "manifest-version",
      `${where(manifest.versionAt)}: manifest says ${manifest.version} but users.csv ${
        embeddedRoles ? "has a role column (1.1 layout)" : "has no role column and roles.csv is present (1.2 layout)"
      }; read by its layout`
    )
  }

  // 3. which files are read, and how complete they are
  const used: ReadonlyArray<Entity> = [
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "enrollments",
    ...(embeddedRoles ? [] : (["roles"] as const))
  ]
  const fileOf = (entity: Entity) => `${entity === "academicSessions" ? "academicsessions" : entity}.csv`
  const coverage = new Map<Entity, Coverage>()
  for (const entity of used) {
    const key = fileOf(entity)
    const present = inputs.has(key)
    const declared = manifest?.modes.get(key)
    const name = inputs.get(key)?.name ?? `${entity}.csv`
    let cover: Coverage = present ? "complete" : "absent"
    if (manifest !== null) {
      if (declared === undefined || declared.mode === "absent") {
        if (present) {
          issues.warn(
            declared?.at ?? loc(name, 0),
            "manifest-mismatch",
            `${name} is present but the manifest ${declared === undefined ? "does not list it" : "marks it absent"}; it is read as bulk`
          )
        }
      } else if (!present) {
        issues.error(
          declared.at,
          "file-missing",
          `${where(declared.at)}: manifest declares ${name} (${declared.mode}) but the set has no such file`
        )
      } else if (declared.mode === "delta") {
        cover = "delta"
        issues.warn(
          declared.at,
          "delta-mode",
          `${where(declared.at)}: ${name} is a delta: rows are upserts, missing rows are kept, references outside the set are not checked`
        )
      }
    } else if (!present && (entity === "orgs" || entity === "users")) {
      issues.error(loc(name, 0), "file-missing", `${name} is required and absent`)
    }
    if (entity === "roles" && !present && usersReadable && !(declared !== undefined && declared.mode !== "absent")) {
      issues.error(
        loc(name, 0),
        "file-missing",
        `users.csv has no role column (OneRoster 1.2 / SDS layout), so roles.csv is required to give users a type; it is absent`
      )
    }
    coverage.set(entity, cover)
  }
  for (const [key, { name }] of inputs) {
    const entity = ENTITY_FILES[key]
    if (entity !== "manifest" && !used.includes(entity)) ignoredFiles.push(name)
  }

  // 4. header mapping
  const needed: Record<Entity, ReadonlyArray<string>> = {
    orgs: ["sourcedId", "name", "type"],
    academicSessions: ["sourcedId", "title", "type", "startDate", "endDate"],
    courses: ["sourcedId", "title", "orgSourcedId"],
    classes:
      dialect === "sds"
        ? ["sourcedId", "title", "schoolSourcedId"]
        : ["sourcedId", "title", "courseSourcedId", "schoolSourcedId"],
    users: embeddedRoles
      ? ["sourcedId", "givenName", "familyName", "role", "orgSourcedIds"]
      : ["sourcedId", "givenName", "familyName"],
    enrollments:
      dialect === "sds"
        ? ["classSourcedId", "userSourcedId", "role"]
        : ["sourcedId", "classSourcedId", "userSourcedId", "role"],
    roles:
      dialect === "sds"
        ? ["userSourcedId", "orgSourcedId", "role"]
        : ["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"]
  }
  const tables = new Map<Entity, Table>()
  for (const entity of used) {
    const raw = raws.get(fileOf(entity))
    if (raw === undefined) continue
    const table = raw === null ? null : buildTable(raw, entity, dialect, needed[entity], issues)
    if (table === null) coverage.set(entity, "broken")
    else tables.set(entity, table)
  }
  const dateOrder = inferDateOrder([...tables.values()])
  const rowsOf = (entity: Entity) => tables.get(entity)?.rows ?? []
  const nameOf = (entity: Entity) => tables.get(entity)?.file ?? `${entity}.csv`

  /** Status + dateLastModified of a row; null when the row is skipped. */
  const common = (entity: Entity, row: Row): { readonly deleted: boolean } | null => {
    const table = tables.get(entity)!
    const status = readStatusOf(table, row, issues)
    readDate(row, "dateLastModified", dateOrder, issues)
    return status
  }

  // 5. orgs → schools
  const schools: Array<PlanSchool> = []
  const orgIndex = new Map<string, Indexed>()
  {
    const seen = new Map<string, SourceLocation>()
    const parents: Array<{ row: Row; parent: string; deleted: boolean }> = []
    for (const row of rowsOf("orgs")) {
      const status = common("orgs", row)
      const id = readId(row, "sourcedId", seen, issues)
      if (status === null || id === null) continue
      const type = readEnum(row, "type", dialect === "sds" ? SDS_ORG_TYPES : ORG_TYPES, issues)
      schools.push({
        sourcedId: id,
        name: textOr(row, "name", id, issues),
        identifier: orNull(row.get("identifier")),
        type: type === "" ? textOr(row, "type", "school", issues) : type,
        deleted: status.deleted,
        at: row.at
      })
      orgIndex.set(id, { at: row.at, deleted: status.deleted })
      if (row.get("parentSourcedId") !== "")
        parents.push({ row, parent: row.get("parentSourcedId"), deleted: status.deleted })
    }
    const self: Target = { entity: "orgs", label: "org", coverage: coverage.get("orgs")!, rows: orgIndex }
    for (const p of parents)
      resolve(p.row, "parentSourcedId", p.parent, self, { needed: false, deleted: p.deleted }, issues)
  }
  const orgs: Target = { entity: "orgs", label: "org", coverage: coverage.get("orgs")!, rows: orgIndex }

  // 6. academicSessions → sessions
  const sessions: Array<PlanSession> = []
  const sessionIndex = new Map<string, Indexed>()
  {
    const seen = new Map<string, SourceLocation>()
    const parents: Array<{ row: Row; parent: string; deleted: boolean }> = []
    for (const row of rowsOf("academicSessions")) {
      const status = common("academicSessions", row)
      const id = readId(row, "sourcedId", seen, issues)
      if (status === null || id === null) continue
      const startDate = readDate(row, "startDate", dateOrder, issues)
      const endDate = readDate(row, "endDate", dateOrder, issues)
      if (startDate !== null && endDate !== null && endDate < startDate) {
        issues.warn(row.at, "date-order", `${where(row.at)}: session ends (${endDate}) before it starts (${startDate})`)
      }
      const type = readEnum(row, "type", SESSION_TYPES, issues)
      sessions.push({
        sourcedId: id,
        title: textOr(row, "title", id, issues),
        type,
        startDate,
        endDate,
        deleted: status.deleted,
        at: row.at
      })
      sessionIndex.set(id, { at: row.at, deleted: status.deleted })
      if (row.get("parentSourcedId") !== "")
        parents.push({ row, parent: row.get("parentSourcedId"), deleted: status.deleted })
    }
    const self: Target = {
      entity: "academicSessions",
      label: "academic session",
      coverage: coverage.get("academicSessions")!,
      rows: sessionIndex
    }
    for (const p of parents)
      resolve(p.row, "parentSourcedId", p.parent, self, { needed: false, deleted: p.deleted }, issues)
  }
  const academicSessions: Target = {
    entity: "academicSessions",
    label: "academic session",
    coverage: coverage.get("academicSessions")!,
    rows: sessionIndex
  }

  // 7. courses (course templates: only their titles reach the plan)
  const courseIndex = new Map<string, Indexed & { readonly title: string }>()
  {
    const seen = new Map<string, SourceLocation>()
    for (const row of rowsOf("courses")) {
      const status = common("courses", row)
      const id = readId(row, "sourcedId", seen, issues)
      if (status === null || id === null) continue
      const opts = { needed: true, deleted: status.deleted }
      const org = row.get("orgSourcedId")
      if (org === "") issues.error(row.at, "missing-required-value", `${where(row.at)}: empty orgSourcedId`)
      else resolve(row, "orgSourcedId", org, orgs, opts, issues)
      const year = row.get("schoolYearSourcedId")
      if (year !== "")
        resolve(row, "schoolYearSourcedId", year, academicSessions, { needed: false, deleted: status.deleted }, issues)
      courseIndex.set(id, { at: row.at, deleted: status.deleted, title: textOr(row, "title", id, issues) })
    }
  }
  const courses: Target = { entity: "courses", label: "course", coverage: coverage.get("courses")!, rows: courseIndex }

  // 8. classes → groups
  const groups: Array<PlanGroup> = []
  const classIndex = new Map<string, Indexed & { readonly school: string }>()
  {
    const seen = new Map<string, SourceLocation>()
    for (const row of rowsOf("classes")) {
      const status = common("classes", row)
      const id = readId(row, "sourcedId", seen, issues)
      if (status === null || id === null) continue
      const opts = { needed: true, deleted: status.deleted }
      const school = row.get("schoolSourcedId")
      if (school === "") {
        issues.error(row.at, "missing-required-value", `${where(row.at)}: empty schoolSourcedId; row skipped`)
        continue
      }
      resolve(row, "schoolSourcedId", school, orgs, opts, issues)
      const courseId = orNull(row.get("courseSourcedId"))
      let courseTitle: string | null = null
      if (courseId === null) {
        if (tables.get("classes")!.has("courseSourcedId")) {
          issues.warn(
            row.at,
            "empty-value",
            `${where(row.at)}: empty courseSourcedId; the group has no course template`
          )
        }
      } else {
        const r = resolve(row, "courseSourcedId", courseId, courses, opts, issues)
        if (r.kind === "found") courseTitle = courseIndex.get(courseId)!.title
      }
      for (const term of splitList(row.get("termSourcedIds"))) {
        resolve(row, "termSourcedIds", term, academicSessions, { needed: false, deleted: status.deleted }, issues)
      }
      readEnum(row, "classType", CLASS_TYPES, issues)
      const classCode = orNull(row.get("classCode"))
      groups.push({
        sourcedId: id,
        title: textOr(row, "title", classCode ?? id, issues),
        classCode,
        schoolSourcedId: school,
        courseSourcedId: courseId,
        courseTitle,
        location: orNull(row.get("location")),
        deleted: status.deleted,
        at: row.at
      })
      classIndex.set(id, { at: row.at, deleted: status.deleted, school })
    }
  }
  const classes: Target = { entity: "classes", label: "class", coverage: coverage.get("classes")!, rows: classIndex }

  // 9. users (+ roles.csv for 1.2 / SDS)
  interface UserDraft {
    readonly row: Row
    readonly id: string
    readonly deleted: boolean
    readonly orgIds: Array<string>
    readonly roles: Array<RoleRef>
  }
  const drafts: Array<UserDraft> = []
  const userIndex = new Map<string, Indexed>()
  {
    const seen = new Map<string, SourceLocation>()
    for (const row of rowsOf("users")) {
      const status = common("users", row)
      const id = readId(row, "sourcedId", seen, issues)
      if (status === null || id === null) continue
      const opts = { needed: true, deleted: status.deleted }
      const orgIds: Array<string> = []
      const roles: Array<RoleRef> = []
      if (embeddedRoles) {
        const ids = splitList(row.get("orgSourcedIds"))
        if (ids.length === 0) issues.error(row.at, "missing-required-value", `${where(row.at)}: empty orgSourcedIds`)
        for (const org of ids) {
          resolve(row, "orgSourcedIds", org, orgs, opts, issues)
          orgIds.push(org)
        }
        const raw = row.get("role")
        if (raw === "") {
          issues.error(row.at, "missing-required-value", `${where(row.at)}: empty role`)
        } else {
          roles.push({ at: row.at, raw, ...lookupRole(row.at, raw, dialect, issues), primary: true })
        }
      } else {
        const primaryOrg = row.get("primaryOrgSourcedId")
        if (primaryOrg !== "") {
          resolve(row, "primaryOrgSourcedId", primaryOrg, orgs, opts, issues)
          orgIds.push(primaryOrg)
        }
      }
      drafts.push({ row, id, deleted: status.deleted, orgIds, roles })
      userIndex.set(id, { at: row.at, deleted: status.deleted })
    }
  }
  const usersTarget: Target = { entity: "users", label: "user", coverage: coverage.get("users")!, rows: userIndex }
  if (!embeddedRoles) {
    const byUser = new Map<string, Array<{ ref: RoleRef; org: string | null; deleted: boolean }>>()
    const seen = new Map<string, SourceLocation>()
    const sds = dialect === "sds"
    for (const row of rowsOf("roles")) {
      const status = common("roles", row)
      if (status === null) continue
      if (!sds && readId(row, "sourcedId", seen, issues) === null) continue
      const opts = { needed: true, deleted: status.deleted }
      const user = row.get("userSourcedId")
      const org = row.get("orgSourcedId")
      const raw = row.get("role")
      const empty = [user === "" && "userSourcedId", org === "" && "orgSourcedId", raw === "" && "role"].filter(Boolean)
      if (empty.length > 0) {
        issues.error(row.at, "missing-required-value", `${where(row.at)}: empty ${empty.join(", ")}; role skipped`)
        continue
      }
      resolve(row, "orgSourcedId", org, orgs, opts, issues)
      resolve(row, "userSourcedId", user, usersTarget, opts, issues)
      readDate(row, "beginDate", dateOrder, issues)
      readDate(row, "endDate", dateOrder, issues)
      const primary = sds
        ? readBoolean(row, "isPrimary", { fallback: false, warnEmpty: false, anyCase: true }, issues)
        : readEnum(row, "roleType", ["primary", "secondary"], issues) === "primary"
      const ref: RoleRef = { at: row.at, raw, ...lookupRole(row.at, raw, dialect, issues), primary }
      const list = byUser.get(user) ?? []
      list.push({ ref, org, deleted: status.deleted })
      byUser.set(user, list)
    }
    for (const draft of drafts) {
      // A deleted role only counts for a deleted user (a deletion usually removes both).
      for (const { ref, org, deleted } of byUser.get(draft.id) ?? []) {
        if (deleted && !draft.deleted) continue
        draft.roles.push(ref)
        if (org !== null && !draft.orgIds.includes(org)) draft.orgIds.push(org)
      }
    }
  }

  const users: Array<PlanUser> = []
  const userTypes = new Map<string, UserType | null>()
  const emails = new Map<string, SourceLocation>()
  for (const draft of drafts) {
    const { row } = draft
    // Without a readable roles.csv an error is already reported; no warning per user.
    const rolesRead = !embeddedRoles && (coverage.get("roles") === "complete" || coverage.get("roles") === "delta")
    let userType: UserType | null
    if (draft.deleted && draft.roles.length === 0) {
      // The soft delete must still reach the database; the type is irrelevant to a deletion.
      userType = "student"
      issues.warn(
        row.at,
        "user-without-role",
        `${where(row.at)}: tobedeleted user has no role; listed for deletion (as student)`
      )
    } else userType = decideUserType(row.at, draft.roles, rolesRead, issues)
    userTypes.set(draft.id, userType)
    const agents = splitList(row.get("agentSourcedIds"))
    for (const agent of agents) {
      resolve(row, "agentSourcedIds", agent, usersTarget, { needed: false, deleted: draft.deleted }, issues)
    }
    if (userType === null) continue
    let email = orNull(row.get("email"))
    if (email !== null && !EMAIL.test(email)) {
      issues.warn(row.at, "invalid-email", `${where(row.at)}: email '${email}' is not an address; ignored`)
      email = null
    }
    if (email !== null) {
      const first = emails.get(email.toLowerCase())
      if (first !== undefined) {
        issues.warn(row.at, "duplicate-email", `${where(row.at)}: email '${email}' also used at line ${first.line}`)
      } else emails.set(email.toLowerCase(), row.at)
    }
    const username = orNull(row.get("username"))
    if (email === null && username === null) {
      issues.warn(row.at, "no-contact", `${where(row.at)}: user '${draft.id}' has neither email nor username`)
    }
    const hasEnabled = tables.get("users")!.has("enabledUser")
    users.push({
      sourcedId: draft.id,
      userType,
      email,
      username,
      givenName: textOr(row, "givenName", "", issues),
      familyName: textOr(row, "familyName", "", issues),
      identifier: orNull(row.get("identifier")),
      schoolSourcedIds: draft.orgIds,
      enabled: hasEnabled
        ? readBoolean(row, "enabledUser", { fallback: true, warnEmpty: true, anyCase: dialect === "sds" }, issues)
        : true,
      deleted: draft.deleted,
      at: row.at
    })
  }

  // 10. enrollments
  const enrollments: Array<PlanEnrollment> = []
  {
    const seen = new Map<string, SourceLocation>()
    const sds = dialect === "sds"
    if (sds && tables.has("enrollments") && !tables.get("enrollments")!.has("sourcedId")) {
      issues.warn(
        tables.get("enrollments")!.headerAt,
        "synthesized-sourced-id",
        `${nameOf("enrollments")}: no sourcedId column; 'classSourcedId:userSourcedId' is used as sourcedId`
      )
    }
    for (const row of rowsOf("enrollments")) {
      const status = common("enrollments", row)
      if (status === null) continue
      const classId = row.get("classSourcedId")
      const userId = row.get("userSourcedId")
      const raw = row.get("role")
      const empty = [classId === "" && "classSourcedId", userId === "" && "userSourcedId", raw === "" && "role"].filter(
        Boolean
      )
      if (empty.length > 0) {
        issues.error(row.at, "missing-required-value", `${where(row.at)}: empty ${empty.join(", ")}; row skipped`)
        continue
      }
      const synthesized = !tables.get("enrollments")!.has("sourcedId")
      const id = synthesized
        ? readId({ at: row.at, get: () => `${classId}:${userId}` }, "classSourcedId:userSourcedId", seen, issues)
        : readId(row, "sourcedId", seen, issues)
      if (id === null) continue
      const opts = { needed: true, deleted: status.deleted }
      resolve(row, "classSourcedId", classId, classes, opts, issues)
      const usr = resolve(row, "userSourcedId", userId, usersTarget, opts, issues)
      const school = row.get("schoolSourcedId")
      if (school !== "") {
        const r = resolve(row, "schoolSourcedId", school, orgs, opts, issues)
        const classSchool = classIndex.get(classId)?.school
        if (r.kind === "found" && classSchool !== undefined && classSchool !== school) {
          issues.warn(
            row.at,
            "enrollment-school-mismatch",
            `${where(row.at)}: schoolSourcedId '${school}' but class '${classId}' belongs to '${classSchool}'`
          )
        }
      }
      const primary = readBoolean(row, "primary", { fallback: false, warnEmpty: false, anyCase: sds }, issues)
      readDate(row, "beginDate", dateOrder, issues)
      readDate(row, "endDate", dateOrder, issues)
      const { role, kind } = lookupRole(row.at, raw, dialect, issues)
      if (kind !== "student" && kind !== "teacher") {
        issues.warn(
          row.at,
          "enrollment-skipped",
          `${where(row.at)}: enrollment role '${role}' is neither student nor teacher; skipped`
        )
        continue
      }
      const userType = userTypes.get(userId)
      if (usr.kind === "found" && userType === null) {
        issues.warn(
          row.at,
          "enrollment-skipped",
          `${where(row.at)}: user '${userId}' is not imported; enrollment skipped`
        )
        continue
      }
      if (!status.deleted && userType != null && (kind === "student") !== (userType === "student")) {
        issues.warn(
          row.at,
          "enrollment-role-mismatch",
          `${where(row.at)}: ${userType} '${userId}' is enrolled as ${kind} in '${classId}'`
        )
      }
      enrollments.push({
        sourcedId: id,
        classSourcedId: classId,
        userSourcedId: userId,
        role: kind,
        primary,
        deleted: status.deleted,
        at: row.at
      })
    }
  }

  return {
    version,
    schools,
    sessions,
    groups,
    users,
    enrollments,
    warnings: byFileThenLine(issues.warnings),
    errors: byFileThenLine(issues.errors),
    ignoredFiles
  }
}

/**
 * Picks a user's Signet type from their roles: the first usable primary role, else the
 * first usable role (`no-primary-role`); guardians and unsupported roles are skipped.
 */
const decideUserType = (
  userAt: SourceLocation,
  roles: ReadonlyArray<RoleRef>,
  fromRolesFile: boolean,
  issues: Issues
): UserType | null => {
  if (roles.length === 0) {
    if (fromRolesFile) {
      issues.warn(userAt, "user-without-role", `${where(userAt)}: the user has no active role; not imported`)
    }
    return null
  }
  const usable = roles.filter((r): r is RoleRef & { kind: UserType } => r.kind !== null && r.kind !== "guardian")
  let chosen = usable.find((r) => r.primary)
  if (chosen === undefined && usable.length > 0) {
    chosen = usable[0]
    issues.warn(
      chosen.at,
      "no-primary-role",
      `${where(chosen.at)}: the user has no usable primary role; '${chosen.role}' makes them ${chosen.kind}`
    )
  }
  if (chosen === undefined) {
    const guardian = roles.find((r) => r.kind === "guardian")
    if (guardian !== undefined) {
      issues.warn(
        guardian.at,
        "guardian-skipped",
        `${where(guardian.at)}: role '${guardian.role}': Signet has no guardian accounts yet; user not imported`
      )
    } else {
      issues.warn(
        roles[0].at,
        "unsupported-role",
        `${where(roles[0].at)}: role '${roles[0].raw}' has no Signet user type; user not imported`
      )
    }
    return null
  }
  for (const r of roles) {
    if (r === chosen || r.kind === chosen.kind) continue
    const why =
      r.kind === "guardian"
        ? "Signet has no guardian accounts yet"
        : r.kind === null
          ? "it has no Signet user type"
          : `the user is imported as ${chosen.kind} (from '${chosen.role}' at ${where(chosen.at)})`
    issues.warn(r.at, "role-ignored", `${where(r.at)}: role '${r.role}' ignored: ${why}`)
  }
  return chosen.kind
}

// ---------------------------------------------------------------------------------------
// readOneRosterSource
// ---------------------------------------------------------------------------------------

/**
 * Reads a OneRoster set from a directory (its `*.csv` files, not recursive) or a `.zip`
 * (its `*.csv` entries, folders flattened, `__MACOSX/` skipped), as the files map that
 * {@link parseOneRoster} takes. Node-only: `node:fs` is loaded lazily. Entries are sorted
 * by name so the result is deterministic.
 *
 * @throws Error with the path and the reason when the path is missing or unreadable, is
 *   neither a directory nor a zip, the zip is corrupt or passes a limit of `readRosterZip`
 *   (RosterZip.ts), two entries flatten to the same name, or there is no `.csv` at all.
 */
export const readOneRosterSource = async (path: string): Promise<ReadonlyMap<string, Uint8Array>> => {
  const Fs = await import("node:fs/promises")
  const Path = await import("node:path")
  const fail = (reason: string, cause?: unknown): never => {
    throw new Error(`cannot read OneRoster source '${path}': ${reason}`, cause === undefined ? undefined : { cause })
  }
  const stat = await Fs.stat(path).catch((e: unknown) => fail((e as Error).message, e))
  const files = new Map<string, Uint8Array>()
  if (stat.isDirectory()) {
    const entries = await Fs.readdir(path, { withFileTypes: true }).catch((e: unknown) => fail((e as Error).message, e))
    const names = entries
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith(".csv"))
      .map((e) => e.name)
      .sort()
    for (const name of names) {
      const bytes = await Fs.readFile(Path.join(path, name)).catch((e: unknown) => fail((e as Error).message, e))
      files.set(name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
  } else if (stat.isFile()) {
    const bytes = await Fs.readFile(path).catch((e: unknown) => fail((e as Error).message, e))
    if (!(bytes[0] === 0x50 && bytes[1] === 0x4b)) fail("not a directory or a .zip file")
    // The same reader and limits as uploads (RosterZip.ts).
    const read = await Effect.runPromise(
      Effect.either(readRosterZip(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
    )
    if (read._tag === "Left") fail(`invalid zip: ${read.left.issues[0]?.message ?? read.left.message}`, read.left)
    else for (const [name, content] of read.right) files.set(name, content)
  } else {
    fail("not a directory or a .zip file")
  }
  if (files.size === 0) fail("no .csv file found")
  return files
}

// ---------------------------------------------------------------------------------------
// generateOneRoster
// ---------------------------------------------------------------------------------------

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const words = (list: string) => list.split("|")
const GIVEN_NAMES = words(
  "Emma|Liam|Olivia|Noah|Ava|Lucas|Chloé|Hugo|Léa|Mateo|Zoë|Amir|Sofia|Yusuf|Mia|Arjun|Hana|Kenji|Aisha|Tomás|Ingrid|Oskar|Nadia|Kwame|Elif|Björn|Mei|Raphaël"
)
const FAMILY_NAMES = words(
  "Martin|Bernard|Dubois|O'Connor|García|Müller|Rossi|Nguyen|Kowalski|Smith|Johansson|Okafor|Tanaka|Haddad|Novák|Silva|Van der Berg|Petrov|Kim|Moreau|Fischer|Costa"
)
const TOWNS = words("Riverside|Oakwood|Lakeview|Hillcrest|Maple Grove|Brookfield|Fairview|Westbrook")
const SUBJECTS = words(
  "Mathematics|English|Physics|Chemistry|Biology|History|Geography|Spanish|Computer Science|Art|Music|Physical Education"
)

const csvCell = (value: string) =>
  /[",\n\r]/.test(value) || value.trim() !== value ? `"${value.replace(/"/g, '""')}"` : value
const csvText = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n"

const slug = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "")

/**
 * Generates a realistic, valid synthetic OneRoster 1.1 bulk set (for benchmarks, property
 * tests and the demo): `manifest.csv`, `orgs.csv` (schools only), `academicSessions.csv`
 * (a school year and two semesters), `courses.csv`, `classes.csv`, `users.csv`,
 * `enrollments.csv`. Deterministic for a given seed (seeded mulberry32, no `Math.random`,
 * no clock), CRLF line endings, UTF-8 names with accents and apostrophes, quoted values.
 *
 * Distribution: class `i`, teacher `i` and student `i` belong to school `i mod schools`;
 * each class gets one primary teacher of its school (round robin) when the school has
 * teachers; each student is enrolled in `min(enrollmentsPerStudent, classes of their
 * school)` distinct classes of their school. So `users = students + teachers` and, when
 * every school has at least `enrollmentsPerStudent` classes and one teacher,
 * `enrollments = students × enrollmentsPerStudent + classes`.
 *
 * @returns file name → CSV text (encode with `TextEncoder` for {@link parseOneRoster}).
 * @throws RangeError when a count is not a non-negative integer, or `schools` < 1.
 */
export const generateOneRoster = (options: {
  readonly seed: number
  readonly schools: number
  readonly students: number
  readonly teachers: number
  readonly classes: number
  readonly enrollmentsPerStudent: number
  readonly domain?: string
}): ReadonlyMap<string, string> => {
  const { schools, students, teachers, classes, enrollmentsPerStudent } = options
  for (const [name, value] of Object.entries({ schools, students, teachers, classes, enrollmentsPerStudent })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`generateOneRoster: ${name} must be an integer ≥ 0`)
  }
  if (schools < 1) throw new RangeError("generateOneRoster: schools must be ≥ 1")
  const domain = options.domain ?? "example.edu"
  const random = prng(options.seed)
  const pick = <A>(list: ReadonlyArray<A>): A => list[Math.floor(random() * list.length)]
  const modified = "2025-08-01T00:00:00.000Z"
  const year = 2025

  const orgRows = Array.from({ length: schools }, (_, s) => {
    const town = pick(TOWNS)
    const kind = pick(["High School", "Middle School", "Academy", "College"])
    return [
      `org-${s + 1}`,
      "active",
      modified,
      `${town} ${kind} ${s + 1}`,
      "school",
      `SCH${String(s + 1).padStart(4, "0")}`,
      ""
    ]
  })
  const sessionRows = [
    [
      `as-${year}`,
      "active",
      modified,
      `${year}-${year + 1}`,
      "schoolYear",
      `${year}-08-25`,
      `${year + 1}-07-03`,
      "",
      `${year + 1}`
    ],
    [
      `as-${year}-s1`,
      "active",
      modified,
      "Semester 1",
      "semester",
      `${year}-08-25`,
      `${year + 1}-01-23`,
      `as-${year}`,
      `${year + 1}`
    ],
    [
      `as-${year}-s2`,
      "active",
      modified,
      "Semester 2",
      "semester",
      `${year + 1}-01-26`,
      `${year + 1}-07-03`,
      `as-${year}`,
      `${year + 1}`
    ]
  ]

  const courseRows: Array<Array<string>> = []
  const courseIds = new Map<string, string>()
  const classRows: Array<Array<string>> = []
  const classesBySchool: Array<Array<string>> = Array.from({ length: schools }, () => [])
  for (let c = 0; c < classes; c++) {
    const s = c % schools
    const subject = pick(SUBJECTS)
    const grade = 9 + Math.floor(random() * 4)
    const key = `${s}/${subject}/${grade}`
    let courseId = courseIds.get(key)
    if (courseId === undefined) {
      courseId = `crs-${courseIds.size + 1}`
      courseIds.set(key, courseId)
      const code = `${subject.slice(0, 3).toUpperCase()}${grade}`
      courseRows.push([
        courseId,
        "active",
        modified,
        `as-${year}`,
        `${subject}, Grade ${grade}`,
        code,
        String(grade),
        `org-${s + 1}`,
        subject,
        ""
      ])
    }
    const id = `cls-${c + 1}`
    const section = classesBySchool[s].length + 1
    const term = random() < 0.5 ? `as-${year}-s1` : `as-${year}-s1,as-${year}-s2`
    classRows.push([
      id,
      "active",
      modified,
      `${subject} ${grade} — Section ${section}`,
      String(grade),
      courseId,
      `${subject.slice(0, 3).toUpperCase()}${grade}-${section}`,
      "scheduled",
      `Room ${100 + Math.floor(random() * 300)}`,
      `org-${s + 1}`,
      term,
      subject,
      "",
      String(1 + Math.floor(random() * 8))
    ])
    classesBySchool[s].push(id)
  }

  const userRows: Array<Array<string>> = []
  const usedNames = new Map<string, number>()
  const person = (prefix: string, n: number, s: number, role: "student" | "teacher") => {
    const given = pick(GIVEN_NAMES)
    const family = pick(FAMILY_NAMES)
    const base = `${slug(given)}.${slug(family)}`
    const k = (usedNames.get(base) ?? 0) + 1
    usedNames.set(base, k)
    const username = k === 1 ? base : `${base}${k}`
    const id = `${prefix}-${n + 1}`
    const grade = role === "student" ? String(9 + Math.floor(random() * 4)) : ""
    userRows.push([
      id,
      "active",
      modified,
      "true",
      `org-${s + 1}`,
      role,
      username,
      `{LDAP:${id}}`,
      given,
      family,
      "",
      `${role === "student" ? "S" : "T"}${String(n + 1).padStart(6, "0")}`,
      `${username}@${domain}`,
      "",
      "",
      "",
      grade,
      ""
    ])
    return id
  }
  const teachersBySchool: Array<Array<string>> = Array.from({ length: schools }, () => [])
  for (let t = 0; t < teachers; t++) teachersBySchool[t % schools].push(person("tch", t, t % schools, "teacher"))

  const enrollmentRows: Array<Array<string>> = []
  const enroll = (cls: string, user: string, s: number, role: "student" | "teacher", primary: boolean) =>
    enrollmentRows.push([
      `enr-${enrollmentRows.length + 1}`,
      "active",
      modified,
      cls,
      `org-${s + 1}`,
      user,
      role,
      String(primary),
      `${year}-08-25`,
      `${year + 1}-07-03`
    ])
  classesBySchool.forEach((list, s) => {
    list.forEach((cls, i) => {
      const staff = teachersBySchool[s]
      if (staff.length > 0) enroll(cls, staff[i % staff.length], s, "teacher", true)
    })
  })
  for (let n = 0; n < students; n++) {
    const s = n % schools
    const id = person("stu", n, s, "student")
    const pool = [...classesBySchool[s]]
    const take = Math.min(enrollmentsPerStudent, pool.length)
    for (let k = 0; k < take; k++) {
      const j = k + Math.floor(random() * (pool.length - k))
      ;[pool[k], pool[j]] = [pool[j], pool[k]]
      enroll(pool[k], id, s, "student", false)
    }
  }

  const manifest = [
    ["manifest.version", "1.0"],
    ["oneroster.version", "1.1"],
    ["file.academicSessions", "bulk"],
    ["file.categories", "absent"],
    ["file.classes", "bulk"],
    ["file.classResources", "absent"],
    ["file.courses", "bulk"],
    ["file.courseResources", "absent"],
    ["file.demographics", "absent"],
    ["file.enrollments", "bulk"],
    ["file.lineItems", "absent"],
    ["file.orgs", "bulk"],
    ["file.resources", "absent"],
    ["file.results", "absent"],
    ["file.users", "bulk"],
    ["source.systemName", "Signet generateOneRoster"],
    ["source.systemCode", `seed-${options.seed}`]
  ]
  const C = ONEROSTER_COLUMNS
  return new Map([
    ["manifest.csv", csvText(["propertyName", "value"], manifest)],
    ["orgs.csv", csvText(C.orgs, orgRows)],
    ["academicSessions.csv", csvText(C.academicSessions, sessionRows)],
    ["courses.csv", csvText(C.courses.slice(0, 10), courseRows)],
    ["classes.csv", csvText(C.classes.slice(0, 14), classRows)],
    ["users.csv", csvText(C.users.slice(0, 18), userRows)],
    ["enrollments.csv", csvText(C.enrollments, enrollmentRows)]
  ])
}
