/**
 * Corrections of invoices (issue 20 "credit notes for corrections",
 * "proration", "late events within a grace window land in the right
 * period"; seed 003 "invoicing"; Lago's and Stripe Billing's credit
 * notes). Internal to `Billing.ts`; every operation runs in the current
 * tenant's transaction.
 *
 * - **Prorations** ({@link makeCorrections} `recordProration`): an
 *   immediate plan change's figures (`Subscriptions.changePlan`) are stored
 *   in the change's transaction, so the period's invoice carries them as
 *   lines (`InvoiceLines.prorationLines`).
 * - **Late usage** (`refuseLate`): an event whose `time` is before the end
 *   of the tenant's last invoiced period can no longer be counted: the
 *   batch is refused whole (422 `LateUsageRefused`, naming the event, the
 *   closed-through instant and the grace window), nothing written.
 * - **Credit notes** (`issue`): on a finalized or paid invoice (409
 *   `Conflict` otherwise), lines crediting an invoice line (at most what
 *   that line has left after earlier credit notes; only lines with a
 *   positive amount) or a free amount with a description; the total never
 *   exceeds the invoice's total minus earlier credit notes (409
 *   `CreditExceedsInvoice` with the numbers). Numbered `CN-<year>-<000001…>`
 *   per tenant and UTC year without gaps (counter in the note's own
 *   transaction; on Postgres an advisory lock per tenant serialises the
 *   check and the insert). Immutable (no update statement; a trigger
 *   refuses UPDATE and DELETE). Audit row `billing.credit_note.created` and
 *   event `signet.billing.credit_note.created` (data `{ credit_note }`) in
 *   the same transaction. The invoice itself does not change.
 *
 * @module
 */
