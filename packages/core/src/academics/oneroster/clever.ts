/**
 * The Clever SFTP CSV dialect (issue 16): `schools.csv`, `teachers.csv`,
 * `students.csv`, `sections.csv` and `enrollments.csv`, read into the same
 * {@link ImportPlan} as OneRoster:
 *
 * | Clever | plan |
 * |---|---|
 * | schools.csv `School_id`, `School_name`, `School_number` | school (`sourcedId`, `name`, `identifier` → code) |
 * | teachers.csv `Teacher_id`, `School_id`, `First_name`, `Last_name`, `Teacher_email`, `Username`, `Teacher_number` | teacher user (one row per school for a teacher of several schools) |
 * | students.csv `Student_id`, `School_id`, `First_name`, `Last_name`, `Student_email`, `Username`, `Student_number` | student user (`Student_number` → student number) |
 * | sections.csv `Section_id`, `School_id`, `Name` (else `Course_name`), `Section_number`, `Course_name`, `Teacher_id` … `Teacher_10_id`, `Term_name`/`Term_start`/`Term_end` | group, its teachers (`Teacher_id` primary), a `term` session of the school |
 * | enrollments.csv `School_id`, `Section_id`, `Student_id` | student enrollment (`sourcedId` = `Section_id:Student_id`) |
 *
 * The columns are those of Clever's SFTP instructions (v2.1) as exports such as
 * Genesis's list them; headers match case-insensitively and columns outside the list
 * are ignored with one `unknown-column` warning per file. Clever files hold active
 * rows only (no status): every row is active. Dates (`Term_start`, `Term_end`) are
 * Clever's `MM/DD/YYYY` or ISO 8601. `staff.csv` and
 * `admins.csv` are not imported (`file-ignored`). The same codes as OneRoster are
 * used for warnings and errors (see `../OneRoster.ts`).
 *
 * @module
 */
import { type Header, type Row, readRows } from "./columns.js"
import { CLEVER_FILES } from "./dialect.js"
import { type ImportIssue, Issues, loc, type SourceLocation, where } from "./issues.js"
import type { ImportPlan, PlanEnrollment, PlanGroup, PlanSchool, PlanSession, PlanUser } from "./plan.js"
import { basename, readCsv } from "./reader.js"
import { type Indexed, resolve, type Target } from "./references.js"
import { type DateOrder, EMAIL, orNull, readDate, readId } from "./values.js"

type CleverFile = (typeof CLEVER_FILES)[number]

/** Extra teacher columns of sections.csv (`Teacher_2_id` … `Teacher_10_id`). */
const CO_TEACHERS = Array.from({ length: 9 }, (_, i) => `Teacher_${i + 2}_id`)

/** The documented columns of each Clever file (used ones and known unused ones). */
const COLUMNS: Readonly<Record<CleverFile, ReadonlyArray<string>>> = {
  "schools.csv": [
    "School_id",
    "School_name",
    "School_number",
    "State_id",
    "NCES_id",
    "Low_grade",
    "High_grade",
    "Principal",
    "Principal_email",
    "School_address",
    "School_city",
    "School_state",
    "School_zip",
    "School_phone"
  ],
  "teachers.csv": [
    "School_id",
    "Teacher_id",
    "Teacher_number",
    "State_teacher_id",
    "Teacher_email",
    "First_name",
    "Middle_name",
    "Last_name",
    "Title",
    "Username",
    "Password"
  ],
  "students.csv": [
    "School_id",
    "Student_id",
    "Student_number",
    "State_id",
    "Last_name",
    "Middle_name",
    "First_name",
    "Grade",
    "Gender",
    "DOB",
    "Race",
    "Hispanic_Latino",
    "Ell_status",
    "Frl_status",
    "Iep_status",
    "Student_street",
    "Student_city",
    "Student_state",
    "Student_zip",
    "Student_email",
    "Contact_relationship",
    "Contact_type",
    "Contact_name",
    "Contact_phone",
    "Contact_phone_type",
    "Contact_email",
    "Contact_sis_id",
    "Username",
    "Password",
    "Unweighted_gpa",
    "Weighted_gpa"
  ],
  "sections.csv": [
    "School_id",
    "Section_id",
    "Teacher_id",
    ...CO_TEACHERS,
    "Name",
    "Section_number",
    "Grade",
    "Course_name",
    "Course_number",
    "Course_description",
    "Period",
    "Subject",
    "Term_name",
    "Term_start",
    "Term_end"
  ],
  "enrollments.csv": ["School_id", "Section_id", "Student_id"]
}

