/**
 * RBAC administration with the permission in the types and the step-up
 * where administrator power changes hands (issue 14 "core is the security
 * boundary"; STYLE.md "policy pattern"; seed 003 "MFA required for
 * sensitive actions"). The REST and RPC handlers, the CLI and in-process
 * embedders all call these operations, so they all get the same rules.
 *
 * Each operation carries an `AccessPolicy<"roles:…">` or
 * `AccessPolicy<"teams:…">` requirement: a caller can only run it after
 * `policyUse(permission)` has checked the `CurrentActor`, so a forgotten
 * check does not compile. Everything else is enforced by the `Access`
 * operations underneath: a user id must name a live user of the
 * `CurrentTenant` (else `NotFound`, `resource: "user"`, nothing written),
 * no escalation (nobody hands out what they do not hold), tenant scoping.
 *
 * **Step-up** (marked ⚑): a `user` actor changing roles or permissions
 * needs an MFA verification on its session within the tenant's
 * `auth.step_up_minutes` (`Access.requireStepUp`), else `Forbidden`
 * (`permission: "mfa:step-up"`), before anything is read or written.
 * Operators, the system and API keys are not asked.
 *
 * | operation | permission |
 * |---|---|
 * | `listPermissions`, `listRoles`, `getRole`, `listUserRoles`, `listUserOverrides`, `effectivePermissions`, `explain`, `checkPermission` | `roles:read` |
 * | ⚑ `createPermission`, `deletePermission`, `createRole`, `updateRole`, `deleteRole`, `setRolePermissions`, `grant`, `revoke`, `assignRole`, `unassignRole`, `setUserOverride`, `removeUserOverride`, `assignTeamRole`, `unassignTeamRole` | `roles:write` |
 * | `listTeams`, `getTeam`, `listTeamMembers` | `teams:read` |
 * | `createTeam`, `updateTeam`, `deleteTeam`, ⚑ `addTeamMember` (to a team with roles), `removeTeamMember` | `teams:write` |
 *
 * @module
 */

import type {
  CreatePermission,
  CreateRole,
  CreateTeam,
  GrantEffect,
  RoleId,
  TeamId,
  UpdateRole,
  UpdateTeam,
  UserId
} from "@signet/contracts/access/Domain"
import { Effect } from "effect"
import { Access } from "./Access.js"
import type { ListParams } from "./Config.js"

