/**
 * The SQL of OAuth bindings (issue 21 §4): the only writer of
 * `platform_credentials`, `oauth_bindings` and `oauth_binding_states`. Every
 * method reads the tenant from `CurrentTenant`; callers run them inside
 * `tenantTx` (row-level security on Postgres). Ciphertexts are handed to the
 * service as stored; it alone encrypts and decrypts.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option, Schema } from "effect"
import { DbCount, DbJson, json, repoSpan } from "../kernel/Sql.js"

const Scopes = Schema.compose(DbJson, Schema.Array(Schema.String))

/** A `platform_credentials` row. */
export const CredentialRow = Schema.Struct({
  provider: Schema.String,
  issuer: Schema.String,
  client_id: Schema.String,
  client_secret_enc: Schema.String,
  scopes: Scopes,
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
})
/** @see CredentialRow */
export type CredentialRow = typeof CredentialRow.Type

/** An `oauth_bindings` row. */
export const BindingRow = Schema.Struct({
  user_id: Schema.String,
  provider: Schema.String,
  subject: Schema.NullOr(Schema.String),
  scopes: Scopes,
  status: Schema.Literal("active", "refresh_failed"),
  access_token_enc: Schema.String,
  refresh_token_enc: Schema.NullOr(Schema.String),
  expires_at: Schema.NullOr(Schema.DateTimeUtc),
  created_at: Schema.DateTimeUtc,
  refreshed_at: Schema.NullOr(Schema.DateTimeUtc)
})
/** @see BindingRow */
export type BindingRow = typeof BindingRow.Type

/** An `oauth_binding_states` row. */
export const StateRow = Schema.Struct({
  state_hash: Schema.String,
  user_id: Schema.String,
  provider: Schema.String,
  verifier_enc: Schema.String,
  nonce: Schema.String,
  redirect_uri: Schema.String,
  expires_at: Schema.DateTimeUtc
})
/** @see StateRow */
export type StateRow = typeof StateRow.Type

/** Tokens to store on a binding (ciphertexts). */
export interface StoredTokens {
  readonly subject: string | null
  readonly scopes: ReadonlyArray<string>
  readonly access_token_enc: string
  readonly refresh_token_enc: string | null
  readonly expires_at: DateTime.Utc | null
}

const iso = (d: DateTime.Utc) => DateTime.formatIso(d)
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

const credentials = Schema.decodeUnknown(Schema.Array(CredentialRow))
const bindings = Schema.decodeUnknown(Schema.Array(BindingRow))
const states = Schema.decodeUnknown(Schema.Array(StateRow))
const first = <A>(rows: ReadonlyArray<A>) => Option.fromNullable(rows[0])
const span = repoSpan("OAuthRepo")

