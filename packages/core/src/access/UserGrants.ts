/**
 * The access service's user grants (seed 001 "user_roles /
 * user_permissions"): roles assigned to a user, user-level overrides
 * (allow / deny), and what a user is left with when deleted; with the full
 * account of a user's permissions (`Effective.ts`) they make the service's
 * user operations.
 *
 * Every operation that names a user requires a live user of the current
 * tenant (`Kit.requireUser`, issue 14): another tenant's user or nobody
 * answers `NotFound` (`resource: "user"`) and nothing is written. The one
 * exception is {@link makeUserGrants}'s `removeUserGrants`, called while the
 * user is being deleted.
 *
 * @module
 */

import { type GrantEffect, type RoleId, type UserId, UserOverride, UserRole } from "@signet/contracts/access/Domain"
import { Effect } from "effect"
import type { Checks } from "./Checks.js"
import { makeEffectivePermissions } from "./Effective.js"
import type { Kit } from "./Kit.js"
import { policyRequire } from "./Policy.js"
import type { makeRoles } from "./Roles.js"

type Roles = ReturnType<typeof makeRoles>

const rolesRead = policyRequire("roles", "read")
const rolesWrite = policyRequire("roles", "write")
const usersDelete = policyRequire("users", "delete")

/** Roles assigned to users, on `kit`, the decisions `checks` and the role lookups of `roles`. */
const makeUserRoles = (kit: Kit, checks: Checks, roles: Roles) => {
  const { repo, mutation, commit, inTenant, requireUser } = kit

  /** The roles assigned directly to a user (highest priority first). Requires `roles:read`. @errors ValidationError, NotFound */
  const listUserRoles = (userId: UserId) =>
    rolesRead(
      inTenant(Effect.zipRight(requireUser(userId), repo.userRoles(userId))).pipe(
        Effect.withSpan("Access.listUserRoles")
      )
    )

  /**
   * Assigns a role to a user (no-op when assigned). Requires `roles:write`,
   * and the caller must hold every permission pattern of the role (checked
   * on every call, no-ops included). Also used by the default-role steps of
   * user creation and roster retypes, with the creating actor.
   * @errors ValidationError (user id), NotFound (no such user in the tenant),
   * RoleNotFound, Forbidden (403, the first pattern of the role not held)
   */
  const grantRole = (userId: UserId, roleId: RoleId) =>
    mutation("assignRole", (at) =>
      Effect.gen(function* () {
        yield* requireUser(userId)
        const role = yield* roles.requireRole(roleId)
        yield* checks.requireHeldRoleRow(role, "assigning a role to a user")
        const existing = yield* repo.userRoles(userId, roleId)
        if (existing[0]) return existing[0]
        yield* repo.insertUserRoles([userId], roleId, at)
        const assigned = new UserRole({
          user_id: userId,
          role_id: role.id,
          role_name: role.name,
          priority: role.priority,
          assigned_at: at
        })
        yield* commit({
          action: "access.user_role.assign",
          targetType: "user",
          targetId: userId,
          after: assigned,
          event: "signet.access.user.role.assigned",
          data: assigned
        })
        return assigned
      })
    )

  /** {@link grantRole} behind its permission (see above). */
  const assignRole = (userId: UserId, roleId: RoleId) => rolesWrite(grantRole(userId, roleId))

  /**
   * Gives one role to many users at once (bulk imports): one version bump,
   * one audit row and one event for the whole batch; users who already hold
   * the role are skipped, every other one must be a live user of the tenant.
   * Requires `roles:write`, and the caller must hold every permission
   * pattern of the role (checked once per call). Returns how many users got it.
   * @errors ValidationError (a user id), NotFound (a user not in the tenant),
   * RoleNotFound, Forbidden (403, the first pattern of the role not held)
   */
  const grantRoleMany = (userIds: ReadonlyArray<UserId>, roleId: RoleId) =>
    mutation("assignRoleMany", (at) =>
      Effect.gen(function* () {
        const role = yield* roles.requireRole(roleId)
        yield* checks.requireHeldRoleRow(role, "assigning a role to users")
        const holders = new Set(yield* repo.roleHolders(roleId))
        const fresh = [...new Set(userIds)].filter((u) => !holders.has(u))
        yield* Effect.forEach(fresh, requireUser, { discard: true })
        yield* repo.insertUserRoles(fresh, roleId, at)
        if (fresh.length > 0) {
          yield* commit({
            action: "access.user_role.assign_many",
            targetType: "role",
            targetId: role.id,
            after: { role: role.name, users: fresh.length },
            event: "signet.access.role.assigned_many",
            data: { role_id: role.id, user_ids: fresh }
          })
        }
        return fresh.length
      })
    )

  /** {@link grantRoleMany} behind its permission (see above). */
  const assignRoleMany = (userIds: ReadonlyArray<UserId>, roleId: RoleId) => rolesWrite(grantRoleMany(userIds, roleId))

  /**
   * Removes a role from a user (no-op when not assigned). Requires
   * `roles:write` only: it takes away.
   * @errors ValidationError (user id), NotFound (no such user), RoleNotFound
   */
  const withdrawRole = (userId: UserId, roleId: RoleId) =>
    mutation("unassignRole", () =>
      Effect.gen(function* () {
        yield* requireUser(userId)
        const role = yield* roles.requireRole(roleId)
        const existing = yield* repo.userRoles(userId, roleId)
        if (!existing[0]) return
        yield* repo.deleteUserRole(userId, roleId)
        yield* commit({
          action: "access.user_role.unassign",
          targetType: "user",
          targetId: userId,
          before: existing[0],
          event: "signet.access.user.role.unassigned",
          data: { user_id: userId, role_id: role.id, role_name: role.name }
        })
      })
    )

  /** {@link withdrawRole} behind its permission (see above). */
  const unassignRole = (userId: UserId, roleId: RoleId) => rolesWrite(withdrawRole(userId, roleId))

  return { grantRole, grantRoleMany, withdrawRole, listUserRoles, assignRole, assignRoleMany, unassignRole } as const
}

