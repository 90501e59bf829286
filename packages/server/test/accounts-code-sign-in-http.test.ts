/**
 * Issue 18 "passwordless sign-in by e-mail code" over REST:
 * `POST …/auth/email-code` and `…/email-code/verify`, the code delivered by
 * the server's own outbox dispatcher to a real SMTP server on loopback.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { MailSink } from "@signet/core/testing/smtp"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer } from "@signet/server/testing"
import { testServerWithMail, verifyOwnEmail } from "@signet/server/testing/mail"
import { Effect } from "effect"

const CODE_MARKER = "sign-in code"

/** The codes mailed to `address` so far. */
const codes = (address: string) =>
  Effect.map(MailSink, (sink) =>
    sink
      .to(address)
      .filter((m) => m.subject?.includes(CODE_MARKER))
      .map((m) => /^(\d{6})$/m.exec(m.text ?? "")![1]!)
  )

/** The `n`-th (1-based) code mailed to `address`, once delivered. */
const nthCode = (address: string, n: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 600; i++) {
      const all = yield* codes(address)
      if (all.length >= n) return all[n - 1]!
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.dieMessage(`no code mail ${n} to ${address}`)
  })

/** A tenant whose admin verified their address; sign-in by code on when `enabled`. Answers the admin's address and token. */
const setup = (slug: string, enabled: boolean) =>
  Effect.gen(function* () {
    const email = `admin@${slug}.example.edu`
    const access = yield* onboardTenant(slug)
    yield* verifyOwnEmail(slug, access, email)
    if (enabled) {
      const put = yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.email_code_sign_in`, {
        body: { value: true }
      })
      expect(put.status, put.text).toBe(200)
    }
    return { email, access }
  })

const sendCode = (slug: string, login: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/email-code`, { auth: false, body: { login } })

const verifyCode = (slug: string, login: string, code: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/email-code/verify`, { auth: false, body: { login, code } })

for (const dialect of testDialects()) {
  layer(testServerWithMail(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Sign-in by e-mail code over REST on ${dialect}`,
    (it) => {
      it.effect("202, then the mailed code signs in without a password: the tokens work; a replay is 401", () =>
        Effect.gen(function* () {
          const slug = `codesign-http-${dialect}`
          const { email } = yield* setup(slug, true)
          const methods = yield* call("GET", `/api/v1/tenants/${slug}/auth/methods`, { auth: false })
          expect(methods.body).toEqual({
            email_code: true,
            mfa_email_codes: false,
            sms_code: false,
            mfa_sms_codes: false
          })
          const sent = yield* sendCode(slug, email)
          expect(sent.status, sent.text).toBe(202)
          const code = yield* nthCode(email, 1)
          const ok = yield* verifyCode(slug, email.toUpperCase(), code)
          expect(ok.status, ok.text).toBe(200)
          expect(ok.body).toMatchObject({ status: "authenticated", tokens: { user: { email } } })
          const me = yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: ok.body.tokens.access_token })
          expect(me.status, me.text).toBe(200)
          expectProblem(yield* verifyCode(slug, email, code), 401)
        })
      )

      it.scoped("over RPC (AccountsAuthService): the same two steps, and a replayed code is Unauthorized", () =>
        Effect.gen(function* () {
          const slug = `codesign-rpc-${dialect}`
          const { email } = yield* setup(slug, true)
          const server = yield* TestServer
          const rpc = yield* makeRpcClient({ baseUrl: server.url })
          const sent = yield* rpc.SendSignInEmailCode({ tenant: slug, request: { login: email } })
          expect(sent.message).toContain("sign-in code")
          const code = yield* nthCode(email, 1)
          const result = yield* rpc.VerifySignInEmailCode({ tenant: slug, request: { login: email, code } })
          expect(result).toMatchObject({ status: "authenticated", tokens: { user: { email } } })
          const replay = yield* Effect.flip(
            rpc.VerifySignInEmailCode({ tenant: slug, request: { login: email, code } })
          )
          expect(replay._tag).toBe("Unauthorized")
        })
      )

      it.effect("a tenant that has not enabled it answers 403 problem+json to both steps", () =>
        Effect.gen(function* () {
          const slug = `codesign-off-http-${dialect}`
          const { email } = yield* setup(slug, false)
          const methods = yield* call("GET", `/api/v1/tenants/${slug}/auth/methods`, { auth: false })
          expect(methods.body).toEqual({
            email_code: false,
            mfa_email_codes: false,
            sms_code: false,
            mfa_sms_codes: false
          })
          expect(expectProblem(yield* sendCode(slug, email), 403).code).toBe("EmailCodeSignInDisabled")
          expectProblem(yield* verifyCode(slug, email, "123456"), 403)
          expectProblem(yield* call("POST", `/api/v1/tenants/${slug}/auth/email-code`, { auth: false, body: {} }), 400)
        })
      )

      it.effect("an address of an SSO-only domain gets the same 202 and no code (audited as sso_only)", () =>
        Effect.gen(function* () {
          const slug = `codesign-sso-http-${dialect}`
          const { access, email } = yield* setup(slug, true)
          const put = yield* call("PUT", `/api/v1/tenants/${slug}/sso/connections/idp`, {
            auth: access,
            body: {
              issuer: "https://idp.example/",
              client_id: "c",
              client_secret: "s",
              scopes: ["openid", "email"],
              domains: [`${slug}.example.edu`],
              provisioning: "link_only",
              sso_only: true
            }
          })
          expect(put.status, put.text).toBe(200)
          const sent = yield* sendCode(slug, email)
          expect(sent.status, sent.text).toBe(202)
          const log = yield* call(
            "GET",
            `/api/v1/tenants/${slug}/audit-logs?action=auth.email_code_sign_in_requested`,
            {
              auth: access
            }
          )
          expect(log.status, log.text).toBe(200)
          expect(log.body.items[0].after).toMatchObject({ reason: "sso_only" })
          expect(yield* codes(email)).toEqual([])
        })
      )
    }
  )
}
