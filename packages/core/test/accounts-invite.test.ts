/**
 * Issue 18 "Invitations": invite by e-mail → mail on a real SMTP server on
 * loopback → accept with the link's token → signed in; the token rules
 * (single use, expiry, revocation, resend, tenant), bulk invitation of
 * pending users, and the permission.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Accounts, Auth, InvitationAdmin, MailTemplates, policyUse } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Duration, Effect, Redacted, TestClock } from "effect"
import type { ParsedMail } from "mailparser"
import { drain, mailCore, ORIGIN, Sink } from "./smtp-sink.js"
import { ADMIN_PASSWORD, as, inTenant, onboardWithAdmin, type TenantRef, user } from "./support.js"

const PASSWORD = "a brand new passphrase 42"
const client = { ip: "192.0.2.20" }

/** The token in an invitation mail's link (`{origin}/t/{slug}/invite?token=…`). */
const tokenOf = (mail: ParsedMail, slug: string) => {
  const m = new RegExp(`${ORIGIN}/t/${slug}/invite\\?token=([A-Za-z0-9_-]+)`).exec(mail.text ?? "")
  if (!m) throw new Error(`no invitation link in ${mail.text}`)
  return m[1]!
}

const invite = (t: TenantRef, email: string, user_type: "student" | "teacher" | "admin" = "teacher") =>
  InvitationAdmin.create({ email, user_type }).pipe(policyUse("users:write"), inTenant(t))

const accept = (t: TenantRef, token: string, password = PASSWORD) =>
  Accounts.use((a) => a.acceptInvitation(t.slug, { token, new_password: Redacted.make(password) }, client))

const login = (t: TenantRef, email: string, password = PASSWORD) =>
  Auth.use((a) => a.login(t.slug, { login: email, password: Redacted.make(password) }, {}))

/** Delivers queued mail and answers the last one `email` received. */
const lastMail = (email: string) =>
  Effect.gen(function* () {
    yield* drain
    const mails = (yield* Sink).to(email)
    expect(mails.length).toBeGreaterThan(0)
    return mails[mails.length - 1]!
  })

/** Invites `email` and answers the token of the mail it received. */
const invited = (t: TenantRef, email: string) =>
  Effect.gen(function* () {
    yield* invite(t, email)
    return tokenOf(yield* lastMail(email), t.slug)
  })

