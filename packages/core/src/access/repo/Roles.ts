/**
 * Repository part of the access module: roles, their permission patterns,
 * the tenant's custom permissions and the per-tenant policy version (tables
 * `roles`, `role_permissions`, `permissions`, `access_versions`; seed 001
 * "roles / permissions"). Every query filters by the `CurrentTenant`; SQL
 * errors become defects here, except the inserts and updates whose unique
 * violations the service turns into `Conflict` (they keep `SqlError`).
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { PermissionInfo, Role, type RoleId } from "@signet/contracts/access/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { bool, DbBool, DbCount, instant } from "../../kernel/Sql.js"

/**
 * A `roles` row decoded into {@link Role} (booleans and counts read
 * portably; the instants, ISO strings in both dialects, are decoded by `Role`).
 */
export const RoleFromRow = Schema.compose(
  Schema.Struct({
    ...Role.fields,
    priority: DbCount,
    is_system: DbBool,
    created_at: Schema.String,
    updated_at: Schema.String
  }),
  Role,
  { strict: false }
)

/** A `permissions` row decoded into {@link PermissionInfo}. */
export const PermissionFromRow = Schema.compose(
  Schema.Struct({ ...PermissionInfo.fields, is_system: DbBool }),
  PermissionInfo,
  { strict: false }
)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** True for a lowercase UUID (anything else names no row, and Postgres would refuse to compare it). */
export const isUuid = (s: string): boolean => UUID.test(s)

/** Where a role listing resumes: after this priority and name (ordered by priority desc, then name). */
export interface RoleCursor {
  readonly priority: number
  readonly name: string
}

/** The columns a role is written with. */
export interface RoleValues {
  readonly id: RoleId
  readonly name: string
  readonly description: string
  readonly priority: number
  readonly is_system: boolean
}

const tenantId = Effect.map(CurrentTenant, (t) => t.id)

/** The per-tenant policy version (`access_versions`), on `sql`. */
const versionQueries = (sql: SqlClient.SqlClient) =>
  ({
    /** Adds 1 to the tenant's policy version (creating it at 1). */
    bumpVersion: Effect.fn("AccessRepo.bumpVersion")(function* () {
      const tenant = yield* tenantId
      yield* sql`INSERT INTO access_versions (tenant_id, version) VALUES (${tenant}, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET version = access_versions.version + 1`
    }, Effect.orDie),

    /** The tenant's policy version (0 before the first change). */
    readVersion: Effect.fn("AccessRepo.readVersion")(function* () {
      const tenant = yield* tenantId
      const rows = yield* sql<{ version: unknown }>`SELECT version FROM access_versions WHERE tenant_id = ${tenant}`
      return Number(rows[0]?.version ?? 0)
    }, Effect.orDie)
  }) as const

/** The tenant's `permissions` rows, on `sql`. */
const permissionQueries = (sql: SqlClient.SqlClient) =>
  ({
    /** The tenant's `permissions` rows (declared by modules when seeded, or created by the tenant). */
    permissionRows: Effect.fn("AccessRepo.permissionRows")(function* () {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT name, description, is_system FROM permissions WHERE tenant_id = ${tenant}`
      return yield* Schema.decodeUnknown(Schema.Array(PermissionFromRow))(rows)
    }, Effect.orDie),

    /** Inserts permission rows (seeding); `at` is the instant. */
    insertPermissions: Effect.fn("AccessRepo.insertPermissions")(function* (
      rows: ReadonlyArray<PermissionInfo>,
      at: DateTime.Utc
    ) {
      if (rows.length === 0) return
      const tenant = yield* tenantId
      yield* sql`INSERT INTO permissions ${sql.insert(
        rows.map((p) => ({
          tenant_id: tenant,
          name: p.name,
          description: p.description,
          is_system: bool(p.is_system),
          created_at: instant(at)
        }))
      )}`
    }, Effect.orDie),

    /** Inserts one permission row. Keeps `SqlError` (a unique violation means the name is taken). */
    insertPermission: (info: PermissionInfo, at: DateTime.Utc) =>
      Effect.flatMap(
        tenantId,
        (tenant) => sql`INSERT INTO permissions (tenant_id, name, description, is_system, created_at)
          VALUES (${tenant}, ${info.name}, ${info.description}, ${bool(info.is_system)}, ${instant(at)})`
      ).pipe(Effect.asVoid, Effect.withSpan("AccessRepo.insertPermission")),

    /** Deletes a permission and every exact grant of it (role grants and user overrides). */
    deletePermission: Effect.fn("AccessRepo.deletePermission")(function* (name: string) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM role_permissions WHERE tenant_id = ${tenant} AND permission = ${name}`
      yield* sql`DELETE FROM user_permissions WHERE tenant_id = ${tenant} AND permission = ${name}`
      yield* sql`DELETE FROM permissions WHERE tenant_id = ${tenant} AND name = ${name}`
    }, Effect.orDie)
  }) as const

