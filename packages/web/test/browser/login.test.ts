/**
 * The sign-in page in a real browser (issue 17 "Sign-in", "Bad input"):
 * wrong credentials, the rate limit with its wait, a suspended school, the
 * remembered school, and a session that ends in the middle of signing.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, loginToken, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  openPage,
  schoolDay,
  screenshot,
  signIn,
  step
} from "./harness.js"

describe.runIf(browserAvailable())("web app: sign-in", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect, {}, { SIGNET_RATE_LOGIN_ACCOUNT: "3/600" }), BrowserLive), {
      timeout: 180_000,
      excludeTestServices: true
    })(`sign-in page on ${dialect}`, (it) => {
      it.scoped("a wrong password says so in plain words and stays on the page", () =>
        Effect.gen(function* () {
          yield* schoolDay("wl-wrong")
          const t = yield* openPage("phone")
          yield* step(() => t.page.goto("/t/wl-wrong/login"))
          yield* step(() => t.page.getByLabel(/E-mail or username/).fill("s1@wl-wrong.example.edu"))
          yield* step(() => t.page.getByLabel(/^Password/).fill("not the password"))
          yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
          const alert = t.page.getByRole("alert")
          yield* step(() => alert.waitFor())
          expect(yield* step(() => alert.textContent())).toBe(
            "Wrong login or password, or the account is locked or disabled."
          )
          expect(t.page.url()).toContain("/t/wl-wrong/login")
          expect(yield* axeViolations(t)).toEqual([])
          yield* screenshot(t, "login-error", "phone", dialect)
        })
      )

      it.scoped("past the account's attempt limit the page says how long to wait", () =>
        Effect.gen(function* () {
          yield* schoolDay("wl-limit")
          const t = yield* openPage("desktop")
          yield* step(() => t.page.goto("/t/wl-limit/login"))
          yield* step(() => t.page.getByLabel(/E-mail or username/).fill("s2@wl-limit.example.edu"))
          for (let i = 0; i < 4; i++) {
            yield* step(() => t.page.getByLabel(/^Password/).fill(`wrong password ${i}`))
            yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
            yield* step(() => t.page.getByRole("alert").waitFor())
            yield* step(() =>
              t.page.waitForFunction(() => !document.querySelector("button[type=submit]")?.hasAttribute("disabled"))
            )
          }
          const text = yield* step(() => t.page.getByRole("alert").textContent())
          expect(text).toMatch(/^Too many attempts\. Try again in \d+ s\.$/)
        })
      )

      it.scoped("a suspended school's sign-in is refused with the reason", () =>
        Effect.gen(function* () {
          yield* schoolDay("wl-susp")
          yield* call("POST", "/api/v1/tenants/wl-susp/suspend", { body: { reason: "unpaid" } })
          const t = yield* openPage("phone")
          yield* step(() => t.page.goto("/t/wl-susp/login"))
          yield* step(() => t.page.getByLabel(/E-mail or username/).fill("s1@wl-susp.example.edu"))
          yield* step(() => t.page.getByLabel(/^Password/).fill(TEST_PASSWORD))
          yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
          yield* step(() => t.page.getByRole("alert").waitFor())
          expect(yield* step(() => t.page.getByRole("alert").textContent())).toContain("suspended")
        })
      )

      it.scoped("the school is remembered: / goes back to it after a sign-in", () =>
        Effect.gen(function* () {
          yield* schoolDay("wl-remember")
          const t = yield* openPage("phone")
          yield* step(() => t.page.goto("/"))
          yield* step(() => t.page.getByLabel("School code").waitFor())
          expect(yield* axeViolations(t)).toEqual([])
          yield* screenshot(t, "school", "phone", dialect)
          yield* step(() => t.page.getByLabel("School code").fill("wl-remember"))
          yield* step(() => t.page.getByRole("button", { name: "Continue" }).click())
          yield* step(() => t.page.waitForURL(/\/t\/wl-remember\/login$/))
          yield* signIn(t, "wl-remember", "s1@wl-remember.example.edu")
          yield* step(() => t.page.goto("/"))
          yield* step(() => t.page.waitForURL(/\/t\/wl-remember\/student$/))
        })
      )

      it.scoped("a session ended mid-sign sends the student to sign in again and back to the same code", () =>
        Effect.gen(function* () {
          const day = yield* schoolDay("wl-ended")
          const t = yield* openPage("phone")
          yield* signIn(t, "wl-ended", "s3@wl-ended.example.edu")
          // The student signs out everywhere else from another device: the browser's session ends.
          const other = yield* loginToken("wl-ended", "s3@wl-ended.example.edu")
          yield* call("POST", "/api/v1/tenants/wl-ended/auth/sessions/revoke-others", { auth: other })
          const qr = yield* day.qr
          yield* step(() => t.page.goto(`/t/wl-ended/sign?c=${day.course.id}&k=${qr.code}`))
          yield* step(() => t.page.waitForURL(/\/t\/wl-ended\/login\?next=/))
          expect(yield* step(() => t.page.getByText("Sign in to continue where you were.").isVisible())).toBe(true)
          yield* signIn(t, "wl-ended", "s3@wl-ended.example.edu")
          yield* step(() => t.page.locator('.result-status[data-status="ACCEPTED"]').waitFor())
          expect(t.page.url()).toContain(`/t/wl-ended/sign?c=${day.course.id}&k=${qr.code}`)
        })
      )
    })
  }
})
