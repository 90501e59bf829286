/**
 * Invitations in a real browser (issue 18 "Invitations"): an admin invites
 * over REST → the mail, delivered by the server's outbox to a real SMTP
 * server on loopback → its link → a password → signed in and on the home
 * page. A used link says so.
 */
import type { AddressInfo } from "node:net"
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, loginToken, testServer } from "@signet/server/testing"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"
import { axeViolations, BrowserLive, browserAvailable, openPage, screenshot, step, type TestPage } from "./harness.js"

/** Messages the loopback SMTP server accepted. */
class Inbox extends Context.Tag("test/Inbox")<Inbox, Array<ParsedMail>>() {}

/** The server, its mail going to an SMTP server on loopback; links name `https://signet.test`. */
const serverWithMail = (dialect: "sqlite" | "pg") =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const inbox: Array<ParsedMail> = []
      const smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ["STARTTLS", "AUTH"],
        logger: false,
        onData: (stream, _session, callback) => {
          simpleParser(stream).then(
            (m) => {
              inbox.push(m)
              callback()
            },
            (e) => callback(e as Error)
          )
        }
      })
      const port = yield* Effect.acquireRelease(
        Effect.async<number>((resume) => {
          smtp.listen(0, "127.0.0.1", () => resume(Effect.succeed((smtp.server.address() as AddressInfo).port)))
        }),
        () => Effect.promise(() => new Promise<void>((done) => smtp.close(() => done())))
      )
      return Layer.mergeAll(
        testServer(dialect, {
          publicUrl: Option.some("https://signet.test"),
          mail: { smtpUrl: Option.some(Redacted.make(`smtp://127.0.0.1:${port}`)), from: "no-reply@signet.test" }
        }),
        Layer.succeed(Inbox, inbox),
        BrowserLive
      )
    })
  )

/** The path and query of the invitation link mailed to `address` (waits for the outbox). */
const inviteLinkTo = (address: string) =>
  Effect.flatMap(Inbox, (inbox) =>
    Effect.gen(function* () {
      for (let i = 0; i < 600; i++) {
        const mail = inbox.find((m) => JSON.stringify(m.to).includes(address) && m.text?.includes("/invite?token="))
        const link = mail?.text?.match(/https:\/\/signet\.test(\/t\/[^\s]+\/invite\?token=[A-Za-z0-9_-]+)/)?.[1]
        if (link) return link
        yield* Effect.sleep("50 millis")
      }
      throw new Error(`no invitation mail to ${address}`)
    })
  )

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
