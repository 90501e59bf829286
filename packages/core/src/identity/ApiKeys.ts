/**
 * API keys (seed 001 `api_keys`): per tenant, scoped to a set of
 * permissions, optional expiry, last-used time, revocable.
 *
 * Format: `sg_<prefix>_<secret>` — `prefix` (12 base32 characters) finds the
 * row, `secret` (256 bits, base64url) is stored only as a SHA-256 hash
 * (enough for a high-entropy secret; compared in constant time). The full key
 * is shown once, at creation. `last_used_at` is written at most once a
 * minute per key, so a busy key does not turn every request into a write.
 * A key's scope never exceeds what its creator holds (no escalation through
 * a key: see {@link ApiKeys} `create`).
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { ApiKey, ApiKeyNotFound, type CreateApiKey, CreatedApiKey } from "@signet/contracts/identity/Domain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Effect, Option, Schema } from "effect"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { DbJson, instant, json } from "../kernel/Sql.js"
import { Identity } from "./Users.js"

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
/** A UUID's textual shape (user ids); other creators (the bootstrap operator) are no user. */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest()

/** Parses `sg_<prefix>_<secret>`; `None` for anything else. */
export const parseApiKey = (presented: string): Option.Option<{ readonly prefix: string; readonly secret: string }> => {
  const m = /^sg_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/.exec(presented)
  return m ? Option.some({ prefix: m[1]!, secret: m[2]! }) : Option.none()
}

const Row = Schema.Struct({
  tenant_id: Schema.String,
  id: Schema.String,
  name: Schema.String,
  prefix: Schema.String,
  secret_hash: Schema.String,
  permissions: DbJson,
  created_by: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  expires_at: Schema.NullOr(Schema.String),
  last_used_at: Schema.NullOr(Schema.String),
  revoked_at: Schema.NullOr(Schema.String)
})
type Row = typeof Row.Type
const decodeRows = Schema.decodeUnknown(Schema.Array(Row))

const toApiKey = (r: Row, nowMs: number) =>
  new ApiKey({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    permissions: r.permissions as ReadonlyArray<string>,
    created_by: r.created_by,
    created_at: r.created_at,
    expires_at: r.expires_at,
    last_used_at: r.last_used_at,
    revoked_at: r.revoked_at,
    active: r.revoked_at === null && (r.expires_at === null || Date.parse(r.expires_at) > nowMs)
  })

