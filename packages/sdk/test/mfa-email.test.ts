/**
 * Issue 18 "e-mail codes" through the Promise facade: a password login whose
 * MFA challenge is answered with `credentials.emailCode`, the code read back
 * from a real SMTP server on loopback.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { MailSink } from "@signet/core/testing/smtp"
import { createSignetClient } from "@signet/sdk"
import { call, onboardTenant, TEST_PASSWORD, TestServer } from "@signet/server/testing"
import { testServerWithMail, verifyOwnEmail } from "@signet/server/testing/mail"
import { Effect } from "effect"
import { generate } from "otplib"

for (const dialect of testDialects()) {
  layer(testServerWithMail(dialect), { timeout: 120_000, excludeTestServices: true })(
    `credentials.emailCode against a real server on ${dialect}`,
    (it) => {
      it.effect("logs in with a mailed code; a wrong code rejects with Unauthorized", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const sink = yield* MailSink
          const slug = `sdk-mailcode-${dialect}`
          const email = `admin@${slug}.example.edu`
          const access = yield* onboardTenant(slug)
          yield* verifyOwnEmail(slug, access, email)
          const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
            auth: access,
            body: { password: TEST_PASSWORD }
          })
          const totp = yield* Effect.promise(() => generate({ secret: enrol.body.secret as string }))
          yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, { auth: access, body: { code: totp } })
          yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.mfa_email_codes`, { body: { value: true } })

          /** The `n`-th code mailed to the admin, once delivered. */
          const nthCode = async (n: number) => {
            for (let i = 0; i < 600; i++) {
              const mails = sink.to(email).filter((m) => m.text?.includes("finish signing in"))
              if (mails.length >= n) return /^(\d{6})$/m.exec(mails[n - 1]!.text ?? "")![1]!
              await new Promise((done) => setTimeout(done, 50))
            }
            throw new Error("no code mail")
          }
          const client = (emailCode: () => Promise<string>) =>
            createSignetClient({
              baseUrl: server.url,
              tenant: slug,
              credentials: { login: email, password: TEST_PASSWORD, emailCode }
            })
          const me = yield* Effect.promise(() => client(() => nthCode(1)).me())
          expect(me.email).toBe(email)
          const refused = yield* Effect.promise(() =>
            client(async () => ((await nthCode(2)) === "000000" ? "000001" : "000000"))
              .me()
              .then(
                () => null,
                (e: { _tag?: string }) => e
              )
          )
          expect(refused?._tag).toBe("Unauthorized")
        })
      )
    }
  )
}
