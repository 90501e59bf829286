/**
 * The MFA repository (issue 14 §2): the SQL of recovery codes. It is the
 * only writer of `mfa_recovery_codes` (the TOTP columns of `users` belong to
 * `repo/Users.ts`, the sessions' `mfa_verified_at` to `repo/Sessions.ts`).
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's transaction; SQL errors become defects. Each method has a span
 * `MfaRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema } from "effect"
import { DbCount, repoSpan } from "../../kernel/Sql.js"

const span = repoSpan("MfaRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** The MFA repository; see the module comment. */
export class MfaRepo extends Effect.Service<MfaRepo>()("Signet/MfaRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const unusedQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, user: Schema.String }),
      Result: Schema.Struct({ n: DbCount }),
      execute: (r) => sql`SELECT COUNT(*) AS n FROM mfa_recovery_codes WHERE tenant_id = ${r.tenant}
        AND user_id = ${r.user} AND used_at IS NULL`
    })
    /** Deletes the user's codes; how many there were. */
    const deleteAllSql = (tenant: string, userId: string) =>
      sql`DELETE FROM mfa_recovery_codes WHERE tenant_id = ${tenant} AND user_id = ${userId} RETURNING code_hash`.pipe(
        Effect.map((rows) => rows.length)
      )

    return {
      /** Uses an unused recovery code of the user by its hash: whether one was used. */
      consume: (userId: string, codeHash: string, at: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`UPDATE mfa_recovery_codes SET used_at = ${at} WHERE tenant_id = ${tenant}
            AND user_id = ${userId} AND code_hash = ${codeHash} AND used_at IS NULL RETURNING code_hash`
        ).pipe(
          Effect.map((rows) => rows.length === 1),
          span("consume")
        ),
      /** Replaces the user's recovery codes with these hashes. */
      replace: (userId: string, codeHashes: ReadonlyArray<string>, at: string) =>
        Effect.flatMap(tid, (tenant) =>
          Effect.zipRight(
            deleteAllSql(tenant, userId),
            Effect.forEach(
              codeHashes,
              (hash) => sql`INSERT INTO mfa_recovery_codes (tenant_id, user_id, code_hash, created_at)
                VALUES (${tenant}, ${userId}, ${hash}, ${at})`,
              { discard: true }
            )
          )
        ).pipe(span("replace")),
      /** Removes every recovery code of the user; how many there were. */
      deleteAll: (userId: string) =>
        Effect.flatMap(tid, (tenant) => deleteAllSql(tenant, userId)).pipe(span("deleteAll")),
      /** How many unused recovery codes the user has. */
      countUnused: (userId: string) =>
        Effect.flatMap(tid, (tenant) => unusedQ({ tenant, user: userId })).pipe(
          Effect.map(Option.match({ onNone: () => 0, onSome: (r) => r.n })),
          span("countUnused")
        )
    } as const
  })
}) {}
