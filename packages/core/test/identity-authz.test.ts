/**
 * Issue 15 §4 "Authorization gaps", through the public core API
 * (`UserAdmin`, `AccessAdmin`, `Account`, `Mfa`), on SQLite and Postgres:
 *
 * - step-up on every path that hands out administrator power: creating an
 *   `admin`/`dev` user, minting an API key, adding a member to a team that
 *   grants roles — refused (`Forbidden`, `mfa:step-up`) for a `user` actor
 *   without a recent MFA verification, nothing written; allowed after it.
 */
import * as NodeCrypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import {
  AccessAdmin,
  type Actor,
  Auth,
  CreateApiKey,
  CreateTenant,
  CreateUser,
  CurrentActor,
  CurrentTenant,
  Mfa,
  policyUse,
  Tenancy,
  type TenantId,
  UserAdmin
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, Duration, Effect, Option, Redacted, Schema, TestClock } from "effect"
import { generate } from "otplib"
import { auditCount, outboxCount, testActor, testCore } from "./support.js"

const PASSWORD = "correct horse battery staple"

type TenantRef = { readonly id: string; readonly slug: string }

/** Runs `eff` for `tenant` as `actor` (operator by default). */
const as =
  (tenant: TenantRef, actor: Actor = { kind: "operator", id: "test" }) =>
  <A, E, R>(eff: Effect.Effect<A, E, R>) =>
    eff.pipe(
      Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }),
      Effect.provideService(CurrentActor, actor)
    )

/** Onboards a tenant with its first admin (`head@<slug>.example.edu`, admin role). */
const onboard = (slug: string) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse("2026-11-21T08:00:00Z"))
    const t = yield* Tenancy.use((x) =>
      x.create(
        Schema.decodeUnknownSync(CreateTenant)({
          slug,
          name: slug,
          admin: { email: `head@${slug}.example.edu`, password: PASSWORD, given_name: "H", family_name: "T" }
        })
      )
    ).pipe(Effect.provide(testActor))
    return { id: t.id as string, slug: t.slug }
  })

