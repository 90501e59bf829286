/**
 * Issue 15 §4: a tenant's members reach its audit log, settings and profile
 * over REST with `audit:read`, `settings:read|write` and `tenants:read|write`
 * (core's `TenantAdmin`); the operator token keeps working; another tenant's
 * token answers 404.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const PASSWORD = "correct horse battery staple"

/** Onboards `slug`, adds a user of `user_type` with `role`, and returns that user's access token. */
const memberToken = (slug: string, user_type: string, role?: string) =>
  Effect.gen(function* () {
    const onboarded = yield* call("POST", "/api/v1/tenants", { body: { slug, name: slug } })
    expect(onboarded.status).toBe(201)
    const email = `${user_type}@${slug}.example.edu`
    const created = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
      body: { email, given_name: "M", family_name: "T", user_type, password: PASSWORD }
    })
    expect(created.status).toBe(201)
    if (role !== undefined) {
      const roles = (yield* call("GET", `/api/v1/tenants/${slug}/roles?limit=50`)).body.items as Array<{
        id: string
        name: string
      }>
      const assigned = yield* call("POST", `/api/v1/tenants/${slug}/users/${created.body.id}/roles`, {
        body: { role_id: roles.find((r) => r.name === role)!.id }
      })
      expect(assigned.status).toBeLessThan(300)
    }
    const login = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
      auth: false,
      body: { login: email, password: PASSWORD }
    })
    expect(login.status).toBe(200)
    return login.body.tokens.access_token as string
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `tenant administration over REST on ${dialect}`,
    (it) => {
      it.effect("a manager reads the audit log; a teacher gets 403 naming audit:read", () =>
        Effect.gen(function* () {
          const manager = yield* memberToken("rest-audit", "teacher", "manager")
          const page = yield* call("GET", "/api/v1/tenants/rest-audit/audit-logs?action=user.create", { auth: manager })
          expect(page.status).toBe(200)
          expect(page.body.items.length).toBeGreaterThan(0)
          const teacher = yield* memberToken("rest-audit-2", "teacher")
          const refused = yield* call("GET", "/api/v1/tenants/rest-audit-2/audit-logs", { auth: teacher })
          expectProblem(refused, 403)
          expect(refused.body.permission).toBe("audit:read")
        })
      )

      it.effect("a member reads its own tenant's settings but another tenant's answers 404", () =>
        Effect.gen(function* () {
          const manager = yield* memberToken("rest-settings", "teacher", "manager")
          const own = yield* call("GET", "/api/v1/tenants/rest-settings/settings", { auth: manager })
          expect(own.status).toBe(200)
          yield* call("POST", "/api/v1/tenants", { body: { slug: "rest-settings-other", name: "other" } })
          expectProblem(yield* call("GET", "/api/v1/tenants/rest-settings-other/settings", { auth: manager }), 404)
        })
      )

      it.effect("a manager's setting change is refused 403 and the operator's still works", () =>
        Effect.gen(function* () {
          const manager = yield* memberToken("rest-put", "teacher", "manager")
          const path = "/api/v1/tenants/rest-put/settings/auth.lockout_threshold"
          expectProblem(yield* call("PUT", path, { auth: manager, body: { value: 3 } }), 403)
          const put = yield* call("PUT", path, { body: { value: 3 } })
          expect(put.body.value).toBe(3)
        })
      )

      it.effect("a viewer reads its tenant's profile; tenant lifecycle stays the operator's", () =>
        Effect.gen(function* () {
          const viewer = yield* memberToken("rest-profile", "teacher", "viewer")
          const profile = yield* call("GET", "/api/v1/tenants/rest-profile", { auth: viewer })
          expect(profile.body.slug).toBe("rest-profile")
          expectProblem(yield* call("POST", "/api/v1/tenants/rest-profile/suspend", { auth: viewer }), 401)
        })
      )
    }
  )
}
