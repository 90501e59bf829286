/**
 * The access service on SQLite and Postgres (ARCHITECTURE §3 "RBAC"; seed
 * 001 "roles / permissions / user_permissions / teams" and "Permission Check
 * Flow"): defaults seeded at onboarding, explicit deny > allow > default
 * deny, wildcards, team roles, overrides, compiled-policy invalidation
 * across service instances, system-role protection, tenant isolation, one
 * audit row per mutation, and the policy requirement in the types.
 */
import * as NodeCrypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import {
  corePermissions,
  permissionsOf,
  type RoleDetail,
  type RoleId,
  type TeamId,
  type UserId
} from "@signet/contracts/access/Domain"
import {
  type Actor,
  AttachmentStore,
  Audit,
  Core,
  CreateTenant,
  CreateUser,
  Crypto,
  CurrentActor,
  CurrentTenant,
  Db,
  Identity,
  Migrations,
  Tenancy,
  type TenantId
} from "@signet/core"
import { Access, AccessConfig, defaultAccessOptions, policyUse } from "@signet/core/access/Access"
import { ACCESS_TABLES, accessMigrations } from "@signet/core/access/Migrations"
import { makeTestDatabase, ownerQuery, type TestDialect, testDialects } from "@signet/core/testing"
import { Context, Effect, Layer, Schema, TestClock } from "effect"
import { auditCount, outboxCount, TestDbUrl, testActor } from "./support.js"

/**
 * Core services (Access included, with its identity ports) on a fresh,
 * migrated database: `Db.layer` runs every core migration as the owner.
 */
const accessCore = (dialect: TestDialect) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const db = yield* Effect.acquireRelease(
        Effect.promise(() => makeTestDatabase(dialect)),
        (d) => Effect.promise(() => d.dispose())
      )
      const database = Db.layer({
        url: db.url,
        pgPoolSize: 4,
        beforeStart: Effect.asVoid(Migrations.runAll([...Core.allMigrations(), accessMigrations()]))
      })
      const services = Core.servicesLayer.pipe(
        Layer.provideMerge(Layer.merge(Crypto.EnvelopeEphemeral, AttachmentStore.memory))
      )
      return Layer.merge(services.pipe(Layer.provideMerge(database)), Layer.succeed(TestDbUrl, db.url))
    })
  )

type TenantRef = { readonly id: string; readonly slug: string }

/** Provides the tenant (the service opens its own transactions). */
const inTenant =
  (tenant: TenantRef) =>
  <A, E, R>(eff: Effect.Effect<A, E, R>) =>
    Effect.provideService(eff, CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug })

/** Discharges every policy requirement; the test actor is an operator, so the check passes. */
const asAdmin = policyUse("*:*")

/** Onboards a tenant (Core's access wiring seeds the default roles). */
const onboard = (slug: string) =>
  Effect.gen(function* () {
    const tenancy = yield* Tenancy
    const t = yield* tenancy.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))
    return { id: t.id as string, slug: t.slug }
  })

/**
 * A live user of the tenant holding nothing: created (which gives the
 * type's default role), then stripped of its grants. Operations that name a
 * user need a live user of the tenant (issue 14).
 */
const newUser = (tenant: TenantRef) =>
  Effect.gen(function* () {
    const user = yield* Identity.use((i) =>
      i.create(
        Schema.decodeUnknownSync(CreateUser)({
          email: `${NodeCrypto.randomUUID()}@access.example.edu`,
          given_name: "Test",
          family_name: "User",
          user_type: "student"
        })
      )
    )
    yield* Access.use((a) => a.removeUserGrants(user.id)).pipe(asAdmin)
    return user.id
  }).pipe(inTenant(tenant), Effect.provide(testActor))

const roleNamed = (name: string) =>
  Access.use((a) => a.findRoleByName(name)).pipe(
    asAdmin,
    Effect.map((o) => (o._tag === "Some" ? o.value : undefined)),
    Effect.flatMap((r) => (r ? Effect.succeed(r) : Effect.dieMessage(`no role ${name}`)))
  )

