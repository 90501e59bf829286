/**
 * Issue 14: core is the security boundary. The rules the server applied
 * around access operations now hold in process, through the public core API
 * (`AccessAdmin`, `Access`), on SQLite and Postgres:
 *
 * - a user id named by an operation must be a live user of the current
 *   tenant, else `NotFound` (`resource: "user"`) and nothing is written
 *   (no grant, no audit row, no event);
 * - step-up: a `user` actor changing roles or permissions needs a recent MFA
 *   verification on its session, else `Forbidden` (`mfa:step-up`); API keys
 *   are not asked.
 */
import * as NodeCrypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import {
  Access,
  AccessAdmin,
  type Actor,
  CreateUser,
  type CurrentActor,
  type CurrentTenant,
  Identity,
  policyUse,
  UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Option, Schema } from "effect"
import {
  adminSession,
  inTenant as as,
  auditCount,
  onboardWithAdmin as onboard,
  outboxCount,
  recordStepUp,
  type TenantRef,
  testCore
} from "./support.js"

/** A live student of `tenant` (with the student role from the creation step). */
const newUser = (tenant: TenantRef) =>
  Identity.use((i) =>
    i.create(
      Schema.decodeUnknownSync(CreateUser)({
        email: `${NodeCrypto.randomUUID()}@rules.example.edu`,
        given_name: "S",
        family_name: "T",
        user_type: "student"
      })
    )
  ).pipe(
    Effect.map((u) => u.id),
    as(tenant)
  )

/** The id of a role of `tenant` by name. */
const roleId = (tenant: TenantRef, name: string) =>
  AccessAdmin.findRoleByName(name).pipe(
    policyUse("roles:read"),
    Effect.map((r) => Option.getOrThrow(r).id),
    as(tenant)
  )