/** User-level overrides (allow / deny), on `kit` and the decisions `checks`. */
const makeUserOverrides = (kit: Kit, checks: Checks) => {
  const { repo, mutation, commit, inTenant, requireUser } = kit

  /** A user's permission overrides, by permission. Requires `roles:read`. @errors ValidationError, NotFound */
  const listUserOverrides = (userId: UserId) =>
    rolesRead(
      inTenant(Effect.zipRight(requireUser(userId), repo.overrides(userId))).pipe(
        Effect.withSpan("Access.listUserOverrides")
      )
    )

  /**
   * Sets a user-level override: `allow` grants the pattern whatever the
   * roles say, `deny` refuses it whatever else allows it. Requires
   * `roles:write`; an `allow` also needs the caller to hold the pattern
   * (checked on every call, no-ops included); a `deny` takes away.
   * @errors ValidationError (user id, unknown permission), NotFound (no such
   * user), Forbidden (403, an allowed pattern not held)
   */
  const setUserOverride = (userId: UserId, permission: string, effect: GrantEffect) =>
    rolesWrite(
      mutation("setUserOverride", (at) =>
        Effect.gen(function* () {
          yield* requireUser(userId)
          yield* kit.validatePatterns([permission], "permission")
          if (effect === "allow") yield* checks.requireHeld([permission], "an allow override")
          const before = (yield* repo.overrides(userId)).find((o) => o.permission === permission)
          if (before && before.effect === effect) return before
          const after = new UserOverride({ user_id: userId, permission, effect, updated_at: at })
          yield* repo.upsertOverride(after)
          yield* commit({
            action: "access.user_override.set",
            targetType: "user",
            targetId: userId,
            before: before ?? null,
            after,
            event: "signet.access.user.override.set",
            data: after
          })
          return after
        })
      )
    )

  /**
   * Removes a user-level override (no-op when absent). Requires
   * `roles:write`. Removing a `deny` hands the pattern back, so the caller
   * must then hold it.
   * @errors ValidationError, NotFound (no such user), Forbidden (403, a lifted deny's pattern not held)
   */
  const removeUserOverride = (userId: UserId, permission: string) =>
    rolesWrite(
      mutation("removeUserOverride", () =>
        Effect.gen(function* () {
          yield* requireUser(userId)
          const before = (yield* repo.overrides(userId)).find((o) => o.permission === permission)
          if (!before) return
          if (before.effect === "deny") yield* checks.requireHeld([permission], "lifting a deny override")
          yield* repo.deleteOverride(userId, permission)
          yield* commit({
            action: "access.user_override.remove",
            targetType: "user",
            targetId: userId,
            before,
            event: "signet.access.user.override.removed",
            data: { user_id: userId, permission }
          })
        })
      )
    )

  return { listUserOverrides, setUserOverride, removeUserOverride } as const
}

