/**
 * The signing-keys repository (issue 14 §2): the SQL of `signing_keys`, of
 * which it is the only writer. Keys are the platform's (`tenant_id` null) or
 * one tenant's; the table is read whole (it is small and the key service
 * caches it). SQL errors become defects; each method has a span
 * `SigningKeysRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { SigningKeyId } from "@signet/contracts/identity/Domain"
import { TenantId } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema } from "effect"
import { DbCount, DbJson, repoSpan } from "../../kernel/Sql.js"

/** Accepted signature algorithms. */
export const ALGORITHMS = ["ES256", "EdDSA"] as const
/** @see ALGORITHMS */
export type SigningAlg = (typeof ALGORITHMS)[number]

/** A `signing_keys` row (the private key envelope-encrypted). */
export const KeyRow = Schema.Struct({
  kid: SigningKeyId,
  tenant_id: Schema.NullOr(TenantId),
  alg: Schema.Literal(...ALGORITHMS),
  public_jwk: DbJson,
  private_key_enc: Schema.String,
  created_at: Schema.DateTimeUtc,
  retire_after: Schema.NullOr(Schema.DateTimeUtc)
})
/** @see KeyRow */
export type KeyRow = typeof KeyRow.Type

/** A new key as stored. */
export interface NewKey {
  readonly kid: SigningKeyId
  readonly tenant_id: TenantId | null
  readonly alg: SigningAlg
  /** The public JWK, JSON text. */
  readonly public_jwk: string
  readonly private_key_enc: string
  readonly created_at: string
}

const span = repoSpan("SigningKeysRepo")

/** The signing-keys repository; see the module comment. */
export class SigningKeysRepo extends Effect.Service<SigningKeysRepo>()("Signet/SigningKeysRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const allQ = SqlSchema.findAll({
      Request: Schema.Void,
      Result: KeyRow,
      execute: () => sql`SELECT kid, tenant_id, alg, public_jwk, private_key_enc, created_at, retire_after
        FROM signing_keys ORDER BY created_at, kid`
    })
    const versionsQ = SqlSchema.findAll({
      Request: Schema.Void,
      Result: Schema.Struct({ kid: SigningKeyId, retire_after: Schema.NullOr(Schema.DateTimeUtc) }),
      execute: () => sql`SELECT kid, retire_after FROM signing_keys ORDER BY created_at, kid`
    })
    const countQ = SqlSchema.findOne({
      Request: Schema.Void,
      Result: Schema.Struct({ n: DbCount }),
      execute: () => sql`SELECT COUNT(*) AS n FROM signing_keys`
    })
    /** `tenant_id IS NULL` or `tenant_id = …`: the platform's keys or one tenant's. */
    const owner = (tenantId: TenantId | null) =>
      tenantId === null ? sql`tenant_id IS NULL` : sql`tenant_id = ${tenantId}`

    return {
      /** Every key, oldest first. */
      all: allQ(undefined).pipe(span("all")),
      /** Every key's id and retirement, oldest first (to notice changes cheaply). */
      versions: versionsQ(undefined).pipe(span("versions")),
      /** How many keys there are (`signet doctor`). */
      count: countQ(undefined).pipe(Effect.map(Option.match({ onNone: () => 0, onSome: (r) => r.n })), span("count")),
      /** Stores a new key. */
      insert: (k: NewKey) =>
        sql`INSERT INTO signing_keys (kid, tenant_id, alg, public_jwk, private_key_enc, created_at)
          VALUES (${k.kid}, ${k.tenant_id}, ${k.alg}, ${k.public_jwk}, ${k.private_key_enc}, ${k.created_at})`.pipe(
          Effect.asVoid,
          span("insert")
        ),
      /**
       * Retires the owner's signing keys (they verify until `retireAfter`)
       * and drops those whose retirement passed before `at`.
       */
      retire: (tenantId: TenantId | null, retireAfter: string, at: string) =>
        Effect.zipRight(
          sql`DELETE FROM signing_keys WHERE ${owner(tenantId)} AND retire_after IS NOT NULL AND retire_after < ${at}`,
          sql`UPDATE signing_keys SET retire_after = ${retireAfter} WHERE ${owner(tenantId)} AND retire_after IS NULL`
        ).pipe(Effect.asVoid, span("retire"))
    } as const
  })
}) {}
