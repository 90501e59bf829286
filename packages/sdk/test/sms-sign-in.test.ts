/**
 * Issue 18 "passwordless sign-in by SMS code" through the Promise facade:
 * `credentials.smsSignInCode`, the code read back from the loopback SMS
 * receiver the tenant's `sms` channel posts to.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { createSignetClient } from "@signet/sdk"
import { call, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { type SmsReceiver, smsSchool, startSmsReceiver } from "@signet/server/testing/sms"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"

let sms: SmsReceiver
beforeAll(async () => {
  sms = await startSmsReceiver()
})
afterAll(() => sms.close())

/** A tenant with an `sms` channel to the receiver and SMS sign-in on, whose admin verified `phone`. */
const world = (slug: string, phone: string) =>
  Effect.gen(function* () {
    const access = yield* smsSchool(sms, slug, ["auth.sms_code_sign_in"])
    const set = yield* call("PUT", `/api/v1/tenants/${slug}/me/phone`, {
      auth: access,
      body: { phone_number: phone, password: TEST_PASSWORD }
    })
    expect(set.status, set.text).toBe(200)
    const code = yield* Effect.promise(() => sms.nthCode(slug, phone, 1))
    const ok = yield* call("POST", `/api/v1/tenants/${slug}/me/phone/verify`, { auth: access, body: { code } })
    expect(ok.status, ok.text).toBe(200)
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect, {}, { SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS: "true" }), {
    timeout: 120_000,
    excludeTestServices: true
  })(`credentials.smsSignInCode against a real server on ${dialect}`, (it) => {
    it.effect("signs in with a texted code and no password, the number given in national form with its region", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const slug = `sdk-smssign-${dialect}`
        const phone = "+33612340101"
        yield* world(slug, phone)
        const client = createSignetClient({
          baseUrl: server.url,
          tenant: slug,
          credentials: {
            phoneNumber: "06 12 34 01 01",
            region: "FR",
            smsSignInCode: () => sms.nthCode(slug, phone, 2)
          }
        })
        const me = yield* Effect.promise(() => client.me())
        expect(me.email).toBe(`admin@${slug}.example.edu`)
      })
    )

    it.effect("a wrong texted code rejects with Unauthorized", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const slug = `sdk-smswrong-${dialect}`
        const phone = "+33612340102"
        yield* world(slug, phone)
        const client = createSignetClient({
          baseUrl: server.url,
          tenant: slug,
          credentials: {
            phoneNumber: phone,
            smsSignInCode: async () => ((await sms.nthCode(slug, phone, 2)) === "000000" ? "000001" : "000000")
          }
        })
        const refused = yield* Effect.promise(() =>
          client.me().then(
            () => null,
            (e: { _tag?: string }) => e
          )
        )
        expect(refused?._tag).toBe("Unauthorized")
      })
    )
  })
}
