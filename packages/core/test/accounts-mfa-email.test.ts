/**
 * Issue 18: e-mail login codes as a second factor — mailed through a real
 * SMTP server on loopback, hashed, single use, 10 minutes, 5 wrong tries,
 * off unless the tenant enables it, scoped to the tenant.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Accounts, Auth, Mfa, Tenancy } from "@signet/core"
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
  type TenantRef,
  testActor,
  totpAt
} from "./support.js"

const adminEmail = (t: TenantRef) => `head@${t.slug}.example.edu`

/** The code in a sign-in code mail (a line of its own, 6 digits). */
const codeOf = (mail: ParsedMail) => {
  const m = /^(\d{6})$/m.exec(mail.text ?? "")
  if (!m) throw new Error(`no code in ${mail.text}`)
  return m[1]!
}

/** The mails delivered to the tenant's admin so far. */
/** The admin's mails but security notices (enrolling TOTP sends one). */
const mailsTo = (t: TenantRef) => Effect.map(Sink, (sink) => sink.to(adminEmail(t)).filter((m) => !isSecurityNotice(m)))

/** A password login of the admin: the MFA challenge token. */
const challenge = (t: TenantRef) =>
  Effect.gen(function* () {
    const login = yield* Auth.use((a) =>
      a.login(t.slug, { login: adminEmail(t), password: Redacted.make(ADMIN_PASSWORD) }, {})
    )
    if (login.status !== "mfa_required") throw new Error("expected an MFA challenge")
    return login.mfa_token
  })

/**
 * A tenant whose admin has TOTP MFA and (unless `verified: false`) a
 * verified address, with e-mail codes enabled (unless `enabled: false`).
 */
const setup = (slug: string, opts: { readonly verified?: boolean; readonly enabled?: boolean } = {}) =>
  Effect.gen(function* () {
    const t = yield* onboardWithAdmin(slug)
    const actor = yield* adminSession(t)
    const userId = actor.id!
    if (opts.verified !== false) {
      yield* Accounts.use((a) => a.requestEmailVerification).pipe(inTenant(t, actor))
      yield* drain
      const link = (yield* mailsTo(t)).at(-1)!
      const token = new RegExp(`${ORIGIN}/t/${t.slug}/verify-email\\?token=([A-Za-z0-9_-]+)`).exec(link.text ?? "")![1]!
      yield* Accounts.use((a) => a.confirmEmailVerification(t.slug, { token }, {}))
    }
    const { secret } = yield* Mfa.use((m) => m.enroll(userId, Redacted.make(ADMIN_PASSWORD))).pipe(inTenant(t))
    yield* Effect.flatMap(totpAt(secret), (c) => Mfa.use((m) => m.confirm(userId, c))).pipe(inTenant(t))
    if (opts.enabled !== false)
      yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.mfa_email_codes", true)).pipe(Effect.provide(testActor))
    return t
  })

const send = (t: TenantRef, mfa_token: string) =>
  Accounts.use((a) => a.sendMfaEmailCode(t.slug, { mfa_token }, { ip: "192.0.2.30" }))

const verify = (t: TenantRef, mfa_token: string, code: string) =>
  Accounts.use((a) => a.verifyMfaEmailCode(t.slug, { mfa_token, code }, { ip: "192.0.2.30" }))

/** Asks for a code and returns it as delivered. */
const mailedCode = (t: TenantRef, mfa_token: string) =>
  Effect.gen(function* () {
    const before = (yield* mailsTo(t)).length
    yield* send(t, mfa_token)
    yield* drain
    const mails = yield* mailsTo(t)
    expect(mails.length).toBe(before + 1)
    return { code: codeOf(mails.at(-1)!), mail: mails.at(-1)! }
  })

