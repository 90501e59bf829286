/**
 * Issue 15 §4 "five declared permissions are checked nowhere": `tenants:read`
 * and `tenants:write` (the tenant's own profile), `settings:read` and
 * `settings:write` (its settings, writes with step-up) and `audit:read` (its
 * audit log) now govern `TenantAdmin`, in process, on SQLite and Postgres.
 */
import * as NodeCrypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import {
  AccessAdmin,
  type Actor,
  Auth,
  CreateTenant,
  CreateUser,
  CurrentActor,
  CurrentTenant,
  Identity,
  Mfa,
  policyUse,
  Tenancy,
  TenantAdmin,
  type TenantId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, Duration, Effect, Option, Redacted, Schema, TestClock } from "effect"
import { generate } from "otplib"
import { testActor, testCore } from "./support.js"

const PASSWORD = "correct horse battery staple"
type TenantRef = { readonly id: string; readonly slug: string }

const as =
  (tenant: TenantRef, actor: Actor = { kind: "operator", id: "test" }) =>
  <A, E, R>(eff: Effect.Effect<A, E, R>) =>
    eff.pipe(
      Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }),
      Effect.provideService(CurrentActor, actor)
    )

/** A tenant with its first admin (`head@<slug>.example.edu`). */
const onboard = (slug: string) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse("2026-12-04T08:00:00Z"))
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

/** A user actor of `user_type`, optionally given the role `role` too. */
const member = (tenant: TenantRef, user_type: string, role?: string) =>
  Effect.gen(function* () {
    const created = yield* Identity.use((i) =>
      i.create(
        Schema.decodeUnknownSync(CreateUser)({
          email: `${NodeCrypto.randomUUID()}@members.example.edu`,
          given_name: "M",
          family_name: "T",
          user_type
        })
      )
    ).pipe(as(tenant))
    if (role !== undefined) {
      const r = yield* AccessAdmin.findRoleByName(role).pipe(policyUse("roles:read"), as(tenant))
      yield* AccessAdmin.assignRole(created.id, Option.getOrThrow(r).id).pipe(policyUse("roles:write"), as(tenant))
    }
    const actor: Actor = { kind: "user", id: created.id, sessionId: NodeCrypto.randomUUID(), userType: user_type }
    return actor
  })

/** The tenant's admin on a fresh login session (no MFA verified on it). */
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

/** Enrols the admin in TOTP and verifies it on their session (a step-up). */
const stepUp = (tenant: TenantRef, actor: Actor) =>
  Effect.gen(function* () {
    const userId = actor.id!
    const { secret } = yield* Mfa.use((m) => m.enroll(userId)).pipe(as(tenant))
    yield* Effect.flatMap(codeAt(secret), (c) => Mfa.use((m) => m.confirm(userId, c))).pipe(as(tenant))
    yield* TestClock.adjust(Duration.seconds(30))
    yield* Effect.flatMap(codeAt(secret), (c) => Mfa.use((m) => m.stepUp(userId, actor.sessionId!, c))).pipe(as(tenant))
  })

