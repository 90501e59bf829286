/**
 * No privilege escalation through administration (ARCHITECTURE §3 "RBAC"):
 * nobody can grant, directly or indirectly, a permission they do not hold
 * themselves. Regression tests of the escalation paths found in review:
 *
 * 1. API keys: `apikeys:write` alone minted a `*:*` key (the scope is now
 *    checked against the creator; unknown permission names are a 400).
 * 2. Users: `users:write` alone created an `admin` user, who gets the admin
 *    role (`*:*`) from the creation step (the type's default role must now
 *    be held by the creator).
 * 3. Roster import: `academics:write` alone created (or retyped a user into)
 *    an administrator through a OneRoster file (now refused unless `*:*`).
 * 4. Teams: `teams:write` alone added a member (oneself) to a team holding
 *    the admin role (the team's roles must now be held by the caller).
 * 5. Password reset: `users:write` alone set an admin's password and could
 *    sign in as them (the target's permissions must now be held).
 * 6. Role administration: `roles:write` alone assigned the admin role (to
 *    oneself or a team), granted `*:*` to one's own role, or allowed oneself
 *    any permission by override (a role's permissions, each permission added
 *    to a role, an allow override and a lifted deny must now be held).
 *
 * Also: role listings are ordered by priority (highest first), then name.
 */
import { expect, layer } from "@effect/vitest"
import { generateOneRoster, testDialects } from "@signet/core/testing"
import { call, expectProblem, type JsonResponse, TestServer, testServer } from "@signet/server/testing"
import { Context, Effect, Layer } from "effect"
import { strToU8, zipSync } from "fflate"
import { generate } from "otplib"

const PASSWORD = "correct horse battery staple"

interface Tokens {
  readonly access_token: string
  readonly user: { readonly id: string }
}

/**
 * Logs `email` in with a second factor: enrols TOTP, then logs in again with a
 * recovery code, so the session carries a fresh MFA verification (step-up).
 */
const mfaLogin = (slug: string, email: string) =>
  Effect.gen(function* () {
    const base = `/api/v1/tenants/${slug}`
    const first = yield* call("POST", `${base}/auth/login`, { auth: false, body: { login: email, password: PASSWORD } })
    expect(first.status).toBe(200)
    const enrol = yield* call("POST", `${base}/me/mfa/totp`, {
      auth: first.body.tokens.access_token,
      body: { password: PASSWORD }
    })
    expect(enrol.status).toBe(200)
    const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret }))
    const confirmed = yield* call("POST", `${base}/me/mfa/totp/confirm`, {
      auth: first.body.tokens.access_token,
      body: { code }
    })
    expect(confirmed.body.recovery_codes).toHaveLength(10)
    const challenge = yield* call("POST", `${base}/auth/login`, {
      auth: false,
      body: { login: email, password: PASSWORD }
    })
    expect(challenge.body).toMatchObject({ status: "mfa_required" })
    const verified = yield* call("POST", `${base}/auth/mfa`, {
      auth: false,
      body: { mfa_token: challenge.body.mfa_token, recovery_code: confirmed.body.recovery_codes[0] }
    })
    expect(verified.status).toBe(200)
    return verified.body as Tokens
  })

/** Onboards `slug` with its first admin, and makes a manager (`manager` role, plus `apikeys:write`); both signed in with MFA. */
const setup = (slug: string) =>
  Effect.gen(function* () {
    const onboarded = yield* call("POST", "/api/v1/tenants", {
      body: {
        slug,
        name: slug,
        admin: { email: `admin@${slug}.example.edu`, password: PASSWORD, given_name: "Ada", family_name: "Admin" }
      }
    })
    expect(onboarded.status).toBe(201)
    // The operator (test token) sets the manager up: roles need no step-up for operators.
    const roles = (yield* call("GET", `/api/v1/tenants/${slug}/roles?limit=50`)).body.items as Array<{
      id: string
      name: string
    }>
    const roleId = (name: string) => roles.find((r) => r.name === name)!.id
    const created = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
      body: {
        email: `mgr@${slug}.example.edu`,
        given_name: "Max",
        family_name: "Manager",
        user_type: "teacher",
        password: PASSWORD
      }
    })
    expect(created.status).toBe(201)
    const managerId = created.body.id as string
    expect(
      (yield* call("POST", `/api/v1/tenants/${slug}/users/${managerId}/roles`, {
        body: { role_id: roleId("manager") }
      })).status
    ).toBe(200)
    expect(
      (yield* call("PUT", `/api/v1/tenants/${slug}/users/${managerId}/permissions/apikeys:write`, {
        body: { effect: "allow" }
      })).status
    ).toBe(200)
    // Both sign in with a second factor: creating administrators, minting keys and filling teams
    // that grant roles need a recent MFA (issue 15 §4); these tests are about what is held.
    const admin = yield* mfaLogin(slug, `admin@${slug}.example.edu`)
    const manager = yield* mfaLogin(slug, `mgr@${slug}.example.edu`)
    return { admin, manager, managerId, roleId }
  })

