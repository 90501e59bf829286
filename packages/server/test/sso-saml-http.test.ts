/**
 * SAML sign-in over HTTP (issue 19 §2): an admin registers a SAML
 * connection from the IdP's metadata values (a malformed certificate is a
 * 400); Signet's SP metadata is public; a browser goes to the IdP and posts
 * the signed response back to the callback, landing signed in — but not
 * without the state cookie of the browser that started.
 */
import { expect, layer } from "@effect/vitest"
import { REFRESH_COOKIE } from "@signet/contracts/identity/WebApi"
import { testDialects } from "@signet/core/testing"
import { samlTestIdp } from "@signet/core/testing/saml"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const SLUG = "saml-http"
const T = `/api/v1/tenants/${SLUG}`

/** The IdP and the tenant's SAML connection "school". */
const setUp = (slug: string) =>
  Effect.gen(function* () {
    const idp = yield* samlTestIdp
    const admin = yield* onboardTenant(slug)
    const put = yield* call("PUT", `/api/v1/tenants/${slug}/sso/saml-connections/school`, {
      auth: admin,
      body: {
        idp_entity_id: idp.entityId,
        sso_url: idp.ssoUrl,
        certificates: [idp.certificate],
        domains: ["school.example"],
        provisioning: "jit"
      }
    })
    expect(put.status, put.text).toBe(200)
    return { idp, admin, connection: put.body }
  })

/** GET …/sso/login for "school": the IdP URL and the state cookie set. */
const startAt = (slug: string) =>
  Effect.gen(function* () {
    const server = yield* TestServer
    const res = yield* Effect.promise(() =>
      fetch(`${server.url}/api/v1/tenants/${slug}/sso/login?connection=school`, { redirect: "manual" })
    )
    expect(res.status).toBe(302)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("signet_sso_state="))!
    return { location: res.headers.get("location")!, cookie, state: cookie.split(";")[0]!.split("=")[1]! }
  })

/** Posts the IdP's form to the callback with `cookie`; the response (not followed). */
const postBack = (slug: string, form: Record<string, string>, cookie: string) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(() =>
      fetch(`${server.url}/api/v1/tenants/${slug}/sso/callback`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams(form).toString()
      })
    )
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `SAML sign-in over HTTP on ${dialect} (issue 19 §2)`,
    (it) => {
      it.effect("a SAML connection is registered with its certificate's fingerprint; a malformed one is a 400", () =>
        Effect.gen(function* () {
          const { connection, admin } = yield* setUp(SLUG)
          expect(connection).toMatchObject({
            name: "school",
            protocol: "saml",
            issuer: "https://idp.test.example/saml"
          })
          expect(connection.saml_certificate_fingerprints[0]).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
          const bad = yield* call("PUT", `${T}/sso/saml-connections/broken`, {
            auth: admin,
            body: {
              idp_entity_id: "x",
              sso_url: "https://idp.example/sso",
              certificates: ["-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----"],
              domains: ["broken.example"],
              provisioning: "jit"
            }
          })
          expectProblem(bad, 400)
          expect(bad.text).toContain("certificates")
        })
      )

      it.effect("the SP metadata is public XML naming the entity ID and the callback", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          yield* setUp("saml-meta-http")
          const res = yield* Effect.promise(() =>
            fetch(`${server.url}/api/v1/tenants/saml-meta-http/sso/connections/school/saml-metadata`)
          )
          expect(res.status).toBe(200)
          expect(res.headers.get("content-type")).toContain("application/samlmetadata+xml")
          const xml = yield* Effect.promise(() => res.text())
          expect(xml).toContain(
            `entityID="${server.url}/api/v1/tenants/saml-meta-http/sso/connections/school/saml-metadata"`
          )
          expect(xml).toContain(`Location="${server.url}/api/v1/tenants/saml-meta-http/sso/callback"`)
        })
      )

      it.effect("a browser posts the signed response back and lands signed in", () =>
        Effect.gen(function* () {
          const { idp } = yield* setUp("saml-web")
          const started = yield* startAt("saml-web")
          expect(started.location.startsWith(idp.ssoUrl)).toBe(true)
          expect(started.cookie).toMatch(/SameSite=None/i)
          expect(started.cookie).toMatch(/Secure/i)
          const request = idp.requestOf(started.location)
          const SAMLResponse = idp.respond({
            request,
            nameId: "ada-persistent",
            attributes: { email: "ada@school.example" }
          })
          const res = yield* postBack(
            "saml-web",
            { SAMLResponse, RelayState: request.relayState },
            `signet_sso_state=${started.state}`
          )
          expect(res.status).toBe(302)
          expect(res.headers.get("location")).toBe("/t/saml-web/")
          expect(res.headers.getSetCookie().join(";")).toContain(`${REFRESH_COOKIE}=sgr_`)
        })
      )

      it.effect("a response posted from a browser without the state cookie signs nobody in", () =>
        Effect.gen(function* () {
          const { idp } = yield* setUp("saml-csrf")
          const started = yield* startAt("saml-csrf")
          const request = idp.requestOf(started.location)
          const SAMLResponse = idp.respond({ request, nameId: "eve", attributes: { email: "eve@school.example" } })
          const res = yield* postBack("saml-csrf", { SAMLResponse, RelayState: request.relayState }, "")
          expect(res.headers.get("location")).toBe("/t/saml-csrf/login?sso_error=browser_mismatch")
          expect(res.headers.getSetCookie().join(";")).not.toContain(`${REFRESH_COOKIE}=sgr_`)
        })
      )
    }
  )
}
