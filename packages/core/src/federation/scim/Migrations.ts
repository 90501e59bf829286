/**
 * The `federation_scim` migration set (issue 19 §3): SCIM-only state, all
 * tenant-owned with row-level security on Postgres.
 *
 * - `scim_tokens`: bearer tokens for the tenant's identity provider
 *   (SHA-256 of the secret only; `prefix` finds the row; `permissions`:
 *   the scope fixed at minting, `Tokens.ts`).
 * - `scim_users`: the link of an identity user to SCIM — its `userName`,
 *   `externalId`, `displayName` and enterprise extension attributes.
 *   The user itself lives in identity's tables (written by identity only).
 * - `scim_groups`: the link of an access team — or, when `kind` is
 *   `student_group` (0002), an academics student group — to a SCIM group
 *   (its `externalId`); `team_id` holds the id of either. The team or group
 *   and its members live in access's or academics' tables.
 *
 * Users and teams are referred to by id, never by foreign key
 * (ARCHITECTURE §1 "Module rule").
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls, type ModuleMigrations } from "../../kernel/Migrations.js"

/** Every SCIM table (for RLS and tests). */
export const SCIM_TABLES = ["scim_tokens", "scim_users", "scim_groups"] as const

/** SCIM module migrations (`federation_scim`). */
export const scimMigrations: ModuleMigrations = {
  module: "federation_scim",
  migrations: {
    "0001_scim": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE scim_tokens (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        permissions ${t.json} NOT NULL,
        created_by TEXT,
        created_at ${t.ts} NOT NULL,
        last_used_at ${t.ts},
        revoked_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, prefix)
      )`)
      yield* sql.unsafe(`CREATE TABLE scim_users (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        user_name TEXT NOT NULL,
        user_name_normalized TEXT NOT NULL,
        external_id TEXT,
        display_name TEXT,
        enterprise ${t.json} NOT NULL,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id),
        UNIQUE (tenant_id, user_name_normalized)
      )`)
      yield* sql.unsafe(`CREATE INDEX scim_users_external ON scim_users (tenant_id, external_id)`)
      yield* sql.unsafe(`CREATE TABLE scim_groups (
        tenant_id ${t.uuid} NOT NULL,
        team_id ${t.uuid} NOT NULL,
        external_id TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, team_id)
      )`)
      for (const table of SCIM_TABLES) yield* enableTenantRls(table)
    }),
    "0002_scim_group_kind": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // A SCIM group maps to a team (as before) or to a student group (issue 19 §3).
      yield* sql.unsafe(
        `ALTER TABLE scim_groups ADD COLUMN kind TEXT NOT NULL DEFAULT 'team' CHECK (kind IN ('team', 'student_group'))`
      )
    })
  }
}
