/**
 * The phone number in a real browser (issue 18 SMS): the account page's
 * card sets a number with the current password, verifies it with the code
 * texted to it and removes it; the code-login page signs in "by text
 * message". Texts go through the server's outbox to the tenant's `sms`
 * channel, a local HTTP receiver here. Chromium, SQLite and Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { type SmsReceiver, smsSchool, startSmsReceiver } from "@signet/server/testing/sms"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { axeViolations, BrowserLive, browserAvailable, openPage, signIn, step } from "./harness.js"

let sms: SmsReceiver
beforeAll(async () => {
  sms = await startSmsReceiver()
})
afterAll(() => sms.close())

/** The code of the `n`-th (1-based) text of tenant `slug` to `to`, once delivered. */
const nthCode = (slug: string, to: string, n: number) => Effect.promise(() => sms.nthCode(slug, to, n))

/** A school with an `sms` channel to the receiver and the given `auth.*` settings on; its admin's token. */
const school = (slug: string, settings: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    return yield* smsSchool(sms, slug, settings)
  })

describe.runIf(browserAvailable())("web app: phone number and sign-in by text message", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect, {}, { SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS: "true" }), BrowserLive), {
      timeout: 180_000,
      excludeTestServices: true
    })(`phone on ${dialect}`, (it) => {
      it.scoped("the account page sets a number with the password, verifies it by the texted code, removes it", () =>
        Effect.gen(function* () {
          const slug = `wph-${dialect}`
          const phone = dialect === "pg" ? "+33612345081" : "+33612345082"
          const access = yield* school(slug, [])
          const t = yield* openPage("phone")
          yield* signIn(t, slug, `admin@${slug}.example.edu`)
          yield* step(() => t.page.goto(`/t/${slug}/account`))
          const card = t.page.locator("section", { has: t.page.getByRole("heading", { name: "Phone number" }) })
          yield* step(() => card.getByText("No phone number yet.").waitFor())
          yield* step(async () => {
            await card.getByLabel("Mobile number").fill(phone)
            await card.getByLabel("Current password").fill(TEST_PASSWORD)
            await card.getByRole("button", { name: "Save and text me a code" }).click()
          })
          yield* step(() => card.getByText(/Not verified yet/).waitFor())
          expect(yield* axeViolations(t)).toEqual([])
          const code = yield* nthCode(slug, phone, 1)
          yield* step(async () => {
            await card.getByLabel("Code from the text message").fill(code)
            await card.getByRole("button", { name: "Verify the number" }).click()
          })
          yield* step(() => card.getByText("Your phone number is verified.").waitFor())
          yield* step(() => card.getByText(/^Verified on /).waitFor())
          expect(yield* step(() => card.getByText(phone).isVisible())).toBe(true)
          const status = yield* call("GET", `/api/v1/tenants/${slug}/me/phone`, { auth: access })
          expect(status.body).toMatchObject({ phone_number: phone, verified: true })
          yield* step(async () => {
            await card.getByRole("button", { name: "Remove the number" }).click()
            await card.getByText(/^Remove this number\?/).waitFor()
            await card.getByRole("button", { name: "Remove the number" }).click()
          })
          yield* step(() => card.getByText("No phone number yet.").waitFor())
          expect(t.errors).toEqual([])
        })
      )

      it.scoped("the code-login page signs in by text message and lands on the admin's home", () =>
        Effect.gen(function* () {
          const slug = `wphl-${dialect}`
          const phone = dialect === "pg" ? "+33612345083" : "+33612345084"
          const access = yield* school(slug, ["auth.email_code_sign_in", "auth.sms_code_sign_in"])
          const api = `/api/v1/tenants/${slug}`
          const set = yield* call("PUT", `${api}/me/phone`, {
            auth: access,
            body: { phone_number: phone, password: TEST_PASSWORD }
          })
          expect(set.status, set.text).toBe(200)
          const ok = yield* call("POST", `${api}/me/phone/verify`, {
            auth: access,
            body: { code: yield* nthCode(slug, phone, 1) }
          })
          expect(ok.status, ok.text).toBe(200)
          const t = yield* openPage("phone")
          yield* step(() => t.page.goto(`/t/${slug}/login`))
          yield* step(() => t.page.getByRole("link", { name: "E-mail me a sign-in code instead" }).click())
          yield* step(() => t.page.getByRole("button", { name: "Get the code by text message instead" }).click())
          yield* step(() => t.page.getByRole("heading", { name: "Sign in with a code by text message" }).waitFor())
          yield* step(async () => {
            await t.page.getByLabel("Your mobile number").fill(phone)
            await t.page.getByRole("button", { name: "Text me a code" }).click()
          })
          const field = t.page.getByLabel("Code from the text message")
          yield* step(() => field.waitFor())
          expect(yield* axeViolations(t)).toEqual([])
          const code = yield* nthCode(slug, phone, 2)
          yield* step(() => field.fill(code))
          yield* step(() => t.page.getByRole("button", { name: "Sign in", exact: true }).click())
          yield* step(() => t.page.waitForURL(`**/t/${slug}/admin`))
          expect(t.errors).toEqual([])
        })
      )
    })
  }
})
