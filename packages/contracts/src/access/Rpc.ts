/**
 * RPC contract of the access module: `AccessQuery` and `AccessCommand`
 * (ARCHITECTURE §5 "RPC"). Same payloads, results and tagged errors as the
 * REST group (`Api.ts`). Payloads name no tenant: the tenant is the one the
 * caller authenticated for (`CurrentTenant` from the RPC authentication
 * middleware), never a caller-supplied argument (ARCHITECTURE §2 "Tenancy").
 *
 * No authentication middleware here yet: the server wires it (the identity
 * module's `RpcTenantAuth`), and the handlers check the permission each
 * procedure documents with `policyUse`. Contract only: no SQL, no Node module.
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Conflict, Forbidden, NotFound, ValidationError } from "../kernel/Errors.js"
import { PageParams } from "../kernel/Pagination.js"
import { RolePage, TeamMemberPage, TeamPage } from "./Api.js"
import {
  ConcretePermission,
  CreatePermission,
  CreateRole,
  CreateTeam,
  EffectivePermissions,
  Explanation,
  GrantEffect,
  Permission,
  PermissionInfo,
  PermissionNotFound,
  RoleDetail,
  RoleId,
  RoleNotFound,
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

const User = { user_id: UserId }
const RoleKey = { role_id: RoleId }
const TeamKey = { team_id: TeamId }

/** Errors every access procedure can answer (tenant and credential errors come from the middleware). */
const Base = [Forbidden, ValidationError, NotFound] as const

/**
 * Read-only access procedures. `CheckPermission` answers whether a user
 * holds a concrete permission (the decision the API itself applies);
 * `ExplainPermission` also names the deciding rule. Both need `roles:read`
 * unless the caller asks about itself.
 */
export class AccessQuery extends RpcGroup.make(
  Rpc.make("CheckPermission", {
    payload: { ...User, permission: ConcretePermission },
    success: Schema.Boolean,
    error: Schema.Union(...Base)
  }),
  Rpc.make("ExplainPermission", {
    payload: { ...User, permission: ConcretePermission },
    success: Explanation,
    error: Schema.Union(...Base)
  }),
  Rpc.make("EffectivePermissions", { payload: User, success: EffectivePermissions, error: Schema.Union(...Base) }),
  Rpc.make("ListPermissions", { success: Schema.Array(PermissionInfo), error: Schema.Union(...Base) }),
  Rpc.make("ListRoles", {
    payload: PageParams.fields,
    success: RolePage,
    error: Schema.Union(...Base)
  }),
  Rpc.make("GetRole", { payload: RoleKey, success: RoleDetail, error: Schema.Union(...Base, RoleNotFound) }),
  Rpc.make("ListUserRoles", { payload: User, success: Schema.Array(UserRole), error: Schema.Union(...Base) }),
  Rpc.make("ListUserOverrides", { payload: User, success: Schema.Array(UserOverride), error: Schema.Union(...Base) }),
  Rpc.make("ListTeams", {
    payload: PageParams.fields,
    success: TeamPage,
    error: Schema.Union(...Base)
  }),
  Rpc.make("GetTeam", { payload: TeamKey, success: TeamDetail, error: Schema.Union(...Base, TeamNotFound) }),
  Rpc.make("ListTeamMembers", {
    payload: { ...TeamKey, ...PageParams.fields },
    success: TeamMemberPage,
    error: Schema.Union(...Base, TeamNotFound)
  })
) {}

/** Access-changing procedures (`roles:write`, or `teams:write` for teams and members). */
export class AccessCommand extends RpcGroup.make(
  Rpc.make("CreatePermission", {
    payload: { permission: CreatePermission },
    success: PermissionInfo,
    error: Schema.Union(...Base, Conflict)
  }),
  Rpc.make("DeletePermission", {
    payload: { name: ConcretePermission },
    error: Schema.Union(...Base, PermissionNotFound, Conflict)
  }),
  Rpc.make("CreateRole", {
    payload: { role: CreateRole },
    success: RoleDetail,
    error: Schema.Union(...Base, Conflict)
  }),
  Rpc.make("UpdateRole", {
    payload: { ...RoleKey, patch: UpdateRole },
    success: RoleDetail,
    error: Schema.Union(...Base, RoleNotFound, Conflict)
  }),
  Rpc.make("DeleteRole", { payload: RoleKey, error: Schema.Union(...Base, RoleNotFound, Conflict) }),
  Rpc.make("SetRolePermissions", {
    payload: { ...RoleKey, permissions: Schema.Array(Permission) },
    success: RoleDetail,
    error: Schema.Union(...Base, RoleNotFound, Conflict)
  }),
  Rpc.make("GrantPermission", {
    payload: { ...RoleKey, permission: Permission },
    success: RoleDetail,
    error: Schema.Union(...Base, RoleNotFound, Conflict)
  }),
  Rpc.make("RevokePermission", {
    payload: { ...RoleKey, permission: Permission },
    success: RoleDetail,
    error: Schema.Union(...Base, RoleNotFound, Conflict)
  }),
  Rpc.make("AssignRole", {
    payload: { ...User, role_id: RoleId },
    success: UserRole,
    error: Schema.Union(...Base, RoleNotFound)
  }),
  Rpc.make("UnassignRole", { payload: { ...User, role_id: RoleId }, error: Schema.Union(...Base, RoleNotFound) }),
  Rpc.make("SetUserOverride", {
    payload: { ...User, permission: Permission, effect: GrantEffect },
    success: UserOverride,
    error: Schema.Union(...Base)
  }),
  Rpc.make("RemoveUserOverride", { payload: { ...User, permission: Permission }, error: Schema.Union(...Base) }),
  Rpc.make("CreateTeam", {
    payload: { team: CreateTeam },
    success: TeamDetail,
    error: Schema.Union(...Base, Conflict)
  }),
  Rpc.make("UpdateTeam", {
    payload: { ...TeamKey, patch: UpdateTeam },
    success: TeamDetail,
    error: Schema.Union(...Base, TeamNotFound, Conflict)
  }),
  Rpc.make("DeleteTeam", { payload: TeamKey, error: Schema.Union(...Base, TeamNotFound) }),
  Rpc.make("AddTeamMember", {
    payload: { ...TeamKey, user_id: UserId },
    success: TeamMember,
    error: Schema.Union(...Base, TeamNotFound)
  }),
  Rpc.make("RemoveTeamMember", {
    payload: { ...TeamKey, user_id: UserId },
    error: Schema.Union(...Base, TeamNotFound)
  }),
  Rpc.make("AssignTeamRole", {
    payload: { ...TeamKey, role_id: RoleId },
    success: TeamDetail,
    error: Schema.Union(...Base, TeamNotFound, RoleNotFound)
  }),
  Rpc.make("UnassignTeamRole", {
    payload: { ...TeamKey, role_id: RoleId },
    success: TeamDetail,
    error: Schema.Union(...Base, TeamNotFound, RoleNotFound)
  })
) {}
