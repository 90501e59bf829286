/**
 * Access (RBAC) domain: permissions, roles, teams, grants and decisions
 * (seed 001 "roles / permissions / role_permissions / user_permissions /
 * user_roles / teams / team_members" and "Permission Check Flow"; seed 002
 * "ROLE-BASED ACCESS CONTROL"; ARCHITECTURE §3 "RBAC").
 *
 * - A permission is a `resource:action` string. Grants may also use the
 *   wildcards `resource:*` (every action on a resource) and `*:*` (everything).
 * - Modules declare their permissions as data ({@link PermissionCatalog}).
 * - Roles belong to a tenant and carry a `priority` (higher first): it orders
 *   listings and, when several grants allow the same request, decides which
 *   one `explain` reports. It never turns a deny into an allow.
 * - Decision: explicit deny > allow > default deny.
 *
 * Permissions as data (grammar, catalogue, default roles) live in
 * `Catalog.ts`, re-exported here. This file is contract-only (no SQL, no
 * Node module): `@signet/core/api` and the SDK may import it.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { TenantId } from "../kernel/Context.js"
import { brandedId, UserId } from "../kernel/Ids.js"
import { strictStruct } from "../tenancy/Domain.js"
import { ConcretePermission, Permission } from "./Catalog.js"

export * from "./Catalog.js"

// ---------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------

/** Branded role id (UUIDv7). */
export const RoleId = brandedId("RoleId")
/** @see RoleId */
export type RoleId = typeof RoleId.Type

/** Branded team id (UUIDv7). */
export const TeamId = brandedId("TeamId")
/** @see TeamId */
export type TeamId = typeof TeamId.Type

/**
 * Users belong to the identity module; access refers to them by the kernel's
 * branded {@link UserId} only (module rule, ARCHITECTURE §1: access does not
 * import identity). Re-exported for the access contracts' users.
 */
export { UserId }

// ---------------------------------------------------------------------------
// Roles, teams, grants
// ---------------------------------------------------------------------------

/** Role name: lowercase identifier, 1–64 characters (`manager`, `dept-head`). */
export const RoleName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_-]{0,63}$/, {
    message: () => "must be 1-64 lowercase letters, digits, _ or -, starting with a letter"
  }),
  Schema.annotations({ identifier: "RoleName", examples: ["manager"] })
)

/** Team name: 1–100 characters after trimming. */
export const TeamName = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))

/** Free-text description, at most 500 characters. */
export const AccessDescription = Schema.Trim.pipe(Schema.maxLength(500))

/** Role priority, 0–1000; higher wins in listings and explanations. */
export const RolePriority = Schema.Int.pipe(Schema.between(0, 1000), Schema.annotations({ identifier: "RolePriority" }))

/** A tenant role. `is_system` roles were seeded at onboarding and cannot be deleted or renamed. */
export class Role extends Schema.Class<Role>("Role")({
  id: RoleId,
  tenant_id: TenantId,
  name: Schema.String,
  description: Schema.String,
  priority: Schema.Number,
  is_system: Schema.Boolean,
  /** When the role was created (wire: ISO-8601 UTC). */
  created_at: Schema.DateTimeUtc,
  /** When the role was last changed (wire: ISO-8601 UTC). */
  updated_at: Schema.DateTimeUtc
}) {}

/** A role with the permission patterns it grants (sorted). */
export class RoleDetail extends Schema.Class<RoleDetail>("RoleDetail")({
  ...Role.fields,
  permissions: Schema.Array(Schema.String)
}) {}

/** A team (seed 001 "teams - Organizational units"): its roles are granted to its members. */
export class Team extends Schema.Class<Team>("Team")({
  id: TeamId,
  tenant_id: TenantId,
  name: Schema.String,
  description: Schema.String,
  /** When the team was created (wire: ISO-8601 UTC). */
  created_at: Schema.DateTimeUtc,
  /** When the team was last changed (wire: ISO-8601 UTC). */
  updated_at: Schema.DateTimeUtc
}) {}

/** Reference to a role: id and name. */
export class RoleRef extends Schema.Class<RoleRef>("RoleRef")({ id: RoleId, name: Schema.String }) {}

/** A team with the roles it grants to its members. */
export class TeamDetail extends Schema.Class<TeamDetail>("TeamDetail")({
  ...Team.fields,
  roles: Schema.Array(RoleRef)
}) {}

/** A user's membership of a team. */
export class TeamMember extends Schema.Class<TeamMember>("TeamMember")({
  team_id: TeamId,
  user_id: UserId,
  /** When the user joined the team (wire: ISO-8601 UTC). */
  added_at: Schema.DateTimeUtc
}) {}

/** A role assigned directly to a user. */
export class UserRole extends Schema.Class<UserRole>("UserRole")({
  user_id: UserId,
  role_id: RoleId,
  role_name: Schema.String,
  priority: Schema.Number,
  /** When the role was assigned (wire: ISO-8601 UTC). */
  assigned_at: Schema.DateTimeUtc
}) {}

/** Effect of a user-level override: `deny` beats every allow. */
export const GrantEffect = Schema.Literal("allow", "deny").annotations({ identifier: "GrantEffect" })
/** @see GrantEffect */
export type GrantEffect = typeof GrantEffect.Type

/** A user-level permission override (seed 001 `user_permissions`). */
export class UserOverride extends Schema.Class<UserOverride>("UserOverride")({
  user_id: UserId,
  permission: Schema.String,
  effect: GrantEffect,
  /** When the override was last set (wire: ISO-8601 UTC). */
  updated_at: Schema.DateTimeUtc
}) {}

