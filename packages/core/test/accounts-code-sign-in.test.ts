/**
 * Issue 18: passwordless sign-in by e-mail code — mailed through a real SMTP
 * server on loopback to the verified address only, one answer for every
 * request, a code for its own purpose only, MFA still asked of accounts
 * that have it, off unless the tenant enables it.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Accounts, Auth, Mfa, policyUse, Tenancy, UserAdmin, type UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Duration, Effect, Redacted, TestClock } from "effect"
import type { ParsedMail } from "mailparser"
import { drain, isSecurityNotice, mailCore, ORIGIN, Sink } from "./smtp-sink.js"
import {
  ADMIN_PASSWORD,
  adminSession,
  asTenant,
  inTenant,
  onboardWithAdmin,
  operator,
  type TenantRef,
  testActor,
  totpAt
} from "./support.js"

const adminEmail = (t: TenantRef) => `head@${t.slug}.example.edu`
const client = { ip: "192.0.2.31" }

/** The code in a sign-in code mail (a line of its own, 6 digits). */
const codeOf = (mail: ParsedMail) => {
  const m = /^(\d{6})$/m.exec(mail.text ?? "")
  if (!m) throw new Error(`no code in ${mail.text}`)
  return m[1]!
}

/** The admin's mails but security notices (enrolling TOTP sends one). */
const mailsTo = (t: TenantRef) => Effect.map(Sink, (sink) => sink.to(adminEmail(t)).filter((m) => !isSecurityNotice(m)))

/**
 * A tenant with sign-in by e-mail code enabled (unless `enabled: false`)
 * whose admin has a verified address (unless `verified: false`) and TOTP
 * MFA when `mfa`. Answers the tenant and the TOTP secret.
 */
const setup = (
  slug: string,
  opts: { readonly verified?: boolean; readonly enabled?: boolean; readonly mfa?: boolean } = {}
) =>
  Effect.gen(function* () {
    const t = yield* onboardWithAdmin(slug)
    const actor = yield* adminSession(t)
    if (opts.verified !== false) {
      yield* Accounts.use((a) => a.requestEmailVerification).pipe(inTenant(t, actor))
      yield* drain
      const link = (yield* mailsTo(t)).at(-1)!
      const token = new RegExp(`${ORIGIN}/t/${t.slug}/verify-email\\?token=([A-Za-z0-9_-]+)`).exec(link.text ?? "")![1]!
      yield* Accounts.use((a) => a.confirmEmailVerification(t.slug, { token }, {}))
    }
    let secret = ""
    if (opts.mfa) {
      secret = (yield* Mfa.use((m) => m.enroll(actor.id!, Redacted.make(ADMIN_PASSWORD))).pipe(inTenant(t))).secret
      yield* Effect.flatMap(totpAt(secret), (c) => Mfa.use((m) => m.confirm(actor.id!, c))).pipe(inTenant(t))
    }
    if (opts.enabled !== false)
      yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.email_code_sign_in", true)).pipe(Effect.provide(testActor))
    return { t, secret }
  })

const send = (t: TenantRef, login: string) => Accounts.use((a) => a.sendSignInEmailCode(t.slug, { login }, client))

const verify = (t: TenantRef, login: string, code: string) =>
  Accounts.use((a) => a.verifySignInEmailCode(t.slug, { login, code }, client))

/** Asks for a code for the admin and answers it as delivered (exactly one new mail). */
const mailedCode = (t: TenantRef) =>
  Effect.gen(function* () {
    const before = (yield* mailsTo(t)).length
    yield* send(t, adminEmail(t))
    yield* drain
    const mails = yield* mailsTo(t)
    expect(mails.length).toBe(before + 1)
    return codeOf(mails.at(-1)!)
  })

