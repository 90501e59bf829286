/**
 * Repository part of the access module: what users are given directly —
 * roles (`user_roles`) and overrides (`user_permissions`) — and the reads
 * that gather everything deciding one user's permissions (seed 001
 * "user_permissions", "Permission Check Flow"). Every query filters by the
 * `CurrentTenant`; SQL errors become defects here.
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { GrantEffect, RoleId, TeamId, UserId, UserOverride, UserRole } from "@signet/contracts/access/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Schema } from "effect"
import { DbCount, instant } from "../../kernel/Sql.js"

/** A `user_roles` row joined with its role, decoded into {@link UserRole} (the instant by `UserRole`). */
export const UserRoleFromRow = Schema.compose(
  Schema.Struct({ ...UserRole.fields, priority: DbCount, assigned_at: Schema.String }),
  UserRole,
  { strict: false }
)

/** A role as it takes part in a user's effective permissions (a `roles` row's id, name and priority). */
const HeldRoleRow = Schema.Struct({ id: RoleId, name: Schema.String, priority: DbCount })
/** A role as it takes part in a user's effective permissions. */
export type HeldRole = typeof HeldRoleRow.Type

/** A role a user holds through a team, with the team. */
const TeamHeldRoleRow = Schema.Struct({ ...HeldRoleRow.fields, team_id: TeamId, team_name: Schema.String })
/** A role a user holds through a team. */
export type TeamHeldRole = typeof TeamHeldRoleRow.Type

const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknown(Schema.Array(schema))
const UserIdRow = Schema.Struct({ user_id: UserId })
const TeamIdRow = Schema.Struct({ team_id: TeamId })
const OverrideRow = Schema.Struct({ permission: Schema.String, effect: GrantEffect })
const GrantRow = Schema.Struct({ role_id: RoleId, permission: Schema.String })

const tenantId = Effect.map(CurrentTenant, (t) => t.id)

