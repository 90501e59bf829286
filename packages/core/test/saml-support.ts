/**
 * Test support for SAML 2.0 sign-in (issue 19 §2): a connection to the
 * test IdP (`@signet/core/testing/saml`), starting a sign-in, posting the
 * IdP's answer, and the refusal every bad response must get.
 */
import { expect } from "@effect/vitest"
import { PutSamlConnection } from "@signet/contracts/integrations/SsoDomain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { SsoConnections, SsoSignIn } from "@signet/core"
import type { SamlAnswer, samlTestIdp } from "@signet/core/testing/saml"
import { Effect, Exit, Schema } from "effect"

/** The callback the sign-ins name (the assertion consumer service). */
export const ACS = "https://signet.example/api/v1/tenants/x/sso/callback"
/** The client of every sign-in. */
export const CLIENT = { ip: "203.0.113.10", userAgent: "test" }

/** The test IdP. */
export type Idp = Effect.Effect.Success<typeof samlTestIdp>

/** Registers the SAML connection "school" to `idp` (jit, school.example), with `extra` fields. */
export const connect = (idp: Idp, extra: Record<string, unknown> = {}) =>
  SsoConnections.use((c) =>
    c.putSaml(
      "school",
      Schema.decodeUnknownSync(PutSamlConnection)({
        idp_entity_id: idp.entityId,
        sso_url: idp.ssoUrl,
        certificates: [idp.certificate],
        domains: ["school.example"],
        provisioning: "jit",
        ...extra
      })
    )
  )

/** Starts a sign-in through "school"; answers the AuthnRequest the IdP receives. */
export const start = (idp: Idp) =>
  Effect.gen(function* () {
    const slug = (yield* CurrentTenant).slug
    const started = yield* SsoSignIn.use((s) => s.start(slug, { connection: "school", redirect_uri: ACS }, CLIENT))
    expect(started.protocol).toBe("saml")
    return idp.requestOf(started.authorization_url)
  })

/** Posts `SAMLResponse` with `relayState` to the sign-in; its exit. */
export const post = (samlResponse: string, relayState: string) =>
  Effect.flatMap(CurrentTenant, (t) =>
    Effect.exit(
      SsoSignIn.use((s) => s.completeSaml(t.slug, { SAMLResponse: samlResponse, RelayState: relayState }, CLIENT))
    )
  )

/** A whole sign-in answered by `answer` (given the request). */
export const signIn = (idp: Idp, answer: (request: SamlAnswer["request"]) => Omit<SamlAnswer, "request">) =>
  Effect.gen(function* () {
    const request = yield* start(idp)
    return yield* post(idp.respond({ request, ...answer(request) }), request.relayState)
  })

/** Ada, as the IdP vouches for her. */
export const ada = {
  nameId: "ada-persistent-id",
  attributes: { email: "ada@school.example", givenName: "Ada", sn: "Lovelace" }
}

/** Asserts `exit` is the SAML refusal (`OAuthProviderError`, reason `saml: …`). */
export const refusedBySaml = (exit: Exit.Exit<unknown, unknown>) =>
  expect(exit).toStrictEqual(
    Exit.fail(expect.objectContaining({ _tag: "OAuthProviderError", reason: expect.stringMatching(/^saml: /) }))
  )
