/**
 * Admin page actions in a real browser (issue 17 "Admin"): the beacons page
 * creates a one-time enrolment code (shown once; a beacon really enrols with
 * it) and revokes an enrolled beacon; the users page unlocks a locked user,
 * resets a user's TOTP and sets a user's password; the settings page edits a
 * tenant setting, and a value the server refuses shows its message and
 * changes nothing. Each effect is checked through the REST API afterwards;
 * axe finds no serious or critical violation and no request leaves the
 * server. Chromium, SQLite and Postgres.
 */
import * as Crypto from "node:crypto"
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, loginToken, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import { generate } from "otplib"
import {
  adminSignInWithMfa,
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  schoolDay,
  signIn,
  step,
  type TestPage
} from "./harness.js"

/** Opens an admin page (the admin is signed in); waits for its heading and the network to settle. */
const adminPage = (t: TestPage, slug: string, path: string, title: string) =>
  step(async () => {
    await t.page.goto(`/t/${slug}/admin${path}`)
    await t.page.getByRole("heading", { level: 1, name: title }).waitFor({ timeout: 30_000 })
    await t.page.waitForLoadState("networkidle")
  })

/** A P-256 public JWK, as a beacon sends it when it enrols. */
const beaconJwk = () => {
  const jwk = Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" }) as any
  return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }
}

/** Enrols a beacon with `code` over REST (`POST /api/v1/beacon/enroll`); answers the response. */
const enrolBeacon = (code: string) =>
  call("POST", "/api/v1/beacon/enroll", {
    auth: false,
    body: { code, alg: "ES256", public_jwk: beaconJwk(), firmware_version: "1.0.0" }
  })

/** The common end of every test: axe finds nothing, nothing left the server, no page error. */
const pageIsClean = (t: TestPage) =>
  Effect.gen(function* () {
    expect(yield* axeViolations(t)).toEqual([])
    expect(foreignRequests(t)).toEqual([])
    expect(t.errors).toEqual([])
  })