/** Audit rows of the tenant and outbox rows, to show that nothing was written. */
const writes = (tenant: TenantRef) => Effect.all([auditCount(tenant), outboxCount()])

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`access rules in core (issue 14) on ${dialect}`, (it) => {
    it.effect("issue 14: assigning a role to a user id that names nobody fails NotFound and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-assign-none")
        const viewer = yield* roleId(t, "viewer")
        const nobody = UserId.make(NodeCrypto.randomUUID())
        const before = yield* writes(t)
        const error = yield* Effect.flip(AccessAdmin.assignRole(nobody, viewer).pipe(policyUse("roles:write"), as(t)))
        expect(error).toMatchObject({ _tag: "NotFound", resource: "user", id: nobody })
        expect(yield* writes(t)).toEqual(before)
        expect(yield* Access.use((a) => a.roleNames(nobody)).pipe(as(t))).toEqual([])
      })
    )

    it.effect("issue 14: assigning a role to another tenant's user fails NotFound and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-assign-a")
        const other = yield* onboard("rules-assign-b")
        const foreign = yield* newUser(other)
        const viewer = yield* roleId(t, "viewer")
        const before = yield* writes(t)
        const error = yield* Effect.flip(AccessAdmin.assignRole(foreign, viewer).pipe(policyUse("roles:write"), as(t)))
        expect(error).toMatchObject({ _tag: "NotFound", resource: "user", id: foreign })
        expect(yield* writes(t)).toEqual(before)
        expect(yield* Access.use((a) => a.roleNames(foreign)).pipe(as(t))).toEqual([])
      })
    )

    it.effect("issue 14: the Access service itself refuses a role for a user who does not exist (in-process)", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-service")
        const viewer = yield* roleId(t, "viewer")
        const nobody = UserId.make(NodeCrypto.randomUUID())
        const error = yield* Effect.flip(
          Access.use((a) => a.assignRole(nobody, viewer)).pipe(policyUse("roles:write"), as(t))
        )
        expect(error).toMatchObject({ _tag: "NotFound", resource: "user" })
      })
    )

    it.effect("issue 14: an override for a user who does not exist fails NotFound and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-override-none")
        const nobody = UserId.make(NodeCrypto.randomUUID())
        const before = yield* writes(t)
        const error = yield* Effect.flip(
          AccessAdmin.setUserOverride(nobody, "users:read", "allow").pipe(policyUse("roles:write"), as(t))
        )
        expect(error).toMatchObject({ _tag: "NotFound", resource: "user", id: nobody })
        expect(yield* writes(t)).toEqual(before)
        expect(yield* Access.use((a) => a.check(nobody, "users:read")).pipe(as(t))).toBe(false)
      })
    )

    it.effect("issue 14: an override for another tenant's user fails NotFound and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-override-a")
        const other = yield* onboard("rules-override-b")
        const foreign = yield* newUser(other)
        const before = yield* writes(t)
        const error = yield* Effect.flip(
          AccessAdmin.setUserOverride(foreign, "users:read", "deny").pipe(policyUse("roles:write"), as(t))
        )
        expect(error).toMatchObject({ _tag: "NotFound", resource: "user", id: foreign })
        expect(yield* writes(t)).toEqual(before)
      })
    )

    it.effect("issue 14: adding a user who does not exist to a team fails NotFound and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-team-none")
        const team = yield* AccessAdmin.createTeam({ name: "Office" }).pipe(policyUse("teams:write"), as(t))
        const nobody = UserId.make(NodeCrypto.randomUUID())
        const before = yield* writes(t)
        const error = yield* Effect.flip(
          AccessAdmin.addTeamMember(team.id, nobody).pipe(policyUse("teams:write"), as(t))
        )
        expect(error).toMatchObject({ _tag: "NotFound", resource: "user", id: nobody })
        expect(yield* writes(t)).toEqual(before)
        const members = yield* AccessAdmin.listTeamMembers(team.id).pipe(policyUse("teams:read"), as(t))
        expect(members.items).toEqual([])
      })
    )

    it.effect("issue 14: adding another tenant's user to a team fails NotFound and writes nothing", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-team-a")
        const other = yield* onboard("rules-team-b")
        const foreign = yield* newUser(other)
        const team = yield* AccessAdmin.createTeam({ name: "Office" }).pipe(policyUse("teams:write"), as(t))
        const before = yield* writes(t)
        const error = yield* Effect.flip(
          AccessAdmin.addTeamMember(team.id, foreign).pipe(policyUse("teams:write"), as(t))
        )
        expect(error).toMatchObject({ _tag: "NotFound", resource: "user", id: foreign })
        expect(yield* writes(t)).toEqual(before)
      })
    )

    it.effect("issue 14: reads about a user who does not exist fail NotFound (roles, overrides, explain)", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-reads")
        const nobody = UserId.make(NodeCrypto.randomUUID())
        const refused = <A, E>(read: Effect.Effect<A, E, Access | CurrentTenant | CurrentActor>) =>
          Effect.flip(read.pipe(as(t)))
        for (const error of [
          yield* refused(AccessAdmin.listUserRoles(nobody).pipe(policyUse("roles:read"))),
          yield* refused(AccessAdmin.listUserOverrides(nobody).pipe(policyUse("roles:read"))),
          yield* refused(AccessAdmin.effectivePermissions(nobody).pipe(policyUse("roles:read"))),
          yield* refused(AccessAdmin.explain(nobody, "users:read").pipe(policyUse("roles:read")))
        ]) {
          expect(error).toMatchObject({ _tag: "NotFound", resource: "user" })
        }
      })
    )

    it.effect("issue 14: a role change by a user without a recent MFA fails Forbidden mfa:step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-stepup-none")
        const admin = yield* adminSession(t)
        const student = yield* newUser(t)
        const viewer = yield* roleId(t, "viewer")
        const before = yield* writes(t)
        const error = yield* Effect.flip(
          AccessAdmin.assignRole(student, viewer).pipe(policyUse("roles:write"), as(t, admin))
        )
        expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        expect(yield* writes(t)).toEqual(before)
      })
    )

    it.effect("issue 14: a role change by a user succeeds once an MFA verification is recorded on the session", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-stepup-done")
        const admin = yield* adminSession(t)
        const student = yield* newUser(t)
        const viewer = yield* roleId(t, "viewer")
        yield* recordStepUp(t, admin)
        const assigned = yield* AccessAdmin.assignRole(student, viewer).pipe(policyUse("roles:write"), as(t, admin))
        expect(assigned.role_name).toBe("viewer")
      })
    )

    it.effect("issue 14: a user actor without a session cannot pass step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-stepup-nosession")
        const admin = yield* adminSession(t)
        const sessionless: Actor = { kind: "user", id: admin.id }
        const error = yield* Effect.flip(
          AccessAdmin.createRole({ name: "clerk" }).pipe(policyUse("roles:write"), as(t, sessionless))
        )
        expect(error).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
      })
    )

    it.effect("issue 14: an API-key actor is not asked for step-up", () =>
      Effect.gen(function* () {
        const t = yield* onboard("rules-stepup-key")
        const student = yield* newUser(t)
        const auditor = yield* AccessAdmin.createRole({ name: "auditor", permissions: ["audit:read"] }).pipe(
          policyUse("roles:write"),
          as(t)
        )
        const key: Actor = { kind: "apiKey", id: "key-1", permissions: ["roles:write", "audit:read"] }
        const assigned = yield* AccessAdmin.assignRole(student, auditor.id).pipe(policyUse("roles:write"), as(t, key))
        expect(assigned.role_name).toBe("auditor")
      })
    )
  })
}