/** The API key service (acts on the `CurrentTenant`). */
export class ApiKeys extends Effect.Service<ApiKeys>()("Signet/ApiKeys", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const identity = yield* Identity
    const inTx = identity.inTx

    /** Writes a key whose scope `create` has checked (one transaction: row, audit, event). */
    const insert = (input: CreateApiKey, nowMs: number, permissions: ReadonlyArray<string>) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const actor = yield* CurrentActor
          const id = yield* newUuid
          const prefix = [...Crypto.randomBytes(12)].map((b) => BASE32[b % 32]).join("")
          const secret = Crypto.randomBytes(32).toString("base64url")
          yield* sql`INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, permissions, created_by, created_at, expires_at)
            VALUES (${tenant.id}, ${id}, ${input.name}, ${prefix}, ${sha256(secret).toString("hex")}, ${json(permissions)},
              ${actor.id}, ${instant(nowMs)}, ${input.expires_at ?? null})`.pipe(Effect.orDie)
          const rows = yield* sql`SELECT * FROM api_keys WHERE tenant_id = ${tenant.id} AND id = ${id}`.pipe(
            Effect.flatMap(decodeRows),
            Effect.orDie
          )
          const key = toApiKey(rows[0]!, nowMs)
          yield* audit.record({ action: "apikey.create", targetType: "api_key", targetId: id, after: key })
          yield* events.publish({ type: "signet.apikey.created", subject: id, data: key })
          return new CreatedApiKey({ api_key: key, key: `sg_${prefix}_${secret}` })
        })
      )

    /**
     * Creates a key scoped to `permissions`; the returned `key` is shown once.
     *
     * A key acts with its scope, so minting one grants that scope: every
     * entry must be a permission the tenant knows (the rule of role grants:
     * declared or tenant-created, `resource:*` of a known resource, or `*:*`)
     * and one the `CurrentActor` holds itself (`Access.requireHeld`; a
     * pattern wholly). Operators and the system (CLI) hold everything.
     * @errors ValidationError (expiry in the past; `permissions`: an unknown
     * permission), Forbidden (403, naming the first scope entry the caller
     * does not hold)
     */
    const create = (input: CreateApiKey) =>
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        if (input.expires_at !== undefined && Date.parse(input.expires_at) <= nowMs) {
          return yield* ValidationError.field("expires_at", "must be in the future")
        }
        // In the order given, so the 403 names the first entry of the request not held.
        const scope = [...new Set(input.permissions)]
        const access = yield* Access
        yield* access.validatePermissions(scope, "permissions")
        yield* access.requireHeld(scope, "an API key scope")
        return yield* insert(input, nowMs, [...scope].sort())
      })

    /** Lists the tenant's keys (newest first; secrets never included). */
    const list = inTx(
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const nowMs = yield* Clock.currentTimeMillis
        const rows =
          yield* sql`SELECT * FROM api_keys WHERE tenant_id = ${tenant.id} ORDER BY created_at DESC, id DESC`.pipe(
            Effect.flatMap(decodeRows),
            Effect.orDie
          )
        return rows.map((r) => toApiKey(r, nowMs))
      })
    )

    /** Revokes a key. @errors ApiKeyNotFound */
    const revoke = (id: string) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const nowMs = yield* Clock.currentTimeMillis
          const rows = yield* sql`UPDATE api_keys SET revoked_at = ${instant(nowMs)} WHERE tenant_id = ${tenant.id}
            AND id = ${id} AND revoked_at IS NULL RETURNING *`.pipe(Effect.flatMap(decodeRows), Effect.orDie)
          if (!rows[0]) return yield* new ApiKeyNotFound({ message: `no active API key ${id}`, id })
          const key = toApiKey(rows[0], nowMs)
          yield* audit.record({ action: "apikey.revoke", targetType: "api_key", targetId: id, after: key })
          yield* events.publish({ type: "signet.apikey.revoked", subject: id, data: { id } })
          return key
        })
      )

    /**
     * Authenticates a presented key for the current tenant: returns its id
     * and permissions.
     * @errors Unauthorized (malformed, unknown, wrong secret, revoked, expired)
     */
    const authenticate = (presented: string) =>
      Effect.gen(function* () {
        const invalid = new Unauthorized({ message: "invalid API key" })
        const parsed = parseApiKey(presented)
        if (Option.isNone(parsed)) return yield* invalid
        return yield* inTx(
          Effect.gen(function* () {
            const tenant = yield* CurrentTenant
            const nowMs = yield* Clock.currentTimeMillis
            const rows =
              yield* sql`SELECT * FROM api_keys WHERE tenant_id = ${tenant.id} AND prefix = ${parsed.value.prefix}`.pipe(
                Effect.flatMap(decodeRows),
                Effect.orDie
              )
            const row = rows[0]
            const expected = Buffer.from(row?.secret_hash ?? "00".repeat(32), "hex")
            const matches = Crypto.timingSafeEqual(expected, sha256(parsed.value.secret))
            if (!row || !matches || !toApiKey(row, nowMs).active) return yield* invalid
            // A key dies with its creator (issue 15 §4): a key minted by a user who has since been
            // disabled or deleted no longer authenticates. Keys made by operators or the system
            // (no user row) are the platform's and stay until revoked or expired; the bootstrap
            // operator's id ("bootstrap") is no UUID and must not reach a uuid column (Postgres).
            if (row.created_by !== null && UUID_SHAPE.test(row.created_by)) {
              const creator = yield* sql<{ status: string; deleted_at: string | null }>`SELECT status, deleted_at
                FROM users WHERE tenant_id = ${tenant.id} AND id = ${row.created_by}`.pipe(Effect.orDie)
              const user = creator[0]
              if (user && (user.status === "disabled" || user.deleted_at !== null)) return yield* invalid
            }
            if (row.last_used_at === null || nowMs - Date.parse(row.last_used_at) > 60_000) {
              yield* sql`UPDATE api_keys SET last_used_at = ${instant(nowMs)} WHERE tenant_id = ${tenant.id}
                AND id = ${row.id}`.pipe(Effect.orDie)
            }
            return { id: row.id, permissions: row.permissions as ReadonlyArray<string> }
          })
        )
      })

    return { create, list, revoke, authenticate } as const
  })
}) {}
