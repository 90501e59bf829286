/**
 * Signing in through an SSO connection over HTTP (issue 19 §2) against a
 * real OpenID Connect IdP on loopback (`oidc-provider`): the browser's
 * round trip lands signed in (the session in the web cookies), a callback
 * link opened in another browser signs nobody in (login CSRF), a refusal
 * sends the browser back to the login page with the reason, and apps
 * complete the flow over JSON with problem+json refusals. An admin lists and
 * removes a user's link to their IdP account; another tenant gets 404.
 */
import { expect, layer } from "@effect/vitest"
import { CSRF_COOKIE, CSRF_HEADER, REFRESH_COOKIE } from "@signet/contracts/identity/WebApi"
import { testDialects } from "@signet/core/testing"
import { followRedirects, OAUTH_TEST_CLIENT, oauthTestServer } from "@signet/core/testing/oauth"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const APP_REDIRECT = "http://127.0.0.1/app/callback"

/** The IdP (accepting Signet's callback of `slug` and the app's), with the connection "idp" registered. */
const setUp = (slug: string) =>
  Effect.gen(function* () {
    const server = yield* TestServer
    const T = `/api/v1/tenants/${slug}`
    const { state } = yield* oauthTestServer([`${server.url}${T}/sso/callback`, APP_REDIRECT])
    const admin = yield* onboardTenant(slug)
    const put = yield* call("PUT", `${T}/sso/connections/idp`, {
      auth: admin,
      body: {
        issuer: state.issuer,
        ...OAUTH_TEST_CLIENT,
        scopes: ["openid", "email", "profile"],
        domains: ["school.example"],
        provisioning: "jit"
      }
    })
    expect(put.status, put.text).toBe(200)
    state.accountId = "ada-sub"
    state.claims = { email: "ada@school.example", email_verified: true, given_name: "Ada", family_name: "L" }
    return { server, state, T, admin }
  })

