/**
 * Test support: a core layer on a fresh database of each dialect.
 */
import { SqlClient } from "@effect/sql"
import {
  Audit,
  Core,
  CreateTenant,
  CreateUser,
  Crypto,
  CurrentActor,
  CurrentTenant,
  Db,
  Identity,
  Tenancy,
  type TenantId
} from "@signet/core"
import { makeTestDatabase, type TestDialect } from "@signet/core/testing"
import { Context, Effect, Layer, Schema } from "effect"

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

/** Onboards a tenant `slug` (its default roles seeded) as the test operator. */
export const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

/** Creates a user of `user_type` in the current tenant as the test operator (default role of the type). */
export const user = (email: string, user_type: string) =>
  Identity.use((i) =>
    i.create(Schema.decodeUnknownSync(CreateUser)({ email, given_name: "G", family_name: "F", user_type }))
  ).pipe(Effect.provide(testActor))

/** Runs an effect as `actor` (a plain `Actor` record: kind, id, and for users sessionId, userType, ip…). */
export const as = (actor: Record<string, unknown>) => Effect.provideService(CurrentActor, actor as never)

/** A platform operator: holds every permission, never asked for step-up. */
export const operator = { kind: "operator", id: "op" } as const
