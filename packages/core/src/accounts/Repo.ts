/**
 * The accounts module's SQL: `password_reset_tokens`, `mail_messages`,
 * `email_verification_tokens` and `email_verifications` (the only writer of
 * each). Every method takes the tenant from
 * `CurrentTenant`, runs inside the caller's transaction and has a span; SQL
 * errors become defects here.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option } from "effect"
import { repoSpan } from "../kernel/Sql.js"

const span = repoSpan("AccountsRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** A reset token row, as far as the service needs it. */
export interface ResetTokenRow {
  readonly id: string
  readonly user_id: string
}

/** The accounts repository. */
export class AccountsRepo extends Effect.Service<AccountsRepo>()("Signet/AccountsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return {
      /** Stores a new reset token's hash. */
      insertResetToken: (row: {
        id: string
        userId: string
        tokenHash: string
        createdAt: string
        expiresAt: string
      }) =>
        Effect.flatMap(
          tid,
          (tenant) =>
            sql`INSERT INTO password_reset_tokens (tenant_id, id, user_id, token_hash, created_at, expires_at)
                VALUES (${tenant}, ${row.id}, ${row.userId}, ${row.tokenHash}, ${row.createdAt}, ${row.expiresAt})`
        ).pipe(Effect.asVoid, span("insertResetToken")),

      /** The unused, unexpired token with this hash, if any. */
      findLiveResetToken: (tokenHash: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql<ResetTokenRow>`SELECT CAST(id AS TEXT) AS id, CAST(user_id AS TEXT) AS user_id
              FROM password_reset_tokens
              WHERE tenant_id = ${tenant} AND token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > ${now}`
        ).pipe(
          Effect.map((rows) => Option.fromNullable(rows[0])),
          span("findLiveResetToken")
        ),

      /**
       * Marks one token used if it still is live. True when this call used it
       * (of two concurrent confirmations exactly one wins).
       */
      useResetToken: (id: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql<{ id: string }>`UPDATE password_reset_tokens SET used_at = ${now}
              WHERE tenant_id = ${tenant} AND id = ${id} AND used_at IS NULL AND expires_at > ${now}
              RETURNING CAST(id AS TEXT) AS id`
        ).pipe(
          Effect.map((rows) => rows.length === 1),
          span("useResetToken")
        ),

      /** Marks every still-unused token of a user used (a new request or a completed reset voids the others). */
      voidResetTokens: (userId: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`UPDATE password_reset_tokens SET used_at = ${now}
              WHERE tenant_id = ${tenant} AND user_id = ${userId} AND used_at IS NULL`
        ).pipe(Effect.asVoid, span("voidResetTokens")),

      /** Stores a new e-mail verification token's hash and the address it verifies. */
      insertVerifyToken: (row: {
        id: string
        userId: string
        email: string
        tokenHash: string
        createdAt: string
        expiresAt: string
      }) =>
        Effect.flatMap(
          tid,
          (tenant) =>
            sql`INSERT INTO email_verification_tokens (tenant_id, id, user_id, email, token_hash, created_at, expires_at)
                VALUES (${tenant}, ${row.id}, ${row.userId}, ${row.email}, ${row.tokenHash}, ${row.createdAt}, ${row.expiresAt})`
        ).pipe(Effect.asVoid, span("insertVerifyToken")),

      /** The unused, unexpired verification token with this hash, if any. */
      findLiveVerifyToken: (tokenHash: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql<ResetTokenRow & { email: string }>`SELECT CAST(id AS TEXT) AS id,
              CAST(user_id AS TEXT) AS user_id, email FROM email_verification_tokens
              WHERE tenant_id = ${tenant} AND token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > ${now}`
        ).pipe(
          Effect.map((rows) => Option.fromNullable(rows[0])),
          span("findLiveVerifyToken")
        ),

      /** Marks one verification token used if it still is live; true when this call used it. */
      useVerifyToken: (id: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql<{ id: string }>`UPDATE email_verification_tokens SET used_at = ${now}
              WHERE tenant_id = ${tenant} AND id = ${id} AND used_at IS NULL AND expires_at > ${now}
              RETURNING CAST(id AS TEXT) AS id`
        ).pipe(
          Effect.map((rows) => rows.length === 1),
          span("useVerifyToken")
        ),

      /** Marks every still-unused verification token of a user used. */
      voidVerifyTokens: (userId: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`UPDATE email_verification_tokens SET used_at = ${now}
              WHERE tenant_id = ${tenant} AND user_id = ${userId} AND used_at IS NULL`
        ).pipe(Effect.asVoid, span("voidVerifyTokens")),

      /** Records `email` as the user's verified address (replacing an earlier one). */
      saveVerified: (userId: string, email: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`INSERT INTO email_verifications (tenant_id, user_id, email, verified_at)
              VALUES (${tenant}, ${userId}, ${email}, ${now})
              ON CONFLICT (tenant_id, user_id) DO UPDATE SET email = excluded.email, verified_at = excluded.verified_at`
        ).pipe(Effect.asVoid, span("saveVerified")),

      /** The address the user last verified and when, if any. */
      verifiedRow: (userId: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql<{ email: string; verified_at: string | Date }>`SELECT email, verified_at
              FROM email_verifications WHERE tenant_id = ${tenant} AND user_id = ${userId}`
        ).pipe(
          Effect.map((rows) => Option.fromNullable(rows[0])),
          span("verifiedRow")
        ),

      /** Stores a queued mail (content envelope-encrypted by the caller). */
      insertMail: (row: { id: string; kind: string; contentEnc: string; createdAt: string }) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`INSERT INTO mail_messages (tenant_id, id, kind, content_enc, created_at)
              VALUES (${tenant}, ${row.id}, ${row.kind}, ${row.contentEnc}, ${row.createdAt})`
        ).pipe(Effect.asVoid, span("insertMail")),

      /** A queued mail's encrypted content; `None` when unknown or already sent. */
      unsentMail: (id: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql<{ content_enc: string }>`SELECT content_enc FROM mail_messages
              WHERE tenant_id = ${tenant} AND id = ${id} AND sent_at IS NULL AND content_enc IS NOT NULL`
        ).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.content_enc)),
          span("unsentMail")
        ),

      /** Records a mail as sent and erases its content (links and tokens do not stay at rest). */
      markMailSent: (id: string, now: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`UPDATE mail_messages SET sent_at = ${now}, content_enc = NULL
              WHERE tenant_id = ${tenant} AND id = ${id}`
        ).pipe(Effect.asVoid, span("markMailSent"))
    } as const
  })
}) {}
