/**
 * No privilege escalation through role administration, in process (issue 14
 * §8; HTTP: "role administration" in `server/test/escalation.test.ts`),
 * through `AccessAdmin` on SQLite and Postgres. A holder of `roles:write`
 * without `*:*` ("ra": a teacher with a `role-admin` role of `roles:read`,
 * `roles:write`, `users:read`, signed in with a step-up) cannot assign a role,
 * grant a permission, allow an override, give a team a role or lift a deny
 * beyond what ra holds — `Forbidden` naming the first pattern not held,
 * nothing written; within it, and for taking away, ra may.
 */
import { expect, layer } from "@effect/vitest"
import { AccessAdmin, policyUse, type UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect } from "effect"
import { newUser, PASSWORD, roleId, roleNamesOf, setup, writes } from "./escalation-support.js"
import { inTenant as as, steppedUpUser, testCore } from "./support.js"

/**
 * {@link setup}, plus the `role-admin` role (priority 70: `roles:read`,
 * `roles:write`, `users:read`), "ra" (a teacher holding it, signed in with a
 * step-up) and an empty team "Office", all made by the operator.
 */
const setupRoleAdmin = (slug: string) =>
  Effect.gen(function* () {
    const fixture = yield* setup(slug)
    const { tenant } = fixture
    const roleAdmin = yield* AccessAdmin.createRole({
      name: "role-admin",
      priority: 70,
      permissions: ["roles:read", "roles:write", "users:read"]
    }).pipe(policyUse("roles:write"), as(tenant))
    const raId = yield* newUser(tenant, "teacher", "ra")
    yield* AccessAdmin.assignRole(raId, roleAdmin.id).pipe(policyUse("roles:write"), as(tenant))
    const team = yield* AccessAdmin.createTeam({ name: "Office" }).pipe(policyUse("teams:write"), as(tenant))
    const ra = yield* steppedUpUser(tenant, `ra@${slug}.example.edu`, PASSWORD)
    /** Runs `eff` in the tenant as ra. */
    const asRa = as(tenant, ra)
    return { ...fixture, roleAdminId: roleAdmin.id, raId, teamId: team.id, asRa }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`no escalation by role administration in core on ${dialect}`, (it) => {
    it.effect("assigning the admin role, to oneself or another, is Forbidden naming *:*; nothing is assigned", () =>
      Effect.gen(function* () {
        const { asRa, managerId, raId, tenant } = yield* setupRoleAdmin("cesc-roles-admin")
        const admin = yield* roleId(tenant, "admin")
        const before = yield* writes(tenant)
        for (const userId of [raId, managerId]) {
          const error = yield* Effect.flip(AccessAdmin.assignRole(userId, admin).pipe(policyUse("roles:write"), asRa))
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
        }
        expect(yield* writes(tenant)).toEqual(before)
        expect(yield* roleNamesOf(tenant, raId)).toEqual(["role-admin", "teacher"])
        expect(yield* roleNamesOf(tenant, managerId)).toEqual(["manager", "teacher"])
      })
    )

    it.effect("assigning a role names the first of its permissions (by name) the caller lacks", () =>
      Effect.gen(function* () {
        const { asRa, raId, tenant } = yield* setupRoleAdmin("cesc-roles-first")
        const manager = yield* roleId(tenant, "manager")
        const error = yield* Effect.flip(AccessAdmin.assignRole(raId, manager).pipe(policyUse("roles:write"), asRa))
        expect(error).toMatchObject({ _tag: "Forbidden", permission: "academics:*" })
      })
    )

    it.effect(
      "a permission not held cannot be put in a role: by grant, replacement or creation; nothing is written",
      () =>
        Effect.gen(function* () {
          const { asRa, roleAdminId, tenant } = yield* setupRoleAdmin("cesc-roles-grant")
          const before = yield* writes(tenant)
          const grant = yield* Effect.flip(AccessAdmin.grant(roleAdminId, "*:*").pipe(policyUse("roles:write"), asRa))
          expect(grant).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
          const replace = yield* Effect.flip(
            AccessAdmin.setRolePermissions(roleAdminId, [
              "roles:read",
              "roles:write",
              "users:read",
              "users:delete"
            ]).pipe(policyUse("roles:write"), asRa)
          )
          expect(replace).toMatchObject({ _tag: "Forbidden", permission: "users:delete" })
          const create = yield* Effect.flip(
            AccessAdmin.createRole({ name: "sneaky", permissions: ["users:read", "users:delete"] }).pipe(
              policyUse("roles:write"),
              asRa
            )
          )
          expect(create).toMatchObject({ _tag: "Forbidden", permission: "users:delete" })
          expect(yield* writes(tenant)).toEqual(before)
          const role = yield* AccessAdmin.getRole(roleAdminId).pipe(policyUse("roles:read"), as(tenant))
          expect(role.permissions).toEqual(["roles:read", "roles:write", "users:read"])
          const roles = yield* AccessAdmin.listRoles({ limit: 50 }).pipe(policyUse("roles:read"), as(tenant))
          expect(roles.items.map((r) => r.name)).not.toContain("sneaky")
        })
    )

    it.effect(
      "an allow override of a permission not held is Forbidden, for oneself or another; nothing is written",
      () =>
        Effect.gen(function* () {
          const { asRa, managerId, raId, tenant } = yield* setupRoleAdmin("cesc-roles-allow")
          const before = yield* writes(tenant)
          for (const [userId, permission] of [
            [raId, "users:delete"],
            [managerId, "*:*"]
          ] as const) {
            const error = yield* Effect.flip(
              AccessAdmin.setUserOverride(userId, permission, "allow").pipe(policyUse("roles:write"), asRa)
            )
            expect(error).toMatchObject({ _tag: "Forbidden", permission })
          }
          expect(yield* writes(tenant)).toEqual(before)
          expect(yield* AccessAdmin.listUserOverrides(raId).pipe(policyUse("roles:read"), as(tenant))).toEqual([])
          const effective = yield* AccessAdmin.effectivePermissions(raId).pipe(policyUse("roles:read"), as(tenant))
          expect(effective.allow).not.toContain("*:*")
        })
    )

    it.effect("giving a team the admin role is Forbidden naming *:*; the team keeps no role", () =>
      Effect.gen(function* () {
        const { asRa, teamId, tenant } = yield* setupRoleAdmin("cesc-roles-team")
        const admin = yield* roleId(tenant, "admin")
        const before = yield* writes(tenant)
        const error = yield* Effect.flip(AccessAdmin.assignTeamRole(teamId, admin).pipe(policyUse("roles:write"), asRa))
        expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
        expect(yield* writes(tenant)).toEqual(before)
        expect((yield* AccessAdmin.getTeam(teamId).pipe(policyUse("teams:read"), as(tenant))).roles).toEqual([])
      })
    )

    it.effect("lifting a deny of a permission not held is Forbidden naming it; the deny stays", () =>
      Effect.gen(function* () {
        const { asRa, managerId, tenant } = yield* setupRoleAdmin("cesc-roles-lift")
        yield* AccessAdmin.setUserOverride(managerId, "users:delete", "deny").pipe(policyUse("roles:write"), as(tenant))
        const before = yield* writes(tenant)
        const error = yield* Effect.flip(
          AccessAdmin.removeUserOverride(managerId, "users:delete").pipe(policyUse("roles:write"), asRa)
        )
        expect(error).toMatchObject({ _tag: "Forbidden", permission: "users:delete" })
        expect(yield* writes(tenant)).toEqual(before)
        const overrides = yield* AccessAdmin.listUserOverrides(managerId).pipe(policyUse("roles:read"), as(tenant))
        expect(overrides).toMatchObject([
          { permission: "apikeys:write", effect: "allow" },
          { permission: "users:delete", effect: "deny" }
        ])
      })
    )

    it.effect("within what the caller holds, a role is created, assigned, given to a team and granted more", () =>
      Effect.gen(function* () {
        const { asRa, managerId, raId, teamId, tenant } = yield* setupRoleAdmin("cesc-roles-within")
        const reader = yield* AccessAdmin.createRole({
          name: "reader",
          priority: 10,
          permissions: ["users:read"]
        }).pipe(policyUse("roles:write"), asRa)
        yield* AccessAdmin.assignRole(managerId, reader.id).pipe(policyUse("roles:write"), asRa)
        yield* AccessAdmin.assignRole(raId, reader.id).pipe(policyUse("roles:write"), asRa)
        yield* AccessAdmin.assignTeamRole(teamId, reader.id).pipe(policyUse("roles:write"), asRa)
        yield* AccessAdmin.grant(reader.id, "academics:read").pipe(policyUse("roles:write"), asRa)
        // The teacher role's permissions are ra's too (ra is a teacher).
        yield* AccessAdmin.assignRole(managerId, yield* roleId(tenant, "teacher")).pipe(policyUse("roles:write"), asRa)
        expect(yield* roleNamesOf(tenant, managerId)).toEqual(["manager", "reader", "teacher"])
        const role = yield* AccessAdmin.getRole(reader.id).pipe(policyUse("roles:read"), as(tenant))
        expect(role.permissions).toEqual(["academics:read", "users:read"])
        const team = yield* AccessAdmin.getTeam(teamId).pipe(policyUse("teams:read"), as(tenant))
        expect(team.roles.map((r) => r.name)).toEqual(["reader"])
      })
    )

    it.effect("overrides within what the caller holds: an allow, a deny, and lifting a deny of a held permission", () =>
      Effect.gen(function* () {
        const { asRa, managerId, raId, tenant } = yield* setupRoleAdmin("cesc-roles-overrides")
        yield* AccessAdmin.setUserOverride(managerId, "users:read", "allow").pipe(policyUse("roles:write"), asRa)
        // A deny takes away: allowed whatever it names.
        yield* AccessAdmin.setUserOverride(raId, "users:delete", "deny").pipe(policyUse("roles:write"), asRa)
        yield* AccessAdmin.setUserOverride(managerId, "teams:read", "deny").pipe(policyUse("roles:write"), as(tenant))
        yield* AccessAdmin.removeUserOverride(managerId, "teams:read").pipe(policyUse("roles:write"), asRa)
        const overrides = (userId: UserId) =>
          AccessAdmin.listUserOverrides(userId).pipe(
            policyUse("roles:read"),
            Effect.map((list) => list.map((o) => [o.permission, o.effect])),
            as(tenant)
          )
        expect(yield* overrides(managerId)).toEqual([
          ["apikeys:write", "allow"],
          ["users:read", "allow"]
        ])
        expect(yield* overrides(raId)).toEqual([["users:delete", "deny"]])
      })
    )

    it.effect("taking away needs nothing more: revoke, unassign, remove an allow override, withdraw a team role", () =>
      Effect.gen(function* () {
        const { asRa, managerId, teamId, tenant } = yield* setupRoleAdmin("cesc-roles-take")
        const reader = yield* AccessAdmin.createRole({
          name: "reader",
          priority: 10,
          permissions: ["users:read", "academics:read"]
        }).pipe(policyUse("roles:write"), as(tenant))
        yield* AccessAdmin.assignTeamRole(teamId, reader.id).pipe(policyUse("roles:write"), as(tenant))
        // academics:read, the manager role and apikeys:write are not ra's; taking them away is allowed.
        yield* AccessAdmin.revoke(reader.id, "academics:read").pipe(policyUse("roles:write"), asRa)
        yield* AccessAdmin.unassignRole(managerId, yield* roleId(tenant, "manager")).pipe(
          policyUse("roles:write"),
          asRa
        )
        yield* AccessAdmin.removeUserOverride(managerId, "apikeys:write").pipe(policyUse("roles:write"), asRa)
        yield* AccessAdmin.unassignTeamRole(teamId, reader.id).pipe(policyUse("roles:write"), asRa)
        const role = yield* AccessAdmin.getRole(reader.id).pipe(policyUse("roles:read"), as(tenant))
        expect(role.permissions).toEqual(["users:read"])
        expect(yield* roleNamesOf(tenant, managerId)).toEqual(["teacher"])
        expect(yield* AccessAdmin.listUserOverrides(managerId).pipe(policyUse("roles:read"), as(tenant))).toEqual([])
        expect((yield* AccessAdmin.getTeam(teamId).pipe(policyUse("teams:read"), as(tenant))).roles).toEqual([])
      })
    )

    it.effect("the operator grants *:* to a role and gives a team the admin role", () =>
      Effect.gen(function* () {
        const { roleAdminId, teamId, tenant } = yield* setupRoleAdmin("cesc-roles-operator")
        yield* AccessAdmin.grant(roleAdminId, "*:*").pipe(policyUse("roles:write"), as(tenant))
        yield* AccessAdmin.assignTeamRole(teamId, yield* roleId(tenant, "admin")).pipe(
          policyUse("roles:write"),
          as(tenant)
        )
        const role = yield* AccessAdmin.getRole(roleAdminId).pipe(policyUse("roles:read"), as(tenant))
        expect(role.permissions).toContain("*:*")
        const team = yield* AccessAdmin.getTeam(teamId).pipe(policyUse("teams:read"), as(tenant))
        expect(team.roles.map((r) => r.name)).toEqual(["admin"])
      })
    )
  })
}
