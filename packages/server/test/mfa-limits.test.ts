/**
 * The second login step and step-up over HTTP: the per-user MFA attempt limit
 * (`SIGNET_RATE_MFA`, regression: a challenge token could be replayed with
 * unlimited TOTP guesses) and the bookkeeping of a login completed with a
 * code (regression: no `last_login_at`, no `signet.auth.login` event).
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { generate } from "otplib"

const PASSWORD = "correct horse battery staple"

const login = (slug: string) =>
  call("POST", `/api/v1/tenants/${slug}/auth/login`, {
    auth: false,
    body: { login: `admin@${slug}.example.edu`, password: PASSWORD, device_label: "laptop" }
  })

const mfaStep = (slug: string, body: Record<string, string>) =>
  call("POST", `/api/v1/tenants/${slug}/auth/mfa`, { auth: false, body })

/** A tenant whose admin has confirmed TOTP; `access_token` is their session from before MFA. */
const mfaAdmin = (slug: string) =>
  Effect.gen(function* () {
    const onboarded = yield* call("POST", "/api/v1/tenants", {
      body: {
        slug,
        name: slug,
        admin: { email: `admin@${slug}.example.edu`, password: PASSWORD, given_name: "Ada", family_name: "Admin" }
      }
    })
    expect(onboarded.status).toBe(201)
    const first = yield* login(slug)
    expect(first.body.status).toBe("authenticated")
    const { access_token, user } = first.body.tokens as { access_token: string; user: { id: string } }
    const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
      auth: access_token,
      body: { password: PASSWORD }
    })
    const secret = enrol.body.secret as string
    const confirmed = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, {
      auth: access_token,
      body: { code: yield* Effect.promise(() => generate({ secret })) }
    })
    expect(confirmed.status).toBe(200)
    return { access_token, userId: user.id, secret, recovery_codes: confirmed.body.recovery_codes as Array<string> }
  })

/** The password step: the challenge token. */
const challenge = (slug: string) =>
  Effect.map(login(slug), (r) => {
    if (r.body?.status !== "mfa_required") throw new Error(`expected an MFA challenge: ${r.text}`)
    return r.body.mfa_token as string
  })

/**
 * A correct code for a user who just confirmed TOTP: the next time step's (the
 * confirming code spent the current one; ±1 step of drift is accepted).
 */
const nextCode = (secret: string) =>
  Effect.promise(() => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }))

/** A 6-digit code that none of the accepted time steps (now, ±1) produces. */
const wrongCode = (secret: string) =>
  Effect.promise(async () => {
    const now = Math.floor(Date.now() / 1000)
    const valid = new Set(await Promise.all([-30, 0, 30, 60].map((d) => generate({ secret, epoch: now + d }))))
    return ["000000", "111111", "222222", "333333", "444444"].find((c) => !valid.has(c))!
  })

