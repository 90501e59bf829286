/**
 * SAML 2.0 sign-in (issue 19 §2) against an IdP built in the test
 * (`@signet/core/testing/saml`: assertions signed with `xml-crypto`): a
 * signed assertion for this sign-in's request admits the person; unsigned,
 * foreign-signed, altered, expired, wrong-audience, replayed and
 * unsolicited responses are all refused; encrypted assertions. The XML
 * signature wrapping variants are in `sso-saml-xsw.test.ts`.
 */
import { expect, layer } from "@effect/vitest"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { parseSamlIdpMetadata, SsoAdmin } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { samlTestIdp } from "@signet/core/testing/saml"
import { Effect, Exit } from "effect"
import { ACS, ada, connect, post, refusedBySaml, signIn, start } from "./saml-support.js"
import { testCore } from "./support.js"
import { inFreshTenant } from "./webhook-support.js"

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`SAML sign-in on ${dialect} (issue 19 §2)`, (it) => {
    it.effect("a signed assertion for this sign-in's request admits the person (jit)", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-ok",
          Effect.gen(function* () {
            yield* connect(idp)
            const exit = yield* signIn(idp, () => ada)
            expect(Exit.isSuccess(exit), JSON.stringify(exit)).toBe(true)
            const { tokens } = Exit.isSuccess(exit) ? exit.value : (undefined as never)
            expect(tokens.user).toMatchObject({
              email: "ada@school.example",
              given_name: "Ada",
              family_name: "Lovelace"
            })
          })
        )
      })
    )

    it.effect("an assertion's attribute, by its Name, is a claim the attribute mapping reads (user type)", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        const GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
        yield* inFreshTenant(
          "saml-map",
          Effect.gen(function* () {
            yield* connect(idp, {
              attribute_mapping: { user_type: { claim: GROUPS, values: [{ value: "pupils", user_type: "student" }] } }
            })
            const exit = yield* signIn(idp, () => ({ ...ada, attributes: { ...ada.attributes, [GROUPS]: "pupils" } }))
            expect(Exit.isSuccess(exit) && exit.value.tokens.user.user_type).toBe("student")
          })
        )
      })
    )

    it.effect("the AuthnRequest names Signet's entity ID and the callback, and the metadata says the same", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-meta",
          Effect.gen(function* () {
            yield* connect(idp)
            const request = yield* start(idp)
            expect(request.acsUrl).toBe(ACS)
            const slug = (yield* CurrentTenant).slug
            expect(request.issuer).toBe(
              `https://signet.example/api/v1/tenants/${slug}/sso/connections/school/saml-metadata`
            )
            const xml = yield* SsoAdmin.samlMetadataIn(slug, "school", ACS)
            expect(xml).toContain(`entityID="${request.issuer}"`)
            expect(xml).toContain(`Location="${ACS}"`)
          })
        )
      })
    )

    it.effect("an unsigned assertion is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-unsigned",
          Effect.zipRight(
            connect(idp),
            Effect.map(
              signIn(idp, () => ({ ...ada, sign: "none" })),
              refusedBySaml
            )
          )
        )
      })
    )

    it.effect("an assertion signed by another key is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-otherkey",
          Effect.zipRight(
            connect(idp),
            Effect.map(
              signIn(idp, () => ({ ...ada, sign: "other" })),
              refusedBySaml
            )
          )
        )
      })
    )

    it.effect("an assertion altered after signing is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        const tamper = (xml: string) => xml.replace("ada@school.example", "eve@school.example")
        yield* inFreshTenant(
          "saml-altered",
          Effect.zipRight(
            connect(idp),
            Effect.map(
              signIn(idp, () => ({ ...ada, tamper })),
              refusedBySaml
            )
          )
        )
      })
    )

    it.effect("an assertion for another audience is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-audience",
          Effect.zipRight(
            connect(idp),
            Effect.map(
              signIn(idp, () => ({ ...ada, audience: "https://other-sp.example" })),
              refusedBySaml
            )
          )
        )
      })
    )

    it.effect("an expired assertion is refused (beyond the minute of clock skew)", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-expired",
          Effect.zipRight(
            connect(idp),
            Effect.map(
              signIn(idp, () => ({ ...ada, notOnOrAfter: Date.now() - 5 * 60_000 })),
              refusedBySaml
            )
          )
        )
      })
    )

    it.effect("a response posted twice signs in once; the replay is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-replay",
          Effect.gen(function* () {
            yield* connect(idp)
            const request = yield* start(idp)
            const response = idp.respond({ request, ...ada })
            expect(Exit.isSuccess(yield* post(response, request.relayState))).toBe(true)
            expect(yield* post(response, request.relayState)).toStrictEqual(
              Exit.fail(expect.objectContaining({ _tag: "OAuthStateInvalid" }))
            )
          })
        )
      })
    )

    it.effect("a response to another request than this sign-in's is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-unsolicited",
          Effect.gen(function* () {
            yield* connect(idp)
            const mine = yield* start(idp)
            const other = yield* start(idp)
            refusedBySaml(yield* post(idp.respond({ request: other, ...ada }), mine.relayState))
          })
        )
      })
    )

    it.effect("an assertion encrypted to the connection's certificate admits the person", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-enc",
          Effect.gen(function* () {
            const connection = yield* connect(idp)
            expect(connection.saml_encryption_certificate).toMatch(/^-----BEGIN CERTIFICATE-----/)
            const request = yield* start(idp)
            const response = yield* idp.respondEncrypted({ request, ...ada }, connection.saml_encryption_certificate!)
            expect(Buffer.from(response, "base64").toString("utf8")).not.toContain("ada@school.example")
            const exit = yield* post(response, request.relayState)
            expect(Exit.isSuccess(exit) && exit.value.tokens.user.email).toBe("ada@school.example")
          })
        )
      })
    )

    it.effect("the SP metadata publishes the connection's certificate for encryption", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-enc-meta",
          Effect.gen(function* () {
            const connection = yield* connect(idp)
            const xml = yield* SsoAdmin.samlMetadataIn((yield* CurrentTenant).slug, "school", ACS)
            const body = connection.saml_encryption_certificate!.replace(/-----[A-Z ]+-----|\s+/g, "")
            expect(xml).toMatch(/<KeyDescriptor use="encryption">/)
            expect(xml.replace(/\s+/g, "")).toContain(body)
          })
        )
      })
    )

    it.effect("replacing a connection keeps its encryption certificate", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-enc-keep",
          Effect.gen(function* () {
            const first = yield* connect(idp)
            const again = yield* connect(idp, { sso_only: true })
            expect(again.sso_only).toBe(true)
            expect(again.saml_encryption_certificate).toBe(first.saml_encryption_certificate)
          })
        )
      })
    )

    it.effect("with require_encrypted_assertions a plain signed assertion is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-enc-required",
          Effect.gen(function* () {
            const connection = yield* connect(idp, { require_encrypted_assertions: true })
            expect(connection.saml_require_encrypted_assertions).toBe(true)
            refusedBySaml(yield* signIn(idp, () => ada))
            const request = yield* start(idp)
            const response = yield* idp.respondEncrypted({ request, ...ada }, connection.saml_encryption_certificate!)
            expect(Exit.isSuccess(yield* post(response, request.relayState))).toBe(true)
          })
        )
      })
    )

    it.effect("an assertion encrypted to another certificate is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-enc-other",
          Effect.gen(function* () {
            yield* connect(idp)
            const request = yield* start(idp)
            // The IdP's own certificate stands for "someone else's".
            const response = yield* idp.respondEncrypted({ request, ...ada }, idp.certificate)
            refusedBySaml(yield* post(response, request.relayState))
          })
        )
      })
    )

    it.effect("an encrypted assertion that is not signed is refused", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-enc-unsigned",
          Effect.gen(function* () {
            const connection = yield* connect(idp)
            const request = yield* start(idp)
            const response = yield* idp.respondEncrypted(
              { request, ...ada, sign: "none" },
              connection.saml_encryption_certificate!
            )
            refusedBySaml(yield* post(response, request.relayState))
          })
        )
      })
    )

    it.effect("an IdP's metadata gives the entity ID, the HTTP-Redirect URL and the signing certificate", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        const parsed = yield* parseSamlIdpMetadata(idp.metadataXml())
        expect(parsed).toMatchObject({ idp_entity_id: idp.entityId, sso_url: idp.ssoUrl })
        expect(parsed.certificates[0]!.replace(/\s+/g, "")).toBe(idp.certificate.replace(/\s+/g, ""))
      })
    )

    it.effect("metadata that is not XML, or has no IdP descriptor, is a ValidationError", () =>
      Effect.gen(function* () {
        for (const xml of [
          "<not xml",
          '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>'
        ])
          expect(yield* Effect.exit(parseSamlIdpMetadata(xml))).toStrictEqual(
            Exit.fail(expect.objectContaining({ _tag: "ValidationError" }))
          )
      })
    )
  })
}
