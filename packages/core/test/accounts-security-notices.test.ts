/**
 * Security notices (issue 18): a user is mailed when how they sign in
 * changed — a password reset through a link, an administrator's password or
 * MFA reset, a phone number verified — in their language, with when it
 * happened and the tenant's reset page; not for the password an invitation
 * sets, and not when the tenant turned `auth.security_notices` off. Mail to
 * a real SMTP server on loopback, texts to a local HTTP receiver; both
 * dialects.
 */
import { expect, layer } from "@effect/vitest"
import { UpdateMyProfile } from "@signet/contracts/identity/Domain"
import { Accounts, Identity, InvitationAdmin, policyUse, Tenancy, UserAdmin, UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted, Schema } from "effect"
import { smsWorld, useReceiver, verifiedPhone } from "./accounts-phones-support.js"
import { drain, isSecurityNotice, mailCore, ORIGIN, Sink } from "./smtp-sink.js"
import { adminSession, inTenant, onboardWithAdmin, recordStepUp, type TenantRef, testActor, user } from "./support.js"

useReceiver()

const client = { ip: "203.0.113.9" }
const NEW_PASSWORD = "a completely new passphrase 42"
const adminEmail = (t: TenantRef) => `head@${t.slug}.example.edu`

/** The notices delivered to `address` so far (after a drain). */
const notices = (address: string) => Effect.map(Sink, (sink) => sink.to(address).filter(isSecurityNotice))

/** Resets the admin's password through a mailed link. */
const resetByLink = (t: TenantRef) =>
  Effect.gen(function* () {
    yield* Accounts.use((a) => a.requestPasswordReset(t.slug, { login: adminEmail(t) }, client))
    yield* drain
    const mail = (yield* Sink).to(adminEmail(t)).at(-1)
    const token = new RegExp(`/t/${t.slug}/reset\\?token=([A-Za-z0-9_-]+)`).exec(mail?.text ?? "")?.[1]
    if (token === undefined) throw new Error("no reset link")
    yield* Accounts.use((a) =>
      a.confirmPasswordReset(t.slug, { token, new_password: Redacted.make(NEW_PASSWORD) }, client)
    )
    yield* drain
  })

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`security notices on ${dialect} (issue 18)`, (it) => {
    it.effect("a password reset through a link is mailed to the user with when and where to reset", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`sn-reset-${dialect}`)
        yield* resetByLink(t)
        const [notice, ...more] = yield* notices(adminEmail(t))
        expect(more).toHaveLength(0)
        expect(notice?.subject).toBe(`Security notice: your ${t.slug} account changed`)
        expect(notice?.text).toContain(
          `The password of your ${t.slug} account was reset with a link sent to this address.`
        )
        expect(notice?.text).toContain("When: 2026-11-21 08:00 UTC")
        expect(notice?.text).toContain(`${ORIGIN}/t/${t.slug}/forgot`)
        expect(notice?.html).toContain(`href="${ORIGIN}/t/${t.slug}/forgot"`)
      })
    )

    it.effect("an administrator's password reset and MFA reset each tell the user", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`sn-admin-${dialect}`)
        const admin = yield* adminSession(t)
        yield* recordStepUp(t, admin)
        const teacher = yield* inTenant(t)(user(`teacher@${t.slug}.example.edu`, "teacher"))
        const id = UserId.make(teacher.id)
        yield* UserAdmin.resetPassword(id, Redacted.make(NEW_PASSWORD)).pipe(
          policyUse("users:write"),
          inTenant(t, admin)
        )
        yield* UserAdmin.resetMfa(id).pipe(policyUse("users:write"), inTenant(t, admin))
        yield* drain
        const texts = (yield* notices(`teacher@${t.slug}.example.edu`)).map((m) => m.text ?? "")
        expect(texts).toHaveLength(2)
        expect(texts.some((x) => x.includes(`An administrator set a new password for your ${t.slug} account.`))).toBe(
          true
        )
        expect(texts.some((x) => x.includes("An administrator removed the second factors"))).toBe(true)
      })
    )

    it.effect("a verified phone number is mailed in the user's own language with its last two digits", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`sn-phone-${dialect}`)
        yield* Identity.use((i) =>
          i.updateMyProfile(admin.id!, Schema.decodeUnknownSync(UpdateMyProfile)({ locale: "fr" }))
        ).pipe(inTenant(t))
        yield* verifiedPhone(t, admin, "+33 6 12 34 56 78")
        yield* drain
        const [notice, ...more] = yield* notices(adminEmail(t))
        expect(more).toHaveLength(0)
        expect(notice?.subject).toBe(`Alerte de sécurité : votre compte ${t.slug} a été modifié`)
        expect(notice?.text).toContain("Le numéro de téléphone se terminant par 78 a été ajouté")
        expect(notice?.text).not.toContain("12 34 56")
        expect(notice?.text).not.toContain("+33612345678")
      })
    )

    it.effect("the password an invitation's acceptance sets is not a notice", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`sn-invite-${dialect}`)
        const address = `new@${t.slug}.example.edu`
        yield* InvitationAdmin.create({ email: address, user_type: "teacher" }).pipe(
          policyUse("users:write"),
          inTenant(t)
        )
        yield* drain
        const invitation = (yield* Sink).to(address).at(-1)
        const token = new RegExp(`/t/${t.slug}/invite\\?token=([A-Za-z0-9_-]+)`).exec(invitation?.text ?? "")?.[1]
        if (token === undefined) throw new Error("no invitation link")
        yield* Accounts.use((a) =>
          a.acceptInvitation(t.slug, { token, new_password: Redacted.make(NEW_PASSWORD) }, client)
        )
        yield* drain
        expect(yield* notices(address)).toHaveLength(0)
      })
    )

    it.effect("a tenant that turned auth.security_notices off mails none", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`sn-off-${dialect}`)
        yield* Tenancy.use((x) => x.putSetting(t.slug, "auth.security_notices", false)).pipe(Effect.provide(testActor))
        yield* resetByLink(t)
        expect(yield* notices(adminEmail(t))).toHaveLength(0)
        // The reset itself went through: the reset mail was delivered.
        expect((yield* Sink).to(adminEmail(t))).toHaveLength(1)
      })
    )
  })
}
