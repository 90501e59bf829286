/**
 * Test support: a core layer on a fresh database of each dialect.
 */
import { SqlClient } from "@effect/sql"
import {
  type Actor,
  AttachmentStore,
  Audit,
  Auth,
  Core,
  CreateTenant,
  CreateUser,
  Crypto,
  CurrentActor,
  CurrentTenant,
  Db,
  Identity,
  Mfa,
  Tenancy,
  type TenantId
} from "@signet/core"
import { makeTestDatabase, type TestDialect } from "@signet/core/testing"
import { Clock, Context, Duration, Effect, Layer, Redacted, Schema, TestClock } from "effect"
import { generate } from "otplib"

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
        Core.layer({
          databaseUrl: db.url,
          pgPoolSize: 4,
          envelope: Crypto.EnvelopeEphemeral,
          attachmentStore: AttachmentStore.memory
        }),
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

/**
 * Creates a user of `user_type` in the current tenant as the test operator
 * (default role of the type); `extra` adds `CreateUser` fields (`password`, `devices`…).
 */
export const user = (email: string, user_type: string, extra: Record<string, unknown> = {}) =>
  Identity.use((i) =>
    i.create(Schema.decodeUnknownSync(CreateUser)({ email, given_name: "G", family_name: "F", user_type, ...extra }))
  ).pipe(Effect.provide(testActor))

/**
 * Logs `email` (password `password`) into `tenant`, enrols TOTP and records a
 * step-up on the new session: the `user` actor answered passes
 * `Access.requireStepUp` (issue 15 §4: admin users, API keys, team members…).
 * Uses the test clock (advances it by one 30-second TOTP step).
 */
export const steppedUpUser = (tenant: TenantRef, email: string, password: string) =>
  Effect.gen(function* () {
    const login = yield* Auth.use((a) => a.login(tenant.slug, { login: email, password: Redacted.make(password) }, {}))
    if (login.status !== "authenticated") throw new Error("expected tokens (no MFA yet)")
    const actor = {
      kind: "user",
      id: login.tokens.user.id,
      sessionId: login.tokens.session_id,
      userType: login.tokens.user.user_type
    } as const
    yield* recordStepUp(tenant, actor, password)
    return actor
  })

/** Runs an effect as `actor` (a plain `Actor` record: kind, id, and for users sessionId, userType, ip…). */
export const as = (actor: Record<string, unknown>) => Effect.provideService(CurrentActor, actor as never)

/** A platform operator: holds every permission, never asked for step-up. */
export const operator = { kind: "operator", id: "op" } as const

/** The password of every test tenant's first admin (`head@<slug>.example.edu`). */
export const ADMIN_PASSWORD = "correct horse battery staple"

/** A tenant as the fixtures pass it around. */
export type TenantRef = { readonly id: string; readonly slug: string }

/** Runs `eff` in `tenant` (its `CurrentTenant`) as `actor` (the operator by default). */
export const inTenant =
  (tenant: TenantRef, actor: Actor = { kind: "operator", id: "test" }) =>
  <A, E, R>(eff: Effect.Effect<A, E, R>) =>
    eff.pipe(
      Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }),
      Effect.provideService(CurrentActor, actor)
    )

/**
 * Onboards `slug` with its first admin (`head@<slug>.example.edu`,
 * {@link ADMIN_PASSWORD}, admin role), the `TestClock` set to a fixed
 * morning so TOTP codes are deterministic.
 */
export const onboardWithAdmin = (slug: string) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse("2026-11-21T08:00:00Z"))
    const t = yield* Tenancy.use((x) =>
      x.create(
        Schema.decodeUnknownSync(CreateTenant)({
          slug,
          name: slug,
          admin: { email: `head@${slug}.example.edu`, password: ADMIN_PASSWORD, given_name: "H", family_name: "T" }
        })
      )
    ).pipe(Effect.provide(testActor))
    return { id: t.id as string, slug: t.slug } satisfies TenantRef
  })

/** The tenant's first admin, logged in: a `user` actor on a fresh session (no MFA verified on it). */
export const adminSession = (tenant: TenantRef) =>
  Effect.gen(function* () {
    const login = yield* Auth.use((a) =>
      a.login(tenant.slug, { login: `head@${tenant.slug}.example.edu`, password: Redacted.make(ADMIN_PASSWORD) }, {})
    )
    if (login.status !== "authenticated") throw new Error("expected tokens")
    const actor: Actor = {
      kind: "user",
      id: login.tokens.user.id,
      sessionId: login.tokens.session_id,
      userType: "admin"
    }
    return actor
  })

/** The TOTP code of `secret` at the `TestClock`'s time. */
export const totpAt = (secret: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (ms) =>
    Effect.promise(() => generate({ secret, epoch: Math.floor(ms / 1000) }))
  )

/**
 * Enrols `actor` (a user on a session, whose password is `password`) in TOTP
 * and records a step-up verification on their session.
 */
export const recordStepUp = (tenant: TenantRef, actor: Actor, password = ADMIN_PASSWORD) =>
  Effect.gen(function* () {
    const userId = actor.id!
    const { secret } = yield* Mfa.use((m) => m.enroll(userId, Redacted.make(password))).pipe(inTenant(tenant))
    yield* Effect.flatMap(totpAt(secret), (c) => Mfa.use((m) => m.confirm(userId, c))).pipe(inTenant(tenant))
    // The confirming code's time step is spent: the step-up code comes from the next one.
    yield* TestClock.adjust(Duration.seconds(30))
    yield* Effect.flatMap(totpAt(secret), (c) => Mfa.use((m) => m.stepUp(userId, actor.sessionId!, c))).pipe(
      inTenant(tenant)
    )
  })
