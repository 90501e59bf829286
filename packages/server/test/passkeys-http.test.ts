/**
 * Passkeys over REST (issue 18 "Passkeys / WebAuthn"), answered by the
 * software authenticator of `@signet/core/testing` at the server's own
 * origin: registration, passwordless sign-in, the second login step,
 * step-up, and refusals as problem+json.
 */
import { expect, layer } from "@effect/vitest"
import { PasskeyId, UserId } from "@signet/contracts/identity/Domain"
import { SoftwareAuthenticator, testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

/** Registers a passkey for the holder of `token` through REST; answers the created passkey. */
const register = (slug: string, token: string, auth: SoftwareAuthenticator, origin: string) =>
  Effect.gen(function* () {
    const options = yield* call("POST", `/api/v1/tenants/${slug}/me/passkeys/options`, {
      auth: token,
      body: { password: TEST_PASSWORD }
    })
    expect(options.status).toBe(200)
    const created = yield* call("POST", `/api/v1/tenants/${slug}/me/passkeys`, {
      auth: token,
      body: { credential: auth.register(options.body.options, origin), name: "Laptop" }
    })
    expect(created.status).toBe(201)
    return created.body as { id: string; credential_id: string }
  })

/** Sign-in options answered by `auth` (`tamper.origin` to lie about the origin). */
const assertion = (slug: string, auth: SoftwareAuthenticator, origin: string, mfa_token?: string) =>
  Effect.gen(function* () {
    const options = yield* call("POST", `/api/v1/tenants/${slug}/auth/passkey/options`, {
      auth: false,
      body: mfa_token ? { mfa_token } : {}
    })
    expect(options.status).toBe(200)
    return auth.authenticate(options.body.options, origin)
  })

const signIn = (slug: string, body: Record<string, unknown>) =>
  call("POST", `/api/v1/tenants/${slug}/auth/passkey`, { auth: false, body })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `passkeys over HTTP on ${dialect}`,
    (it) => {
      it.effect("register, list, then sign in without a password; the replay is a 401 problem", () =>
        Effect.gen(function* () {
          const { url } = yield* TestServer
          const token = yield* onboardTenant("pkh-signin")
          const auth = new SoftwareAuthenticator()
          const passkey = yield* register("pkh-signin", token, auth, url)
          const listed = yield* call("GET", "/api/v1/tenants/pkh-signin/me/passkeys", { auth: token })
          expect(listed.body.map((p: { id: string }) => p.id)).toEqual([passkey.id])
          const credential = yield* assertion("pkh-signin", auth, url)
          const signedIn = yield* signIn("pkh-signin", { credential, device_label: "phone" })
          expect(signedIn.status).toBe(200)
          expect(signedIn.body.user.email).toBe("admin@pkh-signin.example.edu")
          expectProblem(yield* signIn("pkh-signin", { credential }), 401)
        })
      )

      it.effect("an assertion for another origin is a 401; a malformed credential a 400", () =>
        Effect.gen(function* () {
          const { url } = yield* TestServer
          const token = yield* onboardTenant("pkh-origin")
          const auth = new SoftwareAuthenticator()
          yield* register("pkh-origin", token, auth, url)
          const forged = yield* assertion("pkh-origin", auth, "https://evil.example")
          expectProblem(yield* signIn("pkh-origin", { credential: forged }), 401)
          const malformed = yield* signIn("pkh-origin", { credential: { id: "not base64url!", type: "public-key" } })
          expectProblem(malformed, 400)
        })
      )

      it.effect("the login's second step accepts a passkey; step-up too", () =>
        Effect.gen(function* () {
          const { url } = yield* TestServer
          const slug = "pkh-mfa"
          const token = yield* onboardTenant(slug)
          const auth = new SoftwareAuthenticator()
          yield* register(slug, token, auth, url)
          // Step-up with the passkey on the password session.
          const stepOptions = yield* call("POST", `/api/v1/tenants/${slug}/auth/step-up/passkey/options`, {
            auth: token
          })
          const stepped = yield* call("POST", `/api/v1/tenants/${slug}/auth/step-up/passkey`, {
            auth: token,
            body: { credential: auth.authenticate(stepOptions.body.options, url) }
          })
          expect(stepped.status).toBe(200)
          expect(typeof stepped.body.mfa_verified_at).toBe("string")
          // TOTP on: the password login asks for the second step; a passkey answers it.
          const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
            auth: token,
            body: { password: TEST_PASSWORD }
          })
          const { generate } = yield* Effect.promise(() => import("otplib"))
          const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret as string }))
          yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, { auth: token, body: { code } })
          const login = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
            auth: false,
            body: { login: `admin@${slug}.example.edu`, password: TEST_PASSWORD }
          })
          expect(login.body.status).toBe("mfa_required")
          const credential = yield* assertion(slug, auth, url, login.body.mfa_token)
          const done = yield* signIn(slug, { credential, mfa_token: login.body.mfa_token })
          expect(done.status).toBe(200)
          expect(typeof done.body.access_token).toBe("string")
        })
      )

      it.effect("an administrator's removal of a user's passkey needs step-up (403 mfa:step-up)", () =>
        Effect.gen(function* () {
          const { url } = yield* TestServer
          const slug = "pkh-admin"
          const token = yield* onboardTenant(slug)
          const passkey = yield* register(slug, token, new SoftwareAuthenticator(), url)
          const me = yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: token })
          const listed = yield* call("GET", `/api/v1/tenants/${slug}/users/${me.body.id}/passkeys`, { auth: token })
          expect(listed.body).toHaveLength(1)
          const refused = yield* call("DELETE", `/api/v1/tenants/${slug}/users/${me.body.id}/passkeys/${passkey.id}`, {
            auth: token
          })
          expect(expectProblem(refused, 403).permission).toBe("mfa:step-up")
          const own = yield* call("DELETE", `/api/v1/tenants/${slug}/me/passkeys/${passkey.id}`, { auth: token })
          expect(own.status).toBe(204)
        })
      )

      it.effect(
        "RPC ListUserPasskeys and RemoveUserPasskey (operator); another user's passkey is PasskeyNotFound",
        () =>
          Effect.gen(function* () {
            const server = yield* TestServer
            const slug = "pkh-rpc"
            const token = yield* onboardTenant(slug)
            const passkey = yield* register(slug, token, new SoftwareAuthenticator(), server.url)
            const me = yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: token })
            const rpc = yield* makeRpcClient({ baseUrl: server.url, token: server.token, tenant: slug })
            const user_id = UserId.make(me.body.id)
            const listed = yield* rpc.ListUserPasskeys({ user_id })
            expect(listed.map((p) => p.id)).toEqual([passkey.id])
            const other = yield* Effect.flip(
              rpc.RemoveUserPasskey({ user_id, passkey_id: PasskeyId.make("01a1fd1e-8c00-7180-8656-000000000000") })
            )
            expect(other._tag).toBe("PasskeyNotFound")
            yield* rpc.RemoveUserPasskey({ user_id, passkey_id: PasskeyId.make(passkey.id) })
            expect(yield* rpc.ListUserPasskeys({ user_id })).toEqual([])
          }).pipe(Effect.scoped)
      )
    }
  )
}
