/**
 * An invoice as a PDF (issue 20 "Invoices": "PDF rendering with a
 * maintained library"), drawn with `pdf-lib` — pure JavaScript with the 14
 * standard PDF fonts built in, so it runs in the single binary without
 * font files. A4 pages: an invoice's lines run on over as many pages as
 * they need (each further page headed "… (continued)" with the table's
 * header again, the totals kept together, "page i of n" at the foot when
 * there is more than one); a credit note is one page (lines beyond
 * MAX_ROWS are summed in a last "… more lines" row).
 *
 * The document's title (Info dictionary) is the invoice number; text is
 * Helvetica (WinAnsi): characters it cannot encode are drawn as `?`.
 * Credit notes ({@link renderCreditNotePdf}) are drawn the same way.
 *
 * @module
 */
import type { CreditNote } from "@signet/contracts/billing/Corrections"
import { currencyExponent, type Invoice } from "@signet/contracts/billing/Domain"
import { DateTime, Effect } from "effect"
import { PDFDocument, StandardFonts } from "pdf-lib"
import { winAnsi } from "../kernel/PdfText.js"

/** A4 in points. */
const PAGE = { width: 595.28, height: 841.89 } as const
const MARGIN = 50
/** Table rows that fit under the header. */
const MAX_ROWS = 40
/** Points kept free above the bottom margin for the page number. */
const FOOTER = 10

/** `amount` minor units of `currency` in major units with its exponent (`123456 EUR` → `1234.56 EUR`). */
export const formatAmount = (amount: number, currency: string): string => {
  const exp = currencyExponent(currency)
  if (exp === 0) return `${amount} ${currency}`
  const digits = String(Math.abs(amount)).padStart(exp + 1, "0")
  return `${amount < 0 ? "-" : ""}${digits.slice(0, -exp)}.${digits.slice(-exp)} ${currency}`
}

const day = (d: DateTime.Utc) => DateTime.formatIso(d).slice(0, 10)

/**
 * Renders `invoice` of tenant `tenant` (its slug or name) as PDF bytes
 * (`%PDF-1.7`), the same bytes every time (dates are the invoice's). Never
 * fails: the library throwing is a defect.
 */
export const renderInvoicePdf = (invoice: Invoice, tenant: string): Effect.Effect<Uint8Array> =>
  Effect.promise(async () => {
    const doc = await PDFDocument.create()
    doc.setTitle(invoice.number)
    doc.setSubject(`Invoice ${invoice.number} for ${tenant}`)
    doc.setProducer("Signet")
    doc.setCreationDate(new Date(DateTime.toEpochMillis(invoice.created_at)))
    // Not "now" (pdf-lib's default): the same invoice renders to the same bytes, downloaded or mailed.
    doc.setModificationDate(new Date(DateTime.toEpochMillis(invoice.created_at)))
    const font = await doc.embedFont(StandardFonts.Helvetica)
    const bold = await doc.embedFont(StandardFonts.HelveticaBold)
    let page = doc.addPage([PAGE.width, PAGE.height])
    let y = PAGE.height - MARGIN
    const text = (s: string, x: number, size = 10, f = font) => page.drawText(winAnsi(s), { x, y, size, font: f })
    const right = (s: string, xRight: number, size = 10, f = font) =>
      page.drawText(winAnsi(s), { x: xRight - f.widthOfTextAtSize(winAnsi(s), size), y, size, font: f })
    const amountX = PAGE.width - MARGIN
    const tableHeader = () => {
      text("Description", MARGIN, 10, bold)
      text("Quantity", 360, 10, bold)
      right("Amount", amountX, 10, bold)
      y -= 16
    }
    /** Starts a new page (headed "continued", the table's header again) when `height` points do not fit. */
    const room = (height: number, withHeader: boolean) => {
      if (y - height >= MARGIN + FOOTER) return
      page = doc.addPage([PAGE.width, PAGE.height])
      y = PAGE.height - MARGIN
      text(`Invoice ${invoice.number} (continued)`, MARGIN, 12, bold)
      y -= 22
      if (withHeader) tableHeader()
    }
    text(`Invoice ${invoice.number}`, MARGIN, 18, bold)
    y -= 28
    for (const line of [
      `Customer: ${tenant}`,
      `Status: ${invoice.status}`,
      `Period: ${day(invoice.period_start)} to ${day(invoice.period_end)}`,
      `Plan: ${invoice.plan_code} (version ${invoice.plan_version})`,
      `Issued: ${day(invoice.finalized_at ?? invoice.created_at)}`
    ]) {
      text(line, MARGIN)
      y -= 14
    }
    y -= 14
    tableHeader()
    for (const l of invoice.lines) {
      room(14, true)
      text(l.description.slice(0, 60), MARGIN)
      text(String(l.quantity), 360)
      right(formatAmount(l.amount, invoice.currency), amountX)
      y -= 14
    }
    y -= 10
    // The totals stay together on one page.
    room(3 * 14, false)
    for (const [label, amount] of [
      ["Subtotal", invoice.subtotal],
      // Each rate has its own tax line above; the total of taxes here.
      [`Tax (${invoice.tax_rate_bps / 100} % in all)`, invoice.tax],
      ["Total", invoice.total]
    ] as const) {
      text(label, 360, 10, label === "Total" ? bold : font)
      right(formatAmount(amount, invoice.currency), amountX, 10, label === "Total" ? bold : font)
      y -= 14
    }
    const pages = doc.getPages()
    if (pages.length > 1)
      pages.forEach((p, i) => {
        const label = winAnsi(`${invoice.number} - page ${i + 1} of ${pages.length}`)
        p.drawText(label, { x: amountX - font.widthOfTextAtSize(label, 8), y: MARGIN / 2, size: 8, font })
      })
    return doc.save({ useObjectStreams: false })
  })

