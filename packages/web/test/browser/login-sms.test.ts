/**
 * The sign-in page's SMS second step in a real browser (issue 18 SMS): with
 * `auth.mfa_sms_codes` on, the MFA step offers "Text me a code"; the code,
 * delivered by the server's outbox to the tenant's `sms` channel (a local
 * HTTP receiver), signs the admin in with a browser session.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { type SmsReceiver, smsSchool, startSmsReceiver } from "@signet/server/testing/sms"
import { Effect, Layer } from "effect"
import { generate } from "otplib"
import { afterAll, beforeAll } from "vitest"
import { axeViolations, BrowserLive, browserAvailable, openPage, step } from "./harness.js"

let sms: SmsReceiver
beforeAll(async () => {
  sms = await startSmsReceiver()
})
afterAll(() => sms.close())

/** The code of the `n`-th (1-based) text of tenant `slug` to `to`, once delivered. */
const nthCode = (slug: string, to: string, n: number) => Effect.promise(() => sms.nthCode(slug, to, n))

/** A school with an `sms` channel to the receiver, `auth.mfa_sms_codes` on, its admin with TOTP and a verified number. */
const school = (slug: string, phone: string) =>
  Effect.gen(function* () {
    const access = yield* smsSchool(sms, slug, ["auth.mfa_sms_codes"])
    const api = `/api/v1/tenants/${slug}`
    const set = yield* call("PUT", `${api}/me/phone`, {
      auth: access,
      body: { phone_number: phone, password: TEST_PASSWORD }
    })
    expect(set.status, set.text).toBe(200)
    const code = yield* nthCode(slug, phone, 1)
    const ok = yield* call("POST", `${api}/me/phone/verify`, { auth: access, body: { code } })
    expect(ok.status, ok.text).toBe(200)
    const enrol = yield* call("POST", `${api}/me/mfa/totp`, { auth: access, body: { password: TEST_PASSWORD } })
    const totp = yield* Effect.promise(() => generate({ secret: enrol.body.secret as string }))
    const confirmed = yield* call("POST", `${api}/me/mfa/totp/confirm`, { auth: access, body: { code: totp } })
    expect(confirmed.status, confirmed.text).toBe(200)
    return `admin@${slug}.example.edu`
  })

describe.runIf(browserAvailable())("web app: SMS code as the second sign-in step", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect, {}, { SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS: "true" }), BrowserLive), {
      timeout: 180_000,
      excludeTestServices: true
    })(`SMS second step on ${dialect}`, (it) => {
      it.scoped("the MFA step's 'Text me a code' texts a code that signs the admin in", () =>
        Effect.gen(function* () {
          const slug = `wsms-${dialect}`
          const phone = dialect === "pg" ? "+33612345091" : "+33612345092"
          const email = yield* school(slug, phone)
          const t = yield* openPage("phone")
          yield* step(() => t.page.goto(`/t/${slug}/login`))
          yield* step(() => t.page.getByLabel(/E-mail or username/).fill(email))
          yield* step(() => t.page.getByLabel(/^Password/).fill(TEST_PASSWORD))
          yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
          yield* step(() => t.page.getByRole("button", { name: "Text me a code" }).click())
          const field = t.page.getByLabel("Code from the text message")
          yield* step(() => field.waitFor())
          expect(yield* axeViolations(t)).toEqual([])
          const code = yield* nthCode(slug, phone, 2)
          yield* step(() => field.fill(code))
          yield* step(() => t.page.getByRole("button", { name: "Verify" }).click())
          yield* step(() => t.page.waitForURL(`**/t/${slug}/admin`))
          expect(t.errors).toEqual([])
        })
      )
    })
  }
})
