/**
 * The SQL of carbon footprints (issue 22 "Carbon footprints", migration
 * 0008): the only writer of `activity_carbon_footprints`, merged into
 * `ActivitiesRepo` (`Repo.ts`). Same rules as `Repo.ts`: the tenant from
 * `CurrentTenant`, rows decoded once into {@link CarbonFootprint}, lists
 * newest first by id, callers inside `tenantTx`.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { CarbonFootprint, type CarbonScope, type FootprintId } from "@signet/contracts/activities/Carbon"
import type { Target } from "@signet/contracts/activities/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { DbCount, instant, repoSpan } from "../kernel/Sql.js"

/** Fields of a footprint as written (creation and update); `co2e_kg` already computed. */
export interface FootprintFields {
  readonly scope: CarbonScope
  readonly category: string
  readonly quantity: number
  readonly unit: string
  readonly factor_kg_per_unit: number
  readonly factor_unit: string
  readonly factor_source: string
  readonly period_start: string
  readonly period_end: string
  readonly co2e_kg: number
}

/** Filter of a totals query: one target or the tenant, and a period window (dates, inclusive). */
export interface TotalsFilter {
  readonly target: Target | null
  readonly from: string | null
  readonly to: string | null
}

/** One summed group of footprints: scope, category, kg CO₂e, count. */
const TotalRow = Schema.Struct({
  scope: Schema.Literal(1, 2, 3),
  category: Schema.String,
  kg: Schema.Union(Schema.Number, Schema.NumberFromString),
  n: DbCount
})

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const first = <A>(rows: ReadonlyArray<A>) => Option.fromNullable(rows[0])

/** The SQL of carbon footprints. */
export const carbonQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const rows = Schema.decodeUnknown(Schema.Array(CarbonFootprint))
  const totals = Schema.decodeUnknown(Schema.Array(TotalRow))
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  const cols = sql`id, target_type, target_id, author_id, scope, category, quantity, unit, factor_kg_per_unit,
    factor_unit, factor_source, period_start, period_end, co2e_kg, created_at, updated_at`
  return {
    /** Stores a new footprint. */
    insertFootprint: (id: FootprintId, target: Target, author: string, f: FootprintFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_carbon_footprints (tenant_id, id, target_type, target_id, author_id, scope,
          category, quantity, unit, factor_kg_per_unit, factor_unit, factor_source, period_start, period_end,
          co2e_kg, created_at, updated_at)
          VALUES (${t}, ${id}, ${target.target_type}, ${target.target_id}, ${author}, ${f.scope}, ${f.category},
            ${f.quantity}, ${f.unit}, ${f.factor_kg_per_unit}, ${f.factor_unit}, ${f.factor_source},
            ${f.period_start}, ${f.period_end}, ${f.co2e_kg}, ${instant(now)}, ${instant(now)})`
      ).pipe(Effect.asVoid, span("insertFootprint")),
    /** One live footprint of the tenant (a soft-deleted one when `deleted`). */
    findFootprint: (id: string, deleted = false) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_carbon_footprints WHERE tenant_id = ${t} AND id = ${id}
          AND ${deleted ? sql`deleted_at IS NOT NULL` : sql`deleted_at IS NULL`}`
      ).pipe(Effect.flatMap(rows), Effect.map(first), span("findFootprint")),
    /** Replaces a footprint's fields. */
    updateFootprint: (id: FootprintId, f: FootprintFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_carbon_footprints SET scope = ${f.scope}, category = ${f.category},
          quantity = ${f.quantity}, unit = ${f.unit}, factor_kg_per_unit = ${f.factor_kg_per_unit},
          factor_unit = ${f.factor_unit}, factor_source = ${f.factor_source}, period_start = ${f.period_start},
          period_end = ${f.period_end}, co2e_kg = ${f.co2e_kg}, updated_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("updateFootprint")),
    /** Soft-deletes a footprint. */
    deleteFootprint: (id: FootprintId, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_carbon_footprints SET deleted_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("deleteFootprint")),
    /**
     * Clears the soft delete of a deleted footprint (issue 22 "restore"): true
     * when this call restored it (conditional, so two restores restore once).
     */
    restoreFootprint: (id: FootprintId) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_carbon_footprints SET deleted_at = NULL
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NOT NULL RETURNING id`
      ).pipe(
        Effect.map((r) => r.length === 1),
        span("restoreFootprint")
      ),
    /** A target's live footprints, newest first, after `after`, at most `limit`. */
    listFootprints: (target: Target, after: string | undefined, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_carbon_footprints WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND deleted_at IS NULL
          ${after === undefined ? sql`` : sql`AND id < ${after}`} ORDER BY id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(rows), span("listFootprints")),
    /** How many live footprints a target has. */
    countFootprints: (target: Target) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_carbon_footprints WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => r[0]?.n ?? 0),
        span("countFootprints")
      ),
    /**
     * Sums of live footprints' kg CO₂e by scope and category, of one target
     * or the tenant, keeping periods within [from, to] when given.
     */
    footprintTotals: ({ from, target, to }: TotalsFilter) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT scope, category, SUM(co2e_kg) AS kg, COUNT(*) AS n FROM activity_carbon_footprints
          WHERE tenant_id = ${t} AND deleted_at IS NULL
          ${target === null ? sql`` : sql`AND target_type = ${target.target_type} AND target_id = ${target.target_id}`}
          ${from === null ? sql`` : sql`AND period_start >= ${from}`}
          ${to === null ? sql`` : sql`AND period_end <= ${to}`}
          GROUP BY scope, category ORDER BY scope, category`
      ).pipe(Effect.flatMap(totals), span("footprintTotals"))
  } as const
}
