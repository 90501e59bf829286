/**
 * No privilege escalation through administration, in process (issue 14 §8):
 * the rules `server/test/escalation.test.ts` checks over HTTP, through the
 * public core facades (`UserAdmin`, `AccessAdmin`, `AcademicsAdmin`) with
 * the caller's permission discharged by `policyUse` as the server does, on
 * SQLite and Postgres. Nobody grants, directly or indirectly, a permission
 * they do not hold:
 *
 * - API key scopes must be held by the creator (a key's by the key);
 *   unknown permissions are a `ValidationError`;
 * - creating a user needs the default role of its type (`admin`/`dev`:
 *   `*:*`), and setting a password needs every permission the target holds;
 * - adding a team member needs every permission of the team's roles;
 * - a roster import needs the default role of every type it imports
 *   (administrators: `*:*`), checked before anything is written.
 *
 * Role administration (assignments, grants, overrides, team roles) is in
 * `escalation-roles.test.ts`.
 */
import { expect, layer } from "@effect/vitest"
import {
  AcademicsAdmin,
  AccessAdmin,
  type Actor,
  ApiKeys,
  CreateApiKey,
  policyUse,
  UserAdmin,
  UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted, Schema } from "effect"
import {
  newUser,
  newUserInput,
  promoteTeacher,
  roleId,
  roleNamesOf,
  rosterZip,
  setup,
  usersMatching,
  withAdministrator,
  writes
} from "./escalation-support.js"
import { inTenant as as, type TenantRef, testCore } from "./support.js"

const keyInput = (permissions: ReadonlyArray<string>) =>
  Schema.decodeUnknownSync(CreateApiKey)({ name: `key ${permissions.join(" ")}`, permissions })

/** Mints an API key with `permissions` in `tenant` as `actor`. */
const mint = (tenant: TenantRef, actor: Actor, permissions: ReadonlyArray<string>) =>
  UserAdmin.createApiKey(keyInput(permissions)).pipe(policyUse("apikeys:write"), as(tenant, actor))

/** The tenant's API keys (read by the operator). */
const apiKeys = (tenant: TenantRef) => UserAdmin.listApiKeys.pipe(policyUse("apikeys:read"), as(tenant))

/** Imports a OneRoster zip in `tenant` as `actor` (`academics:write`, as the server calls it). */
const importRoster = (tenant: TenantRef, actor: Actor, zip: Uint8Array, dryRun = false) =>
  AcademicsAdmin.importRosterZip(zip, { dryRun }).pipe(policyUse("academics:write"), as(tenant, actor))