/**
 * Renders credit note `note` of tenant `tenant` as PDF bytes (one A4 page,
 * titled with the note's number; the same bytes every time). Never fails.
 */
export const renderCreditNotePdf = (note: CreditNote, tenant: string): Effect.Effect<Uint8Array> =>
  Effect.promise(async () => {
    const doc = await PDFDocument.create()
    const when = new Date(DateTime.toEpochMillis(note.created_at))
    doc.setTitle(note.number)
    doc.setSubject(`Credit note ${note.number} for ${tenant}, invoice ${note.invoice_number}`)
    doc.setProducer("Signet")
    doc.setCreationDate(when)
    doc.setModificationDate(when)
    const font = await doc.embedFont(StandardFonts.Helvetica)
    const bold = await doc.embedFont(StandardFonts.HelveticaBold)
    const page = doc.addPage([PAGE.width, PAGE.height])
    let y = PAGE.height - MARGIN
    const text = (s: string, x: number, size = 10, f = font) => page.drawText(winAnsi(s), { x, y, size, font: f })
    const right = (s: string, xRight: number, size = 10, f = font) =>
      page.drawText(winAnsi(s), { x: xRight - f.widthOfTextAtSize(winAnsi(s), size), y, size, font: f })
    text(`Credit note ${note.number}`, MARGIN, 18, bold)
    y -= 28
    for (const line of [
      `Customer: ${tenant}`,
      `Credits invoice: ${note.invoice_number}`,
      `Issued: ${day(note.created_at)}`,
      `Reason: ${note.reason.slice(0, 90)}`
    ]) {
      text(line, MARGIN)
      y -= 14
    }
    y -= 14
    const amountX = PAGE.width - MARGIN
    text("Description", MARGIN, 10, bold)
    text("Invoice line", 360, 10, bold)
    right("Credit", amountX, 10, bold)
    y -= 16
    for (const l of note.lines.slice(0, MAX_ROWS)) {
      text(l.description.slice(0, 60), MARGIN)
      text(l.invoice_line === null ? "-" : String(l.invoice_line + 1), 360)
      right(formatAmount(l.amount, note.currency), amountX)
      y -= 14
    }
    y -= 10
    text("Total credited", 360, 10, bold)
    right(formatAmount(note.total, note.currency), amountX, 10, bold)
    return doc.save({ useObjectStreams: false })
  })
