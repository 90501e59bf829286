/**
 * Issue 18: required actions at sign-in in a real browser — an
 * administrator requires a new password; the sign-in page asks for it
 * (phone, axe-clean), then the student lands signed in.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import { axeViolations, BrowserLive, browserAvailable, openPage, schoolDay, screenshot, step } from "./harness.js"

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
      }
    )
  }
})
