/**
 * The SQL of `user_phones` and `sms_codes` (issue 18, SMS second factor and
 * sign-in), part of {@link AccountsRepo} (`Repo.ts`), the tables' only
 * writer. Tenant from `CurrentTenant`, the caller's transaction, a span per
 * method; SQL errors become defects at the service's transaction boundary.
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
 * What a texted code is for: `phone_verify` (proving the number), `mfa` (a
 * second factor after a password) or `sign_in` (passwordless sign-in). A
 * code answers only its own purpose.
 */
export type SmsCodePurpose = "phone_verify" | "mfa" | "sign_in"

/** A user's phone row: the E.164 number and when it was verified (ISO instant, or null). */
export interface PhoneRow {
  readonly user_id: string
  readonly phone_number: string
  readonly verified_at: string | null
}

/** A live texted code: its id, stored hash, wrong tries so far and the number it went to. */
export interface SmsCodeRow {
  readonly id: string
  readonly code_hash: string
  readonly attempts: number
  readonly phone_number: string
}

const iso = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v)

/** Queries on `user_phones` and `sms_codes` (`sql` is the caller's client). */
export const phoneQueries = (sql: SqlClient.SqlClient) => {
  const rows = codeRowQueries(sql, "sms_codes", "SmsCode")
  return {
    /** The user's phone row, if any. */
    findPhone: (userId: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ user_id: string; phone_number: string; verified_at: unknown }>`
          SELECT CAST(user_id AS TEXT) AS user_id, phone_number, verified_at FROM user_phones
          WHERE tenant_id = ${tenant} AND user_id = ${userId}`
      ).pipe(
        Effect.map((rows) =>
          Option.map(Option.fromNullable(rows[0]), (r): PhoneRow => ({ ...r, verified_at: iso(r.verified_at) }))
        ),
        span("findPhone")
      ),

    /** Sets (or replaces) the user's number, unverified. */
    setPhone: (userId: string, phoneNumber: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`INSERT INTO user_phones (tenant_id, user_id, phone_number, verified_at, updated_at)
            VALUES (${tenant}, ${userId}, ${phoneNumber}, NULL, ${now})
            ON CONFLICT (tenant_id, user_id)
            DO UPDATE SET phone_number = ${phoneNumber}, verified_at = NULL, updated_at = ${now}`
      ).pipe(Effect.asVoid, span("setPhone")),

    /** Marks the user's number verified, only while it is still `phoneNumber`; true when it did. */
    verifyPhone: (userId: string, phoneNumber: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ user_id: string }>`UPDATE user_phones SET verified_at = ${now}, updated_at = ${now}
            WHERE tenant_id = ${tenant} AND user_id = ${userId} AND phone_number = ${phoneNumber}
            RETURNING CAST(user_id AS TEXT) AS user_id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("verifyPhone")
      ),

    /** Removes the user's number; true when there was one. */
    clearPhone: (userId: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ user_id: string }>`DELETE FROM user_phones WHERE tenant_id = ${tenant} AND user_id = ${userId}
            RETURNING CAST(user_id AS TEXT) AS user_id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("clearPhone")
      ),

    /** The users whose verified number is `phoneNumber` (at most 2: enough to tell "one" from "several"). */
    usersWithVerifiedPhone: (phoneNumber: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ user_id: string }>`SELECT CAST(user_id AS TEXT) AS user_id FROM user_phones
            WHERE tenant_id = ${tenant} AND phone_number = ${phoneNumber} AND verified_at IS NOT NULL
            ORDER BY user_id LIMIT 2`
      ).pipe(
        Effect.map((rows) => rows.map((r) => r.user_id)),
        span("usersWithVerifiedPhone")
      ),

    /** Stores a new texted code's hash with no wrong tries. */
    insertSmsCode: (row: {
      id: string
      userId: string
      purpose: SmsCodePurpose
      phoneNumber: string
      codeHash: string
      createdAt: string
      expiresAt: string
    }) =>
      Effect.flatMap(
        tid,
        (tenant) =>
          sql`INSERT INTO sms_codes (tenant_id, id, user_id, purpose, phone_number, code_hash, attempts, created_at, expires_at)
              VALUES (${tenant}, ${row.id}, ${row.userId}, ${row.purpose}, ${row.phoneNumber}, ${row.codeHash}, 0,
                      ${row.createdAt}, ${row.expiresAt})`
      ).pipe(Effect.asVoid, span("insertSmsCode")),

    /** Ends every live code of a user for `purpose` (all purposes when omitted: the number changed). */
    voidSmsCodes: (userId: string, purpose: SmsCodePurpose | null, now: string) =>
      Effect.flatMap(tid, (tenant) =>
        purpose === null
          ? sql`UPDATE sms_codes SET used_at = ${now}
              WHERE tenant_id = ${tenant} AND user_id = ${userId} AND used_at IS NULL`
          : sql`UPDATE sms_codes SET used_at = ${now}
              WHERE tenant_id = ${tenant} AND user_id = ${userId} AND purpose = ${purpose} AND used_at IS NULL`
      ).pipe(Effect.asVoid, span("voidSmsCodes")),

    /** The user's newest unused, unexpired code for `purpose`, if any. */
    findLiveSmsCode: (userId: string, purpose: SmsCodePurpose, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<SmsCodeRow>`SELECT CAST(id AS TEXT) AS id, code_hash, attempts, phone_number FROM sms_codes
            WHERE tenant_id = ${tenant} AND user_id = ${userId} AND purpose = ${purpose}
              AND used_at IS NULL AND expires_at > ${now}
            ORDER BY created_at DESC LIMIT 1`
      ).pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ ...r, attempts: Number(r.attempts) }))),
        span("findLiveSmsCode")
      ),

    /** Wrong tries and use: see `CodeRows.ts`. */
    failSmsCode: rows.fail,
    useSmsCode: rows.use
  } as const
}
