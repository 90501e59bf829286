import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import * as Jose from "jose"

const PASSWORD = "correct horse battery staple"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(`RBAC over HTTP on ${dialect}`, (it) => {
    it.effect("default roles, role claims, grants, deny overrides, explain, step-up for role changes", () =>
      Effect.gen(function* () {
        yield* call("POST", "/api/v1/tenants", {
          body: {
            slug: "rbac-school",
            name: "RBAC",
            admin: { email: "admin@rbac.example.edu", password: PASSWORD, given_name: "A", family_name: "D" }
          }
        })
        const login = (email: string, password = PASSWORD) =>
          Effect.map(
            call("POST", "/api/v1/tenants/rbac-school/auth/login", { auth: false, body: { login: email, password } }),
            (r) => r.body.tokens as { access_token: string; user: { id: string } }
          )
        const admin = yield* login("admin@rbac.example.edu")
        expect(Jose.decodeJwt(admin.access_token).roles).toEqual(["admin"])
        const roles = (yield* call("GET", "/api/v1/tenants/rbac-school/roles?limit=50", { auth: admin.access_token }))
          .body
        expect(roles.items.map((r: any) => r.name).sort()).toEqual([
          "admin",
          "manager",
          "student",
          "teacher",
          "user",
          "viewer"
        ])

        // A new user gets the default role of their type; teachers cannot create users.
        const teacher = (yield* call("POST", "/api/v1/tenants/rbac-school/users", {
          auth: admin.access_token,
          body: {
            email: "teach@rbac.example.edu",
            given_name: "T",
            family_name: "R",
            user_type: "teacher",
            password: PASSWORD
          }
        })).body
        const t1 = yield* login("teach@rbac.example.edu")
        expect(Jose.decodeJwt(t1.access_token).roles).toEqual(["teacher"])
        const newUser = { email: "x@rbac.example.edu", given_name: "X", family_name: "Y", user_type: "student" }
        expect(
          expectProblem(
            yield* call("POST", "/api/v1/tenants/rbac-school/users", { auth: t1.access_token, body: newUser }),
            403
          ).permission
        ).toBe("users:write")

        // Role changes by a user need step-up (this admin has no MFA): refused; the operator may.
        const registrar = yield* call("POST", "/api/v1/tenants/rbac-school/roles", {
          body: {
            name: "registrar",
            description: "manages users",
            priority: 50,
            permissions: ["users:read", "users:write"]
          }
        })
        expect(registrar.status).toBe(201)
        const stepUp = expectProblem(
          yield* call("POST", `/api/v1/tenants/rbac-school/users/${teacher.id}/roles`, {
            auth: admin.access_token,
            body: { role_id: registrar.body.id }
          }),
          403
        )
        expect(stepUp.permission).toBe("mfa:step-up")
        const assigned = yield* call("POST", `/api/v1/tenants/rbac-school/users/${teacher.id}/roles`, {
          body: { role_id: registrar.body.id }
        })
        expect(assigned.status).toBe(200)
        expect(
          (yield* call("POST", "/api/v1/tenants/rbac-school/users", { auth: t1.access_token, body: newUser })).status
        ).toBe(201)

        // An explicit deny override beats the role's allow; explain says so.
        yield* call("PUT", `/api/v1/tenants/rbac-school/users/${teacher.id}/permissions/users:write`, {
          body: { effect: "deny" }
        })
        expectProblem(
          yield* call("POST", "/api/v1/tenants/rbac-school/users", {
            auth: t1.access_token,
            body: { ...newUser, email: "z@rbac.example.edu" }
          }),
          403
        )
        const why = yield* call(
          "GET",
          `/api/v1/tenants/rbac-school/users/${teacher.id}/effective-permissions/users:write`,
          {
            auth: admin.access_token
          }
        )
        expect(why.body).toMatchObject({ allowed: false, decision: "deny" })
        // Another tenant's role id answers 404.
        expectProblem(yield* call("GET", "/api/v1/tenants/rbac-school/roles/01900000-0000-7000-8000-000000000001"), 404)
      })
    )
  })
}
