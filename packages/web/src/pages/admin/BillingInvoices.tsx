/**
 * The invoices section of the billing page (`/t/{slug}/admin/billing`,
 * issue 20 "web app pages (… invoices …)"): the school's invoices newest
 * first (number, period, total, status), each downloadable as its PDF
 * (`GET …/billing/invoices/{number}/pdf`), and for a finalized (unpaid)
 * invoice a "Pay online" button that asks core for a Stripe Checkout link
 * (`POST …/invoices/{number}/checkout`, `billing:write`) and sends the
 * browser there. With payments `manual` the server answers 409
 * `PaymentsManual`, shown as the error. Where the invoices are mailed
 * (the `billing.contact_email` setting) is named with a link to the
 * settings page. A finalized or paid invoice's "Credit notes" button
 * unfolds, below its row, the credit notes issued against it (issue 20
 * "credit notes for corrections"; `GET …/invoices/{number}/credit-notes`):
 * number, date, amount credited, reason, each downloadable as its PDF
 * (`GET …/credit-notes/{number}/pdf`).
 *
 * @module
 */
import { BillingApi } from "@signet/contracts/billing/Api"
import type { Invoice } from "@signet/contracts/billing/Domain"
import { Fragment } from "preact"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { formatDateTime, language, useT } from "../../app/i18n.js"
import { formatMoney } from "../../app/money.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"
import { ActionNotes, Section, TableWrap, useAction } from "./shared.js"

/** Minor units as an amount with its currency (its ISO 4217 decimals), in the page's language. */
const money = (minor: number, currency: string) => formatMoney(minor, currency, language())

/** Hands `pdf` to the browser as the download `{number}.pdf`. */
const download = (pdf: Uint8Array, number: string) => {
  const url = URL.createObjectURL(new Blob([pdf as BlobPart], { type: "application/pdf" }))
  const a = document.createElement("a")
  a.href = url
  a.download = `${number}.pdf`
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** The credit notes issued against invoice `number`, in a row spanning the table. */
const CreditNotesRow = ({ slug, number, onPdf }: { slug: string; number: string; onPdf: (cn: string) => void }) => {
  const t = useT("admin")
  const notes = useLoad(
    () => call(BillingApi, (c) => c.billing.listCreditNotes({ path: { slug, number } })),
    [slug, number]
  )
  const items = notes.data ?? []
  return (
    <tr data-credit-notes={number}>
      <td colSpan={5}>
        {notes.loading ? (
          <Loading />
        ) : notes.error ? (
          <ErrorNote error={notes.error} />
        ) : items.length === 0 ? (
          <p class="muted">{t("invoices.noCreditNote", { number })}</p>
        ) : (
          <ul class="credit-notes">
            {items.map((cn) => (
              <li key={cn.id} data-credit-note={cn.number}>
                <strong>{cn.number}</strong> · {formatDateTime(cn.created_at, undefined, "date")} ·{" "}
                {t("invoices.credited", { amount: money(cn.total, cn.currency) })} · {cn.reason}{" "}
                <button type="button" class="link" onClick={() => onPdf(cn.number)}>
                  {t("invoices.pdf")}
                  <span class="sr-only"> {cn.number}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  )
}

/** One invoice's row: number, period, total, status, and its actions. */
const InvoiceRow = ({
  inv,
  busy,
  open,
  onPdf,
  onPay,
  onNotes
}: {
  inv: Invoice
  busy: boolean
  open: boolean
  onPdf: () => void
  onPay: () => void
  onNotes: () => void
}) => {
  const t = useT("admin")
  return (
    <tr data-invoice={inv.number}>
      <th scope="row">{inv.number}</th>
      <td>
        {formatDateTime(inv.period_start, undefined, "date")} → {formatDateTime(inv.period_end, undefined, "date")}
      </td>
      <td>{money(inv.total, inv.currency)}</td>
      <td data-status={inv.status}>{t(`invoices.statuses.${inv.status}`)}</td>
      <td>
        {inv.status !== "draft" && (
          <button type="button" class="link" disabled={busy} onClick={onPdf}>
            {t("invoices.pdf")}
            <span class="sr-only"> {inv.number}</span>
          </button>
        )}
        {(inv.status === "finalized" || inv.status === "paid") && (
          <button type="button" class="link" aria-expanded={open} onClick={onNotes}>
            {t("invoices.creditNotes")}
            <span class="sr-only"> {inv.number}</span>
          </button>
        )}
        {inv.status === "finalized" && (
          <button type="button" disabled={busy} onClick={onPay}>
            {t("invoices.pay")}
            <span class="sr-only"> {inv.number}</span>
          </button>
        )}
      </td>
    </tr>
  )
}

/** The invoices section: the table, or a note that there is none yet. */
export const InvoicesSection = ({ slug }: { slug: string }) => {
  const t = useT("admin")
  const action = useAction()
  const list = useLoad(() => call(BillingApi, (c) => c.billing.listInvoices({ path: { slug } })), [slug])
  const [open, setOpen] = useState<string | null>(null)
  const creditNotePdf = (number: string) =>
    void action.run(
      async () => download(await call(BillingApi, (c) => c.billing.creditNotePdf({ path: { slug, number } })), number),
      () => t("invoices.downloaded", { number })
    )
  const pdf = (number: string) =>
    void action.run(
      async () => download(await call(BillingApi, (c) => c.billing.invoicePdf({ path: { slug, number } })), number),
      () => t("invoices.downloaded", { number })
    )
  const pay = (number: string) =>
    void action
      .run(() => call(BillingApi, (c) => c.billing.invoiceCheckout({ path: { slug, number } })))
      .then((link) => {
        if (link) window.location.assign(link.url)
      })
  const items = list.data ?? []
  return (
    <Section title={t("invoices.title")}>
      <p class="muted">
        {t("invoices.intro")} <a href={`/t/${slug}/admin/settings`}>{t("invoices.contactLink")}</a>
      </p>
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorNote error={list.error} />
      ) : items.length === 0 ? (
        <p class="muted">{t("invoices.none")}</p>
      ) : (
        <TableWrap>
          <table>
            <caption>{t("invoices.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("invoices.number")}</th>
                <th scope="col">{t("invoices.period")}</th>
                <th scope="col">{t("invoices.total")}</th>
                <th scope="col">{t("invoices.status")}</th>
                <th scope="col">
                  <span class="sr-only">{t("invoices.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((inv) => (
                <Fragment key={inv.id}>
                  <InvoiceRow
                    inv={inv}
                    busy={action.busy}
                    open={open === inv.number}
                    onPdf={() => pdf(inv.number)}
                    onPay={() => pay(inv.number)}
                    onNotes={() => setOpen(open === inv.number ? null : inv.number)}
                  />
                  {open === inv.number && <CreditNotesRow slug={slug} number={inv.number} onPdf={creditNotePdf} />}
                </Fragment>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <ActionNotes action={action} />
    </Section>
  )
}