/** A `CreateUser` of `user_type` with a fresh e-mail (and extra fields). */
const newUserInput = (user_type: string, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(CreateUser)({
    email: `${NodeCrypto.randomUUID()}@authz.example.edu`,
    given_name: "N",
    family_name: "U",
    user_type,
    ...extra
  })

/** Creates a user as the operator; answers its id. */
const newUser = (tenant: TenantRef, user_type = "student", extra: Record<string, unknown> = {}) =>
  UserAdmin.create(newUserInput(user_type, extra)).pipe(
    policyUse("users:write"),
    Effect.map((u) => u.id as string),
    as(tenant)
  )

/** Audit rows of the tenant and outbox rows, to show that nothing was written. */
const writes = (tenant: TenantRef) => Effect.all([auditCount(tenant), outboxCount()])

/** The tenant's admin, logged in: a `user` actor on a fresh session (no MFA yet). */
const adminSession = (tenant: TenantRef) =>
  Effect.gen(function* () {
    const login = yield* Auth.use((a) =>
      a.login(tenant.slug, { login: `head@${tenant.slug}.example.edu`, password: Redacted.make(PASSWORD) }, {})
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

const codeAt = (secret: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (ms) =>
    Effect.promise(() => generate({ secret, epoch: Math.floor(ms / 1000) }))
  )

/** Enrols the admin in TOTP and records a step-up verification on their session. */
const recordStepUp = (tenant: TenantRef, actor: Actor) =>
  Effect.gen(function* () {
    const userId = actor.id!
    const { secret } = yield* Mfa.use((m) => m.enroll(userId)).pipe(as(tenant))
    yield* Effect.flatMap(codeAt(secret), (c) => Mfa.use((m) => m.confirm(userId, c))).pipe(as(tenant))
    // The confirming code's time step is spent: the step-up code comes from the next one.
    yield* TestClock.adjust(Duration.seconds(30))
    yield* Effect.flatMap(codeAt(secret), (c) => Mfa.use((m) => m.stepUp(userId, actor.sessionId!, c))).pipe(as(tenant))
  })

/** The id of a role of `tenant` by name. */
const roleId = (tenant: TenantRef, name: string) =>
  AccessAdmin.findRoleByName(name).pipe(
    policyUse("roles:read"),
    Effect.map((r) => Option.getOrThrow(r).id as string),
    as(tenant)
  )

/** A team of `tenant` granting the role `role` (set up by the operator). */
const teamWithRole = (tenant: TenantRef, role: string) =>
  Effect.gen(function* () {
    const team = yield* AccessAdmin.createTeam({ name: `Team ${role}` }).pipe(policyUse("teams:write"), as(tenant))
    yield* AccessAdmin.assignTeamRole(team.id, yield* roleId(tenant, role)).pipe(policyUse("roles:write"), as(tenant))
    return team.id as string
  })

const keyInput = (permissions: ReadonlyArray<string>) =>
  Schema.decodeUnknownSync(CreateApiKey)({ name: `key ${permissions.join(" ")}`, permissions })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`authorization gaps (issue 15 §4) on ${dialect}`, (it) => {
    it.effect("issue 15 §4: creating an admin user without a recent MFA fails mfa:step-up and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-admin-none")
        const admin = yield* adminSession(t)
        const before = yield* writes(t)
        for (const type of ["admin", "dev"]) {
          const input = newUserInput(type)
          const error = yield* Effect.flip(UserAdmin.create(input).pipe(policyUse("users:write"), as(t, admin)))
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
          const found = yield* UserAdmin.list({ q: input.email }).pipe(policyUse("users:read"), as(t))
          expect(found.items).toEqual([])
        }
        expect(yield* writes(t)).toEqual(before)
      })
    )

    it.effect("issue 15 §4: creating an admin user succeeds after step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-admin-done")
        const admin = yield* adminSession(t)
        yield* recordStepUp(t, admin)
        const made = yield* UserAdmin.create(newUserInput("admin")).pipe(policyUse("users:write"), as(t, admin))
        expect(made.user_type).toBe("admin")
      })
    )

    it.effect("issue 15 §4: creating a teacher needs no step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-teacher")
        const admin = yield* adminSession(t)
        const made = yield* UserAdmin.create(newUserInput("teacher")).pipe(policyUse("users:write"), as(t, admin))
        expect(made.user_type).toBe("teacher")
      })
    )

    it.effect("issue 15 §4: minting an API key without a recent MFA fails mfa:step-up and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-key-none")
        const admin = yield* adminSession(t)
        const before = yield* writes(t)
        for (const scope of [["*:*"], ["users:read"]]) {
          const error = yield* Effect.flip(
            UserAdmin.createApiKey(keyInput(scope)).pipe(policyUse("apikeys:write"), as(t, admin))
          )
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        }
        expect(yield* writes(t)).toEqual(before)
        expect(yield* UserAdmin.listApiKeys.pipe(policyUse("apikeys:read"), as(t))).toEqual([])
      })
    )

    it.effect("issue 15 §4: minting an API key succeeds after step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-key-done")
        const admin = yield* adminSession(t)
        yield* recordStepUp(t, admin)
        const created = yield* UserAdmin.createApiKey(keyInput(["*:*"])).pipe(policyUse("apikeys:write"), as(t, admin))
        expect(created.api_key.permissions).toEqual(["*:*"])
      })
    )

    it.effect("issue 15 §4: an API key minting a key is not asked for step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-key-key")
        const key: Actor = { kind: "apiKey", id: "key-1", permissions: ["apikeys:write", "users:read"] }
        const created = yield* UserAdmin.createApiKey(keyInput(["users:read"])).pipe(
          policyUse("apikeys:write"),
          as(t, key)
        )
        expect(created.api_key.permissions).toEqual(["users:read"])
      })
    )

    it.effect(
      "issue 15 §4: adding a member to a team with the admin role without a recent MFA fails mfa:step-up and writes nothing",
      () =>
        Effect.gen(function* () {
          const t = yield* onboard("authz-team-none")
          const admin = yield* adminSession(t)
          const ops = yield* teamWithRole(t, "admin")
          const teacher = yield* newUser(t, "teacher")
          const before = yield* writes(t)
          const error = yield* Effect.flip(
            AccessAdmin.addTeamMember(ops, teacher).pipe(policyUse("teams:write"), as(t, admin))
          )
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
          expect(yield* writes(t)).toEqual(before)
          const members = yield* AccessAdmin.listTeamMembers(ops).pipe(policyUse("teams:read"), as(t))
          expect(members.items).toEqual([])
        })
    )

    it.effect("issue 15 §4: adding a member to a team with roles succeeds after step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-team-done")
        const admin = yield* adminSession(t)
        const ops = yield* teamWithRole(t, "admin")
        const teacher = yield* newUser(t, "teacher")
        yield* recordStepUp(t, admin)
        const member = yield* AccessAdmin.addTeamMember(ops, teacher).pipe(policyUse("teams:write"), as(t, admin))
        expect(member.user_id).toBe(teacher)
      })
    )

    it.effect("issue 15 §4: adding a member to a team without roles needs no step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("authz-team-plain")
        const admin = yield* adminSession(t)
        const team = yield* AccessAdmin.createTeam({ name: "Book club" }).pipe(policyUse("teams:write"), as(t))
        const teacher = yield* newUser(t, "teacher")
        const member = yield* AccessAdmin.addTeamMember(team.id, teacher).pipe(policyUse("teams:write"), as(t, admin))
        expect(member.user_id).toBe(teacher)
      })
    )
  })
}