/** Role reads (roles and their patterns), on `sql`. */
const roleReads = (sql: SqlClient.SqlClient) => {
  const rolesWhere = SqlSchema.findAll({
    Request: Schema.Struct({
      tenant: Schema.String,
      id: Schema.optional(Schema.String),
      name: Schema.optional(Schema.String)
    }),
    Result: RoleFromRow,
    execute: (r) =>
      sql`SELECT * FROM roles WHERE tenant_id = ${r.tenant}
        ${r.id !== undefined ? sql`AND id = ${r.id}` : sql``}
        ${r.name !== undefined ? sql`AND name = ${r.name}` : sql``}`
  })

  const permissionStrings = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, role: Schema.String }),
    Result: Schema.Struct({ permission: Schema.String }),
    execute: (r) => sql`SELECT permission FROM role_permissions
      WHERE tenant_id = ${r.tenant} AND role_id = ${r.role} ORDER BY permission`
  })
  return {
    /** The role with this id (none for another tenant's id or a non-UUID). */
    findRole: Effect.fn("AccessRepo.findRole")(function* (id: RoleId) {
      if (!isUuid(id)) return Option.none<Role>()
      const rows = yield* rolesWhere({ tenant: yield* tenantId, id })
      return Option.fromNullable(rows[0])
    }, Effect.orDie),

    /** The role with this name. */
    findRoleByName: Effect.fn("AccessRepo.findRoleByName")(function* (name: string) {
      const rows = yield* rolesWhere({ tenant: yield* tenantId, name })
      return Option.fromNullable(rows[0])
    }, Effect.orDie),

    /** Every role of the tenant (unordered). */
    allRoles: Effect.fn("AccessRepo.allRoles")(function* () {
      return yield* rolesWhere({ tenant: yield* tenantId })
    }, Effect.orDie),

    /** Up to `limit` roles after `after`, highest priority first, then by name. */
    pageRoles: Effect.fn("AccessRepo.pageRoles")(function* (after: RoleCursor | undefined, limit: number) {
      const tenant = yield* tenantId
      const rows = yield* sql`SELECT * FROM roles WHERE tenant_id = ${tenant} ${
        after
          ? sql`AND (priority < ${after.priority} OR (priority = ${after.priority} AND name > ${after.name}))`
          : sql``
      } ORDER BY priority DESC, name LIMIT ${limit}`
      return yield* Schema.decodeUnknown(Schema.Array(RoleFromRow))(rows)
    }, Effect.orDie),

    /** A role's permission patterns, sorted. */
    rolePermissions: Effect.fn("AccessRepo.rolePermissions")(function* (roleId: RoleId) {
      const rows = yield* permissionStrings({ tenant: yield* tenantId, role: roleId })
      return rows.map((r) => r.permission)
    }, Effect.orDie),

    /** The permission patterns of the role named `name`, sorted (empty when there is no such role). */
    rolePermissionsByName: Effect.fn("AccessRepo.rolePermissionsByName")(function* (name: string) {
      const tenant = yield* tenantId
      const rows = yield* sql<{ permission: string }>`SELECT rp.permission FROM roles r
        JOIN role_permissions rp ON rp.tenant_id = r.tenant_id AND rp.role_id = r.id
        WHERE r.tenant_id = ${tenant} AND r.name = ${name} ORDER BY rp.permission`
      return rows.map((r) => r.permission)
    }, Effect.orDie)
  } as const
}

