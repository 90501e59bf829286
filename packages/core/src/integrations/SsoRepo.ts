/**
 * The SQL of SSO connections (issue 19 §2): the only writer of
 * `sso_connections`. Every method reads the tenant from `CurrentTenant`;
 * callers run them inside `tenantTx` (row-level security on Postgres). The
 * client secret's ciphertext is handed to the service as stored; it alone
 * encrypts and decrypts.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { SsoAttributeMapping } from "@signet/contracts/integrations/SsoDomain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option, Schema } from "effect"
import { bool, DbBool, DbCount, DbJson, json, repoSpan } from "../kernel/Sql.js"

const Strings = Schema.compose(DbJson, Schema.Array(Schema.String))

/** An `sso_connections` row. */
export const ConnectionRow = Schema.Struct({
  name: Schema.String,
  issuer: Schema.String,
  client_id: Schema.String,
  client_secret_enc: Schema.String,
  scopes: Strings,
  domains: Strings,
  provisioning: Schema.Literal("jit", "link_only"),
  default_user_type: Schema.Literal("student", "teacher", "admin", "dev"),
  sso_only: DbBool,
  protocol: Schema.Literal("oidc", "saml"),
  saml_sso_url: Schema.NullOr(Schema.String),
  saml_certificates: Strings,
  /** SAML: Signet's encryption certificate (PEM); its private key is `client_secret_enc`. */
  saml_sp_certificate: Schema.NullOr(Schema.String),
  saml_require_encrypted: DbBool,
  attribute_mapping: Schema.NullOr(Schema.compose(DbJson, SsoAttributeMapping)),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
})
/** @see ConnectionRow */
export type ConnectionRow = typeof ConnectionRow.Type

const COLUMNS = `name, issuer, client_id, client_secret_enc, scopes, domains, provisioning, default_user_type,
  sso_only, protocol, saml_sso_url, saml_certificates, saml_sp_certificate, saml_require_encrypted,
  attribute_mapping, created_at, updated_at`
const iso = (d: DateTime.Utc) => DateTime.formatIso(d)
const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const rows = Schema.decodeUnknown(Schema.Array(ConnectionRow))
const span = repoSpan("SsoRepo")

/** The SSO connections' repository; see the module comment. */
export class SsoRepo extends Effect.Service<SsoRepo>()("Signet/SsoRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({
    count: Effect.flatMap(tid, (t) => sql`SELECT COUNT(*) AS n FROM sso_connections WHERE tenant_id = ${t}`).pipe(
      Effect.flatMap((r) => Schema.decodeUnknown(DbCount)(r[0]?.n ?? 0)),
      span("count")
    ),
    /** Inserts or replaces the tenant's connection `c.name` (created_at kept on replace). */
    upsert: (c: Omit<ConnectionRow, "created_at" | "updated_at">, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO sso_connections (tenant_id, name, issuer, client_id, client_secret_enc, scopes,
            domains, provisioning, default_user_type, sso_only, protocol, saml_sso_url, saml_certificates,
            saml_sp_certificate, saml_require_encrypted, attribute_mapping, created_at, updated_at)
            VALUES (${t}, ${c.name}, ${c.issuer}, ${c.client_id}, ${c.client_secret_enc}, ${json(c.scopes)},
              ${json(c.domains)}, ${c.provisioning}, ${c.default_user_type}, ${bool(c.sso_only)}, ${c.protocol},
              ${c.saml_sso_url}, ${json(c.saml_certificates)}, ${c.saml_sp_certificate},
              ${bool(c.saml_require_encrypted)},
              ${c.attribute_mapping === null ? null : json(Schema.encodeSync(SsoAttributeMapping)(c.attribute_mapping))},
              ${iso(at)}, ${iso(at)})
            ON CONFLICT (tenant_id, name) DO UPDATE SET issuer = excluded.issuer,
              client_id = excluded.client_id, client_secret_enc = excluded.client_secret_enc,
              scopes = excluded.scopes, domains = excluded.domains, provisioning = excluded.provisioning,
              default_user_type = excluded.default_user_type, sso_only = excluded.sso_only,
              protocol = excluded.protocol, saml_sso_url = excluded.saml_sso_url,
              saml_certificates = excluded.saml_certificates,
              saml_sp_certificate = excluded.saml_sp_certificate,
              saml_require_encrypted = excluded.saml_require_encrypted,
              attribute_mapping = excluded.attribute_mapping, updated_at = excluded.updated_at`
      ).pipe(Effect.asVoid, span("upsert")),
    find: (name: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${sql.literal(COLUMNS)} FROM sso_connections WHERE tenant_id = ${t} AND name = ${name}`
      ).pipe(
        Effect.flatMap(rows),
        Effect.map((r) => Option.fromNullable(r[0])),
        span("find")
      ),
    /** Every connection of the tenant (at most MAX_SSO_CONNECTIONS), by name. */
    list: Effect.flatMap(
      tid,
      (t) => sql`SELECT ${sql.literal(COLUMNS)} FROM sso_connections WHERE tenant_id = ${t} ORDER BY name`
    ).pipe(Effect.flatMap(rows), span("list")),
    /** Deletes a connection; answers whether it existed. */
    delete: (name: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`DELETE FROM sso_connections WHERE tenant_id = ${t} AND name = ${name} RETURNING name`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("delete")
      )
  }))
}) {}
