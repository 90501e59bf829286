/**
 * The sessions repository (issue 14 §2): the SQL of login sessions and
 * their refresh tokens. It is the only writer of `user_sessions` and
 * `refresh_tokens`.
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's transaction (the services open `tenantTx`). Rows are decoded
 * once; SQL errors become defects. Each method has a span
 * `SessionsRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Session, SessionId } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema, Struct } from "effect"
import { repoSpan } from "../../kernel/Sql.js"
import { UserRow } from "./Users.js"

/** A live `user_sessions` row: the domain's {@link Session} without the caller's `current` mark. */
export const SessionRow = Schema.Struct(Struct.omit(Session.fields, "current"))
/** @see SessionRow */
export type SessionRow = typeof SessionRow.Type

/** A session joined with its (live) user: the user's row and the session's state. */
const SessionUserRow = Schema.Struct({
  ...UserRow.fields,
  session_revoked_at: Schema.NullOr(Schema.DateTimeUtc),
  session_expires_at: Schema.DateTimeUtc,
  session_ip: Schema.NullOr(Schema.String)
})

/** A new session as stored. */
export interface NewSession {
  readonly id: string
  readonly user_id: string
  readonly device_label: string | null
  readonly user_agent: string | null
  readonly ip: string | null
  readonly at: string
  readonly expires_at: string
  readonly mfa_verified_at: string | null
}

