/**
 * What each table section of the attendance repository is built from
 * (`AttendanceRepo`, issue 14 §3).
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Effect } from "effect"

/** What each table section of the repository is built from. */
export interface RepoContext {
  readonly sql: SqlClient.SqlClient
  /** The tenant of `CurrentTenant`. */
  readonly tid: Effect.Effect<string, never, CurrentTenant>
  /** SQL errors as defects, and a span `AttendanceRepo.<name>`. */
  readonly span: (name: string) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, never, R>
}