/** The columns the import needs in each file (`missing-required-column` otherwise). */
const REQUIRED: Readonly<Record<CleverFile, ReadonlyArray<string>>> = {
  "schools.csv": ["School_id", "School_name"],
  "teachers.csv": ["School_id", "Teacher_id", "First_name", "Last_name"],
  "students.csv": ["School_id", "Student_id", "First_name", "Last_name"],
  "sections.csv": ["School_id", "Section_id"],
  "enrollments.csv": ["School_id", "Section_id", "Student_id"]
}

/** Ambiguous slashed dates of Clever files are month/day/year (a US format). */
const CLEVER_DATE_ORDER: DateOrder = { dayFirst: false, reason: "month/day/year, as Clever's US exports write it" }

/** A Clever file after header mapping. */
interface CleverTable {
  readonly file: string
  readonly has: (column: string) => boolean
  readonly rows: ReadonlyArray<Row>
}

/** Maps a Clever header (case-insensitive), checks the needed columns, reads the rows; null when unusable. */
const buildCleverTable = (file: string, bytes: Uint8Array, key: CleverFile, issues: Issues): CleverTable | null => {
  const raw = readCsv(file, bytes, issues)
  if (raw === null) return null
  const headerAt = loc(file, raw.headerLine)
  const byLower = new Map(COLUMNS[key].map((c) => [c.toLowerCase(), c]))
  const columns: Array<string | null> = []
  const index = new Map<string, number>()
  const unknown: Array<string> = []
  let ok = true
  raw.header.forEach((cell, i) => {
    const canonical = byLower.get(cell.trim().toLowerCase()) ?? null
    if (canonical === null && cell.trim() !== "") unknown.push(cell.trim())
    if (canonical !== null && index.has(canonical)) {
      issues.error(headerAt, "duplicate-column", `${file}: column '${canonical}' appears twice in the header`)
      ok = false
    }
    if (canonical !== null) index.set(canonical, i)
    columns.push(canonical)
  })
  if (unknown.length > 0) {
    issues.warn(
      headerAt,
      "unknown-column",
      `${file}: column(s) not in Clever's format were ignored: ${unknown.join(", ")}`
    )
  }
  for (const column of REQUIRED[key]) {
    if (!index.has(column)) {
      issues.error(headerAt, "missing-required-column", `${file}: required Clever column '${column}' is missing`)
      ok = false
    }
  }
  if (!ok) return null
  const password = index.get("Password")
  if (password !== undefined) {
    const count = raw.rows.filter((r) => (r.cells[password] ?? "").trim() !== "").length
    if (count > 0) {
      issues.warn(headerAt, "password-ignored", `${file}: ${count} password(s) present; Signet never imports passwords`)
    }
  }
  const header: Header = { columns, index, ok }
  return { file, has: (c) => index.has(c), rows: readRows(raw, header, issues) }
}

/**
 * A reference target over the rows of a file (Clever files are complete snapshots). When
 * the file is absent or unusable (already an error), references into it are not checked.
 */
const target = (label: string, rows: ReadonlyMap<string, Indexed>, usable: boolean): Target => ({
  entity: "orgs",
  label,
  coverage: usable ? "complete" : "broken",
  rows
})

const MDY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/

/**
 * A Clever date: ISO 8601 (as OneRoster reads it) or Clever's own `MM/DD/YYYY`, read
 * without a warning (it is the format's spelling, not a deviation); null when empty or
 * not a date (`invalid-date`).
 */
