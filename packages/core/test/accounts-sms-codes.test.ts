/**
 * Issue 18 SMS: texted codes as a second factor (`auth.mfa_sms_codes`) and
 * for passwordless sign-in (`auth.sms_code_sign_in`), texted through the
 * tenant's `sms` channel to a local HTTP receiver — verified numbers only,
 * one answer, 5 wrong tries burn a code, rate limited with nothing sent,
 * scoped to the tenant, off unless enabled. On both dialects.
 */
import { expect, layer } from "@effect/vitest"
import { type Actor, Auth, Identity, Phones, Tenancy } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted } from "effect"
import {
  adminEmail,
  lastCode,
  setPhone,
  smsWorld,
  textsOf,
  useReceiver,
  verifiedPhone,
  withTotp
} from "./accounts-phones-support.js"
import { ADMIN_PASSWORD, asTenant, type TenantRef, testActor, testCore } from "./support.js"

useReceiver()

const client = { ip: "192.0.2.44" }

/** A password login of the admin: the MFA challenge token. */
const challenge = (t: TenantRef) =>
  Effect.gen(function* () {
    const login = yield* Auth.use((a) =>
      a.login(t.slug, { login: adminEmail(t), password: Redacted.make(ADMIN_PASSWORD) }, {})
    )
    if (login.status !== "mfa_required") throw new Error("expected an MFA challenge")
    return login.mfa_token
  })

const sendMfa = (t: TenantRef, mfa_token: string) => Phones.use((p) => p.sendMfaSmsCode(t.slug, { mfa_token }, client))
const verifyMfa = (t: TenantRef, mfa_token: string, code: string) =>
  Phones.use((p) => p.verifyMfaSmsCode(t.slug, { mfa_token, code }, client))
const sendSignIn = (t: TenantRef, phone_number: string) =>
  Phones.use((p) => p.sendSignInSmsCode(t.slug, { phone_number }, client))
const verifySignIn = (t: TenantRef, phone_number: string, code: string) =>
  Phones.use((p) => p.verifySignInSmsCode(t.slug, { phone_number, code }, client))

/** A tenant with SMS MFA on whose admin has TOTP and (unless `verified: false`) a verified number. */
const mfaWorld = (slug: string, opts: { readonly verified?: boolean; readonly enabled?: boolean } = {}) =>
  Effect.gen(function* () {
    const { admin, t } = yield* smsWorld(slug, opts.enabled === false ? [] : ["auth.mfa_sms_codes"])
    const phone = "+33612340001"
    if (opts.verified === false) yield* setPhone(t, admin, phone)
    else yield* verifiedPhone(t, admin, phone)
    yield* withTotp(t, admin)
    return { t, admin: admin as Actor, phone }
  })

/** How many texts of tenant `t` went out for `eventType`. */
const textCount = (t: TenantRef, eventType: string) =>
  Effect.map(textsOf(t), (texts) => texts.filter((x) => x.event_type === eventType).length)

