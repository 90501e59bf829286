/**
 * The API-keys repository (issue 14 §2): the SQL of `api_keys`, of which it
 * is the only writer. Every method filters by the tenant of `CurrentTenant`
 * and runs in the caller's transaction; rows are decoded once into
 * {@link ApiKeyRow} (the domain's `ApiKey` fields without the computed
 * `active`, plus the secret's hash); SQL errors become defects. Each method
 * has a span `ApiKeysRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { ApiKey } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Schema, Struct } from "effect"
import { json, repoSpan } from "../../kernel/Sql.js"

/** An `api_keys` row: the domain's {@link ApiKey} without `active`, with the secret's SHA-256 (hex). */
export const ApiKeyRow = Schema.Struct({
  ...Struct.omit(ApiKey.fields, "active", "permissions"),
  permissions: Schema.Union(Schema.Array(Schema.String), Schema.parseJson(Schema.Array(Schema.String))),
  secret_hash: Schema.String
})
/** @see ApiKeyRow */
export type ApiKeyRow = typeof ApiKeyRow.Type

/** A new key as stored. */
export interface NewApiKey {
  readonly id: string
  readonly name: string
  readonly prefix: string
  readonly secret_hash: string
  readonly permissions: ReadonlyArray<string>
  readonly created_by: string | null
  readonly created_at: string
  readonly expires_at: string | null
}

const span = repoSpan("ApiKeysRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** The API-keys repository; see the module comment. */
export class ApiKeysRepo extends Effect.Service<ApiKeysRepo>()("Signet/ApiKeysRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const byIdQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, id: Schema.String }),
      Result: ApiKeyRow,
      execute: (r) => sql`SELECT * FROM api_keys WHERE tenant_id = ${r.tenant} AND id = ${r.id}`
    })
    const byPrefixQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, prefix: Schema.String }),
      Result: ApiKeyRow,
      execute: (r) => sql`SELECT * FROM api_keys WHERE tenant_id = ${r.tenant} AND prefix = ${r.prefix}`
    })
    const allQ = SqlSchema.findAll({
      Request: Schema.String,
      Result: ApiKeyRow,
      execute: (tenant) => sql`SELECT * FROM api_keys WHERE tenant_id = ${tenant} ORDER BY created_at DESC, id DESC`
    })
    const revokeQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, id: Schema.String, at: Schema.String }),
      Result: ApiKeyRow,
      execute: (r) => sql`UPDATE api_keys SET revoked_at = ${r.at} WHERE tenant_id = ${r.tenant}
        AND id = ${r.id} AND revoked_at IS NULL RETURNING *`
    })

    return {
      /** One key. */
      find: (id: string) => Effect.flatMap(tid, (tenant) => byIdQ({ tenant, id })).pipe(span("find")),
      /** The key with this public prefix. */
      findByPrefix: (prefix: string) =>
        Effect.flatMap(tid, (tenant) => byPrefixQ({ tenant, prefix })).pipe(span("findByPrefix")),
      /** The tenant's keys, newest first. */
      list: Effect.flatMap(tid, allQ).pipe(span("list")),
      /** Stores a new key. */
      insert: (k: NewApiKey) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, permissions, created_by,
              created_at, expires_at)
            VALUES (${tenant}, ${k.id}, ${k.name}, ${k.prefix}, ${k.secret_hash}, ${json(k.permissions)},
              ${k.created_by}, ${k.created_at}, ${k.expires_at})`
        ).pipe(Effect.asVoid, span("insert")),
      /** Revokes an unrevoked key: the revoked row, or none. */
      revoke: (id: string, at: string) =>
        Effect.flatMap(tid, (tenant) => revokeQ({ tenant, id, at })).pipe(span("revoke")),
      /** Records a use of the key. */
      touch: (id: string, at: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`UPDATE api_keys SET last_used_at = ${at} WHERE tenant_id = ${tenant} AND id = ${id}`
        ).pipe(Effect.asVoid, span("touch"))
    } as const
  })
}) {}
