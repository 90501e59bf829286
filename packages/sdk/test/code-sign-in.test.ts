/**
 * Issue 18 "passwordless sign-in by e-mail code" through the Promise facade:
 * `credentials.signInCode`, the code read back from a real SMTP server on
 * loopback.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { MailSink } from "@signet/core/testing/smtp"
import { createSignetClient } from "@signet/sdk"
import { call, onboardTenant, TestServer } from "@signet/server/testing"
import { testServerWithMail, verifyOwnEmail } from "@signet/server/testing/mail"
import { Effect } from "effect"

for (const dialect of testDialects()) {
  layer(testServerWithMail(dialect), { timeout: 120_000, excludeTestServices: true })(
    `credentials.signInCode against a real server on ${dialect}`,
    (it) => {
      it.effect("signs in with a mailed code and no password; a wrong code rejects with Unauthorized", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const sink = yield* MailSink
          const slug = `sdk-codesign-${dialect}`
          const email = `admin@${slug}.example.edu`
          const access = yield* onboardTenant(slug)
          yield* verifyOwnEmail(slug, access, email)
          yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.email_code_sign_in`, { body: { value: true } })

          /** The `n`-th sign-in code mailed to the admin, once delivered. */
          const nthCode = async (n: number) => {
            for (let i = 0; i < 600; i++) {
              const mails = sink.to(email).filter((m) => m.subject?.includes("sign-in code"))
              if (mails.length >= n) return /^(\d{6})$/m.exec(mails[n - 1]!.text ?? "")![1]!
              await new Promise((done) => setTimeout(done, 50))
            }
            throw new Error("no code mail")
          }
          const client = (signInCode: () => Promise<string>) =>
            createSignetClient({ baseUrl: server.url, tenant: slug, credentials: { login: email, signInCode } })
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
