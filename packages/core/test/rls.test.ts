import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateTenant, Tenancy } from "@signet/core"
import { ownerQuery, testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { adminSession, asTenant, onboardWithAdmin, TestDbUrl, testActor, testCore } from "./support.js"

const create = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug })))

if (testDialects().includes("pg")) {
  layer(testCore("pg"), { timeout: 60_000 })("Row-level security on Postgres", (it) => {
    it.effect("the app role sees no tenant rows without app.tenant_id, and only its tenant's rows with it", () =>
      Effect.gen(function* () {
        const a = yield* create("rls-a")
        const b = yield* create("rls-b")
        const sql = yield* SqlClient.SqlClient
        const url = yield* TestDbUrl
        const [role] = yield* sql<{ current_user: string; bypass: boolean }>`
          SELECT current_user, (SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypass`
        expect(role).toEqual({ current_user: "signet_app", bypass: false })
        for (const table of ["tenant_settings", "audit_logs", "audit_heads"]) {
          const none = yield* sql.unsafe(`SELECT * FROM ${table}`)
          expect(none).toHaveLength(0)
          const owner = yield* Effect.promise(() => ownerQuery(url, `SELECT COUNT(*)::int AS n FROM ${table}`))
          expect(owner[0].n).toBeGreaterThan(0)
        }
        const onlyA = yield* asTenant(a, sql<{ tenant_id: string }>`SELECT DISTINCT tenant_id FROM tenant_settings`)
        expect(onlyA.map((r) => r.tenant_id)).toEqual([a.id])
        // Writing another tenant's row under A's context is refused by the policy's WITH CHECK.
        const forged = yield* asTenant(
          a,
          sql`INSERT INTO tenant_settings (tenant_id, key, value, updated_at) VALUES (${b.id}, 'x', '1', now())`
        ).pipe(Effect.exit)
        expect(forged._tag).toBe("Failure")
        // The setting is transaction-local: it does not leak to the next statement on the pool.
        const after = yield* sql.unsafe(`SELECT * FROM tenant_settings`)
        expect(after).toHaveLength(0)
      }).pipe(Effect.provide(testActor))
    )

    it.effect(
      "a nested tenant transaction sets its tenant with the savepoint; its rollback restores the outer one",
      () =>
        Effect.gen(function* () {
          const a = yield* create("rls-nest-a")
          const b = yield* create("rls-nest-b")
          const sql = yield* SqlClient.SqlClient
          const current = sql<{ t: string }>`SELECT current_setting('app.tenant_id', true) AS t`.pipe(
            Effect.map(([row]) => row?.t)
          )
          const seen = yield* asTenant(
            a,
            Effect.gen(function* () {
              const outer = yield* current
              const inner = yield* asTenant(b, current)
              const failed = yield* asTenant(b, Effect.zipRight(current, Effect.fail("undo"))).pipe(Effect.flip)
              return { outer, inner, failed, after: yield* current }
            })
          )
          expect(seen).toEqual({ outer: a.id, inner: b.id, failed: "undo", after: b.id })
          const rolledBack = yield* asTenant(
            a,
            Effect.gen(function* () {
              yield* asTenant(b, Effect.fail("undo")).pipe(Effect.ignore)
              return yield* current
            })
          )
          expect(rolledBack).toBe(a.id)
        }).pipe(Effect.provide(testActor))
    )

    it.effect("signet_session_state reads a session only under its own tenant and leaves no tenant bound", () =>
      Effect.gen(function* () {
        const a = yield* onboardWithAdmin("rls-state-a")
        const b = yield* create("rls-state-b")
        const admin = yield* adminSession(a)
        const sql = yield* SqlClient.SqlClient
        const state = (tenant: string) =>
          sql<{ status: string }>`SELECT status FROM signet_session_state(${tenant}, ${admin.sessionId}, ${admin.id})`
        expect(yield* state(a.id)).toEqual([{ status: "active" }])
        expect(yield* state(b.id)).toEqual([])
        const [after] = yield* sql<{ t: string | null }>`SELECT current_setting('app.tenant_id', true) AS t`
        expect(after?.t ?? "").toBe("")
        expect(yield* sql.unsafe(`SELECT * FROM user_sessions`)).toHaveLength(0)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("a tenant id is sent quoted with the BEGIN: a crafted id is a value, never a statement", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const crafted = "x', false); CREATE TABLE rls_injected (n int); SELECT ('"
        const [row] = yield* asTenant(
          { id: crafted, slug: "crafted" },
          sql<{ t: string }>`SELECT current_setting('app.tenant_id', true) AS t`
        )
        expect(row?.t).toBe(crafted)
        const url = yield* TestDbUrl
        const tables = yield* Effect.promise(() =>
          ownerQuery(url, "SELECT COUNT(*)::int AS n FROM pg_tables WHERE tablename = 'rls_injected'")
        )
        expect(tables[0].n).toBe(0)
      })
    )
  })
} else {
  console.warn("SIGNET_TEST_PG_URL not set: the row-level-security test (Postgres only) does not run")
}
