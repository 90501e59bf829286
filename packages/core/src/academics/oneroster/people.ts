/**
 * The planner's readers for the people side of a set: users (with their roles from
 * users.csv in 1.1, or roles.csv in 1.2 / SDS) → tenant users with a Signet user type,
 * and enrollments → memberships (students) and assignments (teachers).
 *
 * @module
 */
import { lookupRole, type RoleRef, type Row } from "./columns.js"
import { type ClassRow, common, type PlanContext, rowsOf, targetOf } from "./entities.js"
import { type SourceLocation, where } from "./issues.js"
import type { PlanEnrollment, PlanUser, UserType } from "./plan.js"
import { type Indexed, resolve, type Target } from "./references.js"
import { decideUserType } from "./userType.js"
import { EMAIL, orNull, readBoolean, readDate, readEnum, readId, splitList, textOr } from "./values.js"

/** A user row read, before their type is decided (roles of roles.csv are added to it). */
interface UserDraft {
  readonly row: Row
  readonly id: string
  readonly deleted: boolean
  readonly orgIds: Array<string>
  readonly roles: Array<RoleRef>
}

/** users.csv → drafts: orgs and (1.1) the role of each user, plus the user index. */
const readUserRows = (
  ctx: PlanContext,
  orgs: Target
): { readonly drafts: Array<UserDraft>; readonly userIndex: Map<string, Indexed> } => {
  const { issues, dialect } = ctx
  const drafts: Array<UserDraft> = []
  const userIndex = new Map<string, Indexed>()
  const seen = new Map<string, SourceLocation>()
  for (const row of rowsOf(ctx, "users")) {
    const status = common(ctx, "users", row)
    const id = readId(row, "sourcedId", seen, issues)
    if (status === null || id === null) continue
    const opts = { needed: true, deleted: status.deleted }
    const orgIds: Array<string> = []
    const roles: Array<RoleRef> = []
    if (ctx.embeddedRoles) {
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
  return { drafts, userIndex }
}

/** roles.csv (1.2 / SDS) → the roles and role orgs of each draft. */
const attachRoles = (
  ctx: PlanContext,
  drafts: ReadonlyArray<UserDraft>,
  refs: { readonly orgs: Target; readonly users: Target }
): void => {
  const { issues, dialect, dateOrder } = ctx
  const byUser = new Map<string, Array<{ ref: RoleRef; org: string | null; deleted: boolean }>>()
  const seen = new Map<string, SourceLocation>()
  const sds = dialect === "sds"
  for (const row of rowsOf(ctx, "roles")) {
    const status = common(ctx, "roles", row)
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
    resolve(row, "orgSourcedId", org, refs.orgs, opts, issues)
    resolve(row, "userSourcedId", user, refs.users, opts, issues)
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

/** A draft → a plan user (null type = not imported): contact checks, names, enabled flag. */
const toPlanUser = (
  ctx: PlanContext,
  draft: UserDraft,
  userType: UserType,
  emails: Map<string, SourceLocation>
): PlanUser => {
  const { issues } = ctx
  const { row } = draft
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
  const hasEnabled = ctx.tables.get("users")!.has("enabledUser")
  return {
    sourcedId: draft.id,
    userType,
    email,
    username,
    givenName: textOr(row, "givenName", "", issues),
    familyName: textOr(row, "familyName", "", issues),
    identifier: orNull(row.get("identifier")),
    schoolSourcedIds: draft.orgIds,
    enabled: hasEnabled
      ? readBoolean(row, "enabledUser", { fallback: true, warnEmpty: true, anyCase: ctx.dialect === "sds" }, issues)
      : true,
    deleted: draft.deleted,
    at: row.at
  }
}

/**
 * users.csv (+ roles.csv for 1.2 / SDS) → plan users, the type decided for each user id
 * (null = not imported) and the user index enrollments resolve against.
 */
export const readUsers = (
  ctx: PlanContext,
  orgs: Target
): {
  readonly users: Array<PlanUser>
  readonly userTypes: ReadonlyMap<string, UserType | null>
  readonly usersTarget: Target
} => {
  const { issues, embeddedRoles } = ctx
  const { drafts, userIndex } = readUserRows(ctx, orgs)
  const usersTarget = targetOf(ctx, "users", "user", userIndex)
  if (!embeddedRoles) attachRoles(ctx, drafts, { orgs, users: usersTarget })
  const users: Array<PlanUser> = []
  const userTypes = new Map<string, UserType | null>()
  const emails = new Map<string, SourceLocation>()
  // Without a readable roles.csv an error is already reported; no warning per user.
  const rolesCoverage = ctx.coverage.get("roles")
  const rolesRead = !embeddedRoles && (rolesCoverage === "complete" || rolesCoverage === "delta")
  for (const draft of drafts) {
    const { row } = draft
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
    for (const agent of splitList(row.get("agentSourcedIds"))) {
      resolve(row, "agentSourcedIds", agent, usersTarget, { needed: false, deleted: draft.deleted }, issues)
    }
    if (userType !== null) users.push(toPlanUser(ctx, draft, userType, emails))
  }
  return { users, userTypes, usersTarget }
}

/** enrollments.csv → plan enrollments of students and teachers (others skipped with a warning). */
export const readEnrollments = (
  ctx: PlanContext,
  refs: {
    readonly orgs: Target
    readonly classes: Target
    readonly classIndex: ReadonlyMap<string, ClassRow>
    readonly users: Target
    readonly userTypes: ReadonlyMap<string, UserType | null>
  }
): Array<PlanEnrollment> => {
  const { issues, dialect, dateOrder } = ctx
  const enrollments: Array<PlanEnrollment> = []
  const seen = new Map<string, SourceLocation>()
  const sds = dialect === "sds"
  const table = ctx.tables.get("enrollments")
  if (sds && table !== undefined && !table.has("sourcedId")) {
    issues.warn(
      table.headerAt,
      "synthesized-sourced-id",
      `${table.file}: no sourcedId column; 'classSourcedId:userSourcedId' is used as sourcedId`
    )
  }
  for (const row of rowsOf(ctx, "enrollments")) {
    const status = common(ctx, "enrollments", row)
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
    const synthesized = !table!.has("sourcedId")
    const id = synthesized
      ? readId({ at: row.at, get: () => `${classId}:${userId}` }, "classSourcedId:userSourcedId", seen, issues)
      : readId(row, "sourcedId", seen, issues)
    if (id === null) continue
    const opts = { needed: true, deleted: status.deleted }
    resolve(row, "classSourcedId", classId, refs.classes, opts, issues)
    const usr = resolve(row, "userSourcedId", userId, refs.users, opts, issues)
    const school = row.get("schoolSourcedId")
    if (school !== "") {
      const r = resolve(row, "schoolSourcedId", school, refs.orgs, opts, issues)
      const classSchool = refs.classIndex.get(classId)?.school
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
    const userType = refs.userTypes.get(userId)
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
  return enrollments
}
