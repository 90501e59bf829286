import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, layer, it as plainIt } from "@effect/vitest"
import { Auth, CreateTenant, Mfa, Tenancy } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Clock, Duration, Effect, Redacted, Schema, TestClock } from "effect"
import { generate } from "otplib"
import { asTenant, testActor, testCore } from "./support.js"

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

        const enrolment = yield* asUser(Mfa.use((m) => m.enroll(userId)))
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
  })
}