/** The users and schools a roster import of `rosterZip` would have written (its users are @example.edu). */
const rosterWrites = (tenant: TenantRef) =>
  Effect.all([
    Effect.map(usersMatching(tenant, "@example.edu"), (users) => users.length),
    AcademicsAdmin.listSchools().pipe(
      policyUse("academics:read"),
      Effect.map((page) => page.items.length),
      as(tenant)
    )
  ])

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(
    `no privilege escalation in core (issue 14 §8) on ${dialect}`,
    (it) => {
      it.effect(
        "API keys: a scope the creator does not hold is Forbidden naming the pattern, and nothing is minted",
        () =>
          Effect.gen(function* () {
            const { manager, tenant } = yield* setup("cesc-keys-held")
            const before = yield* writes(tenant)
            for (const [scope, named] of [
              [["*:*"], "*:*"],
              [["users:read", "roles:write"], "roles:write"],
              // A resource wildcard needs the whole resource: the manager has users:read and users:write, not users:delete.
              [["users:*"], "users:*"]
            ] as const) {
              const error = yield* Effect.flip(mint(tenant, manager, scope))
              expect(error).toMatchObject({ _tag: "Forbidden", permission: named })
            }
            expect(yield* writes(tenant)).toEqual(before)
            expect(yield* apiKeys(tenant)).toHaveLength(0)
          })
      )

      it.effect("API keys: an unknown permission in a scope is a ValidationError on permissions, for anyone", () =>
        Effect.gen(function* () {
          const { admin, manager, tenant } = yield* setup("cesc-keys-unknown")
          for (const [actor, scope] of [
            [manager, ["users:read", "reports:export"]],
            [manager, ["nosuch:*"]],
            [admin, ["reports:export"]]
          ] as const) {
            const error = yield* Effect.flip(mint(tenant, actor, scope))
            expect(error._tag).toBe("ValidationError")
            if (error._tag !== "ValidationError") return
            expect(error.issues.map((i) => i.field)).toEqual(["permissions"])
          }
          expect(yield* apiKeys(tenant)).toHaveLength(0)
        })
      )

      it.effect("API keys: a scope within the creator's permissions is minted, sorted", () =>
        Effect.gen(function* () {
          const { manager, tenant } = yield* setup("cesc-keys-within")
          const created = yield* mint(tenant, manager, ["users:read", "academics:*", "apikeys:write"])
          expect(created.api_key.permissions).toEqual(["academics:*", "apikeys:write", "users:read"])
        })
      )

      it.effect("API keys: a key mints keys within its own scope only", () =>
        Effect.gen(function* () {
          const { manager, tenant } = yield* setup("cesc-keys-by-key")
          const created = yield* mint(tenant, manager, ["users:read", "academics:*", "apikeys:write"])
          const found = yield* ApiKeys.use((k) => k.authenticate(created.key)).pipe(as(tenant))
          const key: Actor = { kind: "apiKey", id: found.id, permissions: found.permissions }
          expect(yield* Effect.flip(mint(tenant, key, ["users:write"]))).toMatchObject({
            _tag: "Forbidden",
            permission: "users:write"
          })
          expect((yield* mint(tenant, key, ["academics:read"])).api_key.permissions).toEqual(["academics:read"])
        })
      )

      it.effect("API keys: the administrator mints any known scope, *:* included", () =>
        Effect.gen(function* () {
          const { admin, tenant } = yield* setup("cesc-keys-admin")
          expect((yield* mint(tenant, admin, ["*:*"])).api_key.permissions).toEqual(["*:*"])
          expect((yield* mint(tenant, admin, ["roles:write", "users:*"])).api_key.permissions).toEqual([
            "roles:write",
            "users:*"
          ])
        })
      )

      it.effect(
        "users: creating an admin or dev user without *:* is Forbidden naming *:*, and nothing is created",
        () =>
          Effect.gen(function* () {
            const { manager, tenant } = yield* setup("cesc-users-admin")
            const before = yield* writes(tenant)
            for (const type of ["admin", "dev"]) {
              const error = yield* Effect.flip(
                UserAdmin.create(newUserInput(tenant, type, `m-${type}`)).pipe(
                  policyUse("users:write"),
                  as(tenant, manager)
                )
              )
              expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
              expect(yield* usersMatching(tenant, `m-${type}@`)).toHaveLength(0)
            }
            expect(yield* writes(tenant)).toEqual(before)
          })
      )

      it.effect("users: a manager creates teachers and students", () =>
        Effect.gen(function* () {
          const { manager, tenant } = yield* setup("cesc-users-manager")
          for (const type of ["teacher", "student"]) {
            const made = yield* UserAdmin.create(newUserInput(tenant, type)).pipe(
              policyUse("users:write"),
              as(tenant, manager)
            )
            expect(made.user_type).toBe(type)
          }
        })
      )

      it.effect("users: the administrator creates admin and dev users; an admin user gets the admin role", () =>
        Effect.gen(function* () {
          const { admin, tenant } = yield* setup("cesc-users-by-admin")
          const made = yield* UserAdmin.create(newUserInput(tenant, "admin")).pipe(
            policyUse("users:write"),
            as(tenant, admin)
          )
          expect(yield* roleNamesOf(tenant, made.id)).toEqual(["admin"])
          const dev = yield* UserAdmin.create(newUserInput(tenant, "dev")).pipe(
            policyUse("users:write"),
            as(tenant, admin)
          )
          expect(dev.user_type).toBe("dev")
        })
      )

      it.effect("users: setting the password of an account holding more than the caller is Forbidden naming *:*", () =>
        Effect.gen(function* () {
          const { admin, manager, tenant } = yield* setup("cesc-password-held")
          const before = yield* writes(tenant)
          const error = yield* Effect.flip(
            UserAdmin.resetPassword(UserId.make(admin.id!), Redacted.make("a brand new passphrase 7")).pipe(
              policyUse("users:write"),
              as(tenant, manager)
            )
          )
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
          expect(yield* writes(tenant)).toEqual(before)
        })
      )

      it.effect("users: a manager sets a teacher's password; the administrator sets the manager's", () =>
        Effect.gen(function* () {
          const { admin, manager, managerId, tenant } = yield* setup("cesc-password-within")
          const teacher = yield* newUser(tenant, "teacher")
          const reset = (actor: Actor, userId: UserId) =>
            UserAdmin.resetPassword(userId, Redacted.make("a brand new passphrase 7")).pipe(
              policyUse("users:write"),
              as(tenant, actor)
            )
          yield* reset(manager, teacher)
          yield* reset(admin, managerId)
        })
      )

      it.effect(
        "teams: adding a member to a team whose roles the caller lacks is Forbidden naming *:*; nobody joins",
        () =>
          Effect.gen(function* () {
            const { manager, managerId, tenant } = yield* setup("cesc-teams-held")
            const ops = yield* AccessAdmin.createTeam({ name: "Ops" }).pipe(policyUse("teams:write"), as(tenant))
            yield* AccessAdmin.assignTeamRole(ops.id, yield* roleId(tenant, "admin")).pipe(
              policyUse("roles:write"),
              as(tenant)
            )
            const teacher = yield* newUser(tenant, "teacher")
            const before = yield* writes(tenant)
            // Neither oneself nor anyone else.
            for (const userId of [managerId, teacher]) {
              const error = yield* Effect.flip(
                AccessAdmin.addTeamMember(ops.id, userId).pipe(policyUse("teams:write"), as(tenant, manager))
              )
              expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
            }
            expect(yield* writes(tenant)).toEqual(before)
            const members = yield* AccessAdmin.listTeamMembers(ops.id).pipe(policyUse("teams:read"), as(tenant))
            expect(members.items).toEqual([])
            const effective = yield* AccessAdmin.effectivePermissions(managerId).pipe(
              policyUse("roles:read"),
              as(tenant)
            )
            expect(effective.allow).not.toContain("*:*")
          })
      )

      it.effect("teams: a team whose roles the caller holds takes members; the administrator adds to any team", () =>
        Effect.gen(function* () {
          const { admin, manager, managerId, tenant } = yield* setup("cesc-teams-within")
          const team = (name: string, role: string) =>
            Effect.gen(function* () {
              const created = yield* AccessAdmin.createTeam({ name }).pipe(policyUse("teams:write"), as(tenant))
              yield* AccessAdmin.assignTeamRole(created.id, yield* roleId(tenant, role)).pipe(
                policyUse("roles:write"),
                as(tenant)
              )
              return created.id
            })
          const staff = yield* team("Staff", "teacher")
          const ops = yield* team("Ops", "admin")
          const teacher = yield* newUser(tenant, "teacher")
          yield* AccessAdmin.addTeamMember(staff, teacher).pipe(policyUse("teams:write"), as(tenant, manager))
          yield* AccessAdmin.addTeamMember(ops, managerId).pipe(policyUse("teams:write"), as(tenant, admin))
          const members = yield* AccessAdmin.listTeamMembers(ops).pipe(policyUse("teams:read"), as(tenant))
          expect(members.items.map((m) => m.user_id)).toEqual([managerId])
        })
      )

      it.effect(
        "roster import: an importer without the default role of a type imported is refused before any write",
        () =>
          Effect.gen(function* () {
            const { tenant } = yield* setup("cesc-roster-types")
            // A student given academics:write may call the import, but does not hold the teacher role.
            const registrarId = yield* newUser(tenant, "student", "reg")
            yield* AccessAdmin.setUserOverride(registrarId, "academics:write", "allow").pipe(
              policyUse("roles:write"),
              as(tenant)
            )
            const registrar: Actor = { kind: "user", id: registrarId }
            const before = yield* writes(tenant)
            for (const dryRun of [true, false]) {
              const error = yield* Effect.flip(importRoster(tenant, registrar, rosterZip(), dryRun))
              expect(error._tag).toBe("Forbidden")
              expect(error.message).toContain('role "teacher"')
            }
            expect(yield* writes(tenant)).toEqual(before)
            expect(yield* rosterWrites(tenant)).toEqual([0, 0])
          })
      )

      it.effect("roster import: an importer holding the default role of every type imported imports", () =>
        Effect.gen(function* () {
          const { tenant } = yield* setup("cesc-roster-types-held")
          const registrarId = yield* newUser(tenant, "student", "reg")
          yield* AccessAdmin.setUserOverride(registrarId, "academics:write", "allow").pipe(
            policyUse("roles:write"),
            as(tenant)
          )
          yield* AccessAdmin.assignRole(registrarId, yield* roleId(tenant, "teacher")).pipe(
            policyUse("roles:write"),
            as(tenant)
          )
          const done = yield* importRoster(tenant, { kind: "user", id: registrarId }, rosterZip())
          expect(done.users).toMatchObject({ created: 4 })
        })
      )

      it.effect("roster import: an administrator in the file needs *:*, dry run or not; nothing is written", () =>
        Effect.gen(function* () {
          const { manager, tenant } = yield* setup("cesc-roster-admin")
          const before = yield* writes(tenant)
          for (const dryRun of [true, false]) {
            const error = yield* Effect.flip(importRoster(tenant, manager, rosterZip(withAdministrator), dryRun))
            expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
          }
          expect(yield* writes(tenant)).toEqual(before)
          expect(yield* rosterWrites(tenant)).toEqual([0, 0])
        })
      )

      it.effect("roster import: retyping an imported teacher into an administrator needs *:*", () =>
        Effect.gen(function* () {
          const { manager, tenant } = yield* setup("cesc-roster-retype")
          expect((yield* importRoster(tenant, manager, rosterZip())).users).toMatchObject({ created: 4 })
          const error = yield* Effect.flip(importRoster(tenant, manager, rosterZip(promoteTeacher)))
          expect(error).toMatchObject({ _tag: "Forbidden", permission: "*:*" })
          const imported = yield* usersMatching(tenant, "@example.edu")
          expect(imported.filter((u) => u.user_type === "teacher")).toHaveLength(1)
          expect(imported.filter((u) => u.user_type === "admin")).toHaveLength(0)
        })
      )

      it.effect("roster import: the administrator imports an administrator", () =>
        Effect.gen(function* () {
          const { admin, tenant } = yield* setup("cesc-roster-by-admin")
          const done = yield* importRoster(tenant, admin, rosterZip(withAdministrator))
          expect(done.users).toMatchObject({ created: 5 })
          const [pat] = yield* usersMatching(tenant, "pat.principal")
          expect(pat).toMatchObject({ user_type: "admin" })
        })
      )
    }
  )
}
