/**
 * The accounts module's SQL: `password_reset_tokens`, `mail_messages`,
 * `email_verification_tokens`, `email_verifications`, `invitations` and
 * `mfa_email_codes` (`EmailCodeRepo.ts`), `user_phones` and `sms_codes`
 * (`PhoneRepo.ts`) (the
 * only writer of each). Every method takes the tenant from
 * `CurrentTenant`, runs inside the caller's transaction and has a span; SQL
 * errors become defects here.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema } from "effect"
import { DbCount, repoSpan } from "../kernel/Sql.js"
import { emailCodeQueries } from "./EmailCodeRepo.js"
import { phoneQueries } from "./PhoneRepo.js"

const span = repoSpan("AccountsRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** A reset token row, as far as the service needs it. */
export interface ResetTokenRow {
  readonly id: string
  readonly user_id: string
}

/** An `invitations` row, decoded once (instants are ISO strings in both dialects). */
export const InvitationRow = Schema.Struct({
  id: Schema.String,
  user_id: Schema.String,
  email: Schema.String,
  channel: Schema.Literal("email", "card"),
  user_type: Schema.Literal("student", "teacher", "admin", "dev"),
  school_id: Schema.NullOr(Schema.String),
  sent_count: DbCount,
  created_at: Schema.String,
  expires_at: Schema.String,
  accepted_at: Schema.NullOr(Schema.String),
  revoked_at: Schema.NullOr(Schema.String)
})
/** @see InvitationRow */
export type InvitationRow = typeof InvitationRow.Type

const decodeInvitations = Schema.decodeUnknown(Schema.Array(InvitationRow))
const INVITATION_COLUMNS = `CAST(id AS TEXT) AS id, CAST(user_id AS TEXT) AS user_id, email, channel, user_type,
  CAST(school_id AS TEXT) AS school_id, sent_count, created_at, expires_at, accepted_at, revoked_at`

/** Reset, verification and mail queries (`sql` is the caller's client). */
const linkQueries = (sql: SqlClient.SqlClient) =>
  ({
    /** Stores a new reset token's hash. */
    insertResetToken: (row: { id: string; userId: string; tokenHash: string; createdAt: string; expiresAt: string }) =>
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
  }) as const

