/**
 * Corrections of invoices (issue 20 "credit notes for corrections", "late
 * events within a grace window land in the right period"; seed 003
 * "invoicing with PDF"; Lago's and Stripe Billing's credit notes): what
 * crosses the wire for credit notes and the refusal of usage that arrives
 * after its period was closed.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Amount, Currency } from "./Domain.js"

/** A credit note's id (UUIDv7). */
export const CreditNoteId = Schema.UUID.pipe(
  Schema.brand("CreditNoteId"),
  Schema.annotations({ identifier: "CreditNoteId" })
)
/** @see CreditNoteId */
export type CreditNoteId = typeof CreditNoteId.Type

/** `CN-<year>-<000001…>`: a credit note number (its own series per tenant and UTC year, without gaps). */
export const CREDIT_NOTE_NUMBER_PATTERN = /^CN-\d{4}-\d{6,}$/

/** Lines one credit note may have at most (one PDF page). */
export const MAX_CREDIT_NOTE_LINES = 40

/**
 * One line of a credit note to issue: `amount` (integer minor units, > 0)
 * credited against line `invoice_line` (its index in the invoice's
 * `lines`, 0-based; never more than that line's amount minus what earlier
 * credit notes credited on it), or a free amount (no `invoice_line`) with a
 * `description` saying what it is for.
 */
export class CreditNoteLineInput extends Schema.Class<CreditNoteLineInput>("CreditNoteLineInput")({
  invoice_line: Schema.optional(Schema.Int.pipe(Schema.between(0, 999))),
  amount: Amount.pipe(Schema.greaterThanOrEqualTo(1)),
  description: Schema.optional(Schema.String.pipe(Schema.trimmed(), Schema.minLength(1), Schema.maxLength(200)))
}) {}

/**
 * Body of `POST …/billing/invoices/{number}/credit-notes`: a reason (why
 * the invoice is corrected) and 1–{@link MAX_CREDIT_NOTE_LINES} lines.
 */
export class CreateCreditNote extends Schema.Class<CreateCreditNote>("CreateCreditNote")({
  reason: Schema.String.pipe(Schema.trimmed(), Schema.minLength(1), Schema.maxLength(500)),
  lines: Schema.Array(CreditNoteLineInput).pipe(Schema.minItems(1), Schema.maxItems(MAX_CREDIT_NOTE_LINES))
}) {}

/** A stored credit note line: the invoice line it credits (null: a free amount), what it is, the amount. */
export class CreditNoteLine extends Schema.Class<CreditNoteLine>("CreditNoteLine")({
  invoice_line: Schema.NullOr(Schema.Int),
  description: Schema.String,
  amount: Amount
}) {}

/**
 * A credit note (issue 20 "credit notes for corrections"): an immutable
 * document crediting part of a finalized or paid invoice, numbered in its
 * own gap-free series per tenant and UTC year. `total` is the sum of the
 * lines, in integer minor units of the invoice's `currency`; amounts are
 * taken as they stand on the invoice (tax included: a credit note does not
 * split tax out).
 */
export class CreditNote extends Schema.Class<CreditNote>("CreditNote")({
  id: CreditNoteId,
  number: Schema.String,
  invoice_number: Schema.String,
  currency: Currency,
  lines: Schema.Array(CreditNoteLine),
  total: Amount,
  reason: Schema.String,
  /** The actor who issued it (`user:<id>`, `operator`, `api_key:<id>`…). */
  created_by: Schema.String,
  created_at: Schema.DateTimeUtc
}) {}

/**
 * 409 — a credit note would credit more than the invoice (or one of its
 * lines) has left: `available` = `invoice_total` (or the line's amount)
 * minus `credited` by earlier credit notes; `requested` is what this one
 * asked. Nothing is written.
 */
export class CreditExceedsInvoice extends Schema.TaggedError<CreditExceedsInvoice>()(
  "CreditExceedsInvoice",
  {
    message: Schema.String,
    number: Schema.String,
    /** The invoice line concerned, or null for the invoice as a whole. */
    invoice_line: Schema.NullOr(Schema.Int),
    invoice_total: Schema.Int,
    credited: Schema.Int,
    requested: Schema.Int,
    available: Schema.Int
  },
  HttpApiSchema.annotations({ status: 409, description: "The credit note exceeds what the invoice has left" })
) {}

/**
 * 422 — a usage event whose `time` falls in a period already closed (its
 * invoice finalized) cannot be counted any more: `closed_through` is the
 * end of the last closed period, `grace_hours` the late-usage window the
 * close waits after a period's end. Nothing of the batch is written.
 */
export class LateUsageRefused extends Schema.TaggedError<LateUsageRefused>()(
  "LateUsageRefused",
  {
    message: Schema.String,
    field: Schema.String,
    closed_through: Schema.DateTimeUtc,
    grace_hours: Schema.Int
  },
  HttpApiSchema.annotations({ status: 422, description: "Usage of an already closed billing period" })
) {}
