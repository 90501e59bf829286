/**
 * Issue 19 §2 through the Promise facade (`client.sso`): an operator
 * registers a connection (the secret never comes back); an app's client
 * without credentials discovers it, starts the sign-in, sends "the browser"
 * through a real IdP on loopback (`oidc-provider`) and completes it — its
 * session is then the signed-in user's.
 */
import { expect, layer } from "@effect/vitest"
import { followRedirects, OAUTH_TEST_CLIENT, oauthTestServer } from "@signet/core/testing/oauth"
import { samlTestIdp } from "@signet/core/testing/saml"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const APP_REDIRECT = "http://127.0.0.1/app/sso"

layer(testServer("sqlite", {}, { SIGNET_OAUTH_ALLOW_HTTP_ISSUERS: "true" }), {
  timeout: 60_000,
  excludeTestServices: true
})("client.sso against a real server and IdP", (it) => {
  it.scoped("putConnection, discover, startSignIn, completeSignIn: the client is signed in as the person", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      const run = <A>(f: () => Promise<A>) => Effect.promise(f)
      const { state } = yield* oauthTestServer([APP_REDIRECT])
      const operator = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-sso",
        credentials: { operatorToken: server.token }
      })
      yield* run(() => operator.tenants.create({ slug: "sdk-sso", name: "SSO" }))
      const put = yield* run(() =>
        operator.sso.putConnection("idp", {
          issuer: state.issuer,
          ...OAUTH_TEST_CLIENT,
          scopes: ["openid", "email", "profile"],
          domains: ["school.example"],
          provisioning: "jit"
        })
      )
      expect(JSON.stringify(put)).not.toContain(OAUTH_TEST_CLIENT.client_secret)
      state.accountId = "ada-sub"
      state.claims = { email: "ada@school.example", email_verified: true, name: "Ada Lovelace" }

      const app = createSignetClient({ baseUrl: server.url, tenant: "sdk-sso" })
      expect(yield* run(() => app.sso.discover("ada@school.example"))).toMatchObject({ connection: "idp" })
      const started = yield* run(() => app.sso.startSignIn({ connection: "idp", redirect_uri: APP_REDIRECT }))
      const callback = yield* followRedirects(started.authorization_url, APP_REDIRECT)
      const user = yield* run(() => app.sso.completeSignIn(callback))
      expect(user).toMatchObject({ email: "ada@school.example", given_name: "Ada", family_name: "Lovelace" })
      expect((yield* run(() => app.me())).id).toBe(user.id)
    })
  )

  it.effect("putSamlConnection registers a SAML connection; connections lists it with its protocol", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      const run = <A>(f: () => Promise<A>) => Effect.promise(f)
      const idp = yield* samlTestIdp
      const operator = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-saml",
        credentials: { operatorToken: server.token }
      })
      yield* run(() => operator.tenants.create({ slug: "sdk-saml", name: "SAML" }))
      const saved = yield* run(() =>
        operator.sso.putSamlConnection("adfs", {
          idp_entity_id: idp.entityId,
          sso_url: idp.ssoUrl,
          certificates: [idp.certificate],
          domains: ["saml.example"],
          provisioning: "link_only"
        })
      )
      expect(saved).toMatchObject({ name: "adfs", protocol: "saml", saml_sso_url: idp.ssoUrl })
      expect((yield* run(() => operator.sso.connections())).map((c) => [c.name, c.protocol])).toEqual([
        ["adfs", "saml"]
      ])
    })
  )

  it.effect("policy, markBreakGlass, setPolicy, unmarkBreakGlass: the SSO-only policy through the client", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      const run = <A>(f: () => Promise<A>) => Effect.promise(f)
      const fail = <A>(f: () => Promise<A>) =>
        Effect.flip(Effect.tryPromise({ try: f, catch: (e) => e as { _tag?: string } }))
      const operator = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-sso-policy",
        credentials: { operatorToken: server.token }
      })
      yield* run(() => operator.tenants.create({ slug: "sdk-sso-policy", name: "SSO policy" }))
      expect(yield* run(() => operator.sso.policy())).toMatchObject({ sso_only: false, break_glass: [] })
      expect((yield* fail(() => operator.sso.setPolicy(true)))._tag).toBe("Conflict")
      yield* run(() =>
        operator.sso.putConnection("idp", {
          issuer: "https://idp.example/",
          client_id: "c",
          client_secret: "s",
          scopes: ["openid", "email"],
          domains: ["policy.example"],
          provisioning: "link_only"
        })
      )
      const keeper = yield* run(() =>
        operator.users.create({
          email: "keeper@policy.example",
          given_name: "Kee",
          family_name: "Per",
          user_type: "teacher",
          password: "correct horse battery staple 42"
        })
      )
      const marked = yield* run(() => operator.sso.markBreakGlass(keeper.id))
      expect(marked.break_glass.map((b) => b.user_id)).toEqual([keeper.id])
      expect((yield* run(() => operator.sso.setPolicy(true))).sso_only).toBe(true)
      expect((yield* fail(() => operator.sso.unmarkBreakGlass(keeper.id)))._tag).toBe("Conflict")
      expect((yield* run(() => operator.sso.setPolicy(false))).sso_only).toBe(false)
      expect((yield* run(() => operator.sso.unmarkBreakGlass(keeper.id))).break_glass).toEqual([])
    })
  )
})
