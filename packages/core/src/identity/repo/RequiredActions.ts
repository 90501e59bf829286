/**
 * The required-actions repository (issue 18 "required actions … enforced at
 * sign-in"): the SQL of `user_required_actions` (migration
 * `0008_required_actions`), of which it is the only writer. One row per
 * admin-set pending action of a user. Every method filters by the tenant of
 * `CurrentTenant` and runs in the caller's transaction; SQL errors become
 * defects. Each method has a span `RequiredActionsRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { RequiredAction } from "@signet/contracts/identity/RequiredActions"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Schema } from "effect"
import { repoSpan } from "../../kernel/Sql.js"

const span = repoSpan("RequiredActionsRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** The required-actions repository; see the module comment. */
export class RequiredActionsRepo extends Effect.Service<RequiredActionsRepo>()("Signet/RequiredActionsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const ofUserQ = SqlSchema.findAll({
      Request: Schema.Struct({ tenant: Schema.String, user: Schema.String }),
      Result: Schema.Struct({ action: RequiredAction }),
      execute: (r) => sql`SELECT action FROM user_required_actions WHERE tenant_id = ${r.tenant}
        AND user_id = ${r.user} ORDER BY action`
    })
    return {
      /** The admin-set pending actions of a user, sorted. */
      ofUser: (userId: string) =>
        Effect.flatMap(tid, (tenant) => ofUserQ({ tenant, user: userId })).pipe(
          Effect.map((rows) => rows.map((r) => r.action)),
          span("ofUser")
        ),
      /** Replaces the user's admin-set actions with `actions` (`at`: ISO-8601 instant). */
      replace: (userId: string, actions: ReadonlyArray<RequiredAction>, at: string) =>
        Effect.flatMap(tid, (tenant) =>
          Effect.gen(function* () {
            yield* sql`DELETE FROM user_required_actions WHERE tenant_id = ${tenant} AND user_id = ${userId}`
            for (const action of actions)
              yield* sql`INSERT INTO user_required_actions (tenant_id, user_id, action, created_at)
                VALUES (${tenant}, ${userId}, ${action}, ${at})`
          })
        ).pipe(span("replace")),
      /** Clears one action of a user (done). */
      clear: (userId: string, action: RequiredAction) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`DELETE FROM user_required_actions WHERE tenant_id = ${tenant}
            AND user_id = ${userId} AND action = ${action}`
        ).pipe(Effect.asVoid, span("clear"))
    } as const
  })
}) {}
