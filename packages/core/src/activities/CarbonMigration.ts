/**
 * Activities migration 0008 (issue 22 "Carbon footprints"; seed 001
 * `carbon_footprints`): the table `activity_carbon_footprints`, one row per
 * footprint on a target (soft delete, `deleted_at`), tenant-owned with
 * row-level security on Postgres like every activities table.
 *
 * - Quantities, factors and `co2e_kg` are `DOUBLE PRECISION` on Postgres
 *   (not `REAL`, which is single precision there) and `REAL` (8 bytes) on
 *   SQLite.
 * - Periods are calendar dates as `YYYY-MM-DD` text on both dialects, so
 *   comparisons are lexicographic and the same; `period_end >= period_start`
 *   is checked by the table as well as by the service.
 * - Indexes: by target (lists, per-target totals) and by tenant and period
 *   (tenant totals within a date range).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls } from "../kernel/Migrations.js"

/** The table of migration 0008. */
export const CARBON_TABLES = ["activity_carbon_footprints"] as const

/** Migration `0008_carbon_footprints` of the activities module; see the module comment. */
export const carbonFootprintsMigration = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const t = yield* ddl
  const num = t.pg ? "DOUBLE PRECISION" : "REAL"
  yield* sql.unsafe(`CREATE TABLE activity_carbon_footprints (
    tenant_id ${t.uuid} NOT NULL,
    id ${t.uuid} NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    scope INTEGER NOT NULL CHECK (scope IN (1, 2, 3)),
    category TEXT NOT NULL,
    quantity ${num} NOT NULL CHECK (quantity > 0),
    unit TEXT NOT NULL,
    factor_kg_per_unit ${num} NOT NULL CHECK (factor_kg_per_unit >= 0),
    factor_unit TEXT NOT NULL,
    factor_source TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    co2e_kg ${num} NOT NULL CHECK (co2e_kg >= 0),
    created_at ${t.ts} NOT NULL,
    updated_at ${t.ts} NOT NULL,
    deleted_at ${t.ts},
    PRIMARY KEY (tenant_id, id),
    CHECK (period_end >= period_start)
  )`)
  yield* sql.unsafe(`CREATE INDEX activity_carbon_footprints_target
    ON activity_carbon_footprints (tenant_id, target_type, target_id, id)`)
  yield* sql.unsafe(`CREATE INDEX activity_carbon_footprints_period
    ON activity_carbon_footprints (tenant_id, period_start)`)
  for (const table of CARBON_TABLES) yield* enableTenantRls(table)
})
