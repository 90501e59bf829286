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
 * The SQL is in `Repo.ts` (`AuditRepo`).
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { AuditEntry, AuditEntryId, type AuditInput, ChainVerification } from "@signet/contracts/audit/Domain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { newId } from "@signet/contracts/kernel/Ids"
import { decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import canonicalizeModule from "canonicalize"
import { Clock, DateTime, Effect, Option } from "effect"
import { instant } from "../kernel/Sql.js"
import { AuditRepo } from "./Repo.js"

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

/**
 * The chained fields of a stored entry: its instant as the ISO-8601 string it
 * was hashed with (`DateTime.formatIso`, the same form `toISOString` gave).
 */
const chainFieldsOf = (entry: AuditEntry): ChainFields => ({
  ...entry,
  occurred_at: DateTime.formatIso(entry.occurred_at)
})

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

/** Rows read per step of {@link Audit.verify}. */
const VERIFY_BATCH = 1000

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
    const repo = yield* AuditRepo

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
        const id = yield* newId(AuditEntryId)
        const head = yield* repo.lockHead(tenant.id, GENESIS_HASH)
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
        const entry = new AuditEntry({
          ...fields,
          id,
          occurred_at: DateTime.unsafeMake(now),
          tenant_id: tenant.id,
          actor_kind: actor.kind,
          prev_hash: head.hash,
          hash
        })
        yield* repo.append(entry)
        return entry
      }).pipe(Effect.withSpan("Audit.record", { attributes: { action: input.action } }))

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
        const rows = yield* repo.fromSeq(tenant.id, expectedSeq, VERIFY_BATCH)
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
          if (chainHash(prev, chainFieldsOf(row)) !== row.hash) return fail("hash_mismatch")
          prev = row.hash
          expectedSeq++
          checked++
        }
      }
      const head = Option.getOrElse(yield* repo.head(tenant.id), () => ({ seq: 0, hash: GENESIS_HASH }))
      const headOk = head.seq === checked && head.hash === prev
      return new ChainVerification({
        tenant_id: tenant.id,
        ok: headOk,
        checked,
        head_seq: head.seq,
        broken: headOk ? null : { seq: head.seq, id: "", reason: "head_mismatch" }
      })
    }).pipe(Effect.withSpan("Audit.verify"))

    /** Lists the current tenant's rows, newest first, with cursor pagination on `seq`. @errors ValidationError (cursor) */
    const list = (options: AuditListOptions = {}) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const limit = options.limit ?? 50
        const rows = yield* repo.page({
          tenantId: tenant.id,
          beforeSeq: yield* decodeCursorSeq(options.cursor),
          action: options.action,
          targetType: options.targetType,
          targetId: options.targetId,
          limit: limit + 1
        })
        const page = toPage(rows, limit)
        const last = page.items[page.items.length - 1]
        return {
          items: page.items,
          next_cursor: rows.length > limit && last ? Buffer.from(`seq:${last.seq}`).toString("base64url") : null
        }
      })

    /** Number of rows of the current tenant's chain. */
    const count = Effect.flatMap(CurrentTenant, (tenant) => repo.count(tenant.id))

    return { record, verify, list, count } as const
  }),
  dependencies: [AuditRepo.Default]
}) {}

const decodeCursorSeq = (cursor: string | undefined) => {
  if (!cursor) return Effect.succeed(undefined)
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  const m = /^seq:(\d+)$/.exec(text)
  return m ? Effect.succeed(Number(m[1])) : Effect.flatMap(decodeCursor("bad"), () => Effect.succeed(undefined))
}
