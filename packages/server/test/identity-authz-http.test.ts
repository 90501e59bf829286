/**
 * Issue 15 §4 "Authorization gaps" over HTTP: the rules live in core
 * (`packages/core/test/identity-authz.test.ts` tests each in process); these
 * tests show that the REST surface answers them as problem+json.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect } from "effect"

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

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Authorization gaps over HTTP (issue 15 §4) on ${dialect}`,
    (it) => {
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
    }
  )
}