/** The audit actions recorded in tenant `t` with this prefix. */
const actions = (t: TenantRef, prefix: string) =>
  asTenant(
    t,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ action: string }>`SELECT action FROM audit_logs WHERE action LIKE ${`${prefix}%`}`.pipe(
        Effect.map((rows) => rows.map((r) => r.action)),
        Effect.orDie
      )
    )
  )

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`E-mail login codes on ${dialect}`, (it) => {
    it.effect("a mailed code completes the login once, like the TOTP step; a replay is refused", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-ok-${dialect}`)
        const token = yield* challenge(t)
        const { code, mail } = yield* mailedCode(t, token)
        expect(mail.subject).toBe(`Your ${t.slug} sign-in code`)
        expect(mail.text).toContain("expires in 10 minutes")
        expect(mail.html).toContain(code)
        const pair = yield* verify(t, token, code)
        expect(pair.access_token).toBeTruthy()
        expect(pair.user.email).toBe(adminEmail(t))
        expect((yield* Effect.flip(verify(t, token, code)))._tag).toBe("Unauthorized")
        expect(yield* actions(t, "auth.mfa_email_code")).toEqual(
          expect.arrayContaining([
            "auth.mfa_email_code_sent",
            "auth.mfa_email_code_verified",
            "auth.mfa_email_code_failed"
          ])
        )
        // Stored hashed: the code itself is nowhere in the table.
        const rows = yield* asTenant(
          t,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql<{ code_hash: string }>`SELECT code_hash FROM mfa_email_codes WHERE tenant_id = ${t.id}`
          )
        )
        expect(rows.length).toBe(1)
        expect(rows[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/)
      })
    )

    it.effect("the mail is in French when the tenant's locale is French", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-fr-${dialect}`)
        yield* Tenancy.use((x) => x.putSetting(t.slug, "general.locale", "fr-FR")).pipe(Effect.provide(testActor))
        const { code, mail } = yield* mailedCode(t, yield* challenge(t))
        expect(mail.subject).toBe(`Votre code de connexion ${t.slug}`)
        expect(mail.text).toContain("expire dans 10 minutes")
        expect(mail.html).toContain(`<html lang="fr">`)
        expect(mail.html).toContain(code)
      })
    )

    it.effect("a wrong code is refused and the right one still works; a resend ends the earlier code", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-wrong-${dialect}`)
        const token = yield* challenge(t)
        const first = yield* mailedCode(t, token)
        const wrong = first.code === "000000" ? "000001" : "000000"
        expect((yield* Effect.flip(verify(t, token, wrong)))._tag).toBe("Unauthorized")
        expect((yield* Effect.flip(verify(t, token, "not-a-code")))._tag).toBe("Unauthorized")
        const second = yield* mailedCode(t, token)
        if (second.code !== first.code)
          expect((yield* Effect.flip(verify(t, token, first.code)))._tag).toBe("Unauthorized")
        expect((yield* verify(t, token, second.code)).access_token).toBeTruthy()
      })
    )

    it.effect("a code expires after 10 minutes", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-expired-${dialect}`)
        const { code } = yield* mailedCode(t, yield* challenge(t))
        yield* TestClock.adjust(Duration.minutes(11))
        expect((yield* Effect.flip(verify(t, yield* challenge(t), code)))._tag).toBe("Unauthorized")
      })
    )

    it.effect("five wrong tries burn the code: the right one is refused after them", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-burn-${dialect}`)
        const token = yield* challenge(t)
        const { code } = yield* mailedCode(t, token)
        const wrong = code === "000000" ? "000001" : "000000"
        for (let i = 0; i < 5; i++) expect((yield* Effect.flip(verify(t, token, wrong)))._tag).toBe("Unauthorized")
        expect((yield* Effect.flip(verify(t, token, code)))._tag).toBe("Unauthorized")
      })
    )

    it.effect("sending is rate limited per user (SIGNET_RATE_MFA_EMAIL, default 5/900)", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-rate-${dialect}`)
        const token = yield* challenge(t)
        for (let i = 0; i < 5; i++) yield* send(t, token)
        expect((yield* Effect.flip(send(t, token)))._tag).toBe("RateLimited")
      })
    )

    it.effect("off by default: both operations are MfaEmailCodesDisabled (403), nothing mailed", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-off-${dialect}`, { enabled: false })
        const token = yield* challenge(t)
        const before = (yield* mailsTo(t)).length
        expect((yield* Effect.flip(send(t, token)))._tag).toBe("MfaEmailCodesDisabled")
        expect((yield* Effect.flip(verify(t, token, "123456")))._tag).toBe("MfaEmailCodesDisabled")
        yield* drain
        expect((yield* mailsTo(t)).length).toBe(before)
      })
    )

    it.effect("an unverified address gets the same answer and no mail", () =>
      Effect.gen(function* () {
        const t = yield* setup(`mailcode-unverified-${dialect}`, { verified: false })
        const token = yield* challenge(t)
        const answer = yield* send(t, token)
        expect(answer.message).toContain("If your account has a verified e-mail address")
        yield* drain
        expect(yield* mailsTo(t)).toHaveLength(0)
      })
    )

    it.effect("another tenant's challenge token is refused, and codes are visible only in their tenant (RLS)", () =>
      Effect.gen(function* () {
        const a = yield* setup(`mailcode-iso-a-${dialect}`)
        const b = yield* setup(`mailcode-iso-b-${dialect}`)
        const tokenA = yield* challenge(a)
        const { code } = yield* mailedCode(a, tokenA)
        expect((yield* Effect.flip(send(b, tokenA)))._tag).toBe("Unauthorized")
        expect((yield* Effect.flip(verify(b, tokenA, code)))._tag).toBe("Unauthorized")
        const sql = yield* SqlClient.SqlClient
        const count = (tenantId: string) =>
          sql<{ n: number }>`SELECT COUNT(*) AS n FROM mfa_email_codes WHERE tenant_id = ${tenantId}`.pipe(
            Effect.map((r) => Number(r[0]!.n))
          )
        expect(yield* asTenant(a, count(a.id))).toBe(1)
        expect(yield* asTenant(b, count(b.id))).toBe(0)
        if (dialect === "pg") {
          // Row-level security: tenant B's transactions and unscoped reads see none of A's codes.
          expect(yield* asTenant(b, count(a.id))).toBe(0)
          expect(yield* count(a.id)).toBe(0)
        }
        expect((yield* verify(a, tokenA, code)).access_token).toBeTruthy()
      })
    )
  })
}
