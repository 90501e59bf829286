/**
 * Attendance tables. Tenant-owned tables carry `tenant_id` first in every
 * key and have row-level security on Postgres. (`0001` also created the
 * platform table `job_leases`, now owned by the kernel: `kernel/Leases.ts`
 * `leaseMigrations` creates it when absent.)
 *
 * - `signatures`: one row per signer and course (`UNIQUE (tenant_id,
 *   course_id, signer_id)`), plus an optional idempotency key.
 * - `signature_refusals`: the log of refused attempts (the only thing a
 *   refused attempt writes).
 * - `roll_results`: the roll result of a student in a course.
 * - `excuses`, with their attachment bytes inline (`BYTEA`/`BLOB`).
 * - `attendance_policies`: per-school late policy, grace, QR step and IP allow-list.
 * - `attendance_secrets`: the tenant's QR HMAC key, envelope-encrypted.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { EncryptedColumn } from "../kernel/KeyRotation.js"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Every tenant-owned attendance table (for RLS and tests). */
export const ATTENDANCE_TABLES = [
  "signatures",
  "signature_refusals",
  "roll_results",
  "excuses",
  "attendance_policies",
  "attendance_secrets"
] as const

/** The envelope-encrypted QR key of each tenant (master-key rotation re-wraps it). */
export const qrSecretColumn: EncryptedColumn = {
  table: "attendance_secrets",
  keyColumns: ["tenant_id"],
  column: "qr_key_enc",
  aad: (row) => `tenant:${row.tenant_id}:attendance:qr`
}

/** Attendance module migrations. */
export const attendanceMigrations: ModuleMigrations = {
  module: "attendance",
  migrations: {
    "0001_attendance": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE signatures (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        course_id ${t.uuid} NOT NULL,
        school_id ${t.uuid} NOT NULL,
        signer_id ${t.uuid} NOT NULL,
        signer_kind TEXT NOT NULL CHECK (signer_kind IN ('student', 'teacher')),
        method TEXT NOT NULL CHECK (method IN ('QR', 'NFC', 'FLASHLIGHT', 'BEACON', 'TEACHER', 'ADMIN')),
        status TEXT NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REFUSED', 'LATE')),
        reason_code TEXT,
        message TEXT,
        proof_ref TEXT,
        proof ${t.json},
        administrator_id TEXT,
        admin_reason TEXT,
        changed_by TEXT,
        previous_status TEXT,
        idempotency_key TEXT,
        received_at ${t.ts} NOT NULL,
        decided_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, course_id, signer_id)
      )`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX signatures_idempotency ON signatures (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL`
      )
      yield* sql.unsafe(`CREATE INDEX signatures_signer ON signatures (tenant_id, signer_id)`)
      yield* sql.unsafe(`CREATE TABLE signature_refusals (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        course_id TEXT NOT NULL,
        signer_id TEXT,
        method TEXT NOT NULL,
        reason_code TEXT NOT NULL,
        message TEXT NOT NULL,
        actor_id TEXT,
        ip TEXT,
        received_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX signature_refusals_course ON signature_refusals (tenant_id, course_id)`)
      yield* sql.unsafe(`CREATE TABLE roll_results (
        tenant_id ${t.uuid} NOT NULL,
        course_id ${t.uuid} NOT NULL,
        student_id ${t.uuid} NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('PRESENT', 'LATE', 'ABSENT', 'EXCUSED')),
        signature_id ${t.uuid},
        excuse_id ${t.uuid},
        marked_by TEXT,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, course_id, student_id)
      )`)
      yield* sql.unsafe(`CREATE INDEX roll_results_student ON roll_results (tenant_id, student_id)`)
      yield* sql.unsafe(`CREATE TABLE excuses (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        course_id ${t.uuid} NOT NULL,
        student_id ${t.uuid} NOT NULL,
        reason TEXT NOT NULL,
        note TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        attachment_name TEXT,
        attachment_type TEXT,
        attachment_size INTEGER,
        attachment ${t.bytes},
        submitted_by TEXT,
        decided_by TEXT,
        decision_comment TEXT,
        created_at ${t.ts} NOT NULL,
        decided_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX excuses_student ON excuses (tenant_id, student_id)`)
      yield* sql.unsafe(`CREATE TABLE attendance_policies (
        tenant_id ${t.uuid} NOT NULL,
        school_id ${t.uuid} NOT NULL,
        late_policy TEXT NOT NULL CHECK (late_policy IN ('late', 'refuse')),
        window_grace_minutes INTEGER NOT NULL,
        qr_step_seconds INTEGER NOT NULL,
        ip_allowlist ${t.json} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, school_id)
      )`)
      yield* sql.unsafe(`CREATE TABLE attendance_secrets (
        tenant_id ${t.uuid} NOT NULL PRIMARY KEY,
        qr_key_enc TEXT NOT NULL,
        created_at ${t.ts} NOT NULL
      )`)
      for (const table of ATTENDANCE_TABLES) yield* enableTenantRls(table)
      // Platform table, owned by the kernel since (`kernel/Leases.ts` `leaseMigrations`, which creates
      // it when absent); kept here, idempotent, so both orders of the two sets work on a fresh database.
      yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS job_leases (
        name TEXT NOT NULL PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at ${t.bigint} NOT NULL
      )`)
    }),
    // Issue 20: the `signatures.monthly` quota counts a tenant's signatures since the month's start.
    "0002_signatures_received_index": Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.unsafe(`CREATE INDEX signatures_received ON signatures (tenant_id, received_at)`)
    )
  }
}
