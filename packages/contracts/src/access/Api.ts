/**
 * REST contract of the access module under `/api/v1/tenants/{slug}` (seed
 * 001 "Role Management": `GET|POST /api/v1/tenants/{tenant_slug}/roles`;
 * ARCHITECTURE §3 "RBAC"): permissions (catalog and tenant-specific),
 * roles and their permissions, user roles, user overrides, effective
 * permissions with explanations, teams, members and team roles.
 *
 * Each endpoint names the permission it needs (annotation
 * {@link RequiredPermission}, also in its OpenAPI description); the
 * handlers enforce it with `policyUse`. Contract only: no SQL, no Node module.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Context, Schema } from "effect"
import { Conflict, Forbidden, NotFound, ValidationError } from "../kernel/Errors.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { TenantNotFound } from "../tenancy/Domain.js"
import {
  AssignRole,
  ConcretePermission,
  CreatePermission,
  CreateRole,
  CreateTeam,
  EffectivePermissions,
  Explanation,
  GrantPermission,
  Permission,
  PermissionInfo,
  PermissionNotFound,
  Role,
  RoleDetail,
  RoleId,
  RoleNotFound,
  SetRolePermissions,
  SetUserOverride,
  Team,
  TeamDetail,
  TeamId,
  TeamMember,
  TeamNotFound,
  UpdateRole,
  UpdateTeam,
  UserId,
  UserOverride,
  UserRole
} from "./Domain.js"

/**
 * Endpoint annotation: the permission a caller must hold
 * (`endpoint.annotations` → `Context.get(…, RequiredPermission)`).
 */
export class RequiredPermission extends Context.Tag("Signet/RequiredPermission")<RequiredPermission, string>() {}

const slug = HttpApiSchema.param("slug", Schema.String)
const roleId = HttpApiSchema.param("id", RoleId)
const roleIdRef = HttpApiSchema.param("roleId", RoleId)
const teamId = HttpApiSchema.param("id", TeamId)
const userId = HttpApiSchema.param("userId", UserId)
const permission = HttpApiSchema.param("permission", Permission)
const concrete = HttpApiSchema.param("permission", ConcretePermission)

/** Page of roles. */
export const RolePage = Page(Role)
/** Page of teams. */
export const TeamPage = Page(Team)
/** Page of team members. */
export const TeamMemberPage = Page(TeamMember)

/**
 * Annotations of an endpoint that requires `required`: {@link RequiredPermission}, summary, and a
 * description naming the permission, followed by `detail` when given.
 */
const needs = (required: string, summary: string, detail?: string) =>
  Context.make(RequiredPermission, required).pipe(
    Context.add(OpenApi.Summary, summary),
    Context.add(OpenApi.Description, `Requires \`${required}\`.${detail === undefined ? "" : ` ${detail}`}`)
  )

/**
 * `access` group. No security middleware here yet: the server wires
 * authentication (user tokens, API keys, operator tokens) onto this group,
 * and the handlers check each endpoint's {@link RequiredPermission}.
 */