/** What a deleted user leaves behind, on `kit`. */
const makeForgetUser = (kit: Kit) => {
  const { repo, mutation, commit } = kit

  /**
   * Forgets a user: their roles, overrides and team memberships (called by
   * identity while the user is deleted, so the user need not exist any
   * more; no-op when there are none). Requires `users:delete`.
   * @errors ValidationError (user id)
   */
  const forgetUser = (userId: UserId) =>
    mutation("removeUserGrants", () =>
      Effect.gen(function* () {
        yield* kit.requireUserId(userId)
        const userRoles = yield* repo.userRoles(userId)
        const overrides = yield* repo.overrides(userId)
        const teams = yield* repo.userTeamIds(userId)
        if (userRoles.length === 0 && overrides.length === 0 && teams.length === 0) return
        yield* repo.deleteUserGrants(userId)
        yield* commit({
          action: "access.user_grants.remove",
          targetType: "user",
          targetId: userId,
          before: {
            roles: userRoles.map((r) => r.role_name),
            overrides: overrides.map((o) => ({ permission: o.permission, effect: o.effect })),
            teams
          },
          event: "signet.access.user.grants.removed",
          data: { user_id: userId }
        })
      })
    )

  /** {@link forgetUser} behind its permission (see above). */
  const removeUserGrants = (userId: UserId) => usersDelete(forgetUser(userId))

  return { forgetUser, removeUserGrants } as const
}

/**
 * User-role, override and effective-permission operations, on `kit`, the
 * decisions `checks` and the role lookups of `roles`. `grantRole`,
 * `grantRoleMany`, `withdrawRole` and `forgetUser` are the unchecked forms,
 * for `Lifecycle.ts` only (not exposed by the service).
 */
export const makeUserGrants = (kit: Kit, checks: Checks, roles: Roles) => {
  const userRoles = makeUserRoles(kit, checks, roles)
  const overrides = makeUserOverrides(kit, checks)
  const forget = makeForgetUser(kit)
  const effective = makeEffectivePermissions(kit)
  return {
    // the unchecked forms, for `Lifecycle.ts` only (not exposed by the service)
    grantRole: userRoles.grantRole,
    grantRoleMany: userRoles.grantRoleMany,
    withdrawRole: userRoles.withdrawRole,
    forgetUser: forget.forgetUser,
    listUserRoles: userRoles.listUserRoles,
    assignRole: userRoles.assignRole,
    assignRoleMany: userRoles.assignRoleMany,
    unassignRole: userRoles.unassignRole,
    listUserOverrides: overrides.listUserOverrides,
    setUserOverride: overrides.setUserOverride,
    removeUserOverride: overrides.removeUserOverride,
    removeUserGrants: forget.removeUserGrants,
    effectivePermissions: effective.effectivePermissions
  } as const
}
