/**
 * RPC handlers of `AccessQuery` and `AccessCommand` (`/rpc`): each one line
 * over `AccessAdmin` (core), as the REST handlers.
 *
 * @module
 */
import { AccessAdmin as A, AccessCommand, AccessQuery, policyUse, RpcTenantAuth } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const rolesRead = policyUse("roles:read")
const rolesWrite = policyUse("roles:write")
const teamsRead = policyUse("teams:read")
const teamsWrite = policyUse("teams:write")

/** Both access groups, behind the tenant authentication. */
export const AccessRpc = AccessQuery.merge(AccessCommand)
  .middleware(RpcTenantAuth)
  .toLayer({
    CheckPermission: ({ permission, user_id }) =>
      asPrincipal(
        A.explain(user_id, permission).pipe(
          rolesRead,
          Effect.map((e) => e.allowed)
        )
      ),
    ExplainPermission: ({ permission, user_id }) => asPrincipal(A.explain(user_id, permission).pipe(rolesRead)),
    EffectivePermissions: ({ user_id }) => asPrincipal(A.effectivePermissions(user_id).pipe(rolesRead)),
    ListPermissions: () => asPrincipal(A.listPermissions.pipe(rolesRead)),
    ListRoles: (params) => asPrincipal(A.listRoles(params).pipe(rolesRead)),
    GetRole: ({ role_id }) => asPrincipal(A.getRole(role_id).pipe(rolesRead)),
    ListUserRoles: ({ user_id }) => asPrincipal(A.listUserRoles(user_id).pipe(rolesRead)),
    ListUserOverrides: ({ user_id }) => asPrincipal(A.listUserOverrides(user_id).pipe(rolesRead)),
    ListTeams: (params) => asPrincipal(A.listTeams(params).pipe(teamsRead)),
    GetTeam: ({ team_id }) => asPrincipal(A.getTeam(team_id).pipe(teamsRead)),
    ListTeamMembers: ({ team_id, ...params }) => asPrincipal(A.listTeamMembers(team_id, params).pipe(teamsRead)),
    CreatePermission: ({ permission }) => asPrincipal(A.createPermission(permission).pipe(rolesWrite)),
    DeletePermission: ({ name }) => asPrincipal(A.deletePermission(name).pipe(rolesWrite)),
    CreateRole: ({ role }) => asPrincipal(A.createRole(role).pipe(rolesWrite)),
    UpdateRole: ({ patch, role_id }) => asPrincipal(A.updateRole(role_id, patch).pipe(rolesWrite)),
    DeleteRole: ({ role_id }) => asPrincipal(A.deleteRole(role_id).pipe(rolesWrite)),
    SetRolePermissions: ({ permissions, role_id }) =>
      asPrincipal(A.setRolePermissions(role_id, permissions).pipe(rolesWrite)),
    GrantPermission: ({ permission, role_id }) => asPrincipal(A.grant(role_id, permission).pipe(rolesWrite)),
    RevokePermission: ({ permission, role_id }) => asPrincipal(A.revoke(role_id, permission).pipe(rolesWrite)),
    AssignRole: ({ role_id, user_id }) => asPrincipal(A.assignRole(user_id, role_id).pipe(rolesWrite)),
    UnassignRole: ({ role_id, user_id }) => asPrincipal(A.unassignRole(user_id, role_id).pipe(rolesWrite)),
    SetUserOverride: ({ effect, permission, user_id }) =>
      asPrincipal(A.setUserOverride(user_id, permission, effect).pipe(rolesWrite)),
    RemoveUserOverride: ({ permission, user_id }) =>
      asPrincipal(A.removeUserOverride(user_id, permission).pipe(rolesWrite)),
    CreateTeam: ({ team }) => asPrincipal(A.createTeam(team).pipe(teamsWrite)),
    UpdateTeam: ({ patch, team_id }) => asPrincipal(A.updateTeam(team_id, patch).pipe(teamsWrite)),
    DeleteTeam: ({ team_id }) => asPrincipal(A.deleteTeam(team_id).pipe(teamsWrite)),
    AddTeamMember: ({ team_id, user_id }) => asPrincipal(A.addTeamMember(team_id, user_id).pipe(teamsWrite)),
    RemoveTeamMember: ({ team_id, user_id }) => asPrincipal(A.removeTeamMember(team_id, user_id).pipe(teamsWrite)),
    AssignTeamRole: ({ role_id, team_id }) => asPrincipal(A.assignTeamRole(team_id, role_id).pipe(rolesWrite)),
    UnassignTeamRole: ({ role_id, team_id }) => asPrincipal(A.unassignTeamRole(team_id, role_id).pipe(rolesWrite))
  })
