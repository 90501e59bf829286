/**
 * Security notices through the server (issue 18): a password changed over
 * REST (`POST …/me/password`) is mailed to the user by the running server's
 * jobs — a real SMTP server on loopback reads it back — in the tenant's
 * language, with the tenant's reset page; the tenant's
 * `auth.security_notices` setting is set over REST like any other.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { waitForMail } from "@signet/core/testing/smtp"
import { call, onboardTenant, TEST_PASSWORD } from "@signet/server/testing"
import { MAIL_ORIGIN, testServerWithMail } from "@signet/server/testing/mail"
import { Effect } from "effect"

const changePassword = (slug: string, access: string) =>
  call("POST", `/api/v1/tenants/${slug}/me/password`, {
    auth: access,
    body: { current_password: TEST_PASSWORD, new_password: "a new passphrase for notices" }
  })

for (const dialect of testDialects()) {
  layer(testServerWithMail(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Security notices over REST on ${dialect} (issue 18)`,
    (it) => {
      it.effect("a password changed over REST is mailed to the user", () =>
        Effect.gen(function* () {
          const slug = `notice-pw-${dialect}`
          const access = yield* onboardTenant(slug)
          expect((yield* changePassword(slug, access)).status).toBe(200)
          const mail = yield* waitForMail(`admin@${slug}.example.edu`, "was changed")
          expect(mail.subject).toBe(`Security notice: your ${slug} account changed`)
          expect(mail.text).toContain(`The password of your ${slug} account was changed.`)
          expect(mail.text).toContain(`${MAIL_ORIGIN}/t/${slug}/forgot`)
        })
      )

      it.effect("in French for a French tenant, after the setting is read back over REST", () =>
        Effect.gen(function* () {
          const slug = `notice-fr-${dialect}`
          const access = yield* onboardTenant(slug)
          const fr = yield* call("PUT", `/api/v1/tenants/${slug}/settings/general.locale`, { body: { value: "fr" } })
          expect(fr.status, fr.text).toBe(200)
          const setting = yield* call("GET", `/api/v1/tenants/${slug}/settings/auth.security_notices`)
          expect(setting.body).toMatchObject({ value: true })
          expect((yield* changePassword(slug, access)).status).toBe(200)
          const mail = yield* waitForMail(`admin@${slug}.example.edu`, "a été modifié")
          expect(mail.subject).toBe(`Alerte de sécurité : votre compte ${slug} a été modifié`)
        })
      )
    }
  )
}
