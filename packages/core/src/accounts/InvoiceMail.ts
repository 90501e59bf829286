/**
 * Invoices by e-mail (issue 20 "Invoices": "e-mail delivery when the
 * accounts issue's mailer exists"; seed 003 "invoicing with PDF and
 * e-mail").
 *
 * The `accounts.invoice_mail` subscriber reacts to
 * `signet.billing.invoice.finalized` (published by billing's period close in
 * the transaction that finalizes the invoice; its data is the invoice) and,
 * in one transaction of the event's tenant, as the system:
 *
 * - reads the tenant's billing contact, the setting `billing.contact_email`;
 * - when it is set: queues one mail to it through the mail queue (the
 *   outbox: retried with backoff, dead letters listable), written in the
 *   tenant's language (`general.locale`: French for `fr*`, else English),
 *   plain text and HTML, with the invoice's PDF attached
 *   (`<number>.pdf`, rendered by billing's `renderInvoicePdf`, the same
 *   bytes as `GET …/invoices/{number}/pdf`) and a link to the tenant's
 *   billing page; and records the audit row `billing.invoice.mailed`
 *   (target the invoice, `after.to` the address);
 * - when it is empty: sends nothing and records the audit row
 *   `billing.invoice.mail_skipped` (`after.reason: "no billing contact"`)
 *   and a warning in the log, so an operator sees why no invoice arrived.
 *
 * It reacts the same way to `signet.billing.credit_note.created` (issue 20
 * "credit notes for corrections"; data `{ credit_note }`): the credit note
 * goes to the billing contact with its PDF (`<number>.pdf`, billing's
 * `renderCreditNotePdf`, the bytes of `GET …/credit-notes/{number}/pdf`),
 * audit rows `billing.credit_note.mailed` or `billing.credit_note.mail_skipped`.
 *
 * The event is delivered at least once: a retry after a crash between this
 * transaction's commit and the event's acknowledgement queues the mail
 * again (the invoice's content, nothing secret). Invoices are immutable once
 * finalized, so the PDF rendered here is the one the tenant downloads.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CreditNote } from "@signet/contracts/billing/Corrections"
import { Invoice } from "@signet/contracts/billing/Domain"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Encoding, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { formatAmount, renderCreditNotePdf, renderInvoicePdf } from "../billing/InvoicePdf.js"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Mailer } from "./Mailer.js"
import type { makeMailQueue } from "./MailQueue.js"
import { mailLogo } from "./Shared.js"
import { creditNoteMail, invoiceMail, mailLocale, type RenderedMail } from "./Templates.js"

/** The event that finalizes an invoice (billing's). */
export const INVOICE_FINALIZED = "signet.billing.invoice.finalized"

/** The event that issues a credit note (billing's). */
export const CREDIT_NOTE_CREATED = "signet.billing.credit_note.created"

/** Name of the subscriber (delivery bookkeeping is keyed by it). */
export const INVOICE_MAIL_SUBSCRIBER = "accounts.invoice_mail"

/** The tenant setting naming the billing contact. */
export const BILLING_CONTACT_SETTING = "billing.contact_email"

const decodeInvoice = Schema.decodeUnknownOption(Invoice)
const decodeCreditNote = Schema.decodeUnknownOption(CreditNote)
const day = (d: DateTime.Utc) => DateTime.formatIso(d).slice(0, 10)

