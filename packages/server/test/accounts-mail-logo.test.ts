/**
 * Issue 18 "tenant branding (name, logo URL, support address)": the
 * tenant's `general.logo_url` setting puts an `<img>` of the logo, alt the
 * tenant's name, at the top of the HTML part of its mails (read back from a
 * real SMTP server); without a logo there is no `<img>`; a logo that is not
 * an `https://` URL is refused when set (a typed 400) and nothing changes.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { waitForMail } from "@signet/core/testing/smtp"
import { call, expectProblem, onboardTenant } from "@signet/server/testing"
import { testServerWithMail } from "@signet/server/testing/mail"
import { Effect } from "effect"

const LOGO = "https://cdn.example.org/schools/zola/logo.png"

/** A tenant whose admin's token is `access`, its logo set to `logo` when given. */
const tenantWithLogo = (slug: string, logo?: string) =>
  Effect.gen(function* () {
    const access = yield* onboardTenant(slug)
    if (logo !== undefined) {
      // As the platform operator (a tenant admin would need a fresh MFA step-up).
      const put = yield* call("PUT", `/api/v1/tenants/${slug}/settings/general.logo_url`, { body: { value: logo } })
      expect(put.status, put.text).toBe(200)
    }
    return access
  })

/** Invites `email` as a teacher and waits for the mail. */
const invite = (slug: string, access: string, email: string) =>
  Effect.gen(function* () {
    const created = yield* call("POST", `/api/v1/tenants/${slug}/invitations`, {
      auth: access,
      body: { email, user_type: "teacher" }
    })
    expect(created.status, created.text).toBe(201)
    return yield* waitForMail(email, "/invite?token=")
  })

for (const dialect of testDialects()) {
  layer(testServerWithMail(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Tenant logo in mails on ${dialect}`,
    (it) => {
      it.effect("an invitation mail of a tenant with a logo shows it, alt the tenant's name", () =>
        Effect.gen(function* () {
          const slug = `logo-inv-${dialect}`
          const access = yield* tenantWithLogo(slug, LOGO)
          const mail = yield* invite(slug, access, `teach@${slug}.example.edu`)
          expect(mail.html).toContain(`<img src="${LOGO}" alt="${slug}"`)
          expect(mail.text).not.toContain(LOGO)
        })
      )

      it.effect("a password-reset mail of a tenant with a logo shows it too", () =>
        Effect.gen(function* () {
          const slug = `logo-reset-${dialect}`
          yield* tenantWithLogo(slug, LOGO)
          const email = `admin@${slug}.example.edu`
          const asked = yield* call("POST", `/api/v1/tenants/${slug}/auth/password-reset`, {
            auth: false,
            body: { login: email }
          })
          expect(asked.status, asked.text).toBe(202)
          const mail = yield* waitForMail(email, "/reset?token=")
          expect(mail.html).toContain(`<img src="${LOGO}" alt="${slug}"`)
        })
      )

      it.effect("a tenant without a logo sends mails without an <img>", () =>
        Effect.gen(function* () {
          const slug = `logo-none-${dialect}`
          const access = yield* tenantWithLogo(slug)
          const mail = yield* invite(slug, access, `teach@${slug}.example.edu`)
          expect(mail.html).not.toContain("<img")
        })
      )

      it.effect("a logo that is not an https:// URL is refused with a 400 and the setting stays empty", () =>
        Effect.gen(function* () {
          const slug = `logo-http-${dialect}`
          yield* tenantWithLogo(slug)
          const url = `/api/v1/tenants/${slug}/settings/general.logo_url`
          for (const value of ["http://cdn.example.org/logo.png", "javascript:alert(1)", "//cdn.example.org/x.png"])
            expectProblem(yield* call("PUT", url, { body: { value } }), 400)
          const stored = yield* call("GET", url, {})
          expect(stored.body.value).toBe("")
        })
      )
    }
  )
}
