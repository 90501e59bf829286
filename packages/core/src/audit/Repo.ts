/**
 * The audit repository: all of the audit module's SQL (ARCHITECTURE §1
 * "Repo.ts"; issue 14 §2). It is the only writer of `audit_logs` and
 * `audit_heads`.
 *
 * Every method takes the tenant id from the caller (the service reads it
 * from `CurrentTenant`) and runs in the caller's tenant transaction. Rows
 * are decoded once, into {@link AuditEntry}; SQL errors become defects. Each method has a span
 * `AuditRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { AuditEntry } from "@signet/contracts/audit/Domain"
import { DateTime, Effect, Option, Schema } from "effect"
import { DbCount, DbJsonNullable, json, repoSpan } from "../kernel/Sql.js"

/**
 * An `audit_logs` row decoded into the domain's {@link AuditEntry} (the
 * columns are its fields; `seq` may come back as a string or bigint, the
 * JSON columns as text on SQLite).
 */
const AuditEntryFromRow = Schema.compose(
  Schema.Struct({
    ...AuditEntry.fields,
    seq: DbCount,
    before: DbJsonNullable,
    after: DbJsonNullable,
    // Decoded to DateTime.Utc by AuditEntry itself: the row side keeps the stored ISO-8601 string.
    occurred_at: Schema.String
  }),
  AuditEntry,
  { strict: false }
)

/** A tenant's chain head: the last sequence number and its hash. */
export const HeadRow = Schema.Struct({ seq: DbCount, hash: Schema.String })
/** @see HeadRow */
export type HeadRow = typeof HeadRow.Type

/** Filters of a page of the log, newest first. */
export interface AuditRowFilter {
  readonly tenantId: string
  /** Only rows with a lower `seq` (the cursor). */
  readonly beforeSeq?: number | undefined
  readonly action?: string | undefined
  readonly targetType?: string | undefined
  readonly targetId?: string | undefined
  readonly limit: number
}

/** The audit module's SQL; see the module comment. */
export class AuditRepo extends Effect.Service<AuditRepo>()("Signet/AuditRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const span = repoSpan("AuditRepo")

    const headQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenantId: Schema.String, lock: Schema.Boolean }),
      Result: HeadRow,
      execute: ({ lock, tenantId }) =>
        lock
          ? sql.onDialectOrElse({
              pg: () => sql`SELECT seq, hash FROM audit_heads WHERE tenant_id = ${tenantId} FOR UPDATE`,
              orElse: () => sql`SELECT seq, hash FROM audit_heads WHERE tenant_id = ${tenantId}`
            })
          : sql`SELECT seq, hash FROM audit_heads WHERE tenant_id = ${tenantId}`
    })
    const fromSeqQ = SqlSchema.findAll({
      Request: Schema.Struct({ tenantId: Schema.String, seq: Schema.Number, limit: Schema.Number }),
      Result: AuditEntryFromRow,
      execute: (r) => sql`SELECT * FROM audit_logs WHERE tenant_id = ${r.tenantId} AND seq >= ${r.seq}
        ORDER BY seq LIMIT ${r.limit}`
    })
    const pageQ = SqlSchema.findAll({
      Request: Schema.Unknown,
      Result: AuditEntryFromRow,
      execute: (request) => {
        const f = request as AuditRowFilter
        const conditions = [sql`tenant_id = ${f.tenantId}`]
        if (f.beforeSeq !== undefined) conditions.push(sql`seq < ${f.beforeSeq}`)
        if (f.action) conditions.push(sql`action = ${f.action}`)
        if (f.targetType) conditions.push(sql`target_type = ${f.targetType}`)
        if (f.targetId) conditions.push(sql`target_id = ${f.targetId}`)
        return sql`SELECT * FROM audit_logs WHERE ${sql.and(conditions)} ORDER BY seq DESC LIMIT ${f.limit}`
      }
    })
    const countQ = SqlSchema.single({
      Request: Schema.String,
      Result: Schema.Struct({ n: DbCount }),
      execute: (tenantId) => sql`SELECT COUNT(*) AS n FROM audit_logs WHERE tenant_id = ${tenantId}`
    })

    return {
      /**
       * The tenant's chain head, created at the genesis hash when missing,
       * locked for the rest of the transaction (`FOR UPDATE` on Postgres;
       * SQLite has a single writer) so appends are serialised per tenant.
       */
      lockHead: (tenantId: string, genesis: string) =>
        sql`INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (${tenantId}, 0, ${genesis})
          ON CONFLICT (tenant_id) DO NOTHING`.pipe(
          Effect.zipRight(headQ({ tenantId, lock: true })),
          Effect.map(Option.getOrThrow),
          span("lockHead")
        ),
      /** The tenant's chain head, if any row was ever appended. */
      head: (tenantId: string) => headQ({ tenantId, lock: false }).pipe(span("head")),
      /** Appends a row and moves the head to it. */
      append: (row: AuditEntry) =>
        Effect.zipRight(
          sql`INSERT INTO audit_logs (tenant_id, seq, id, actor_kind, actor_id, action, target_type, target_id,
              before, after, ip, user_agent, request_id, occurred_at, prev_hash, hash)
            VALUES (${row.tenant_id}, ${row.seq}, ${row.id}, ${row.actor_kind}, ${row.actor_id}, ${row.action},
              ${row.target_type}, ${row.target_id}, ${json(row.before)}, ${json(row.after)}, ${row.ip},
              ${row.user_agent}, ${row.request_id}, ${DateTime.formatIso(row.occurred_at)}, ${row.prev_hash}, ${row.hash})`,
          sql`UPDATE audit_heads SET seq = ${row.seq}, hash = ${row.hash} WHERE tenant_id = ${row.tenant_id}`
        ).pipe(Effect.asVoid, span("append")),
      /** Up to `limit` rows from `seq` on, in chain order. */
      fromSeq: (tenantId: string, seq: number, limit: number) =>
        fromSeqQ({ tenantId, seq, limit }).pipe(span("fromSeq")),
      /** A page of rows, newest first. */
      page: (filter: AuditRowFilter) => pageQ(filter).pipe(span("page")),
      /** The number of rows of the tenant's chain. */
      count: (tenantId: string) =>
        countQ(tenantId).pipe(
          Effect.map((r) => r.n),
          span("count")
        )
    } as const
  })
}) {}