/** Role writes (roles, their patterns and assignments), on `sql`. */
const roleWrites = (sql: SqlClient.SqlClient) =>
  ({
    /** Inserts a role. Keeps `SqlError` (a unique violation means the name is taken). */
    insertRole: (role: RoleValues, at: DateTime.Utc) =>
      Effect.flatMap(
        tenantId,
        (
          tenant
        ) => sql`INSERT INTO roles (tenant_id, id, name, description, priority, is_system, created_at, updated_at)
          VALUES (${tenant}, ${role.id}, ${role.name}, ${role.description}, ${role.priority}, ${bool(role.is_system)}, ${instant(at)}, ${instant(at)})`
      ).pipe(Effect.asVoid, Effect.withSpan("AccessRepo.insertRole")),

    /** Writes a role's name, description, priority and `updated_at`. Keeps `SqlError` (name taken). */
    updateRole: (role: Role) =>
      Effect.flatMap(
        tenantId,
        (tenant) => sql`UPDATE roles SET name = ${role.name}, description = ${role.description},
            priority = ${role.priority}, updated_at = ${instant(role.updated_at)}
          WHERE tenant_id = ${tenant} AND id = ${role.id}`
      ).pipe(Effect.asVoid, Effect.withSpan("AccessRepo.updateRole")),

    /** How many users and teams hold the role. */
    countRoleHolders: Effect.fn("AccessRepo.countRoleHolders")(function* (roleId: RoleId) {
      const tenant = yield* tenantId
      const [users] = yield* sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM user_roles
        WHERE tenant_id = ${tenant} AND role_id = ${roleId}`
      const [teams] = yield* sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM team_roles
        WHERE tenant_id = ${tenant} AND role_id = ${roleId}`
      return { users: Number(users?.n ?? 0), teams: Number(teams?.n ?? 0) }
    }, Effect.orDie),

    /** Deletes a role with its assignments (users, teams) and grants. */
    deleteRole: Effect.fn("AccessRepo.deleteRole")(function* (roleId: RoleId) {
      const tenant = yield* tenantId
      yield* sql`DELETE FROM user_roles WHERE tenant_id = ${tenant} AND role_id = ${roleId}`
      yield* sql`DELETE FROM team_roles WHERE tenant_id = ${tenant} AND role_id = ${roleId}`
      yield* sql`DELETE FROM role_permissions WHERE tenant_id = ${tenant} AND role_id = ${roleId}`
      yield* sql`DELETE FROM roles WHERE tenant_id = ${tenant} AND id = ${roleId}`
    }, Effect.orDie),

    /** Adds permission patterns to a role (none already present). */
    insertRolePermissions: Effect.fn("AccessRepo.insertRolePermissions")(function* (
      roleId: RoleId,
      permissions: ReadonlyArray<string>,
      at: DateTime.Utc
    ) {
      if (permissions.length === 0) return
      const tenant = yield* tenantId
      yield* sql`INSERT INTO role_permissions ${sql.insert(
        permissions.map((permission) => ({ tenant_id: tenant, role_id: roleId, permission, created_at: instant(at) }))
      )}`
    }, Effect.orDie),

    /** Removes permission patterns from a role. */
    deleteRolePermissions: Effect.fn("AccessRepo.deleteRolePermissions")(function* (
      roleId: RoleId,
      permissions: ReadonlyArray<string>
    ) {
      if (permissions.length === 0) return
      const tenant = yield* tenantId
      yield* sql`DELETE FROM role_permissions WHERE tenant_id = ${tenant} AND role_id = ${roleId}
        AND ${sql.in("permission", permissions)}`
    }, Effect.orDie)
  }) as const

/** The role, permission and version queries, on `sql`. */
export const roleQueries = (sql: SqlClient.SqlClient) =>
  ({ ...versionQueries(sql), ...roleReads(sql), ...permissionQueries(sql), ...roleWrites(sql) }) as const