const span = repoSpan("SessionsRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)
/** Runs the current tenant's statement for its effect. */
const exec = <E>(statement: (tenant: string) => Effect.Effect<unknown, E>) =>
  Effect.asVoid(Effect.flatMap(tid, statement))
const BySession = Schema.Struct({ tenant: Schema.String, id: Schema.String })

/** The sessions repository; see the module comment. */
export class SessionsRepo extends Effect.Service<SessionsRepo>()("Signet/SessionsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const withUserQ = SqlSchema.findOne({
      Request: BySession,
      Result: SessionUserRow,
      execute: (r) => sql`SELECT u.*, s.revoked_at AS session_revoked_at, s.expires_at AS session_expires_at,
          s.ip AS session_ip
        FROM user_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
        WHERE s.tenant_id = ${r.tenant} AND s.id = ${r.id} AND u.deleted_at IS NULL`
    })
    const stateQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, id: Schema.String, user: Schema.String }),
      Result: Schema.Struct({
        status: Schema.String,
        revoked_at: Schema.NullOr(Schema.DateTimeUtc),
        expires_at: Schema.DateTimeUtc
      }),
      execute: (r) =>
        sql.onDialectOrElse({
          // Binds the tenant itself (identity migration 0009): one statement, no transaction needed.
          pg: () =>
            sql`SELECT status, revoked_at, expires_at FROM signet_session_state(${r.tenant}, ${r.id}, ${r.user})`,
          orElse: () => sql`SELECT u.status, s.revoked_at, s.expires_at
            FROM user_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
            WHERE s.tenant_id = ${r.tenant} AND s.id = ${r.id} AND u.id = ${r.user} AND u.deleted_at IS NULL`
        })
    })
    const liveQ = SqlSchema.findAll({
      Request: Schema.Struct({ tenant: Schema.String, user: Schema.String, at: Schema.String }),
      Result: SessionRow,
      execute: (r) => sql`SELECT * FROM user_sessions WHERE tenant_id = ${r.tenant} AND user_id = ${r.user}
        AND revoked_at IS NULL AND expires_at > ${r.at} ORDER BY created_at DESC`
    })
    const mfaQ = SqlSchema.findOne({
      Request: BySession,
      Result: Schema.Struct({ mfa_verified_at: Schema.NullOr(Schema.DateTimeUtc) }),
      execute: (r) => sql`SELECT mfa_verified_at FROM user_sessions WHERE tenant_id = ${r.tenant} AND id = ${r.id}`
    })
    const redeemQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, hash: Schema.String, at: Schema.String }),
      Result: Schema.Struct({ session_id: SessionId }),
      execute: (r) => sql`UPDATE refresh_tokens SET used_at = ${r.at}
        WHERE tenant_id = ${r.tenant} AND token_hash = ${r.hash} AND used_at IS NULL
          AND expires_at > ${r.at} RETURNING session_id`
    })
    const refreshQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, hash: Schema.String }),
      Result: Schema.Struct({ session_id: SessionId, used_at: Schema.NullOr(Schema.DateTimeUtc) }),
      execute: (r) => sql`SELECT session_id, used_at FROM refresh_tokens
        WHERE tenant_id = ${r.tenant} AND token_hash = ${r.hash}`
    })

    return {
      // ——— sessions ———————————————————————————————————————————————————————
      /** Opens a session. */
      insert: (s: NewSession) =>
        exec(
          (tenant) => sql`INSERT INTO user_sessions (tenant_id, id, user_id, device_label, user_agent, ip, created_at,
              last_seen_at, expires_at, mfa_verified_at)
            VALUES (${tenant}, ${s.id}, ${s.user_id}, ${s.device_label}, ${s.user_agent}, ${s.ip}, ${s.at},
              ${s.at}, ${s.expires_at}, ${s.mfa_verified_at})`
        ).pipe(span("insert")),
      /** A session with its live user's row, and the session's revocation, expiry and address. */
      findWithUser: (sessionId: string) =>
        Effect.flatMap(tid, (tenant) => withUserQ({ tenant, id: sessionId })).pipe(span("findWithUser")),
      /**
       * The user's status and the session's revocation and expiry, when both
       * exist (the user live). On Postgres one statement that binds the
       * tenant itself (`signet_session_state`), so it may run outside a
       * transaction (`Db.tenantBoundReadOn`).
       */
      findState: (sessionId: string, userId: string) =>
        Effect.flatMap(tid, (tenant) => stateQ({ tenant, id: sessionId, user: userId })).pipe(span("findState")),
      /** A user's sessions neither revoked nor expired at `at`, newest first. */
      listLive: (userId: string, at: string) =>
        Effect.flatMap(tid, (tenant) => liveQ({ tenant, user: userId, at })).pipe(span("listLive")),
      /** A refresh: the session seen at `at`, its expiry extended, its address updated. */
      touch: (sessionId: string, at: string, expiresAt: string, ip: string | null) =>
        exec(
          (tenant) => sql`UPDATE user_sessions SET last_seen_at = ${at}, expires_at = ${expiresAt}, ip = ${ip}
            WHERE tenant_id = ${tenant} AND id = ${sessionId}`
        ).pipe(span("touch")),
      /** Revokes one session (the token family), if not revoked yet. */
      revokeOne: (sessionId: string, reason: string, at: string) =>
        exec(
          (tenant) => sql`UPDATE user_sessions SET revoked_at = ${at}, revoked_reason = ${reason}
            WHERE tenant_id = ${tenant} AND id = ${sessionId} AND revoked_at IS NULL`
        ).pipe(span("revokeOne")),
      /**
       * Revokes a user's unrevoked sessions: one (`only`), or all but
       * `except`. Returns how many were revoked.
       */
      revokeOf: (
        userId: string,
        options: { readonly only?: string | undefined; readonly except?: string | null | undefined },
        reason: string,
        at: string
      ) =>
        Effect.flatMap(
          tid,
          (tenant) => sql<{ id: string }>`UPDATE user_sessions SET revoked_at = ${at}, revoked_reason = ${reason}
            WHERE tenant_id = ${tenant} AND user_id = ${userId} AND revoked_at IS NULL
              ${options.only ? sql`AND id = ${options.only}` : sql``}
              ${options.except ? sql`AND id <> ${options.except}` : sql``}
            RETURNING id`
        ).pipe(
          Effect.map((rows) => rows.length),
          span("revokeOf")
        ),

      /** Marks the user's session as MFA-verified at `at` (step-up). */
      markMfaVerified: (sessionId: string, userId: string, at: string) =>
        exec(
          (tenant) => sql`UPDATE user_sessions SET mfa_verified_at = ${at} WHERE tenant_id = ${tenant}
            AND id = ${sessionId} AND user_id = ${userId}`
        ).pipe(span("markMfaVerified")),
      /** When the session was last MFA-verified (none for an unknown session, null when never). */
      mfaVerifiedAt: (sessionId: string) =>
        Effect.flatMap(tid, (tenant) => mfaQ({ tenant, id: sessionId })).pipe(
          Effect.map(Option.map((r) => r.mfa_verified_at)),
          span("mfaVerifiedAt")
        ),

      // ——— refresh tokens —————————————————————————————————————————————————
      /** Stores a refresh token's hash for a session. */
      insertRefresh: (tokenHash: string, sessionId: string, at: string, expiresAt: string) =>
        exec(
          (tenant) => sql`INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, created_at, expires_at)
            VALUES (${tenant}, ${tokenHash}, ${sessionId}, ${at}, ${expiresAt})`
        ).pipe(span("insertRefresh")),
      /**
       * Redeems an unused, unexpired refresh token (the conditional UPDATE is
       * the single-use guarantee): its session's id, or none.
       */
      redeemRefresh: (tokenHash: string, at: string) =>
        Effect.flatMap(tid, (tenant) => redeemQ({ tenant, hash: tokenHash, at })).pipe(span("redeemRefresh")),
      /** A refresh token's session and when it was used (none when unknown). */
      findRefresh: (tokenHash: string) =>
        Effect.flatMap(tid, (tenant) => refreshQ({ tenant, hash: tokenHash })).pipe(span("findRefresh"))
    } as const
  })
}) {}
