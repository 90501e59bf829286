/**
 * Fixtures of the in-process escalation suites (`escalation.test.ts`,
 * `escalation-roles.test.ts`): a tenant with its first admin and a manager
 * (`manager` role plus an `apikeys:write` allow), both signed in with a
 * recorded step-up, as the HTTP escalation suite sets them up.
 */
import * as NodeCrypto from "node:crypto"
import { AccessAdmin, type Actor, CreateUser, policyUse, UserAdmin, type UserId } from "@signet/core"
import { generateOneRoster } from "@signet/core/testing"
import { Effect, Option, Schema } from "effect"
import { strToU8, zipSync } from "fflate"
import {
  ADMIN_PASSWORD,
  adminSession,
  auditCount,
  inTenant,
  onboardWithAdmin,
  outboxCount,
  recordStepUp,
  steppedUpUser,
  type TenantRef
} from "./support.js"

/** The password of every user the fixtures create. */
export const PASSWORD = ADMIN_PASSWORD

/** A `CreateUser` of `user_type` for `<local>@<slug>.example.edu` (a fresh local part by default), with a password. */
export const newUserInput = (tenant: TenantRef, user_type: string, local: string = NodeCrypto.randomUUID()) =>
  Schema.decodeUnknownSync(CreateUser)({
    email: `${local}@${tenant.slug}.example.edu`,
    given_name: "N",
    family_name: "U",
    user_type,
    password: PASSWORD
  })

/** Creates a user of `user_type` as the operator; answers its id. */
export const newUser = (tenant: TenantRef, user_type: string, local?: string) =>
  UserAdmin.create(newUserInput(tenant, user_type, local)).pipe(
    policyUse("users:write"),
    Effect.map((u) => u.id),
    inTenant(tenant)
  )

/** The id of a role of `tenant` by name. */
export const roleId = (tenant: TenantRef, name: string) =>
  AccessAdmin.findRoleByName(name).pipe(
    policyUse("roles:read"),
    Effect.map((r) => Option.getOrThrow(r).id),
    inTenant(tenant)
  )

/** Audit rows of the tenant and outbox rows, to show that nothing was written. */
export const writes = (tenant: TenantRef) => Effect.all([auditCount(tenant), outboxCount()])

/** Users of `tenant` whose e-mail or name contains `q` (read by the operator). */
export const usersMatching = (tenant: TenantRef, q: string) =>
  UserAdmin.list({ q, limit: 100 }).pipe(
    policyUse("users:read"),
    Effect.map((page) => page.items),
    inTenant(tenant)
  )

/** The names of the roles assigned directly to `userId`, sorted (read by the operator). */
export const roleNamesOf = (tenant: TenantRef, userId: UserId) =>
  AccessAdmin.listUserRoles(userId).pipe(
    policyUse("roles:read"),
    Effect.map((roles) => roles.map((r) => r.role_name).sort()),
    inTenant(tenant)
  )

/** The tenant's signed-in actors, as the HTTP escalation suite's `setup` makes them. */
export interface Fixture {
  readonly tenant: TenantRef
  /** The first admin (`admin` role, `*:*`), on a session with a recent step-up. */
  readonly admin: Actor
  /** A teacher given the `manager` role and an `apikeys:write` allow, on a session with a recent step-up. */
  readonly manager: Actor
  readonly managerId: UserId
}

/**
 * Onboards `slug` with its first admin and makes a manager (a teacher with
 * the `manager` role and an `apikeys:write` allow override), both signed in
 * with a recorded step-up: what these tests look at is what each one holds.
 */
export const setup = (slug: string) =>
  Effect.gen(function* () {
    const tenant = yield* onboardWithAdmin(slug)
    const managerId = yield* newUser(tenant, "teacher", "mgr")
    yield* AccessAdmin.assignRole(managerId, yield* roleId(tenant, "manager")).pipe(
      policyUse("roles:write"),
      inTenant(tenant)
    )
    yield* AccessAdmin.setUserOverride(managerId, "apikeys:write", "allow").pipe(
      policyUse("roles:write"),
      inTenant(tenant)
    )
    const manager = yield* steppedUpUser(tenant, `mgr@${slug}.example.edu`, PASSWORD)
    const admin = yield* adminSession(tenant)
    yield* recordStepUp(tenant, admin)
    return { tenant, admin, manager, managerId } satisfies Fixture
  })

/** A OneRoster administrator row (`adm-1`, pat.principal@example.edu) for `users.csv`. */
const ADMIN_ROW =
  "adm-1,active,2025-08-01T00:00:00.000Z,true,org-1,administrator,pat.principal,{LDAP:adm-1},Pat,Principal,,A000001,pat.principal@example.edu,,,,,"

/** `users.csv` with the administrator row appended. */
export const withAdministrator = (users: string) => `${users.trimEnd()}\r\n${ADMIN_ROW}\r\n`

/** `users.csv` with the teacher `tch-1` retyped into an administrator. */
export const promoteTeacher = (users: string) =>
  users
    .split("\r\n")
    .map((line) => (line.startsWith("tch-1,") ? line.replace(",teacher,", ",administrator,") : line))
    .join("\r\n")

/** A generated OneRoster set (one school, one teacher `tch-1`, three students, all @example.edu), `users.csv` edited, zipped. */
export const rosterZip = (edit: (users: string) => string = (u) => u) => {
  const files = new Map(
    generateOneRoster({ seed: 5, schools: 1, students: 3, teachers: 1, classes: 1, enrollmentsPerStudent: 1 })
  )
  files.set("users.csv", edit(files.get("users.csv")!))
  return zipSync(Object.fromEntries([...files].map(([k, v]) => [k, strToU8(v)])))
}
