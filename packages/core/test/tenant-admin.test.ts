/**
 * Issue 15 §4 "five declared permissions are checked nowhere": `tenants:read`
 * and `tenants:write` (the tenant's own profile), `settings:read` and
 * `settings:write` (its settings, writes with step-up) and `audit:read` (its
 * audit log) now govern `TenantAdmin`, in process, on SQLite and Postgres.
 */
import * as NodeCrypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { AccessAdmin, type Actor, CreateUser, Identity, policyUse, TenantAdmin } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Option, Schema } from "effect"
import {
  adminSession,
  inTenant as as,
  onboardWithAdmin as onboard,
  recordStepUp as stepUp,
  type TenantRef,
  testCore
} from "./support.js"

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