/** A raw GET with the cookies of `jar`, without following redirects. */
const get = (url: string, jar: Map<string, string>) =>
  Effect.promise(() =>
    fetch(url, { redirect: "manual", headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } })
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, { SIGNET_OAUTH_ALLOW_HTTP_ISSUERS: "true" }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`SSO sign-in over HTTP on ${dialect} (issue 19 §2)`, (it) => {
    it.scoped("a browser goes to the IdP and back, and lands on its return path with a web session", () =>
      Effect.gen(function* () {
        const { server, T } = yield* setUp("ssoweb-ok")
        const jar = new Map<string, string>()
        const start = `${server.url}${T}/sso/login?connection=idp&return_to=${encodeURIComponent("/t/ssoweb-ok/teacher")}`
        const landed = yield* followRedirects(start, `${server.url}/t/`, jar)
        expect(landed).toBe(`${server.url}/t/ssoweb-ok/teacher`)
        expect(jar.get(REFRESH_COOKIE)).toMatch(/^sgr_/)
        const refreshed = yield* call("POST", `${T}/web/refresh`, {
          auth: false,
          headers: {
            cookie: `${REFRESH_COOKIE}=${jar.get(REFRESH_COOKIE)}; ${CSRF_COOKIE}=${jar.get(CSRF_COOKIE)}`,
            [CSRF_HEADER]: jar.get(CSRF_COOKIE)!
          }
        })
        expect(refreshed.status, refreshed.text).toBe(200)
        expect(refreshed.body.user).toMatchObject({ email: "ada@school.example", user_type: "teacher" })
      })
    )

    it.scoped("a callback opened in another browser than the one that started signs nobody in", () =>
      Effect.gen(function* () {
        const { server, T } = yield* setUp("ssoweb-csrf")
        const attacker = new Map<string, string>()
        const callback = yield* followRedirects(
          `${server.url}${T}/sso/login?connection=idp`,
          `${server.url}${T}/sso/callback`,
          attacker
        )
        const victim = yield* get(callback, new Map())
        expect(victim.status).toBe(302)
        expect(victim.headers.get("location")).toBe("/t/ssoweb-csrf/login?sso_error=browser_mismatch")
        expect(victim.headers.getSetCookie().join(";")).not.toContain(`${REFRESH_COOKIE}=sgr_`)
      })
    )

    it.scoped("a refusal sends the browser back to the login page with its reason", () =>
      Effect.gen(function* () {
        const { server, state, T } = yield* setUp("ssoweb-refused")
        state.claims = { ...state.claims, email_verified: false }
        const jar = new Map<string, string>()
        const landed = yield* followRedirects(`${server.url}${T}/sso/login?connection=idp`, `${server.url}/t/`, jar)
        expect(landed).toBe(`${server.url}/t/ssoweb-refused/login?sso_error=email_unverified`)
        expect(jar.has(REFRESH_COOKIE)).toBe(false)
      })
    )

    it.scoped("an app starts and completes the flow over JSON and receives the session's tokens", () =>
      Effect.gen(function* () {
        const { T } = yield* setUp("ssoapp-ok")
        const started = yield* call("POST", `${T}/sso/start`, {
          auth: false,
          body: { connection: "idp", redirect_uri: APP_REDIRECT, login_hint: "ada@school.example" }
        })
        expect(started.status, started.text).toBe(200)
        expect(new URL(started.body.authorization_url).searchParams.get("code_challenge_method")).toBe("S256")
        const callback = yield* followRedirects(started.body.authorization_url, APP_REDIRECT)
        const done = yield* call("POST", `${T}/sso/complete`, { auth: false, body: { callback } })
        expect(done.status, done.text).toBe(200)
        expect(done.body.user).toMatchObject({ email: "ada@school.example" })
        const me = yield* call("GET", `${T}/me`, { auth: done.body.access_token })
        expect(me.status, me.text).toBe(200)
      })
    )

    it.scoped("an app's refused sign-in answers 403 SsoSignInRefused as problem+json", () =>
      Effect.gen(function* () {
        const { state, T } = yield* setUp("ssoapp-refused")
        state.claims = { ...state.claims, email: "ada@elsewhere.example" }
        const started = yield* call("POST", `${T}/sso/start`, {
          auth: false,
          body: { connection: "idp", redirect_uri: APP_REDIRECT }
        })
        const callback = yield* followRedirects(started.body.authorization_url, APP_REDIRECT)
        const done = yield* call("POST", `${T}/sso/complete`, { auth: false, body: { callback } })
        expect(expectProblem(done, 403)).toMatchObject({ code: "SsoSignInRefused" })
        expect(done.text).toContain("domain_not_served")
      })
    )

    it.scoped("an admin lists a user's IdP link and unlinks it; another tenant's admin gets 404", () =>
      Effect.gen(function* () {
        const { T, admin } = yield* setUp("ssoapp-links")
        const started = yield* call("POST", `${T}/sso/start`, {
          auth: false,
          body: { connection: "idp", redirect_uri: APP_REDIRECT }
        })
        const callback = yield* followRedirects(started.body.authorization_url, APP_REDIRECT)
        const userId = (yield* call("POST", `${T}/sso/complete`, { auth: false, body: { callback } })).body.user.id
        const links = yield* call("GET", `${T}/users/${userId}/sso-identities`, { auth: admin })
        expect(links.status, links.text).toBe(200)
        expect(links.body).toMatchObject([{ connection: "idp", subject: "ada-sub", user_id: userId }])
        const other = yield* onboardTenant("ssoapp-links-other")
        const foreign = yield* call("GET", `/api/v1/tenants/ssoapp-links-other/users/${userId}/sso-identities`, {
          auth: other
        })
        expectProblem(foreign, 404)
        expectProblem(
          yield* call("DELETE", `/api/v1/tenants/ssoapp-links-other/users/${userId}/sso-identities/idp`, {
            auth: other
          }),
          404
        )
        const removed = yield* call("DELETE", `${T}/users/${userId}/sso-identities/idp`, { auth: admin })
        expect(removed.status, removed.text).toBe(204)
        expect((yield* call("GET", `${T}/users/${userId}/sso-identities`, { auth: admin })).body).toEqual([])
        expectProblem(yield* call("DELETE", `${T}/users/${userId}/sso-identities/idp`, { auth: admin }), 404)
      })
    )
  })
}
