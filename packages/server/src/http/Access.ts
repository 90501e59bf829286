/**
 * Handlers of the `access` group (RBAC administration): one line each. Core
 * enforces every rule (`AccessAdmin`, packages/core/src/access/Admin.ts):
 * the permission in the type (discharged here with `policyUse`), users
 * named in the path must be live users of the tenant, step-up for role and
 * permission changes by a user, no escalation.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { AccessAdmin, policyUse, SignetApi } from "@signet/core"
import { asPrincipal } from "../Auth.js"

/** Handlers for `/api/v1/tenants/{slug}/{permissions,roles,users/…/roles,teams}`. */
export const AccessHttp = HttpApiBuilder.group(SignetApi, "access", (h) =>
  h
    // Permissions
    .handle("listPermissions", () => asPrincipal(AccessAdmin.listPermissions.pipe(policyUse("roles:read"))))
    .handle("createPermission", ({ payload }) =>
      asPrincipal(AccessAdmin.createPermission(payload).pipe(policyUse("roles:write")))
    )
    .handle("deletePermission", ({ path }) =>
      asPrincipal(AccessAdmin.deletePermission(path.permission).pipe(policyUse("roles:write")))
    )
    // Roles
    .handle("listRoles", ({ urlParams }) => asPrincipal(AccessAdmin.listRoles(urlParams).pipe(policyUse("roles:read"))))
    .handle("createRole", ({ payload }) => asPrincipal(AccessAdmin.createRole(payload).pipe(policyUse("roles:write"))))
    .handle("getRole", ({ path }) => asPrincipal(AccessAdmin.getRole(path.id).pipe(policyUse("roles:read"))))
    .handle("updateRole", ({ path, payload }) =>
      asPrincipal(AccessAdmin.updateRole(path.id, payload).pipe(policyUse("roles:write")))
    )
    .handle("deleteRole", ({ path }) => asPrincipal(AccessAdmin.deleteRole(path.id).pipe(policyUse("roles:write"))))
    .handle("setRolePermissions", ({ path, payload }) =>
      asPrincipal(AccessAdmin.setRolePermissions(path.id, payload.permissions).pipe(policyUse("roles:write")))
    )
    .handle("grantPermission", ({ path, payload }) =>
      asPrincipal(AccessAdmin.grant(path.id, payload.permission).pipe(policyUse("roles:write")))
    )
    .handle("revokePermission", ({ path }) =>
      asPrincipal(AccessAdmin.revoke(path.id, path.permission).pipe(policyUse("roles:write")))
    )
    // Users
    .handle("listUserRoles", ({ path }) =>
      asPrincipal(AccessAdmin.listUserRoles(path.userId).pipe(policyUse("roles:read")))
    )
    .handle("assignRole", ({ path, payload }) =>
      asPrincipal(AccessAdmin.assignRole(path.userId, payload.role_id).pipe(policyUse("roles:write")))
    )
    .handle("unassignRole", ({ path }) =>
      asPrincipal(AccessAdmin.unassignRole(path.userId, path.roleId).pipe(policyUse("roles:write")))
    )
    .handle("listUserOverrides", ({ path }) =>
      asPrincipal(AccessAdmin.listUserOverrides(path.userId).pipe(policyUse("roles:read")))
    )
    .handle("setUserOverride", ({ path, payload }) =>
      asPrincipal(
        AccessAdmin.setUserOverride(path.userId, path.permission, payload.effect).pipe(policyUse("roles:write"))
      )
    )
    .handle("removeUserOverride", ({ path }) =>
      asPrincipal(AccessAdmin.removeUserOverride(path.userId, path.permission).pipe(policyUse("roles:write")))
    )
    .handle("effectivePermissions", ({ path }) =>
      asPrincipal(AccessAdmin.effectivePermissions(path.userId).pipe(policyUse("roles:read")))
    )
    .handle("explainPermission", ({ path }) =>
      asPrincipal(AccessAdmin.explain(path.userId, path.permission).pipe(policyUse("roles:read")))
    )
    // Teams
    .handle("listTeams", ({ urlParams }) => asPrincipal(AccessAdmin.listTeams(urlParams).pipe(policyUse("teams:read"))))
    .handle("createTeam", ({ payload }) => asPrincipal(AccessAdmin.createTeam(payload).pipe(policyUse("teams:write"))))
    .handle("getTeam", ({ path }) => asPrincipal(AccessAdmin.getTeam(path.id).pipe(policyUse("teams:read"))))
    .handle("updateTeam", ({ path, payload }) =>
      asPrincipal(AccessAdmin.updateTeam(path.id, payload).pipe(policyUse("teams:write")))
    )
    .handle("deleteTeam", ({ path }) => asPrincipal(AccessAdmin.deleteTeam(path.id).pipe(policyUse("teams:write"))))
    .handle("listTeamMembers", ({ path, urlParams }) =>
      asPrincipal(AccessAdmin.listTeamMembers(path.id, urlParams).pipe(policyUse("teams:read")))
    )
    .handle("addTeamMember", ({ path }) =>
      asPrincipal(AccessAdmin.addTeamMember(path.id, path.userId).pipe(policyUse("teams:write")))
    )
    .handle("removeTeamMember", ({ path }) =>
      asPrincipal(AccessAdmin.removeTeamMember(path.id, path.userId).pipe(policyUse("teams:write")))
    )
    .handle("assignTeamRole", ({ path }) =>
      asPrincipal(AccessAdmin.assignTeamRole(path.id, path.roleId).pipe(policyUse("roles:write")))
    )
    .handle("unassignTeamRole", ({ path }) =>
      asPrincipal(AccessAdmin.unassignTeamRole(path.id, path.roleId).pipe(policyUse("roles:write")))
    )
)
