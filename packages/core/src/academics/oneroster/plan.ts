/**
 * The import plan: the normalized, side-effect-free result of reading a OneRoster set,
 * applied by `Roster.importPlan` (ARCHITECTURE.md §4, "Rosters import from OneRoster CSV").
 *
 * @module
 */
import type { ImportIssue, SourceLocation } from "./issues.js"

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
  /** `parentSourcedId` (a term's school year…), as written. */
  readonly parentSourcedId: string | null
  /** `schoolYear` (the year it ends, `2025`), as written. */
  readonly schoolYear: string | null
  /**
   * The org the session belongs to (issue 16): its `orgSourcedId` column when the file
   * has one, else the one org its classes (`termSourcedIds`), courses
   * (`schoolYearSourcedId`) and child sessions point to, else its parent's; null when
   * several or none.
   */
  readonly orgSourcedId: string | null
  readonly deleted: boolean
  readonly at: SourceLocation
}

/**
 * The normalized result of reading a OneRoster set. Entities keep input order. A plan with
 * a non-empty `errors` must not be applied (all-or-nothing); `warnings` are informational.
 */
export interface ImportPlan {
  /**
   * From the manifest (`oneroster.version`), else detected from the headers; `sds` =
   * Microsoft SDS v2.1; `clever` = Clever SFTP CSV (issue 16).
   */
  readonly version: "1.1" | "1.2" | "sds" | "clever"
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
