/**
 * Platform-operator login over HTTP is rate-limited like tenant logins
 * (regression: only the five-failure lockout applied, and every attempt cost an
 * argon2 verification): per e-mail and per client address, before any password
 * work, in buckets of its own.
 */
import { expect, layer } from "@effect/vitest"
import { Operators } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

const PASSWORD = "platform operator passphrase"

const attempt = (email: string, password: string) =>
  call("POST", "/api/v1/platform/auth/login", { auth: false, body: { email, password } })

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, { SIGNET_RATE_LOGIN_ACCOUNT: "3/86400", SIGNET_RATE_LOGIN_IP: "6/86400" }), {
    timeout: 60_000,
    excludeTestServices: true
  })(`Operator login limits on ${dialect}`, (it) => {
    it.effect("the fourth attempt for one e-mail is a 429, the right password too; other e-mails go on", () =>
      Effect.gen(function* () {
        yield* Operators.use((o) =>
          o.create({ email: "ops@limits.example.org", name: "Ops", password: Redacted.make(PASSWORD) })
        )
        for (let i = 0; i < 3; i++) expectProblem(yield* attempt("ops@limits.example.org", "not the passphrase"), 401)
        const limited = yield* attempt("ops@limits.example.org", PASSWORD)
        expect(expectProblem(limited, 429).code).toBe("RateLimited")
        expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
        // Another e-mail has its own bucket, until the address's budget (6) is spent.
        expectProblem(yield* attempt("someone@limits.example.org", "not the passphrase"), 401)
        expectProblem(yield* attempt("someone@limits.example.org", "not the passphrase"), 401)
        expectProblem(yield* attempt("other@limits.example.org", "not the passphrase"), 429)
      })
    )
  })
}
