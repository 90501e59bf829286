/**
 * The sign-in card PDF (issue 18 "printable sign-in cards"): A4 pages of
 * {@link CARDS_PER_PAGE} cards (2 columns × 4 rows, dashed cut lines), each
 * with the tenant and group names, the student's name, the QR code of the
 * single-use accept link, the link in short and its expiry. Drawn with
 * `pdf-lib` (as `billing/InvoicePdf.ts`), QR codes with `qrcode` (as
 * `attendance/Qr.ts`), embedded as PNG images, one per card in card order.
 *
 * @module
 */
import { CARDS_PER_PAGE } from "@signet/contracts/accounts/Invitations"
import { DateTime, Effect } from "effect"
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from "pdf-lib"
import QRCode from "qrcode"
import { winAnsi } from "../kernel/PdfText.js"

/** What one card shows. `url` is the accept link, token included: it is printed and encoded, nowhere else. */
export interface CardContent {
  readonly name: string
  readonly tenantName: string
  readonly groupName: string
  readonly url: string
  readonly expires: DateTime.Utc
}

/** A4 in points. */
const PAGE = { width: 595.28, height: 841.89 } as const
const COLUMNS = 2
const ROWS = CARDS_PER_PAGE / COLUMNS
const CARD = { width: PAGE.width / COLUMNS, height: PAGE.height / ROWS } as const
const PAD = 14
const QR_SIZE = 120

/** `text` cut to fit `width` at `size` (ending in `…` when cut). */
const fit = (text: string, font: PDFFont, size: number, width: number) => {
  let s = winAnsi(text)
  if (font.widthOfTextAtSize(s, size) <= width) return s
  while (s.length > 1 && font.widthOfTextAtSize(`${s}…`, size) > width) s = s.slice(0, -1)
  return `${s}…`
}

/** `text` in lines of at most `width` (hard breaks: a link has no spaces), at most `max` lines. */
const wrap = (text: string, font: PDFFont, size: number, width: number, max: number) => {
  const lines: Array<string> = []
  let line = ""
  for (const ch of winAnsi(text)) {
    if (font.widthOfTextAtSize(line + ch, size) > width) {
      lines.push(line)
      line = ""
    }
    line += ch
  }
  if (line) lines.push(line)
  return lines.slice(0, max)
}

/** The link as printed: without the scheme (typing it stays possible). */
const shortLink = (url: string) => url.replace(/^https?:\/\//, "")

/** Draws one card whose lower left corner is (`x`, `y`). */
const drawCard = (
  page: PDFPage,
  at: { readonly x: number; readonly y: number },
  card: CardContent,
  fonts: { readonly regular: PDFFont; readonly bold: PDFFont },
  qr: Awaited<ReturnType<PDFDocument["embedPng"]>>
) => {
  const { x, y } = at
  const grey = rgb(0.45, 0.45, 0.45)
  page.drawRectangle({
    x,
    y,
    width: CARD.width,
    height: CARD.height,
    borderColor: grey,
    borderWidth: 0.5,
    borderDashArray: [4, 3]
  })
  const textWidth = CARD.width - 3 * PAD - QR_SIZE
  const top = y + CARD.height - PAD
  const text = (s: string, dy: number, size: number, font: PDFFont, color = rgb(0, 0, 0)) =>
    page.drawText(fit(s, font, size, textWidth), { x: x + PAD, y: top - dy, size, font, color })
  text(card.tenantName, 10, 9, fonts.bold, grey)
  text(card.groupName, 22, 9, fonts.regular, grey)
  text(card.name, 44, 13, fonts.bold)
  text("Scan the code to set your", 66, 9, fonts.regular)
  text("password or passkey.", 78, 9, fonts.regular)
  text("Valid once, until", 96, 8, fonts.regular)
  text(`${DateTime.formatIso(card.expires).slice(0, 16).replace("T", " ")} UTC`, 106, 8, fonts.bold)
  page.drawImage(qr, { x: x + CARD.width - PAD - QR_SIZE, y: top - QR_SIZE, width: QR_SIZE, height: QR_SIZE })
  const lines = wrap(shortLink(card.url), fonts.regular, 6.5, CARD.width - 2 * PAD, 3)
  for (const [i, line] of lines.entries())
    page.drawText(line, { x: x + PAD, y: y + PAD + (lines.length - 1 - i) * 8, size: 6.5, font: fonts.regular })
}

/**
 * Renders `cards` as PDF bytes (`%PDF-1.7`): ⌈n / {@link CARDS_PER_PAGE}⌉
 * A4 pages (one blank page when `cards` is empty), cards left to right,
 * top to bottom, one QR PNG image per card in that order. Never fails: the
 * library throwing is a defect.
 */
export const renderSignInCards = (
  cards: ReadonlyArray<CardContent>,
  meta: { readonly tenantName: string; readonly groupName: string }
): Effect.Effect<Uint8Array> =>
  Effect.promise(async () => {
    const doc = await PDFDocument.create()
    doc.setTitle(winAnsi(`Sign-in cards: ${meta.groupName}`))
    doc.setSubject(winAnsi(`Sign-in cards of ${meta.groupName} (${meta.tenantName})`))
    doc.setProducer("Signet")
    doc.setCreator("Signet")
    const fonts = {
      regular: await doc.embedFont(StandardFonts.Helvetica),
      bold: await doc.embedFont(StandardFonts.HelveticaBold)
    }
    let page: PDFPage | undefined
    for (const [i, card] of cards.entries()) {
      const slot = i % CARDS_PER_PAGE
      if (slot === 0 || page === undefined) page = doc.addPage([PAGE.width, PAGE.height])
      const png = await QRCode.toBuffer(card.url, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 4 })
      const qr = await doc.embedPng(png)
      const col = slot % COLUMNS
      const row = Math.floor(slot / COLUMNS)
      drawCard(page, { x: col * CARD.width, y: PAGE.height - (row + 1) * CARD.height }, card, fonts, qr)
    }
    if (cards.length === 0) doc.addPage([PAGE.width, PAGE.height])
    return doc.save()
  })
