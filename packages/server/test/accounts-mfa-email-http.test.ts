/**
 * Issue 18 "e-mail codes" over REST: `POST …/auth/mfa/email-code` and
 * `…/email-code/verify`, the code delivered by the server's own outbox
 * dispatcher to a real SMTP server on loopback.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { MailSink } from "@signet/core/testing/smtp"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer } from "@signet/server/testing"
import { testServerWithMail, verifyOwnEmail } from "@signet/server/testing/mail"
import { Effect, Redacted } from "effect"
import { generate } from "otplib"

const CODE_MARKER = "finish signing in"

/** The `n`-th (1-based) code mail to `address`, once delivered, and its code. */
const nthCode = (address: string, n: number) =>
  Effect.flatMap(MailSink, (sink) =>
    Effect.gen(function* () {
      for (let i = 0; i < 600; i++) {
        const mails = sink.to(address).filter((m) => m.text?.includes(CODE_MARKER))
        if (mails.length >= n) return /^(\d{6})$/m.exec(mails[n - 1]!.text ?? "")![1]!
        yield* Effect.sleep("50 millis")
      }
      return yield* Effect.dieMessage(`no code mail ${n} to ${address}`)
    })
  )

/** A tenant whose admin verified their address and enrolled TOTP; e-mail codes on when `enabled`. */
const setup = (slug: string, enabled: boolean) =>
  Effect.gen(function* () {
    const email = `admin@${slug}.example.edu`
    const access = yield* onboardTenant(slug)
    yield* verifyOwnEmail(slug, access, email)
    const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
      auth: access,
      body: { password: TEST_PASSWORD }
    })
    const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret as string }))
    const confirmed = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, {
      auth: access,
      body: { code }
    })
    expect(confirmed.status).toBe(200)
    if (enabled) {
      const put = yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.mfa_email_codes`, { body: { value: true } })
      expect(put.status).toBe(200)
    }
    return email
  })

const challenge = (slug: string, email: string) =>
  Effect.map(
    call("POST", `/api/v1/tenants/${slug}/auth/login`, {
      auth: false,
      body: { login: email, password: TEST_PASSWORD }
    }),
    (r) => {
      if (r.body?.status !== "mfa_required") throw new Error(`expected an MFA challenge: ${r.text}`)
      return r.body.mfa_token as string
    }
  )

const sendCode = (slug: string, mfa_token: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/mfa/email-code`, { auth: false, body: { mfa_token } })

const verifyCode = (slug: string, mfa_token: string, code: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/mfa/email-code/verify`, { auth: false, body: { mfa_token, code } })

for (const dialect of testDialects()) {
  layer(testServerWithMail(dialect), { timeout: 120_000, excludeTestServices: true })(
    `E-mail login codes over REST on ${dialect}`,
    (it) => {
      it.effect("202, the mailed code gives the TOTP step's tokens once; wrong and replayed codes are 401", () =>
        Effect.gen(function* () {
          const slug = `mailcode-http-${dialect}`
          const email = yield* setup(slug, true)
          const token = yield* challenge(slug, email)
          const sent = yield* sendCode(slug, token)
          expect(sent.status).toBe(202)
          expect(sent.body.message).toContain("verified e-mail address")
          const code = yield* nthCode(email, 1)
          const wrong = code === "000000" ? "000001" : "000000"
          expect(expectProblem(yield* verifyCode(slug, token, wrong), 401).code).toBe("Unauthorized")
          const ok = yield* verifyCode(slug, token, code)
          expect(ok.status).toBe(200)
          expect(typeof ok.body.access_token).toBe("string")
          expect(typeof ok.body.refresh_token).toBe("string")
          expect(expectProblem(yield* verifyCode(slug, token, code), 401).code).toBe("Unauthorized")
          // Another tenant's endpoint refuses this tenant's challenge.
          const other = `mailcode-http-other-${dialect}`
          yield* setup(other, true)
          expect(expectProblem(yield* sendCode(other, token), 401).code).toBe("Unauthorized")
        })
      )

      it.effect("a tenant that has not enabled e-mail codes answers a 403 problem", () =>
        Effect.gen(function* () {
          const slug = `mailcode-http-off-${dialect}`
          const email = yield* setup(slug, false)
          const token = yield* challenge(slug, email)
          expect(expectProblem(yield* sendCode(slug, token), 403).code).toBe("MfaEmailCodesDisabled")
          expect(expectProblem(yield* verifyCode(slug, token, "123456"), 403).code).toBe("MfaEmailCodesDisabled")
        })
      )

      it.scoped("over RPC (AccountsAuthService): Login's challenge, SendMfaEmailCode, VerifyMfaEmailCode", () =>
        Effect.gen(function* () {
          const slug = `mailcode-rpc-${dialect}`
          const email = yield* setup(slug, true)
          const rpc = yield* makeRpcClient({ baseUrl: (yield* TestServer).url })
          const login = yield* rpc.Login({
            tenant: slug,
            request: { login: email, password: Redacted.make(TEST_PASSWORD) }
          })
          if (login.status !== "mfa_required") throw new Error("expected an MFA challenge")
          yield* rpc.SendMfaEmailCode({ tenant: slug, request: { mfa_token: login.mfa_token } })
          const code = yield* nthCode(email, 1)
          const pair = yield* rpc.VerifyMfaEmailCode({ tenant: slug, request: { mfa_token: login.mfa_token, code } })
          expect(pair.user.email).toBe(email)
        })
      )
    }
  )
}
