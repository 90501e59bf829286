/**
 * The audit log service: append-only, hash-chained per tenant.
 *
 * Every mutating service operation calls {@link Audit.record} exactly once,
 * inside its own transaction, so the audit row commits or rolls back with the
 * change it describes. Each row stores `prev_hash` and
 * `hash = sha256(prev_hash ‖ "\n" ‖ JCS(row))`, where JCS is the RFC 8785
 * JSON canonicalisation of the row's fields (`canonicalize`). Changing,
 * deleting or reordering any row breaks the chain at that row, which
 * {@link Audit.verify} reports.
 *
 * Appends for one tenant are serialised by the `audit_heads` row of that
 * tenant (`SELECT … FOR UPDATE` on Postgres; SQLite has a single writer).
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { AuditEntry, type AuditInput, ChainVerification } from "@signet/contracts/audit/Domain"
import { CurrentActor, CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import canonicalizeModule from "canonicalize"
import { Clock, Effect, Schema } from "effect"
import { DbCount, DbJsonNullable, instant, json } from "../kernel/Sql.js"

// `canonicalize` is CommonJS (`module.exports = fn`) with an ESM-style d.ts;
// under NodeNext the default import is typed as the module object.
const canonicalize = ((canonicalizeModule as any).default ?? canonicalizeModule) as (
  input: unknown
) => string | undefined

/** `prev_hash` of a tenant's first row. */
export const GENESIS_HASH = "0".repeat(64)

const SECRET_KEY = /pass(word)?|secret|token|private|credential|otp|totp|recovery|api_?key|master/i

/**
 * Replaces the values of secret-looking keys with `"[REDACTED]"`, recursively.
 * Applied to `before`/`after` so that no secret ever enters the append-only log.
 */
export const redact = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redact)
  if (value !== null && typeof value === "object") {
    if (typeof (value as any).toJSON === "function" && !(value instanceof Date)) return redact((value as any).toJSON())
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? "[REDACTED]" : redact(v)
    }
    return out
  }
  return value
}

interface ChainFields {
  readonly tenant_id: string
  readonly seq: number
  readonly id: string
  readonly actor_kind: string
  readonly actor_id: string | null
  readonly action: string
  readonly target_type: string
  readonly target_id: string | null
  readonly before: unknown
  readonly after: unknown
  readonly ip: string | null
  readonly user_agent: string | null
  readonly request_id: string | null
  readonly occurred_at: string
}

/** The chained hash of one row given its predecessor's hash. */
export const chainHash = (prevHash: string, row: ChainFields): string => {
  const canonical = canonicalize({
    tenant_id: row.tenant_id,
    seq: row.seq,
    id: row.id,
    actor_kind: row.actor_kind,
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    before: row.before ?? null,
    after: row.after ?? null,
    ip: row.ip,
    user_agent: row.user_agent,
    request_id: row.request_id,
    occurred_at: row.occurred_at
  })
  return Crypto.createHash("sha256")
    .update(prevHash)
    .update("\n")
    .update(canonical ?? "")
    .digest("hex")
}

const Row = Schema.Struct({
  tenant_id: Schema.String,
  seq: DbCount,
  id: Schema.String,
  actor_kind: Schema.String,
  actor_id: Schema.NullOr(Schema.String),
  action: Schema.String,
  target_type: Schema.String,
  target_id: Schema.NullOr(Schema.String),
  before: DbJsonNullable,
  after: DbJsonNullable,
  ip: Schema.NullOr(Schema.String),
  user_agent: Schema.NullOr(Schema.String),
  request_id: Schema.NullOr(Schema.String),
  occurred_at: Schema.String,
  prev_hash: Schema.String,
  hash: Schema.String
})
const decodeRows = Schema.decodeUnknown(Schema.Array(Row))

const HeadRow = Schema.Struct({ seq: DbCount, hash: Schema.String })

/** Filters of {@link Audit.list}. */
export interface AuditListOptions {
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
  readonly action?: string | undefined
  readonly targetType?: string | undefined
  readonly targetId?: string | undefined
}

/**
 * Audit log service. All methods act on the `CurrentTenant` and expect to run
 * inside `tenantTx` (they write or read tenant-owned, RLS-protected tables).
 */
