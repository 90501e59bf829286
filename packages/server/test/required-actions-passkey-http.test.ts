/**
 * Issue 18: the required action `configure_mfa` met with a passkey over
 * REST (`…/auth/actions/passkey/options`, `…/auth/actions/passkey`) and RPC
 * (`ActionPasskeyOptions`, `ActionPasskeyRegister`), answered by the
 * software authenticator of `@signet/core/testing`.
 */
import { expect, layer } from "@effect/vitest"
import { UserId, WebAuthnCredential } from "@signet/contracts/identity/Domain"
import { SoftwareAuthenticator, testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted, Schema } from "effect"

/** A student of `slug` with `configure_mfa` pending; answers their id and the login's action token. */
const pendingStudent = (slug: string, email: string) =>
  Effect.gen(function* () {
    const created = yield* call("POST", `/api/v1/tenants/${slug}/users`, {
      body: { email, given_name: "S", family_name: "T", user_type: "student", password: TEST_PASSWORD }
    })
    expect(created.status, created.text).toBe(201)
    const id = created.body.id as string
    const set = yield* call("PUT", `/api/v1/tenants/${slug}/users/${id}/required-actions`, {
      body: { actions: ["configure_mfa"] }
    })
    expect(set.status, set.text).toBe(200)
    const login = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
      auth: false,
      body: { login: email, password: TEST_PASSWORD }
    })
    expect(login.body).toMatchObject({ status: "actions_required", actions: ["configure_mfa"] })
    return { id, token: login.body.action_token as string }
  })

const options = (slug: string, token: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/actions/passkey/options`, { auth: false, body: { action_token: token } })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `configure_mfa with a passkey over HTTP on ${dialect}`,
    (it) => {
      it.effect("REST: options, registration, then the exchange answers tokens and the passkey is listed", () =>
        Effect.gen(function* () {
          const { url } = yield* TestServer
          const slug = "rapkh-ok"
          yield* onboardTenant(slug)
          const { id, token } = yield* pendingStudent(slug, "ok@rapkh.example.edu")
          const auth = new SoftwareAuthenticator()
          const started = yield* options(slug, token)
          expect(started.status, started.text).toBe(200)
          const done = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/passkey`, {
            auth: false,
            body: { action_token: token, credential: auth.register(started.body.options, url), name: "Phone" }
          })
          expect(done.status, done.text).toBe(200)
          expect(done.body.actions).toEqual([])
          const pair = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/complete`, {
            auth: false,
            body: { action_token: done.body.action_token }
          })
          expect(pair.status, pair.text).toBe(200)
          const listed = yield* call("GET", `/api/v1/tenants/${slug}/users/${id}/passkeys`)
          expect(listed.body.map((p: { name: string }) => p.name)).toEqual(["Phone"])
        })
      )

      it.effect("REST: a forged answer is a 400 problem and stores nothing; a bad token is a 401", () =>
        Effect.gen(function* () {
          const { url } = yield* TestServer
          const slug = "rapkh-bad"
          yield* onboardTenant(slug)
          const { id, token } = yield* pendingStudent(slug, "bad@rapkh.example.edu")
          const auth = new SoftwareAuthenticator()
          const started = yield* options(slug, token)
          const forged = auth.register(started.body.options, url, { origin: "https://evil.example" })
          const refused = yield* call("POST", `/api/v1/tenants/${slug}/auth/actions/passkey`, {
            auth: false,
            body: { action_token: token, credential: forged }
          })
          expectProblem(refused, 400)
          const listed = yield* call("GET", `/api/v1/tenants/${slug}/users/${id}/passkeys`)
          expect(listed.body).toEqual([])
          expectProblem(yield* options(slug, `${token}x`), 401)
        })
      )

      it.effect("RPC: ActionPasskeyOptions and ActionPasskeyRegister clear configure_mfa", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const slug = "rapkh-rpc"
          yield* onboardTenant(slug)
          const { id, token } = yield* pendingStudent(slug, "rpc@rapkh.example.edu")
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: server.token, tenant: slug })
          const auth = new SoftwareAuthenticator()
          const started = yield* rpc.ActionPasskeyOptions({ tenant: slug, action_token: token })
          const credential = Schema.decodeUnknownSync(WebAuthnCredential)(auth.register(started.options, server.url))
          const done = yield* rpc.ActionPasskeyRegister({ tenant: slug, request: { action_token: token, credential } })
          expect(done.actions).toEqual([])
          expect((yield* rpc.ListUserPasskeys({ user_id: UserId.make(id) })).length).toBe(1)
          const pair = yield* rpc.CompleteActions({ tenant: slug, action_token: done.action_token })
          expect(pair.user.id).toBe(id)
          // The admin-set configure_mfa now makes the passkey the second step of a password sign-in.
          const again = yield* rpc.Login({
            tenant: slug,
            request: { login: "rpc@rapkh.example.edu", password: Redacted.make(TEST_PASSWORD) }
          })
          expect(again.status).toBe("mfa_required")
        }).pipe(Effect.scoped)
      )
    }
  )
}
