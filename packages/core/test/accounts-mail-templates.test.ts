/**
 * Issue 18 "tenant branding (name, logo URL, support address)": every mail
 * kind's HTML part starts with the tenant's logo as an `<img>` whose `alt`
 * is the tenant's name (escaped); a logo that is not an `https://` URL, or
 * none, gives no `<img>`; the plain-text part never carries the logo.
 */
import { describe, expect, it } from "@effect/vitest"
import { MailTemplates } from "@signet/core"

const LOGO = "https://cdn.example.org/logo.png"

/** Every mail kind rendered with `brand`, English and French. */
const everyKind = (brand: { tenantName: string; logoUrl?: string }) =>
  (["en", "fr"] as const).flatMap((locale) => {
    const link = { ...brand, link: "https://signet.test/t/x/reset?token=abc", minutes: 30 }
    return [
      MailTemplates.passwordResetMail(locale, link),
      MailTemplates.emailVerificationMail(locale, link),
      MailTemplates.invitationMail(locale, link),
      MailTemplates.loginCodeMail(locale, { ...brand, code: "123456", minutes: 10 }),
      MailTemplates.webhookDisabledMail(locale, {
        ...brand,
        tenantSlug: "x",
        endpointId: "e1",
        url: "https://hooks.example.org",
        reason: "failures"
      })
    ]
  })

describe("mail templates: tenant logo", () => {
  it("every kind shows an https logo with the tenant's name as alt, escaped", () => {
    for (const mail of everyKind({ tenantName: `Lycée "Zola" & co`, logoUrl: LOGO })) {
      expect(mail.html).toContain(`<img src="${LOGO}" alt="Lycée &quot;Zola&quot; &amp; co"`)
      expect(mail.text).not.toContain(LOGO)
    }
  })

  it("no logo, or one that is not https://, gives no <img>", () => {
    const brands = [
      { tenantName: "Zola" },
      { tenantName: "Zola", logoUrl: "http://cdn.example.org/logo.png" },
      { tenantName: "Zola", logoUrl: "javascript:alert(1)" }
    ]
    for (const brand of brands) for (const mail of everyKind(brand)) expect(mail.html).not.toContain("<img")
  })
})
