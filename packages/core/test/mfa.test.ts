import * as Fs from "node:fs"
import * as Path from "node:path"
import { SqlClient } from "@effect/sql"
import { expect, layer, it as plainIt } from "@effect/vitest"
import { Audit, Auth, CreateTenant, CurrentTenant, Identity, Mfa, Tenancy, type TenantId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, DateTime, Duration, Effect, Redacted, Schema, TestClock } from "effect"
import { generate } from "otplib"
import { asTenant, testActor, testCore } from "./support.js"

/** An optional instant as its ISO-8601 string (null when absent). */
const iso = (at: DateTime.Utc | null) => (at === null ? null : DateTime.formatIso(at))

const PASSWORD = "correct horse battery staple"

const codeAt = (secret: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (ms) =>
    Effect.promise(() => generate({ secret, epoch: Math.floor(ms / 1000) }))
  )

const VECTORS = Path.resolve(__dirname, "../../../../shared/data/vectors/rfc6238_totp_vectors.json")

plainIt.skipIf(!Fs.existsSync(VECTORS))("otplib matches every RFC 6238 Appendix B vector", async () => {
  const { vectors } = JSON.parse(Fs.readFileSync(VECTORS, "utf8")) as {
    vectors: Array<{ unixTime: number; algorithm: string; seedAscii: string; digits: 8; period: number; totp: string }>
  }
  expect(vectors.length).toBe(18)
  for (const v of vectors) {
    const totp = await generate({
      secret: new TextEncoder().encode(v.seedAscii),
      epoch: v.unixTime,
      digits: v.digits,
      period: v.period,
      algorithm: v.algorithm.toLowerCase() as "sha1" | "sha256" | "sha512"
    })
    expect(totp).toBe(v.totp)
  }
})
if (!Fs.existsSync(VECTORS)) console.warn(`RFC 6238 vectors not found at ${VECTORS}: vector test skipped`)

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`TOTP MFA on ${dialect}`, (it) => {
    it.effect("enrol, confirm, two-step login, replay refused, recovery codes single-use, step-up, disable", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.parse("2026-11-21T08:00:00Z"))
        const tenant = yield* Tenancy.use((t) =>
          t.create(
            Schema.decodeUnknownSync(CreateTenant)({
              slug: "mfa-school",
              name: "MFA",
              admin: { email: "head@mfa-school.example.edu", password: PASSWORD, given_name: "H", family_name: "T" }
            })
          )
        ).pipe(Effect.provide(testActor))
        const first = yield* Auth.use((a) =>
          a.login("mfa-school", { login: "head@mfa-school.example.edu", password: Redacted.make(PASSWORD) }, {})
        )
        if (first.status !== "authenticated") throw new Error("expected tokens")
        const userId = first.tokens.user.id
        const asUser = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))

        const enrolment = yield* asUser(Mfa.use((m) => m.enroll(userId, Redacted.make(PASSWORD))))
        expect(enrolment.otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=/)
        expect(enrolment.qr_svg).toContain("<svg")
        expect((yield* Effect.flip(asUser(Mfa.use((m) => m.confirm(userId, "000000")))))._tag).toBe("ValidationError")
        const { recovery_codes } = yield* asUser(
          Effect.flatMap(codeAt(enrolment.secret), (c) => Mfa.use((m) => m.confirm(userId, c)))
        )
        expect(recovery_codes).toHaveLength(10)
        expect(new Set(recovery_codes).size).toBe(10)

        yield* TestClock.adjust(Duration.seconds(30))
        const challenge = yield* Auth.use((a) =>
          a.login("mfa-school", { login: "head@mfa-school.example.edu", password: Redacted.make(PASSWORD) }, {})
        )
        expect(challenge.status).toBe("mfa_required")
        if (challenge.status !== "mfa_required") return
        const code = yield* codeAt(enrolment.secret)
        // Two concurrent uses of the same code: exactly one session.
        const attempts = yield* Effect.all(
          [1, 2, 3].map(() =>
            Effect.either(Mfa.use((m) => m.completeLogin("mfa-school", challenge.mfa_token, { code }, {})))
          ),
          { concurrency: "unbounded" }
        )
        expect(attempts.filter((a) => a._tag === "Right")).toHaveLength(1)
        // The same code later in the same step: refused (replay).
        const replay = yield* Effect.flip(
          Mfa.use((m) => m.completeLogin("mfa-school", challenge.mfa_token, { code }, {}))
        )
        expect(replay._tag).toBe("Unauthorized")
        // A recovery code works once.
        const rc = recovery_codes[0]!
        const viaRecovery = yield* Mfa.use((m) =>
          m.completeLogin("mfa-school", challenge.mfa_token, { recovery_code: rc.toLowerCase() }, {})
        )
        expect(viaRecovery.user.id).toBe(userId)
        expect(
          (yield* Effect.flip(
            Mfa.use((m) => m.completeLogin("mfa-school", challenge.mfa_token, { recovery_code: rc }, {}))
          ))._tag
        ).toBe("Unauthorized")
        expect(yield* asUser(Mfa.use((m) => m.recoveryCodesLeft(userId)))).toBe(9)
        // The challenge token is not an access token, and expires.
        expect((yield* Effect.flip(Auth.use((a) => a.validateToken(challenge.mfa_token))))._tag).toBe("Unauthorized")

        // Step-up: fresh after MFA login; stale after the window; restored by a new code.
        const session = (attempts.find((a) => a._tag === "Right") as any).right.session_id as string
        yield* asUser(Mfa.use((m) => m.requireRecentMfa(session)))
        yield* TestClock.adjust(Duration.minutes(11))
        expect((yield* Effect.flip(asUser(Mfa.use((m) => m.requireRecentMfa(session)))))._tag).toBe("Forbidden")
        yield* asUser(Effect.flatMap(codeAt(enrolment.secret), (c) => Mfa.use((m) => m.stepUp(userId, session, c))))
        yield* asUser(Mfa.use((m) => m.requireRecentMfa(session)))

        yield* TestClock.adjust(Duration.seconds(30))
        const wrongPw = yield* Effect.flip(
          asUser(
            Effect.flatMap(codeAt(enrolment.secret), (c) =>
              Mfa.use((m) => m.disable(userId, Redacted.make("nope nope nope"), { code: c }))
            )
          )
        )
        expect(wrongPw._tag).toBe("ValidationError")
        yield* TestClock.adjust(Duration.seconds(30))
        yield* asUser(
          Effect.flatMap(codeAt(enrolment.secret), (c) =>
            Mfa.use((m) => m.disable(userId, Redacted.make(PASSWORD), { code: c }))
          )
        )
        const plain = yield* Auth.use((a) =>
          a.login("mfa-school", { login: "head@mfa-school.example.edu", password: Redacted.make(PASSWORD) }, {})
        )
        expect(plain.status).toBe("authenticated")
      })
    )

    it.effect(
      "regression (MFA login bookkeeping): a login completed with a code sets last_login_at and publishes signet.auth.login",
      () =>
        Effect.gen(function* () {
          yield* TestClock.setTime(Date.parse("2026-11-21T09:00:00Z"))
          const { tenant, userId, secret, recovery_codes } = yield* mfaUser("mfa-bookkeeping")
          const asUser = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))
          expect(iso((yield* asUser(Identity.use((i) => i.get(userId)))).last_login_at)).toBe(
            "2026-11-21T09:00:00.000Z"
          )
          const loginEvents = () => loginEventsOf(userId)
          expect(yield* loginEvents()).toHaveLength(1) // the password-only login before MFA

          yield* TestClock.adjust(Duration.minutes(2))
          const viaCode = yield* mfaLogin("mfa-bookkeeping", { code: yield* codeAt(secret) })
          expect(iso(viaCode.user.last_login_at)).toBe("2026-11-21T09:02:30.000Z")
          expect(iso((yield* asUser(Identity.use((i) => i.get(userId)))).last_login_at)).toBe(
            "2026-11-21T09:02:30.000Z"
          )
          expect(yield* loginEvents()).toContainEqual({ session_id: viaCode.session_id })

          yield* TestClock.adjust(Duration.minutes(2))
          const viaRecovery = yield* mfaLogin("mfa-bookkeeping", { recovery_code: recovery_codes[0]! })
          expect(iso((yield* asUser(Identity.use((i) => i.get(userId)))).last_login_at)).toBe(
            "2026-11-21T09:04:30.000Z"
          )
          expect(yield* loginEvents()).toContainEqual({ session_id: viaRecovery.session_id })
          expect(yield* loginEvents()).toHaveLength(3)
        })
    )

    it.effect(
      "regression (MFA brute force): the 11th code attempt in 5 minutes is RateLimited, a correct one too; step-up shares the budget",
      () =>
        Effect.gen(function* () {
          yield* TestClock.setTime(Date.parse("2026-11-21T10:00:00Z"))
          const { tenant, userId, secret, sessionId } = yield* mfaUser("mfa-limits")
          const asUser = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))
          const challenge = yield* passwordStep("mfa-limits")
          const wrong = yield* wrongCode(secret)
          for (let i = 0; i < 10; i++) {
            const refused = yield* Effect.flip(
              Mfa.use((m) => m.completeLogin("mfa-limits", challenge, { code: wrong }, {}))
            )
            expect(refused._tag).toBe("Unauthorized")
          }
          const limited = yield* Effect.flip(
            Mfa.use((m) => m.completeLogin("mfa-limits", challenge, { code: wrong }, {}))
          )
          expect(limited).toMatchObject({ _tag: "RateLimited", limit: 10, remaining: 0 })
          if (limited._tag !== "RateLimited") return
          expect(limited.retry_after_seconds).toBeGreaterThan(0)
          expect(limited.retry_after_seconds).toBeLessThanOrEqual(300)
          // While blocked a correct code is refused too — otherwise the limit would only slow guessing down.
          const correct = yield* Effect.flip(
            Effect.flatMap(codeAt(secret), (code) =>
              Mfa.use((m) => m.completeLogin("mfa-limits", challenge, { code }, {}))
            )
          )
          expect(correct._tag).toBe("RateLimited")
          // Step-up (a stolen access token) draws on the same budget. It is called outside a
          // transaction, as the HTTP handler calls it: the count must not roll back with the refusal.
          const stepUp = yield* Effect.flip(
            Effect.flatMap(codeAt(secret), (code) =>
              Mfa.use((m) => m.stepUp(userId, sessionId, code)).pipe(
                Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }),
                Effect.provide(testActor)
              )
            )
          )
          expect(stepUp._tag).toBe("RateLimited")
          // One audit row per blocked window, however many refusals.
          const audited = yield* asUser(Audit.use((a) => a.list({ action: "auth.mfa_rate_limited" })))
          expect(audited.items).toHaveLength(1)
          expect(audited.items[0]).toMatchObject({ target_type: "user", target_id: userId, actor_id: userId })
          expect(audited.items[0]!.after).toMatchObject({ via: "login", limit: 10, window_seconds: 300 })

          // The next window: the correct code works again.
          yield* TestClock.adjust(Duration.minutes(5))
          const fresh = yield* passwordStep("mfa-limits")
          const pair = yield* Effect.flatMap(codeAt(secret), (code) =>
            Mfa.use((m) => m.completeLogin("mfa-limits", fresh, { code }, {}))
          )
          expect(pair.user.id).toBe(userId)
        })
    )
  })
}