const cleverDate = (row: Row, column: string, issues: Issues): string | null => {
  const m = MDY.exec(row.get(column))
  if (m === null) return readDate(row, column, CLEVER_DATE_ORDER, issues)
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    issues.warn(row.at, "invalid-date", `${where(row.at)}: ${column} '${row.get(column)}' is not a valid date; ignored`)
    return null
  }
  return date.toISOString().slice(0, 10)
}

/** A value, or `fallback` with an `empty-value` warning. */
const valueOr = (row: Row, column: string, fallback: string, issues: Issues): string => {
  const value = row.get(column)
  if (value !== "") return value
  issues.warn(row.at, "empty-value", `${where(row.at)}: empty ${column}; '${fallback}' used`)
  return fallback
}

/** schools.csv → schools (type `school`, `School_number` as identifier). */
const readSchools = (table: CleverTable | undefined, issues: Issues) => {
  const schools: Array<PlanSchool> = []
  const index = new Map<string, Indexed>()
  const seen = new Map<string, SourceLocation>()
  for (const row of table?.rows ?? []) {
    const id = readId(row, "School_id", seen, issues)
    if (id === null) continue
    const name = valueOr(row, "School_name", id, issues)
    schools.push({
      sourcedId: id,
      name,
      identifier: orNull(row.get("School_number")),
      type: "school",
      deleted: false,
      at: row.at
    })
    index.set(id, { at: row.at, deleted: false })
  }
  return { schools, schoolTarget: target("school", index, table !== undefined) }
}

/** teachers.csv and students.csv → users; a teacher listed once per school keeps every school. */
const readPeople = (
  tables: { readonly teachers?: CleverTable | undefined; readonly students?: CleverTable | undefined },
  schoolTarget: Target,
  issues: Issues
) => {
  const users: Array<PlanUser> = []
  const byId = new Map<string, { user: PlanUser; schools: Array<string> }>()
  const emails = new Map<string, SourceLocation>()
  const read = (table: CleverTable | undefined, type: "teacher" | "student") => {
    const idColumn = type === "teacher" ? "Teacher_id" : "Student_id"
    const prefix = type === "teacher" ? "Teacher" : "Student"
    for (const row of table?.rows ?? []) {
      const id = row.get(idColumn)
      if (id === "") {
        issues.error(row.at, "missing-required-value", `${where(row.at)}: empty ${idColumn}; row skipped`)
        continue
      }
      const school = row.get("School_id")
      if (school === "") issues.error(row.at, "missing-required-value", `${where(row.at)}: empty School_id`)
      else resolve(row, "School_id", school, schoolTarget, { needed: true, deleted: false }, issues)
      const previous = byId.get(id)
      if (previous !== undefined) {
        // Clever lists a teacher of several schools once per school; anything else is a duplicate.
        if (type === "teacher" && previous.user.userType === "teacher") {
          if (school !== "" && !previous.schools.includes(school)) previous.schools.push(school)
          continue
        }
        issues.error(
          row.at,
          "duplicate-sourced-id",
          `${where(row.at)}: ${idColumn} '${id}' already used at ${where(previous.user.at)}; row skipped`
        )
        continue
      }
      let email = orNull(row.get(`${prefix}_email`))
      if (email !== null && !EMAIL.test(email)) {
        issues.warn(row.at, "invalid-email", `${where(row.at)}: email '${email}' is not an address; ignored`)
        email = null
      }
      if (email !== null) {
        const first = emails.get(email.toLowerCase())
        if (first !== undefined) {
          issues.warn(row.at, "duplicate-email", `${where(row.at)}: email '${email}' also used at ${where(first)}`)
        } else emails.set(email.toLowerCase(), row.at)
      }
      const username = orNull(row.get("Username"))
      if (email === null && username === null) {
        issues.warn(row.at, "no-contact", `${where(row.at)}: user '${id}' has neither email nor username`)
      }
      const schools = school === "" ? [] : [school]
      const user: PlanUser = {
        sourcedId: id,
        userType: type,
        email,
        username,
        givenName: row.get("First_name"),
        familyName: row.get("Last_name"),
        identifier: orNull(row.get(`${prefix}_number`)),
        schoolSourcedIds: schools,
        enabled: true,
        deleted: false,
        at: row.at
      }
      byId.set(id, { user, schools })
      users.push(user)
    }
  }
  read(tables.teachers, "teacher")
  read(tables.students, "student")
  const index = (type: PlanUser["userType"]) =>
    new Map(users.filter((u) => u.userType === type).map((u) => [u.sourcedId, { at: u.at, deleted: false }]))
  return {
    users,
    teacherTarget: target("teacher", index("teacher"), tables.teachers !== undefined),
    studentTarget: target("student", index("student"), tables.students !== undefined)
  }
}

