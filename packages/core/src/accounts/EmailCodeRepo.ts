/**
 * The SQL of `mfa_email_codes` (issue 18, e-mail login codes), part of
 * {@link AccountsRepo} (`Repo.ts`), the table's only writer. Tenant from
 * `CurrentTenant`, the caller's transaction, a span per method; SQL errors
 * become defects at the service's transaction boundary.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option } from "effect"
import { repoSpan } from "../kernel/Sql.js"

const span = repoSpan("AccountsRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/**
 * What a code was mailed for: `mfa` (a second factor after a password) or
 * `sign_in` (passwordless sign-in). A code answers only its own purpose.
 */
export type EmailCodePurpose = "mfa" | "sign_in"

/** A live e-mail code row: its id, stored hash and wrong tries so far. */
export interface EmailCodeRow {
  readonly id: string
  readonly code_hash: string
  readonly attempts: number
}

/** Queries on `mfa_email_codes` (`sql` is the caller's client). */
export const emailCodeQueries = (sql: SqlClient.SqlClient) =>
  ({
    /** Stores a new code's hash with no wrong tries. */
    insertEmailCode: (row: {
      id: string
      userId: string
      purpose: EmailCodePurpose
      codeHash: string
      createdAt: string
      expiresAt: string
    }) =>
      Effect.flatMap(
        tid,
        (tenant) =>
          sql`INSERT INTO mfa_email_codes (tenant_id, id, user_id, purpose, code_hash, attempts, created_at, expires_at)
              VALUES (${tenant}, ${row.id}, ${row.userId}, ${row.purpose}, ${row.codeHash}, 0, ${row.createdAt}, ${row.expiresAt})`
      ).pipe(Effect.asVoid, span("insertEmailCode")),

    /** Ends every live code of a user for `purpose` (a resend, a completed login). */
    voidEmailCodes: (userId: string, purpose: EmailCodePurpose, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE mfa_email_codes SET used_at = ${now}
            WHERE tenant_id = ${tenant} AND user_id = ${userId} AND purpose = ${purpose} AND used_at IS NULL`
      ).pipe(Effect.asVoid, span("voidEmailCodes")),

    /** The user's newest unused, unexpired code for `purpose`, if any (a resend voids the others). */
    findLiveEmailCode: (userId: string, purpose: EmailCodePurpose, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<EmailCodeRow>`SELECT CAST(id AS TEXT) AS id, code_hash, attempts FROM mfa_email_codes
            WHERE tenant_id = ${tenant} AND user_id = ${userId} AND purpose = ${purpose}
              AND used_at IS NULL AND expires_at > ${now}
            ORDER BY created_at DESC LIMIT 1`
      ).pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ ...r, attempts: Number(r.attempts) }))),
        span("findLiveEmailCode")
      ),

    /**
     * Counts one wrong try; the try that reaches `max` also ends the code
     * (burned). Conditional on the code being live, so concurrent tries
     * cannot push it past the limit unnoticed.
     */
    failEmailCode: (id: string, max: number, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE mfa_email_codes SET attempts = attempts + 1,
              used_at = CASE WHEN attempts + 1 >= ${max} THEN ${now} ELSE used_at END
            WHERE tenant_id = ${tenant} AND id = ${id} AND used_at IS NULL`
      ).pipe(Effect.asVoid, span("failEmailCode")),

    /** Marks a live code used; true when this call did (of two concurrent uses one wins). */
    useEmailCode: (id: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ id: string }>`UPDATE mfa_email_codes SET used_at = ${now}
            WHERE tenant_id = ${tenant} AND id = ${id} AND used_at IS NULL AND expires_at > ${now}
            RETURNING CAST(id AS TEXT) AS id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("useEmailCode")
      )
  }) as const
