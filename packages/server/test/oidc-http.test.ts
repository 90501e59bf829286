/**
 * Issue 19 §1 — Signet as an OpenID Connect provider per tenant, driven by
 * `openid-client` (a certified relying-party library) as a real RP against
 * a Signet server started here: discovery, authorization code + PKCE with
 * Signet's own sign-in and the consent page, the id_token verified against
 * the published JWKS, refresh-token rotation, userinfo, RP-initiated
 * logout, client credentials, remembered consent; and the refusals (wrong
 * redirect URI, reused code, PKCE mismatch, wrong secret, another tenant's
 * client) — on SQLite and Postgres.
 */
import { expect, layer } from "@effect/vitest"
import { CreateOidcClient } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { createSignetClient, makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect, Option, Schema } from "effect"
import * as Jose from "jose"
import * as oidc from "openid-client"

const REDIRECT = "http://127.0.0.1:9/cb"
const LOGOUT_REDIRECT = "http://127.0.0.1:9/bye"

/** A minimal cookie jar (names only: every cookie goes to every request of the test server). */
class Jar {
  readonly cookies = new Map<string, string>()
  take(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";")
      const at = pair.indexOf("=")
      const name = pair.slice(0, at).trim()
      const value = pair.slice(at + 1).trim()
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0/i.test(a))
      if (expired || value === "") this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ")
  }
}

/** What {@link go} answers. */
interface Fetched {
  readonly status: number
  readonly location: string | null
  readonly text: string
}

/** fetch without following redirects, with the jar's cookies. */
const go = (jar: Jar, url: string, init: RequestInit = {}): Effect.Effect<Fetched> =>
  Effect.promise(async () => {
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() }
    })
    jar.take(res)
    return { status: res.status, location: res.headers.get("location"), text: await res.text() }
  })

/** Registers a client in `slug` as its admin; answers the client and its secret. */
const register = (token: string, slug: string, body: Record<string, unknown>) =>
  Effect.gen(function* () {
    const res = yield* call("POST", `/api/v1/tenants/${slug}/oidc/clients`, {
      auth: token,
      body: { name: "Library", redirect_uris: [REDIRECT], post_logout_redirect_uris: [LOGOUT_REDIRECT], ...body }
    })
    expect(res.status, res.text).toBe(201)
    return res.body as { client: { client_id: string }; client_secret: string | null }
  })

/** The RP's configuration by discovery at the tenant's issuer. */
const discover = (slug: string, clientId: string, secret: string | null) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(() =>
      oidc.discovery(
        new URL(`${server.url}/t/${slug}`),
        clientId,
        secret === null ? { token_endpoint_auth_method: "none" } : undefined,
        secret === null ? oidc.None() : oidc.ClientSecretBasic(secret),
        { execute: [oidc.allowInsecureRequests] }
      )
    )
  )

/**
 * One authorization-code login through a browser-like jar: the
 * authorization request, Signet's sign-in (the access token posted to the
 * interaction), consent when asked. Answers the callback URL and whether
 * the consent page was shown.
 */
const authorize = (config: oidc.Configuration, jar: Jar, accessToken: string, params: Record<string, string>) =>
  Effect.gen(function* () {
    const server = yield* TestServer
    let url: string | null = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, ...params }).href
    let consented = false
    for (let hop = 0; hop < 10 && url !== null; hop++) {
      if (url.startsWith(REDIRECT)) return { callback: new URL(url), consented }
      const absolute: string = new URL(url, server.url).href
      const res: Fetched = yield* go(jar, absolute)
      if (res.status === 303 && res.location?.includes("/login?next=")) {
        const next = decodeURIComponent(res.location.split("next=")[1]!)
        const done = yield* go(jar, `${server.url}${next}/login`, {
          method: "POST",
          headers: { authorization: `Bearer ${accessToken}` }
        })
        expect(done.status, done.text).toBe(200)
        url = JSON.parse(done.text).redirect_to
      } else if (res.status === 200 && res.text.includes("Allow")) {
        consented = true
        const confirm: Fetched = yield* go(jar, `${absolute}/confirm`, { method: "POST" })
        url = confirm.location
      } else if (res.status === 302 || res.status === 303) url = res.location
      else throw new Error(`unexpected ${res.status} at ${absolute}: ${res.text.slice(0, 300)}`)
    }
    throw new Error("too many redirects")
  })

