/**
 * Sign-in by e-mail code in a real browser (issue 18): the sign-in page
 * offers it only when the school enabled it; the code, delivered by the
 * server's outbox to a real SMTP server on loopback, signs the admin in
 * on a phone; a wrong code says so.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { MailSink } from "@signet/core/testing/smtp"
import { call, onboardTenant } from "@signet/server/testing"
import { testServerWithMail, verifyOwnEmail } from "@signet/server/testing/mail"
import { Effect, Layer } from "effect"
import { axeViolations, BrowserLive, browserAvailable, openPage, screenshot, step } from "./harness.js"

const serverWithMail = (dialect: "sqlite" | "pg") => Layer.merge(testServerWithMail(dialect), BrowserLive)

/** Onboards `slug`, verifies its admin's address and sets `auth.email_code_sign_in` to `enabled`. */
const school = (slug: string, enabled: boolean) =>
  Effect.gen(function* () {
    const email = `admin@${slug}.example.edu`
    const access = yield* onboardTenant(slug)
    yield* verifyOwnEmail(slug, access, email)
    const put = yield* call("PUT", `/api/v1/tenants/${slug}/settings/auth.email_code_sign_in`, {
      body: { value: enabled }
    })
    if (put.status !== 200) throw new Error(`setting: ${put.status} ${put.text}`)
    return email
  })

/** The newest sign-in code mailed to `address`, once there are `n`. */
const nthCode = (address: string, n: number) =>
  Effect.flatMap(MailSink, (sink) =>
    Effect.gen(function* () {
      for (let i = 0; i < 600; i++) {
        const mails = sink.to(address).filter((m) => m.subject?.includes("sign-in code"))
        if (mails.length >= n) return /^(\d{6})$/m.exec(mails[n - 1]!.text ?? "")![1]!
        yield* Effect.sleep("50 millis")
      }
      return yield* Effect.dieMessage(`no code mail ${n} to ${address}`)
    })
  )

describe.runIf(browserAvailable())("web app: sign-in by e-mail code", () => {
  for (const dialect of testDialects()) {
    layer(serverWithMail(dialect), { timeout: 180_000, excludeTestServices: true })(
      `sign-in by e-mail code on ${dialect}`,
      (it) => {
        it.scoped("offered when enabled: address → mailed code (a wrong one refused) → signed in on a phone", () =>
          Effect.gen(function* () {
            const slug = `wcode-${dialect}`
            const email = yield* school(slug, true)
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(`/t/${slug}/login`))
            yield* step(() => t.page.getByRole("link", { name: "E-mail me a sign-in code instead" }).click())
            yield* step(() => t.page.waitForURL(`**/t/${slug}/login/code`))
            expect(yield* axeViolations(t)).toEqual([])
            yield* step(() => t.page.getByLabel("E-mail or username").fill(email))
            yield* step(() => t.page.getByRole("button", { name: "E-mail me a code" }).click())
            const code = yield* nthCode(email, 1)
            const field = t.page.getByLabel("Code from the e-mail")
            yield* step(() => field.fill(code === "000000" ? "000001" : "000000"))
            yield* step(() => t.page.getByRole("button", { name: "Sign in" }).click())
            const alert = t.page.getByRole("alert")
            yield* step(() => alert.waitFor())
            expect(yield* step(() => alert.textContent())).toContain("That code is not valid")
            yield* step(() => field.fill(code))
            yield* step(() => t.page.getByRole("button", { name: "Sign in" }).click())
            yield* step(() => t.page.waitForURL(`**/t/${slug}/admin`))
            yield* screenshot(t, "login-code-signed-in", "phone", dialect)
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("not offered when the school has not enabled it", () =>
          Effect.gen(function* () {
            const slug = `wcode-off-${dialect}`
            yield* school(slug, false)
            const t = yield* openPage("desktop")
            yield* step(() => t.page.goto(`/t/${slug}/login`))
            yield* step(() => t.page.getByRole("link", { name: "Forgot your password?" }).waitFor())
            expect(yield* step(() => t.page.getByText("E-mail me a sign-in code instead").count())).toBe(0)
          })
        )
      }
    )
  }
})
