/**
 * Invitations in a real browser (issue 18 "Invitations"): an admin invites
 * over REST → the mail, delivered by the server's outbox to a real SMTP
 * server on loopback → its link → a password → signed in and on the home
 * page. A used link says so.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { waitForMail } from "@signet/core/testing/smtp"
import { call, loginToken } from "@signet/server/testing"
import { testServerWithMail } from "@signet/server/testing/mail"
import { Effect, Layer } from "effect"
import { axeViolations, BrowserLive, browserAvailable, openPage, screenshot, step, type TestPage } from "./harness.js"

/** The server, its mail going to an SMTP server on loopback; links name `https://signet.test`. */
const serverWithMail = (dialect: "sqlite" | "pg") => Layer.merge(testServerWithMail(dialect), BrowserLive)

/** The path and query of the invitation link mailed to `address` (waits for the outbox). */
const inviteLinkTo = (address: string) =>
  Effect.map(waitForMail(address, "/invite?token="), (mail) => {
    const link = mail.text?.match(/https:\/\/signet\.test(\/t\/[^\s]+\/invite\?token=[A-Za-z0-9_-]+)/)?.[1]
    if (!link) throw new Error(`no invitation link in the mail to ${address}`)
    return link
  })

/** Onboards `slug` and invites `email` as a student; answers the mailed link. */
const invited = (slug: string, email: string) =>
  Effect.gen(function* () {
    yield* call("POST", "/api/v1/tenants", {
      body: {
        slug,
        name: slug,
        admin: {
          email: `admin@${slug}.example.edu`,
          password: "correct horse battery staple",
          given_name: "A",
          family_name: "D"
        }
      }
    })
    const admin = yield* loginToken(slug, `admin@${slug}.example.edu`, "correct horse battery staple")
    const res = yield* call("POST", `/api/v1/tenants/${slug}/invitations`, {
      auth: admin,
      body: { email, user_type: "student" }
    })
    if (res.status !== 201) throw new Error(`invite: ${res.status} ${res.text}`)
    return yield* inviteLinkTo(email)
  })

/** Fills the invitation form with `password` twice and submits it. */
const choosePassword = (t: TestPage, password: string) =>
  step(async () => {
    await t.page.getByLabel("New password", { exact: true }).fill(password)
    await t.page.getByLabel("New password again").fill(password)
    await t.page.getByRole("button", { name: "Set my password and sign in" }).click()
  })

const PASSWORD = "a brand new passphrase 2026"

describe.runIf(browserAvailable())("web app: invitations", () => {
  for (const dialect of testDialects()) {
    layer(serverWithMail(dialect), { timeout: 180_000, excludeTestServices: true })(
      `invitation page on ${dialect}`,
      (it) => {
        it.scoped("invitation mail → link → password → signed in on the home page; the used link is refused", () =>
          Effect.gen(function* () {
            const slug = `wi-flow-${dialect}`
            const link = yield* invited(slug, `new@${slug}.example.edu`)
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(link))
            expect(yield* axeViolations(t)).toEqual([])
            yield* choosePassword(t, PASSWORD)
            yield* step(() => t.page.waitForURL((u) => u.pathname === `/t/${slug}/student`))
            yield* screenshot(t, "invite-signed-in", "phone", dialect)
            expect(t.errors).toEqual([])

            const again = yield* openPage("desktop")
            yield* step(() => again.page.goto(link))
            yield* choosePassword(again, "yet another passphrase 99")
            const alert = again.page.getByRole("alert")
            yield* step(() => alert.waitFor())
            expect(yield* step(() => alert.textContent())).toContain("This invitation link is invalid")
            expect(yield* axeViolations(again)).toEqual([])
          })
        )
      }
    )
  }
})