/** Invitation queries. */
const invitationQueries = (sql: SqlClient.SqlClient) =>
  ({
    /** Stores a new invitation (its token's hash only). */
    insertInvitation: (row: {
      id: string
      userId: string
      email: string
      userType: string
      schoolId: string | null
      tokenHash: string
      invitedBy: string | null
      createdAt: string
      expiresAt: string
      /** How the link reaches the user (default `email`). */
      channel?: "email" | "card"
    }) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`INSERT INTO invitations (tenant_id, id, user_id, email, user_type, school_id, token_hash,
              invited_by, sent_count, created_at, expires_at, channel)
            VALUES (${tenant}, ${row.id}, ${row.userId}, ${row.email}, ${row.userType}, ${row.schoolId},
              ${row.tokenHash}, ${row.invitedBy}, 1, ${row.createdAt}, ${row.expiresAt}, ${row.channel ?? "email"})`
      ).pipe(Effect.asVoid, span("insertInvitation")),

    /** One invitation of the tenant, if any. */
    findInvitation: (id: string) =>
      Effect.flatMap(
        tid,
        (tenant) =>
          sql`SELECT ${sql.literal(INVITATION_COLUMNS)} FROM invitations WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(
        Effect.flatMap(decodeInvitations),
        Effect.map((rows) => Option.fromNullable(rows[0])),
        span("findInvitation")
      ),

    /** The live (not accepted, not revoked, unexpired) invitation whose current token has this hash. */
    findLiveInvitation: (tokenHash: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`SELECT ${sql.literal(INVITATION_COLUMNS)} FROM invitations
            WHERE tenant_id = ${tenant} AND token_hash = ${tokenHash} AND accepted_at IS NULL
              AND revoked_at IS NULL AND expires_at > ${now}`
      ).pipe(
        Effect.flatMap(decodeInvitations),
        Effect.map((rows) => Option.fromNullable(rows[0])),
        span("findLiveInvitation")
      ),

    /** Ids of the users among `userIds` who hold a live invitation at `now`. */
    pendingInvitees: (userIds: ReadonlyArray<string>, now: string) =>
      userIds.length === 0
        ? Effect.succeed(new Set<string>())
        : Effect.flatMap(
            tid,
            (tenant) => sql<{ user_id: string }>`SELECT CAST(user_id AS TEXT) AS user_id FROM invitations
                WHERE tenant_id = ${tenant} AND ${sql.in("user_id", userIds)} AND accepted_at IS NULL
                  AND revoked_at IS NULL AND expires_at > ${now}`
          ).pipe(
            Effect.map((rows) => new Set(rows.map((r) => r.user_id))),
            span("pendingInvitees")
          ),

    /** Invitations of the tenant, newest first; `status` filters as {@link InvitationRow} reads at `now`. */
    listInvitations: (filter: { status?: string | undefined; now: string; limit: number }) =>
      Effect.flatMap(tid, (tenant) => {
        const c = [sql`tenant_id = ${tenant}`]
        if (filter.status === "accepted") c.push(sql`accepted_at IS NOT NULL`)
        if (filter.status === "revoked") c.push(sql`revoked_at IS NOT NULL AND accepted_at IS NULL`)
        if (filter.status === "pending")
          c.push(sql`accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ${filter.now}`)
        if (filter.status === "expired")
          c.push(sql`accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= ${filter.now}`)
        return sql`SELECT ${sql.literal(INVITATION_COLUMNS)} FROM invitations WHERE ${sql.and(c)}
            ORDER BY created_at DESC, id DESC LIMIT ${filter.limit}`
      }).pipe(Effect.flatMap(decodeInvitations), span("listInvitations")),

    /** Replaces a live invitation's token and expiry (resend); true when it was live. */
    renewInvitation: (id: string, tokenHash: string, expiresAt: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ id: string }>`UPDATE invitations SET token_hash = ${tokenHash}, expires_at = ${expiresAt},
              sent_count = sent_count + 1
            WHERE tenant_id = ${tenant} AND id = ${id} AND accepted_at IS NULL AND revoked_at IS NULL
            RETURNING CAST(id AS TEXT) AS id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("renewInvitation")
      ),

    /** Revokes an invitation not yet accepted; true when this call revoked it. */
    revokeInvitation: (id: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ id: string }>`UPDATE invitations SET revoked_at = ${now}
            WHERE tenant_id = ${tenant} AND id = ${id} AND accepted_at IS NULL AND revoked_at IS NULL
            RETURNING CAST(id AS TEXT) AS id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("revokeInvitation")
      ),

    /** Marks a live invitation accepted; true when this call did (of two concurrent accepts one wins). */
    acceptInvitation: (id: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ id: string }>`UPDATE invitations SET accepted_at = ${now}
            WHERE tenant_id = ${tenant} AND id = ${id} AND accepted_at IS NULL AND revoked_at IS NULL
              AND expires_at > ${now}
            RETURNING CAST(id AS TEXT) AS id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("acceptInvitation")
      ),

    /** Revokes every other live invitation of a user (accepting one ends the others). */
    revokeOtherInvitations: (userId: string, keep: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE invitations SET revoked_at = ${now}
            WHERE tenant_id = ${tenant} AND user_id = ${userId} AND id <> ${keep}
              AND accepted_at IS NULL AND revoked_at IS NULL`
      ).pipe(Effect.asVoid, span("revokeOtherInvitations"))
  }) as const

/** The accounts repository. */
export class AccountsRepo extends Effect.Service<AccountsRepo>()("Signet/AccountsRepo", {
  effect: Effect.map(
    SqlClient.SqlClient,
    (sql) =>
      ({ ...linkQueries(sql), ...invitationQueries(sql), ...emailCodeQueries(sql), ...phoneQueries(sql) }) as const
  )
}) {}
