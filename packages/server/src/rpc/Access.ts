/**
 * RPC handlers of `AccessQuery` and `AccessCommand` (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import {
  Access,
  AccessCommand,
  AccessQuery,
  Authenticated,
  Identity,
  Mfa,
  policyUse,
  RpcTenantAuth
} from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, requireTenantUser } from "../Auth.js"

export const AccessRpc = AccessQuery.merge(AccessCommand)
  .middleware(RpcTenantAuth)
  .toLayer(
    Effect.gen(function* () {
      const identity = yield* Identity
      const access = yield* Access
      const mfa = yield* Mfa
      // Role and permission changes by a user need a recent MFA verification (step-up).
      const stepUp = Effect.flatMap(Authenticated, (p) =>
        p.actor.kind === "user" && p.sessionId ? mfa.requireRecentMfa(p.sessionId) : Effect.void
      )
      const run = <A, E, R>(self: Effect.Effect<A, E, R>) =>
        asPrincipal(self.pipe(Effect.provideService(Access, access)))
      /** A user id of the caller's tenant, else 404 (another tenant's user is "not found"). */
      const requireUser = (userId: string) => requireTenantUser(identity.exists(userId), userId)
      const sensitive = <A, E, R>(self: Effect.Effect<A, E, R>) => run(Effect.zipRight(stepUp, self))
      return {
        CheckPermission: ({ permission, user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.explain(user_id, permission)).pipe(
              Effect.map((e) => e.allowed),
              policyUse("roles:read")
            )
          ),
        ExplainPermission: ({ permission, user_id }) =>
          run(Effect.zipRight(requireUser(user_id), access.explain(user_id, permission)).pipe(policyUse("roles:read"))),
        EffectivePermissions: ({ user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.effectivePermissions(user_id)).pipe(policyUse("roles:read"))
          ),
        ListPermissions: () => run(access.listPermissions.pipe(policyUse("roles:read"))),
        ListRoles: (params) => run(access.listRoles(params).pipe(policyUse("roles:read"))),
        GetRole: ({ role_id }) => run(access.getRole(role_id).pipe(policyUse("roles:read"))),
        ListUserRoles: ({ user_id }) =>
          run(Effect.zipRight(requireUser(user_id), access.listUserRoles(user_id)).pipe(policyUse("roles:read"))),
        ListUserOverrides: ({ user_id }) =>
          run(Effect.zipRight(requireUser(user_id), access.listUserOverrides(user_id)).pipe(policyUse("roles:read"))),
        ListTeams: (params) => run(access.listTeams(params).pipe(policyUse("teams:read"))),
        GetTeam: ({ team_id }) => run(access.getTeam(team_id).pipe(policyUse("teams:read"))),
        ListTeamMembers: ({ team_id, ...params }) =>
          run(access.listTeamMembers(team_id, params).pipe(policyUse("teams:read"))),
        CreatePermission: ({ permission }) =>
          sensitive(access.createPermission(permission).pipe(policyUse("roles:write"))),
        DeletePermission: ({ name }) => sensitive(access.deletePermission(name).pipe(policyUse("roles:write"))),
        CreateRole: ({ role }) => sensitive(access.createRole(role).pipe(policyUse("roles:write"))),
        UpdateRole: ({ patch, role_id }) => sensitive(access.updateRole(role_id, patch).pipe(policyUse("roles:write"))),
        DeleteRole: ({ role_id }) => sensitive(access.deleteRole(role_id).pipe(policyUse("roles:write"))),
        SetRolePermissions: ({ permissions, role_id }) =>
          sensitive(access.setRolePermissions(role_id, permissions).pipe(policyUse("roles:write"))),
        GrantPermission: ({ permission, role_id }) =>
          sensitive(access.grant(role_id, permission).pipe(policyUse("roles:write"))),
        RevokePermission: ({ permission, role_id }) =>
          sensitive(access.revoke(role_id, permission).pipe(policyUse("roles:write"))),
        AssignRole: ({ role_id, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.assignRole(user_id, role_id)).pipe(policyUse("roles:write"))
          ),
        UnassignRole: ({ role_id, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.unassignRole(user_id, role_id)).pipe(policyUse("roles:write"))
          ),
        SetUserOverride: ({ effect, permission, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.setUserOverride(user_id, permission, effect)).pipe(
              policyUse("roles:write")
            )
          ),
        RemoveUserOverride: ({ permission, user_id }) =>
          sensitive(
            Effect.zipRight(requireUser(user_id), access.removeUserOverride(user_id, permission)).pipe(
              policyUse("roles:write")
            )
          ),
        CreateTeam: ({ team }) => run(access.createTeam(team).pipe(policyUse("teams:write"))),
        UpdateTeam: ({ patch, team_id }) => run(access.updateTeam(team_id, patch).pipe(policyUse("teams:write"))),
        DeleteTeam: ({ team_id }) => run(access.deleteTeam(team_id).pipe(policyUse("teams:write"))),
        AddTeamMember: ({ team_id, user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.addTeamMember(team_id, user_id)).pipe(policyUse("teams:write"))
          ),
        RemoveTeamMember: ({ team_id, user_id }) =>
          run(
            Effect.zipRight(requireUser(user_id), access.removeTeamMember(team_id, user_id)).pipe(
              policyUse("teams:write")
            )
          ),
        AssignTeamRole: ({ role_id, team_id }) =>
          sensitive(access.assignTeamRole(team_id, role_id).pipe(policyUse("roles:write"))),
        UnassignTeamRole: ({ role_id, team_id }) =>
          sensitive(access.unassignTeamRole(team_id, role_id).pipe(policyUse("roles:write")))
      }
    })
  )