export class AccessApi extends HttpApiGroup.make("access")
  // Permissions
  .add(
    HttpApiEndpoint.get("listPermissions")`/api/v1/tenants/${slug}/permissions`
      .addSuccess(Schema.Array(PermissionInfo))
      .annotateContext(needs("roles:read", "List the tenant's permissions (declared by modules and tenant-specific)"))
  )
  .add(
    HttpApiEndpoint.post("createPermission")`/api/v1/tenants/${slug}/permissions`
      .setPayload(CreatePermission)
      .addSuccess(PermissionInfo, { status: 201 })
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Create a tenant-specific permission"))
  )
  .add(
    HttpApiEndpoint.del("deletePermission")`/api/v1/tenants/${slug}/permissions/${concrete}`
      .addError(PermissionNotFound)
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Delete a tenant-specific permission and its grants"))
  )
  // Roles
  .add(
    HttpApiEndpoint.get("listRoles")`/api/v1/tenants/${slug}/roles`
      .setUrlParams(PageParams)
      .addSuccess(RolePage)
      .annotateContext(needs("roles:read", "List roles", "Highest priority first, then by name."))
  )
  .add(
    HttpApiEndpoint.post("createRole")`/api/v1/tenants/${slug}/roles`
      .setPayload(CreateRole)
      .addSuccess(RoleDetail, { status: 201 })
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Create a role"))
  )
  .add(
    HttpApiEndpoint.get("getRole")`/api/v1/tenants/${slug}/roles/${roleId}`
      .addSuccess(RoleDetail)
      .addError(RoleNotFound)
      .annotateContext(needs("roles:read", "Get a role with its permissions"))
  )
  .add(
    HttpApiEndpoint.patch("updateRole")`/api/v1/tenants/${slug}/roles/${roleId}`
      .setPayload(UpdateRole)
      .addSuccess(RoleDetail)
      .addError(RoleNotFound)
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Rename a role or change its description or priority"))
  )
  .add(
    HttpApiEndpoint.del("deleteRole")`/api/v1/tenants/${slug}/roles/${roleId}`
      .addError(RoleNotFound)
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Delete a role (not a system role) and its assignments"))
  )
  .add(
    HttpApiEndpoint.put("setRolePermissions")`/api/v1/tenants/${slug}/roles/${roleId}/permissions`
      .setPayload(SetRolePermissions)
      .addSuccess(RoleDetail)
      .addError(RoleNotFound)
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Replace a role's permissions"))
  )
  .add(
    HttpApiEndpoint.post("grantPermission")`/api/v1/tenants/${slug}/roles/${roleId}/permissions`
      .setPayload(GrantPermission)
      .addSuccess(RoleDetail)
      .addError(RoleNotFound)
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Grant one permission pattern to a role"))
  )
  .add(
    HttpApiEndpoint.del("revokePermission")`/api/v1/tenants/${slug}/roles/${roleId}/permissions/${permission}`
      .addSuccess(RoleDetail)
      .addError(RoleNotFound)
      .addError(Conflict)
      .annotateContext(needs("roles:write", "Revoke one permission pattern from a role"))
  )
  // Users
  .add(
    HttpApiEndpoint.get("listUserRoles")`/api/v1/tenants/${slug}/users/${userId}/roles`
      .addSuccess(Schema.Array(UserRole))
      .annotateContext(needs("roles:read", "List the roles assigned directly to a user"))
  )
  .add(
    HttpApiEndpoint.post("assignRole")`/api/v1/tenants/${slug}/users/${userId}/roles`
      .setPayload(AssignRole)
      .addSuccess(UserRole)
      .addError(RoleNotFound)
      .annotateContext(needs("roles:write", "Assign a role to a user"))
  )
  .add(
    HttpApiEndpoint.del("unassignRole")`/api/v1/tenants/${slug}/users/${userId}/roles/${roleIdRef}`
      .addError(RoleNotFound)
      .annotateContext(needs("roles:write", "Remove a role from a user"))
  )
  .add(
    HttpApiEndpoint.get("listUserOverrides")`/api/v1/tenants/${slug}/users/${userId}/permissions`
      .addSuccess(Schema.Array(UserOverride))
      .annotateContext(needs("roles:read", "List a user's permission overrides"))
  )
  .add(
    HttpApiEndpoint.put("setUserOverride")`/api/v1/tenants/${slug}/users/${userId}/permissions/${permission}`
      .setPayload(SetUserOverride)
      .addSuccess(UserOverride)
      .annotateContext(needs("roles:write", "Allow or deny a permission pattern for one user (deny beats every allow)"))
  )
  .add(
    HttpApiEndpoint.del(
      "removeUserOverride"
    )`/api/v1/tenants/${slug}/users/${userId}/permissions/${permission}`.annotateContext(
      needs("roles:write", "Remove a user's permission override")
    )
  )
  .add(
    HttpApiEndpoint.get("effectivePermissions")`/api/v1/tenants/${slug}/users/${userId}/effective-permissions`
      .addSuccess(EffectivePermissions)
      .annotateContext(needs("roles:read", "A user's roles, overrides and resulting permissions"))
  )
  .add(
    HttpApiEndpoint.get("explainPermission")`/api/v1/tenants/${slug}/users/${userId}/effective-permissions/${concrete}`
      .addSuccess(Explanation)
      .annotateContext(needs("roles:read", "Whether a user holds a permission, and which grant or deny decided"))
  )
  // Teams
  .add(
    HttpApiEndpoint.get("listTeams")`/api/v1/tenants/${slug}/teams`
      .setUrlParams(PageParams)
      .addSuccess(TeamPage)
      .annotateContext(needs("teams:read", "List teams"))
  )
  .add(
    HttpApiEndpoint.post("createTeam")`/api/v1/tenants/${slug}/teams`
      .setPayload(CreateTeam)
      .addSuccess(TeamDetail, { status: 201 })
      .addError(Conflict)
      .annotateContext(needs("teams:write", "Create a team"))
  )
  .add(
    HttpApiEndpoint.get("getTeam")`/api/v1/tenants/${slug}/teams/${teamId}`
      .addSuccess(TeamDetail)
      .addError(TeamNotFound)
      .annotateContext(needs("teams:read", "Get a team with the roles it grants"))
  )
  .add(
    HttpApiEndpoint.patch("updateTeam")`/api/v1/tenants/${slug}/teams/${teamId}`
      .setPayload(UpdateTeam)
      .addSuccess(TeamDetail)
      .addError(TeamNotFound)
      .addError(Conflict)
      .annotateContext(needs("teams:write", "Rename or redescribe a team"))
  )
  .add(
    HttpApiEndpoint.del("deleteTeam")`/api/v1/tenants/${slug}/teams/${teamId}`
      .addError(TeamNotFound)
      .annotateContext(needs("teams:write", "Delete a team with its memberships and role grants"))
  )
  .add(
    HttpApiEndpoint.get("listTeamMembers")`/api/v1/tenants/${slug}/teams/${teamId}/members`
      .setUrlParams(PageParams)
      .addSuccess(TeamMemberPage)
      .addError(TeamNotFound)
      .annotateContext(needs("teams:read", "List a team's members"))
  )
  .add(
    HttpApiEndpoint.put("addTeamMember")`/api/v1/tenants/${slug}/teams/${teamId}/members/${userId}`
      .addSuccess(TeamMember)
      .addError(TeamNotFound)
      .annotateContext(
        needs(
          "teams:write",
          "Add a user to a team",
          "The caller must also hold every permission the team's roles grant (403 naming the first one it lacks)."
        )
      )
  )
  .add(
    HttpApiEndpoint.del("removeTeamMember")`/api/v1/tenants/${slug}/teams/${teamId}/members/${userId}`
      .addError(TeamNotFound)
      .annotateContext(needs("teams:write", "Remove a user from a team"))
  )
  .add(
    HttpApiEndpoint.put("assignTeamRole")`/api/v1/tenants/${slug}/teams/${teamId}/roles/${roleIdRef}`
      .addSuccess(TeamDetail)
      .addError(TeamNotFound)
      .addError(RoleNotFound)
      .annotateContext(needs("roles:write", "Grant a role to every member of a team"))
  )
  .add(
    HttpApiEndpoint.del("unassignTeamRole")`/api/v1/tenants/${slug}/teams/${teamId}/roles/${roleIdRef}`
      .addSuccess(TeamDetail)
      .addError(TeamNotFound)
      .addError(RoleNotFound)
      .annotateContext(needs("roles:write", "Withdraw a role from a team"))
  )
  .addError(TenantNotFound)
  .addError(Forbidden)
  .addError(ValidationError)
  .addError(NotFound)
  .annotate(OpenApi.Title, "Access")
  .annotate(
    OpenApi.Description,
    "Roles, permissions, user overrides and teams (RBAC). Decision: explicit deny > allow > default deny."
  ) {}
