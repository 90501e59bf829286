/**
 * The RBAC administration facade (issue 14 "core is the security boundary").
 * Each operation carries the permission of the `Access` operation it runs
 * (`roles:read|write`, `teams:read|write`, in the type), and adds the two
 * rules the server used to apply around them:
 *
 * - a user id named by an operation must be a live user of the current
 *   tenant, else `NotFound` (`resource: "user"`) and nothing is written —
 *   another tenant's user is "not found";
 * - a `user` actor changing roles or permissions (creating, changing or
 *   deleting roles and permissions, granting, assigning, overrides, team
 *   roles) needs a recent MFA verification on their session (step-up, seed
 *   003); operators, the system and API keys are not asked.
 *
 * `Access` itself stays the unguarded service other modules call on the
 * system's behalf (default roles, onboarding); the CLI and the server go
 * through this facade.
 *
 * @module
 */
import type {
  CreatePermission,
  CreateRole,
  CreateTeam,
  GrantEffect,
  UpdateRole,
  UpdateTeam
} from "@signet/contracts/access/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { NotFound } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { Access, type ListParams } from "./Access.js"
import { AccessUsers, StepUp } from "./Ports.js"

/** The user must be a live user of the current tenant. @errors NotFound */
const requireUser = (userId: string) =>
  Effect.flatMap(AccessUsers, (users) =>
    Effect.flatMap(users.exists(userId), (found) =>
      found ? Effect.void : Effect.fail(new NotFound({ message: `no user ${userId}`, resource: "user", id: userId }))
    )
  )

/** Step-up for a user actor with a session; others pass. @errors Forbidden (`mfa:step-up`) */
const stepUp = Effect.flatMap(CurrentActor, (actor) =>
  actor.kind === "user" && actor.sessionId
    ? Effect.flatMap(StepUp, (s) => s.requireRecent(actor.sessionId!))
    : Effect.void
)

const sensitive = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.zipRight(stepUp, self)
const onUser = <A, E, R>(userId: string, self: Effect.Effect<A, E, R>) => Effect.zipRight(requireUser(userId), self)

/** RBAC administration; see the module comment for the rules. */
export const AccessAdmin = {
  listPermissions: Access.use((a) => a.listPermissions),
  createPermission: (input: CreatePermission) => sensitive(Access.use((a) => a.createPermission(input))),
  deletePermission: (name: string) => sensitive(Access.use((a) => a.deletePermission(name))),
  listRoles: (params: ListParams = {}) => Access.use((a) => a.listRoles(params)),
  getRole: (id: string) => Access.use((a) => a.getRole(id)),
  createRole: (input: CreateRole) => sensitive(Access.use((a) => a.createRole(input))),
  updateRole: (id: string, input: UpdateRole) => sensitive(Access.use((a) => a.updateRole(id, input))),
  deleteRole: (id: string) => sensitive(Access.use((a) => a.deleteRole(id))),
  setRolePermissions: (roleId: string, permissions: ReadonlyArray<string>) =>
    sensitive(Access.use((a) => a.setRolePermissions(roleId, permissions))),
  grant: (roleId: string, permission: string) => sensitive(Access.use((a) => a.grant(roleId, permission))),
  revoke: (roleId: string, permission: string) => sensitive(Access.use((a) => a.revoke(roleId, permission))),
  listUserRoles: (userId: string) =>
    onUser(
      userId,
      Access.use((a) => a.listUserRoles(userId))
    ),
  /** Gives a user a role (step-up; the user must be the tenant's). @errors NotFound, Forbidden */
  assignRole: (userId: string, roleId: string) =>
    sensitive(
      onUser(
        userId,
        Access.use((a) => a.assignRole(userId, roleId))
      )
    ),
  unassignRole: (userId: string, roleId: string) =>
    sensitive(
      onUser(
        userId,
        Access.use((a) => a.unassignRole(userId, roleId))
      )
    ),
  listUserOverrides: (userId: string) =>
    onUser(
      userId,
      Access.use((a) => a.listUserOverrides(userId))
    ),
  setUserOverride: (userId: string, permission: string, effect: GrantEffect) =>
    sensitive(
      onUser(
        userId,
        Access.use((a) => a.setUserOverride(userId, permission, effect))
      )
    ),
  removeUserOverride: (userId: string, permission: string) =>
    sensitive(
      onUser(
        userId,
        Access.use((a) => a.removeUserOverride(userId, permission))
      )
    ),
  /** A user's effective permissions with their sources. @errors NotFound */
  effectivePermissions: (userId: string) =>
    onUser(
      userId,
      Access.use((a) => a.effectivePermissions(userId))
    ),
  /** Why a user has (or lacks) a permission. @errors NotFound */
  explain: (userId: string, permission: string) =>
    onUser(
      userId,
      Access.use((a) => a.explain(userId, permission))
    ),
  listTeams: (params: ListParams = {}) => Access.use((a) => a.listTeams(params)),
  getTeam: (id: string) => Access.use((a) => a.getTeam(id)),
  createTeam: (input: CreateTeam) => Access.use((a) => a.createTeam(input)),
  updateTeam: (id: string, input: UpdateTeam) => Access.use((a) => a.updateTeam(id, input)),
  deleteTeam: (id: string) => Access.use((a) => a.deleteTeam(id)),
  listTeamMembers: (teamId: string, params: ListParams = {}) => Access.use((a) => a.listTeamMembers(teamId, params)),
  addTeamMember: (teamId: string, userId: string) =>
    onUser(
      userId,
      Access.use((a) => a.addTeamMember(teamId, userId))
    ),
  removeTeamMember: (teamId: string, userId: string) =>
    onUser(
      userId,
      Access.use((a) => a.removeTeamMember(teamId, userId))
    ),
  assignTeamRole: (teamId: string, roleId: string) => sensitive(Access.use((a) => a.assignTeamRole(teamId, roleId))),
  unassignTeamRole: (teamId: string, roleId: string) => sensitive(Access.use((a) => a.unassignTeamRole(teamId, roleId)))
} as const