/** The user-role, override and effective-permission queries, on `sql`. */
export const userQueries = (sql: SqlClient.SqlClient) => {
  const userRoleRows = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, user: Schema.String, role: Schema.optional(Schema.String) }),
    Result: UserRoleFromRow,
    execute: (r) => sql`SELECT ur.user_id, ur.role_id, r.name AS role_name, r.priority, ur.created_at AS assigned_at
      FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
      WHERE ur.tenant_id = ${r.tenant} AND ur.user_id = ${r.user}
      ${r.role !== undefined ? sql`AND ur.role_id = ${r.role}` : sql``}
      ORDER BY r.priority DESC, r.name`
  })

  const overrideRows = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, user: Schema.String }),
    Result: UserOverride,
    execute: (r) => sql`SELECT user_id, permission, effect, updated_at FROM user_permissions
      WHERE tenant_id = ${r.tenant} AND user_id = ${r.user} ORDER BY permission`
  })

  return {
    /** The roles assigned directly to a user (only `roleId` when given), highest priority first. */
    userRoles: Effect.fn("AccessRepo.userRoles")(function* (userId: UserId, roleId?: RoleId) {
      return yield* userRoleRows({ tenant: yield* tenantId, user: userId, role: roleId })
    }, Effect.orDie),

    /** The ids of the users holding a role directly. */
    roleHolders: Effect.fn("AccessRepo.roleHolders")(function* (roleId: RoleId) {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT user_id FROM user_roles WHERE tenant_id = ${tenant} AND role_id = ${roleId}`
      return (yield* decode(UserIdRow)(rows)).map((r) => r.user_id)
    }, Effect.orDie),

    /** Assigns a role to users (none holding it yet), 200 rows per statement. */
    insertUserRoles: Effect.fn("AccessRepo.insertUserRoles")(function* (
      userIds: ReadonlyArray<UserId>,
      roleId: RoleId,
      at: DateTime.Utc
    ) {
      const tenant = yield* tenantId
      for (let i = 0; i < userIds.length; i += 200) {
        const rows = userIds
          .slice(i, i + 200)
          .map((user_id) => ({ tenant_id: tenant, user_id, role_id: roleId, created_at: instant(at) }))
        yield* sql`INSERT INTO user_roles ${sql.insert(rows)}`
      }
    }, Effect.orDie),

    /** Removes a role from a user. */
    deleteUserRole: Effect.fn("AccessRepo.deleteUserRole")(function* (userId: UserId, roleId: RoleId) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM user_roles WHERE tenant_id = ${tenant} AND user_id = ${userId} AND role_id = ${roleId}`
    }, Effect.orDie),

    /** A user's overrides, by permission. */
    overrides: Effect.fn("AccessRepo.overrides")(function* (userId: UserId) {
      return yield* overrideRows({ tenant: yield* tenantId, user: userId })
    }, Effect.orDie),

    /** Sets (inserts or replaces) a user's override of `permission`. */
    upsertOverride: Effect.fn("AccessRepo.upsertOverride")(function* (override: UserOverride) {
      const tenant = yield* tenantId
      yield* sql`INSERT INTO user_permissions (tenant_id, user_id, permission, effect, updated_at)
        VALUES (${tenant}, ${override.user_id}, ${override.permission}, ${override.effect}, ${instant(override.updated_at)})
        ON CONFLICT (tenant_id, user_id, permission)
        DO UPDATE SET effect = excluded.effect, updated_at = excluded.updated_at`
    }, Effect.orDie),

    /** Removes a user's override of `permission`. */
    deleteOverride: Effect.fn("AccessRepo.deleteOverride")(function* (userId: UserId, permission: string) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM user_permissions
        WHERE tenant_id = ${tenant} AND user_id = ${userId} AND permission = ${permission}`
    }, Effect.orDie),

    /** The ids of the teams a user belongs to, sorted. */
    userTeamIds: Effect.fn("AccessRepo.userTeamIds")(function* (userId: UserId) {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT team_id FROM team_members
        WHERE tenant_id = ${tenant} AND user_id = ${userId} ORDER BY team_id`
      return (yield* decode(TeamIdRow)(rows)).map((r) => r.team_id)
    }, Effect.orDie),

    /** Deletes a user's roles, overrides and team memberships. */
    deleteUserGrants: Effect.fn("AccessRepo.deleteUserGrants")(function* (userId: UserId) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM user_roles WHERE tenant_id = ${tenant} AND user_id = ${userId}`
      yield* sql`DELETE FROM user_permissions WHERE tenant_id = ${tenant} AND user_id = ${userId}`
      yield* sql`DELETE FROM team_members WHERE tenant_id = ${tenant} AND user_id = ${userId}`
    }, Effect.orDie),

    /**
     * Everything that decides one user's permissions: roles held directly,
     * roles held through teams, overrides, and the permission patterns of
     * those roles.
     */
    userRules: Effect.fn("AccessRepo.userRules")(function* (userId: UserId) {
      const tenant = yield* tenantId
      const direct = yield* decode(HeldRoleRow)(
        yield* sql`SELECT r.id, r.name, r.priority FROM user_roles ur
          JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
          WHERE ur.tenant_id = ${tenant} AND ur.user_id = ${userId}`
      )
      const viaTeams = yield* decode(TeamHeldRoleRow)(
        yield* sql`SELECT r.id, r.name, r.priority, t.id AS team_id, t.name AS team_name FROM team_members m
          JOIN teams t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
          JOIN team_roles tr ON tr.tenant_id = m.tenant_id AND tr.team_id = m.team_id
          JOIN roles r ON r.tenant_id = tr.tenant_id AND r.id = tr.role_id
          WHERE m.tenant_id = ${tenant} AND m.user_id = ${userId}`
      )
      const overrides = yield* decode(OverrideRow)(
        yield* sql`SELECT permission, effect FROM user_permissions
          WHERE tenant_id = ${tenant} AND user_id = ${userId} ORDER BY permission`
      )
      const roleIds = [...new Set([...direct, ...viaTeams].map((r) => r.id))]
      const grants =
        roleIds.length === 0
          ? []
          : yield* decode(GrantRow)(
              yield* sql`SELECT role_id, permission FROM role_permissions
                WHERE tenant_id = ${tenant} AND ${sql.in("role_id", roleIds)}`
            )
      return { direct, viaTeams, overrides, grants }
    }, Effect.orDie)
  } as const
}