const wrongFor = (code: string) => (code === "000000" ? "111111" : "000000")

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`SMS login codes on ${dialect} (issue 18)`, (it) => {
    it.effect("second factor: a texted code completes the login once, like the TOTP step", () =>
      Effect.gen(function* () {
        const { phone, t } = yield* mfaWorld(`smsmfa-ok-${dialect}`)
        const token = yield* challenge(t)
        const sent = yield* sendMfa(t, token)
        expect(sent.message).toContain("verified phone number")
        const code = yield* lastCode(t, phone)
        expect((yield* textsOf(t)).at(-1)!.event_type).toBe("signet.accounts.mfa.code")
        const pair = yield* verifyMfa(t, token, code)
        expect(pair.user.email).toBe(adminEmail(t))
        expect((yield* Effect.flip(verifyMfa(t, token, code)))._tag).toBe("Unauthorized")
      })
    )

    it.effect("second factor: an unverified number gets no code, and the answer is the same", () =>
      Effect.gen(function* () {
        const { t } = yield* mfaWorld(`smsmfa-unverified-${dialect}`, { verified: false })
        const token = yield* challenge(t)
        const sent = yield* sendMfa(t, token)
        expect(sent.message).toContain("verified phone number")
        expect(yield* textCount(t, "signet.accounts.mfa.code")).toBe(0)
      })
    )

    it.effect("second factor: five wrong codes burn the texted code", () =>
      Effect.gen(function* () {
        const { phone, t } = yield* mfaWorld(`smsmfa-burn-${dialect}`)
        const token = yield* challenge(t)
        yield* sendMfa(t, token)
        const code = yield* lastCode(t, phone)
        for (let i = 0; i < 5; i++)
          expect((yield* Effect.flip(verifyMfa(t, token, wrongFor(code))))._tag).toBe("Unauthorized")
        expect((yield* Effect.flip(verifyMfa(t, token, code)))._tag).toBe("Unauthorized")
      })
    )

    it.effect("second factor: past SIGNET_RATE_MFA_SMS (5/900) a 429 with Retry-After seconds, nothing texted", () =>
      Effect.gen(function* () {
        const { t } = yield* mfaWorld(`smsmfa-rate-${dialect}`)
        const token = yield* challenge(t)
        for (let i = 0; i < 5; i++) yield* sendMfa(t, token)
        expect(yield* textCount(t, "signet.accounts.mfa.code")).toBe(5)
        const e = yield* Effect.flip(sendMfa(t, token))
        expect(e._tag).toBe("RateLimited")
        expect(e._tag === "RateLimited" && e.retry_after_seconds).toBeGreaterThan(0)
        expect(yield* textCount(t, "signet.accounts.mfa.code")).toBe(5)
      })
    )

    it.effect("second factor: another tenant's challenge is refused and nothing is texted", () =>
      Effect.gen(function* () {
        const a = yield* mfaWorld(`smsmfa-a-${dialect}`)
        const b = yield* mfaWorld(`smsmfa-b-${dialect}`)
        const tokenA = yield* challenge(a.t)
        expect((yield* Effect.flip(sendMfa(b.t, tokenA)))._tag).toBe("Unauthorized")
        expect(yield* textCount(a.t, "signet.accounts.mfa.code")).toBe(0)
        expect(yield* textCount(b.t, "signet.accounts.mfa.code")).toBe(0)
      })
    )

    it.effect("second factor: off unless the tenant enables it (403, nothing texted)", () =>
      Effect.gen(function* () {
        const { t } = yield* mfaWorld(`smsmfa-off-${dialect}`, { enabled: false })
        const token = yield* challenge(t)
        expect((yield* Effect.flip(sendMfa(t, token)))._tag).toBe("MfaSmsCodesDisabled")
        expect((yield* Effect.flip(verifyMfa(t, token, "123456")))._tag).toBe("MfaSmsCodesDisabled")
        expect(yield* textCount(t, "signet.accounts.mfa.code")).toBe(0)
      })
    )

    it.effect("sign-in: a texted code to a verified number signs in", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`smssign-ok-${dialect}`, ["auth.sms_code_sign_in"])
        const phone = yield* verifiedPhone(t, admin, "+33612340002")
        yield* sendSignIn(t, "+33 6 12 34 00 02")
        const code = yield* lastCode(t, phone)
        expect((yield* textsOf(t)).at(-1)!.event_type).toBe("signet.accounts.sign_in.code")
        const result = yield* verifySignIn(t, phone, code)
        expect(result.status).toBe("authenticated")
        expect((yield* Effect.flip(verifySignIn(t, phone, code)))._tag).toBe("Unauthorized")
      })
    )

    it.effect("sign-in: an unknown or unverified number gets the same answer and no text", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`smssign-unknown-${dialect}`, ["auth.sms_code_sign_in"])
        yield* setPhone(t, admin, "+33612340003")
        const unverified = yield* sendSignIn(t, "+33612340003")
        const unknown = yield* sendSignIn(t, "+33612340004")
        expect(unknown).toEqual(unverified)
        expect(yield* textCount(t, "signet.accounts.sign_in.code")).toBe(0)
        expect((yield* Effect.flip(verifySignIn(t, "+33612340004", "123456")))._tag).toBe("Unauthorized")
      })
    )

    it.effect("sign-in: an account with MFA gets mfa_required, and a second texted code is refused", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`smssign-mfa-${dialect}`, ["auth.sms_code_sign_in", "auth.mfa_sms_codes"])
        const phone = yield* verifiedPhone(t, admin, "+33612340005")
        yield* withTotp(t, admin)
        yield* sendSignIn(t, phone)
        const result = yield* verifySignIn(t, phone, yield* lastCode(t, phone))
        if (result.status !== "mfa_required") throw new Error("expected an MFA challenge")
        expect((yield* Effect.flip(sendMfa(t, result.mfa_token)))._tag).toBe("Unauthorized")
        expect((yield* Effect.flip(verifyMfa(t, result.mfa_token, "123456")))._tag).toBe("Unauthorized")
      })
    )

    it.effect("sign-in: off unless the tenant enables it (403, nothing texted)", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`smssign-off-${dialect}`)
        const phone = yield* verifiedPhone(t, admin, "+33612340006")
        expect((yield* Effect.flip(sendSignIn(t, phone)))._tag).toBe("SmsCodeSignInDisabled")
        expect((yield* Effect.flip(verifySignIn(t, phone, "123456")))._tag).toBe("SmsCodeSignInDisabled")
        expect(yield* textCount(t, "signet.accounts.sign_in.code")).toBe(0)
      })
    )

    it.effect("sign-in: a number verified by another tenant's user signs in no one here", () =>
      Effect.gen(function* () {
        const a = yield* smsWorld(`smssign-ta-${dialect}`, ["auth.sms_code_sign_in"])
        const b = yield* smsWorld(`smssign-tb-${dialect}`, ["auth.sms_code_sign_in"])
        const phone = yield* verifiedPhone(a.t, a.admin, "+33612340007")
        yield* sendSignIn(b.t, phone)
        expect(yield* textCount(b.t, "signet.accounts.sign_in.code")).toBe(0)
        expect(yield* textCount(a.t, "signet.accounts.sign_in.code")).toBe(0)
      })
    )
    it.effect("texts follow the tenant's language: a French school's codes are texted in French", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`smsfr-${dialect}`, ["auth.sms_code_sign_in"])
        yield* Tenancy.use((x) => x.putSetting(t.slug, "general.locale", "fr-FR")).pipe(Effect.provide(testActor))
        const phone = yield* verifiedPhone(t, admin, "+33612340008")
        expect((yield* textsOf(t)).at(-1)!.body).toMatch(/^\d{6} est votre code .* pour vérifier ce numéro\./)
        yield* sendSignIn(t, phone)
        const text = (yield* textsOf(t)).at(-1)!
        expect(text.body).toContain(`est votre code de connexion ${t.slug}`)
        expect(text.body).toContain("Ne le partagez jamais.")
      })
    )

    it.effect("texts follow the user's own language (profile) over the tenant's", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`smsown-${dialect}`, ["auth.sms_code_sign_in"])
        yield* Tenancy.use((x) => x.putSetting(t.slug, "general.locale", "fr-FR")).pipe(Effect.provide(testActor))
        yield* asTenant(
          t,
          Identity.use((i) => i.updateMyProfile(admin.id!, { locale: "en-GB" }))
        ).pipe(Effect.provide(testActor))
        const phone = yield* verifiedPhone(t, admin, "+33612340009")
        yield* sendSignIn(t, phone)
        expect((yield* textsOf(t)).at(-1)!.body).toMatch(/^\d{6} is your .* sign-in code\. .*Never share it\.$/)
      })
    )
  })
}