export class Audit extends Effect.Service<Audit>()("Signet/Audit", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /**
     * Appends one row for the current tenant and actor. Must run inside the
     * caller's transaction. SQL failures are defects (the caller's
     * transaction rolls back with them).
     */
    const record = (input: AuditInput): Effect.Effect<AuditEntry, never, CurrentTenant | CurrentActor> =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const actor = yield* CurrentActor
        const now = yield* Clock.currentTimeMillis
        const id = yield* newUuid
        yield* sql`INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (${tenant.id}, 0, ${GENESIS_HASH})
          ON CONFLICT (tenant_id) DO NOTHING`
        const heads = yield* sql.onDialectOrElse({
          pg: () => sql`SELECT seq, hash FROM audit_heads WHERE tenant_id = ${tenant.id} FOR UPDATE`,
          orElse: () => sql`SELECT seq, hash FROM audit_heads WHERE tenant_id = ${tenant.id}`
        })
        const head = yield* Schema.decodeUnknown(HeadRow)(heads[0])
        const fields: ChainFields = {
          tenant_id: tenant.id,
          seq: head.seq + 1,
          id,
          actor_kind: actor.kind,
          actor_id: actor.id,
          action: input.action,
          target_type: input.targetType,
          target_id: input.targetId,
          before: redact(input.before ?? null),
          after: redact(input.after ?? null),
          ip: actor.ip ?? null,
          user_agent: actor.userAgent ?? null,
          request_id: actor.requestId ?? null,
          occurred_at: instant(now)
        }
        const hash = chainHash(head.hash, fields)
        yield* sql`INSERT INTO audit_logs (tenant_id, seq, id, actor_kind, actor_id, action, target_type, target_id,
            before, after, ip, user_agent, request_id, occurred_at, prev_hash, hash)
          VALUES (${fields.tenant_id}, ${fields.seq}, ${fields.id}, ${fields.actor_kind}, ${fields.actor_id},
            ${fields.action}, ${fields.target_type}, ${fields.target_id}, ${json(fields.before)}, ${json(fields.after)},
            ${fields.ip}, ${fields.user_agent}, ${fields.request_id}, ${fields.occurred_at}, ${head.hash}, ${hash})`
        yield* sql`UPDATE audit_heads SET seq = ${fields.seq}, hash = ${hash} WHERE tenant_id = ${tenant.id}`
        return new AuditEntry({ ...fields, tenant_id: tenant.id, actor_kind: actor.kind, prev_hash: head.hash, hash })
      }).pipe(Effect.orDie, Effect.withSpan("Audit.record", { attributes: { action: input.action } }))

    /**
     * Walks the current tenant's chain in `seq` order (1,000 rows per read)
     * and returns the first broken link, if any.
     */
    const verify: Effect.Effect<ChainVerification, never, CurrentTenant> = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      let prev = GENESIS_HASH
      let expectedSeq = 1
      let checked = 0
      while (true) {
        const rows = yield* sql`SELECT * FROM audit_logs WHERE tenant_id = ${tenant.id} AND seq >= ${expectedSeq}
          ORDER BY seq LIMIT 1000`.pipe(Effect.flatMap(decodeRows))
        if (rows.length === 0) break
        for (const row of rows) {
          const fail = (reason: "hash_mismatch" | "prev_hash_mismatch" | "sequence_gap") =>
            new ChainVerification({
              tenant_id: tenant.id,
              ok: false,
              checked,
              head_seq: expectedSeq - 1,
              broken: { seq: row.seq, id: row.id, reason }
            })
          if (row.seq !== expectedSeq) return fail("sequence_gap")
          if (row.prev_hash !== prev) return fail("prev_hash_mismatch")
          if (chainHash(prev, row) !== row.hash) return fail("hash_mismatch")
          prev = row.hash
          expectedSeq++
          checked++
        }
      }
      const heads = yield* sql`SELECT seq, hash FROM audit_heads WHERE tenant_id = ${tenant.id}`
      const head = heads[0] ? yield* Schema.decodeUnknown(HeadRow)(heads[0]) : { seq: 0, hash: GENESIS_HASH }
      const headOk = head.seq === checked && head.hash === prev
      return new ChainVerification({
        tenant_id: tenant.id,
        ok: headOk,
        checked,
        head_seq: head.seq,
        broken: headOk ? null : { seq: head.seq, id: "", reason: "head_mismatch" }
      })
    }).pipe(Effect.orDie, Effect.withSpan("Audit.verify"))

    /** Lists the current tenant's rows, newest first, with cursor pagination on `seq`. */
    const list = (options: AuditListOptions = {}) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const limit = options.limit ?? 50
        const after = yield* decodeCursorSeq(options.cursor)
        const conditions = [sql`tenant_id = ${tenant.id}`]
        if (after !== undefined) conditions.push(sql`seq < ${after}`)
        if (options.action) conditions.push(sql`action = ${options.action}`)
        if (options.targetType) conditions.push(sql`target_type = ${options.targetType}`)
        if (options.targetId) conditions.push(sql`target_id = ${options.targetId}`)
        const rows = yield* sql`SELECT * FROM audit_logs WHERE ${sql.and(conditions)} ORDER BY seq DESC LIMIT ${
          limit + 1
        }`.pipe(Effect.flatMap(decodeRows), Effect.orDie)
        const page = toPage(
          rows.map((r) => ({ ...r, id: r.id })),
          limit
        )
        const last = page.items[page.items.length - 1]
        return {
          items: page.items.map(
            (r) => new AuditEntry({ ...r, tenant_id: r.tenant_id as TenantId, actor_kind: r.actor_kind as any })
          ),
          next_cursor: rows.length > limit && last ? Buffer.from(`seq:${last.seq}`).toString("base64url") : null
        }
      })

    /** Number of rows of the current tenant's chain. */
    const count = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const rows = yield* sql`SELECT COUNT(*) AS n FROM audit_logs WHERE tenant_id = ${tenant.id}`.pipe(Effect.orDie)
      return Number((rows[0] as any)?.n ?? 0)
    })

    return { record, verify, list, count } as const
  })
}) {}

const decodeCursorSeq = (cursor: string | undefined) => {
  if (!cursor) return Effect.succeed(undefined)
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  const m = /^seq:(\d+)$/.exec(text)
  return m ? Effect.succeed(Number(m[1])) : Effect.flatMap(decodeCursor("bad"), () => Effect.succeed(undefined))
}
