/**
 * Deciding a user's Signet type from their OneRoster roles (ARCHITECTURE.md §3: users have a
 * `user_type` of student, teacher or admin; guardians are not imported yet).
 *
 * @module
 */
import type { RoleRef } from "./columns.js"
import { type Issues, type SourceLocation, where } from "./issues.js"
import type { UserType } from "./plan.js"

/**
 * Picks a user's Signet type from their roles: the first usable primary role, else the
 * first usable role (`no-primary-role`); guardians and unsupported roles are skipped.
 */
export const decideUserType = (
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
