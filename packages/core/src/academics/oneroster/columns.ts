/**
 * Dialects and columns: the columns of each OneRoster 1.1 / 1.2 file, the Microsoft School
 * Data Sync v2.1 ("sds") extras and renames, misspellings seen in real exports, the
 * columns the import needs per layout, the role and org-type vocabularies of each
 * dialect, and the header mapping that turns a {@link RawTable} into a {@link Table}.
 *
 * @module
 */
import { type Issues, loc, type SourceLocation, where } from "./issues.js"
import type { UserType } from "./plan.js"
import type { Entity, RawTable } from "./reader.js"

/** `oneroster` = OneRoster 1.1 / 1.2; `sds` = Microsoft School Data Sync v2.1 (no manifest). */
export type Dialect = "oneroster" | "sds"

/** Columns of each OneRoster file (union of 1.1 and 1.2, so both read without `unknown-column`). */
export const ONEROSTER_COLUMNS: Readonly<Record<Entity, ReadonlyArray<string>>> = {
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
    "schoolYear",
    // not a 1.1 column: read when present (the org of the session, issue 16)
    "orgSourcedId"
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

/**
 * Columns the import needs in each file (a missing one is `missing-required-column`):
 * `embeddedRoles` is the 1.1 layout (role and orgSourcedIds on users.csv).
 */
export const requiredColumns = (
  dialect: Dialect,
  embeddedRoles: boolean
): Readonly<Record<Entity, ReadonlyArray<string>>> => ({
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
})

/** A file after header mapping: canonical column names, rows with trimmed values. */
export interface Table {
  readonly file: string
  readonly entity: Entity
  readonly headerAt: SourceLocation
  readonly has: (column: string) => boolean
  readonly rows: ReadonlyArray<Row>
}

/** A data row: its location and its value per canonical column ("" when absent). */
export interface Row {
  readonly at: SourceLocation
  readonly get: (column: string) => string
}

/** The header mapped to canonical columns: position → column (null = ignored), column → position. */
export interface Header {
  readonly columns: ReadonlyArray<string | null>
  readonly index: ReadonlyMap<string, number>
  readonly ok: boolean
}

/** Maps each header cell to its canonical column (typos, case, SDS renames) and reports what it did. */
const mapHeader = (raw: RawTable, entity: Entity, dialect: Dialect, issues: Issues): Header => {
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
  return { columns, index, ok }
}

/** Reads the data rows through the mapped header (shifted, short, empty rows; trimming). Also used by the Clever reader. */
export const readRows = (raw: RawTable, header: Header, issues: Issues): Array<Row> => {
  const { file } = raw
  const { columns, index } = header
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
  return rows
}

/**
 * Maps the header to canonical columns (typos, case, SDS renames), checks the needed
 * columns, then reads the rows. Returns null (file unusable) on a structural error
 * (`duplicate-column`, `missing-required-column`).
 */
export const buildTable = (
  raw: RawTable,
  entity: Entity,
  dialect: Dialect,
  needed: ReadonlyArray<string>,
  issues: Issues
): Table | null => {
  const { file } = raw
  const headerAt = loc(file, raw.headerLine)
  const header = mapHeader(raw, entity, dialect, issues)
  const { index } = header
  let ok = header.ok
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
  const rows = readRows(raw, header, issues)
  return { file, entity, headerAt, has: (column) => index.has(column), rows }
}

// ---------------------------------------------------------------------------------------
// Vocabularies of each dialect
// ---------------------------------------------------------------------------------------

/** OneRoster org types. */
export const ORG_TYPES = ["department", "school", "district", "local", "state", "national"]
/** Microsoft SDS v2.1 org types (OneRoster's plus its own). */
export const SDS_ORG_TYPES = [
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
/** OneRoster academic session types. */
export const SESSION_TYPES = ["gradingPeriod", "semester", "schoolYear", "term"]
/** OneRoster class types. */
export const CLASS_TYPES = ["homeroom", "scheduled"]

/** What a role makes of a user: a Signet user type, a guardian (skipped), or null (unsupported). */
export type RoleKind = UserType | "guardian"

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

/** A role of a user as read (users.csv `role` in 1.1; a roles.csv row in 1.2 / SDS). */
export interface RoleRef {
  readonly at: SourceLocation
  readonly raw: string
  /** Canonical spelling when the role is known. */
  readonly role: string
  readonly kind: RoleKind | null
  readonly primary: boolean
}

/**
 * Finds a role in the dialect's vocabulary, case-insensitively (`value-normalized` when
 * spelt otherwise). An unknown role has kind null (unsupported).
 */
export const lookupRole = (
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
