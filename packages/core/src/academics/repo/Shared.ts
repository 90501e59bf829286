/**
 * What the academics repository's query files share (issue 14 §2): the
 * span and error mapping of a method, the current tenant's id, and the
 * generic page / by-ids / by-code queries of the soft-deleted tables.
 *
 * @module
 */
import { type SqlClient, SqlSchema } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Schema } from "effect"
import { isUniqueViolation } from "../../kernel/Database.js"
import { REPO_SPAN, repoSpan } from "../../kernel/Sql.js"
import { AcademicsUniqueViolation, type SoftDeletable } from "../Rows.js"

/** A method's span `AcademicsRepo.<name>`; SQL errors become defects. */
export const span = repoSpan("AcademicsRepo")

/** Unique violations as {@link AcademicsUniqueViolation}, other SQL errors as defects; span `AcademicsRepo.<name>`. */
export const unique =
  (name: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    self.pipe(
      Effect.catchAll((e) =>
        isUniqueViolation(e) ? Effect.fail(new AcademicsUniqueViolation({ error: e })) : Effect.die(e)
      ),
      Effect.withSpan(`AcademicsRepo.${name}`, REPO_SPAN)
    )

/** Binds an instant as ISO-8601 UTC with milliseconds (what the instant columns store). */
export const iso = (d: DateTime.Utc): string => DateTime.formatIso(d)

/** The current tenant's id. */
export const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** Runs the current tenant's statement for its effect. */
export const exec = <E>(statement: (tenant: string) => Effect.Effect<unknown, E>) =>
  Effect.asVoid(Effect.flatMap(tid, statement))

const ByIds = Schema.Struct({ tenant: Schema.String, ids: Schema.Array(Schema.String) })
const ByCode = Schema.Struct({ tenant: Schema.String, code: Schema.String, school: Schema.UndefinedOr(Schema.String) })
const Page = Schema.Struct({
  tenant: Schema.String,
  school_id: Schema.UndefinedOr(Schema.String),
  after: Schema.UndefinedOr(Schema.String),
  limit: Schema.Number
})

/** A page query of one table's live rows by id (see `PageParams`). */
export const pageOf = <A, I>(sql: SqlClient.SqlClient, table: SoftDeletable, Result: Schema.Schema<A, I>) =>
  SqlSchema.findAll({
    Request: Page,
    Result,
    execute: (r) => sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL
      ${r.school_id ? sql`AND school_id = ${r.school_id}` : sql``}
      ${r.after ? sql`AND id > ${r.after}` : sql``} ORDER BY id LIMIT ${r.limit}`
  })

/** A query of one table's live rows by ids. */
export const byIdsOf = <A, I>(sql: SqlClient.SqlClient, table: SoftDeletable, Result: Schema.Schema<A, I>) =>
  SqlSchema.findAll({
    Request: ByIds,
    Result,
    execute: (r) =>
      sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL AND ${sql.in("id", r.ids)}`
  })

/** A query of up to two live rows with this code (in a school, or tenant-wide). */
export const byCodeOf = <A, I>(sql: SqlClient.SqlClient, table: SoftDeletable, Result: Schema.Schema<A, I>) =>
  SqlSchema.findAll({
    Request: ByCode,
    Result,
    execute: (r) => sql`SELECT * FROM ${sql(table)} WHERE tenant_id = ${r.tenant} AND deleted_at IS NULL
      AND code = ${r.code} ${r.school ? sql`AND school_id = ${r.school}` : sql``} LIMIT 2`
  })
