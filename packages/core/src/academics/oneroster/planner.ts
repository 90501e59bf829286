/**
 * The import planner: reads a OneRoster 1.1 / 1.2 (or Microsoft SDS v2.1) set from
 * in-memory files into an {@link ImportPlan}, in the order references need — manifest
 * and layout, file coverage, header mapping, then orgs, sessions, courses, classes,
 * users (+ roles), enrollments.
 *
 * @module
 */
import { parseClever } from "./clever.js"
import { buildTable, type Dialect, requiredColumns, type Table } from "./columns.js"
import { detectSet, unknownDialectMessage } from "./dialect.js"
import { type PlanContext, readClasses, readCourses, readOrgs, readSessions } from "./entities.js"
import { byFileThenLine, Issues, loc, where } from "./issues.js"
import { readEnrollments, readUsers } from "./people.js"
import type { ImportPlan } from "./plan.js"
import {
  basename,
  ENTITY_FILES,
  type Entity,
  fileOf,
  type Manifest,
  type RawTable,
  readCsv,
  readManifest
} from "./reader.js"
import type { Coverage } from "./references.js"
import { assignSessionOrgs } from "./sessions.js"
import { inferDateOrder } from "./values.js"

/** A known file of the set: its base name as given and its bytes. */
interface Input {
  readonly name: string
  readonly bytes: Uint8Array
}

/** Step 0: known files by lower-cased base name; unknown ones ignored, duplicates refused. */
const collectInputs = (files: ReadonlyMap<string, Uint8Array>, issues: Issues, ignoredFiles: Array<string>) => {
  const inputs = new Map<string, Input>()
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
  return inputs
}

/** The layout of a set: dialect, where roles are, and the version the plan reports. */
interface Layout {
  readonly manifest: Manifest | null
  readonly dialect: Dialect
  readonly embeddedRoles: boolean
  readonly usersReadable: boolean
  readonly version: ImportPlan["version"]
}

/** Step 2: manifest, dialect (SDS when there is no manifest and SDS columns), version. */
const detectLayout = (
  inputs: ReadonlyMap<string, Input>,
  raws: ReadonlyMap<string, RawTable | null>,
  issues: Issues
): Layout => {
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
  return { manifest, dialect, embeddedRoles, usersReadable, version }
}

/** How complete one used file is, against the manifest (or the no-manifest rules). */
const coverageOf = (entity: Entity, inputs: ReadonlyMap<string, Input>, layout: Layout, issues: Issues): Coverage => {
  const { manifest } = layout
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
  if (
    entity === "roles" &&
    !present &&
    layout.usersReadable &&
    !(declared !== undefined && declared.mode !== "absent")
  ) {
    issues.error(
      loc(name, 0),
      "file-missing",
      `users.csv has no role column (OneRoster 1.2 / SDS layout), so roles.csv is required to give users a type; it is absent`
    )
  }
  return cover
}

/** Step 4: header mapping of every used file; an unusable file's coverage becomes `broken`. */
const buildTables = (
  used: ReadonlyArray<Entity>,
  raws: ReadonlyMap<string, RawTable | null>,
  layout: Layout,
  coverage: Map<Entity, Coverage>,
  issues: Issues
): Map<Entity, Table> => {
  const needed = requiredColumns(layout.dialect, layout.embeddedRoles)
  const tables = new Map<Entity, Table>()
  for (const entity of used) {
    const raw = raws.get(fileOf(entity))
    if (raw === undefined) continue
    const table = raw === null ? null : buildTable(raw, entity, layout.dialect, needed[entity], issues)
    if (table === null) coverage.set(entity, "broken")
    else tables.set(entity, table)
  }
  return tables
}

/** The plan of a set that matches no dialect: one `unknown-dialect` error naming the files and what each dialect needs. */
const noDialect = (files: ReadonlyMap<string, Uint8Array>): ImportPlan => ({
  version: "1.1",
  schools: [],
  sessions: [],
  groups: [],
  users: [],
  enrollments: [],
  warnings: [],
  errors: [{ file: "(set)", line: 0, code: "unknown-dialect", message: unknownDialectMessage(files) }],
  ignoredFiles: [...files.keys()]
})

/**
 * Reads a OneRoster 1.1 / 1.2 CSV set, a Microsoft SDS v2.1 set or a Clever SFTP set
 * (issue 16; the dialect is detected by `./dialect.ts`) from in-memory files and returns
 * the import plan. Pure and deterministic: the same bytes give the same plan.
 *
 * @param files file name → bytes. Names are matched case-insensitively on their base name
 *   (`users.csv`, `Users.CSV` and `export/users.csv` are the same file); non-CSV and
 *   unknown CSV files go to `ignoredFiles`.
 *   A set with none of OneRoster's files (`manifest.csv`, `orgs.csv`, `users.csv`) but
 *   Clever's is read as Clever; one with neither is an `unknown-dialect` error.
 * @returns the plan; never throws on bad input — problems are `warnings` / `errors` with
 *   `file:line` (codes in the module documentation of `OneRoster`). Apply it only when
 *   `errors` is empty.
 */
export const parseOneRoster = (files: ReadonlyMap<string, Uint8Array>): ImportPlan => {
  // Issue 16: Clever sets have their own reader; a set of no known dialect is one clear error.
  const kind = detectSet(files)
  if (kind === "clever") return parseClever(files)
  if (kind === "none") return noDialect(files)
  const issues = new Issues()
  const ignoredFiles: Array<string> = []
  const inputs = collectInputs(files, issues, ignoredFiles)
  // 1. CSV of every known file
  const raws = new Map<string, RawTable | null>()
  for (const [key, { name, bytes }] of inputs) raws.set(key, readCsv(name, bytes, issues))
  // 2. manifest, dialect, version
  const layout = detectLayout(inputs, raws, issues)
  // 3. which files are read, and how complete they are
  const used: ReadonlyArray<Entity> = [
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "enrollments",
    ...(layout.embeddedRoles ? [] : (["roles"] as const))
  ]
  const coverage = new Map<Entity, Coverage>()
  for (const entity of used) coverage.set(entity, coverageOf(entity, inputs, layout, issues))
  for (const [key, { name }] of inputs) {
    const entity = ENTITY_FILES[key]
    if (entity !== "manifest" && !used.includes(entity)) ignoredFiles.push(name)
  }
  // 4. header mapping
  const tables = buildTables(used, raws, layout, coverage, issues)
  const ctx: PlanContext = {
    issues,
    dialect: layout.dialect,
    embeddedRoles: layout.embeddedRoles,
    tables,
    coverage,
    dateOrder: inferDateOrder([...tables.values()])
  }
  // 5–10. entities, in reference order
  const { schools, orgs } = readOrgs(ctx)
  const { sessions, academicSessions } = readSessions(ctx)
  const { courseIndex, courses } = readCourses(ctx, { orgs, academicSessions })
  const { groups, classIndex, classes } = readClasses(ctx, { orgs, academicSessions, courses, courseIndex })
  const { users, userTypes, usersTarget } = readUsers(ctx, orgs)
  const enrollments = readEnrollments(ctx, { orgs, classes, classIndex, users: usersTarget, userTypes })
  return {
    version: layout.version,
    schools,
    sessions: assignSessionOrgs(sessions, tables),
    groups,
    users,
    enrollments,
    warnings: byFileThenLine(issues.warnings),
    errors: byFileThenLine(issues.errors),
    ignoredFiles
  }
}
