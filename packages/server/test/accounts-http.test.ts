/**
 * Issue 18 first slice over REST: `POST …/auth/password-reset` and
 * `…/password-reset/confirm`, the mail delivered by the server's own outbox
 * dispatcher to a real SMTP server on loopback.
 */
import type { AddressInfo } from "node:net"
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"

/** Messages the loopback SMTP server accepted. */
class Inbox extends Context.Tag("test/Inbox")<Inbox, Array<ParsedMail>>() {}

const ORIGIN = "https://signet.test"

const server = (dialect: "sqlite" | "pg") =>
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
      return Layer.merge(
        testServer(dialect, {
          publicUrl: Option.some(ORIGIN),
          mail: { smtpUrl: Option.some(Redacted.make(`smtp://127.0.0.1:${port}`)), from: "no-reply@signet.test" }
        }),
        Layer.succeed(Inbox, inbox)
      )
    })
  )

/** Waits (real time: the server's dispatcher polls every 250 ms) for a mail to `address`. */
const mailTo = (address: string, marker = "/reset?token=") =>
  Effect.flatMap(Inbox, (inbox) =>
    Effect.gen(function* () {
      for (let i = 0; i < 400; i++) {
        const found = inbox.find((m) => m.text?.includes(marker) && JSON.stringify(m.to).includes(address))
        if (found) return found
        yield* Effect.sleep("50 millis")
      }
      throw new Error(`no mail to ${address}`)
    })
  )

for (const dialect of testDialects()) {
  layer(server(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Accounts (password reset, e-mail verification) over REST on ${dialect}`,
    (it) => {
      it.effect(
        "202 for known and unknown addresses alike; the mailed token confirms once; a bad token is a problem+json 400",
        () =>
          Effect.gen(function* () {
            const slug = `reset-http-${dialect}`
            const email = `admin@${slug}.example.edu`
            yield* onboardTenant(slug)
            const base = `/api/v1/tenants/${slug}/auth/password-reset`
            const known = yield* call("POST", base, { auth: false, body: { login: email } })
            const unknown = yield* call("POST", base, { auth: false, body: { login: `ghost@${slug}.example.edu` } })
            expect(known.status).toBe(202)
            expect(unknown.status).toBe(202)
            expect(unknown.body).toEqual(known.body)
            const mail = yield* mailTo(email)
            expect(mail.html).toContain(`${ORIGIN}/t/${slug}/reset?token=`)
            const token = /reset\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? "")![1]!
            const confirmUrl = `${base}/confirm`
            const bad = yield* call("POST", confirmUrl, {
              auth: false,
              body: { token: "x".repeat(43), new_password: "a brand new passphrase 42" }
            })
            expect(expectProblem(bad, 400).code).toBe("InvalidResetToken")
            const ok = yield* call("POST", confirmUrl, {
              auth: false,
              body: { token, new_password: "a brand new passphrase 42" }
            })
            expect(ok.status).toBe(200)
            expect(ok.body.sessions_revoked).toBe(1)
            const reused = yield* call("POST", confirmUrl, {
              auth: false,
              body: { token, new_password: "another new passphrase 43" }
            })
            expect(expectProblem(reused, 400).code).toBe("InvalidResetToken")
            const oldLogin = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
              auth: false,
              body: { login: email, password: TEST_PASSWORD }
            })
            expect(oldLogin.status).toBe(401)
            const newLogin = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
              auth: false,
              body: { login: email, password: "a brand new passphrase 42" }
            })
            expect(newLogin.status).toBe(200)
          })
      )

      it.effect(
        "a signed-in user asks for a verification mail; its link verifies the address; a bad token is a problem+json 400",
        () =>
          Effect.gen(function* () {
            const slug = `verify-http-${dialect}`
            const email = `admin@${slug}.example.edu`
            const access = yield* onboardTenant(slug)
            const me = `/api/v1/tenants/${slug}/me/email-verification`
            expect((yield* call("GET", me, { auth: access })).body).toMatchObject({ email, verified: false })
            expect((yield* call("POST", me, { auth: false })).status).toBe(401)
            expect((yield* call("POST", me, { auth: access })).status).toBe(202)
            const mail = yield* mailTo(email, "/verify-email?token=")
            const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? "")![1]!
            const confirmUrl = `/api/v1/tenants/${slug}/auth/email-verification/confirm`
            const bad = yield* call("POST", confirmUrl, { auth: false, body: { token: "y".repeat(43) } })
            expect(expectProblem(bad, 400).code).toBe("InvalidVerificationToken")
            const ok = yield* call("POST", confirmUrl, { auth: false, body: { token } })
            expect(ok.status).toBe(200)
            expect(ok.body).toMatchObject({ email, verified: true })
            expect((yield* call("GET", me, { auth: access })).body).toMatchObject({ email, verified: true })
          })
      )
    }
  )
}