/** Runs `f` on the `Access` service after the step-up check (see the module comment). */
const sensitive = <A, E, R>(f: (access: Access) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(Access, (access) => Effect.zipRight(access.requireStepUp, f(access)))

/** RBAC administration; see the module comment for permissions and step-up. */
export const AccessAdmin = {
  // Permissions
  /** The tenant's known permissions, by name (`roles:read`). */
  listPermissions: Effect.flatMap(Access, (a) => a.listPermissions),
  /** ⚑ Creates a tenant-specific permission (`roles:write`). @errors Forbidden (step-up), Conflict */
  createPermission: (input: CreatePermission) => sensitive((a) => a.createPermission(input)),
  /** ⚑ Deletes a tenant-specific permission and its grants (`roles:write`). @errors Forbidden (step-up), PermissionNotFound, Conflict */
  deletePermission: (name: string) => sensitive((a) => a.deletePermission(name)),

  // Roles
  /** A page of roles, highest priority first (`roles:read`). @errors ValidationError (cursor) */
  listRoles: (params: ListParams = {}) => Access.use((a) => a.listRoles(params)),
  /** One role with its patterns (`roles:read`). @errors RoleNotFound */
  getRole: (id: RoleId) => Access.use((a) => a.getRole(id)),
  /** The role with this name, if any (`roles:read`). */
  findRoleByName: (name: string) => Access.use((a) => a.findRoleByName(name)),
  /**
   * ⚑ Creates a role (`roles:write`); the actor must hold every pattern given.
   * @errors Forbidden (step-up, or a pattern not held), Conflict, ValidationError
   */
  createRole: (input: CreateRole) => sensitive((a) => a.createRole(input)),
  /** ⚑ Changes a role's name, description or priority (`roles:write`). @errors Forbidden (step-up), RoleNotFound, Conflict */
  updateRole: (id: RoleId, input: UpdateRole) => sensitive((a) => a.updateRole(id, input)),
  /** ⚑ Deletes a custom role with its grants and assignments (`roles:write`). @errors Forbidden (step-up), RoleNotFound, Conflict */
  deleteRole: (id: RoleId) => sensitive((a) => a.deleteRole(id)),
  /**
   * ⚑ Replaces a role's patterns (`roles:write`); the actor must hold what is added.
   * @errors Forbidden (step-up, or an added pattern not held), RoleNotFound, ValidationError, Conflict
   */
  setRolePermissions: (roleId: RoleId, permissions: ReadonlyArray<string>) =>
    sensitive((a) => a.setRolePermissions(roleId, permissions)),
  /** ⚑ Adds a pattern to a role (`roles:write`). @errors Forbidden (step-up, or not held), RoleNotFound, ValidationError */
  grant: (roleId: RoleId, permission: string) => sensitive((a) => a.grant(roleId, permission)),
  /** ⚑ Removes a pattern from a role (`roles:write`). @errors Forbidden (step-up), RoleNotFound, Conflict */
  revoke: (roleId: RoleId, permission: string) => sensitive((a) => a.revoke(roleId, permission)),

  // Users
  /** The roles assigned directly to a user (`roles:read`). @errors ValidationError, NotFound (user) */
  listUserRoles: (userId: UserId) => Access.use((a) => a.listUserRoles(userId)),
  /**
   * ⚑ Assigns a role to a live user of the tenant (`roles:write`); the actor must hold the role's patterns.
   * @errors Forbidden (step-up, or a pattern not held), ValidationError, NotFound (user), RoleNotFound
   */
  assignRole: (userId: UserId, roleId: RoleId) => sensitive((a) => a.assignRole(userId, roleId)),
  /** ⚑ Removes a role from a user (`roles:write`). @errors Forbidden (step-up), ValidationError, NotFound (user), RoleNotFound */
  unassignRole: (userId: UserId, roleId: RoleId) => sensitive((a) => a.unassignRole(userId, roleId)),
  /** A user's overrides (`roles:read`). @errors ValidationError, NotFound (user) */
  listUserOverrides: (userId: UserId) => Access.use((a) => a.listUserOverrides(userId)),
  /**
   * ⚑ Sets a user's allow or deny override (`roles:write`); an allow needs the pattern held.
   * @errors Forbidden (step-up, or not held), ValidationError, NotFound (user)
   */
  setUserOverride: (userId: UserId, permission: string, effect: GrantEffect) =>
    sensitive((a) => a.setUserOverride(userId, permission, effect)),
  /** ⚑ Removes a user's override (`roles:write`). @errors Forbidden (step-up, or a lifted deny not held), ValidationError, NotFound (user) */
  removeUserOverride: (userId: UserId, permission: string) =>
    sensitive((a) => a.removeUserOverride(userId, permission)),
  /** Everything deciding a user's permissions (`roles:read`). @errors ValidationError, NotFound (user) */
  effectivePermissions: (userId: UserId) => Access.use((a) => a.effectivePermissions(userId)),
  /** Why a user holds a permission or not (`roles:read`). @errors ValidationError, NotFound (user) */
  explain: (userId: UserId, permission: string) => Access.use((a) => a.explain(userId, permission)),
  /** Whether a user holds a concrete permission, seed 001 "Permission Check Flow" (`roles:read`). @errors ValidationError, NotFound (user) */
  checkPermission: (userId: UserId, permission: string) =>
    Access.use((a) => Effect.map(a.explain(userId, permission), (e) => e.allowed)),

  // Teams
  /** A page of teams, by id (`teams:read`). @errors ValidationError (cursor) */
  listTeams: (params: ListParams = {}) => Access.use((a) => a.listTeams(params)),
  /** One team with its roles (`teams:read`). @errors TeamNotFound */
  getTeam: (id: TeamId) => Access.use((a) => a.getTeam(id)),
  /** Creates a team (`teams:write`). @errors Conflict */
  createTeam: (input: CreateTeam) => Access.use((a) => a.createTeam(input)),
  /** Renames or redescribes a team (`teams:write`). @errors TeamNotFound, Conflict */
  updateTeam: (id: TeamId, input: UpdateTeam) => Access.use((a) => a.updateTeam(id, input)),
  /** Deletes a team with its memberships and role grants (`teams:write`). @errors TeamNotFound */
  deleteTeam: (id: TeamId) => Access.use((a) => a.deleteTeam(id)),
  /** A page of a team's members (`teams:read`). @errors TeamNotFound, ValidationError */
  listTeamMembers: (teamId: TeamId, params: ListParams = {}) => Access.use((a) => a.listTeamMembers(teamId, params)),
  /**
   * ⚑ (when the team grants roles) Adds a live user of the tenant to a team (`teams:write`); the
   * actor must hold what the team's roles grant, and a user actor needs a recent MFA verification
   * when the team grants any role (the membership hands them out; checked by `Access.addTeamMember`).
   * @errors ValidationError, NotFound (user), TeamNotFound, Forbidden (step-up, or not held)
   */
  addTeamMember: (teamId: TeamId, userId: UserId) => Access.use((a) => a.addTeamMember(teamId, userId)),
  /** Removes a user from a team (`teams:write`). @errors ValidationError, NotFound (user), TeamNotFound */
  removeTeamMember: (teamId: TeamId, userId: UserId) => Access.use((a) => a.removeTeamMember(teamId, userId)),
  /** ⚑ Grants a role to a team's members (`roles:write`). @errors Forbidden (step-up, or not held), TeamNotFound, RoleNotFound */
  assignTeamRole: (teamId: TeamId, roleId: RoleId) => sensitive((a) => a.assignTeamRole(teamId, roleId)),
  /** ⚑ Withdraws a role from a team (`roles:write`). @errors Forbidden (step-up), TeamNotFound, RoleNotFound */
  unassignTeamRole: (teamId: TeamId, roleId: RoleId) => sensitive((a) => a.unassignTeamRole(teamId, roleId))
} as const
