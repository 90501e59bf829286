/**
 * What the two stores of short one-time codes share (issue 18: e-mailed
 * codes in `mfa_email_codes`, texted codes in `sms_codes`; both tables are
 * the accounts module's): counting a wrong try, burning the code at the
 * limit, and using a live code once. Tenant from `CurrentTenant`, the
 * caller's transaction, a span per method.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { repoSpan } from "../kernel/Sql.js"

const span = repoSpan("AccountsRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** The tables of short one-time codes. */
export type CodeTable = "mfa_email_codes" | "sms_codes"

/** The wrong-try and use queries of `table` (`sql` is the caller's client; `kind` names the spans: `failEmailCode`…). */
export const codeRowQueries = (sql: SqlClient.SqlClient, table: CodeTable, kind: "EmailCode" | "SmsCode") =>
  ({
    /**
     * Counts one wrong try; the try that reaches `max` also ends the code
     * (burned). Conditional on the code being live, so concurrent tries
     * cannot push it past the limit unnoticed.
     */
    fail: (id: string, max: number, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE ${sql(table)} SET attempts = attempts + 1,
              used_at = CASE WHEN attempts + 1 >= ${max} THEN ${now} ELSE used_at END
            WHERE tenant_id = ${tenant} AND id = ${id} AND used_at IS NULL`
      ).pipe(Effect.asVoid, span(`fail${kind}`)),

    /** Marks a live code used; true when this call did (of two concurrent uses one wins). */
    use: (id: string, now: string) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{ id: string }>`UPDATE ${sql(table)} SET used_at = ${now}
            WHERE tenant_id = ${tenant} AND id = ${id} AND used_at IS NULL AND expires_at > ${now}
            RETURNING CAST(id AS TEXT) AS id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span(`use${kind}`)
      )
  }) as const