/** The `after` of the tenant's audit rows with this action. */
const audited = (t: TenantRef, action: string) =>
  asTenant(
    t,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ after: unknown }>`SELECT after FROM audit_logs
        WHERE tenant_id = ${t.id} AND action = ${action} ORDER BY seq`.pipe(
        Effect.map((rows) => rows.map((r) => (typeof r.after === "string" ? JSON.parse(r.after) : r.after))),
        Effect.orDie
      )
    )
  )

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`Sign-in by e-mail code on ${dialect}`, (it) => {
    it.effect("a mailed code signs the user in once, without a password; a replay is refused", () =>
      Effect.gen(function* () {
        const { t } = yield* setup(`codesign-ok-${dialect}`)
        const code = yield* mailedCode(t)
        const result = yield* verify(t, adminEmail(t), code)
        if (result.status !== "authenticated") throw new Error(`expected tokens, got ${result.status}`)
        expect(result.tokens.user.email).toBe(adminEmail(t))
        expect((yield* Effect.flip(verify(t, adminEmail(t), code)))._tag).toBe("Unauthorized")
        const logins = yield* audited(t, "auth.login")
        expect(logins.at(-1)).toMatchObject({ method: "email_code" })
      })
    )

    it.effect("issue 18: pending required actions answer actions_required to a code sign-in, with no session", () =>
      Effect.gen(function* () {
        const { t } = yield* setup(`codesign-ra-${dialect}`)
        const actor = yield* adminSession(t)
        yield* UserAdmin.setRequiredActions(actor.id as UserId, ["update_password"]).pipe(
          policyUse("users:write"),
          inTenant(t, operator)
        )
        const sessions = asTenant(
          t,
          Effect.flatMap(SqlClient.SqlClient, (sql) =>
            sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM user_sessions WHERE user_id = ${actor.id}`.pipe(
              Effect.orDie
            )
          )
        ).pipe(Effect.map((rows) => Number(rows[0]!.n)))
        const before = yield* sessions
        const code = yield* mailedCode(t)
        const result = yield* verify(t, adminEmail(t), code)
        if (result.status !== "actions_required") throw new Error(`expected actions_required, got ${result.status}`)
        expect(result.actions).toEqual(["update_password"])
        expect(result).not.toHaveProperty("tokens")
        expect(yield* sessions).toBe(before)
        // The code is spent; the action token is the way on.
        expect((yield* Effect.flip(verify(t, adminEmail(t), code)))._tag).toBe("Unauthorized")
        const pending = yield* Effect.flip(Auth.use((a) => a.completeActions(t.slug, result.action_token, {})))
        expect(pending).toMatchObject({ _tag: "ActionsPending", actions: ["update_password"] })
      })
    )

    it.effect("an unverified address and an unknown login get the same answer and no mail", () =>
      Effect.gen(function* () {
        const { t: unverified } = yield* setup(`codesign-unv-${dialect}`, { verified: false })
        const before = (yield* mailsTo(unverified)).length
        const a = yield* send(unverified, adminEmail(unverified))
        const b = yield* send(unverified, `nobody@${unverified.slug}.example.edu`)
        yield* drain
        expect(a).toEqual(b)
        expect((yield* mailsTo(unverified)).length).toBe(before)
        const reasons = (yield* audited(unverified, "auth.email_code_sign_in_requested")).map(
          (r) => (r as { reason?: string }).reason
        )
        expect(reasons).toEqual([undefined, "unknown_login"])
        expect((yield* audited(unverified, "auth.mfa_email_code_skipped")).at(-1)).toMatchObject({
          reason: "email_not_verified"
        })
        const wrong = yield* Effect.flip(verify(unverified, `nobody@${unverified.slug}.example.edu`, "123456"))
        expect(wrong._tag).toBe("Unauthorized")
      })
    )

    it.effect("off unless the tenant enables it: 403 for both steps and no mail", () =>
      Effect.gen(function* () {
        const { t } = yield* setup(`codesign-off-${dialect}`, { enabled: false })
        const before = (yield* mailsTo(t)).length
        expect((yield* Effect.flip(send(t, adminEmail(t))))._tag).toBe("EmailCodeSignInDisabled")
        expect((yield* Effect.flip(verify(t, adminEmail(t), "123456")))._tag).toBe("EmailCodeSignInDisabled")
        yield* drain
        expect((yield* mailsTo(t)).length).toBe(before)
      })
    )

    it.effect("five wrong codes burn the code: the right one is refused after them", () =>
      Effect.gen(function* () {
        const { t } = yield* setup(`codesign-burn-${dialect}`)
        const code = yield* mailedCode(t)
        const other = code === "000000" ? "111111" : "000000"
        for (let i = 0; i < 4; i++)
          expect((yield* Effect.flip(verify(t, adminEmail(t), other)))._tag).toBe("Unauthorized")
        // The fifth try is refused by the per-login limit (5 per 15 minutes) or burns the code.
        const fifth = yield* Effect.flip(verify(t, adminEmail(t), other))
        expect(["Unauthorized", "RateLimited"]).toContain(fifth._tag)
        const last = yield* Effect.flip(verify(t, adminEmail(t), code))
        expect(["Unauthorized", "RateLimited"]).toContain(last._tag)
        const failed = (yield* audited(t, "auth.mfa_email_code_failed")).map((r) => (r as { reason: string }).reason)
        expect(failed).toContain("wrong_code_burned")
      })
    )

    it.effect("requests past the per-login limit get 429 and no further mail", () =>
      Effect.gen(function* () {
        const { t } = yield* setup(`codesign-429-${dialect}`)
        const before = (yield* mailsTo(t)).length
        for (let i = 0; i < 5; i++) yield* send(t, adminEmail(t))
        const past = yield* Effect.flip(send(t, adminEmail(t)))
        expect(past._tag).toBe("RateLimited")
        yield* drain
        expect((yield* mailsTo(t)).length).toBe(before + 5)
      })
    )

    it.effect("a second-factor code does not sign in, and a sign-in code is no second factor", () =>
      Effect.gen(function* () {
        const { t } = yield* setup(`codesign-purpose-${dialect}`, { mfa: true })
        yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.mfa_email_codes", true)).pipe(Effect.provide(testActor))
        const login = yield* Auth.use((a) =>
          a.login(t.slug, { login: adminEmail(t), password: Redacted.make(ADMIN_PASSWORD) }, {})
        )
        if (login.status !== "mfa_required") throw new Error("expected an MFA challenge")
        yield* Accounts.use((a) => a.sendMfaEmailCode(t.slug, { mfa_token: login.mfa_token }, client))
        yield* drain
        const mfaCode = codeOf((yield* mailsTo(t)).at(-1)!)
        expect((yield* Effect.flip(verify(t, adminEmail(t), mfaCode)))._tag).toBe("Unauthorized")
        const signInCode = yield* mailedCode(t)
        const refused = yield* Effect.flip(
          Accounts.use((a) => a.verifyMfaEmailCode(t.slug, { mfa_token: login.mfa_token, code: signInCode }, client))
        )
        expect(refused._tag).toBe("Unauthorized")
      })
    )

    it.effect("an account with MFA must still answer with TOTP, not with another e-mail code", () =>
      Effect.gen(function* () {
        const { secret, t } = yield* setup(`codesign-mfa-${dialect}`, { mfa: true })
        yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.mfa_email_codes", true)).pipe(Effect.provide(testActor))
        const result = yield* verify(t, adminEmail(t), yield* mailedCode(t))
        if (result.status !== "mfa_required") throw new Error("expected an MFA challenge")
        const second = yield* Effect.flip(
          Accounts.use((a) => a.sendMfaEmailCode(t.slug, { mfa_token: result.mfa_token }, client))
        )
        expect(second._tag).toBe("Unauthorized")
        // The enrolment's code spent its time step: the login's comes from the next one.
        yield* TestClock.adjust(Duration.seconds(30))
        const pair = yield* Effect.flatMap(totpAt(secret), (code) =>
          Mfa.use((m) => m.completeLogin(t.slug, result.mfa_token, { code }, {}))
        )
        expect(pair.user.email).toBe(adminEmail(t))
      })
    )
  })
}
