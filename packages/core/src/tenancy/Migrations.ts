/**
 * Tenancy tables. `tenants` is platform-level (no tenant owns it, so no RLS);
 * `tenant_settings` is tenant-owned and protected by RLS.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Tenancy module migrations. */
export const tenancyMigrations: ModuleMigrations = {
  module: "tenancy",
  migrations: {
    "0001_tenants": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE tenants (
        id ${t.uuid} NOT NULL PRIMARY KEY,
        slug TEXT NOT NULL,
        name TEXT NOT NULL,
        region TEXT NOT NULL DEFAULT 'global',
        plan TEXT NOT NULL DEFAULT 'free',
        status TEXT NOT NULL DEFAULT 'active',
        custom_domain TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        CONSTRAINT tenants_slug_key UNIQUE (slug),
        CONSTRAINT tenants_custom_domain_key UNIQUE (custom_domain),
        CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'deleted'))
      )`)
      yield* sql.unsafe(`CREATE TABLE tenant_settings (
        tenant_id ${t.uuid} NOT NULL,
        key TEXT NOT NULL,
        value ${t.json} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, key)
      )`)
      yield* enableTenantRls("tenant_settings")
    })
  }
}
