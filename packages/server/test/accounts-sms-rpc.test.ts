/**
 * Issue 18 SMS over RPC (`PhonesCommand`, `SmsAuthService`), through the
 * SDK's `makeRpcClient`: the caller's own number, an admin clearing a
 * user's, and the SMS code steps of a sign-in. Texts leave through the
 * server's outbox dispatcher to the tenant's `sms` channel, a local HTTP
 * receiver.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { type SmsReceiver, smsSchool, startSmsReceiver } from "@signet/server/testing/sms"
import { Effect, Redacted } from "effect"
import { generate } from "otplib"
import { afterAll, beforeAll } from "vitest"

let sms: SmsReceiver
beforeAll(async () => {
  sms = await startSmsReceiver()
})
afterAll(() => sms.close())

/** The code of the `n`-th (1-based) text of tenant `slug` to `to`, once delivered by the server. */
const nthCode = (slug: string, to: string, n: number) => Effect.promise(() => sms.nthCode(slug, to, n))

/** An RPC client as `token` (a user's access token), or unauthenticated. */
const rpcAs = (token?: string) =>
  Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, ...(token ? { token } : {}) }))

/** A tenant with an `sms` channel to the receiver and `settings` on: the admin's token and address. */
const world = (slug: string, settings: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const access = yield* smsSchool(sms, slug, settings)
    return { access, email: `admin@${slug}.example.edu` }
  })

/** Sets and verifies the caller's number over RPC; the E.164 number. */
const verifiedPhone = (slug: string, access: string, phone: string) =>
  Effect.gen(function* () {
    const rpc = yield* rpcAs(access)
    const set = yield* rpc.SetMyPhone({ phone_number: phone, password: Redacted.make(TEST_PASSWORD) })
    expect(set.verified).toBe(false)
    const n = sms.textsTo(slug, set.phone_number!).length + 1
    const code = yield* nthCode(slug, set.phone_number!, n)
    const ok = yield* rpc.ConfirmMyPhone({ code })
    expect(ok.verified).toBe(true)
    return set.phone_number!
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, { SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS: "true" }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`SMS codes over RPC on ${dialect} (issue 18)`, (it) => {
    it.scoped("the caller sets, verifies, reads and removes their own number", () =>
      Effect.gen(function* () {
        const slug = `sms-rpc-phone-${dialect}`
        const { access } = yield* world(slug, [])
        const phone = yield* verifiedPhone(slug, access, "+33 6 12 34 51 01")
        expect(phone).toBe("+33612345101")
        const rpc = yield* rpcAs(access)
        expect(yield* rpc.GetMyPhone()).toMatchObject({ phone_number: "+33612345101", verified: true })
        expect(yield* rpc.RemoveMyPhone()).toMatchObject({ phone_number: null, verified: false })
        expect((yield* rpc.GetMyPhone()).phone_number).toBeNull()
      })
    )

    it.scoped("an invalid number is a ValidationError and nothing changes", () =>
      Effect.gen(function* () {
        const slug = `sms-rpc-bad-${dialect}`
        const { access } = yield* world(slug, [])
        const rpc = yield* rpcAs(access)
        const error = yield* Effect.flip(rpc.SetMyPhone({ phone_number: "12", password: Redacted.make(TEST_PASSWORD) }))
        expect(error._tag).toBe("ValidationError")
        expect((yield* rpc.GetMyPhone()).phone_number).toBeNull()
      })
    )

    it.scoped("the SMS second step gives tokens", () =>
      Effect.gen(function* () {
        const slug = `sms-rpc-mfa-${dialect}`
        const { access, email } = yield* world(slug, ["auth.mfa_sms_codes"])
        const phone = yield* verifiedPhone(slug, access, "+33612345102")
        const enrol = yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp`, {
          auth: access,
          body: { password: TEST_PASSWORD }
        })
        const totp = yield* Effect.promise(() => generate({ secret: enrol.body.secret as string }))
        yield* call("POST", `/api/v1/tenants/${slug}/me/mfa/totp/confirm`, { auth: access, body: { code: totp } })
        const rpc = yield* rpcAs()
        const login = yield* rpc.Login({
          tenant: slug,
          request: { login: email, password: Redacted.make(TEST_PASSWORD) }
        })
        if (login.status !== "mfa_required") throw new Error("expected an MFA challenge")
        yield* rpc.SendMfaSmsCode({ tenant: slug, request: { mfa_token: login.mfa_token } })
        const code = yield* nthCode(slug, phone, 2)
        const pair = yield* rpc.VerifyMfaSmsCode({ tenant: slug, request: { mfa_token: login.mfa_token, code } })
        expect(pair.user.email).toBe(email)
      })
    )

    it.scoped("sign-in by SMS: the texted code signs in", () =>
      Effect.gen(function* () {
        const slug = `sms-rpc-signin-${dialect}`
        const { access } = yield* world(slug, ["auth.sms_code_sign_in"])
        const phone = yield* verifiedPhone(slug, access, "+33612345103")
        const rpc = yield* rpcAs()
        yield* rpc.SendSignInSmsCode({ tenant: slug, request: { phone_number: phone } })
        const code = yield* nthCode(slug, phone, 2)
        const signed = yield* rpc.VerifySignInSmsCode({ tenant: slug, request: { phone_number: phone, code } })
        expect(signed.status).toBe("authenticated")
      })
    )

    it.scoped("an admin clears a user's number; another tenant's admin gets NotFound", () =>
      Effect.gen(function* () {
        const slug = `sms-rpc-clear-${dialect}`
        const { access } = yield* world(slug, [])
        const other = yield* world(`sms-rpc-clear-b-${dialect}`, [])
        yield* verifiedPhone(slug, access, "+33612345104")
        const me = yield* call("GET", `/api/v1/tenants/${slug}/me`, { auth: access })
        const user_id = me.body.id
        const foreign = yield* Effect.flip((yield* rpcAs(other.access)).ClearUserPhone({ user_id }))
        expect(foreign._tag).toBe("NotFound")
        expect((yield* (yield* rpcAs(access)).GetMyPhone()).verified).toBe(true)
        const cleared = yield* (yield* rpcAs(access)).ClearUserPhone({ user_id })
        expect(cleared).toMatchObject({ phone_number: null, verified: false })
      })
    )
  })
}
