/**
 * Token introspection (issue 19 §4, RFC 7662): a resource server holding an
 * API key scoped to `tokens:introspect` learns whether an access token of its
 * tenant is live; revoked, foreign, refresh and garbage tokens are
 * `{ active: false }` and nothing more.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

/** `POST …/oauth/introspect` with a form body, as RFC 7662 §2.1 sends it. */
const introspect = (slug: string, key: string, token: string) =>
  call("POST", `/api/v1/tenants/${slug}/oauth/introspect`, {
    auth: key,
    raw: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" }
  })

/** An API key of `slug` scoped to `permissions` (minted by the operator). */
const apiKey = (slug: string, permissions: ReadonlyArray<string>) =>
  Effect.map(
    call("POST", `/api/v1/tenants/${slug}/api-keys`, { body: { name: "resource-server", permissions } }),
    (r) => r.body.key as string
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `token introspection (RFC 7662) on ${dialect}`,
    (it) => {
      it.effect("a live access token is active, with its subject, tenant and expiry", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("ti-live")
          const key = yield* apiKey("ti-live", ["tokens:introspect"])
          const r = yield* introspect("ti-live", key, token)
          expect(r.status).toBe(200)
          expect(r.body.active).toBe(true)
          expect(r.body.token_type).toBe("access_token")
          expect(r.body.tenant_slug).toBe("ti-live")
          const me = yield* call("GET", "/api/v1/tenants/ti-live/me", { auth: token })
          expect(r.body.sub).toBe(me.body.id)
          expect(r.body.exp).toBeGreaterThan(Date.now() / 1000)
        })
      )

      it.effect("a token whose session was revoked (logout) is inactive", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("ti-revoked")
          const key = yield* apiKey("ti-revoked", ["tokens:introspect"])
          expect((yield* call("POST", "/api/v1/tenants/ti-revoked/auth/logout", { auth: token })).status).toBe(204)
          const r = yield* introspect("ti-revoked", key, token)
          expect(r.status).toBe(200)
          expect(r.body).toEqual({ active: false })
        })
      )

      it.effect("another tenant's live token is inactive at this tenant", () =>
        Effect.gen(function* () {
          yield* onboardTenant("ti-mine")
          const foreign = yield* onboardTenant("ti-theirs")
          const key = yield* apiKey("ti-mine", ["tokens:introspect"])
          expect((yield* introspect("ti-mine", key, foreign)).body).toEqual({ active: false })
        })
      )

      it.effect("a refresh token or garbage is inactive, not an error", () =>
        Effect.gen(function* () {
          yield* onboardTenant("ti-garbage")
          const key = yield* apiKey("ti-garbage", ["tokens:introspect"])
          const login = yield* call("POST", "/api/v1/tenants/ti-garbage/auth/login", {
            auth: false,
            body: { login: "admin@ti-garbage.example.edu", password: TEST_PASSWORD }
          })
          const refresh = login.body?.tokens?.refresh_token as string | undefined
          for (const token of [refresh ?? "opaque-refresh", "not.a.jwt", "x"]) {
            const r = yield* introspect("ti-garbage", key, token)
            expect(r.status).toBe(200)
            expect(r.body).toEqual({ active: false })
          }
        })
      )

      it.effect("a caller without tokens:introspect is refused with 403", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("ti-forbidden")
          const key = yield* apiKey("ti-forbidden", ["users:read"])
          expectProblem(yield* introspect("ti-forbidden", key, token), 403)
        })
      )

      it.effect("an unauthenticated caller is refused with 401", () =>
        Effect.gen(function* () {
          const token = yield* onboardTenant("ti-anon")
          const r = yield* Effect.flatMap(TestServer, (server) =>
            Effect.promise(() =>
              fetch(`${server.url}/api/v1/tenants/ti-anon/oauth/introspect`, {
                method: "POST",
                headers: { "content-type": "application/x-www-form-urlencoded" },
                body: new URLSearchParams({ token }).toString()
              })
            )
          )
          expect(r.status).toBe(401)
        })
      )

      it.effect("a missing token is a 400 problem", () =>
        Effect.gen(function* () {
          yield* onboardTenant("ti-empty")
          const key = yield* apiKey("ti-empty", ["tokens:introspect"])
          const r = yield* call("POST", "/api/v1/tenants/ti-empty/oauth/introspect", {
            auth: key,
            raw: "token_type_hint=access_token",
            headers: { "content-type": "application/x-www-form-urlencoded" }
          })
          expectProblem(r, 400)
        })
      )
    }
  )
}