describe.runIf(browserAvailable())("web app: admin actions", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `admin actions on ${dialect}`,
      (it) => {
        it.scoped(
          "beacons: the admin creates an enrolment code, shown once, and a beacon enrols with it",
          () =>
            Effect.gen(function* () {
              const slug = "waa-code"
              yield* schoolDay(slug)
              const t = yield* openPage("desktop")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* adminPage(t, slug, "/beacons", "Beacons")
              const code = yield* step(async () => {
                await t.page.getByLabel("Name").fill("Hall")
                await t.page.getByRole("button", { name: "Create enrolment code" }).click()
                const out = t.page.locator("output.secret")
                await out.waitFor({ timeout: 30_000 })
                return (await out.textContent())?.trim() ?? ""
              })
              expect(yield* step(() => t.page.getByText(/It is shown only once/).isVisible())).toBe(true)
              expect(code.length).toBeGreaterThan(0)
              yield* pageIsClean(t)
              // The code is real: a beacon enrols with it, once.
              const enrolled = yield* enrolBeacon(code)
              expect(enrolled.status).toBe(201)
              expect((yield* enrolBeacon(code)).status).toBe(401)
            }),
          120_000
        )

        it.scoped(
          "beacons: the admin revokes an enrolled beacon",
          () =>
            Effect.gen(function* () {
              const slug = "waa-revoke"
              const day = yield* schoolDay(slug)
              const code = (yield* day.post("/beacons/enrolment-codes", { name: "Lab" })).body.code as string
              const enrolled = yield* enrolBeacon(code)
              expect(enrolled.status).toBe(201)
              const beaconId = enrolled.body.beacon_id as string
              const t = yield* openPage("desktop")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* adminPage(t, slug, "/beacons", "Beacons")
              yield* step(async () => {
                const row = t.page.locator("tbody tr").first()
                await row.getByRole("button", { name: "Revoke" }).click()
                await t.page.locator("output.ok", { hasText: "is revoked." }).waitFor({ timeout: 30_000 })
                await row.getByText("Revoked").waitFor({ timeout: 30_000 })
              })
              const list = yield* day.get("/beacons")
              expect(list.body.items.map((b: any) => [b.id, b.status])).toEqual([[beaconId, "revoked"]])
              yield* pageIsClean(t)
            }),
          120_000
        )

        it.scoped(
          "users: the admin unlocks a user locked by failed sign-ins",
          () =>
            Effect.gen(function* () {
              const slug = "waa-unlock"
              const day = yield* schoolDay(slug)
              const email = `s1@${slug}.example.edu`
              const login = (password: string) =>
                call("POST", `${day.T}/auth/login`, { auth: false, body: { login: email, password } })
              // auth.lockout_threshold (default 5) consecutive failures lock the account.
              for (let i = 0; i < 5; i++) expect((yield* login("wrong password, sorry")).status).toBe(401)
              expect((yield* login(TEST_PASSWORD)).status).not.toBe(200)
              const locked = yield* day.get(`/users?q=s1`)
              expect(locked.body.items.map((u: any) => u.status)).toEqual(["locked"])
              const t = yield* openPage("desktop")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* adminPage(t, slug, "", "Users")
              yield* step(async () => {
                const row = t.page.locator(`tr[data-email="${email}"]`)
                await row.getByRole("button", { name: "Unlock" }).click()
                await t.page.getByText(`${email} is unlocked.`).waitFor({ timeout: 30_000 })
                await row.getByRole("button", { name: "Unlock" }).waitFor({ state: "detached", timeout: 30_000 })
              })
              const after = yield* day.get(`/users?q=s1`)
              expect(after.body.items.map((u: any) => u.status)).toEqual(["active"])
              expect((yield* login(TEST_PASSWORD)).status).toBe(200)
              yield* pageIsClean(t)
            }),
          120_000
        )

        it.scoped(
          "users: the admin resets a user's two-step verification",
          () =>
            Effect.gen(function* () {
              const slug = "waa-mfa"
              const day = yield* schoolDay(slug)
              const email = `s2@${slug}.example.edu`
              const token = yield* loginToken(slug, email)
              const enrol = yield* call("POST", `${day.T}/me/mfa/totp`, {
                auth: token,
                body: { password: TEST_PASSWORD }
              })
              const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret }))
              const confirmed = yield* call("POST", `${day.T}/me/mfa/totp/confirm`, { auth: token, body: { code } })
              expect(confirmed.status).toBe(200)
              const login = () =>
                call("POST", `${day.T}/auth/login`, { auth: false, body: { login: email, password: TEST_PASSWORD } })
              expect((yield* login()).body.tokens).toBeUndefined()
              const t = yield* openPage("desktop")
              yield* adminSignInWithMfa(t, slug)
              yield* adminPage(t, slug, "", "Users")
              yield* step(async () => {
                const row = t.page.locator(`tr[data-email="${email}"]`)
                await row.getByRole("button", { name: "Reset MFA" }).click()
                await t.page.locator("main output.ok, main [role=alert]").first().waitFor({ timeout: 30_000 })
                expect(await t.page.locator("main output.ok, main [role=alert]").first().textContent()).toBe(
                  `Two-step verification of ${email} is reset.`
                )
                await row.getByRole("button", { name: "Reset MFA" }).waitFor({ state: "detached", timeout: 30_000 })
              })
              const after = yield* day.get(`/users?q=s2`)
              expect(after.body.items.map((u: any) => u.mfa_enabled)).toEqual([false])
              // The password alone signs in again.
              expect((yield* login()).body.tokens.access_token).toEqual(expect.any(String))
              yield* pageIsClean(t)
            }),
          120_000
        )

        it.scoped(
          "an admin whose session has no recent MFA check is asked for a code; the action then goes through",
          () =>
            Effect.gen(function* () {
              const slug = "waa-stepup"
              const day = yield* schoolDay(slug)
              const email = `s2@${slug}.example.edu`
              const fresh = "another new passphrase 23"
              const t = yield* openPage("desktop")
              // Signed in with a password only; the second factor is enrolled afterwards, elsewhere.
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              const token = yield* loginToken(slug, `admin@${slug}.example.edu`)
              const base = `/api/v1/tenants/${slug}`
              const enrol = yield* call("POST", `${base}/me/mfa/totp`, {
                auth: token,
                body: { password: TEST_PASSWORD }
              })
              const first = yield* Effect.promise(() => generate({ secret: enrol.body.secret }))
              yield* call("POST", `${base}/me/mfa/totp/confirm`, { auth: token, body: { code: first } })
              yield* adminPage(t, slug, "", "Users")
              const setPassword = () =>
                step(async () => {
                  await t.page
                    .locator(`tr[data-email="${email}"]`)
                    .getByRole("button", { name: "Set password" })
                    .click()
                  const form = t.page.locator("form", {
                    has: t.page.getByRole("heading", { name: `New password for ${email}` })
                  })
                  await form.getByLabel("New password").fill(fresh)
                  await form.getByRole("button", { name: "Set password" }).click()
                })
              yield* setPassword()
              const codeField = t.page.getByLabel("Code from your authenticator app")
              yield* step(() => codeField.waitFor({ timeout: 30_000 }))
              // Nothing changed yet: the old password still signs in.
              expect(
                (yield* call("POST", `${day.T}/auth/login`, {
                  auth: false,
                  body: { login: email, password: TEST_PASSWORD }
                })).status
              ).toBe(200)
              // The confirm used this period's code (each code works once): the next period's is accepted.
              const code = yield* Effect.promise(() =>
                generate({ secret: enrol.body.secret, epoch: Math.floor(Date.now() / 1000) + 30 })
              )
              yield* step(() => codeField.fill(code))
              yield* step(() => t.page.getByRole("button", { name: "Confirm" }).click())
              yield* step(() => t.page.getByText("Confirmed. Try again now.").waitFor({ timeout: 30_000 }))
              yield* setPassword()
              yield* step(() => t.page.getByText(`Password of ${email} set`).waitFor({ timeout: 30_000 }))
              const ok = yield* call("POST", `${day.T}/auth/login`, {
                auth: false,
                body: { login: email, password: fresh }
              })
              expect(ok.status).toBe(200)
              yield* pageIsClean(t)
            }),
          120_000
        )

        it.scoped(
          "users: the admin sets a user's password; it signs in, asking for a new one (issue 18)",
          () =>
            Effect.gen(function* () {
              const slug = "waa-password"
              const day = yield* schoolDay(slug)
              const email = `s3@${slug}.example.edu`
              const fresh = "a brand new passphrase 17"
              const t = yield* openPage("phone")
              yield* adminSignInWithMfa(t, slug)
              yield* adminPage(t, slug, "", "Users")
              yield* step(async () => {
                await t.page.locator(`tr[data-email="${email}"]`).getByRole("button", { name: "Set password" }).click()
                const form = t.page.locator("form", {
                  has: t.page.getByRole("heading", { name: `New password for ${email}` })
                })
                await form.getByLabel("New password").fill(fresh)
                await form.getByRole("button", { name: "Set password" }).click()
                await form.locator("output.ok, [role=alert]").first().waitFor({ timeout: 30_000 })
                expect(await form.locator("output.ok, [role=alert]").first().textContent()).toMatch(
                  `Password of ${email} set`
                )
              })
              const ok = yield* call("POST", `${day.T}/auth/login`, {
                auth: false,
                body: { login: email, password: fresh }
              })
              // A password the admin set is temporary: the user must choose their own (issue 18).
              expect(ok.body).toMatchObject({ status: "actions_required", actions: ["update_password"] })
              const old = yield* call("POST", `${day.T}/auth/login`, {
                auth: false,
                body: { login: email, password: TEST_PASSWORD }
              })
              expect(old.status).toBe(401)
              yield* pageIsClean(t)
            }),
          120_000
        )

        it.scoped(
          "settings: the admin edits a setting; a refused value shows the server's message and changes nothing",
          () =>
            Effect.gen(function* () {
              const slug = "waa-settings"
              const day = yield* schoolDay(slug)
              const key = "attendance.qr_step_seconds"
              const t = yield* openPage("desktop")
              yield* adminSignInWithMfa(t, slug)
              yield* adminPage(t, slug, "/settings", "Settings")
              const form = t.page.locator("form", { has: t.page.getByLabel(key, { exact: true }) })
              yield* step(async () => {
                await form.getByLabel(key, { exact: true }).fill("30")
                await form.getByRole("button", { name: "Save" }).click()
                await form.locator("output.ok, [role=alert]").first().waitFor({ timeout: 30_000 })
                expect(await form.locator("output.ok, [role=alert]").first().textContent()).toBe(`${key} saved.`)
              })
              expect((yield* day.get(`/settings/${key}`)).body.value).toBe(30)
              yield* pageIsClean(t)
              const alert = yield* step(async () => {
                await form.getByLabel(key, { exact: true }).fill("500")
                await form.getByRole("button", { name: "Save" }).click()
                const a = form.getByRole("alert")
                await a.waitFor({ timeout: 30_000 })
                return (await a.textContent()) ?? ""
              })
              // The server's message (the page sends the value as is; the setting's schema refuses it).
              expect(alert).toContain("between 5 and 120")
              expect((yield* day.get(`/settings/${key}`)).body.value).toBe(30)
              yield* pageIsClean(t)
            }),
          120_000
        )
      }
    )
  }
})
