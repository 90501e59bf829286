/**
 * Password reset in a real browser (issue 18, the accounts mails' pages):
 * "Forgot your password?" on the sign-in page → the mail, delivered by the
 * server's outbox to a real SMTP server on loopback → its link → a new
 * password → sign-in with it. A used link says so and changes nothing.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { waitForMail } from "@signet/core/testing/smtp"
import { TEST_PASSWORD } from "@signet/server/testing"
import { testServerWithMail } from "@signet/server/testing/mail"
import { Effect, Layer } from "effect"
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

/** The server, its mail going to an SMTP server on loopback; links name `https://signet.test`. */
const serverWithMail = (dialect: "sqlite" | "pg") => Layer.merge(testServerWithMail(dialect), BrowserLive)

/** The path and query of the reset link mailed to `address` (waits for the outbox). */
const resetLinkTo = (address: string) =>
  Effect.map(waitForMail(address, "/reset?token="), (mail) => {
    const link = mail.text?.match(/https:\/\/signet\.test(\/t\/[^\s]+\/reset\?token=[A-Za-z0-9_-]+)/)?.[1]
    if (!link) throw new Error(`no reset link in the mail to ${address}`)
    return link
  })

/** Fills the reset form with `password` twice and submits it. */
const choosePassword = (t: TestPage, password: string, again = password) =>
  step(async () => {
    await t.page.getByLabel("New password", { exact: true }).fill(password)
    await t.page.getByLabel("New password again").fill(again)
    await t.page.getByRole("button", { name: "Set the password" }).click()
  })

const NEW_PASSWORD = "a brand new passphrase 2026"

describe.runIf(browserAvailable())("web app: password reset", () => {
  for (const dialect of testDialects()) {
    layer(serverWithMail(dialect), { timeout: 180_000, excludeTestServices: true })(
      `password reset pages on ${dialect}`,
      (it) => {
        it.scoped("forgot → mail → link → new password → sign-in with it", () =>
          Effect.gen(function* () {
            const slug = `wr-flow-${dialect}`
            yield* schoolDay(slug)
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(`/t/${slug}/login`))
            yield* step(() => t.page.getByRole("link", { name: "Forgot your password?" }).click())
            // The sign-in page has a field of the same label: fill the reset page's, once it is there.
            yield* step(() => t.page.getByRole("button", { name: "Send the link" }).waitFor())
            yield* step(() => t.page.getByLabel(/E-mail or username/).fill(`s1@${slug}.example.edu`))
            yield* step(() => t.page.getByRole("button", { name: "Send the link" }).click())
            const sent = t.page.locator("output")
            yield* step(() => sent.waitFor())
            expect(yield* step(() => sent.textContent())).toContain("If an account matches, a link is on its way.")
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "forgot-sent", "phone", dialect)

            const link = yield* resetLinkTo(`s1@${slug}.example.edu`)
            yield* step(() => t.page.goto(link))
            yield* choosePassword(t, NEW_PASSWORD)
            const done = t.page.locator("output")
            yield* step(() => done.waitFor())
            expect(yield* step(() => done.textContent())).toContain("Your password is changed")
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "reset-done", "phone", dialect)

            yield* signIn(t, slug, `s1@${slug}.example.edu`, NEW_PASSWORD)
            yield* step(() => t.page.waitForURL((u) => u.pathname === `/t/${slug}/student`))
            expect(foreignRequests(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("a used link says it is invalid, offers a new one, and the password stays as it was", () =>
          Effect.gen(function* () {
            const slug = `wr-used-${dialect}`
            yield* schoolDay(slug)
            const t = yield* openPage("desktop")
            yield* step(() => t.page.goto(`/t/${slug}/forgot`))
            yield* step(() => t.page.getByLabel(/E-mail or username/).fill(`s2@${slug}.example.edu`))
            yield* step(() => t.page.getByRole("button", { name: "Send the link" }).click())
            const link = yield* resetLinkTo(`s2@${slug}.example.edu`)
            yield* step(() => t.page.goto(link))
            yield* choosePassword(t, NEW_PASSWORD)
            yield* step(() => t.page.locator("output").waitFor())

            const again = yield* openPage("desktop")
            yield* step(() => again.page.goto(link))
            yield* choosePassword(again, "yet another passphrase 99")
            const alert = again.page.getByRole("alert")
            yield* step(() => alert.waitFor())
            expect(yield* step(() => alert.textContent())).toBe(
              "This link is invalid or has expired. Ask for a new one."
            )
            expect(yield* step(() => again.page.getByRole("link", { name: "Ask for a new link" }).count())).toBe(1)
            expect(yield* axeViolations(again)).toEqual([])
            yield* signIn(again, slug, `s2@${slug}.example.edu`, NEW_PASSWORD)
            yield* step(() => again.page.waitForURL((u) => u.pathname === `/t/${slug}/student`))
          })
        )

        it.scoped("two different passwords are caught in the page and send nothing", () =>
          Effect.gen(function* () {
            const slug = `wr-mismatch-${dialect}`
            yield* schoolDay(slug)
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(`/t/${slug}/reset?token=${"x".repeat(43)}`))
            yield* choosePassword(t, NEW_PASSWORD, `${NEW_PASSWORD}!`)
            const alert = t.page.getByRole("alert")
            yield* step(() => alert.waitFor())
            expect(yield* step(() => alert.textContent())).toBe("The two passwords differ.")
            expect(t.requests.filter((u) => u.includes("/password-reset"))).toEqual([])
            yield* signIn(t, slug, `s3@${slug}.example.edu`, TEST_PASSWORD)
            yield* step(() => t.page.waitForURL((u) => u.pathname === `/t/${slug}/student`))
          })
        )
      }
    )
  }
})
