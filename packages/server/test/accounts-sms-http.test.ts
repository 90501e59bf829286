/**
 * Issue 18 SMS over REST: the user's own phone number (`…/me/phone`), SMS
 * codes as the login's second step (`…/auth/mfa/sms-code`) and for
 * passwordless sign-in (`…/auth/sms-code`), an admin clearing a number
 * (`…/users/{id}/phone`). Texts leave through the server's own outbox
 * dispatcher to the tenant's `sms` channel, a local HTTP receiver.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { type SmsReceiver, smsSchool, startSmsReceiver } from "@signet/server/testing/sms"
import { Effect } from "effect"
import { generate } from "otplib"
import { afterAll, beforeAll } from "vitest"

let sms: SmsReceiver
beforeAll(async () => {
  sms = await startSmsReceiver()
})
afterAll(() => sms.close())

/** The code of the `n`-th (1-based) text of tenant `slug` to `to`, once delivered by the server. */
const nthCode = (slug: string, to: string, n: number) => Effect.promise(() => sms.nthCode(slug, to, n))

/** A tenant with an `sms` channel to the receiver and `settings` on: the admin's token and address. */
const world = (slug: string, settings: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const access = yield* smsSchool(sms, slug, settings)
    return { access, email: `admin@${slug}.example.edu` }
  })

