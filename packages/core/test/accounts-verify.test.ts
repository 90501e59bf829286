/**
 * Issue 18: e-mail verification (seed 001 `email_verification_tokens`) —
 * mailed through a real SMTP server on loopback, confirmed once.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Accounts, Auth, Identity, Tenancy, type UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted } from "effect"
import type { ParsedMail } from "mailparser"
import { drain, mailCore, ORIGIN, Sink } from "./smtp-sink.js"
import {
  ADMIN_PASSWORD,
  adminSession,
  as,
  asTenant,
  inTenant,
  onboardWithAdmin,
  operator,
  type TenantRef,
  testActor
} from "./support.js"

const adminEmail = (t: TenantRef) => `head@${t.slug}.example.edu`

/** The token in a verification mail's link (`{origin}/t/{slug}/verify-email?token=…`). */
const tokenOf = (mail: ParsedMail, slug: string) => {
  const m = new RegExp(`${ORIGIN}/t/${slug}/verify-email\\?token=([A-Za-z0-9_-]+)`).exec(mail.text ?? "")
  if (!m) throw new Error(`no verification link in ${mail.text}`)
  return m[1]!
}

const confirm = (t: TenantRef, token: string) =>
  Accounts.use((a) => a.confirmEmailVerification(t.slug, { token }, { ip: "192.0.2.20" }))

/** The admin asks for a verification mail; returns the admin actor and the delivered mail. */
const verificationMail = (t: TenantRef) =>
  Effect.gen(function* () {
    const actor = yield* adminSession(t)
    const sink = yield* Sink
    yield* Accounts.use((a) => a.requestEmailVerification).pipe(inTenant(t, actor))
    yield* drain
    const mails = sink.to(adminEmail(t))
    expect(mails.length).toBeGreaterThan(0)
    return { actor, mail: mails[mails.length - 1]! }
  })

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`E-mail verification on ${dialect}`, (it) => {
    it.effect("the mailed link verifies the address once; a second use is InvalidVerificationToken", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`verify-once-${dialect}`)
        const { actor, mail } = yield* verificationMail(t)
        const status = Accounts.use((a) => a.emailVerificationStatus).pipe(inTenant(t, actor))
        expect((yield* status).verified).toBe(false)
        expect(mail.subject).toBe(`Confirm your e-mail address for ${t.slug}`)
        expect(mail.html).toContain("/verify-email?token=")
        const token = tokenOf(mail, t.slug)
        expect(yield* confirm(t, token)).toMatchObject({ email: adminEmail(t), verified: true })
        expect(yield* status).toMatchObject({ email: adminEmail(t), verified: true })
        expect((yield* Effect.flip(confirm(t, token)))._tag).toBe("InvalidVerificationToken")
      })
    )

    it.effect(
      "issue 18: the action token of a verify_email sign-in asks for the link; once confirmed, it completes",
      () =>
        Effect.gen(function* () {
          const t = yield* onboardWithAdmin(`verify-action-${dialect}`)
          yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.require_verified_email", true)).pipe(
            Effect.provide(testActor)
          )
          const login = yield* Auth.use((a) =>
            a.login(t.slug, { login: adminEmail(t), password: Redacted.make(ADMIN_PASSWORD) }, {})
          )
          if (login.status !== "actions_required") throw new Error(`expected actions_required, got ${login.status}`)
          expect(login.actions).toEqual(["verify_email"])
          const sink = yield* Sink
          const before = sink.to(adminEmail(t)).length
          yield* Accounts.use((a) => a.actionEmailVerification(t.slug, login.action_token, { ip: "192.0.2.21" }))
          yield* drain
          const mails = sink.to(adminEmail(t))
          expect(mails.length).toBe(before + 1)
          yield* confirm(t, tokenOf(mails.at(-1)!, t.slug))
          const pair = yield* Auth.use((a) => a.completeActions(t.slug, login.action_token, {}))
          expect(pair.user.email).toBe(adminEmail(t))
        })
    )

    it.effect("issue 18: an action token whose sign-in did not ask verify_email sends no mail (401)", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`verify-action-no-${dialect}`)
        yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.mfa_required_user_types", ["admin"])).pipe(
          Effect.provide(testActor)
        )
        const login = yield* Auth.use((a) =>
          a.login(t.slug, { login: adminEmail(t), password: Redacted.make(ADMIN_PASSWORD) }, {})
        )
        if (login.status !== "actions_required") throw new Error(`expected actions_required, got ${login.status}`)
        expect(login.actions).toEqual(["configure_mfa"])
        const sink = yield* Sink
        const before = sink.to(adminEmail(t)).length
        const refused = yield* Effect.flip(
          Accounts.use((a) => a.actionEmailVerification(t.slug, login.action_token, { ip: "192.0.2.22" }))
        )
        expect(refused._tag).toBe("Unauthorized")
        yield* drain
        expect(sink.to(adminEmail(t)).length).toBe(before)
      })
    )

    it.effect("changing the address makes it unverified, and an old link cannot verify the new one", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`verify-change-${dialect}`)
        const first = yield* verificationMail(t)
        yield* confirm(t, tokenOf(first.mail, t.slug))
        const second = yield* verificationMail(t)
        const newEmail = `principal@${t.slug}.example.edu`
        yield* Identity.use((i) => i.update(first.actor.id as UserId, { email: newEmail })).pipe(inTenant(t))
        const status = yield* Accounts.use((a) => a.emailVerificationStatus).pipe(inTenant(t, first.actor))
        expect(status).toMatchObject({ email: newEmail, verified: false })
        expect((yield* Effect.flip(confirm(t, tokenOf(second.mail, t.slug))))._tag).toBe("InvalidVerificationToken")
      })
    )

    it.effect("verification tokens and verified addresses are visible only inside their tenant (RLS on Postgres)", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`verify-rls-${dialect}`)
        yield* confirm(t, tokenOf((yield* verificationMail(t)).mail, t.slug))
        const sql = yield* SqlClient.SqlClient
        const count = (table: string) =>
          sql.unsafe<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).pipe(Effect.map((r) => Number(r[0]!.n)))
        for (const table of ["email_verification_tokens", "email_verifications"]) {
          expect(yield* asTenant(t, count(table))).toBeGreaterThan(0)
          if (dialect === "pg") expect(yield* count(table)).toBe(0)
        }
      })
    )

    it.effect("only a signed-in user may ask for a verification mail", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`verify-who-${dialect}`)
        const refused = yield* Effect.flip(
          Accounts.use((a) => a.requestEmailVerification).pipe(inTenant(t), as(operator))
        )
        expect(refused._tag).toBe("Forbidden")
      })
    )
  })
}
