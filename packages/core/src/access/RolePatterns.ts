/**
 * The permission patterns a role grants (seed 001 "role_permissions"):
 * replacing them, granting one, revoking one. Only what a change adds is
 * validated and must be held by the caller (no escalation); the system role
 * `admin` always keeps `*:*`. Every change is one `Kit.mutation`.
 *
 * @module
 */

import { ALL_PERMISSIONS, type Role, type RoleId } from "@signet/contracts/access/Domain"
import { Conflict } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import type { Checks } from "./Checks.js"
import { dedupe, type Kit } from "./Kit.js"
import { policyRequire } from "./Policy.js"
import type { makeRoles } from "./Roles.js"

type Roles = ReturnType<typeof makeRoles>

const rolesWrite = policyRequire("roles", "write")

/** A role's permission patterns, on `kit`, the decisions `checks` and the role lookups of `roles`. */
export const makeRolePatterns = (kit: Kit, checks: Checks, roles: Roles) => {
  const { repo, mutation, commit } = kit
  const { requireRole, detailOf } = roles

  /** The admin role always keeps `*:*`, so a tenant cannot lock itself out. */
  const guardAdmin = (role: Role, permissions: ReadonlyArray<string>) =>
    role.is_system && role.name === "admin" && !permissions.includes(ALL_PERMISSIONS)
      ? Effect.fail(
          new Conflict({ message: `the system role "admin" always holds ${ALL_PERMISSIONS}`, field: "permissions" })
        )
      : Effect.void

  /** A change of a role's patterns: only what it adds is validated and must be held. */
  const changePermissions = (
    name: string,
    roleId: RoleId,
    next: (current: ReadonlyArray<string>) => ReadonlyArray<string>,
    action: string,
    event: string
  ) =>
    mutation(name, (at) =>
      Effect.gen(function* () {
        const role = yield* requireRole(roleId)
        const current = yield* repo.rolePermissions(roleId)
        const wanted = dedupe(next(current))
        const added = wanted.filter((p) => !current.includes(p))
        const removed = current.filter((p) => !wanted.includes(p))
        if (added.length === 0 && removed.length === 0) return detailOf(role, current)
        yield* kit.validatePatterns(added, "permissions")
        yield* checks.requireHeld(added, `granting to role "${role.name}"`)
        yield* guardAdmin(role, wanted)
        yield* repo.deleteRolePermissions(roleId, removed)
        yield* repo.insertRolePermissions(roleId, added, at)
        yield* commit({
          action,
          targetType: "role",
          targetId: roleId,
          before: { permissions: current },
          after: { permissions: wanted },
          event,
          data: { role_id: roleId, name: role.name, added, removed, permissions: wanted }
        })
        return detailOf(role, wanted)
      })
    )

  /**
   * Replaces a role's permission patterns. Requires `roles:write`, and the
   * caller must hold every pattern the call adds.
   * @errors RoleNotFound, ValidationError (unknown permission), Forbidden
   * (403, the first added pattern not held), Conflict (admin without `*:*`)
   */
  const setRolePermissions = (roleId: RoleId, permissions: ReadonlyArray<string>) =>
    rolesWrite(
      changePermissions(
        "setRolePermissions",
        roleId,
        () => permissions,
        "access.role.permissions.set",
        "signet.access.role.permissions.set"
      )
    )

  /**
   * Adds one permission pattern to a role (no-op when present). Requires
   * `roles:write`, and the caller must hold the pattern when it is new.
   * @errors RoleNotFound, ValidationError, Forbidden (403, the pattern not held)
   */
  const grant = (roleId: RoleId, permission: string) =>
    rolesWrite(
      changePermissions(
        "grant",
        roleId,
        (current) => [...current, permission],
        "access.role.permission.grant",
        "signet.access.role.permission.granted"
      )
    )

  /**
   * Removes one permission pattern from a role (no-op when absent). Requires
   * `roles:write` only: it takes away.
   * @errors RoleNotFound, Conflict (admin's `*:*`)
   */
  const revoke = (roleId: RoleId, permission: string) =>
    rolesWrite(
      changePermissions(
        "revoke",
        roleId,
        (current) => current.filter((p) => p !== permission),
        "access.role.permission.revoke",
        "signet.access.role.permission.revoked"
      )
    )

  return { setRolePermissions, grant, revoke } as const
}
