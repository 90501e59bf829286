/**
 * OAuth bindings over HTTP (issue 21 §4): an admin registers the tenant's
 * credential at a provider (`oidc-provider` on loopback), a teacher starts
 * a binding, the browser goes through the provider and back to Signet's
 * callback, and the binding is listed — never its tokens. The callback's
 * state works once; another tenant sees no credential. Plain-http issuers
 * are allowed through the server's configuration
 * (`SIGNET_OAUTH_ALLOW_HTTP_ISSUERS`).
 */
import { expect, layer } from "@effect/vitest"
import { PutPlatformCredential } from "@signet/contracts/integrations/OAuthDomain"
import { testDialects } from "@signet/core/testing"
import { followRedirects, OAUTH_TEST_CLIENT, oauthTestServer } from "@signet/core/testing/oauth"
import { makeRpcClient } from "@signet/sdk"
import {
  call,
  expectProblem,
  loginToken,
  onboardTenant,
  TEST_PASSWORD,
  TestServer,
  testServer
} from "@signet/server/testing"
import { Effect, Schema } from "effect"

const SLUG = "oab-http"
const T = `/api/v1/tenants/${SLUG}`

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, { SIGNET_OAUTH_ALLOW_HTTP_ISSUERS: "true" }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`OAuth bindings over HTTP on ${dialect} (issue 21 §4)`, (it) => {
    it.scoped("a user binds through the provider and Signet's callback; the binding is listed without its tokens", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const callback = `${server.url}${T}/oauth/callback`
        const { state } = yield* oauthTestServer([callback])
        const admin = yield* onboardTenant(SLUG)
        const put = yield* call("PUT", `${T}/oauth/providers/lms`, {
          auth: admin,
          body: { issuer: state.issuer, ...OAUTH_TEST_CLIENT, scopes: ["openid", "offline_access"] }
        })
        expect(put.status, put.text).toBe(200)
        expect(put.body).toMatchObject({ provider: "lms", issuer: state.issuer, client_id: "signet" })
        expect(put.text).not.toContain(OAUTH_TEST_CLIENT.client_secret)
        const teacher = (yield* call("POST", `${T}/users`, {
          auth: admin,
          body: {
            email: `t@${SLUG}.example.edu`,
            given_name: "T",
            family_name: "T",
            user_type: "teacher",
            password: TEST_PASSWORD
          }
        })).body
        const tTeacher = yield* loginToken(SLUG, `t@${SLUG}.example.edu`)

        const started = yield* call("POST", `${T}/me/oauth-bindings/lms/start`, { auth: tTeacher })
        expect(started.status, started.text).toBe(200)
        const back = yield* followRedirects(started.body.authorization_url, callback)
        const done = yield* call("GET", back.slice(server.url.length), { auth: false })
        expect(done.status, done.text).toBe(200)
        expect(done.body).toMatchObject({ provider: "lms", user_id: teacher.id, subject: "alice", status: "active" })

        const mine = yield* call("GET", `${T}/me/oauth-bindings`, { auth: tTeacher })
        expect(mine.body).toMatchObject([{ provider: "lms", user_id: teacher.id }])
        const all = yield* call("GET", `${T}/oauth/bindings`, { auth: admin })
        expect(all.body).toHaveLength(1)
        expect(all.text).not.toMatch(/"(access|refresh)_token"|_enc"/)

        const again = yield* call("GET", back.slice(server.url.length), { auth: false })
        expectProblem(again, 400)
        expect(again.body.code).toBe("OAuthStateInvalid")

        const removed = yield* call("DELETE", `${T}/me/oauth-bindings/lms`, { auth: tTeacher })
        expect(removed.status).toBe(204)
        expect((yield* call("GET", `${T}/me/oauth-bindings`, { auth: tTeacher })).body).toEqual([])
      })
    )

    it.scoped("over RPC: put, list, get, delete a credential; another tenant's GetOAuthProvider fails not found", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const adminA = yield* onboardTenant("oab-rpc-a")
        const adminB = yield* onboardTenant("oab-rpc-b")
        const rpcA = yield* makeRpcClient({ baseUrl: server.url, token: adminA })
        const rpcB = yield* makeRpcClient({ baseUrl: server.url, token: adminB })
        const credential = Schema.decodeUnknownSync(PutPlatformCredential)({
          issuer: "https://idp.example.org",
          ...OAUTH_TEST_CLIENT,
          scopes: ["openid"]
        })
        const put = yield* rpcA.PutOAuthProvider({ provider: "lms", credential })
        expect(put).toMatchObject({ provider: "lms", issuer: "https://idp.example.org" })
        expect((yield* rpcA.ListOAuthProviders()).map((p) => p.provider)).toEqual(["lms"])
        expect(yield* rpcA.ListOAuthBindings({})).toEqual([])
        const other = yield* Effect.flip(rpcB.GetOAuthProvider({ provider: "lms" }))
        expect(other._tag).toBe("PlatformCredentialNotFound")
        yield* rpcA.DeleteOAuthProvider({ provider: "lms" })
        expect(yield* rpcA.ListOAuthProviders()).toEqual([])
      })
    )

    it.effect("another tenant's admin gets 404 for the credential; a teacher cannot register one", () =>
      Effect.gen(function* () {
        const admin = yield* onboardTenant("oab-home2")
        const put = yield* call("PUT", "/api/v1/tenants/oab-home2/oauth/providers/lms", {
          auth: admin,
          body: { issuer: "https://idp.example.org", ...OAUTH_TEST_CLIENT, scopes: ["openid"] }
        })
        expect(put.status, put.text).toBe(200)
        const other = yield* onboardTenant("oab-other2")
        expectProblem(yield* call("GET", "/api/v1/tenants/oab-other2/oauth/providers/lms", { auth: other }), 404)
        yield* call("POST", "/api/v1/tenants/oab-home2/users", {
          auth: admin,
          body: {
            email: "t@oab-home2.example.edu",
            given_name: "T",
            family_name: "T",
            user_type: "teacher",
            password: TEST_PASSWORD
          }
        })
        const teacher = yield* loginToken("oab-home2", "t@oab-home2.example.edu")
        const refused = yield* call("PUT", "/api/v1/tenants/oab-home2/oauth/providers/evil", {
          auth: teacher,
          body: { issuer: "https://idp.example.org", ...OAUTH_TEST_CLIENT, scopes: ["openid"] }
        })
        expectProblem(refused, 403)
      })
    )
  })
}
