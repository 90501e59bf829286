/**
 * Issue 18 first slice over REST: `POST …/auth/password-reset` and
 * `…/password-reset/confirm`, the mail delivered by the server's own outbox
 * dispatcher to a real SMTP server on loopback.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { waitForMail } from "@signet/core/testing/smtp"
import { call, expectProblem, onboardTenant, TEST_PASSWORD } from "@signet/server/testing"
import { MAIL_ORIGIN, testServerWithMail } from "@signet/server/testing/mail"
import { Effect } from "effect"

const ORIGIN = MAIL_ORIGIN
const server = (dialect: "sqlite" | "pg") => testServerWithMail(dialect)

/** Waits for the server's outbox to deliver a mail to `address` containing `marker`. */
const mailTo = (address: string, marker = "/reset?token=") => waitForMail(address, marker)

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
