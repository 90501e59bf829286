/**
 * Fixtures of the billing HTTP tests (issue 20).
 */
import { expect } from "@effect/vitest"
import { call, TEST_PASSWORD } from "@signet/server/testing"
import { Effect } from "effect"
import { generate } from "otplib"

/**
 * Logs the first admin of `slug` in with a second factor (enrols TOTP, then
 * logs in again with a recovery code): a session with a fresh MFA
 * verification. Answers the access token.
 */
export const mfaAdmin = (slug: string) =>
  Effect.gen(function* () {
    const base = `/api/v1/tenants/${slug}`
    const login = { login: `admin@${slug}.example.edu`, password: TEST_PASSWORD }
    const first = yield* call("POST", `${base}/auth/login`, { auth: false, body: login })
    const token = first.body.tokens.access_token
    const enrol = yield* call("POST", `${base}/me/mfa/totp`, { auth: token, body: { password: TEST_PASSWORD } })
    const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret }))
    const confirmed = yield* call("POST", `${base}/me/mfa/totp/confirm`, { auth: token, body: { code } })
    const challenge = yield* call("POST", `${base}/auth/login`, { auth: false, body: login })
    const verified = yield* call("POST", `${base}/auth/mfa`, {
      auth: false,
      body: { mfa_token: challenge.body.mfa_token, recovery_code: confirmed.body.recovery_codes[0] }
    })
    expect(verified.status, verified.text).toBe(200)
    return verified.body.access_token as string
  })