const lockout = "auth.lockout_threshold"
const threshold = (tenant: TenantRef) =>
  TenantAdmin.getSetting(lockout).pipe(
    policyUse("settings:read"),
    Effect.map((s) => s.value),
    as(tenant)
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`tenant administration by its members on ${dialect}`, (it) => {
    it.effect("audit:read: a manager reads the tenant's audit log; a teacher is refused", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-audit")
        const manager = yield* member(t, "teacher", "manager")
        const teacher = yield* member(t, "teacher")
        const page = yield* TenantAdmin.auditLog({ action: "tenant.create" }).pipe(
          policyUse("audit:read"),
          as(t, manager)
        )
        expect(page.items.map((e) => e.action)).toContain("tenant.create")
        const verified = yield* TenantAdmin.verifyAudit.pipe(policyUse("audit:read"), as(t, manager))
        expect(verified.ok).toBe(true)
        const refused = yield* TenantAdmin.auditLog({}).pipe(policyUse("audit:read"), as(t, teacher), Effect.flip)
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "audit:read" })
      })
    )

    it.effect("settings:read: a manager reads the settings; a student is refused", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-settings-read")
        const manager = yield* member(t, "teacher", "manager")
        const student = yield* member(t, "student")
        const all = yield* TenantAdmin.listSettings.pipe(policyUse("settings:read"), as(t, manager))
        expect(all.map((s) => s.key)).toContain(lockout)
        const refused = yield* TenantAdmin.listSettings.pipe(policyUse("settings:read"), as(t, student), Effect.flip)
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "settings:read" })
      })
    )

    it.effect("settings:write needs a step-up: refused without one and the value is unchanged", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-settings-stepup")
        const admin = yield* adminSession(t)
        const before = yield* threshold(t)
        const refused = yield* TenantAdmin.putSetting(lockout, 3).pipe(
          policyUse("settings:write"),
          as(t, admin),
          Effect.flip
        )
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        expect(yield* threshold(t)).toBe(before)
      })
    )

    it.effect("settings:write after a step-up sets and resets the value", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-settings-write")
        const admin = yield* adminSession(t)
        const before = yield* threshold(t)
        yield* stepUp(t, admin)
        yield* TenantAdmin.putSetting(lockout, 3).pipe(policyUse("settings:write"), as(t, admin))
        expect(yield* threshold(t)).toBe(3)
        yield* TenantAdmin.resetSetting(lockout).pipe(policyUse("settings:write"), as(t, admin))
        expect(yield* threshold(t)).toBe(before)
      })
    )

    it.effect("settings:write: a manager without the permission is refused", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-settings-manager")
        const manager = yield* member(t, "teacher", "manager")
        const refused = yield* TenantAdmin.putSetting(lockout, 3).pipe(
          policyUse("settings:write"),
          as(t, manager),
          Effect.flip
        )
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "settings:write" })
      })
    )

    it.effect("tenants:read: a viewer reads its own tenant; a student is refused", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-read")
        const viewer = yield* member(t, "teacher", "viewer")
        const student = yield* member(t, "student")
        const tenant = yield* TenantAdmin.get.pipe(policyUse("tenants:read"), as(t, viewer))
        expect(tenant.slug).toBe("ta-read")
        const refused = yield* TenantAdmin.get.pipe(policyUse("tenants:read"), as(t, student), Effect.flip)
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "tenants:read" })
      })
    )

    it.effect("tenants:write: an admin renames the tenant after a step-up but cannot change its plan", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-write")
        const admin = yield* adminSession(t)
        yield* stepUp(t, admin)
        const renamed = yield* TenantAdmin.update({ name: "Lycée renamed" }).pipe(
          policyUse("tenants:write"),
          as(t, admin)
        )
        expect(renamed.name).toBe("Lycée renamed")
        const refused = yield* TenantAdmin.update({ plan: "enterprise" }).pipe(
          policyUse("tenants:write"),
          as(t, admin),
          Effect.flip
        )
        expect(refused).toMatchObject({
          _tag: "Forbidden",
          message: "the tenant's plan is set by the platform operator"
        })
        const after = yield* TenantAdmin.get.pipe(policyUse("tenants:read"), as(t))
        expect(after.plan).not.toBe("enterprise")
      })
    )

    it.effect("tenants:write without a step-up is refused and the name is unchanged", () =>
      Effect.gen(function* () {
        const t = yield* onboard("ta-write-stepup")
        const admin = yield* adminSession(t)
        const refused = yield* TenantAdmin.update({ name: "Renamed" }).pipe(
          policyUse("tenants:write"),
          as(t, admin),
          Effect.flip
        )
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        expect((yield* TenantAdmin.get.pipe(policyUse("tenants:read"), as(t))).name).toBe("ta-write-stepup")
      })
    )
  })
}