/** sections.csv → groups, teacher enrollments and one `term` session per school and term. */
const readSections = (
  table: CleverTable | undefined,
  refs: { readonly schoolTarget: Target; readonly teacherTarget: Target },
  issues: Issues
) => {
  const groups: Array<PlanGroup> = []
  const enrollments: Array<PlanEnrollment> = []
  const sessions = new Map<string, PlanSession>()
  const index = new Map<string, Indexed & { readonly school: string }>()
  const seen = new Map<string, SourceLocation>()
  for (const row of table?.rows ?? []) {
    const id = readId(row, "Section_id", seen, issues)
    if (id === null) continue
    const school = row.get("School_id")
    if (school === "") {
      issues.error(row.at, "missing-required-value", `${where(row.at)}: empty School_id; row skipped`)
      continue
    }
    resolve(row, "School_id", school, refs.schoolTarget, { needed: true, deleted: false }, issues)
    const course = orNull(row.get("Course_name"))
    const title = row.get("Name") !== "" ? row.get("Name") : valueOr(row, "Course_name", id, issues)
    groups.push({
      sourcedId: id,
      title,
      classCode: orNull(row.get("Section_number")),
      schoolSourcedId: school,
      courseSourcedId: null,
      courseTitle: course,
      location: null,
      deleted: false,
      at: row.at
    })
    index.set(id, { at: row.at, deleted: false, school })
    for (const [i, column] of ["Teacher_id", ...CO_TEACHERS].entries()) {
      const teacher = row.get(column)
      if (teacher === "") continue
      const r = resolve(row, column, teacher, refs.teacherTarget, { needed: true, deleted: false }, issues)
      if (r.kind !== "found") continue
      const sourcedId = `${id}:${teacher}`
      if (enrollments.some((e) => e.sourcedId === sourcedId)) continue
      enrollments.push({
        sourcedId,
        classSourcedId: id,
        userSourcedId: teacher,
        role: "teacher",
        primary: i === 0,
        deleted: false,
        at: row.at
      })
    }
    const term = row.get("Term_name")
    if (term !== "" && !sessions.has(`${school}/${term}`)) {
      sessions.set(`${school}/${term}`, {
        sourcedId: `${school}/${term}`,
        title: term,
        type: "term",
        startDate: cleverDate(row, "Term_start", issues),
        endDate: cleverDate(row, "Term_end", issues),
        parentSourcedId: null,
        schoolYear: null,
        orgSourcedId: school,
        deleted: false,
        at: row.at
      })
    }
  }
  return { groups, enrollments, sessions: [...sessions.values()], sectionIndex: index, usable: table !== undefined }
}

