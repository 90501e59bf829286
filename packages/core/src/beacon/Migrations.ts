/**
 * Beacon tables (all tenant-owned, row-level security on Postgres):
 *
 * - `beacons`: the registry — key (JWK), TOTP secret (envelope-encrypted),
 *   classroom, status, the last proof counter, last seen, clock drift.
 * - `beacon_enrolment_codes`: one-time codes, stored hashed.
 * - `beacon_nonces`: nonces already used by auth requests and proofs (with
 *   the proof's digest, to tell a replayed proof from a reused nonce), kept
 *   until their freshness window has passed.
 * - `beacon_telemetry`: the time series, pruned past the retention.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { EncryptedColumn } from "../kernel/KeyRotation.js"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Every beacon table (for RLS and tests). */
export const BEACON_TABLES = ["beacons", "beacon_enrolment_codes", "beacon_nonces", "beacon_telemetry"] as const

/** The envelope-encrypted TOTP secret of each beacon (master-key rotation re-wraps it). */
export const beaconTotpColumn: EncryptedColumn = {
  table: "beacons",
  keyColumns: ["tenant_id", "id"],
  column: "totp_secret_enc",
  aad: (row) => `tenant:${row.tenant_id}:beacons:${row.id}:totp`
}

/** Beacon module migrations. */
export const beaconMigrations: ModuleMigrations = {
  module: "beacon",
  migrations: {
    "0001_beacons": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE beacons (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        name TEXT,
        classroom_id ${t.uuid},
        alg TEXT NOT NULL CHECK (alg IN ('ES256', 'EdDSA')),
        public_jwk ${t.json} NOT NULL,
        totp_secret_enc TEXT NOT NULL,
        firmware_version TEXT,
        status TEXT NOT NULL CHECK (status IN ('provisioned', 'active', 'revoked')),
        last_counter ${t.bigint} NOT NULL DEFAULT -1,
        last_seen_at ${t.ts},
        clock_drift_ms INTEGER,
        key_rotated_at ${t.ts},
        created_at ${t.ts} NOT NULL,
        revoked_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX beacons_classroom ON beacons (tenant_id, classroom_id)`)
      yield* sql.unsafe(`CREATE TABLE beacon_enrolment_codes (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        code_hash TEXT NOT NULL,
        classroom_id ${t.uuid},
        name TEXT,
        created_by TEXT,
        expires_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        beacon_id ${t.uuid},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, code_hash)
      )`)
      yield* sql.unsafe(`CREATE TABLE beacon_nonces (
        tenant_id ${t.uuid} NOT NULL,
        beacon_id ${t.uuid} NOT NULL,
        nonce TEXT NOT NULL,
        digest TEXT,
        expires_at ${t.bigint} NOT NULL,
        PRIMARY KEY (tenant_id, beacon_id, nonce)
      )`)
      yield* sql.unsafe(`CREATE INDEX beacon_nonces_expiry ON beacon_nonces (tenant_id, beacon_id, expires_at)`)
      yield* sql.unsafe(`CREATE TABLE beacon_telemetry (
        tenant_id ${t.uuid} NOT NULL,
        beacon_id ${t.uuid} NOT NULL,
        at ${t.ts} NOT NULL,
        battery_pct REAL,
        temperature_c REAL,
        clock_drift_ms INTEGER,
        queue_depth INTEGER,
        uptime_s ${t.bigint},
        PRIMARY KEY (tenant_id, beacon_id, at)
      )`)
      for (const table of BEACON_TABLES) yield* enableTenantRls(table)
    })
  }
}
