/**
 * Handlers of the `access` group (RBAC administration). Each endpoint checks
 * its permission with `policyUse`; role and permission changes made by a
 * user also need a recent MFA verification (step-up, seed 003 "MFA required
 * for sensitive actions").
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Access, Authenticated, Identity, Mfa, policyUse, SignetApi } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, requireTenantUser } from "../Auth.js"

/**
 * Step-up guard: a user changing roles or permissions must have verified MFA
 * on this session within `auth.step_up_minutes`. Operators, the system and
 * API keys (machine credentials) are not asked.
 * @errors Forbidden (`permission: "mfa:step-up"`)
 */
export const requireStepUp = Effect.flatMap(Authenticated, (p) =>
  p.actor.kind === "user" && p.sessionId ? Mfa.use((m) => m.requireRecentMfa(p.sessionId!)) : Effect.void
)

/**
 * The user named in the path must be a live user of the caller's tenant:
 * another tenant's user id (or none) answers 404 — no grant, override or
 * team membership is ever written for it. Runs after the permission check.
 */
const requireUser = (userId: string) =>
  requireTenantUser(
    Identity.use((i) => i.exists(userId)),
    userId
  )

const sensitive = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.zipRight(requireStepUp, self)

/** Handlers for `/api/v1/tenants/{slug}/{permissions,roles,users/…/roles,teams}`. */
export const AccessHttp = HttpApiBuilder.group(SignetApi, "access", (h) =>
  h
    // Permissions
    .handle("listPermissions", () => asPrincipal(Access.use((a) => a.listPermissions).pipe(policyUse("roles:read"))))
    .handle("createPermission", ({ payload }) =>
      asPrincipal(sensitive(Access.use((a) => a.createPermission(payload)).pipe(policyUse("roles:write"))))
    )
    .handle("deletePermission", ({ path }) =>
      asPrincipal(sensitive(Access.use((a) => a.deletePermission(path.permission)).pipe(policyUse("roles:write"))))
    )
    // Roles
    .handle("listRoles", ({ urlParams }) =>
      asPrincipal(Access.use((a) => a.listRoles(urlParams)).pipe(policyUse("roles:read")))
    )
    .handle("createRole", ({ payload }) =>
      asPrincipal(sensitive(Access.use((a) => a.createRole(payload)).pipe(policyUse("roles:write"))))
    )
    .handle("getRole", ({ path }) => asPrincipal(Access.use((a) => a.getRole(path.id)).pipe(policyUse("roles:read"))))
    .handle("updateRole", ({ path, payload }) =>
      asPrincipal(sensitive(Access.use((a) => a.updateRole(path.id, payload)).pipe(policyUse("roles:write"))))
    )
    .handle("deleteRole", ({ path }) =>
      asPrincipal(sensitive(Access.use((a) => a.deleteRole(path.id)).pipe(policyUse("roles:write"))))
    )
    .handle("setRolePermissions", ({ path, payload }) =>
      asPrincipal(
        sensitive(Access.use((a) => a.setRolePermissions(path.id, payload.permissions)).pipe(policyUse("roles:write")))
      )
    )
    .handle("grantPermission", ({ path, payload }) =>
      asPrincipal(sensitive(Access.use((a) => a.grant(path.id, payload.permission)).pipe(policyUse("roles:write"))))
    )
    .handle("revokePermission", ({ path }) =>
      asPrincipal(sensitive(Access.use((a) => a.revoke(path.id, path.permission)).pipe(policyUse("roles:write"))))
    )
    // Users
    .handle("listUserRoles", ({ path }) =>
      asPrincipal(
        Effect.zipRight(
          requireUser(path.userId),
          Access.use((a) => a.listUserRoles(path.userId))
        ).pipe(policyUse("roles:read"))
      )
    )
    .handle("assignRole", ({ path, payload }) =>
      asPrincipal(
        sensitive(
          Effect.zipRight(
            requireUser(path.userId),
            Access.use((a) => a.assignRole(path.userId, payload.role_id))
          ).pipe(policyUse("roles:write"))
        )
      )
    )
    .handle("unassignRole", ({ path }) =>
      asPrincipal(
        sensitive(
          Effect.zipRight(
            requireUser(path.userId),
            Access.use((a) => a.unassignRole(path.userId, path.roleId))
          ).pipe(policyUse("roles:write"))
        )
      )
    )
    .handle("listUserOverrides", ({ path }) =>
      asPrincipal(
        Effect.zipRight(
          requireUser(path.userId),
          Access.use((a) => a.listUserOverrides(path.userId))
        ).pipe(policyUse("roles:read"))
      )
    )
    .handle("setUserOverride", ({ path, payload }) =>
      asPrincipal(
        sensitive(
          Effect.zipRight(
            requireUser(path.userId),
            Access.use((a) => a.setUserOverride(path.userId, path.permission, payload.effect))
          ).pipe(policyUse("roles:write"))
        )
      )
    )
    .handle("removeUserOverride", ({ path }) =>
      asPrincipal(
        sensitive(
          Effect.zipRight(
            requireUser(path.userId),
            Access.use((a) => a.removeUserOverride(path.userId, path.permission))
          ).pipe(policyUse("roles:write"))
        )
      )
    )
    .handle("effectivePermissions", ({ path }) =>
      asPrincipal(
        Effect.zipRight(
          requireUser(path.userId),
          Access.use((a) => a.effectivePermissions(path.userId))
        ).pipe(policyUse("roles:read"))
      )
    )
    .handle("explainPermission", ({ path }) =>
      asPrincipal(
        Effect.zipRight(
          requireUser(path.userId),
          Access.use((a) => a.explain(path.userId, path.permission))
        ).pipe(policyUse("roles:read"))
      )
    )
    // Teams
    .handle("listTeams", ({ urlParams }) =>
      asPrincipal(Access.use((a) => a.listTeams(urlParams)).pipe(policyUse("teams:read")))
    )
    .handle("createTeam", ({ payload }) =>
      asPrincipal(Access.use((a) => a.createTeam(payload)).pipe(policyUse("teams:write")))
    )
    .handle("getTeam", ({ path }) => asPrincipal(Access.use((a) => a.getTeam(path.id)).pipe(policyUse("teams:read"))))
    .handle("updateTeam", ({ path, payload }) =>
      asPrincipal(Access.use((a) => a.updateTeam(path.id, payload)).pipe(policyUse("teams:write")))
    )
    .handle("deleteTeam", ({ path }) =>
      asPrincipal(Access.use((a) => a.deleteTeam(path.id)).pipe(policyUse("teams:write")))
    )
    .handle("listTeamMembers", ({ path, urlParams }) =>
      asPrincipal(Access.use((a) => a.listTeamMembers(path.id, urlParams)).pipe(policyUse("teams:read")))
    )
    .handle("addTeamMember", ({ path }) =>
      asPrincipal(
        Effect.zipRight(
          requireUser(path.userId),
          Access.use((a) => a.addTeamMember(path.id, path.userId))
        ).pipe(policyUse("teams:write"))
      )
    )
    .handle("removeTeamMember", ({ path }) =>
      asPrincipal(
        Effect.zipRight(
          requireUser(path.userId),
          Access.use((a) => a.removeTeamMember(path.id, path.userId))
        ).pipe(policyUse("teams:write"))
      )
    )
    .handle("assignTeamRole", ({ path }) =>
      asPrincipal(sensitive(Access.use((a) => a.assignTeamRole(path.id, path.roleId)).pipe(policyUse("roles:write"))))
    )
    .handle("unassignTeamRole", ({ path }) =>
      asPrincipal(sensitive(Access.use((a) => a.unassignTeamRole(path.id, path.roleId)).pipe(policyUse("roles:write"))))
    )
)
