/**
 * Issue 18: required actions at sign-in in a real browser — an
 * administrator requires a new password; the sign-in page asks for it
 * (phone, axe-clean), then the student lands signed in; and `configure_mfa`:
 * the page enrols an authenticator (TOTP, a real otplib code) or a passkey
 * (Chromium's virtual authenticator) before the session.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import { generate } from "otplib"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  openPage,
  schoolDay,
  screenshot,
  step,
  virtualAuthenticator
} from "./harness.js"

describe.runIf(browserAvailable())("web app: required actions", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `required actions on ${dialect}`,
      (it) => {
        it.scoped("update_password: the sign-in page asks for a new password, then signs in", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wra-pw")
            const put = yield* call("PUT", `${day.T}/users/${day.s1.id}/required-actions`, {
              auth: day.admin,
              body: { actions: ["update_password"] }
            })
            expect(put.status, put.text).toBe(200)
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto("/t/wra-pw/login"))
            yield* step(() => t.page.getByLabel(/E-mail or username/).fill("s1@wra-pw.example.edu"))
            yield* step(() => t.page.getByLabel(/^Password/).fill(TEST_PASSWORD))
            yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
            yield* step(() => t.page.getByRole("heading", { name: "Before you continue" }).waitFor())
            expect(yield* step(() => t.page.getByText("Choose a new password.").isVisible())).toBe(true)
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "login-required-actions", "phone", dialect)
            // The current password is refused, in plain words.
            yield* step(() => t.page.getByLabel("New password").fill(TEST_PASSWORD))
            yield* step(() => t.page.getByRole("button", { name: "Save and continue" }).click())
            yield* step(() => t.page.getByRole("alert").waitFor())
            expect(yield* step(() => t.page.getByRole("alert").textContent())).toBe(
              "Choose a password different from your current one."
            )
            yield* step(() => t.page.getByLabel("New password").fill("a fresh passphrase for Alice"))
            yield* step(() => t.page.getByRole("button", { name: "Save and continue" }).click())
            yield* step(() => t.page.waitForURL((u) => !u.pathname.endsWith("/login")))
            const after = yield* call("GET", `${day.T}/users/${day.s1.id}/required-actions`, { auth: day.admin })
            expect(after.body.actions).toEqual([])
          })
        )

        it.scoped("configure_mfa: the sign-in page enrols an authenticator app, then signs in", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wra-totp")
            const put = yield* call("PUT", `${day.T}/users/${day.s1.id}/required-actions`, {
              auth: day.admin,
              body: { actions: ["configure_mfa"] }
            })
            expect(put.status, put.text).toBe(200)
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto("/t/wra-totp/login"))
            yield* step(() => t.page.getByLabel(/E-mail or username/).fill("s1@wra-totp.example.edu"))
            yield* step(() => t.page.getByLabel(/^Password/).fill(TEST_PASSWORD))
            yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
            yield* step(() => t.page.getByRole("heading", { name: "Two-step verification" }).waitFor())
            yield* step(() => t.page.getByRole("button", { name: "Set up an authenticator app" }).click())
            yield* step(() => t.page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor())
            expect(yield* axeViolations(t)).toEqual([])
            const secret = (yield* step(() => t.page.locator("code.secret").textContent())) ?? ""
            // A wrong code is refused in plain words; the right one enrols.
            yield* step(() => t.page.getByLabel("6-digit code").fill("000000"))
            yield* step(() => t.page.getByRole("button", { name: "Confirm" }).click())
            yield* step(() => t.page.getByRole("alert").waitFor())
            const code = yield* Effect.promise(() => generate({ secret }))
            yield* step(() => t.page.getByLabel("6-digit code").fill(code))
            yield* step(() => t.page.getByRole("button", { name: "Confirm" }).click())
            yield* step(() => t.page.getByRole("list", { name: "Recovery codes" }).waitFor())
            expect(yield* step(() => t.page.getByRole("list", { name: "Recovery codes" }).locator("li").count())).toBe(
              10
            )
            yield* step(() => t.page.getByRole("button", { name: "Continue" }).click())
            yield* step(() => t.page.waitForURL((u) => !u.pathname.endsWith("/login")))
            const user = yield* call("GET", `${day.T}/users/${day.s1.id}`, { auth: day.admin })
            expect(user.body.mfa_enabled).toBe(true)
          })
        )

        it.scoped("configure_mfa: the sign-in page registers a passkey instead, then signs in", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wra-pk")
            const put = yield* call("PUT", `${day.T}/users/${day.s1.id}/required-actions`, {
              auth: day.admin,
              body: { actions: ["configure_mfa"] }
            })
            expect(put.status, put.text).toBe(200)
            const t = yield* openPage("phone", undefined, "en-GB", "localhost")
            yield* virtualAuthenticator(t)
            yield* step(() => t.page.goto("/t/wra-pk/login"))
            yield* step(() => t.page.getByLabel(/E-mail or username/).fill("s1@wra-pk.example.edu"))
            yield* step(() => t.page.getByLabel(/^Password/).fill(TEST_PASSWORD))
            yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
            yield* step(() => t.page.getByRole("heading", { name: "Two-step verification" }).waitFor())
            yield* step(() => t.page.getByRole("button", { name: /Use a passkey instead/ }).click())
            yield* step(() => t.page.waitForURL((u) => !u.pathname.endsWith("/login")))
            const passkeys = yield* call("GET", `${day.T}/users/${day.s1.id}/passkeys`, { auth: day.admin })
            expect(passkeys.body).toHaveLength(1)
            expect(t.errors).toEqual([])
          })
        )
      }
    )
  }
})