/** Where a role of a user comes from: assigned directly or through a team. */
export class RoleGrant extends Schema.Class<RoleGrant>("RoleGrant")({
  role_id: RoleId,
  role_name: Schema.String,
  priority: Schema.Number,
  via: Schema.Literal("direct", "team"),
  team_id: Schema.NullOr(TeamId),
  team_name: Schema.NullOr(Schema.String)
}) {}

/**
 * Everything that decides a user's permissions, and the outcome: `allow` and
 * `deny` are the patterns in force; `permissions` the tenant's known
 * concrete permissions the user holds after denies.
 */
export class EffectivePermissions extends Schema.Class<EffectivePermissions>("EffectivePermissions")({
  user_id: UserId,
  roles: Schema.Array(RoleGrant),
  overrides: Schema.Array(Schema.Struct({ permission: Schema.String, effect: GrantEffect })),
  allow: Schema.Array(Schema.String),
  deny: Schema.Array(Schema.String),
  permissions: Schema.Array(Schema.String)
}) {}

// ---------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------

/** Which rule decided: `deny` (an explicit deny), `allow`, or `default-deny` (nothing matched). */
export const Decision = Schema.Literal("deny", "allow", "default-deny").annotations({ identifier: "Decision" })
/** @see Decision */
export type Decision = typeof Decision.Type

/**
 * The grant or deny that decided: a user override (`id` = user id), a role
 * assigned to the user, or a role granted through a team (`team` set).
 * `pattern` is the matching permission pattern (`attendance:*`).
 */
export const DecisionSource = Schema.Struct({
  kind: Schema.Literal("user_override", "role", "team_role", "scope"),
  id: Schema.String,
  name: Schema.String,
  pattern: Schema.String,
  team: Schema.NullOr(Schema.Struct({ id: Schema.String, name: Schema.String }))
}).annotations({ identifier: "DecisionSource" })
/** @see DecisionSource */
export type DecisionSource = typeof DecisionSource.Type

/** The answer of `explain`: the decision and the rule behind it (`null` for `default-deny`). */
export class Explanation extends Schema.Class<Explanation>("Explanation")({
  user_id: UserId,
  permission: Schema.String,
  allowed: Schema.Boolean,
  decision: Decision,
  source: Schema.NullOr(DecisionSource)
}) {}

// ---------------------------------------------------------------------------
// Requests (unknown fields refused)
// ---------------------------------------------------------------------------

/** Body of `POST …/roles` and RPC `CreateRole`. */
export const CreateRole = strictStruct("CreateRole", {
  name: RoleName,
  description: Schema.optional(AccessDescription).annotations({ description: "Default: empty" }),
  priority: Schema.optional(RolePriority).annotations({ description: "Default: 50" }),
  permissions: Schema.optional(Schema.Array(Permission)).annotations({ description: "Default: none" })
})
/** @see CreateRole */
export type CreateRole = typeof CreateRole.Type

/** Body of `PATCH …/roles/{id}`: every field optional. System roles keep their name. */
export const UpdateRole = strictStruct("UpdateRole", {
  name: Schema.optional(RoleName),
  description: Schema.optional(AccessDescription),
  priority: Schema.optional(RolePriority)
})
/** @see UpdateRole */
export type UpdateRole = typeof UpdateRole.Type

/** Body of `PUT …/roles/{id}/permissions`: the complete new set. */
export const SetRolePermissions = strictStruct("SetRolePermissions", {
  permissions: Schema.Array(Permission)
})
/** @see SetRolePermissions */
export type SetRolePermissions = typeof SetRolePermissions.Type

/** Body of `POST …/roles/{id}/permissions`: one pattern to add. */
export const GrantPermission = strictStruct("GrantPermission", { permission: Permission })
/** @see GrantPermission */
export type GrantPermission = typeof GrantPermission.Type

/** Body of `POST …/users/{userId}/roles`. */
export const AssignRole = strictStruct("AssignRole", { role_id: RoleId })
/** @see AssignRole */
export type AssignRole = typeof AssignRole.Type

/** Body of `PUT …/users/{userId}/permissions/{permission}`. */
export const SetUserOverride = strictStruct("SetUserOverride", { effect: GrantEffect })
/** @see SetUserOverride */
export type SetUserOverride = typeof SetUserOverride.Type

/** Body of `POST …/permissions`: a tenant-specific permission. */
export const CreatePermission = strictStruct("CreatePermission", {
  name: ConcretePermission,
  description: Schema.optional(AccessDescription)
})
/** @see CreatePermission */
export type CreatePermission = typeof CreatePermission.Type

/** Body of `POST …/teams` and RPC `CreateTeam`. */
export const CreateTeam = strictStruct("CreateTeam", {
  name: TeamName,
  description: Schema.optional(AccessDescription)
})
/** @see CreateTeam */
export type CreateTeam = typeof CreateTeam.Type

/** Body of `PATCH …/teams/{id}`. */
export const UpdateTeam = strictStruct("UpdateTeam", {
  name: Schema.optional(TeamName),
  description: Schema.optional(AccessDescription)
})
/** @see UpdateTeam */
export type UpdateTeam = typeof UpdateTeam.Type

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** 404 — no role with that id in the caller's tenant (another tenant's role answers this too). */
export class RoleNotFound extends Schema.TaggedError<RoleNotFound>()(
  "RoleNotFound",
  { message: Schema.String, role: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such role" })
) {}

/** 404 — no team with that id in the caller's tenant. */
export class TeamNotFound extends Schema.TaggedError<TeamNotFound>()(
  "TeamNotFound",
  { message: Schema.String, team: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such team" })
) {}

/** 404 — the permission is not one the tenant knows (neither declared by a module nor created by the tenant). */
export class PermissionNotFound extends Schema.TaggedError<PermissionNotFound>()(
  "PermissionNotFound",
  { message: Schema.String, permission: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such permission" })
) {}
