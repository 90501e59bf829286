/**
 * The planner's readers for the org side of a set: orgs → schools, academic sessions,
 * courses (course templates: their titles reach the groups) and classes → groups. Each
 * reads its table row by row (status, `sourcedId`, references, values) and returns the
 * plan entries plus the index later files resolve references against.
 *
 * @module
 */
import { CLASS_TYPES, type Dialect, ORG_TYPES, type Row, SDS_ORG_TYPES, SESSION_TYPES, type Table } from "./columns.js"
import { type Issues, type SourceLocation, where } from "./issues.js"
import type { PlanGroup, PlanSchool, PlanSession } from "./plan.js"
import type { Entity } from "./reader.js"
import { type Coverage, type Indexed, resolve, type Target } from "./references.js"
import { type DateOrder, orNull, readDate, readEnum, readId, readStatusOf, splitList, textOr } from "./values.js"

/** What every step of the planner reads from: the mapped tables and how complete each file is. */
export interface PlanContext {
  readonly issues: Issues
  readonly dialect: Dialect
  /** The 1.1 layout: `role` and `orgSourcedIds` on users.csv (else roles.csv, 1.2 / SDS). */
  readonly embeddedRoles: boolean
  readonly tables: ReadonlyMap<Entity, Table>
  readonly coverage: ReadonlyMap<Entity, Coverage>
  readonly dateOrder: DateOrder
}

/** The rows of an entity's table (none when the file is absent or unusable). */
export const rowsOf = (ctx: PlanContext, entity: Entity): ReadonlyArray<Row> => ctx.tables.get(entity)?.rows ?? []

/**
 * Status + dateLastModified of a row; null when the row is skipped (invalid status). An
 * empty status warns only in a delta file (see `readStatusOf`).
 */
export const common = (ctx: PlanContext, entity: Entity, row: Row): { readonly deleted: boolean } | null => {
  const table = ctx.tables.get(entity)!
  const status = readStatusOf(table, row, ctx.issues, ctx.coverage.get(entity) === "delta")
  readDate(row, "dateLastModified", ctx.dateOrder, ctx.issues)
  return status
}

/** The reference target of an entity: its rows by `sourcedId` and the file's coverage. */
export const targetOf = <A extends Indexed>(
  ctx: PlanContext,
  entity: Entity,
  label: string,
  rows: ReadonlyMap<string, A>
): Target => ({ entity, label, coverage: ctx.coverage.get(entity)!, rows })

/** A `parentSourcedId` to check once the whole file is indexed (parents may come later). */
interface Parent {
  readonly row: Row
  readonly parent: string
  readonly deleted: boolean
}

const checkParents = (ctx: PlanContext, parents: ReadonlyArray<Parent>, self: Target) => {
  for (const p of parents) {
    resolve(p.row, "parentSourcedId", p.parent, self, { needed: false, deleted: p.deleted }, ctx.issues)
  }
}

/** orgs.csv → schools (every org, with its type) and the org index. */
export const readOrgs = (ctx: PlanContext): { readonly schools: Array<PlanSchool>; readonly orgs: Target } => {
  const { issues, dialect } = ctx
  const schools: Array<PlanSchool> = []
  const orgIndex = new Map<string, Indexed>()
  const seen = new Map<string, SourceLocation>()
  const parents: Array<Parent> = []
  for (const row of rowsOf(ctx, "orgs")) {
    const status = common(ctx, "orgs", row)
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
  const orgs = targetOf(ctx, "orgs", "org", orgIndex)
  checkParents(ctx, parents, orgs)
  return { schools, orgs }
}

/** academicSessions.csv → sessions (dates as ISO `YYYY-MM-DD`) and the session index. */
export const readSessions = (
  ctx: PlanContext
): { readonly sessions: Array<PlanSession>; readonly academicSessions: Target } => {
  const { issues, dateOrder } = ctx
  const sessions: Array<PlanSession> = []
  const sessionIndex = new Map<string, Indexed>()
  const seen = new Map<string, SourceLocation>()
  const parents: Array<Parent> = []
  for (const row of rowsOf(ctx, "academicSessions")) {
    const status = common(ctx, "academicSessions", row)
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
      parentSourcedId: orNull(row.get("parentSourcedId")),
      schoolYear: orNull(row.get("schoolYear")),
      orgSourcedId: orNull(row.get("orgSourcedId")),
      deleted: status.deleted,
      at: row.at
    })
    sessionIndex.set(id, { at: row.at, deleted: status.deleted })
    if (row.get("parentSourcedId") !== "")
      parents.push({ row, parent: row.get("parentSourcedId"), deleted: status.deleted })
  }
  const academicSessions = targetOf(ctx, "academicSessions", "academic session", sessionIndex)
  checkParents(ctx, parents, academicSessions)
  return { sessions, academicSessions }
}