for (const dialect of testDialects()) {
  // A day-long window: the test cannot straddle a window boundary and see the count reset.
  layer(testServer(dialect, {}, { SIGNET_RATE_MFA: "3/86400" }), { timeout: 120_000, excludeTestServices: true })(
    `MFA attempts and MFA logins over HTTP on ${dialect}`,
    (it) => {
      it.effect(
        "regression (MFA brute force): after 3 wrong codes → 429 with Retry-After, a correct code refused too, step-up too, audited once",
        () =>
          Effect.gen(function* () {
            const { access_token, userId, secret, recovery_codes } = yield* mfaAdmin("mfa-limit")
            const token = yield* challenge("mfa-limit")
            const wrong = yield* wrongCode(secret)
            // The challenge is replayed with a new guess each time: the bucket is the user's, not the token's.
            for (let i = 0; i < 3; i++)
              expectProblem(yield* mfaStep("mfa-limit", { mfa_token: token, code: wrong }), 401)
            const limited = yield* mfaStep("mfa-limit", { mfa_token: token, code: wrong })
            const problem = expectProblem(limited, 429)
            expect(problem.code).toBe("RateLimited")
            expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
            expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(86400)
            expect(limited.headers.get("ratelimit-limit")).toBe("3")
            expect(limited.headers.get("ratelimit-remaining")).toBe("0")
            // A correct code (or a recovery code), on a fresh challenge, is refused while blocked.
            const fresh = yield* challenge("mfa-limit")
            const code = yield* nextCode(secret)
            expectProblem(yield* mfaStep("mfa-limit", { mfa_token: fresh, code }), 429)
            expectProblem(yield* mfaStep("mfa-limit", { mfa_token: fresh, recovery_code: recovery_codes[0]! }), 429)
            // Step-up shares the user's budget.
            const stepUp = yield* call("POST", "/api/v1/tenants/mfa-limit/auth/step-up", {
              auth: access_token,
              body: { code }
            })
            expect(expectProblem(stepUp, 429).code).toBe("RateLimited")
            expect(Number(stepUp.headers.get("retry-after"))).toBeGreaterThan(0)
            // Wrong codes are audited one by one; the block once per window.
            const failed = yield* call("GET", "/api/v1/tenants/mfa-limit/audit-logs?action=auth.mfa_failed")
            expect(failed.body.items).toHaveLength(3)
            const audit = yield* call("GET", "/api/v1/tenants/mfa-limit/audit-logs?action=auth.mfa_rate_limited")
            expect(audit.body.items).toHaveLength(1)
            expect(audit.body.items[0]).toMatchObject({
              actor_kind: "user",
              actor_id: userId,
              target_type: "user",
              target_id: userId,
              ip: "127.0.0.1",
              after: { via: "login", limit: 3, window_seconds: 86400 }
            })
            // Nothing was opened while blocked: only the session from before MFA exists.
            const sessions = yield* call("GET", "/api/v1/tenants/mfa-limit/auth/sessions", { auth: access_token })
            expect(sessions.body).toHaveLength(1)
          })
      )

      it.effect("step-up wrong codes count too: the 4th step-up attempt is a 429", () =>
        Effect.gen(function* () {
          const { access_token, secret } = yield* mfaAdmin("mfa-stepup")
          const wrong = yield* wrongCode(secret)
          const statuses: Array<number> = []
          for (let i = 0; i < 4; i++) {
            const r = yield* call("POST", "/api/v1/tenants/mfa-stepup/auth/step-up", {
              auth: access_token,
              body: { code: wrong }
            })
            statuses.push(r.status)
          }
          expect(statuses).toEqual([400, 400, 400, 429])
          // The second login step of the same user is blocked as well.
          const token = yield* challenge("mfa-stepup")
          const code = yield* nextCode(secret)
          expectProblem(yield* mfaStep("mfa-stepup", { mfa_token: token, code }), 429)
        })
      )

      it.effect("step-up with a correct code answers mfa_verified_at as an ISO-8601 UTC instant", () =>
        Effect.gen(function* () {
          const { access_token, secret } = yield* mfaAdmin("mfa-stepup-ok")
          const startedAt = Date.now()
          const r = yield* call("POST", "/api/v1/tenants/mfa-stepup-ok/auth/step-up", {
            auth: access_token,
            body: { code: yield* nextCode(secret) }
          })
          expect(r.status).toBe(200)
          expect(r.body.mfa_verified_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
          expect(Date.parse(r.body.mfa_verified_at)).toBeGreaterThanOrEqual(startedAt - 1000)
        })
      )

      it.effect(
        "regression (MFA login bookkeeping): a login completed with a code sets last_login_at and publishes signet.auth.login",
        () =>
          Effect.gen(function* () {
            const { access_token, userId, secret } = yield* mfaAdmin("mfa-books")
            const before = (yield* call("GET", "/api/v1/tenants/mfa-books/me", { auth: access_token })).body
              .last_login_at as string
            const token = yield* challenge("mfa-books")
            const code = yield* nextCode(secret)
            const startedAt = Date.now()
            const done = yield* mfaStep("mfa-books", { mfa_token: token, code })
            expect(done.status).toBe(200)
            const at = Date.parse(done.body.user.last_login_at)
            expect(at).toBeGreaterThanOrEqual(startedAt)
            expect(at).toBeGreaterThan(Date.parse(before))
            const me = yield* call("GET", "/api/v1/tenants/mfa-books/me", { auth: done.body.access_token })
            expect(me.body.last_login_at).toBe(done.body.user.last_login_at)
            const sql = yield* SqlClient.SqlClient
            const rows = yield* sql<{ data: unknown; tenant_id: string | null }>`SELECT data, tenant_id FROM outbox
              WHERE type = 'signet.auth.login' AND subject = ${userId}`.pipe(Effect.orDie)
            const events = rows.map((r) => (typeof r.data === "string" ? JSON.parse(r.data) : r.data))
            // The password-only login before MFA, then the MFA login.
            expect(events).toHaveLength(2)
            expect(events).toContainEqual({ session_id: done.body.session_id })
          })
      )
    }
  )
}