/** The invoice-mail subscriber over the mail `queue`: `register` subscribes it to the events dispatcher. */
export const makeInvoiceMail = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const events = yield* Events
    const tenancy = yield* Tenancy
    const audit = yield* Audit
    const mailer = yield* Mailer

    /** The document an event carries: what to mail, audit under, render and call it. */
    interface Document {
      readonly kind: "invoice" | "credit_note"
      readonly id: string
      readonly number: string
      readonly mail: (v: {
        readonly tenantName: string
        readonly supportEmail: string | undefined
        readonly logoUrl: string | undefined
        readonly link: string
        readonly filename: string
        readonly locale: ReturnType<typeof mailLocale>
      }) => RenderedMail
      readonly pdf: (tenantSlug: string) => Effect.Effect<Uint8Array>
    }

    const documentOf = (event: CloudEvent): Option.Option<Document> => {
      const data = event.data as { readonly invoice?: unknown; readonly credit_note?: unknown } | undefined
      if (event.type === CREDIT_NOTE_CREATED)
        return Option.map(decodeCreditNote(data?.credit_note), (note) => ({
          kind: "credit_note" as const,
          id: note.id,
          number: note.number,
          mail: ({ locale, ...v }) =>
            creditNoteMail(locale, {
              ...v,
              number: note.number,
              invoiceNumber: note.invoice_number,
              reason: note.reason,
              total: formatAmount(note.total, note.currency)
            }),
          pdf: (slug) => renderCreditNotePdf(note, slug)
        }))
      return Option.map(decodeInvoice(data?.invoice), (inv) => ({
        kind: "invoice" as const,
        id: inv.id,
        number: inv.number,
        mail: ({ locale, ...v }) =>
          invoiceMail(locale, {
            ...v,
            number: inv.number,
            periodStart: day(inv.period_start),
            periodEnd: day(inv.period_end),
            total: formatAmount(inv.total, inv.currency)
          }),
        pdf: (slug) => renderInvoicePdf(inv, slug)
      }))
    }

    /** Queues the invoice or credit note of `event` to the tenant's billing contact, or records why not. */
    const documentIssued = (event: CloudEvent) =>
      Effect.gen(function* () {
        const tenantId = event.tenantid as TenantId | undefined
        const found = documentOf(event)
        if (tenantId === undefined || Option.isNone(found)) return
        const doc = found.value
        const tenant = yield* tenancy.getById(tenantId).pipe(Effect.orDie)
        const contact = (yield* tenancy.settingValue<string>(tenant.id, BILLING_CONTACT_SETTING)) || ""
        const target = { targetType: doc.kind, targetId: doc.id } as const
        const inTenant = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
          tenantTx(eff).pipe(
            Effect.provideService(SqlClient.SqlClient, sql),
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
            Effect.provideService(CurrentActor, systemActor)
          )
        if (contact === "") {
          yield* Effect.logWarning(`${doc.kind} not mailed: the tenant has no billing contact`).pipe(
            Effect.annotateLogs({ tenant: tenant.slug, number: doc.number, setting: BILLING_CONTACT_SETTING })
          )
          return yield* inTenant(
            audit.record({
              action: `billing.${doc.kind}.mail_skipped`,
              ...target,
              after: { number: doc.number, reason: "no billing contact" }
            })
          ).pipe(Effect.asVoid)
        }
        const support = (yield* tenancy.settingValue<string>(tenant.id, "general.support_email")) || undefined
        const filename = `${doc.number}.pdf`
        const mail = doc.mail({
          locale: mailLocale(yield* tenancy.settingValue<string>(tenant.id, "general.locale")),
          tenantName: tenant.name,
          supportEmail: support,
          filename,
          link: `${mailer.publicOrigin}/t/${tenant.slug}/admin/billing`,
          logoUrl: yield* mailLogo(tenancy, tenant.id)
        })
        const pdf = yield* doc.pdf(tenant.slug)
        const attachments = [{ filename, contentType: "application/pdf", base64: Encoding.encodeBase64(pdf) }]
        yield* inTenant(
          Effect.zipRight(
            queue.enqueue(doc.kind === "invoice" ? "invoice" : "credit_note", contact, mail, {
              replyTo: support,
              attachments
            }),
            audit.record({
              action: `billing.${doc.kind}.mailed`,
              ...target,
              after: { number: doc.number, to: contact }
            })
          )
        )
      }).pipe(Effect.withSpan("Accounts.mailBillingDocument"))

    /** Subscribes the invoice mail to the events dispatcher. */
    const register = events.subscribe({
      name: INVOICE_MAIL_SUBSCRIBER,
      types: [INVOICE_FINALIZED, CREDIT_NOTE_CREATED],
      handle: documentIssued
    })

    return { register } as const
  })