/** Sets and verifies the admin's number over REST. */
const verifiedPhone = (slug: string, access: string, phone: string) =>
  Effect.gen(function* () {
    const set = yield* call("PUT", `/api/v1/tenants/${slug}/me/phone`, {
      auth: access,
      body: { phone_number: phone, password: TEST_PASSWORD }
    })
    expect(set.status, set.text).toBe(200)
    expect(set.body).toMatchObject({ verified: false })
    const n = sms.textsTo(slug, set.body.phone_number).length + 1
    const code = yield* nthCode(slug, set.body.phone_number, n)
    const ok = yield* call("POST", `/api/v1/tenants/${slug}/me/phone/verify`, { auth: access, body: { code } })
    expect(ok.status, ok.text).toBe(200)
    expect(ok.body.verified).toBe(true)
    return set.body.phone_number as string
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, { SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS: "true" }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`SMS codes over REST on ${dialect} (issue 18)`, (it) => {
    it.effect("a number is set, texted a code and verified; an invalid one is a 400 problem", () =>
      Effect.gen(function* () {
        const slug = `sms-http-phone-${dialect}`
        const { access } = yield* world(slug, [])
        const bad = yield* call("PUT", `/api/v1/tenants/${slug}/me/phone`, {
          auth: access,
          body: { phone_number: "12", password: TEST_PASSWORD }
        })
        expectProblem(bad, 400)
        const phone = yield* verifiedPhone(slug, access, "+33 6 12 34 50 01")
        expect(phone).toBe("+33612345001")
        const status = yield* call("GET", `/api/v1/tenants/${slug}/me/phone`, { auth: access })
        expect(status.body).toMatchObject({ phone_number: "+33612345001", verified: true })
      })
    )

    it.effect("setting a number without the password is a 403 problem; a wrong password too, nothing texted", () =>
      Effect.gen(function* () {
        const slug = `sms-http-reauth-${dialect}`
        const { access } = yield* world(slug, [])
        const P = `/api/v1/tenants/${slug}/me/phone`
        const none = yield* call("PUT", P, { auth: access, body: { phone_number: "+33612345006" } })
        expectProblem(none, 403)
        const wrong = yield* call("PUT", P, {
          auth: access,
          body: { phone_number: "+33612345006", password: "not the password" }
        })
        expectProblem(wrong, 403)
        const status = yield* call("GET", P, { auth: access })
        expect(status.body).toMatchObject({ phone_number: null })
        expect(sms.received.filter((r) => r.tenant === slug)).toHaveLength(0)
      })
    )

    it.effect("the SMS second step gives tokens; 403 when the tenant has not enabled it", () =>
      Effect.gen(function* () {
        const slug = `sms-http-mfa-${dialect}`
        const { access, email } = yield* world(slug, [])
        const phone = yield* verifiedPhone(slug, access, "+33612345002")
        const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
          auth: access,
          body: { password: TEST_PASSWORD }
        })
        const totp = yield* Effect.promise(() => generate({ secret: enrol.body.secret as string }))
        yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, { auth: access, body: { code: totp } })
        const login = yield* call("POST", `/api/v1/tenants/${slug}/auth/login`, {
          auth: false,
          body: { login: email, password: TEST_PASSWORD }
        })
        const mfa_token = login.body.mfa_token as string
        const off = yield* call("POST", `/api/v1/tenants/${slug}/auth/mfa/sms-code`, {
          auth: false,
          body: { mfa_token }
        })
        expectProblem(off, 403)
        yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.mfa_sms_codes`, { body: { value: true } })
        const sent = yield* call("POST", `/api/v1/tenants/${slug}/auth/mfa/sms-code`, {
          auth: false,
          body: { mfa_token }
        })
        expect(sent.status, sent.text).toBe(202)
        const code = yield* nthCode(slug, phone, 2)
        const pair = yield* call("POST", `/api/v1/tenants/${slug}/auth/mfa/sms-code/verify`, {
          auth: false,
          body: { mfa_token, code }
        })
        expect(pair.status, pair.text).toBe(200)
        expect(pair.body.access_token).toBeTruthy()
      })
    )

    it.effect("sign-in by SMS: an unknown number gets the same 202 as a known one, and the code signs in", () =>
      Effect.gen(function* () {
        const slug = `sms-http-signin-${dialect}`
        const { access } = yield* world(slug, ["auth.sms_code_sign_in"])
        const phone = yield* verifiedPhone(slug, access, "+33612345003")
        const P = `/api/v1/tenants/${slug}/auth/sms-code`
        const unknown = yield* call("POST", P, { auth: false, body: { phone_number: "+33612345004" } })
        const known = yield* call("POST", P, { auth: false, body: { phone_number: phone } })
        expect(unknown.status).toBe(202)
        expect(known.status).toBe(202)
        expect(unknown.body).toEqual(known.body)
        const code = yield* nthCode(slug, phone, 2)
        const signed = yield* call("POST", `${P}/verify`, { auth: false, body: { phone_number: phone, code } })
        expect(signed.status, signed.text).toBe(200)
        expect(signed.body.status).toBe("authenticated")
      })
    )

    it.effect("…/auth/methods reports the SMS settings the tenant enabled", () =>
      Effect.gen(function* () {
        const slug = `sms-http-methods-${dialect}`
        yield* world(slug, ["auth.mfa_sms_codes"])
        const methods = yield* call("GET", `/api/v1/tenants/${slug}/auth/methods`, { auth: false })
        expect(methods.status, methods.text).toBe(200)
        expect(methods.body).toMatchObject({ sms_code: false, mfa_sms_codes: true })
      })
    )

    it.effect("browser sign-in by SMS sets the refresh cookie and keeps the refresh token out of the body", () =>
      Effect.gen(function* () {
        const slug = `sms-http-web-${dialect}`
        const { access } = yield* world(slug, ["auth.sms_code_sign_in"])
        const phone = yield* verifiedPhone(slug, access, "+33612345006")
        const sent = yield* call("POST", `/api/v1/tenants/${slug}/auth/sms-code`, {
          auth: false,
          body: { phone_number: phone }
        })
        expect(sent.status, sent.text).toBe(202)
        const code = yield* nthCode(slug, phone, 2)
        const signed = yield* call("POST", `/api/v1/tenants/${slug}/web/sms-code/verify`, {
          auth: false,
          body: { phone_number: phone, code }
        })
        expect(signed.status, signed.text).toBe(200)
        expect(signed.body.status).toBe("authenticated")
        expect(signed.body.tokens.refresh_token).toBeUndefined()
        expect(signed.headers.get("set-cookie")).toContain("HttpOnly")
      })
    )

    it.effect("an admin clears a user's number; another tenant's admin gets 404", () =>
      Effect.gen(function* () {
        const slug = `sms-http-clear-${dialect}`
        const { access } = yield* world(slug, [])
        const other = yield* world(`sms-http-clear-b-${dialect}`, [])
        yield* verifiedPhone(slug, access, "+33612345005")
        const me = yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: access })
        const userId = me.body.id as string
        const foreign = yield* call("DELETE", `/api/v1/tenants/sms-http-clear-b-${dialect}/users/${userId}/phone`, {
          auth: other.access
        })
        expectProblem(foreign, 404)
        const cleared = yield* call("DELETE", `/api/v1/tenants/${slug}/users/${userId}/phone`, { auth: access })
        expect(cleared.status, cleared.text).toBe(200)
        const status = yield* call("GET", `/api/v1/tenants/${slug}/me/phone`, { auth: access })
        expect(status.body).toMatchObject({ phone_number: null, verified: false })
      })
    )
  })
}
