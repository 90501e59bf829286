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
import { codeRowQueries } from "./CodeRows.js"

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
export const emailCodeQueries = (sql: SqlClient.SqlClient) => {
  const rows = codeRowQueries(sql, "mfa_email_codes", "EmailCode")
  return {
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

    /** Wrong tries and use: see `CodeRows.ts`. */
    failEmailCode: rows.fail,
    useEmailCode: rows.use
  } as const
}
