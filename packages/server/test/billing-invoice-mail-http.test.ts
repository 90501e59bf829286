/**
 * Issue 20 "Invoices" by e-mail, on SQLite and Postgres: when the period
 * close finalizes an invoice, the tenant's billing contact
 * (`billing.contact_email`) receives it through the outbox-backed mail
 * queue — delivered to a real SMTP server on loopback and parsed back —
 * in the tenant's language, plain text and HTML, with the invoice's PDF
 * attached. Without a billing contact nothing is sent and the audit log
 * says why (`billing.invoice.mail_skipped`). A credit note issued against
 * an invoice reaches the same contact the same way, with its own PDF.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { isSecurityNotice, MailSink, waitForMail } from "@signet/core/testing/smtp"
import { call, onboardTenant, TestServer } from "@signet/server/testing"
import { MAIL_ORIGIN, testServerWithMail } from "@signet/server/testing/mail"
import { Effect } from "effect"
import { closeOneInvoice, mfaAdmin } from "./billing-support.js"

/** The `flat` plan (1500 EUR cents a month), made once per server. */
const catalogue = Effect.gen(function* () {
  if ((yield* call("GET", "/api/v1/billing/plans/flat")).status === 200) return
  const made = yield* call("POST", "/api/v1/billing/plans", {
    body: { code: "flat", name: "Flat", interval: "month", currency: "EUR", fixed_amount: 1500 }
  })
  expect(made.status, made.text).toBe(201)
})

/** Sets tenant `slug`'s setting `key` (as the operator). */
const setting = (slug: string, key: string, value: unknown) =>
  Effect.gen(function* () {
    const put = yield* call("PUT", `/api/v1/tenants/${slug}/settings/${key}`, { body: { value } })
    expect(put.status, put.text).toBe(200)
  })

/** Tenant `slug` on `flat`, `settings` set first, with one invoice finalized; answers the admin token and number. */
const invoicedWith = (slug: string, settings: Record<string, unknown>) =>
  Effect.gen(function* () {
    yield* catalogue
    yield* onboardTenant(slug)
    for (const [key, value] of Object.entries(settings)) yield* setting(slug, key, value)
    const admin = yield* mfaAdmin(slug)
    return { admin, number: yield* closeOneInvoice(slug, admin, "flat") }
  })

/** Issues a credit note of 500 against invoice `number`'s first line; answers its number. */
const creditNote = (slug: string, admin: string, number: string) =>
  Effect.gen(function* () {
    const made = yield* call("POST", `/api/v1/tenants/${slug}/billing/invoices/${number}/credit-notes`, {
      auth: admin,
      body: { reason: "two days of outage", lines: [{ invoice_line: 0, amount: 500 }] }
    })
    expect(made.status, made.text).toBe(201)
    return made.body.number as string
  })

/** The audit rows of tenant `slug` with `action`, polled until one exists (the mail subscriber runs in the background). */
const auditRows = (slug: string, admin: string, action: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200; i++) {
      const res = yield* call("GET", `/api/v1/tenants/${slug}/audit-logs?action=${action}`, { auth: admin })
      if (res.body.items.length > 0) return res.body.items as ReadonlyArray<Record<string, any>>
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.dieMessage(`no audit row ${action} in ${slug}`)
  })