for (const dialect of testDialects()) {
  layer(accessCore(dialect), { timeout: 60_000 })(`Access on ${dialect}`, (it) => {
    it.effect("onboarding seeds the catalog and the default roles, once", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-seed")
        const access = yield* Access
        yield* inTenant(t)(
          Effect.gen(function* () {
            const roles = (yield* access.listRoles({ limit: 50 }).pipe(asAdmin)).items
            expect(roles.map((r) => r.name).sort()).toEqual(
              ["admin", "manager", "student", "teacher", "user", "viewer"].sort()
            )
            expect(roles.every((r) => r.is_system && r.tenant_id === t.id)).toBe(true)
            const admin = yield* roleNamed("admin")
            expect(admin.permissions).toEqual(["*:*"])
            const viewer = yield* roleNamed("viewer")
            // Every read but billing's (issue 20: billing is for the tenant's admins only) and
            // channels' (issue 22: channel configs are admin-only).
            expect(viewer.permissions).toEqual(
              permissionsOf(corePermissions).filter(
                (p) => p.endsWith(":read") && !p.startsWith("billing:") && !p.startsWith("channels:")
              )
            )
            const perms = yield* access.listPermissions.pipe(asAdmin)
            expect(perms.map((p) => p.name)).toEqual(permissionsOf(corePermissions))
            expect(perms.every((p) => p.is_system)).toBe(true)
          })
        )
        expect(yield* auditCount(t)).toBe(2) // tenant.create + access.defaults.seed
        expect(yield* outboxCount("signet.access.defaults.seeded")).toBeGreaterThanOrEqual(1)
        // Seeding again adds nothing and records nothing.
        const again = yield* inTenant(t)(access.seedDefaults)
        expect(again.map((r) => r.name)).toContain("viewer")
        expect(yield* auditCount(t)).toBe(2)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("explicit deny beats allow (even *:*); removing the override restores the allow", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-deny")
        const access = yield* Access
        const alice = yield* newUser(t)
        yield* inTenant(t)(
          Effect.gen(function* () {
            const teacher = yield* roleNamed("teacher")
            const admin = yield* roleNamed("admin")
            yield* access.assignRole(alice, teacher.id).pipe(asAdmin)
            expect(yield* access.check(alice, "attendance:write")).toBe(true)
            expect(yield* access.check(alice, "settings:write")).toBe(false)
            expect((yield* access.explain(alice, "settings:write").pipe(asAdmin)).decision).toBe("default-deny")

            yield* access.setUserOverride(alice, "attendance:*", "deny").pipe(asAdmin)
            expect(yield* access.check(alice, "attendance:write")).toBe(false)
            expect(yield* access.check(alice, "attendance:read")).toBe(false)
            expect(yield* access.check(alice, "academics:read")).toBe(true)
            const why = yield* access.explain(alice, "attendance:write").pipe(asAdmin)
            expect(why).toMatchObject({
              allowed: false,
              decision: "deny",
              source: { kind: "user_override", pattern: "attendance:*" }
            })

            // Even the admin role's *:* loses to a deny.
            yield* access.assignRole(alice, admin.id).pipe(asAdmin)
            expect(yield* access.check(alice, "settings:write")).toBe(true)
            expect(yield* access.check(alice, "attendance:admin")).toBe(false)

            yield* access.removeUserOverride(alice, "attendance:*").pipe(asAdmin)
            expect(yield* access.check(alice, "attendance:admin")).toBe(true)
            const allow = yield* access.explain(alice, "attendance:admin").pipe(asAdmin)
            expect(allow).toMatchObject({ decision: "allow", source: { kind: "role", name: "admin", pattern: "*:*" } })

            // An allow override grants beyond the roles.
            const bob = yield* newUser(t)
            yield* access.setUserOverride(bob, "beacons:write", "allow").pipe(asAdmin)
            expect(yield* access.check(bob, "beacons:write")).toBe(true)
            expect(yield* access.check(bob, "beacons:read")).toBe(false)
            const overrides = yield* access.listUserOverrides(bob).pipe(asAdmin)
            expect(overrides.map((o) => [o.permission, o.effect])).toEqual([["beacons:write", "allow"]])
          })
        )
      }).pipe(Effect.provide(testActor))
    )

    it.effect("wildcards and custom roles; unknown permissions and bad user ids are refused", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-wild")
        const access = yield* Access
        const carol = yield* newUser(t)
        yield* inTenant(t)(
          Effect.gen(function* () {
            const role = yield* access
              .createRole({ name: "registrar", priority: 70, permissions: ["academics:*", "users:read"] })
              .pipe(asAdmin)
            expect(role.permissions).toEqual(["academics:*", "users:read"])
            yield* access.assignRole(carol, role.id).pipe(asAdmin)
            expect(yield* access.check(carol, "academics:write")).toBe(true)
            expect(yield* access.check(carol, "academics:read")).toBe(true)
            expect(yield* access.check(carol, "attendance:read")).toBe(false)
            expect(yield* access.check(carol, "academics:*")).toBe(false) // queries are concrete

            const unknown = yield* Effect.flip(access.grant(role.id, "payroll:read").pipe(asAdmin))
            expect(unknown._tag).toBe("ValidationError")
            const unknownResource = yield* Effect.flip(access.grant(role.id, "payroll:*").pipe(asAdmin))
            expect(unknownResource._tag).toBe("ValidationError")
            const badUser = yield* Effect.flip(access.assignRole("not-a-uuid" as UserId, role.id).pipe(asAdmin))
            expect(badUser._tag).toBe("ValidationError")
            const dup = yield* Effect.flip(access.createRole({ name: "registrar" }).pipe(asAdmin))
            expect(dup).toMatchObject({ _tag: "Conflict", field: "name" })

            // A tenant-specific permission can then be granted.
            yield* access.createPermission({ name: "payroll:read", description: "Read payroll" }).pipe(asAdmin)
            const granted = yield* access.grant(role.id, "payroll:read").pipe(asAdmin)
            expect(granted.permissions).toContain("payroll:read")
            expect(yield* access.check(carol, "payroll:read")).toBe(true)
            const system = yield* Effect.flip(access.deletePermission("users:read").pipe(asAdmin))
            expect(system._tag).toBe("Conflict")
            yield* access.deletePermission("payroll:read").pipe(asAdmin)
            expect(yield* access.check(carol, "payroll:read")).toBe(false)
            expect((yield* access.getRole(role.id).pipe(asAdmin)).permissions).not.toContain("payroll:read")

            const eff = yield* access.effectivePermissions(carol).pipe(asAdmin)
            expect(eff.roles.map((r) => [r.role_name, r.via])).toEqual([["registrar", "direct"]])
            expect(eff.allow).toEqual(["academics:*", "users:read"])
            expect(eff.permissions).toEqual(["academics:read", "academics:write", "users:read"])
          })
        )
      }).pipe(Effect.provide(testActor))
    )

    it.effect("team roles grant to members, and stop when the member leaves", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-team")
        const access = yield* Access
        const dave = yield* newUser(t)
        yield* inTenant(t)(
          Effect.gen(function* () {
            const manager = yield* roleNamed("manager")
            const team = yield* access.createTeam({ name: "Front office" }).pipe(asAdmin)
            const withRole = yield* access.assignTeamRole(team.id, manager.id).pipe(asAdmin)
            expect(withRole.roles.map((r) => r.name)).toEqual(["manager"])
            expect(yield* access.check(dave, "users:write")).toBe(false)
            yield* access.addTeamMember(team.id, dave).pipe(asAdmin)
            expect(yield* access.check(dave, "users:write")).toBe(true)
            const why = yield* access.explain(dave, "users:write").pipe(asAdmin)
            expect(why.source).toMatchObject({
              kind: "team_role",
              name: "manager",
              team: { id: team.id, name: "Front office" }
            })
            const eff = yield* access.effectivePermissions(dave).pipe(asAdmin)
            expect(eff.roles).toMatchObject([{ role_name: "manager", via: "team", team_name: "Front office" }])
            const viewer = yield* roleNamed("viewer")
            yield* access.assignRole(dave, viewer.id).pipe(asAdmin)
            expect(yield* access.roleNames(dave)).toEqual(["manager", "viewer"]) // the token's roles claim
            const members = yield* access.listTeamMembers(team.id).pipe(asAdmin)
            expect(members.items.map((m) => m.user_id)).toEqual([dave])
            yield* access.removeTeamMember(team.id, dave).pipe(asAdmin)
            expect(yield* access.check(dave, "users:write")).toBe(false)
            expect(yield* access.roleNames(dave)).toEqual(["viewer"])

            yield* access.addTeamMember(team.id, dave).pipe(asAdmin)
            yield* access.deleteTeam(team.id).pipe(asAdmin)
            expect(yield* access.check(dave, "users:write")).toBe(false)
            expect((yield* Effect.flip(access.getTeam(team.id).pipe(asAdmin)))._tag).toBe("TeamNotFound")
          })
        )
      }).pipe(Effect.provide(testActor))
    )

    it.scoped("a second Access instance on the same database sees a change once its TTL has passed", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-cache")
        const a = yield* Access
        // Another replica: a fresh service instance with its own cache (TTL 1 s, on the TestClock).
        const replica = Context.get(
          yield* Layer.build(
            Layer.fresh(Access.Default).pipe(
              Layer.provide(Layer.succeed(AccessConfig, { ...defaultAccessOptions, cacheTtl: "1 second" }))
            )
          ),
          Access
        )
        const erin = yield* newUser(t)
        yield* inTenant(t)(
          Effect.gen(function* () {
            const viewer = yield* roleNamed("viewer")
            expect(yield* a.check(erin, "users:read")).toBe(false)
            expect(yield* replica.check(erin, "users:read")).toBe(false) // cached by the replica
            expect(replica.checkCompiled(t.id, erin, "users:read")).toBe(false)

            yield* a.assignRole(erin, viewer.id).pipe(asAdmin)
            expect(yield* a.check(erin, "users:read")).toBe(true) // same instance: at once
            expect(yield* replica.check(erin, "users:read")).toBe(false) // other instance: within the TTL
            yield* TestClock.adjust("1001 millis")
            expect(replica.checkCompiled(t.id, erin, "users:read")).toBeUndefined() // stale: ask check
            expect(yield* replica.check(erin, "users:read")).toBe(true)
            expect(replica.checkCompiled(t.id, erin, "users:read")).toBe(true)

            // A revocation propagates the same way.
            yield* a.unassignRole(erin, viewer.id).pipe(asAdmin)
            expect(yield* a.check(erin, "users:read")).toBe(false)
            yield* TestClock.adjust("1001 millis")
            expect(yield* replica.check(erin, "users:read")).toBe(false)

            // Without a change, revalidation keeps the compiled policy (same object).
            const before = yield* replica.policyFor
            yield* TestClock.adjust("1001 millis")
            expect(yield* replica.policyFor).toBe(before)
          })
        )
      }).pipe(Effect.provide(testActor))
    )

    it.effect("inside a caller's transaction, checks see its uncommitted changes and a rollback leaves no trace", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-tx")
        const access = yield* Access
        const fay = yield* newUser(t)
        const viewer = yield* inTenant(t)(roleNamed("viewer"))
        expect(yield* inTenant(t)(access.check(fay, "users:read"))).toBe(false)
        const rolledBack = yield* Db.tenantTx(
          Effect.gen(function* () {
            yield* access.assignRole(fay, viewer.id).pipe(asAdmin)
            expect(yield* access.check(fay, "users:read")).toBe(true)
            return yield* Effect.fail("rollback" as const)
          })
        ).pipe(inTenant(t), Effect.flip)
        expect(rolledBack).toBe("rollback")
        expect(yield* inTenant(t)(access.check(fay, "users:read"))).toBe(false)
        expect(yield* inTenant(t)(access.listUserRoles(fay).pipe(asAdmin))).toEqual([])
      }).pipe(Effect.provide(testActor))
    )

    it.effect("system roles cannot be deleted or renamed, and admin keeps *:*", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-system")
        const access = yield* Access
        yield* inTenant(t)(
          Effect.gen(function* () {
            const admin = yield* roleNamed("admin")
            const viewer = yield* roleNamed("viewer")
            expect(yield* Effect.flip(access.deleteRole(admin.id).pipe(asAdmin))).toMatchObject({ _tag: "Conflict" })
            expect(yield* Effect.flip(access.deleteRole(viewer.id).pipe(asAdmin))).toMatchObject({ _tag: "Conflict" })
            expect(yield* Effect.flip(access.updateRole(viewer.id, { name: "reader" }).pipe(asAdmin))).toMatchObject({
              _tag: "Conflict",
              field: "name"
            })
            expect(yield* Effect.flip(access.revoke(admin.id, "*:*").pipe(asAdmin))).toMatchObject({ _tag: "Conflict" })
            expect(yield* Effect.flip(access.setRolePermissions(admin.id, ["users:read"]).pipe(asAdmin))).toMatchObject(
              { _tag: "Conflict" }
            )
            // A system role's description and priority can change; its permissions too (except admin's *:*).
            const updated = yield* access.updateRole(viewer.id, { description: "Reads", priority: 25 }).pipe(asAdmin)
            expect(updated).toMatchObject({ name: "viewer", description: "Reads", priority: 25 })
            // A custom role is deleted with its assignments.
            const temp = yield* access.createRole({ name: "temp", permissions: ["audit:read"] }).pipe(asAdmin)
            const gus = yield* newUser(t)
            yield* access.assignRole(gus, temp.id).pipe(asAdmin)
            expect(yield* access.check(gus, "audit:read")).toBe(true)
            yield* access.deleteRole(temp.id).pipe(asAdmin)
            expect(yield* access.check(gus, "audit:read")).toBe(false)
            expect(yield* access.listUserRoles(gus).pipe(asAdmin)).toEqual([])
          })
        )
      }).pipe(Effect.provide(testActor))
    )

    it.effect("another tenant's role or team id answers 404", () =>
      Effect.gen(function* () {
        const a = yield* onboard("acc-iso-a")
        const b = yield* onboard("acc-iso-b")
        const access = yield* Access
        const roleA = yield* inTenant(a)(roleNamed("manager"))
        const teamA = yield* inTenant(a)(access.createTeam({ name: "A team" }).pipe(asAdmin))
        const hal = yield* newUser(a)
        const halOfB = yield* newUser(b)
        yield* inTenant(b)(
          Effect.gen(function* () {
            const refused = <A, E, R>(eff: Effect.Effect<A, E, R>) => Effect.flip(eff.pipe(asAdmin))
            for (const error of [
              yield* refused(access.getRole(roleA.id)),
              yield* refused(access.assignRole(halOfB, roleA.id)),
              yield* refused(access.deleteRole(roleA.id)),
              yield* refused(access.grant(roleA.id, "users:read")),
              yield* refused(access.updateRole(roleA.id, { priority: 1 }))
            ]) {
              expect(error).toMatchObject({ _tag: "RoleNotFound", role: roleA.id })
            }
            expect(yield* Effect.flip(access.getTeam(teamA.id).pipe(asAdmin))).toMatchObject({ _tag: "TeamNotFound" })
            expect(yield* Effect.flip(access.addTeamMember(teamA.id, halOfB).pipe(asAdmin))).toMatchObject({
              _tag: "TeamNotFound"
            })
            expect((yield* Effect.flip(access.getRole("nonsense" as RoleId).pipe(asAdmin)))._tag).toBe("RoleNotFound")
            // B's own manager role is another row.
            expect((yield* roleNamed("manager")).id).not.toBe(roleA.id)
          })
        )
        // Grants in A do not leak into B's compiled policy.
        yield* inTenant(a)(access.assignRole(hal, roleA.id).pipe(asAdmin))
        expect(yield* inTenant(a)(access.check(hal, "users:write"))).toBe(true)
        expect(yield* inTenant(b)(access.check(hal, "users:write"))).toBe(false)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("exactly one audit row and one event per mutation; no-ops and failures record nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-audit")
        const access = yield* Access
        const ivy = yield* newUser(t)
        let expected = yield* auditCount(t)
        const step = <A, E>(eff: Effect.Effect<A, E, never>, delta: 0 | 1) =>
          Effect.gen(function* () {
            const events = yield* outboxCount()
            const result = yield* Effect.either(eff)
            expected += delta
            expect(yield* auditCount(t)).toBe(expected)
            expect(yield* outboxCount()).toBe(events + delta)
            return result
          })
        const run = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
          eff.pipe(asAdmin, inTenant(t), Effect.provide(testActor), Effect.provideService(Access, access))
        const role = yield* step(run(access.createRole({ name: "auditor", permissions: ["audit:read"] })), 1)
        const id = (role as { right: RoleDetail }).right.id
        yield* step(run(access.updateRole(id, { priority: 61 })), 1)
        yield* step(run(access.updateRole(id, { priority: 61 })), 0) // no change
        yield* step(run(access.grant(id, "users:read")), 1)
        yield* step(run(access.grant(id, "users:read")), 0) // already granted
        yield* step(run(access.revoke(id, "users:read")), 1)
        yield* step(run(access.setRolePermissions(id, ["audit:read", "teams:*"])), 1)
        yield* step(run(access.assignRole(ivy, id)), 1)
        yield* step(run(access.assignRole(ivy, id)), 0)
        yield* step(run(access.setUserOverride(ivy, "audit:read", "deny")), 1)
        yield* step(run(access.setUserOverride(ivy, "audit:read", "allow")), 1)
        yield* step(run(access.removeUserOverride(ivy, "audit:read")), 1)
        const team = yield* step(run(access.createTeam({ name: "Auditors" })), 1)
        const teamId = (team as { right: { id: TeamId } }).right.id
        yield* step(run(access.updateTeam(teamId, { description: "Internal audit" })), 1)
        yield* step(run(access.addTeamMember(teamId, ivy)), 1)
        yield* step(run(access.assignTeamRole(teamId, id)), 1)
        yield* step(run(access.unassignTeamRole(teamId, id)), 1)
        yield* step(run(access.removeTeamMember(teamId, ivy)), 1)
        yield* step(run(access.deleteTeam(teamId)), 1)
        yield* step(run(access.createPermission({ name: "exports:run" })), 1)
        yield* step(run(access.deletePermission("exports:run")), 1)
        yield* step(run(access.createRole({ name: "auditor" })), 0) // Conflict
        yield* step(run(access.grant(id, "nope:nope")), 0) // ValidationError
        yield* step(run(access.removeUserGrants(ivy)), 1)
        yield* step(run(access.removeUserGrants(ivy)), 0)
        yield* step(run(access.unassignRole(ivy, id)), 0)
        yield* step(run(access.deleteRole(id)), 1)
        const verified = yield* Db.tenantTx(Audit.use((a) => a.verify)).pipe(inTenant(t))
        expect(verified.ok).toBe(true)
        const page = yield* Db.tenantTx(Audit.use((a) => a.list({ limit: 3 }))).pipe(inTenant(t))
        expect(page.items.map((e) => e.action)).toEqual([
          "access.role.delete",
          "access.user_grants.remove",
          "access.permission.delete"
        ])
      }).pipe(Effect.provide(testActor))
    )

    it.effect("lists roles with cursor pagination", () =>
      Effect.gen(function* () {
        const t = yield* onboard("acc-page")
        const access = yield* Access
        const names: Array<string> = []
        yield* inTenant(t)(
          Effect.gen(function* () {
            let cursor: string | undefined
            do {
              const page = yield* access.listRoles({ limit: 4, cursor }).pipe(asAdmin)
              expect(page.items.length).toBeLessThanOrEqual(4)
              names.push(...page.items.map((r) => r.name))
              cursor = page.next_cursor ?? undefined
            } while (cursor)
          })
        )
        expect(names.sort()).toEqual(["admin", "manager", "student", "teacher", "user", "viewer"])
      }).pipe(Effect.provide(testActor))
    )

    it.effect(
      "policyUse: users by their grants, operators always, API keys by their scope; 403 names the permission",
      () =>
        Effect.gen(function* () {
          const t = yield* onboard("acc-policy")
          const access = yield* Access
          const jay = yield* newUser(t)
          const viewer = yield* inTenant(t)(roleNamed("viewer"))
          yield* inTenant(t)(access.assignRole(jay, viewer.id).pipe(asAdmin))
          const as =
            (actor: Actor) =>
            <A, E, R>(eff: Effect.Effect<A, E, R>) =>
              eff.pipe(Effect.provideService(CurrentActor, actor), inTenant(t))
          const user: Actor = { kind: "user", id: jay }
          const listAsUser = access.listRoles().pipe(policyUse("roles:read"), as(user))
          expect((yield* listAsUser).items.length).toBe(6)
          const createAsUser = access
            .createRole({ name: "sneaky", permissions: ["*:*"] })
            .pipe(policyUse("roles:write"))
          const denied = yield* Effect.flip(createAsUser.pipe(as(user)))
          expect(denied).toMatchObject({ _tag: "Forbidden", permission: "roles:write" })
          expect(yield* Effect.flip(access.listRoles().pipe(policyUse("roles:*"), as(user)))).toMatchObject({
            _tag: "Forbidden"
          })
          const key: Actor = { kind: "apiKey", id: "key-1", permissions: ["roles:*"] }
          expect((yield* access.listRoles().pipe(policyUse("roles:read"), as(key))).items.length).toBe(6)
          expect(yield* Effect.flip(access.listTeams().pipe(policyUse("teams:read"), as(key)))).toMatchObject({
            _tag: "Forbidden"
          })
          const bareKey: Actor = { kind: "apiKey", id: "key-2" }
          expect((yield* Effect.flip(access.listRoles().pipe(policyUse("roles:read"), as(bareKey))))._tag).toBe(
            "Forbidden"
          )
          const operator: Actor = { kind: "operator", id: "op" }
          expect((yield* access.listRoles().pipe(policyUse("roles:read"), as(operator))).items.length).toBe(6)
          // In the types: the requirement must be discharged by the matching permission.
          const typed = () => {
            const base = access.createRole({ name: "x" })
            const close = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
              eff.pipe(inTenant(t), Effect.provide(testActor), Effect.provideService(Access, access))
            // @ts-expect-error AccessPolicy<"roles:write"> is still required
            const unchecked: Effect.Effect<unknown, unknown, never> = close(base)
            // @ts-expect-error "roles:read" does not discharge "roles:write"
            const wrong: Effect.Effect<unknown, unknown, never> = close(base.pipe(policyUse("roles:read")))
            const right: Effect.Effect<unknown, unknown, never> = close(base.pipe(policyUse("roles:write")))
            const wildcard: Effect.Effect<unknown, unknown, never> = close(base.pipe(policyUse("roles:*")))
            const all: Effect.Effect<unknown, unknown, never> = close(base.pipe(policyUse("*:*")))
            return [unchecked, wrong, right, wildcard, all]
          }
          expect(typed).toBeDefined()
        }).pipe(Effect.provide(testActor))
    )

    if (dialect === "pg") {
      it.effect("row-level security covers every access table", () =>
        Effect.gen(function* () {
          const t = yield* onboard("acc-rls")
          const sql = yield* SqlClient.SqlClient
          const url = yield* TestDbUrl
          // The app role sees no row without a tenant context, though the owner sees the seeded ones.
          for (const table of ["roles", "permissions", "role_permissions", "access_versions"]) {
            expect(yield* sql.unsafe(`SELECT * FROM ${table}`)).toHaveLength(0)
            const owner = yield* Effect.promise(() =>
              ownerQuery(url, `SELECT COUNT(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [t.id])
            )
            expect(owner[0].n).toBeGreaterThan(0)
          }
          const forced = yield* Effect.promise(() =>
            ownerQuery(url, `SELECT relname FROM pg_class WHERE relforcerowsecurity AND relname = ANY($1)`, [
              [...ACCESS_TABLES]
            ])
          )
          expect(forced.map((r: { relname: string }) => r.relname).sort()).toEqual([...ACCESS_TABLES].sort())
        }).pipe(Effect.provide(testActor))
      )
    }
  })
}