/** A tenant whose admin has confirmed TOTP; `sessionId` is their session from before MFA. */
const mfaUser = (slug: string) =>
  Effect.gen(function* () {
    const tenant = yield* Tenancy.use((t) =>
      t.create(
        Schema.decodeUnknownSync(CreateTenant)({
          slug,
          name: slug,
          admin: { email: `head@${slug}.example.edu`, password: PASSWORD, given_name: "H", family_name: "T" }
        })
      )
    ).pipe(Effect.provide(testActor))
    const first = yield* Auth.use((a) =>
      a.login(slug, { login: `head@${slug}.example.edu`, password: Redacted.make(PASSWORD) }, {})
    )
    if (first.status !== "authenticated") throw new Error("expected tokens")
    const userId = first.tokens.user.id
    const asUser = <A, E, R>(eff: Effect.Effect<A, E, R>) => asTenant(tenant, eff).pipe(Effect.provide(testActor))
    const { secret } = yield* asUser(Mfa.use((m) => m.enroll(userId, Redacted.make(PASSWORD))))
    const { recovery_codes } = yield* asUser(
      Effect.flatMap(codeAt(secret), (c) => Mfa.use((m) => m.confirm(userId, c)))
    )
    // The confirming code's time step is spent: later codes come from the next step.
    yield* TestClock.adjust(Duration.seconds(30))
    return { tenant, userId, secret, recovery_codes, sessionId: first.tokens.session_id }
  })

