/**
 * Passkeys in a real browser (issue 18 "Passkeys / WebAuthn"): Chromium's
 * virtual authenticator (DevTools protocol `WebAuthn` domain) stands in for a
 * phone's screen lock. A user adds a passkey on the account page, signs in
 * with it alone on the login page, answers the login's second step with it,
 * and removes it. The server is reached as `localhost`: WebAuthn refuses an
 * IP address as relying party ID. SQLite and Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, loginToken, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import { generate } from "otplib"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  schoolDay,
  signIn,
  step,
  type TestPage,
  virtualAuthenticator
} from "./harness.js"

/** The account page's passkeys section (signed in already). */
const passkeysSection = (t: TestPage, slug: string) =>
  step(async () => {
    await t.page.goto(`/t/${slug}/account`)
    const section = t.page.locator("section.card", { has: t.page.getByRole("heading", { name: "Passkeys" }) })
    await section.getByText("No passkey yet.").waitFor()
    return section
  })

/** Adds a passkey named `name` through the account page. */
const addPasskey = (t: TestPage, slug: string, name: string) =>
  Effect.gen(function* () {
    const section = yield* passkeysSection(t, slug)
    yield* step(async () => {
      await section.getByLabel("Current password").fill(TEST_PASSWORD)
      await section.getByLabel("Name of this passkey").fill(name)
      await section.getByRole("button", { name: "Add a passkey" }).click()
      await section.getByText(/Passkey added/).waitFor()
      await section.getByRole("cell", { name, exact: true }).waitFor()
    })
    return section
  })

/** The user's passkeys over the API (names). */
const passkeyNames = (slug: string, login: string) =>
  Effect.gen(function* () {
    const token = yield* loginToken(slug, login)
    const r = yield* call("GET", `/api/v1/tenants/${slug}/me/passkeys`, { auth: token })
    return (r.body as Array<{ name: string }>).map((p) => p.name)
  })

describe.runIf(browserAvailable())("web app: passkeys", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `passkeys on ${dialect}`,
      (it) => {
        it.scoped("a user adds a passkey on the account page; the server lists it", () =>
          Effect.gen(function* () {
            const slug = "wp-add"
            yield* schoolDay(slug)
            const login = `s1@${slug}.example.edu`
            const t = yield* openPage("phone", undefined, "en-GB", "localhost")
            yield* virtualAuthenticator(t)
            yield* signIn(t, slug, login)
            yield* addPasskey(t, slug, "My phone")
            expect(yield* passkeyNames(slug, login)).toEqual(["My phone"])
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("the passkey alone signs in on the login page (no password typed)", () =>
          Effect.gen(function* () {
            const slug = "wp-signin"
            yield* schoolDay(slug)
            const login = `s2@${slug}.example.edu`
            const t = yield* openPage("phone", undefined, "en-GB", "localhost")
            yield* virtualAuthenticator(t)
            yield* signIn(t, slug, login)
            yield* addPasskey(t, slug, "Laptop")
            // A new browser session on the same device (same authenticator): the cookies are gone.
            yield* step(() => t.context.clearCookies())
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/login`)
              await t.page.getByRole("button", { name: "Sign in with a passkey" }).click()
              await t.page.waitForURL((u) => u.pathname === `/t/${slug}/student`, { timeout: 30_000 })
            })
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("with TOTP on, the login's second step is answered with the passkey", () =>
          Effect.gen(function* () {
            const slug = "wp-mfa"
            yield* schoolDay(slug)
            const login = `s3@${slug}.example.edu`
            const t = yield* openPage("phone", undefined, "en-GB", "localhost")
            yield* virtualAuthenticator(t)
            yield* signIn(t, slug, login)
            yield* addPasskey(t, slug, "Phone")
            // Turn TOTP on over the API, so the next password sign-in asks for a second factor.
            const token = yield* loginToken(slug, login)
            const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
              auth: token,
              body: { password: TEST_PASSWORD }
            })
            const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret as string }))
            const confirmed = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, {
              auth: token,
              body: { code }
            })
            expect(confirmed.status).toBe(200)
            yield* step(() => t.context.clearCookies())
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/login`)
              await t.page.getByLabel(/E-mail or username/).fill(login)
              await t.page.getByLabel(/^Password/).fill(TEST_PASSWORD)
              await t.page.getByRole("button", { name: "Sign in", exact: true }).click()
              await t.page.getByRole("button", { name: "Use a passkey instead" }).click()
              await t.page.waitForURL((u) => u.pathname === `/t/${slug}/student`, { timeout: 30_000 })
            })
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("a removed passkey is gone from the list and no longer signs in", () =>
          Effect.gen(function* () {
            const slug = "wp-remove"
            yield* schoolDay(slug)
            const login = `s1@${slug}.example.edu`
            const t = yield* openPage("desktop", undefined, "en-GB", "localhost")
            yield* virtualAuthenticator(t)
            yield* signIn(t, slug, login)
            const section = yield* addPasskey(t, slug, "Old key")
            yield* step(async () => {
              await section.getByRole("button", { name: "Remove the passkey Old key" }).click()
              await section.getByRole("button", { name: "Remove", exact: true }).click()
              await section.getByText("Passkey removed.").waitFor()
              await section.getByText("No passkey yet.").waitFor()
            })
            expect(yield* passkeyNames(slug, login)).toEqual([])
            yield* step(() => t.context.clearCookies())
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/login`)
              await t.page.getByRole("button", { name: "Sign in with a passkey" }).click()
              await t.page.getByText(/No passkey of this school was used/).waitFor()
            })
            expect(t.page.url()).toContain("/login")
          })
        )
      }
    )
  }
})