/** The SQL of `platform_credentials` (part of {@link OAuthRepo}). */
const credentialQueries = (sql: SqlClient.SqlClient) => ({
  countCredentials: Effect.flatMap(
    tid,
    (t) => sql`SELECT COUNT(*) AS n FROM platform_credentials WHERE tenant_id = ${t}`
  ).pipe(
    Effect.flatMap((r) => Schema.decodeUnknown(DbCount)(r[0]?.n ?? 0)),
    span("countCredentials")
  ),
  /** Inserts or replaces the tenant's credential at `provider` (created_at kept on replace). */
  upsertCredential: (c: Omit<CredentialRow, "created_at" | "updated_at">, at: DateTime.Utc) =>
    Effect.flatMap(
      tid,
      (t) => sql`INSERT INTO platform_credentials
          (tenant_id, provider, issuer, client_id, client_secret_enc, scopes, created_at, updated_at)
          VALUES (${t}, ${c.provider}, ${c.issuer}, ${c.client_id}, ${c.client_secret_enc}, ${json(c.scopes)},
            ${iso(at)}, ${iso(at)})
          ON CONFLICT (tenant_id, provider) DO UPDATE SET issuer = excluded.issuer,
            client_id = excluded.client_id, client_secret_enc = excluded.client_secret_enc,
            scopes = excluded.scopes, updated_at = excluded.updated_at`
    ).pipe(Effect.asVoid, span("upsertCredential")),
  findCredential: (provider: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT provider, issuer, client_id, client_secret_enc, scopes, created_at, updated_at
          FROM platform_credentials WHERE tenant_id = ${t} AND provider = ${provider}`
    ).pipe(Effect.flatMap(credentials), Effect.map(first), span("findCredential")),
  listCredentials: Effect.flatMap(
    tid,
    (t) => sql`SELECT provider, issuer, client_id, client_secret_enc, scopes, created_at, updated_at
        FROM platform_credentials WHERE tenant_id = ${t} ORDER BY provider`
  ).pipe(Effect.flatMap(credentials), span("listCredentials")),
  /** Deletes a credential (its bindings and pending states cascade); answers whether it existed. */
  deleteCredential: (provider: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`DELETE FROM platform_credentials WHERE tenant_id = ${t} AND provider = ${provider}
          RETURNING provider`
    ).pipe(
      Effect.map((r) => r.length > 0),
      span("deleteCredential")
    )
})

/** The SQL of `oauth_binding_states` and `oauth_bindings` (part of {@link OAuthRepo}). */
const bindingQueries = (sql: SqlClient.SqlClient) => ({
  insertState: (s: StateRow) =>
    Effect.flatMap(
      tid,
      (t) => sql`INSERT INTO oauth_binding_states
          (tenant_id, state_hash, user_id, provider, verifier_enc, nonce, redirect_uri, expires_at)
          VALUES (${t}, ${s.state_hash}, ${s.user_id}, ${s.provider}, ${s.verifier_enc}, ${s.nonce},
            ${s.redirect_uri}, ${iso(s.expires_at)})`
    ).pipe(Effect.asVoid, span("insertState")),
  /** Removes and answers a pending state (single use: a second call finds none). */
  takeState: (stateHash: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`DELETE FROM oauth_binding_states WHERE tenant_id = ${t} AND state_hash = ${stateHash}
          RETURNING state_hash, user_id, provider, verifier_enc, nonce, redirect_uri, expires_at`
    ).pipe(Effect.flatMap(states), Effect.map(first), span("takeState")),
  /** Pending states of a user (a cap on how many a user may leave open). */
  countStates: (userId: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT COUNT(*) AS n FROM oauth_binding_states WHERE tenant_id = ${t} AND user_id = ${userId}`
    ).pipe(
      Effect.flatMap((r) => Schema.decodeUnknown(DbCount)(r[0]?.n ?? 0)),
      span("countStates")
    ),
  pruneStates: (now: DateTime.Utc) =>
    Effect.flatMap(
      tid,
      (t) => sql`DELETE FROM oauth_binding_states WHERE tenant_id = ${t} AND expires_at < ${iso(now)}`
    ).pipe(Effect.asVoid, span("pruneStates")),

  /** Inserts or replaces the user's binding to `provider` (status active). */
  upsertBinding: (userId: string, provider: string, tokens: StoredTokens, at: DateTime.Utc) =>
    Effect.flatMap(
      tid,
      (t) => sql`INSERT INTO oauth_bindings (tenant_id, user_id, provider, subject, scopes, status,
          access_token_enc, refresh_token_enc, expires_at, created_at, refreshed_at)
          VALUES (${t}, ${userId}, ${provider}, ${tokens.subject}, ${json(tokens.scopes)}, 'active',
            ${tokens.access_token_enc}, ${tokens.refresh_token_enc},
            ${tokens.expires_at === null ? null : iso(tokens.expires_at)}, ${iso(at)}, NULL)
          ON CONFLICT (tenant_id, user_id, provider) DO UPDATE SET subject = excluded.subject,
            scopes = excluded.scopes, status = 'active', access_token_enc = excluded.access_token_enc,
            refresh_token_enc = excluded.refresh_token_enc, expires_at = excluded.expires_at,
            created_at = excluded.created_at, refreshed_at = NULL`
    ).pipe(Effect.asVoid, span("upsertBinding")),
  /** Stores refreshed tokens; a provider that sent no new refresh token keeps the old one. */
  updateTokens: (
    userId: string,
    provider: string,
    tokens: Omit<StoredTokens, "subject" | "scopes">,
    at: DateTime.Utc
  ) =>
    Effect.flatMap(
      tid,
      (t) => sql`UPDATE oauth_bindings SET access_token_enc = ${tokens.access_token_enc},
          refresh_token_enc = COALESCE(${tokens.refresh_token_enc}, refresh_token_enc),
          expires_at = ${tokens.expires_at === null ? null : iso(tokens.expires_at)},
          status = 'active', refreshed_at = ${iso(at)}
          WHERE tenant_id = ${t} AND user_id = ${userId} AND provider = ${provider}`
    ).pipe(Effect.asVoid, span("updateTokens")),
  markRefreshFailed: (userId: string, provider: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`UPDATE oauth_bindings SET status = 'refresh_failed'
          WHERE tenant_id = ${t} AND user_id = ${userId} AND provider = ${provider}`
    ).pipe(Effect.asVoid, span("markRefreshFailed")),
  findBinding: (userId: string, provider: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT user_id, provider, subject, scopes, status, access_token_enc, refresh_token_enc,
          expires_at, created_at, refreshed_at
          FROM oauth_bindings WHERE tenant_id = ${t} AND user_id = ${userId} AND provider = ${provider}`
    ).pipe(Effect.flatMap(bindings), Effect.map(first), span("findBinding")),
  /** A user's bindings, or every binding of the tenant when `userId` is absent; by provider. */
  listBindings: (userId?: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT user_id, provider, subject, scopes, status, access_token_enc, refresh_token_enc,
          expires_at, created_at, refreshed_at
          FROM oauth_bindings WHERE tenant_id = ${t}
          ${userId === undefined ? sql`` : sql`AND user_id = ${userId}`}
          ORDER BY user_id, provider LIMIT 1000`
    ).pipe(Effect.flatMap(bindings), span("listBindings")),
  /** Active bindings with a refresh token whose access token expires before `before`, at most `limit`. */
  dueBindings: (before: DateTime.Utc, limit: number) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT user_id, provider, subject, scopes, status, access_token_enc, refresh_token_enc,
          expires_at, created_at, refreshed_at
          FROM oauth_bindings WHERE tenant_id = ${t} AND status = 'active'
            AND refresh_token_enc IS NOT NULL AND expires_at IS NOT NULL AND expires_at < ${iso(before)}
          ORDER BY expires_at LIMIT ${limit}`
    ).pipe(Effect.flatMap(bindings), span("dueBindings")),
  /** Deletes a binding; answers whether it existed. */
  deleteBinding: (userId: string, provider: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`DELETE FROM oauth_bindings WHERE tenant_id = ${t} AND user_id = ${userId}
          AND provider = ${provider} RETURNING provider`
    ).pipe(
      Effect.map((r) => r.length > 0),
      span("deleteBinding")
    )
})

/** The OAuth bindings' repository; see the module comment. */
export class OAuthRepo extends Effect.Service<OAuthRepo>()("Signet/OAuthRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({ ...credentialQueries(sql), ...bindingQueries(sql) }) as const)
}) {}