/** A course as far as the plan needs it: its title (the course template of its classes). */
type CourseRow = Indexed & { readonly title: string }

/** courses.csv → the course index (only titles reach the plan, through the groups). */
export const readCourses = (
  ctx: PlanContext,
  refs: { readonly orgs: Target; readonly academicSessions: Target }
): { readonly courseIndex: ReadonlyMap<string, CourseRow>; readonly courses: Target } => {
  const { issues } = ctx
  const courseIndex = new Map<string, CourseRow>()
  const seen = new Map<string, SourceLocation>()
  for (const row of rowsOf(ctx, "courses")) {
    const status = common(ctx, "courses", row)
    const id = readId(row, "sourcedId", seen, issues)
    if (status === null || id === null) continue
    const opts = { needed: true, deleted: status.deleted }
    const org = row.get("orgSourcedId")
    if (org === "") issues.error(row.at, "missing-required-value", `${where(row.at)}: empty orgSourcedId`)
    else resolve(row, "orgSourcedId", org, refs.orgs, opts, issues)
    const year = row.get("schoolYearSourcedId")
    if (year !== "")
      resolve(
        row,
        "schoolYearSourcedId",
        year,
        refs.academicSessions,
        { needed: false, deleted: status.deleted },
        issues
      )
    courseIndex.set(id, { at: row.at, deleted: status.deleted, title: textOr(row, "title", id, issues) })
  }
  return { courseIndex, courses: targetOf(ctx, "courses", "course", courseIndex) }
}

/** A class as far as enrollments need it: its school (to spot `enrollment-school-mismatch`). */
export type ClassRow = Indexed & { readonly school: string }

/** classes.csv → groups (with their course title) and the class index. */
export const readClasses = (
  ctx: PlanContext,
  refs: {
    readonly orgs: Target
    readonly academicSessions: Target
    readonly courses: Target
    readonly courseIndex: ReadonlyMap<string, CourseRow>
  }
): {
  readonly groups: Array<PlanGroup>
  readonly classIndex: ReadonlyMap<string, ClassRow>
  readonly classes: Target
} => {
  const { issues } = ctx
  const groups: Array<PlanGroup> = []
  const classIndex = new Map<string, ClassRow>()
  const seen = new Map<string, SourceLocation>()
  for (const row of rowsOf(ctx, "classes")) {
    const status = common(ctx, "classes", row)
    const id = readId(row, "sourcedId", seen, issues)
    if (status === null || id === null) continue
    const opts = { needed: true, deleted: status.deleted }
    const school = row.get("schoolSourcedId")
    if (school === "") {
      issues.error(row.at, "missing-required-value", `${where(row.at)}: empty schoolSourcedId; row skipped`)
      continue
    }
    resolve(row, "schoolSourcedId", school, refs.orgs, opts, issues)
    const courseId = orNull(row.get("courseSourcedId"))
    let courseTitle: string | null = null
    if (courseId === null) {
      if (ctx.tables.get("classes")!.has("courseSourcedId")) {
        issues.warn(row.at, "empty-value", `${where(row.at)}: empty courseSourcedId; the group has no course template`)
      }
    } else {
      const r = resolve(row, "courseSourcedId", courseId, refs.courses, opts, issues)
      if (r.kind === "found") courseTitle = refs.courseIndex.get(courseId)!.title
    }
    for (const term of splitList(row.get("termSourcedIds"))) {
      resolve(row, "termSourcedIds", term, refs.academicSessions, { needed: false, deleted: status.deleted }, issues)
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
  return { groups, classIndex, classes: targetOf(ctx, "classes", "class", classIndex) }
}