for (const dialect of testDialects()) {
  layer(testServerWithMail(dialect), { timeout: 120_000, excludeTestServices: true })(
    `invoices by e-mail on ${dialect} (issue 20)`,
    (it) => {
      it.effect("a finalized invoice is mailed to the billing contact, in English, with its PDF attached", () =>
        Effect.gen(function* () {
          const slug = `invmail-en-${dialect}`
          const to = `accounts@${slug}.example.edu`
          const { admin, number } = yield* invoicedWith(slug, { "billing.contact_email": to })
          const mail = yield* waitForMail(to, number)
          expect(mail.subject).toBe(`Invoice ${number} for ${slug}`)
          expect(mail.text).toContain("Total: 15.00 EUR")
          expect(mail.text).toContain(`${MAIL_ORIGIN}/t/${slug}/admin/billing`)
          expect(mail.html).toContain(`href="${MAIL_ORIGIN}/t/${slug}/admin/billing"`)
          expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
            [`${number}.pdf`, "application/pdf"]
          ])
          const server = yield* TestServer
          const pdf = yield* Effect.promise(() =>
            fetch(`${server.url}/api/v1/tenants/${slug}/billing/invoices/${number}/pdf`, {
              headers: { authorization: `Bearer ${admin}` }
            }).then((r) => r.arrayBuffer())
          )
          // The same document as the one the tenant downloads.
          expect(mail.attachments[0]!.content.equals(Buffer.from(pdf))).toBe(true)
        })
      )

      it.effect("the invoice mail is written in French for a tenant whose language is French", () =>
        Effect.gen(function* () {
          const slug = `invmail-fr-${dialect}`
          const to = `compta@${slug}.example.edu`
          const { number } = yield* invoicedWith(slug, { "billing.contact_email": to, "general.locale": "fr-FR" })
          const mail = yield* waitForMail(to, number)
          expect(mail.subject).toBe(`Facture ${number} pour ${slug}`)
          expect(mail.text).toContain("Consulter et régler vos factures")
          expect(mail.html).toContain('<html lang="fr">')
          expect(mail.attachments[0]?.filename).toBe(`${number}.pdf`)
        })
      )

      it.effect("the mail is recorded in the audit log with its recipient", () =>
        Effect.gen(function* () {
          const slug = `invmail-audit-${dialect}`
          const to = `billing@${slug}.example.edu`
          const { admin, number } = yield* invoicedWith(slug, { "billing.contact_email": to })
          const [row] = yield* auditRows(slug, admin, "billing.invoice.mailed")
          expect(row).toMatchObject({ actor_kind: "system", target_type: "invoice", after: { number, to } })
        })
      )

      it.effect("without a billing contact nothing is sent and the audit log says why", () =>
        Effect.gen(function* () {
          const slug = `invmail-none-${dialect}`
          const { admin, number } = yield* invoicedWith(slug, {})
          const [row] = yield* auditRows(slug, admin, "billing.invoice.mail_skipped")
          expect(row).toMatchObject({ target_type: "invoice", after: { number, reason: "no billing contact" } })
          const sink = yield* MailSink
          // Numbers are per tenant: the tenant's name in the subject tells its mail apart
          // (the admin's own security notice, from enrolling TOTP for step-up, aside).
          expect(sink.inbox.filter((m) => m.mail.subject?.includes(slug) && !isSecurityNotice(m.mail)).length).toBe(0)
        })
      )
      it.effect("a credit note is mailed to the billing contact with its PDF, the one the tenant downloads", () =>
        Effect.gen(function* () {
          const slug = `cnmail-en-${dialect}`
          const to = `accounts@${slug}.example.edu`
          const { admin, number } = yield* invoicedWith(slug, { "billing.contact_email": to })
          const note = yield* creditNote(slug, admin, number)
          const mail = yield* waitForMail(to, note)
          expect(mail.subject).toBe(`Credit note ${note} for ${slug}`)
          expect(mail.text).toContain(`correcting invoice ${number}: two days of outage`)
          expect(mail.text).toContain("Credited: 5.00 EUR")
          expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([[`${note}.pdf`, "application/pdf"]])
          const server = yield* TestServer
          const pdf = yield* Effect.promise(() =>
            fetch(`${server.url}/api/v1/tenants/${slug}/billing/credit-notes/${note}/pdf`, {
              headers: { authorization: `Bearer ${admin}` }
            }).then((r) => r.arrayBuffer())
          )
          expect(mail.attachments[0]!.content.equals(Buffer.from(pdf))).toBe(true)
          const [row] = yield* auditRows(slug, admin, "billing.credit_note.mailed")
          expect(row).toMatchObject({ target_type: "credit_note", after: { number: note, to } })
        })
      )

      it.effect("the credit note mail is in French for a French tenant", () =>
        Effect.gen(function* () {
          const slug = `cnmail-fr-${dialect}`
          const to = `compta@${slug}.example.edu`
          const { admin, number } = yield* invoicedWith(slug, { "billing.contact_email": to, "general.locale": "fr" })
          const note = yield* creditNote(slug, admin, number)
          const mail = yield* waitForMail(to, note)
          expect(mail.subject).toBe(`Avoir ${note} pour ${slug}`)
          expect(mail.text).toContain(`qui corrige la facture ${number}`)
        })
      )

      it.effect("without a billing contact a credit note is not mailed and the audit log says why", () =>
        Effect.gen(function* () {
          const slug = `cnmail-none-${dialect}`
          const { admin, number } = yield* invoicedWith(slug, {})
          const note = yield* creditNote(slug, admin, number)
          const [row] = yield* auditRows(slug, admin, "billing.credit_note.mail_skipped")
          expect(row).toMatchObject({
            target_type: "credit_note",
            after: { number: note, reason: "no billing contact" }
          })
        })
      )
    }
  )
}
