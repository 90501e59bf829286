/**
 * The full account of a user's permissions (seed 001 "Permission Check
 * Flow"): roles held directly and through teams, overrides, the allow and
 * deny patterns in force and the known concrete permissions held, read
 * fresh from the database and compiled for this one user.
 *
 * @module
 */

import { EffectivePermissions, RoleGrant, type UserId } from "@signet/contracts/access/Domain"
import { Effect } from "effect"
import type { Kit } from "./Kit.js"
import { compilePolicy, policyRequire } from "./Policy.js"

const rolesRead = policyRequire("roles", "read")

/** A user's effective permissions, on `kit`. */
export const makeEffectivePermissions = (kit: Kit) => {
  const { repo, inTenant, requireUser } = kit

  /**
   * Everything that decides a user's permissions, read fresh from the
   * database: roles (direct and through teams), overrides, the allow and
   * deny patterns in force, and the known concrete permissions held.
   * Requires `roles:read`.
   * @errors ValidationError (user id), NotFound (no such user)
   */
  const effectivePermissions = (userId: UserId) =>
    rolesRead(
      inTenant(
        Effect.gen(function* () {
          yield* requireUser(userId)
          const { direct, viaTeams, overrides, grants } = yield* repo.userRules(userId)
          const known = yield* kit.knownPermissions
          const held = new Map(
            [...direct, ...viaTeams].map((r) => [
              r.id,
              { ...r, permissions: grants.filter((g) => g.role_id === r.id).map((g) => g.permission) }
            ])
          )
          const teams = new Map(viaTeams.map((t) => [t.team_id, { id: t.team_id, name: t.team_name }]))
          const policy = compilePolicy({
            roles: [...held.values()].map((r) => ({
              id: r.id,
              name: r.name,
              priority: r.priority,
              permissions: r.permissions
            })),
            userRoles: direct.map((r) => ({ userId, roleId: r.id })),
            teams: [...teams.values()],
            teamMembers: [...teams.keys()].map((teamId) => ({ teamId, userId })),
            teamRoles: viaTeams.map((t) => ({ teamId: t.team_id, roleId: t.id })),
            overrides: overrides.map((o) => ({ userId, permission: o.permission, effect: o.effect }))
          })
          const g = policy.grants(userId)
          const roleGrants = [
            ...direct.map(
              (r) =>
                new RoleGrant({
                  role_id: r.id,
                  role_name: r.name,
                  priority: r.priority,
                  via: "direct",
                  team_id: null,
                  team_name: null
                })
            ),
            ...viaTeams.map(
              (r) =>
                new RoleGrant({
                  role_id: r.id,
                  role_name: r.name,
                  priority: r.priority,
                  via: "team",
                  team_id: r.team_id,
                  team_name: r.team_name
                })
            )
          ].sort((a, b) => b.priority - a.priority || a.role_name.localeCompare(b.role_name))
          return new EffectivePermissions({
            user_id: userId,
            roles: roleGrants,
            overrides: overrides.map((o) => ({ permission: o.permission, effect: o.effect })),
            allow: g.allow.map((s) => s.pattern),
            deny: g.deny.map((s) => s.pattern),
            permissions: [...policy.effective(userId, [...known.keys()].sort())]
          })
        })
      ).pipe(Effect.withSpan("Access.effectivePermissions"))
    )

  return { effectivePermissions } as const
}
