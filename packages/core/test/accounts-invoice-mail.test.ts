/**
 * The invoice and credit note mail templates (issue 20 "Invoices" by e-mail): English and
 * French, plain text and HTML from the same strings, every interpolated
 * value escaped in the HTML part. Delivery itself (queue, SMTP, the PDF
 * attached) is tested over a real SMTP server in
 * `packages/server/test/billing-invoice-mail-http.test.ts`.
 */
import { describe, expect, it } from "@effect/vitest"
import { MailTemplates } from "@signet/core"

const vars = {
  tenantName: `Lycée <b>"Hugo"</b> & Co`,
  supportEmail: "help@school.example",
  number: "INV-2026-000001",
  periodStart: "2026-11-01",
  periodEnd: "2026-12-01",
  total: "15.00 EUR",
  filename: "INV-2026-000001.pdf",
  link: "https://signet.example/t/hugo/billing?x=1&y=2"
}

describe("invoice mail template (issue 20)", () => {
  it("in English: number, period, total, attachment name and billing link in both parts", () => {
    const mail = MailTemplates.invoiceMail("en", vars)
    expect(mail.subject).toBe(`Invoice INV-2026-000001 for ${vars.tenantName}`)
    for (const part of [mail.text, mail.html])
      for (const s of ["INV-2026-000001", "2026-11-01", "2026-12-01", "15.00 EUR", "INV-2026-000001.pdf"])
        expect(part).toContain(s)
    expect(mail.text).toContain(vars.link)
    expect(mail.text).toContain("Questions? Write to help@school.example.")
  })

  it("in French: subject and wording are French, the page language is fr", () => {
    const mail = MailTemplates.invoiceMail("fr", vars)
    expect(mail.subject).toBe(`Facture INV-2026-000001 pour ${vars.tenantName}`)
    expect(mail.text).toContain("pour la période du 2026-11-01 au 2026-12-01")
    expect(mail.text).toContain("Consulter et régler vos factures")
    expect(mail.html).toContain('<html lang="fr">')
  })

  it("escapes every interpolated value in the HTML part", () => {
    const mail = MailTemplates.invoiceMail("en", vars)
    expect(mail.html).not.toContain("<b>")
    expect(mail.html).toContain("Lycée &lt;b&gt;&quot;Hugo&quot;&lt;/b&gt; &amp; Co")
    expect(mail.html).toContain('href="https://signet.example/t/hugo/billing?x=1&amp;y=2"')
  })
})

describe("credit note mail template (issue 20)", () => {
  const note = {
    tenantName: "Lycée Hugo",
    supportEmail: undefined,
    number: "CN-2026-000001",
    invoiceNumber: "INV-2026-000001",
    reason: `outage <img src=x onerror="alert(1)">`,
    total: "5.00 EUR",
    filename: "CN-2026-000001.pdf",
    link: "https://signet.example/t/hugo/admin/billing"
  }

  it("names the credit note, the invoice it corrects, the reason and the amount credited", () => {
    const mail = MailTemplates.creditNoteMail("en", note)
    expect(mail.subject).toBe("Credit note CN-2026-000001 for Lycée Hugo")
    expect(mail.text).toContain("correcting invoice INV-2026-000001: outage")
    expect(mail.text).toContain("Credited: 5.00 EUR")
    expect(mail.text).not.toContain("Questions?")
  })

  it("escapes the issuer's reason in the HTML part", () => {
    const mail = MailTemplates.creditNoteMail("fr", note)
    expect(mail.subject).toBe("Avoir CN-2026-000001 pour Lycée Hugo")
    expect(mail.html).not.toContain("<img")
    expect(mail.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
  })
})
