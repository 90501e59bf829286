/**
 * `@signet/server/testing/billing` — billing helpers for test suites (issue
 * 20): ending a subscription's period without waiting a month, so a test
 * can run the period close and get an invoice. Shared by the server's and
 * the web app's suites. Test-only: it writes `billing_subscriptions`
 * directly (the one place outside billing's repository, because no API
 * moves time).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import { call } from "../testing.js"

/**
 * Ends the live subscription's current period of tenant `slug` one second
 * ago (it started 30 days before); row-level security honoured on
 * Postgres. Needs the test server's `SqlClient` in context.
 */
export const endPeriod = (slug: string) =>
  Effect.gen(function* () {
    const tenant = (yield* call("GET", `/api/v1/tenants/${slug}`)).body
    const sql = yield* SqlClient.SqlClient
    const now = Date.now()
    const setTenant: Effect.Effect<unknown, SqlError> = sql.onDialectOrElse({
      pg: () => sql`SELECT set_config('app.tenant_id', ${tenant.id}, true)`,
      orElse: () => Effect.void
    })
    yield* sql
      .withTransaction(
        Effect.zipRight(
          setTenant,
          sql`UPDATE billing_subscriptions SET current_period_start = ${new Date(now - 30 * 86_400_000).toISOString()},
            current_period_end = ${new Date(now - 1000).toISOString()} WHERE tenant_id = ${tenant.id}`
        )
      )
      .pipe(Effect.orDie)
  })
