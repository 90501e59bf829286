/**
 * The SQL of SSO sign-ins (issue 19 §2): the only writer of
 * `sso_sign_in_states` (started sign-ins, single use) and `sso_identities`
 * (an IdP subject's Signet user). Every method reads the tenant from
 * `CurrentTenant`; callers run them inside `tenantTx` (row-level security on
 * Postgres).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option, Schema } from "effect"
import { DbCount, repoSpan } from "../kernel/Sql.js"

/** A started sign-in (`sso_sign_in_states`). */
export const SignInStateRow = Schema.Struct({
  state_hash: Schema.String,
  connection: Schema.String,
  verifier_enc: Schema.String,
  nonce: Schema.String,
  redirect_uri: Schema.String,
  return_to: Schema.NullOr(Schema.String),
  expires_at: Schema.DateTimeUtc
})
/** @see SignInStateRow */
export type SignInStateRow = typeof SignInStateRow.Type

/** A link (`sso_identities`). */
export const IdentityRow = Schema.Struct({
  connection: Schema.String,
  subject: Schema.String,
  user_id: Schema.String,
  created_at: Schema.DateTimeUtc,
  last_login_at: Schema.DateTimeUtc
})

const iso = (d: DateTime.Utc) => DateTime.formatIso(d)
const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const states = Schema.decodeUnknown(Schema.Array(SignInStateRow))
const identities = Schema.decodeUnknown(Schema.Array(IdentityRow))
const userIds = Schema.decodeUnknown(Schema.Array(Schema.Struct({ user_id: Schema.String })))
const span = repoSpan("SsoSignInRepo")

/** The SSO sign-ins' repository; see the module comment. */
export class SsoSignInRepo extends Effect.Service<SsoSignInRepo>()("Signet/SsoSignInRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({
    insertState: (s: SignInStateRow) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO sso_sign_in_states
            (tenant_id, state_hash, connection, verifier_enc, nonce, redirect_uri, return_to, expires_at)
            VALUES (${t}, ${s.state_hash}, ${s.connection}, ${s.verifier_enc}, ${s.nonce}, ${s.redirect_uri},
              ${s.return_to}, ${iso(s.expires_at)})`
      ).pipe(Effect.asVoid, span("insertState")),
    /** Removes and answers a started sign-in (single use: a second call finds none). */
    takeState: (stateHash: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`DELETE FROM sso_sign_in_states WHERE tenant_id = ${t} AND state_hash = ${stateHash}
            RETURNING state_hash, connection, verifier_enc, nonce, redirect_uri, return_to, expires_at`
      ).pipe(
        Effect.flatMap(states),
        Effect.map((r) => Option.fromNullable(r[0])),
        span("takeState")
      ),
    /** Started sign-ins of the tenant (the cap MAX_PENDING_SSO_SIGN_INS). */
    countStates: Effect.flatMap(
      tid,
      (t) => sql`SELECT COUNT(*) AS n FROM sso_sign_in_states WHERE tenant_id = ${t}`
    ).pipe(
      Effect.flatMap((r) => Schema.decodeUnknown(DbCount)(r[0]?.n ?? 0)),
      span("countStates")
    ),
    pruneStates: (now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`DELETE FROM sso_sign_in_states WHERE tenant_id = ${t} AND expires_at < ${iso(now)}`
      ).pipe(Effect.asVoid, span("pruneStates")),

    /** The Signet user linked to `subject` at `connection`, if any. */
    linkedUser: (connection: string, subject: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT user_id FROM sso_identities
            WHERE tenant_id = ${t} AND connection = ${connection} AND subject = ${subject}`
      ).pipe(
        Effect.flatMap(userIds),
        Effect.map((r) => Option.map(Option.fromNullable(r[0]), (x) => x.user_id)),
        span("linkedUser")
      ),
    /** Links `subject` at `connection` to `userId` (replacing a link to a user who is gone), or touches the link. */
    link: (connection: string, subject: string, userId: string, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO sso_identities (tenant_id, connection, subject, user_id, created_at, last_login_at)
            VALUES (${t}, ${connection}, ${subject}, ${userId}, ${iso(at)}, ${iso(at)})
            ON CONFLICT (tenant_id, connection, subject) DO UPDATE SET last_login_at = excluded.last_login_at,
              user_id = excluded.user_id`
      ).pipe(Effect.asVoid, span("link")),
    /** A user's links, by connection. */
    linksOf: (userId: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT connection, subject, user_id, created_at, last_login_at FROM sso_identities
            WHERE tenant_id = ${t} AND user_id = ${userId} ORDER BY connection, subject`
      ).pipe(Effect.flatMap(identities), span("linksOf")),
    /** Removes a user's links through `connection`; answers the subjects removed. */
    unlink: (userId: string, connection: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`DELETE FROM sso_identities WHERE tenant_id = ${t} AND user_id = ${userId}
            AND connection = ${connection} RETURNING subject`
      ).pipe(
        Effect.map((r) => r.map((x) => String((x as { subject: unknown }).subject))),
        span("unlink")
      ),
    /** Removes every link of a user (the user was deleted). */
    unlinkUser: (userId: string) =>
      Effect.flatMap(tid, (t) => sql`DELETE FROM sso_identities WHERE tenant_id = ${t} AND user_id = ${userId}`).pipe(
        Effect.asVoid,
        span("unlinkUser")
      )
  }))
}) {}
