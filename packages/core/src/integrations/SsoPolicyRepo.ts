/**
 * The SQL of the tenant-wide "SSO only" policy (issue 19 §2): the only
 * writer of `sso_policies` and `sso_break_glass`. Every method reads the
 * tenant from `CurrentTenant`; callers run them inside `tenantTx`
 * (row-level security on Postgres).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option, Schema } from "effect"
import { bool, DbBool, repoSpan } from "../kernel/Sql.js"

/** An `sso_policies` row. */
export const PolicyRow = Schema.Struct({
  sso_only: DbBool,
  updated_at: Schema.DateTimeUtc
})
/** @see PolicyRow */
export type PolicyRow = typeof PolicyRow.Type

/** An `sso_break_glass` row. */
export const BreakGlassRow = Schema.Struct({
  user_id: Schema.String,
  marked_by: Schema.NullOr(Schema.String),
  marked_at: Schema.DateTimeUtc
})
/** @see BreakGlassRow */
export type BreakGlassRow = typeof BreakGlassRow.Type

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const span = repoSpan("SsoPolicyRepo")
const iso = (d: DateTime.Utc) => DateTime.formatIso(d)

/** The policy's repository; see the module comment. */
export class SsoPolicyRepo extends Effect.Service<SsoPolicyRepo>()("Signet/SsoPolicyRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({
    /** The tenant's policy row, if it was ever set. */
    policy: Effect.flatMap(tid, (t) => sql`SELECT sso_only, updated_at FROM sso_policies WHERE tenant_id = ${t}`).pipe(
      Effect.flatMap((r) => Schema.decodeUnknown(Schema.Array(PolicyRow))(r)),
      Effect.map((r) => Option.fromNullable(r[0])),
      span("policy")
    ),
    /** Sets the tenant's policy. */
    setPolicy: (ssoOnly: boolean, by: string | null, at: DateTime.Utc) =>
      Effect.flatMap(tid, (t) =>
        Effect.zipRight(
          sql`DELETE FROM sso_policies WHERE tenant_id = ${t}`,
          sql`INSERT INTO sso_policies (tenant_id, sso_only, updated_by, updated_at)
            VALUES (${t}, ${bool(ssoOnly)}, ${by}, ${iso(at)})`
        )
      ).pipe(Effect.asVoid, span("setPolicy")),
    /** The tenant's break-glass accounts, by user id. */
    breakGlass: Effect.flatMap(
      tid,
      (t) => sql`SELECT user_id, marked_by, marked_at FROM sso_break_glass WHERE tenant_id = ${t} ORDER BY user_id`
    ).pipe(Effect.flatMap(Schema.decodeUnknown(Schema.Array(BreakGlassRow))), span("breakGlass")),
    /** Marks `userId` (no-op when marked). */
    mark: (userId: string, by: string | null, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO sso_break_glass (tenant_id, user_id, marked_by, marked_at)
          VALUES (${t}, ${userId}, ${by}, ${iso(at)}) ON CONFLICT (tenant_id, user_id) DO NOTHING`
      ).pipe(Effect.asVoid, span("mark")),
    /** Unmarks `userId`; true when it was marked. */
    unmark: (userId: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`DELETE FROM sso_break_glass WHERE tenant_id = ${t} AND user_id = ${userId} RETURNING user_id`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("unmark")
      ),
    /** Whether `userId` is a break-glass account. */
    isMarked: (userId: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT user_id FROM sso_break_glass WHERE tenant_id = ${t} AND user_id = ${userId}`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("isMarked")
      )
  }))
}) {}
