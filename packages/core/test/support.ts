/**
 * Test support: a core layer on a fresh database of each dialect.
 */
import { SqlClient } from "@effect/sql"
import { Audit, Core, Crypto, CurrentActor, CurrentTenant, Db, type TenantId } from "@signet/core"
import { makeTestDatabase, type TestDialect } from "@signet/core/testing"
import { Context, Effect, Layer } from "effect"

/** The URL of the test database behind the current layer. */
export class TestDbUrl extends Context.Tag("test/TestDbUrl")<TestDbUrl, string>() {}

/** Core services on a throwaway database (migrated), plus its URL. */
export const testCore = (dialect: TestDialect) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const db = yield* Effect.acquireRelease(
        Effect.promise(() => makeTestDatabase(dialect)),
        (d) => Effect.promise(() => d.dispose())
      )
      return Layer.merge(
        Core.layer({ databaseUrl: db.url, pgPoolSize: 4, envelope: Crypto.EnvelopeEphemeral }),
        Layer.succeed(TestDbUrl, db.url)
      )
    })
  )

/** An operator actor for tests. */
export const testActor = Layer.succeed(CurrentActor, { kind: "operator", id: "test", requestId: "req-test" })

/** Runs `eff` bound to a tenant (transaction + RLS context). */
export const asTenant = <A, E, R>(
  tenant: { readonly id: string; readonly slug: string },
  eff: Effect.Effect<A, E, R>
) => Db.tenantTx(eff).pipe(Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }))

/** Number of audit rows of a tenant. */
export const auditCount = (tenant: { readonly id: string; readonly slug: string }) =>
  asTenant(
    tenant,
    Audit.use((a) => a.count)
  )

/** Number of outbox rows, optionally of one type. */
export const outboxCount = (type?: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    (type ? sql`SELECT COUNT(*) AS n FROM outbox WHERE type = ${type}` : sql`SELECT COUNT(*) AS n FROM outbox`).pipe(
      Effect.map((rows) => Number((rows[0] as any).n)),
      Effect.orDie
    )
  )