describe("invitation mail", () => {
  it("says how many days the link stays valid, in French too", () => {
    const v = { tenantName: "Acme", link: `${ORIGIN}/t/acme/invite?token=x`, minutes: 7 * 1440 }
    expect(MailTemplates.invitationMail("en", v).text).toContain("expires in 7 days")
    expect(MailTemplates.invitationMail("fr", v).text).toContain("expire dans 7 jours")
  })
})

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`Invitations on ${dialect}`, (it) => {
    it.effect("an invitation creates the user, mails a link, and accepting it signs in and allows login", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-ok-${dialect}`)
        const email = `ada@${t.slug}.example.edu`
        const created = yield* invite(t, email)
        expect(created).toMatchObject({ email, user_type: "teacher", status: "pending", sent_count: 1 })
        const mail = yield* lastMail(email)
        expect(mail.subject).toBe(`You are invited to ${t.slug}`)
        expect(mail.text).toContain("expires in 7 days")
        const result = yield* accept(t, tokenOf(mail, t.slug))
        expect(result.status).toBe("authenticated")
        expect((yield* login(t, email)).status).toBe("authenticated")
        const [listed] = yield* InvitationAdmin.list({ status: "accepted" }).pipe(policyUse("users:read"), inTenant(t))
        expect(listed?.id).toBe(created.id)
      })
    )

    it.effect("accepting marks the address verified", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-verified-${dialect}`)
        const email = `vera@${t.slug}.example.edu`
        const result = yield* accept(t, yield* invited(t, email))
        if (result.status !== "authenticated") throw new Error("expected tokens")
        const actor = { kind: "user", id: result.tokens.user.id, userType: "teacher" }
        const status = yield* Accounts.use((a) => a.emailVerificationStatus).pipe(inTenant(t, actor as never))
        expect(status.verified).toBe(true)
      })
    )

    it.effect("a used token is refused the second time and the password stays", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-reuse-${dialect}`)
        const email = `bob@${t.slug}.example.edu`
        const token = yield* invited(t, email)
        yield* accept(t, token)
        const again = yield* Effect.flip(accept(t, token, "another passphrase 77"))
        expect(again._tag).toBe("InvalidInvitationToken")
        expect((yield* login(t, email)).status).toBe("authenticated")
      })
    )

    it.effect("an expired token is refused and leaves the user without a password", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-expired-${dialect}`)
        const email = `cy@${t.slug}.example.edu`
        const token = yield* invited(t, email)
        yield* TestClock.adjust(Duration.days(7).pipe(Duration.sum(Duration.seconds(1))))
        expect((yield* Effect.flip(accept(t, token)))._tag).toBe("InvalidInvitationToken")
        expect((yield* Effect.flip(login(t, email)))._tag).toBe("InvalidCredentials")
        const [row] = yield* InvitationAdmin.list({}).pipe(policyUse("users:read"), inTenant(t))
        expect(row?.status).toBe("expired")
      })
    )

    it.effect("a revoked invitation's token is refused", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-revoked-${dialect}`)
        const email = `dee@${t.slug}.example.edu`
        const token = yield* invited(t, email)
        const [row] = yield* InvitationAdmin.list({}).pipe(policyUse("users:read"), inTenant(t))
        const revoked = yield* InvitationAdmin.revoke(row!.id).pipe(policyUse("users:write"), inTenant(t))
        expect(revoked.status).toBe("revoked")
        expect((yield* Effect.flip(accept(t, token)))._tag).toBe("InvalidInvitationToken")
      })
    )

    it.effect("a resend mails a new link and the old one stops working", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-resend-${dialect}`)
        const email = `eve@${t.slug}.example.edu`
        const old = yield* invited(t, email)
        const [row] = yield* InvitationAdmin.list({}).pipe(policyUse("users:read"), inTenant(t))
        const resent = yield* InvitationAdmin.resend(row!.id).pipe(policyUse("users:write"), inTenant(t))
        expect(resent.sent_count).toBe(2)
        const fresh = tokenOf(yield* lastMail(email), t.slug)
        expect(fresh).not.toBe(old)
        expect((yield* Effect.flip(accept(t, old)))._tag).toBe("InvalidInvitationToken")
        expect((yield* accept(t, fresh)).status).toBe("authenticated")
      })
    )

    it.effect("another tenant's token, a tampered one and a malformed one are the same refusal", () =>
      Effect.gen(function* () {
        const a = yield* onboardWithAdmin(`inv-ta-${dialect}`)
        const b = yield* onboardWithAdmin(`inv-tb-${dialect}`)
        const token = yield* invited(a, `fay@${a.slug}.example.edu`)
        const foreign = yield* Effect.flip(accept(b, token))
        const tampered = yield* Effect.flip(accept(a, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`))
        const malformed = yield* Effect.flip(accept(a, "not-a-token"))
        expect([foreign, tampered, malformed].map((e) => e.message)).toEqual(
          Array(3).fill("this invitation link is invalid or has expired")
        )
        expect((yield* accept(a, token)).status).toBe("authenticated")
      })
    )

    it.effect("another tenant's invitation id is not found", () =>
      Effect.gen(function* () {
        const a = yield* onboardWithAdmin(`inv-ida-${dialect}`)
        const b = yield* onboardWithAdmin(`inv-idb-${dialect}`)
        const created = yield* invite(a, `gus@${a.slug}.example.edu`)
        const error = yield* Effect.flip(InvitationAdmin.revoke(created.id).pipe(policyUse("users:write"), inTenant(b)))
        expect(error._tag).toBe("NotFound")
      })
    )

    it.effect("a password the policy refuses is a ValidationError and leaves the link usable", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-policy-${dialect}`)
        const token = yield* invited(t, `hal@${t.slug}.example.edu`)
        expect((yield* Effect.flip(accept(t, token, "short")))._tag).toBe("ValidationError")
        expect((yield* accept(t, token)).status).toBe("authenticated")
      })
    )

    it.effect("a user who already has a password cannot be invited", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-haspw-${dialect}`)
        const error = yield* Effect.flip(invite(t, `head@${t.slug}.example.edu`, "admin"))
        expect(error._tag).toBe("Conflict")
      })
    )

    it.effect("bulk invites only users with an e-mail, no password and no pending invitation, and reports skips", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-bulk-${dialect}`)
        const mk = (name: string, type: string, extra: Record<string, unknown> = {}) =>
          user(`${name}@${t.slug}.example.edu`, type, extra).pipe(inTenant(t))
        yield* mk("s1", "student")
        yield* mk("s2", "student")
        yield* mk("t1", "teacher")
        const withPassword = yield* mk("s3", "student", { password: ADMIN_PASSWORD })
        yield* invite(t, `s2@${t.slug}.example.edu`, "student")
        const summary = yield* InvitationAdmin.bulk({ user_type: "student" }).pipe(
          policyUse("users:write"),
          inTenant(t)
        )
        expect(summary.invited).toBe(1)
        expect(summary.more).toBe(false)
        expect(summary.skipped.map((s) => s.reason).sort()).toEqual(["has_password", "pending_invitation"])
        expect(summary.skipped.find((s) => s.reason === "has_password")?.user_id).toBe(withPassword.id)
        yield* drain
        const sink = yield* Sink
        expect(sink.to(`s1@${t.slug}.example.edu`).length).toBe(1)
        expect(sink.to(`s2@${t.slug}.example.edu`).length).toBe(1)
        expect(sink.to(`t1@${t.slug}.example.edu`).length).toBe(0)
        const sql = yield* SqlClient.SqlClient
        const events = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM outbox
          WHERE tenant_id = ${t.id} AND type = 'signet.accounts.invitation.created'`
        expect(Number(events[0]!.n)).toBe(2)
      })
    )

    it.effect("a bulk call with a limit says where to resume, and the next call invites the rest", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-resume-${dialect}`)
        for (const n of [1, 2, 3]) yield* user(`r${n}@${t.slug}.example.edu`, "student").pipe(inTenant(t))
        const bulk = (input: { limit: number; after?: string }) =>
          InvitationAdmin.bulk(input).pipe(policyUse("users:write"), inTenant(t))
        const first = yield* bulk({ limit: 2 })
        expect(first).toMatchObject({ invited: 2, more: true })
        const second = yield* bulk({ limit: 2, after: first.next! })
        expect(second).toMatchObject({ invited: 1, more: false, next: null, skipped_count: 0 })
      })
    )

    it.effect("a student may not invite: Forbidden, nothing sent", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-student-${dialect}`)
        const student = yield* user(`kid@${t.slug}.example.edu`, "student", { password: ADMIN_PASSWORD }).pipe(
          inTenant(t)
        )
        const actor = { kind: "user", id: student.id, userType: "student" }
        const error = yield* Effect.flip(
          InvitationAdmin.create({ email: `x@${t.slug}.example.edu`, user_type: "student" }).pipe(
            policyUse("users:write"),
            as(actor),
            inTenant(t)
          )
        )
        expect(error._tag).toBe("Forbidden")
        yield* drain
        expect((yield* Sink).to(`x@${t.slug}.example.edu`)).toEqual([])
      })
    )

    it.effect("a signed-in admin without a recent step-up may invite a teacher but not an admin", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-stepup-${dialect}`)
        const session = yield* login(t, `head@${t.slug}.example.edu`, ADMIN_PASSWORD)
        if (session.status !== "authenticated") throw new Error("expected tokens")
        const actor = {
          kind: "user",
          id: session.tokens.user.id,
          sessionId: session.tokens.session_id,
          userType: "admin"
        }
        const asAdmin = (email: string, user_type: "teacher" | "admin") =>
          InvitationAdmin.create({ email, user_type }).pipe(policyUse("users:write"), as(actor), inTenant(t))
        expect((yield* asAdmin(`tt@${t.slug}.example.edu`, "teacher")).status).toBe("pending")
        const refused = yield* Effect.flip(asAdmin(`aa@${t.slug}.example.edu`, "admin"))
        expect(refused).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
      })
    )

    it.effect("flooding the invite endpoint answers RateLimited with the seconds to wait", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`inv-flood-${dialect}`)
        const results = yield* Effect.forEach(
          Array.from({ length: 31 }, (_, i) => i),
          (i) => Effect.either(invite(t, `f${i}@${t.slug}.example.edu`))
        )
        const last = results[30]!
        if (last._tag !== "Left" || last.left._tag !== "RateLimited") throw new Error("expected RateLimited")
        expect(last.left.retry_after_seconds).toBeGreaterThan(0)
        expect(results.slice(0, 30).every((r) => r._tag === "Right")).toBe(true)
      })
    )
  })
}