const newUser = (slug: string, local: string, user_type: string) => ({
  email: `${local}@${slug}.example.edu`,
  given_name: "N",
  family_name: "U",
  user_type,
  password: PASSWORD
})

/** Users whose e-mail contains `q` (as the operator). */
const usersMatching = (slug: string, q: string) =>
  Effect.map(
    call("GET", `/api/v1/tenants/${slug}/users?q=${encodeURIComponent(q)}`),
    (r) => r.body.items as Array<{ id: string; user_type: string }>
  )

const ADMIN_ROW =
  "adm-1,active,2025-08-01T00:00:00.000Z,true,org-1,administrator,pat.principal,{LDAP:adm-1},Pat,Principal,,A000001,pat.principal@example.edu,,,,,"

/** A generated OneRoster set (one school, one teacher `tch-1`, three students), optionally edited, zipped. */
const rosterZip = (edit: (users: string) => string = (u) => u) => {
  const files = new Map(
    generateOneRoster({
      seed: 5,
      schools: 1,
      students: 3,
      teachers: 1,
      classes: 1,
      enrollmentsPerStudent: 1
    })
  )
  files.set("users.csv", edit(files.get("users.csv")!))
  return zipSync(Object.fromEntries([...files].map(([k, v]) => [k, strToU8(v)])))
}

const withAdministrator = (users: string) => `${users.trimEnd()}\r\n${ADMIN_ROW}\r\n`