import {
  type CreateCreditNote,
  CreditExceedsInvoice,
  CreditNote,
  CreditNoteId,
  CreditNoteLine,
  LateUsageRefused
} from "@signet/contracts/billing/Corrections"
import {
  type Invoice,
  InvoiceNotFound,
  type Plan,
  type PlanChangeResult,
  type UsageEvent
} from "@signet/contracts/billing/Domain"
import { CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import type { CorrectionsRepo, CreditNoteRow } from "./CorrectionsRepo.js"

/** Credit notes an invoice may have at most (each is a correction; more is a sign of a wrong invoice: void it). */
export const MAX_CREDIT_NOTES_PER_INVOICE = 100

/** `CN-<year>-<seq>`, the sequence zero-padded to six digits. */
export const formatCreditNoteNumber = (year: number, seq: number): string =>
  `CN-${year}-${String(seq).padStart(6, "0")}`

/** What the corrections are built from. */
export interface CorrectionDeps {
  readonly repo: CorrectionsRepo
  readonly audit: Audit
  readonly events: Events
  /** An invoice of the current tenant by number (`Invoices.get`). */
  readonly invoice: (number: string) => Effect.Effect<Invoice, InvoiceNotFound, CurrentTenant>
  /** Hours the period close waits for late usage (named in the refusal). */
  readonly lateUsageGraceHours: number
}

const encodeCreditNote = Schema.encodeSync(CreditNote)

/** A plan version as invoice lines print it: `Name (code vN)`. */
const planLabel = (plan: Plan) => `${plan.name} (${plan.code} v${plan.version})`

const present = (row: CreditNoteRow) =>
  new CreditNote({
    id: row.id,
    number: row.number,
    invoice_number: row.invoice_number,
    currency: row.currency,
    lines: row.lines,
    total: row.total,
    reason: row.reason,
    created_by: row.created_by,
    created_at: row.created_at
  })

/** Checks the lines against the invoice and what earlier credit notes took; answers the stored lines. */
const checkLines = (inv: Invoice, input: CreateCreditNote, earlier: ReadonlyArray<CreditNoteRow>) =>
  Effect.gen(function* () {
    const takenByLine = new Map<number, number>()
    for (const l of earlier.flatMap((c) => c.lines))
      if (l.invoice_line !== null) takenByLine.set(l.invoice_line, (takenByLine.get(l.invoice_line) ?? 0) + l.amount)
    const lines: Array<CreditNoteLine> = []
    for (const [i, l] of input.lines.entries()) {
      if (l.invoice_line === undefined) {
        if (l.description === undefined)
          return yield* ValidationError.field(`lines[${i}].description`, "a free amount needs a description")
        lines.push(new CreditNoteLine({ invoice_line: null, description: l.description, amount: l.amount }))
        continue
      }
      const target = inv.lines[l.invoice_line]
      if (target === undefined || target.amount <= 0)
        return yield* ValidationError.field(
          `lines[${i}].invoice_line`,
          `invoice ${inv.number} has no line ${l.invoice_line} with a positive amount (lines 0–${inv.lines.length - 1})`
        )
      const taken = takenByLine.get(l.invoice_line) ?? 0
      if (taken + l.amount > target.amount)
        return yield* new CreditExceedsInvoice({
          message: `line ${l.invoice_line} of ${inv.number} is ${target.amount}, ${taken} credited already: at most ${target.amount - taken} left, ${l.amount} asked`,
          number: inv.number,
          invoice_line: l.invoice_line,
          invoice_total: target.amount,
          credited: taken,
          requested: l.amount,
          available: target.amount - taken
        })
      takenByLine.set(l.invoice_line, taken + l.amount)
      lines.push(
        new CreditNoteLine({
          invoice_line: l.invoice_line,
          description: l.description ?? target.description,
          amount: l.amount
        })
      )
    }
    return lines
  })

/** The corrections over `deps`; see the module comment. Run inside the tenant's transaction. */
export const makeCorrections = ({ audit, events, invoice, lateUsageGraceHours, repo }: CorrectionDeps) => {
  /** Stores the proration of an immediate change (nothing for a change without one: at period end, in a trial). */
  const recordProration = (result: PlanChangeResult, oldPlan: Plan) =>
    Effect.gen(function* () {
      const p = result.proration
      if (p === null) return
      yield* repo.insertProration({
        id: yield* newId(CreditNoteId), // any UUIDv7; prorations have no public id
        subscription_id: result.subscription.id,
        period_start: p.period_start,
        changed_at: p.changed_at,
        old_plan: planLabel(oldPlan),
        new_plan: planLabel(result.subscription.plan),
        old_fixed_amount: p.old_fixed_amount,
        new_fixed_amount: p.new_fixed_amount,
        seconds_in_period: p.seconds_in_period,
        seconds_remaining: p.seconds_remaining,
        credit: p.credit,
        charge: p.charge
      })
    })

  /** Refuses a batch holding an event of an already closed period. @errors LateUsageRefused (422) */
  const refuseLate = (batch: ReadonlyArray<UsageEvent>) =>
    Effect.gen(function* () {
      const closed = yield* repo.closedThrough
      if (Option.isNone(closed)) return
      const i = batch.findIndex((e) => e.time !== undefined && DateTime.lessThan(e.time, closed.value))
      if (i < 0) return
      return yield* new LateUsageRefused({
        message:
          `events[${i}].time is before ${DateTime.formatIso(closed.value)}, the end of the last closed billing period: ` +
          `usage is counted until a period closes (${lateUsageGraceHours} h after its end)`,
        field: `events[${i}].time`,
        closed_through: closed.value,
        grace_hours: lateUsageGraceHours
      })
    })

  /**
   * Issues a credit note on the finalized or paid invoice `number`.
   * @errors InvoiceNotFound, Conflict (invoice not finalized or paid, too many notes), ValidationError (a line), CreditExceedsInvoice (409)
   */
  const issue = (number: string, input: CreateCreditNote) =>
    Effect.gen(function* () {
      yield* repo.lockCreditNotes
      const inv = yield* invoice(number)
      if (inv.status !== "finalized" && inv.status !== "paid")
        return yield* new Conflict({
          message: `invoice ${number} is ${inv.status}; only a finalized or paid invoice can be credited`
        })
      const earlier = yield* repo.creditNotesOf(inv.id)
      if (earlier.length >= MAX_CREDIT_NOTES_PER_INVOICE)
        return yield* new Conflict({
          message: `invoice ${number} has ${earlier.length} credit notes already (at most ${MAX_CREDIT_NOTES_PER_INVOICE})`
        })
      const lines = yield* checkLines(inv, input, earlier)
      const credited = earlier.reduce((sum, c) => sum + c.total, 0)
      const total = lines.reduce((sum, l) => sum + l.amount, 0)
      if (credited + total > inv.total)
        return yield* new CreditExceedsInvoice({
          message: `invoice ${number} totals ${inv.total}, ${credited} credited already: at most ${inv.total - credited} left, ${total} asked`,
          number,
          invoice_line: null,
          invoice_total: inv.total,
          credited,
          requested: total,
          available: inv.total - credited
        })
      const now = yield* DateTime.now
      const year = DateTime.getPartUtc(now, "year")
      const actor = yield* CurrentActor
      const row: CreditNoteRow = {
        id: yield* newId(CreditNoteId),
        number: formatCreditNoteNumber(year, yield* repo.nextCreditNoteNumber(year)),
        invoice_id: inv.id,
        invoice_number: inv.number,
        currency: inv.currency,
        lines,
        total,
        reason: input.reason,
        created_by: actor.id === null ? actor.kind : `${actor.kind}:${actor.id}`,
        created_at: now
      }
      yield* repo.insertCreditNote(row)
      const note = present(row)
      yield* audit.record({
        action: "billing.credit_note.created",
        targetType: "invoice",
        targetId: inv.id,
        after: note
      })
      yield* events.publish({
        type: "signet.billing.credit_note.created",
        subject: note.id,
        data: { credit_note: encodeCreditNote(note) }
      })
      return note
    })

  return {
    recordProration,
    refuseLate,
    issue,
    /** The credit notes of invoice `number`, oldest first. @errors InvoiceNotFound */
    listOf: (number: string) =>
      Effect.flatMap(invoice(number), (inv) => Effect.map(repo.creditNotesOf(inv.id), (rows) => rows.map(present))),
    /** One credit note by number (`CN-…`). @errors InvoiceNotFound (the note, by its number) */
    get: (number: string) =>
      Effect.flatMap(repo.creditNoteByNumber(number), (row) =>
        Option.match(row, {
          onNone: () => Effect.fail(new InvoiceNotFound({ message: `no credit note ${number}`, number })),
          onSome: (r) => Effect.succeed(present(r))
        })
      )
  } as const
}