/** enrollments.csv → student enrollments (`sourcedId` = `Section_id:Student_id`). */
const readEnrollments = (
  table: CleverTable | undefined,
  refs: {
    readonly sectionIndex: ReadonlyMap<string, Indexed & { readonly school: string }>
    readonly sectionsUsable: boolean
    readonly studentTarget: Target
  },
  issues: Issues
): Array<PlanEnrollment> => {
  const enrollments: Array<PlanEnrollment> = []
  const seen = new Map<string, SourceLocation>()
  const sections = target("section", refs.sectionIndex, refs.sectionsUsable)
  for (const row of table?.rows ?? []) {
    const section = row.get("Section_id")
    const student = row.get("Student_id")
    if (section === "" || student === "") {
      const empty = [section === "" && "Section_id", student === "" && "Student_id"].filter(Boolean).join(", ")
      issues.error(row.at, "missing-required-value", `${where(row.at)}: empty ${empty}; row skipped`)
      continue
    }
    const id = readId({ at: row.at, get: () => `${section}:${student}` }, "Section_id:Student_id", seen, issues)
    if (id === null) continue
    resolve(row, "Section_id", section, sections, { needed: true, deleted: false }, issues)
    resolve(row, "Student_id", student, refs.studentTarget, { needed: true, deleted: false }, issues)
    const school = row.get("School_id")
    const sectionSchool = refs.sectionIndex.get(section)?.school
    if (school !== "" && sectionSchool !== undefined && school !== sectionSchool) {
      issues.warn(
        row.at,
        "enrollment-school-mismatch",
        `${where(row.at)}: School_id '${school}' but section '${section}' belongs to '${sectionSchool}'`
      )
    }
    enrollments.push({
      sourcedId: id,
      classSourcedId: section,
      userSourcedId: student,
      role: "student",
      primary: false,
      deleted: false,
      at: row.at
    })
  }
  return enrollments
}

/** Issues by Clever file (reading order) then line. */
const sorted = (list: ReadonlyArray<ImportIssue>): Array<ImportIssue> => {
  const rank = (file: string) => {
    const i = (CLEVER_FILES as ReadonlyArray<string>).indexOf(file.toLowerCase())
    return i < 0 ? CLEVER_FILES.length : i
  }
  return [...list].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line)
}

/**
 * Reads a Clever SFTP CSV set into an import plan (version `clever`). Pure. All five
 * files are needed (`file-missing` names the absent ones); other files go to
 * `ignoredFiles` (`staff.csv` and `admins.csv` with a `file-ignored` warning).
 */
export const parseClever = (files: ReadonlyMap<string, Uint8Array>): ImportPlan => {
  const issues = new Issues()
  const ignoredFiles: Array<string> = []
  const inputs = new Map<CleverFile, { name: string; bytes: Uint8Array }>()
  for (const [path, bytes] of files) {
    const name = basename(path)
    const key = name.toLowerCase() as CleverFile
    if (!(CLEVER_FILES as ReadonlyArray<string>).includes(key)) {
      ignoredFiles.push(path)
      if (key === ("staff.csv" as CleverFile) || key === ("admins.csv" as CleverFile)) {
        issues.warn(loc(name, 0), "file-ignored", `${name}: Clever staff and administrators are not imported`)
      }
      continue
    }
    const previous = inputs.get(key)
    if (previous !== undefined) {
      issues.error(loc(name, 0), "duplicate-file", `'${path}' and '${previous.name}' are the same file of the set`)
      continue
    }
    inputs.set(key, { name, bytes })
  }
  const tables = new Map<CleverFile, CleverTable>()
  for (const key of CLEVER_FILES) {
    const input = inputs.get(key)
    if (input === undefined) {
      issues.error(loc(key, 0), "file-missing", `${key} is absent; a Clever set needs ${CLEVER_FILES.join(", ")}`)
      continue
    }
    const table = buildCleverTable(input.name, input.bytes, key, issues)
    if (table !== null) tables.set(key, table)
  }
  const { schools, schoolTarget } = readSchools(tables.get("schools.csv"), issues)
  const people = readPeople(
    { teachers: tables.get("teachers.csv"), students: tables.get("students.csv") },
    schoolTarget,
    issues
  )
  const sections = readSections(
    tables.get("sections.csv"),
    { schoolTarget, teacherTarget: people.teacherTarget },
    issues
  )
  const students = readEnrollments(
    tables.get("enrollments.csv"),
    { sectionIndex: sections.sectionIndex, sectionsUsable: sections.usable, studentTarget: people.studentTarget },
    issues
  )
  return {
    version: "clever",
    schools,
    sessions: sections.sessions,
    groups: sections.groups,
    users: people.users,
    enrollments: [...sections.enrollments, ...students],
    warnings: sorted(issues.warnings),
    errors: sorted(issues.errors),
    ignoredFiles
  }
}
