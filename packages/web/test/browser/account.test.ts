/**
 * The account page in a real browser (issue 17 "Account"): password change
 * (the new password only signs in afterwards), TOTP enrolment through the
 * page (the next sign-in asks for the code), revoking another session, API
 * keys hidden from a student and usable by an administrator. Chromium,
 * SQLite and Postgres.
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
  screenshot,
  signIn,
  step,
  type TestPage
} from "./harness.js"

const NEW_PASSWORD = "a brand new passphrase 2026"

/** `POST …/auth/login` over the API: the status and body. */
const apiLogin = (slug: string, login: string, password: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/login`, { auth: false, body: { login, password } })

/** Opens the account page (signed in already) and waits for the profile. */
const openAccount = (t: TestPage, slug: string) =>
  step(async () => {
    await t.page.goto(`/t/${slug}/account`)
    await t.page.getByRole("heading", { name: "Profile" }).waitFor()
  })

describe.runIf(browserAvailable())("web app: account", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `account pages on ${dialect}`,
      (it) => {
        it.scoped("a user changes their password: other sessions end, only the new password signs in", () =>
          Effect.gen(function* () {
            const slug = "wa-pass"
            yield* schoolDay(slug)
            const login = `s1@${slug}.example.edu`
            // A session on another device, signed out by the change.
            expect((yield* apiLogin(slug, login, TEST_PASSWORD)).status).toBe(200)
            const t = yield* openPage("desktop")
            yield* signIn(t, slug, login)
            yield* openAccount(t, slug)
            expect(yield* step(() => t.page.getByText(login).isVisible())).toBe(true)
            yield* step(() => t.page.getByText("Lycée Hugo").waitFor())
            yield* screenshot(t, "account", "desktop", dialect)
            yield* step(async () => {
              await t.page.getByLabel("Current password", { exact: true }).first().fill(TEST_PASSWORD)
              await t.page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD)
              await t.page.getByLabel("New password again").fill(NEW_PASSWORD)
              await t.page.getByRole("button", { name: "Change password" }).click()
              await t.page.getByText("Your password is changed. 1 other session was signed out.").waitFor()
            })
            expect((yield* apiLogin(slug, login, TEST_PASSWORD)).status).toBe(401)
            expect((yield* apiLogin(slug, login, NEW_PASSWORD)).status).toBe(200)
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("a user sets their preferences (language, time zone, display name) on a phone", () =>
          Effect.gen(function* () {
            const slug = "wa-prefs"
            yield* schoolDay(slug)
            const login = `s3@${slug}.example.edu`
            const t = yield* openPage("phone")
            yield* signIn(t, slug, login)
            yield* openAccount(t, slug)
            yield* step(async () => {
              await t.page.getByLabel("Name shown to others (optional)").fill("Sam")
              await t.page.getByLabel("Your language (mails and pages)").selectOption("fr")
              await t.page.getByLabel("Time zone (empty: your school's)").fill("Europe/Paris")
              await t.page.getByRole("button", { name: "Save preferences" }).click()
              await t.page.getByText("Your preferences are saved.").waitFor()
            })
            const token = yield* loginToken(slug, login)
            const me = yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: token })
            expect(me.body).toMatchObject({ display_name: "Sam", locale: "fr", time_zone: "Europe/Paris" })
            expect(yield* axeViolations(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped(
          "TOTP enrolment through the page: QR image, recovery codes, and the next sign-in asks for a code",
          () =>
            Effect.gen(function* () {
              const slug = "wa-totp"
              yield* schoolDay(slug)
              const login = `s2@${slug}.example.edu`
              const t = yield* openPage("phone")
              yield* signIn(t, slug, login)
              yield* openAccount(t, slug)
              yield* screenshot(t, "account", "phone", dialect)
              const mfa = t.page.locator("section", {
                has: t.page.getByRole("heading", { name: "Two-step verification" })
              })
              yield* step(async () => {
                await mfa.getByLabel("Current password").fill(TEST_PASSWORD)
                await mfa.getByRole("button", { name: "Set up two-step verification" }).click()
              })
              const qr = t.page.getByRole("img", { name: /QR code to add your Signet account/ })
              yield* step(() => qr.waitFor())
              expect(yield* step(() => qr.getAttribute("src"))).toMatch(/^data:image\/png;base64,/)
              const secret = (yield* step(() => mfa.locator("code.secret").textContent())) ?? ""
              // The code field starts empty (not the password typed a step before).
              expect(yield* step(() => mfa.getByLabel("6-digit code from the app").inputValue())).toBe("")
              expect(secret).toMatch(/^[A-Z2-7]+=*$/)
              yield* screenshot(t, "account-totp", "phone", dialect)
              expect(yield* axeViolations(t)).toEqual([])
              const code = (offset: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * offset })
              const now = yield* step(() => code(0))
              yield* step(async () => {
                await mfa.getByLabel("6-digit code from the app").fill(now)
                await mfa.getByRole("button", { name: "Turn on" }).click()
                await t.page.getByRole("heading", { name: "Your recovery codes" }).waitFor()
              })
              expect(yield* step(() => mfa.locator("ul.codes li").count())).toBe(10)
              expect(yield* step(() => mfa.getByRole("link", { name: "Download the codes" }).isVisible())).toBe(true)
              expect(yield* axeViolations(t)).toEqual([])
              yield* step(() => mfa.getByRole("button", { name: "I have saved my codes" }).click())
              yield* step(() => mfa.getByText("Two-step verification is on.").waitFor())

              // A new device: the password alone is not enough, the login page asks for the code.
              const other = yield* openPage("phone")
              yield* step(async () => {
                await other.page.goto(`/t/${slug}/login`)
                await other.page.getByLabel(/E-mail or username/).fill(login)
                await other.page.getByLabel(/^Password/).fill(TEST_PASSWORD)
                await other.page.getByRole("button", { name: "Sign in", exact: true }).click()
              })
              const codeField = other.page.getByLabel(/code/i).first()
              yield* step(() => codeField.waitFor())
              expect(other.page.url()).toContain("/login")
              const next = yield* step(() => code(1))
              yield* step(async () => {
                await codeField.fill(next)
                await other.page.getByRole("button", { name: /verify/i }).click()
                await other.page.waitForURL((u) => u.pathname === `/t/${slug}/student`, { timeout: 20_000 })
              })
              expect(foreignRequests(t)).toEqual([])
              expect(t.errors).toEqual([])
            })
        )

        it.scoped("a user signs out another session from the list; the current one cannot be revoked there", () =>
          Effect.gen(function* () {
            const slug = "wa-sess"
            yield* schoolDay(slug)
            const login = `s3@${slug}.example.edu`
            const elsewhere = yield* apiLogin(slug, login, TEST_PASSWORD)
            const refresh = elsewhere.body.tokens.refresh_token as string
            const t = yield* openPage("desktop")
            yield* signIn(t, slug, login)
            yield* openAccount(t, slug)
            const rows = t.page.locator("table.sessions tbody tr")
            yield* step(() => rows.nth(1).waitFor())
            expect(yield* step(() => rows.count())).toBe(2)
            const current = t.page.locator('table.sessions tr[data-current="true"]')
            expect(yield* step(() => current.getByText("This device").isVisible())).toBe(true)
            expect(yield* step(() => current.getByRole("button").count())).toBe(0)
            yield* screenshot(t, "account-sessions", "desktop", dialect)
            yield* step(async () => {
              await t.page
                .locator("table.sessions tbody tr:not([data-current])")
                .getByRole("button", { name: /Sign out the session/ })
                .click()
              await t.page.getByText("The session is signed out.").waitFor()
            })
            yield* step(() => rows.nth(1).waitFor({ state: "detached" }))
            expect(yield* step(() => rows.count())).toBe(1)
            // The other device's refresh token is dead.
            const again = yield* call("POST", `/api/v1/tenants/${slug}/auth/refresh`, {
              auth: false,
              body: { refresh_token: refresh }
            })
            expect(again.status).toBe(401)
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
          })
        )

        it.scoped("API keys: hidden from a student, created (shown once) and revoked by an administrator", () =>
          Effect.gen(function* () {
            const slug = "wa-keys"
            yield* schoolDay(slug)
            const student = yield* openPage("phone")
            yield* signIn(student, slug, `s1@${slug}.example.edu`)
            yield* openAccount(student, slug)
            yield* step(() => student.page.getByRole("heading", { name: "Your sessions" }).waitFor())
            yield* step(() => student.page.waitForLoadState("networkidle"))
            expect(yield* step(() => student.page.getByRole("heading", { name: "API keys" }).count())).toBe(0)

            const admin = yield* openPage("desktop")
            const adminLogin = `admin@${slug}.example.edu`
            yield* signIn(admin, slug, adminLogin)
            // Keys need a recent MFA verification: the admin turns MFA on (over the API, from another
            // session), so this browser session is not verified yet and the page asks for a code.
            const token = yield* loginToken(slug, adminLogin)
            const T = `/api/v1/tenants/${slug}`
            const enrolment = (yield* call("POST", `${T}/me/mfa/totp`, {
              auth: token,
              body: { password: TEST_PASSWORD }
            })).body
            const code = (offset: number) =>
              generate({ secret: enrolment.secret, epoch: Math.floor(Date.now() / 1000) + 30 * offset })
            const first = yield* step(() => code(0))
            expect(
              (yield* call("POST", `${T}/me/mfa/totp/confirm`, { auth: token, body: { code: first } })).status
            ).toBe(200)
            yield* openAccount(admin, slug)
            const keys = admin.page.locator("section", { has: admin.page.getByRole("heading", { name: "API keys" }) })
            const create = step(async () => {
              await keys.getByLabel("Name").fill("Timetable sync")
              await keys.getByLabel("Permissions").fill("attendance:read, users:read")
              await keys.getByRole("button", { name: "Create key" }).click()
            })
            yield* create
            yield* step(() => keys.getByText("confirm with a code from your authenticator app").waitFor())
            const next = yield* step(() => code(1))
            yield* step(async () => {
              await keys.getByLabel("6-digit code from the app").fill(next)
              await keys.getByRole("button", { name: "Confirm" }).click()
              await keys.getByText("confirm with a code").waitFor({ state: "detached" })
            })
            yield* create
            yield* step(() => keys.getByText("Copy this key now").or(keys.locator(".error")).first().waitFor())
            expect(yield* step(() => keys.locator(".error").allTextContents())).toEqual([])
            const key = yield* step(() => keys.getByLabel("New API key").inputValue())
            expect(key).toMatch(/^sg_/)
            const used = yield* call("GET", `/api/v1/tenants/${slug}/users`, { auth: key })
            expect(used.status).toBe(200)
            yield* screenshot(admin, "account-apikeys", "desktop", dialect)
            expect(yield* axeViolations(admin)).toEqual([])
            yield* step(async () => {
              await keys.getByRole("button", { name: "Revoke the key Timetable sync" }).click()
              await keys.getByText("Revoked or expired").waitFor()
            })
            const after = yield* call("GET", `/api/v1/tenants/${slug}/users`, { auth: key })
            expect(after.status).toBe(401)
            expect(foreignRequests(admin)).toEqual([])
          })
        )
      }
    )
  }
})