/** The password step of an MFA user's login: the challenge token. */
const passwordStep = (slug: string) =>
  Effect.map(
    Auth.use((a) => a.login(slug, { login: `head@${slug}.example.edu`, password: Redacted.make(PASSWORD) }, {})),
    (r) => {
      if (r.status !== "mfa_required") throw new Error("expected an MFA challenge")
      return r.mfa_token
    }
  )

/** Both login steps. */
const mfaLogin = (slug: string, proof: { readonly code?: string; readonly recovery_code?: string }) =>
  Effect.flatMap(passwordStep(slug), (token) => Mfa.use((m) => m.completeLogin(slug, token, proof, {})))

/** A 6-digit code that none of the accepted time steps (now, ±1) produces. */
const wrongCode = (secret: string) =>
  Effect.gen(function* () {
    const ms = yield* Clock.currentTimeMillis
    const valid = new Set(
      yield* Effect.promise(() =>
        Promise.all([-30, 0, 30].map((d) => generate({ secret, epoch: Math.floor(ms / 1000) + d })))
      )
    )
    return ["000000", "111111", "222222", "333333"].find((c) => !valid.has(c))!
  })

/** The `data` of every `signet.auth.login` event about a user. */
const loginEventsOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ data: unknown }>`SELECT data FROM outbox WHERE type = 'signet.auth.login' AND subject = ${userId}`.pipe(
      Effect.orDie,
      Effect.map((rows) => rows.map((r) => (typeof r.data === "string" ? JSON.parse(r.data) : r.data)))
    )
  )
