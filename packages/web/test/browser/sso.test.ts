/**
 * Signing in with the school's account in a real browser (issue 19 §2): on
 * the sign-in page, an address served by an SSO connection offers "Continue
 * with your school account"; it goes to the IdP (`oidc-provider` on
 * loopback) and comes back signed in to the user's home — or, with a
 * required action pending, to the sign-in page's actions step, handed over
 * in the URL's fragment (`#actions=…&action_token=…`). A refusal the
 * server sends back (`sso_error`) is explained on the page. An admin adds
 * and deletes a connection on the single sign-on page.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { OAUTH_TEST_CLIENT, oauthTestServer } from "@signet/core/testing/oauth"
import { call, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import { generate } from "otplib"
import { axeViolations, BrowserLive, browserAvailable, openPage, screenshot, signIn, step } from "./harness.js"

const serverWithBrowser = (dialect: "sqlite" | "pg") =>
  Layer.merge(testServer(dialect, {}, { SIGNET_OAUTH_ALLOW_HTTP_ISSUERS: "true" }), BrowserLive)

describe.runIf(browserAvailable())("web app: SSO sign-in", () => {
  for (const dialect of testDialects()) {
    layer(serverWithBrowser(dialect), { timeout: 180_000, excludeTestServices: true })(
      `SSO sign-in page on ${dialect}`,
      (it) => {
        it.scoped("a teacher of an SSO domain signs in with the school account and lands on their home", () =>
          Effect.gen(function* () {
            const slug = `wsso-${dialect}`
            const T = `/api/v1/tenants/${slug}`
            const server = yield* TestServer
            const { state } = yield* oauthTestServer([`${server.url}${T}/sso/callback`])
            const admin = yield* onboardTenant(slug)
            const email = `t@${slug}.example.edu`
            const created = yield* call("POST", `${T}/users`, {
              auth: admin,
              body: { email, given_name: "Tom", family_name: "T", user_type: "teacher", password: TEST_PASSWORD }
            })
            expect(created.status, created.text).toBe(201)
            const put = yield* call("PUT", `${T}/sso/connections/school`, {
              auth: admin,
              body: {
                issuer: state.issuer,
                ...OAUTH_TEST_CLIENT,
                scopes: ["openid", "email", "profile"],
                domains: [`${slug}.example.edu`],
                provisioning: "link_only"
              }
            })
            expect(put.status, put.text).toBe(200)
            state.accountId = "tom-at-idp"
            state.claims = { email, email_verified: true }

            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(`/t/${slug}/login`))
            yield* step(() => t.page.getByLabel(/E-mail or username/).fill(email))
            yield* step(() => t.page.getByLabel(/^Password/).focus())
            const sso = t.page.getByRole("link", { name: "Continue with your school account" })
            yield* step(() => sso.waitFor())
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "login-sso", "phone", dialect)
            yield* step(() => sso.click())
            yield* step(() => t.page.waitForURL((u) => u.pathname === `/t/${slug}/teacher`, { timeout: 30_000 }))
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("an SSO sign-in with configure_mfa pending hands it to the sign-in page, which asks it first", () =>
          Effect.gen(function* () {
            const slug = `wsso-ra-${dialect}`
            const T = `/api/v1/tenants/${slug}`
            const server = yield* TestServer
            const { state } = yield* oauthTestServer([`${server.url}${T}/sso/callback`])
            const admin = yield* onboardTenant(slug)
            const email = `ra@${slug}.example.edu`
            const created = yield* call("POST", `${T}/users`, {
              auth: admin,
              body: { email, given_name: "Rita", family_name: "A", user_type: "teacher", password: TEST_PASSWORD }
            })
            expect(created.status, created.text).toBe(201)
            const policy = yield* call("PUT", `${T}/settings/auth.mfa_required_user_types`, {
              body: { value: ["teacher"] }
            })
            expect(policy.status, policy.text).toBe(200)
            const put = yield* call("PUT", `${T}/sso/connections/school`, {
              auth: admin,
              body: {
                issuer: state.issuer,
                ...OAUTH_TEST_CLIENT,
                scopes: ["openid", "email", "profile"],
                domains: [`${slug}.example.edu`],
                provisioning: "link_only"
              }
            })
            expect(put.status, put.text).toBe(200)
            // The IdP reports no MFA (`amr`), so Signet's own configure_mfa is asked.
            state.accountId = "rita-at-idp"
            state.claims = { email, email_verified: true }

            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(`/t/${slug}/login`))
            yield* step(() => t.page.getByLabel(/E-mail or username/).fill(email))
            yield* step(() => t.page.getByLabel(/^Password/).focus())
            const sso = t.page.getByRole("link", { name: "Continue with your school account" })
            yield* step(() => sso.click())
            yield* step(() => t.page.getByRole("heading", { name: "Before you continue" }).waitFor({ timeout: 30_000 }))
            // The action token came in the fragment and is no longer in the address bar.
            expect(yield* step(async () => new URL(t.page.url()).hash)).toBe("")
            expect(yield* step(() => t.page.getByText(/Set up two-step verification/).isVisible())).toBe(true)
            yield* step(() => t.page.getByRole("button", { name: "Set up an authenticator app" }).click())
            const secret = (yield* step(() => t.page.locator("code.secret").textContent())) ?? ""
            const code = yield* Effect.promise(() => generate({ secret }))
            yield* step(() => t.page.getByLabel("6-digit code").fill(code))
            yield* step(() => t.page.getByRole("button", { name: "Confirm" }).click())
            yield* step(() => t.page.getByRole("button", { name: "Continue" }).click())
            yield* step(() => t.page.waitForURL((u) => u.pathname === `/t/${slug}/teacher`, { timeout: 30_000 }))
            const user = yield* call("GET", `${T}/users/${created.body.id}`, { auth: admin })
            expect(user.body.mfa_enabled).toBe(true)
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("a refused sign-in is explained on the sign-in page", () =>
          Effect.gen(function* () {
            const slug = `wsso-err-${dialect}`
            yield* onboardTenant(slug)
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(`/t/${slug}/login?sso_error=no_account`))
            const alert = t.page.getByRole("alert")
            yield* step(() => alert.waitFor())
            expect(yield* step(() => alert.textContent())).toContain("There is no Signet account for this address yet")
          })
        )

        it.scoped("an admin adds an OpenID Connect connection on the single sign-on page, then deletes it", () =>
          Effect.gen(function* () {
            const slug = `wsso-admin-${dialect}`
            yield* onboardTenant(slug)
            const t = yield* openPage("desktop")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(() => t.page.goto(`/t/${slug}/admin/sso`))
            const form = t.page.locator("form", { has: t.page.getByLabel("Issuer URL") })
            yield* step(() => form.waitFor())
            yield* step(() => form.getByLabel("Name").fill("google"))
            yield* step(() => form.getByLabel("Issuer URL").fill("https://accounts.google.com"))
            yield* step(() => form.getByLabel("Client ID").fill("1234.apps.googleusercontent.com"))
            yield* step(() => form.getByLabel("Client secret").fill("a-client-secret"))
            yield* step(() => form.getByLabel(/E-mail domains/).fill("staff.example"))
            yield* step(() => form.getByRole("button", { name: "Save the connection" }).click())
            const row = t.page.getByRole("row", { name: /google/ })
            yield* step(() => row.waitFor())
            expect(yield* step(() => row.textContent())).toContain("staff.example")
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "admin-sso", "desktop", dialect)
            yield* step(() => t.page.getByRole("button", { name: "Delete the connection google" }).click())
            yield* step(() => row.getByRole("button", { name: "Delete", exact: true }).click())
            yield* step(() => t.page.getByText("No connection yet.").waitFor())
            expect(t.errors).toEqual([])
          })
        )
      }
    )
  }
})
