/**
 * Audit tables: `audit_logs` (append-only, hash-chained per tenant) and
 * `audit_heads` (the chain head per tenant; its row lock serialises appends).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Audit module migrations. */
export const auditMigrations = (appRole = "signet_app"): ModuleMigrations => ({
  module: "audit",
  migrations: {
    "0001_audit_logs": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE audit_logs (
        tenant_id ${t.uuid} NOT NULL,
        seq ${t.bigint} NOT NULL,
        id ${t.uuid} NOT NULL,
        actor_kind TEXT NOT NULL,
        actor_id TEXT,
        action TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT,
        before ${t.json},
        after ${t.json},
        ip TEXT,
        user_agent TEXT,
        request_id TEXT,
        occurred_at ${t.ts} NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (tenant_id, seq),
        UNIQUE (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX audit_logs_target ON audit_logs (tenant_id, target_type, target_id)`)
      yield* sql.unsafe(`CREATE TABLE audit_heads (
        tenant_id ${t.uuid} NOT NULL PRIMARY KEY,
        seq ${t.bigint} NOT NULL,
        hash TEXT NOT NULL
      )`)
      yield* enableTenantRls("audit_logs")
      yield* enableTenantRls("audit_heads")
      // Append-only: the database itself refuses UPDATE and DELETE.
      yield* sql.onDialectOrElse({
        pg: () =>
          Effect.all(
            [
              sql.unsafe(`CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'audit_logs is append-only (% refused)', TG_OP; END $$`),
              sql.unsafe(`CREATE TRIGGER audit_logs_no_update BEFORE UPDATE OR DELETE ON audit_logs
              FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`),
              sql.unsafe(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM ${appRole}`)
            ],
            { discard: true }
          ),
        orElse: () =>
          Effect.all(
            [
              sql.unsafe(`CREATE TRIGGER audit_logs_no_update BEFORE UPDATE ON audit_logs
              BEGIN SELECT RAISE(ABORT, 'audit_logs is append-only (UPDATE refused)'); END`),
              sql.unsafe(`CREATE TRIGGER audit_logs_no_delete BEFORE DELETE ON audit_logs
              BEGIN SELECT RAISE(ABORT, 'audit_logs is append-only (DELETE refused)'); END`)
            ],
            { discard: true }
          )
      })
    })
  }
})
