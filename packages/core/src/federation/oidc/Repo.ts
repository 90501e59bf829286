/**
 * The OIDC provider's SQL (issue 19 §1): the only writer of `oidc_clients`,
 * `oidc_payloads` and `oidc_settings`. Every method reads and writes the
 * `CurrentTenant`'s rows only; callers run them inside `tenantTx`
 * (row-level security on Postgres).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema } from "effect"
import { bool, DbBool, DbJson, instant, json, repoSpan } from "../../kernel/Sql.js"

/** An `oidc_clients` row. */
export const ClientRow = Schema.Struct({
  client_id: Schema.String,
  name: Schema.String,
  redirect_uris: Schema.compose(DbJson, Schema.Array(Schema.String)),
  post_logout_redirect_uris: Schema.compose(DbJson, Schema.Array(Schema.String)),
  grant_types: Schema.compose(DbJson, Schema.Array(Schema.String)),
  public: DbBool,
  secret_enc: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc
})
/** @see ClientRow */
export type ClientRow = typeof ClientRow.Type

/** An `oidc_payloads` row as the adapter needs it. */
export interface PayloadRow {
  readonly payload: string
  readonly consumed_at: unknown
}

/** What the adapter stores for one `(model, id)`. */
export interface PayloadInput {
  readonly model: string
  readonly id: string
  readonly payload: string
  readonly grantId: string | null
  readonly userCode: string | null
  readonly uid: string | null
  readonly accountId: string | null
  readonly clientId: string | null
  /** Epoch ms, or null for no expiry. */
  readonly expiresAt: number | null
}

const span = repoSpan("OidcRepo")

