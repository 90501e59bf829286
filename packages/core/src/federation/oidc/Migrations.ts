/**
 * Tables of the OpenID Connect provider (issue 19 §1), all tenant-owned
 * (`tenant_id` first in every key, row-level security on Postgres):
 * - `oidc_clients`: the relying parties an admin registered; the secret of a
 *   confidential client envelope-encrypted (`secret_enc`, AAD
 *   `oidc_clients:<tenant_id>:<client_id>`): `oidc-provider` compares the
 *   presented secret with it, so it cannot be a one-way hash.
 * - `oidc_payloads`: what `oidc-provider` stores through its adapter
 *   (sessions, interactions, grants, codes, tokens), one row per
 *   `(model, id)`, with the lookup columns the adapter contract needs
 *   (`grant_id`, `user_code`, `uid`) and the grant's `account_id`/`client_id`
 *   (remembered consent); rows past `expires_at` are never answered.
 * - `oidc_settings`: the tenant's cookie-signing key (envelope-encrypted).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { EncryptedColumn } from "../../kernel/KeyRotation.js"
import { ddl, enableTenantRls, type ModuleMigrations } from "../../kernel/Migrations.js"

/** Tenant-owned OIDC provider tables (RLS on Postgres). */
export const OIDC_TENANT_TABLES = ["oidc_clients", "oidc_payloads", "oidc_settings"] as const

/** The encrypted client-secret column, for master-key rotation. */
export const oidcClientSecretColumn: EncryptedColumn = {
  table: "oidc_clients",
  keyColumns: ["tenant_id", "client_id"],
  column: "secret_enc",
  aad: (row) => `oidc_clients:${String(row.tenant_id)}:${String(row.client_id)}`
}

/** The encrypted cookie-key column, for master-key rotation. */
export const oidcCookieKeyColumn: EncryptedColumn = {
  table: "oidc_settings",
  keyColumns: ["tenant_id"],
  column: "cookie_key_enc",
  aad: (row) => `oidc_settings:${String(row.tenant_id)}`
}

/** Migrations of the OIDC provider (module `federation_oidc`). */
export const federationOidcMigrations: ModuleMigrations = {
  module: "federation_oidc",
  migrations: {
    "0001_clients_payloads": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE oidc_clients (
        tenant_id ${t.uuid} NOT NULL,
        client_id TEXT NOT NULL,
        name TEXT NOT NULL,
        redirect_uris ${t.json} NOT NULL,
        post_logout_redirect_uris ${t.json} NOT NULL,
        grant_types ${t.json} NOT NULL,
        public ${t.bool} NOT NULL,
        secret_enc TEXT,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, client_id)
      )`)
      yield* sql.unsafe(`CREATE TABLE oidc_payloads (
        tenant_id ${t.uuid} NOT NULL,
        model TEXT NOT NULL,
        id TEXT NOT NULL,
        payload TEXT NOT NULL,
        grant_id TEXT,
        user_code TEXT,
        uid TEXT,
        account_id TEXT,
        client_id TEXT,
        expires_at ${t.ts},
        consumed_at ${t.ts},
        PRIMARY KEY (tenant_id, model, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX oidc_payloads_grant ON oidc_payloads (tenant_id, grant_id)`)
      yield* sql.unsafe(`CREATE INDEX oidc_payloads_uid ON oidc_payloads (tenant_id, model, uid)`)
      yield* sql.unsafe(`CREATE INDEX oidc_payloads_user_code ON oidc_payloads (tenant_id, model, user_code)`)
      yield* sql.unsafe(`CREATE INDEX oidc_payloads_consent ON oidc_payloads (tenant_id, model, account_id, client_id)`)
      yield* sql.unsafe(`CREATE TABLE oidc_settings (
        tenant_id ${t.uuid} NOT NULL,
        cookie_key_enc TEXT NOT NULL,
        PRIMARY KEY (tenant_id)
      )`)
      for (const table of OIDC_TENANT_TABLES) yield* enableTenantRls(table)
    })
  }
}
