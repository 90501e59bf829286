/**
 * Issue 15 §4 "Authorization gaps" over HTTP: the rules live in core
 * (`packages/core/test/identity-authz.test.ts` tests each in process); these
 * tests show that the REST surface answers them as problem+json.
 */
import { expect, layer } from "@effect/vitest"
import { UserId } from "@signet/core"
import { generateOneRoster, testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { strToU8, zipSync } from "fflate"
import { generate } from "otplib"

const PASSWORD = "correct horse battery staple"

/** Onboards `slug` with its first admin (`admin@<slug>.example.edu`). */
const onboard = (slug: string) =>
  Effect.map(
    call("POST", "/api/v1/tenants", {
      body: {
        slug,
        name: slug,
        admin: { email: `admin@${slug}.example.edu`, password: PASSWORD, given_name: "Ada", family_name: "Admin" }
      }
    }),
    (r) => {
      expect(r.status).toBe(201)
      return r.body as { id: string }
    }
  )

/** Logs `email` in with a password only (no MFA on the session). */
const login = (slug: string, email: string) =>
  Effect.map(
    call("POST", `/api/v1/tenants/${slug}/auth/login`, { auth: false, body: { login: email, password: PASSWORD } }),
    (r) => {
      if (r.status !== 200) throw new Error(r.text)
      return r.body.tokens as { access_token: string; session_id: string; user: { id: string } }
    }
  )

/** A generated OneRoster set (one school, one teacher, three students) plus an administrator, zipped. */
const rosterWithAdministrator = () => {
  const files = new Map(
    generateOneRoster({ seed: 7, schools: 1, students: 3, teachers: 1, classes: 1, enrollmentsPerStudent: 1 })
  )
  const admin =
    "adm-1,active,2025-08-01T00:00:00.000Z,true,org-1,administrator,pat.principal,{LDAP:adm-1},Pat,Principal,,A000001,pat.principal@example.edu,,,,,"
  files.set("users.csv", `${files.get("users.csv")!.trimEnd()}\r\n${admin}\r\n`)
  return zipSync(Object.fromEntries([...files].map(([k, v]) => [k, strToU8(v)])))
}

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Authorization gaps over HTTP (issue 15 §4) on ${dialect}`,
    (it) => {
      it.effect("issue 15 §4: an admin without a recent MFA importing a roster with an administrator is a 403", () =>
        Effect.gen(function* () {
          const slug = "authz-http-roster"
          yield* onboard(slug)
          const admin = yield* login(slug, `admin@${slug}.example.edu`)
          const server = yield* TestServer
          const res = yield* Effect.promise(() =>
            fetch(`${server.url}/api/v1/tenants/${slug}/roster/imports`, {
              method: "POST",
              headers: { authorization: `Bearer ${admin.access_token}`, "content-type": "application/zip" },
              body: rosterWithAdministrator()
            })
          )
          expect(res.status).toBe(403)
          expect(((yield* Effect.promise(() => res.json())) as { permission: string }).permission).toBe("mfa:step-up")
          const users = (yield* call("GET", `/api/v1/tenants/${slug}/users?limit=50`)).body.items as Array<{
            email: string
          }>
          expect(users.map((u) => u.email)).toEqual([`admin@${slug}.example.edu`])
        })
      )

      it.effect(
        "issue 15 §4: an admin without a recent MFA minting an API key is a 403 mfa:step-up; nothing minted",
        () =>
          Effect.gen(function* () {
            const slug = "authz-http-key"
            yield* onboard(slug)
            const admin = yield* login(slug, `admin@${slug}.example.edu`)
            const refused = expectProblem(
              yield* call("POST", `/api/v1/tenants/${slug}/api-keys`, {
                auth: admin.access_token,
                body: { name: "everything", permissions: ["*:*"] }
              }),
              403
            )
            expect(refused.permission).toBe("mfa:step-up")
            expect((yield* call("GET", `/api/v1/tenants/${slug}/api-keys`)).body).toEqual([])
          })
      )

      it.effect("issue 15 §4: an admin without a recent MFA creating an admin user is a 403 mfa:step-up", () =>
        Effect.gen(function* () {
          const slug = "authz-http-admin"
          yield* onboard(slug)
          const admin = yield* login(slug, `admin@${slug}.example.edu`)
          const refused = expectProblem(
            yield* call("POST", `/api/v1/tenants/${slug}/users`, {
              auth: admin.access_token,
              body: { email: `second@${slug}.example.edu`, given_name: "S", family_name: "A", user_type: "admin" }
            }),
            403
          )
          expect(refused.permission).toBe("mfa:step-up")
          const found = yield* call("GET", `/api/v1/tenants/${slug}/users?q=second`)
          expect(found.body.items).toEqual([])
        })
      )

      it.effect(
        "issue 15 §4: MFA enrolment without the password is a 400, with a wrong one a 403; the right one enrols",
        () =>
          Effect.gen(function* () {
            const slug = "authz-http-enrol"
            yield* onboard(slug)
            const admin = yield* login(slug, `admin@${slug}.example.edu`)
            const enrol = (body?: unknown) =>
              call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
                auth: admin.access_token,
                ...(body === undefined ? {} : { body })
              })
            expectProblem(yield* enrol(), 400)
            expect(expectProblem(yield* enrol({ password: "not the password" }), 403).code).toBe("Forbidden")
            const ok = yield* enrol({ password: PASSWORD })
            expect(ok.status).toBe(200)
            expect(ok.body.otpauth_uri).toMatch(/^otpauth:/)
          })
      )

      it.effect("issue 15 §4: DELETE …/users/{id}/mfa turns a user's MFA off and ends their sessions", () =>
        Effect.gen(function* () {
          const slug = "authz-http-reset"
          yield* onboard(slug)
          const email = `t@${slug}.example.edu`
          const created = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
            body: { email, given_name: "T", family_name: "E", user_type: "teacher", password: PASSWORD }
          })
          expect(created.status).toBe(201)
          const teacher = yield* login(slug, email)
          const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
            auth: teacher.access_token,
            body: { password: PASSWORD }
          })
          const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret }))
          const confirmed = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, {
            auth: teacher.access_token,
            body: { code }
          })
          expect(confirmed.status).toBe(200)

          const reset = yield* call("DELETE", `/api/v1/tenants/${slug}/users/${created.body.id}/mfa`)
          expect(reset.status).toBe(200)
          expect(reset.body).toEqual({ user_id: created.body.id, sessions_revoked: 1 })
          expect((yield* call("GET", `/api/v1/tenants/${slug}/users/${created.body.id}`)).body.mfa_enabled).toBe(false)
          expectProblem(yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: teacher.access_token }), 401)
          // The next password login is complete without a second step.
          const again = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
            auth: false,
            body: { login: email, password: PASSWORD }
          })
          expect(again.body.status).toBe("authenticated")
        })
      )

      it.effect("issue 15 §4: DELETE …/users/{id}/mfa by an admin without a recent MFA is a 403 mfa:step-up", () =>
        Effect.gen(function* () {
          const slug = "authz-http-reset-stepup"
          yield* onboard(slug)
          const admin = yield* login(slug, `admin@${slug}.example.edu`)
          const refused = expectProblem(
            yield* call("DELETE", `/api/v1/tenants/${slug}/users/${admin.user.id}/mfa`, { auth: admin.access_token }),
            403
          )
          expect(refused.permission).toBe("mfa:step-up")
        })
      )

      it.effect(
        "issue 15 §4: creating a user whose school_id names no school of the tenant is a 400 naming school_id",
        () =>
          Effect.gen(function* () {
            const slug = "authz-http-school"
            yield* onboard(slug)
            const refused = expectProblem(
              yield* call("POST", `/api/v1/tenants/${slug}/users`, {
                body: {
                  email: `t@${slug}.example.edu`,
                  given_name: "T",
                  family_name: "S",
                  user_type: "teacher",
                  school_id: "0193a1b2-0000-7000-8000-000000000000"
                }
              }),
              400
            )
            expect(refused.issues.map((i: { field: string }) => i.field)).toEqual(["school_id"])
            expect((yield* call("GET", `/api/v1/tenants/${slug}/users?q=t@`)).body.items).toEqual([])
          })
      )

      it.effect(
        "issue 15 §4: a teacher reading a student over HTTP gets no device identifiers; the operator does",
        () =>
          Effect.gen(function* () {
            const slug = "authz-http-devices"
            yield* onboard(slug)
            const create = (local: string, user_type: string, extra: Record<string, unknown> = {}) =>
              Effect.map(
                call("POST", `/api/v1/tenants/${slug}/users`, {
                  body: {
                    email: `${local}@${slug}.example.edu`,
                    given_name: "N",
                    family_name: "U",
                    user_type,
                    ...extra
                  }
                }),
                (r) => {
                  expect(r.status).toBe(201)
                  return r.body.id as string
                }
              )
            const student = yield* create("stu", "student", { devices: ["nfc:04a2b3c4"] })
            yield* create("tea", "teacher", { password: PASSWORD })
            const teacher = yield* login(slug, `tea@${slug}.example.edu`)
            const seen = yield* call("GET", `/api/v1/tenants/${slug}/users/${student}`, { auth: teacher.access_token })
            expect(seen.status).toBe(200)
            expect(seen.body).toMatchObject({ devices: [], devices_hidden: true })
            const listed = yield* call("GET", `/api/v1/tenants/${slug}/users?user_type=student`, {
              auth: teacher.access_token
            })
            expect(listed.text).not.toContain("04a2b3c4")
            const managed = yield* call("GET", `/api/v1/tenants/${slug}/users/${student}`)
            expect(managed.body.devices).toEqual(["nfc:04a2b3c4"])
            expect(managed.body).not.toHaveProperty("devices_hidden")
          })
      )

      it.scoped("issue 15 §4: RPC ResetUserMfa resets a user's MFA; an unknown user is UserNotFound", () =>
        Effect.gen(function* () {
          const slug = "authz-rpc-reset"
          yield* onboard(slug)
          const admin = yield* login(slug, `admin@${slug}.example.edu`)
          const server = yield* TestServer
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: server.token, tenant: slug })
          const reset = yield* rpc.ResetUserMfa({ user_id: UserId.make(admin.user.id) })
          expect(reset).toMatchObject({ user_id: admin.user.id, sessions_revoked: 1 })
          const missing = yield* Effect.flip(
            rpc.ResetUserMfa({ user_id: UserId.make("01a1fd1e-8c00-7180-8656-000000000000") })
          )
          expect(missing._tag).toBe("UserNotFound")
        })
      )
    }
  )

  layer(testServer(dialect, {}, { SIGNET_RATE_LOGIN_ACCOUNT: "3/60" }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`MFA enrolment and the login limit (issue 15 §4) on ${dialect}`, (it) => {
    it.effect(
      "issue 15 §4: wrong enrolment passwords count in the account's login budget: the 4th try is a 429, login too",
      () =>
        Effect.gen(function* () {
          const slug = "authz-http-enrol-limit"
          yield* onboard(slug)
          // The login itself spends one attempt of the account's budget (3 per minute).
          const admin = yield* login(slug, `admin@${slug}.example.edu`)
          const enrol = (password: string) =>
            call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, { auth: admin.access_token, body: { password } })
          expectProblem(yield* enrol("wrong guess one"), 403)
          expectProblem(yield* enrol("wrong guess two"), 403)
          const limited = yield* enrol(PASSWORD)
          expect(expectProblem(limited, 429).code).toBe("RateLimited")
          const loginLimited = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
            auth: false,
            body: { login: `admin@${slug}.example.edu`, password: PASSWORD }
          })
          expectProblem(loginLimited, 429)
        })
    )
  })
}
