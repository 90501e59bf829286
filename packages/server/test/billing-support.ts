/**
 * Fixtures of the billing HTTP tests (issue 20).
 */
import { expect } from "@effect/vitest"
import { call, TEST_PASSWORD } from "@signet/server/testing"
import { endPeriod } from "@signet/server/testing/billing"
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

/** @see endPeriod of `@signet/server/testing/billing` */
export { endPeriod }

/**
 * Subscribes tenant `slug` to plan `plan` (as `admin`, a token with a fresh
 * MFA step-up), ends the period and runs the operator's period close:
 * answers the number of the one invoice finalized.
 */
export const closeOneInvoice = (slug: string, admin: string, plan: string) =>
  Effect.gen(function* () {
    const sub = yield* call("POST", `/api/v1/tenants/${slug}/billing/subscription`, {
      auth: admin,
      body: { plan_code: plan }
    })
    expect(sub.status, sub.text).toBe(201)
    yield* endPeriod(slug)
    const closed = yield* call("POST", `/api/v1/tenants/${slug}/billing/close-periods`)
    expect(closed.status, closed.text).toBe(200)
    expect(closed.body.invoices).toHaveLength(1)
    return closed.body.invoices[0].number as string
  })