const upload = (slug: string, token: string, zip: Uint8Array, dryRun = false) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async () => {
      const res = await fetch(`${server.url}/api/v1/tenants/${slug}/roster/imports${dryRun ? "?dry_run=true" : ""}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
        body: zip
      })
      return { status: res.status, body: (await res.json()) as any }
    })
  )

/** Expects a 403 problem naming `permission`. */
const refused = (res: JsonResponse, permission: string) => {
  expect(expectProblem(res, 403).permission).toBe(permission)
}

/** The names of the roles assigned directly to `userId`, sorted (as the operator). */
const roleNames = (base: string, userId: string) =>
  Effect.map(call("GET", `${base}/users/${userId}/roles`), (r) => (r.body as Array<any>).map((x) => x.role_name).sort())

/** A new user `<local>@…` of `type` (as the operator) given the role `roleId` too; answers its id. */
const userWithRole = (base: string, local: string, type: string, roleId: string) =>
  Effect.gen(function* () {
    const slug = base.split("/").pop()!
    const created = yield* call("POST", `${base}/users`, { body: newUser(slug, local, type) })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect((yield* call("POST", `${base}/users/${id}/roles`, { body: { role_id: roleId } })).status).toBe(200)
    return id
  })

/**
 * The role-administration fixture: {@link setup}, plus a role administrator
 * without `*:*` made by the operator (no step-up for operators) — "ra", a
 * teacher with the `role-admin` role (priority 70: `roles:read`,
 * `roles:write`, `users:read`), signed in with MFA (role changes by a user
 * need a recent MFA) — and an empty team "Office". `as` calls the API as ra.
 */
class RoleAdminFixture extends Context.Tag("test/RoleAdminFixture")<
  RoleAdminFixture,
  {
    readonly base: string
    readonly managerId: string
    readonly roleId: (name: string) => string
    readonly roleAdminId: string
    readonly raId: string
    readonly teamId: string
    readonly as: (method: string, path: string, body?: unknown) => Effect.Effect<JsonResponse, never, TestServer>
  }
>() {
  static layer = (slug: string) =>
    Layer.effect(
      RoleAdminFixture,
      Effect.gen(function* () {
        const { managerId, roleId } = yield* setup(slug)
        const base = `/api/v1/tenants/${slug}`
        const roleAdmin = yield* call("POST", `${base}/roles`, {
          body: { name: "role-admin", priority: 70, permissions: ["roles:read", "roles:write", "users:read"] }
        })
        expect(roleAdmin.status).toBe(201)
        const roleAdminId = roleAdmin.body.id as string
        const created = yield* call("POST", `${base}/users`, { body: newUser(slug, "ra", "teacher") })
        expect(created.status).toBe(201)
        const raId = created.body.id as string
        expect((yield* call("POST", `${base}/users/${raId}/roles`, { body: { role_id: roleAdminId } })).status).toBe(
          200
        )
        const team = yield* call("POST", `${base}/teams`, { body: { name: "Office" } })
        expect(team.status).toBe(201)
        const ra = (yield* mfaLogin(slug, `ra@${slug}.example.edu`)).access_token
        const as = (method: string, path: string, body?: unknown) =>
          call(method, `${base}${path}`, body === undefined ? { auth: ra } : { auth: ra, body })
        return { base, managerId, roleId, roleAdminId, raId, teamId: team.body.id as string, as }
      })
    )
}

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `No privilege escalation over HTTP on ${dialect}`,
    (it) => {
      it.effect("API keys: a scope the creator does not hold is a 403, an unknown permission a 400", () =>
        Effect.gen(function* () {
          const slug = "esc-keys"
          const { admin, manager } = yield* setup(slug)
          const mint = (token: string, permissions: ReadonlyArray<string>) =>
            call("POST", `/api/v1/tenants/${slug}/api-keys`, {
              auth: token,
              body: { name: `key ${permissions.join(" ")}`, permissions }
            })
          // The manager holds apikeys:write but not *:*.
          const all = expectProblem(yield* mint(manager.access_token, ["*:*"]), 403)
          expect(all.permission).toBe("*:*")
          const rolesWrite = expectProblem(yield* mint(manager.access_token, ["users:read", "roles:write"]), 403)
          expect(rolesWrite.permission).toBe("roles:write")
          // A resource wildcard needs the whole resource: the manager has users:read and users:write, not users:delete.
          expect(expectProblem(yield* mint(manager.access_token, ["users:*"]), 403).permission).toBe("users:*")
          const unknown = expectProblem(yield* mint(manager.access_token, ["users:read", "reports:export"]), 400)
          expect(unknown.issues.map((i: any) => i.field)).toEqual(["permissions"])
          expectProblem(yield* mint(manager.access_token, ["nosuch:*"]), 400)
          // Nothing was minted by the refusals.
          expect((yield* call("GET", `/api/v1/tenants/${slug}/api-keys`)).body).toHaveLength(0)

          // Within the manager's permissions: allowed.
          const ok = yield* mint(manager.access_token, ["users:read", "academics:*", "apikeys:write"])
          expect(ok.status).toBe(201)
          expect(ok.body.api_key.permissions).toEqual(["academics:*", "apikeys:write", "users:read"])
          // A key mints keys within its own scope only.
          const key = ok.body.key as string
          expect(expectProblem(yield* mint(key, ["users:write"]), 403).permission).toBe("users:write")
          expect((yield* mint(key, ["academics:read"])).status).toBe(201)

          // The admin holds everything.
          expect((yield* mint(admin.access_token, ["*:*"])).status).toBe(201)
          expect((yield* mint(admin.access_token, ["roles:write", "users:*"])).status).toBe(201)
          expectProblem(yield* mint(admin.access_token, ["reports:export"]), 400)
        })
      )

      it.effect(
        "users: creating an admin or dev needs *:*, so does resetting an admin's password; managers still manage teachers and students",
        () =>
          Effect.gen(function* () {
            const slug = "esc-users"
            const { admin, manager, managerId } = yield* setup(slug)
            const create = (token: string, body: unknown) =>
              call("POST", `/api/v1/tenants/${slug}/users`, { auth: token, body })
            for (const type of ["admin", "dev"]) {
              const refused = expectProblem(yield* create(manager.access_token, newUser(slug, `m-${type}`, type)), 403)
              expect(refused.permission).toBe("*:*")
              expect(yield* usersMatching(slug, `m-${type}@`)).toHaveLength(0)
            }
            const teacher = yield* create(manager.access_token, newUser(slug, "m-teacher", "teacher"))
            expect(teacher.status).toBe(201)
            expect((yield* create(manager.access_token, newUser(slug, "m-student", "student"))).status).toBe(201)

            // Setting a password takes the account over: not for an account holding more than the caller.
            const reset = (token: string, userId: string) =>
              call("POST", `/api/v1/tenants/${slug}/users/${userId}/password`, {
                auth: token,
                body: { new_password: "a brand new passphrase 7" }
              })
            expect(expectProblem(yield* reset(manager.access_token, admin.user.id), 403).permission).toBe("*:*")
            expect((yield* reset(manager.access_token, teacher.body.id)).status).toBe(200)
            expect((yield* reset(admin.access_token, managerId)).status).toBe(200)

            const made = yield* create(admin.access_token, newUser(slug, "a-admin", "admin"))
            expect(made.status).toBe(201)
            const roles = yield* call("GET", `/api/v1/tenants/${slug}/users/${made.body.id}/roles`)
            expect(roles.body.map((r: any) => r.role_name)).toEqual(["admin"])
            expect((yield* create(admin.access_token, newUser(slug, "a-dev", "dev"))).status).toBe(201)
          })
      )

      it.effect("teams: adding a member needs every permission of the team's roles", () =>
        Effect.gen(function* () {
          const slug = "esc-teams"
          const { admin, manager, managerId, roleId } = yield* setup(slug)
          const team = (name: string, role: string) =>
            Effect.gen(function* () {
              const created = yield* call("POST", `/api/v1/tenants/${slug}/teams`, { body: { name } })
              expect(created.status).toBe(201)
              const id = created.body.id as string
              expect((yield* call("PUT", `/api/v1/tenants/${slug}/teams/${id}/roles/${roleId(role)}`)).status).toBe(200)
              return id
            })
          const ops = yield* team("Ops", "admin")
          const staff = yield* team("Staff", "teacher")
          const add = (token: string, teamId: string, userId: string) =>
            call("PUT", `/api/v1/tenants/${slug}/teams/${teamId}/members/${userId}`, { auth: token })

          // The manager (teams:*) cannot join the admin team, nor put anyone in it.
          const refused = expectProblem(yield* add(manager.access_token, ops, managerId), 403)
          expect(refused.permission).toBe("*:*")
          const teacher = (yield* call("POST", `/api/v1/tenants/${slug}/users`, {
            body: newUser(slug, "t1", "teacher")
          })).body
          expectProblem(yield* add(manager.access_token, ops, teacher.id), 403)
          expect((yield* call("GET", `/api/v1/tenants/${slug}/teams/${ops}/members`)).body.items).toHaveLength(0)
          const effective = yield* call("GET", `/api/v1/tenants/${slug}/users/${managerId}/effective-permissions`)
          expect(effective.body.allow).not.toContain("*:*")
          // A team whose roles the manager holds: allowed.
          expect((yield* add(manager.access_token, staff, teacher.id)).status).toBe(200)

          // The admin may.
          expect((yield* add(admin.access_token, ops, managerId)).status).toBe(200)
          const members = (yield* call("GET", `/api/v1/tenants/${slug}/teams/${ops}/members`)).body.items
          expect(members.map((m: any) => m.user_id)).toEqual([managerId])
        })
      )

      it.effect("roster import: the importer must hold the default role of every type imported, before any write", () =>
        Effect.gen(function* () {
          const slug = "esc-registrar"
          yield* setup(slug)
          // A student given academics:write may call the import, but does not hold the teacher role.
          const student = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
            body: newUser(slug, "reg", "student")
          })
          expect(student.status).toBe(201)
          expect(
            (yield* call("PUT", `/api/v1/tenants/${slug}/users/${student.body.id}/permissions/academics:write`, {
              body: { effect: "allow" }
            })).status
          ).toBe(200)
          const registrar = (yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
            auth: false,
            body: { login: `reg@${slug}.example.edu`, password: PASSWORD }
          })).body.tokens as Tokens
          for (const dryRun of [true, false]) {
            const refused = yield* upload(slug, registrar.access_token, rosterZip(), dryRun)
            expect(refused.status).toBe(403)
            expect(refused.body.detail).toContain('role "teacher"')
          }
          expect(yield* usersMatching(slug, "@example.edu")).toHaveLength(0)
          expect((yield* call("GET", `/api/v1/tenants/${slug}/schools`)).body.items).toHaveLength(0)
          // Given the teacher role too, the registrar holds both default roles of the file.
          const roles = (yield* call("GET", `/api/v1/tenants/${slug}/roles?limit=50`)).body.items as Array<{
            id: string
            name: string
          }>
          expect(
            (yield* call("POST", `/api/v1/tenants/${slug}/users/${student.body.id}/roles`, {
              body: { role_id: roles.find((r) => r.name === "teacher")!.id }
            })).status
          ).toBe(200)
          const done = yield* upload(slug, registrar.access_token, rosterZip())
          expect(done.status, JSON.stringify(done.body)).toBe(200)
          expect(done.body.users).toMatchObject({ created: 4 })
        })
      )

      it.effect("roster import: administrators need *:*, dry run or not; nothing is written when refused", () =>
        Effect.gen(function* () {
          const slug = "esc-roster"
          const { admin, manager } = yield* setup(slug)
          const withAdmin = rosterZip(withAdministrator)
          for (const dryRun of [true, false]) {
            const refused = yield* upload(slug, manager.access_token, withAdmin, dryRun)
            expect(refused.status).toBe(403)
            expect(refused.body.permission).toBe("*:*")
          }
          expect(yield* usersMatching(slug, "@example.edu")).toHaveLength(0) // the set's users are @example.edu
          expect((yield* call("GET", `/api/v1/tenants/${slug}/schools`)).body.items).toHaveLength(0)

          // Without administrators the manager imports; retyping the teacher into an administrator is refused.
          const plain = yield* upload(slug, manager.access_token, rosterZip())
          expect(plain.status).toBe(200)
          expect(plain.body.users).toMatchObject({ created: 4 })
          const promoted = rosterZip((u) =>
            u
              .split("\r\n")
              .map((line) => (line.startsWith("tch-1,") ? line.replace(",teacher,", ",administrator,") : line))
              .join("\r\n")
          )
          const retype = yield* upload(slug, manager.access_token, promoted)
          expect(retype.status).toBe(403)
          const teachers = (yield* call("GET", `/api/v1/tenants/${slug}/users?user_type=teacher&limit=50`)).body.items
          expect(teachers.filter((t: any) => t.email.endsWith("@example.edu"))).toHaveLength(1)
          expect(
            (yield* call("GET", `/api/v1/tenants/${slug}/users?user_type=admin&limit=50`)).body.items
          ).toHaveLength(
            1 // the onboarding admin only
          )

          // The admin imports the administrator.
          const done = yield* upload(slug, admin.access_token, withAdmin)
          expect(done.status).toBe(200)
          expect(done.body.users).toMatchObject({ created: 1 })
          const [pat] = yield* usersMatching(slug, "pat.principal")
          expect(pat).toMatchObject({ user_type: "admin" })
        })
      )

      // Role administration: one role administrator (set up once), one rule per case. The refusals
      // come first and each checks that nothing was written; the allowed cases work on objects of
      // their own, so that a failure in one does not hide the others.
      it.layer(RoleAdminFixture.layer("esc-roles"), { timeout: 120_000 })("role administration", (it) => {
        it.effect("ra cannot assign the admin role, to oneself or anyone: 403 naming *:*; no role assigned", () =>
          Effect.gen(function* () {
            const { as, base, managerId, raId, roleId } = yield* RoleAdminFixture
            refused(yield* as("POST", `/users/${raId}/roles`, { role_id: roleId("admin") }), "*:*")
            refused(yield* as("POST", `/users/${managerId}/roles`, { role_id: roleId("admin") }), "*:*")
            expect(yield* roleNames(base, raId)).toEqual(["role-admin", "teacher"])
            expect(yield* roleNames(base, managerId)).toEqual(["manager", "teacher"])
            const effective = yield* call("GET", `${base}/users/${raId}/effective-permissions`)
            expect(effective.body.allow).not.toContain("*:*")
          })
        )

        it.effect("ra cannot assign the manager role: 403 naming the first of its permissions (by name) ra lacks", () =>
          Effect.gen(function* () {
            const { as, base, raId, roleId } = yield* RoleAdminFixture
            refused(yield* as("POST", `/users/${raId}/roles`, { role_id: roleId("manager") }), "academics:*")
            expect(yield* roleNames(base, raId)).toEqual(["role-admin", "teacher"])
          })
        )

        it.effect("ra cannot put a permission ra lacks in a role: by grant, replacement or creation", () =>
          Effect.gen(function* () {
            const { as, base, roleAdminId } = yield* RoleAdminFixture
            refused(yield* as("POST", `/roles/${roleAdminId}/permissions`, { permission: "*:*" }), "*:*")
            refused(
              yield* as("PUT", `/roles/${roleAdminId}/permissions`, {
                permissions: ["roles:read", "roles:write", "users:read", "users:delete"]
              }),
              "users:delete"
            )
            refused(
              yield* as("POST", "/roles", { name: "sneaky", permissions: ["users:read", "users:delete"] }),
              "users:delete"
            )
            expect((yield* call("GET", `${base}/roles/${roleAdminId}`)).body.permissions).toEqual([
              "roles:read",
              "roles:write",
              "users:read"
            ])
            const found = yield* call("GET", `${base}/roles?limit=50`)
            expect(found.body.items.map((r: any) => r.name)).not.toContain("sneaky")
          })
        )

        it.effect("ra cannot allow by override a permission ra lacks, to oneself or anyone; no override written", () =>
          Effect.gen(function* () {
            const { as, base, managerId, raId } = yield* RoleAdminFixture
            refused(yield* as("PUT", `/users/${raId}/permissions/users:delete`, { effect: "allow" }), "users:delete")
            refused(yield* as("PUT", `/users/${managerId}/permissions/*:*`, { effect: "allow" }), "*:*")
            expect((yield* call("GET", `${base}/users/${raId}/permissions`)).body).toEqual([])
            expect((yield* call("GET", `${base}/users/${managerId}/permissions`)).body).toMatchObject([
              { permission: "apikeys:write", effect: "allow" }
            ])
          })
        )

        it.effect("ra cannot give a team the admin role: 403 naming *:*; the team keeps no role", () =>
          Effect.gen(function* () {
            const { as, base, roleId, teamId } = yield* RoleAdminFixture
            refused(yield* as("PUT", `/teams/${teamId}/roles/${roleId("admin")}`), "*:*")
            expect((yield* call("GET", `${base}/teams/${teamId}`)).body.roles).toEqual([])
          })
        )

        it.effect("ra cannot lift a deny of a permission ra lacks (it hands the permission back); the deny stays", () =>
          Effect.gen(function* () {
            const { as, base, roleId } = yield* RoleAdminFixture
            const target = yield* userWithRole(base, "lift", "teacher", roleId("manager"))
            expect(
              (yield* call("PUT", `${base}/users/${target}/permissions/users:delete`, { body: { effect: "deny" } }))
                .status
            ).toBe(200)
            refused(yield* as("DELETE", `/users/${target}/permissions/users:delete`), "users:delete")
            expect((yield* call("GET", `${base}/users/${target}/permissions`)).body).toMatchObject([
              { permission: "users:delete", effect: "deny" }
            ])
          })
        )

        it.effect("within what ra holds, a role is created, assigned, given to a team and granted more", () =>
          Effect.gen(function* () {
            const { as, base, roleId } = yield* RoleAdminFixture
            const target = yield* userWithRole(base, "within", "student", roleId("viewer"))
            const team = yield* call("POST", `${base}/teams`, { body: { name: "Readers" } })
            expect(team.status).toBe(201)
            const reader = yield* as("POST", "/roles", { name: "reader", priority: 10, permissions: ["users:read"] })
            expect(reader.status).toBe(201)
            const readerId = reader.body.id as string
            expect((yield* as("POST", `/users/${target}/roles`, { role_id: readerId })).status).toBe(200)
            expect((yield* as("PUT", `/teams/${team.body.id}/roles/${readerId}`)).status).toBe(200)
            expect((yield* as("POST", `/roles/${readerId}/permissions`, { permission: "academics:read" })).status).toBe(
              200
            )
            // The teacher role's permissions are ra's too (ra is a teacher).
            expect((yield* as("POST", `/users/${target}/roles`, { role_id: roleId("teacher") })).status).toBe(200)
            expect(yield* roleNames(base, target)).toEqual(["reader", "student", "teacher", "viewer"])
          })
        )

        it.effect(
          "within what ra holds, overrides are set: an allow of a held permission, any deny, a lifted deny",
          () =>
            Effect.gen(function* () {
              const { as, base, roleId } = yield* RoleAdminFixture
              const target = yield* userWithRole(base, "overrides", "teacher", roleId("viewer"))
              expect((yield* as("PUT", `/users/${target}/permissions/users:read`, { effect: "allow" })).status).toBe(
                200
              )
              expect((yield* as("PUT", `/users/${target}/permissions/users:delete`, { effect: "deny" })).status).toBe(
                200
              )
              expect(
                (yield* call("PUT", `${base}/users/${target}/permissions/teams:read`, { body: { effect: "deny" } }))
                  .status
              ).toBe(200)
              expect((yield* as("DELETE", `/users/${target}/permissions/teams:read`)).status).toBe(204)
              expect((yield* call("GET", `${base}/users/${target}/permissions`)).body).toMatchObject([
                { permission: "users:delete", effect: "deny" },
                { permission: "users:read", effect: "allow" }
              ])
            })
        )

        it.effect(
          "taking away needs nothing more: revoke, unassign, remove an allow override, withdraw a team role",
          () =>
            Effect.gen(function* () {
              const { as, base, roleId } = yield* RoleAdminFixture
              // Set up by the operator: nothing of it is ra's to give.
              const target = yield* userWithRole(base, "take", "teacher", roleId("manager"))
              expect(
                (yield* call("PUT", `${base}/users/${target}/permissions/apikeys:write`, { body: { effect: "allow" } }))
                  .status
              ).toBe(200)
              const role = yield* call("POST", `${base}/roles`, {
                body: { name: "archivist", priority: 10, permissions: ["users:read", "audit:read"] }
              })
              expect(role.status).toBe(201)
              const team = yield* call("POST", `${base}/teams`, { body: { name: "Archive" } })
              expect((yield* call("PUT", `${base}/teams/${team.body.id}/roles/${role.body.id}`)).status).toBe(200)

              expect((yield* as("DELETE", `/roles/${role.body.id}/permissions/audit:read`)).status).toBe(200)
              expect((yield* as("DELETE", `/users/${target}/roles/${roleId("manager")}`)).status).toBe(204)
              expect((yield* as("DELETE", `/users/${target}/permissions/apikeys:write`)).status).toBe(204)
              expect((yield* as("DELETE", `/teams/${team.body.id}/roles/${role.body.id}`)).status).toBe(200)
              expect(yield* roleNames(base, target)).toEqual(["teacher"])
              expect((yield* call("GET", `${base}/users/${target}/permissions`)).body).toEqual([])
              expect((yield* call("GET", `${base}/roles/${role.body.id}`)).body.permissions).toEqual(["users:read"])
              expect((yield* call("GET", `${base}/teams/${team.body.id}`)).body.roles).toEqual([])
            })
        )

        it.effect("the operator still may do what ra may not: grant *:* to a role, give a team the admin role", () =>
          Effect.gen(function* () {
            const { base, roleId } = yield* RoleAdminFixture
            const role = yield* call("POST", `${base}/roles`, { body: { name: "deputy", priority: 65 } })
            expect(role.status).toBe(201)
            expect(
              (yield* call("POST", `${base}/roles/${role.body.id}/permissions`, { body: { permission: "*:*" } })).status
            ).toBe(200)
            const team = yield* call("POST", `${base}/teams`, { body: { name: "Board" } })
            expect((yield* call("PUT", `${base}/teams/${team.body.id}/roles/${roleId("admin")}`)).status).toBe(200)
          })
        )
      })

      it.effect("role listings: highest priority first, then name, across pages", () =>
        Effect.gen(function* () {
          const slug = "esc-order"
          yield* setup(slug)
          expect(
            (yield* call("POST", `/api/v1/tenants/${slug}/roles`, { body: { name: "auditor", priority: 60 } })).status
          ).toBe(201)
          const expected = ["admin", "manager", "auditor", "teacher", "user", "student", "viewer"]
          const all = (yield* call("GET", `/api/v1/tenants/${slug}/roles?limit=50`)).body
          expect(all.items.map((r: any) => r.name)).toEqual(expected)
          expect(all.next_cursor).toBeNull()
          const names: Array<string> = []
          let cursor: string | null = null
          do {
            const page: any = (yield* call(
              "GET",
              `/api/v1/tenants/${slug}/roles?limit=3${cursor ? `&cursor=${cursor}` : ""}`
            )).body
            names.push(...page.items.map((r: any) => r.name))
            cursor = page.next_cursor
          } while (cursor)
          expect(names).toEqual(expected)
          expectProblem(yield* call("GET", `/api/v1/tenants/${slug}/roles?cursor=bm90IGEgY3Vyc29y`), 400)
        })
      )
    }
  )
}
