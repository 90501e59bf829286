/**
 * Access tables (seed 001 "roles, permissions, role_permissions,
 * user_permissions, user_roles, teams, team_members"; ARCHITECTURE §2
 * "Tenancy"). Every table is tenant-owned: `tenant_id` leads its primary
 * key, unique constraints and foreign keys (Citus-ready), and row-level
 * security applies on Postgres.
 *
 * - `roles`, `permissions` (the tenant's known permissions: declared by
 *   modules, or created by the tenant), `role_permissions` (patterns,
 *   possibly wildcards, so no foreign key to `permissions`);
 * - `user_roles`, `user_permissions` (overrides, `allow` | `deny`),
 *   `teams`, `team_members`, `team_roles`; users are referred to by id only;
 * - `access_versions`: the per-tenant policy version every mutation bumps,
 *   read by every replica to invalidate its compiled policy.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DEFAULT_PG_APP_ROLE } from "../kernel/Database.js"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Tables of the access module, in creation order. */
export const ACCESS_TABLES = [
  "roles",
  "permissions",
  "role_permissions",
  "user_roles",
  "user_permissions",
  "teams",
  "team_members",
  "team_roles",
  "access_versions"
] as const

/**
 * Access module migrations (module `access`, table
 * `signet_migrations_access`). On Postgres the application role `appRole`
 * gets DML on the tables explicitly (besides the kernel's default
 * privileges), so the module still works when its migrations run as a
 * different owner.
 */
export const accessMigrations = (appRole: string = DEFAULT_PG_APP_ROLE): ModuleMigrations => ({
  module: "access",
  migrations: {
    "0001_rbac": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE roles (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        priority INTEGER NOT NULL DEFAULT 50,
        is_system ${t.bool} NOT NULL DEFAULT ${t.pg ? "FALSE" : "0"},
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT roles_name_key UNIQUE (tenant_id, name)
      )`)
      yield* sql.unsafe(`CREATE TABLE permissions (
        tenant_id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        is_system ${t.bool} NOT NULL DEFAULT ${t.pg ? "FALSE" : "0"},
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, name)
      )`)
      yield* sql.unsafe(`CREATE TABLE role_permissions (
        tenant_id ${t.uuid} NOT NULL,
        role_id ${t.uuid} NOT NULL,
        permission TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, role_id, permission),
        FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE TABLE user_roles (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        role_id ${t.uuid} NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id, role_id),
        FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE INDEX user_roles_role ON user_roles (tenant_id, role_id)`)
      yield* sql.unsafe(`CREATE TABLE user_permissions (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        permission TEXT NOT NULL,
        effect TEXT NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id, permission),
        CONSTRAINT user_permissions_effect_check CHECK (effect IN ('allow', 'deny'))
      )`)
      yield* sql.unsafe(`CREATE TABLE teams (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT teams_name_key UNIQUE (tenant_id, name)
      )`)
      yield* sql.unsafe(`CREATE TABLE team_members (
        tenant_id ${t.uuid} NOT NULL,
        team_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, team_id, user_id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE INDEX team_members_user ON team_members (tenant_id, user_id)`)
      yield* sql.unsafe(`CREATE TABLE team_roles (
        tenant_id ${t.uuid} NOT NULL,
        team_id ${t.uuid} NOT NULL,
        role_id ${t.uuid} NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, team_id, role_id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE INDEX team_roles_role ON team_roles (tenant_id, role_id)`)
      yield* sql.unsafe(`CREATE TABLE access_versions (
        tenant_id ${t.uuid} NOT NULL PRIMARY KEY,
        version ${t.bigint} NOT NULL
      )`)
      for (const table of ACCESS_TABLES) yield* enableTenantRls(table)
      if (t.pg) {
        yield* sql.unsafe(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${ACCESS_TABLES.join(", ")} TO ${appRole}`)
      }
    })
  }
})
