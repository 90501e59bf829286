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
 * The event is delivered at least once: a retry after a crash between this
 * transaction's commit and the event's acknowledgement queues the mail
 * again (the invoice's content, nothing secret). Invoices are immutable once
 * finalized, so the PDF rendered here is the one the tenant downloads.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Invoice } from "@signet/contracts/billing/Domain"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Encoding, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { formatAmount, renderInvoicePdf } from "../billing/InvoicePdf.js"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Mailer } from "./Mailer.js"
import type { makeMailQueue } from "./MailQueue.js"
import { mailLogo } from "./Shared.js"
import { invoiceMail, mailLocale } from "./Templates.js"

/** The event that finalizes an invoice (billing's). */
export const INVOICE_FINALIZED = "signet.billing.invoice.finalized"

/** Name of the subscriber (delivery bookkeeping is keyed by it). */
export const INVOICE_MAIL_SUBSCRIBER = "accounts.invoice_mail"

/** The tenant setting naming the billing contact. */
export const BILLING_CONTACT_SETTING = "billing.contact_email"

const decodeInvoice = Schema.decodeUnknownOption(Invoice)
const day = (d: DateTime.Utc) => DateTime.formatIso(d).slice(0, 10)

/** The invoice-mail subscriber over the mail `queue`: `register` subscribes it to the events dispatcher. */
export const makeInvoiceMail = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const events = yield* Events
    const tenancy = yield* Tenancy
    const audit = yield* Audit
    const mailer = yield* Mailer

    /** Queues the invoice of `event` to the tenant's billing contact, or records why not. */
    const invoiceFinalized = (event: CloudEvent) =>
      Effect.gen(function* () {
        const tenantId = event.tenantid as TenantId | undefined
        const invoice = decodeInvoice((event.data as { readonly invoice?: unknown } | undefined)?.invoice)
        if (tenantId === undefined || Option.isNone(invoice)) return
        const inv = invoice.value
        const tenant = yield* tenancy.getById(tenantId).pipe(Effect.orDie)
        const contact = (yield* tenancy.settingValue<string>(tenant.id, BILLING_CONTACT_SETTING)) || ""
        const target = { targetType: "invoice", targetId: inv.id } as const
        const inTenant = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
          tenantTx(eff).pipe(
            Effect.provideService(SqlClient.SqlClient, sql),
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
            Effect.provideService(CurrentActor, systemActor)
          )
        if (contact === "") {
          yield* Effect.logWarning("invoice not mailed: the tenant has no billing contact").pipe(
            Effect.annotateLogs({ tenant: tenant.slug, invoice: inv.number, setting: BILLING_CONTACT_SETTING })
          )
          return yield* inTenant(
            audit.record({
              action: "billing.invoice.mail_skipped",
              ...target,
              after: { number: inv.number, reason: "no billing contact" }
            })
          ).pipe(Effect.asVoid)
        }
        const locale = mailLocale(yield* tenancy.settingValue<string>(tenant.id, "general.locale"))
        const support = (yield* tenancy.settingValue<string>(tenant.id, "general.support_email")) || undefined
        const filename = `${inv.number}.pdf`
        const mail = invoiceMail(locale, {
          tenantName: tenant.name,
          supportEmail: support,
          number: inv.number,
          periodStart: day(inv.period_start),
          periodEnd: day(inv.period_end),
          total: formatAmount(inv.total, inv.currency),
          filename,
          link: `${mailer.publicOrigin}/t/${tenant.slug}/admin/billing`,
          logoUrl: yield* mailLogo(tenancy, tenant.id)
        })
        const pdf = yield* renderInvoicePdf(inv, tenant.slug)
        const attachments = [{ filename, contentType: "application/pdf", base64: Encoding.encodeBase64(pdf) }]
        yield* inTenant(
          Effect.zipRight(
            queue.enqueue("invoice", contact, mail, { replyTo: support, attachments }),
            audit.record({ action: "billing.invoice.mailed", ...target, after: { number: inv.number, to: contact } })
          )
        )
      }).pipe(Effect.withSpan("Accounts.mailInvoice"))

    /** Subscribes the invoice mail to the events dispatcher. */
    const register = events.subscribe({
      name: INVOICE_MAIL_SUBSCRIBER,
      types: [INVOICE_FINALIZED],
      handle: invoiceFinalized
    })

    return { register } as const
  })