/** The repository; see the module comment. */
export class OidcRepo extends Effect.Service<OidcRepo>()("Signet/OidcRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenant = CurrentTenant
    const decodeClient = Schema.decodeUnknown(ClientRow)

    const listClients = Effect.gen(function* () {
      const t = yield* tenant
      const rows = yield* sql`SELECT client_id, name, redirect_uris, post_logout_redirect_uris, grant_types, public,
        secret_enc, created_at FROM oidc_clients WHERE tenant_id = ${t.id} ORDER BY created_at, client_id`
      return yield* Effect.forEach(rows, (r) => Effect.orDie(decodeClient(r)))
    }).pipe(span("listClients"))

    const findClient = (clientId: string) =>
      Effect.gen(function* () {
        const t = yield* tenant
        const rows = yield* sql`SELECT client_id, name, redirect_uris, post_logout_redirect_uris, grant_types, public,
          secret_enc, created_at FROM oidc_clients WHERE tenant_id = ${t.id} AND client_id = ${clientId}`
        return rows[0] === undefined
          ? Option.none<ClientRow>()
          : Option.some(yield* Effect.orDie(decodeClient(rows[0])))
      }).pipe(span("findClient"))

    const countClients = Effect.gen(function* () {
      const t = yield* tenant
      const rows = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM oidc_clients WHERE tenant_id = ${t.id}`
      return Number(rows[0]?.n ?? 0)
    }).pipe(span("countClients"))

    const insertClient = (row: Omit<ClientRow, "created_at"> & { readonly created_at: number }) =>
      Effect.gen(function* () {
        const t = yield* tenant
        yield* sql`INSERT INTO oidc_clients (tenant_id, client_id, name, redirect_uris, post_logout_redirect_uris,
          grant_types, public, secret_enc, created_at) VALUES (${t.id}, ${row.client_id}, ${row.name},
          ${json(row.redirect_uris)}, ${json(row.post_logout_redirect_uris)}, ${json(row.grant_types)},
          ${bool(row.public)}, ${row.secret_enc}, ${instant(row.created_at)})`
      }).pipe(span("insertClient"))

    /** Deletes a client and everything the provider stored for it; false when there was none. */
    const deleteClient = (clientId: string) =>
      Effect.gen(function* () {
        const t = yield* tenant
        const rows = yield* sql`DELETE FROM oidc_clients WHERE tenant_id = ${t.id} AND client_id = ${clientId}
          RETURNING client_id`
        yield* sql`DELETE FROM oidc_payloads WHERE tenant_id = ${t.id} AND client_id = ${clientId}`
        return rows.length > 0
      }).pipe(span("deleteClient"))

    const upsertPayload = (p: PayloadInput) =>
      Effect.gen(function* () {
        const t = yield* tenant
        const expires = p.expiresAt === null ? null : instant(p.expiresAt)
        yield* sql`DELETE FROM oidc_payloads WHERE tenant_id = ${t.id} AND model = ${p.model} AND id = ${p.id}`
        yield* sql`INSERT INTO oidc_payloads (tenant_id, model, id, payload, grant_id, user_code, uid, account_id,
          client_id, expires_at) VALUES (${t.id}, ${p.model}, ${p.id}, ${p.payload}, ${p.grantId}, ${p.userCode},
          ${p.uid}, ${p.accountId}, ${p.clientId}, ${expires})`
      }).pipe(span("upsertPayload"))

    /** Live rows only: a row past `expires_at` is as if absent. */
    const findPayload = (model: string, column: "id" | "uid" | "user_code", value: string, now: number) =>
      Effect.gen(function* () {
        const t = yield* tenant
        const rows = yield* sql<PayloadRow>`SELECT payload, consumed_at FROM oidc_payloads
          WHERE tenant_id = ${t.id} AND model = ${model} AND ${sql(column)} = ${value}
          AND (expires_at IS NULL OR expires_at > ${instant(now)})`
        return Option.fromNullable(rows[0])
      }).pipe(span("findPayload"))

    const consume = (model: string, id: string, now: number) =>
      Effect.gen(function* () {
        const t = yield* tenant
        yield* sql`UPDATE oidc_payloads SET consumed_at = ${instant(now)}
          WHERE tenant_id = ${t.id} AND model = ${model} AND id = ${id}`
      }).pipe(span("consume"))

    const destroy = (model: string, id: string) =>
      Effect.gen(function* () {
        const t = yield* tenant
        yield* sql`DELETE FROM oidc_payloads WHERE tenant_id = ${t.id} AND model = ${model} AND id = ${id}`
      }).pipe(span("destroy"))

    const revokeByGrantId = (grantId: string) =>
      Effect.gen(function* () {
        const t = yield* tenant
        yield* sql`DELETE FROM oidc_payloads WHERE tenant_id = ${t.id} AND grant_id = ${grantId}`
      }).pipe(span("revokeByGrantId"))

    /** Removes the tenant's expired rows (run now and then by the adapter's writes). */
    const sweep = (now: number) =>
      Effect.gen(function* () {
        const t = yield* tenant
        yield* sql`DELETE FROM oidc_payloads WHERE tenant_id = ${t.id} AND expires_at IS NOT NULL
          AND expires_at < ${instant(now)}`
      }).pipe(span("sweep"))

    /** The newest live grant of a user for a client (remembered consent). */
    const latestGrant = (accountId: string, clientId: string, now: number) =>
      Effect.gen(function* () {
        const t = yield* tenant
        const rows = yield* sql<{ id: string }>`SELECT id FROM oidc_payloads WHERE tenant_id = ${t.id}
          AND model = 'Grant' AND account_id = ${accountId} AND client_id = ${clientId}
          AND (expires_at IS NULL OR expires_at > ${instant(now)}) ORDER BY expires_at DESC`
        return Option.fromNullable(rows[0]?.id)
      }).pipe(span("latestGrant"))

    const cookieKey = Effect.gen(function* () {
      const t = yield* tenant
      const rows = yield* sql<{ cookie_key_enc: string }>`SELECT cookie_key_enc FROM oidc_settings
        WHERE tenant_id = ${t.id}`
      return Option.fromNullable(rows[0]?.cookie_key_enc)
    }).pipe(span("cookieKey"))

    const setCookieKey = (enc: string) =>
      Effect.gen(function* () {
        const t = yield* tenant
        yield* sql`INSERT INTO oidc_settings (tenant_id, cookie_key_enc) VALUES (${t.id}, ${enc})
          ON CONFLICT (tenant_id) DO NOTHING`
      }).pipe(span("setCookieKey"))

    return {
      listClients,
      findClient,
      countClients,
      insertClient,
      deleteClient,
      upsertPayload,
      findPayload,
      consume,
      destroy,
      revokeByGrantId,
      sweep,
      latestGrant,
      cookieKey,
      setCookieKey
    } as const
  })
}) {}
