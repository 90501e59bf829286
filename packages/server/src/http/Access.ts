/**
 * Handlers of the `access` group (RBAC administration): each one line over
 * `AccessAdmin` (core), which carries the permissions and the rules — the
 * named user must be the tenant's, and role and permission changes by a user
 * need a recent MFA verification (step-up, seed 003).
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { AccessAdmin as A, policyUse, SignetApi } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const rolesRead = policyUse("roles:read")
const rolesWrite = policyUse("roles:write")
const teamsRead = policyUse("teams:read")
const teamsWrite = policyUse("teams:write")

/** Handlers for `/api/v1/tenants/{slug}/{permissions,roles,users/…/roles,teams}`. */
export const AccessHttp = HttpApiBuilder.group(SignetApi, "access", (h) =>
  h
    .handle("listPermissions", () => asPrincipal(A.listPermissions.pipe(rolesRead)))
    .handle("createPermission", ({ payload }) => asPrincipal(A.createPermission(payload).pipe(rolesWrite)))
    .handle("deletePermission", ({ path }) => asPrincipal(A.deletePermission(path.permission).pipe(rolesWrite)))
    .handle("listRoles", ({ urlParams }) => asPrincipal(A.listRoles(urlParams).pipe(rolesRead)))
    .handle("createRole", ({ payload }) => asPrincipal(A.createRole(payload).pipe(rolesWrite)))
    .handle("getRole", ({ path }) => asPrincipal(A.getRole(path.id).pipe(rolesRead)))
    .handle("updateRole", ({ path, payload }) => asPrincipal(A.updateRole(path.id, payload).pipe(rolesWrite)))
    .handle("deleteRole", ({ path }) => asPrincipal(A.deleteRole(path.id).pipe(rolesWrite)))
    .handle("setRolePermissions", ({ path, payload }) =>
      asPrincipal(A.setRolePermissions(path.id, payload.permissions).pipe(rolesWrite))
    )
    .handle("grantPermission", ({ path, payload }) =>
      asPrincipal(A.grant(path.id, payload.permission).pipe(rolesWrite))
    )
    .handle("revokePermission", ({ path }) => asPrincipal(A.revoke(path.id, path.permission).pipe(rolesWrite)))
    .handle("listUserRoles", ({ path }) => asPrincipal(A.listUserRoles(path.userId).pipe(rolesRead)))
    .handle("assignRole", ({ path, payload }) =>
      asPrincipal(A.assignRole(path.userId, payload.role_id).pipe(rolesWrite))
    )
    .handle("unassignRole", ({ path }) => asPrincipal(A.unassignRole(path.userId, path.roleId).pipe(rolesWrite)))
    .handle("listUserOverrides", ({ path }) => asPrincipal(A.listUserOverrides(path.userId).pipe(rolesRead)))
    .handle("setUserOverride", ({ path, payload }) =>
      asPrincipal(A.setUserOverride(path.userId, path.permission, payload.effect).pipe(rolesWrite))
    )
    .handle("removeUserOverride", ({ path }) =>
      asPrincipal(A.removeUserOverride(path.userId, path.permission).pipe(rolesWrite))
    )
    .handle("effectivePermissions", ({ path }) => asPrincipal(A.effectivePermissions(path.userId).pipe(rolesRead)))
    .handle("explainPermission", ({ path }) => asPrincipal(A.explain(path.userId, path.permission).pipe(rolesRead)))
    .handle("listTeams", ({ urlParams }) => asPrincipal(A.listTeams(urlParams).pipe(teamsRead)))
    .handle("createTeam", ({ payload }) => asPrincipal(A.createTeam(payload).pipe(teamsWrite)))
    .handle("getTeam", ({ path }) => asPrincipal(A.getTeam(path.id).pipe(teamsRead)))
    .handle("updateTeam", ({ path, payload }) => asPrincipal(A.updateTeam(path.id, payload).pipe(teamsWrite)))
    .handle("deleteTeam", ({ path }) => asPrincipal(A.deleteTeam(path.id).pipe(teamsWrite)))
    .handle("listTeamMembers", ({ path, urlParams }) =>
      asPrincipal(A.listTeamMembers(path.id, urlParams).pipe(teamsRead))
    )
    .handle("addTeamMember", ({ path }) => asPrincipal(A.addTeamMember(path.id, path.userId).pipe(teamsWrite)))
    .handle("removeTeamMember", ({ path }) => asPrincipal(A.removeTeamMember(path.id, path.userId).pipe(teamsWrite)))
    .handle("assignTeamRole", ({ path }) => asPrincipal(A.assignTeamRole(path.id, path.roleId).pipe(rolesWrite)))
    .handle("unassignTeamRole", ({ path }) => asPrincipal(A.unassignTeamRole(path.id, path.roleId).pipe(rolesWrite)))
)
