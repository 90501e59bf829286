/**
 * RPC handlers of `AccessQuery` and `AccessCommand` (`/rpc`): one line each,
 * the same core operations as the REST handlers (`AccessAdmin`, which
 * enforces the users' existence, step-up and no escalation).
 *
 * @module
 */
import { AccessAdmin, AccessCommand, AccessQuery, policyUse, RpcTenantAuth } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

export const AccessRpc = AccessQuery.merge(AccessCommand)
  .middleware(RpcTenantAuth)
  .toLayer(
    Effect.succeed({
      CheckPermission: ({ permission, user_id }) =>
        asPrincipal(AccessAdmin.checkPermission(user_id, permission).pipe(policyUse("roles:read"))),
      ExplainPermission: ({ permission, user_id }) =>
        asPrincipal(AccessAdmin.explain(user_id, permission).pipe(policyUse("roles:read"))),
      EffectivePermissions: ({ user_id }) =>
        asPrincipal(AccessAdmin.effectivePermissions(user_id).pipe(policyUse("roles:read"))),
      ListPermissions: () => asPrincipal(AccessAdmin.listPermissions.pipe(policyUse("roles:read"))),
      ListRoles: (params) => asPrincipal(AccessAdmin.listRoles(params).pipe(policyUse("roles:read"))),
      GetRole: ({ role_id }) => asPrincipal(AccessAdmin.getRole(role_id).pipe(policyUse("roles:read"))),
      ListUserRoles: ({ user_id }) => asPrincipal(AccessAdmin.listUserRoles(user_id).pipe(policyUse("roles:read"))),
      ListUserOverrides: ({ user_id }) =>
        asPrincipal(AccessAdmin.listUserOverrides(user_id).pipe(policyUse("roles:read"))),
      ListTeams: (params) => asPrincipal(AccessAdmin.listTeams(params).pipe(policyUse("teams:read"))),
      GetTeam: ({ team_id }) => asPrincipal(AccessAdmin.getTeam(team_id).pipe(policyUse("teams:read"))),
      ListTeamMembers: ({ team_id, ...params }) =>
        asPrincipal(AccessAdmin.listTeamMembers(team_id, params).pipe(policyUse("teams:read"))),
      CreatePermission: ({ permission }) =>
        asPrincipal(AccessAdmin.createPermission(permission).pipe(policyUse("roles:write"))),
      DeletePermission: ({ name }) => asPrincipal(AccessAdmin.deletePermission(name).pipe(policyUse("roles:write"))),
      CreateRole: ({ role }) => asPrincipal(AccessAdmin.createRole(role).pipe(policyUse("roles:write"))),
      UpdateRole: ({ patch, role_id }) =>
        asPrincipal(AccessAdmin.updateRole(role_id, patch).pipe(policyUse("roles:write"))),
      DeleteRole: ({ role_id }) => asPrincipal(AccessAdmin.deleteRole(role_id).pipe(policyUse("roles:write"))),
      SetRolePermissions: ({ permissions, role_id }) =>
        asPrincipal(AccessAdmin.setRolePermissions(role_id, permissions).pipe(policyUse("roles:write"))),
      GrantPermission: ({ permission, role_id }) =>
        asPrincipal(AccessAdmin.grant(role_id, permission).pipe(policyUse("roles:write"))),
      RevokePermission: ({ permission, role_id }) =>
        asPrincipal(AccessAdmin.revoke(role_id, permission).pipe(policyUse("roles:write"))),
      AssignRole: ({ role_id, user_id }) =>
        asPrincipal(AccessAdmin.assignRole(user_id, role_id).pipe(policyUse("roles:write"))),
      UnassignRole: ({ role_id, user_id }) =>
        asPrincipal(AccessAdmin.unassignRole(user_id, role_id).pipe(policyUse("roles:write"))),
      SetUserOverride: ({ effect, permission, user_id }) =>
        asPrincipal(AccessAdmin.setUserOverride(user_id, permission, effect).pipe(policyUse("roles:write"))),
      RemoveUserOverride: ({ permission, user_id }) =>
        asPrincipal(AccessAdmin.removeUserOverride(user_id, permission).pipe(policyUse("roles:write"))),
      CreateTeam: ({ team }) => asPrincipal(AccessAdmin.createTeam(team).pipe(policyUse("teams:write"))),
      UpdateTeam: ({ patch, team_id }) =>
        asPrincipal(AccessAdmin.updateTeam(team_id, patch).pipe(policyUse("teams:write"))),
      DeleteTeam: ({ team_id }) => asPrincipal(AccessAdmin.deleteTeam(team_id).pipe(policyUse("teams:write"))),
      AddTeamMember: ({ team_id, user_id }) =>
        asPrincipal(AccessAdmin.addTeamMember(team_id, user_id).pipe(policyUse("teams:write"))),
      RemoveTeamMember: ({ team_id, user_id }) =>
        asPrincipal(AccessAdmin.removeTeamMember(team_id, user_id).pipe(policyUse("teams:write"))),
      AssignTeamRole: ({ role_id, team_id }) =>
        asPrincipal(AccessAdmin.assignTeamRole(team_id, role_id).pipe(policyUse("roles:write"))),
      UnassignTeamRole: ({ role_id, team_id }) =>
        asPrincipal(AccessAdmin.unassignTeamRole(team_id, role_id).pipe(policyUse("roles:write")))
    })
  )
