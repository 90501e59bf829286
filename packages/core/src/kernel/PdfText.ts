/**
 * Text for the PDFs the core draws with pdf-lib's standard Helvetica (the
 * sign-in cards of `accounts/CardsPdf.ts`, the invoices of
 * `billing/InvoicePdf.ts`). One rule for both, so a name that draws on a card
 * draws on an invoice.
 *
 * @module
 */

/**
 * `text` with every character that WinAnsi (the standard fonts' encoding)
 * cannot draw replaced by `?`: printable ASCII and Latin-1, the euro sign,
 * en and em dashes, the ellipsis, curly quotes and the bullet are kept.
 * pdf-lib throws on any other character, so every text drawn goes through
 * this. (The class is spelled with `\u` escapes: the binary's bundle stays
 * ASCII, docs/binary.md.)
 */
export const winAnsi = (text: string): string =>
  text.replace(/[^\x20-\x7e\xa0-\xff\u20ac\u2013\u2014\u2026\u2018\u2019\u201c\u201d\u2022]/g, "?")