/** A full login with PKCE; answers the tokens and what the flow showed. */
const login = (
  config: oidc.Configuration,
  accessToken: string,
  jar = new Jar(),
  scope = "openid email profile signet"
) =>
  Effect.gen(function* () {
    const verifier = oidc.randomPKCECodeVerifier()
    const challenge = yield* Effect.promise(() => oidc.calculatePKCECodeChallenge(verifier))
    const state = oidc.randomState()
    const { callback, consented } = yield* authorize(config, jar, accessToken, {
      scope,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state
    })
    const tokens = yield* Effect.promise(() =>
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state })
    )
    return { tokens, consented, callback, verifier, state, jar }
  })

/** The error code of a rejected openid-client call. */
const refusal = (p: () => Promise<unknown>) =>
  Effect.promise(() =>
    p().then(
      () => "accepted",
      // A 401 answer comes back as a WWW-Authenticate challenge carrying the error code.
      (e: { error?: string; code?: string; cause?: Array<{ parameters?: { error?: string } }> }) =>
        e.error ?? (Array.isArray(e.cause) ? e.cause[0]?.parameters?.error : undefined) ?? e.code ?? String(e)
    )
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 240_000, excludeTestServices: true })(
    `OpenID Connect provider on ${dialect} (issue 19 §1)`,
    (it) => {
      it.effect(
        "discovery names the tenant's issuer and endpoints under /t/{slug}/oidc",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-disc")
            const { client } = yield* register(admin, "op-disc", {})
            const config = yield* discover("op-disc", client.client_id, null)
            const meta = config.serverMetadata()
            const server = yield* TestServer
            expect(meta.issuer).toBe(`${server.url}/t/op-disc`)
            expect(meta.authorization_endpoint).toBe(`${server.url}/t/op-disc/oidc/auth`)
            expect(meta.jwks_uri).toBe(`${server.url}/t/op-disc/oidc/jwks`)
            expect(meta.code_challenge_methods_supported).toContain("S256")
            expect(meta.claims_supported).toEqual(expect.arrayContaining(["email", "user_type", "roles"]))
          }),
        240_000
      )

      it.effect(
        "code + PKCE with Signet's sign-in and consent; the id_token verifies against the JWKS and carries the user's claims",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-code")
            const { client, client_secret } = yield* register(admin, "op-code", {})
            const config = yield* discover("op-code", client.client_id, client_secret)
            const { consented, tokens } = yield* login(config, admin)
            expect(consented).toBe(true)
            const meta = config.serverMetadata()
            const jwks = Jose.createRemoteJWKSet(new URL(meta.jwks_uri!))
            const verified = yield* Effect.promise(() =>
              Jose.jwtVerify(tokens.id_token!, jwks, { issuer: meta.issuer, audience: client.client_id })
            )
            expect(verified.payload).toMatchObject({
              email: "admin@op-code.example.edu",
              email_verified: false,
              name: "A D",
              user_type: "admin",
              roles: ["admin"]
            })
            // The same keys as Signet's own tenant JWKS.
            const own = yield* call("GET", "/api/v1/tenants/op-code/jwks.json", { auth: false })
            expect(own.body.keys.map((k: { kid: string }) => k.kid)).toContain(verified.protectedHeader.kid)
            const info = yield* Effect.promise(() =>
              oidc.fetchUserInfo(config, tokens.access_token, verified.payload.sub!)
            )
            expect(info).toMatchObject({ email: "admin@op-code.example.edu", user_type: "admin" })
          }),
        240_000
      )

      it.effect(
        "refresh tokens rotate: the new one works, the old one is refused",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-rot")
            const { client, client_secret } = yield* register(admin, "op-rot", {})
            const config = yield* discover("op-rot", client.client_id, client_secret)
            const { tokens } = yield* login(config, admin)
            const first = tokens.refresh_token!
            const next = yield* Effect.promise(() => oidc.refreshTokenGrant(config, first))
            expect(next.refresh_token).toBeDefined()
            expect(next.refresh_token).not.toBe(first)
            expect(yield* refusal(() => oidc.refreshTokenGrant(config, first))).toBe("invalid_grant")
          }),
        240_000
      )

      it.effect(
        "a disabled user's refresh token and access token are refused",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-dis")
            const created = yield* call("POST", "/api/v1/tenants/op-dis/users", {
              auth: admin,
              body: {
                email: "t@op-dis.example.edu",
                given_name: "T",
                family_name: "Eacher",
                user_type: "teacher",
                password: TEST_PASSWORD
              }
            })
            expect(created.status, created.text).toBe(201)
            const teacher = yield* call("POST", "/api/v1/tenants/op-dis/auth/login", {
              auth: false,
              body: { login: "t@op-dis.example.edu", password: TEST_PASSWORD }
            })
            const { client, client_secret } = yield* register(admin, "op-dis", {})
            const config = yield* discover("op-dis", client.client_id, client_secret)
            const { tokens } = yield* login(config, teacher.body.tokens.access_token)
            const disabled = yield* call("POST", `/api/v1/tenants/op-dis/users/${created.body.id}/disable`, {
              auth: admin
            })
            expect(disabled.status, disabled.text).toBeLessThan(300)
            expect(yield* refusal(() => oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe("invalid_grant")
            expect(
              yield* refusal(() => oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck))
            ).not.toBe("accepted")
          }),
        240_000
      )

      it.effect(
        "consent is remembered per user and client: a new browser signs in without the consent page",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-consent")
            const { client, client_secret } = yield* register(admin, "op-consent", {})
            const config = yield* discover("op-consent", client.client_id, client_secret)
            expect((yield* login(config, admin)).consented).toBe(true)
            expect((yield* login(config, admin, new Jar())).consented).toBe(false)
          }),
        240_000
      )

      it.effect(
        "RP-initiated logout ends the session: the next authorization asks for sign-in again",
        () =>
          Effect.gen(function* () {
            const server = yield* TestServer
            const admin = yield* onboardTenant("op-out")
            const { client, client_secret } = yield* register(admin, "op-out", {})
            const config = yield* discover("op-out", client.client_id, client_secret)
            const { jar, tokens } = yield* login(config, admin)
            const end = oidc.buildEndSessionUrl(config, {
              id_token_hint: tokens.id_token!,
              post_logout_redirect_uri: LOGOUT_REDIRECT
            })
            const page = yield* go(jar, end.href)
            expect(page.status, page.text).toBe(200)
            const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1]
            const action = /action="([^"]+)"/.exec(page.text)?.[1]
            expect(xsrf).toBeDefined()
            const confirmed = yield* go(jar, new URL(action!, server.url).href, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              body: `xsrf=${encodeURIComponent(xsrf!)}&logout=yes`
            })
            expect(confirmed.status).toBe(303)
            expect(confirmed.location).toBe(LOGOUT_REDIRECT)
            const again = yield* go(
              jar,
              oidc.buildAuthorizationUrl(config, {
                redirect_uri: REDIRECT,
                scope: "openid",
                code_challenge: yield* Effect.promise(() => oidc.calculatePKCECodeChallenge("x".repeat(43))),
                code_challenge_method: "S256"
              }).href
            )
            const interaction = yield* go(jar, new URL(again.location!, server.url).href)
            expect(interaction.location).toContain("/t/op-out/login?next=")
          }),
        240_000
      )

      it.effect(
        "client credentials for a confidential machine client; a wrong secret is refused",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-cc")
            const { client, client_secret } = yield* register(admin, "op-cc", {
              redirect_uris: [],
              post_logout_redirect_uris: [],
              grant_types: ["client_credentials"]
            })
            const config = yield* discover("op-cc", client.client_id, client_secret)
            const tokens = yield* Effect.promise(() => oidc.clientCredentialsGrant(config))
            expect(tokens.access_token.length).toBeGreaterThan(20)
            const wrong = yield* discover("op-cc", client.client_id, "not-the-secret")
            expect(yield* refusal(() => oidc.clientCredentialsGrant(wrong))).toBe("invalid_client")
          }),
        240_000
      )

      it.effect(
        "refusals: wrong redirect URI, reused code, PKCE mismatch",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-neg")
            const { client, client_secret } = yield* register(admin, "op-neg", {})
            const config = yield* discover("op-neg", client.client_id, client_secret)
            // Wrong redirect URI: an error page, no redirect to it.
            const bad = yield* go(
              new Jar(),
              oidc.buildAuthorizationUrl(config, { redirect_uri: "http://127.0.0.1:9/other", scope: "openid" }).href
            )
            expect(bad.status).toBe(400)
            expect(bad.location).toBeNull()
            // Reused code.
            const first = yield* login(config, admin)
            expect(
              yield* refusal(() =>
                oidc.authorizationCodeGrant(config, first.callback, {
                  pkceCodeVerifier: first.verifier,
                  expectedState: first.state
                })
              )
            ).toBe("invalid_grant")
            // PKCE mismatch.
            const state = oidc.randomState()
            const { callback } = yield* authorize(config, first.jar, admin, {
              scope: "openid",
              code_challenge: yield* Effect.promise(() =>
                oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier())
              ),
              code_challenge_method: "S256",
              state
            })
            expect(
              yield* refusal(() =>
                oidc.authorizationCodeGrant(config, callback, {
                  pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
                  expectedState: state
                })
              )
            ).toBe("invalid_grant")
          }),
        240_000
      )

      it.effect(
        "another tenant's client is unknown at this tenant's issuer",
        () =>
          Effect.gen(function* () {
            const adminA = yield* onboardTenant("op-iso-a")
            yield* onboardTenant("op-iso-b")
            const { client, client_secret } = yield* register(adminA, "op-iso-a", {
              grant_types: ["authorization_code", "refresh_token", "client_credentials"]
            })
            const atB = yield* discover("op-iso-b", client.client_id, client_secret)
            const page = yield* go(
              new Jar(),
              oidc.buildAuthorizationUrl(atB, { redirect_uri: REDIRECT, scope: "openid" }).href
            )
            expect(page.status).toBe(400)
            expect(page.text).toContain("invalid_client")
            expect(yield* refusal(() => oidc.clientCredentialsGrant(atB))).toBe("invalid_client")
            const viaRest = yield* call("GET", `/api/v1/tenants/op-iso-b/oidc/clients/${client.client_id}`)
            expectProblem(viaRest, 404)
          }),
        240_000
      )

      it.effect(
        "the SDK's client.oidcClients registers, lists and deletes; a deleted client is refused at the token endpoint",
        () =>
          Effect.gen(function* () {
            const server = yield* TestServer
            yield* onboardTenant("op-sdk")
            const sdk = createSignetClient({
              baseUrl: server.url,
              tenant: "op-sdk",
              credentials: { login: "admin@op-sdk.example.edu", password: TEST_PASSWORD }
            })
            const created = yield* Effect.promise(() =>
              sdk.oidcClients.create({ name: "Portal", redirect_uris: [], grant_types: ["client_credentials"] })
            )
            expect(created.client_secret).toBeTruthy()
            const listed = yield* Effect.promise(() => sdk.oidcClients.list())
            expect(listed.map((c) => c.client_id)).toEqual([created.client.client_id])
            const config = yield* discover("op-sdk", created.client.client_id, created.client_secret)
            yield* Effect.promise(() => oidc.clientCredentialsGrant(config))
            yield* Effect.promise(() => sdk.oidcClients.remove(created.client.client_id))
            expect(yield* refusal(() => oidc.clientCredentialsGrant(config))).toBe("invalid_client")
          }),
        240_000
      )

      it.scoped(
        "RPC twins: register, list, delete; another tenant's client answers OidcClientNotFound",
        () =>
          Effect.gen(function* () {
            const server = yield* TestServer
            const adminA = yield* onboardTenant("op-rpc-a")
            const adminB = yield* onboardTenant("op-rpc-b")
            const rpcA = yield* makeRpcClient({ baseUrl: server.url, token: adminA })
            const rpcB = yield* makeRpcClient({ baseUrl: server.url, token: adminB })
            const input = Schema.decodeUnknownSync(CreateOidcClient)({ name: "Portal", redirect_uris: [REDIRECT] })
            const created = yield* rpcA.CreateOidcClient(input)
            expect(created.client_secret).toBeTruthy()
            expect((yield* rpcA.ListOidcClients()).map((c) => c.client_id)).toEqual([created.client.client_id])
            const other = yield* Effect.flip(rpcB.GetOidcClient({ client_id: created.client.client_id }))
            expect(other._tag).toBe("OidcClientNotFound")
            yield* rpcA.DeleteOidcClient({ client_id: created.client.client_id })
            expect(yield* rpcA.ListOidcClients()).toEqual([])
          }),
        240_000
      )

      it.effect(
        "malformed requests to the provider answer 4xx, never 5xx",
        () =>
          Effect.gen(function* () {
            const server = yield* TestServer
            yield* onboardTenant("op-bad")
            const T = `${server.url}/t/op-bad`
            const send = (path: string, init: RequestInit = {}) =>
              Effect.promise(() => fetch(`${T}${path}`, { redirect: "manual", ...init }).then((r) => r.status))
            const form = { "content-type": "application/x-www-form-urlencoded" }
            expect(
              yield* send("/oidc/token", {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: "{}"
              })
            ).toBe(415)
            expect(
              yield* send("/oidc/token", { method: "POST", headers: form, body: "%%%&&&=grant_type" })
            ).toBeGreaterThanOrEqual(400)
            expect(
              yield* send("/oidc/token", { method: "POST", headers: form, body: "grant_type=password&username=a" })
            ).toBeLessThan(500)
            expect(yield* send("/oidc/interaction/unknown-uid")).toBe(400)
            expect(yield* send("/oidc/interaction/unknown-uid/login", { method: "POST" })).toBe(400)
            expect(yield* send("/oidc/auth?client_id=nope&response_type=code&scope=openid")).toBe(400)
            expect(yield* send("/oidc/userinfo", { headers: { authorization: "Bearer nonsense" } })).toBe(401)
            expect(
              yield* Effect.promise(() => fetch(`${server.url}/t/no-such-tenant/oidc/jwks`).then((r) => r.status))
            ).toBe(404)
          }),
        240_000
      )

      it.effect(
        "registration refuses a non-loopback http redirect URI and stores nothing",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("op-reg")
            const res = yield* call("POST", "/api/v1/tenants/op-reg/oidc/clients", {
              auth: admin,
              body: { name: "Bad", redirect_uris: ["http://evil.example/cb"] }
            })
            expectProblem(res, 400)
            const list = yield* call("GET", "/api/v1/tenants/op-reg/oidc/clients", { auth: admin })
            expect(list.body).toEqual([])
          }),
        240_000
      )
    }
  )
}

layer(
  testServer("sqlite", {
    apiRateLimits: {
      address: Option.some({ count: 3, windowSeconds: 86_400 }),
      user: Option.none(),
      apiKey: Option.none(),
      tenant: Option.none()
    }
  }),
  { timeout: 240_000, excludeTestServices: true }
)("OpenID Connect provider under the address rate limit (issue 19 §1)", (it) => {
  it.effect(
    "the provider's endpoints count against the client address's API limit: 429 with Retry-After",
    () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const statuses: Array<number> = []
        let retryAfter: string | null = null
        for (let i = 0; i < 5; i++) {
          const res = yield* Effect.promise(() => fetch(`${server.url}/t/nobody/.well-known/openid-configuration`))
          statuses.push(res.status)
          if (res.status === 429) retryAfter = res.headers.get("retry-after")
        }
        expect(statuses.slice(0, 3)).toEqual([404, 404, 404])
        expect(statuses.slice(3)).toEqual([429, 429])
        expect(Number(retryAfter)).toBeGreaterThan(0)
      }),
    240_000
  )
})
