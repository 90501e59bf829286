/**
 * The SQL of invoice corrections (issue 20 "proration", "credit notes for
 * corrections", "late events within a grace window"; migration 0006): the
 * only writer of `billing_prorations`, `billing_credit_notes` and
 * `billing_credit_note_counters`. Kept apart from `Repo.ts` (which stays
 * the only writer of invoices and subscriptions) so neither file outgrows
 * the size guard. Every method reads and writes the `CurrentTenant`'s rows
 * only and runs inside `tenantTx` (row-level security on Postgres).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CreditNoteId, CreditNoteLine } from "@signet/contracts/billing/Corrections"
import { InvoiceId, type SubscriptionId } from "@signet/contracts/billing/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { DbCount, DbJson, instant, json, repoSpan } from "../kernel/Sql.js"

/** A `billing_prorations` row: one immediate plan change in a period, with the figures `Pricing.prorate` computed. */
export const ProrationRow = Schema.Struct({
  id: Schema.String,
  subscription_id: Schema.String,
  period_start: Schema.DateTimeUtc,
  changed_at: Schema.DateTimeUtc,
  /** The old plan version as printed (`Name (code vN)`). */
  old_plan: Schema.String,
  /** The new plan version as printed. */
  new_plan: Schema.String,
  old_fixed_amount: DbCount,
  new_fixed_amount: DbCount,
  seconds_in_period: DbCount,
  seconds_remaining: DbCount,
  credit: DbCount,
  charge: DbCount
})
/** @see ProrationRow */
export type ProrationRow = typeof ProrationRow.Type

/** A `billing_credit_notes` row. */
export const CreditNoteRow = Schema.Struct({
  id: CreditNoteId,
  number: Schema.String,
  invoice_id: InvoiceId,
  invoice_number: Schema.String,
  currency: Schema.String,
  lines: Schema.compose(DbJson, Schema.Array(CreditNoteLine)),
  total: DbCount,
  reason: Schema.String,
  created_by: Schema.String,
  created_at: Schema.DateTimeUtc
})
/** @see CreditNoteRow */
export type CreditNoteRow = typeof CreditNoteRow.Type

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const prorations = Schema.decodeUnknown(Schema.Array(ProrationRow))
const creditNotes = Schema.decodeUnknown(Schema.Array(CreditNoteRow))
const encodeLines = Schema.encodeSync(Schema.Array(CreditNoteLine))
const latestEnd = Schema.decodeUnknown(Schema.Array(Schema.Struct({ at: Schema.NullOr(Schema.DateTimeUtc) })))

/** The corrections' SQL; see the module comment. */
export class CorrectionsRepo extends Effect.Service<CorrectionsRepo>()("Signet/CorrectionsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const span = repoSpan("CorrectionsRepo")
    return {
      /** Stores the proration of an immediate plan change (`Billing.changePlan`, in the change's transaction). */
      insertProration: (p: ProrationRow) =>
        Effect.flatMap(
          tid,
          (t) => sql`INSERT INTO billing_prorations (tenant_id, id, subscription_id, period_start, changed_at,
                old_plan, new_plan, old_fixed_amount, new_fixed_amount, seconds_in_period, seconds_remaining,
                credit, charge)
              VALUES (${t}, ${p.id}, ${p.subscription_id}, ${instant(p.period_start)}, ${instant(p.changed_at)},
                ${p.old_plan}, ${p.new_plan}, ${p.old_fixed_amount}, ${p.new_fixed_amount}, ${p.seconds_in_period},
                ${p.seconds_remaining}, ${p.credit}, ${p.charge})`
        ).pipe(Effect.asVoid, span("insertProration")),
      /** The prorations of a subscription's period starting at `start`, in the order the changes happened. */
      prorationsOf: (subscription: SubscriptionId, start: DateTime.Utc) =>
        Effect.flatMap(
          tid,
          (t) => sql`SELECT * FROM billing_prorations WHERE tenant_id = ${t} AND subscription_id = ${subscription}
              AND period_start = ${instant(start)} ORDER BY changed_at, id`
        ).pipe(Effect.flatMap(prorations), span("prorationsOf")),
      /**
       * The end of the current tenant's last invoiced period (usage before
       * it can no longer be invoiced), if any invoice exists. Reads
       * `billing_invoices` (written by `Repo.ts` only).
       */
      closedThrough: Effect.flatMap(
        tid,
        (t) => sql`SELECT MAX(period_end) AS at FROM billing_invoices WHERE tenant_id = ${t}`
      ).pipe(
        Effect.flatMap(latestEnd),
        Effect.map((rows) => Option.fromNullable(rows[0]?.at)),
        span("closedThrough")
      ),
      /**
       * Postgres: serialises the current tenant's credit notes until the
       * caller's transaction ends (the check against what is left to credit
       * and the insert must not interleave); SQLite has one writer already.
       */
      lockCreditNotes: Effect.flatMap(tid, (t) =>
        sql.onDialectOrElse({
          pg: () => sql`SELECT pg_advisory_xact_lock(hashtext(${`signet.credit_note:${t}`}))`.pipe(Effect.asVoid),
          orElse: () => Effect.void
        })
      ).pipe(span("lockCreditNotes")),
      /** The next credit note number of the current tenant in `year` (1, 2, …), without gaps (see `Repo.nextInvoiceNumber`). */
      nextCreditNoteNumber: (year: number) =>
        Effect.flatMap(
          tid,
          (t) => sql<{
            last_number: number | string
          }>`INSERT INTO billing_credit_note_counters (tenant_id, year, last_number)
              VALUES (${t}, ${year}, 1)
              ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = billing_credit_note_counters.last_number + 1
              RETURNING last_number`
        ).pipe(
          Effect.map((rows) => Number(rows[0]!.last_number)),
          span("nextCreditNoteNumber")
        ),
      /** Stores a credit note of the current tenant (never updated nor deleted afterwards). */
      insertCreditNote: (c: CreditNoteRow) =>
        Effect.flatMap(
          tid,
          (t) => sql`INSERT INTO billing_credit_notes (tenant_id, id, number, invoice_id, invoice_number, currency,
                lines, total, reason, created_by, created_at)
              VALUES (${t}, ${c.id}, ${c.number}, ${c.invoice_id}, ${c.invoice_number}, ${c.currency},
                ${json(encodeLines(c.lines))}, ${c.total}, ${c.reason}, ${c.created_by}, ${instant(c.created_at)})`
        ).pipe(Effect.asVoid, span("insertCreditNote")),
      /** The credit notes of an invoice, oldest first. */
      creditNotesOf: (invoice: InvoiceId) =>
        Effect.flatMap(
          tid,
          (t) => sql`SELECT * FROM billing_credit_notes WHERE tenant_id = ${t} AND invoice_id = ${invoice}
              ORDER BY created_at, number`
        ).pipe(Effect.flatMap(creditNotes), span("creditNotesOf")),
      /** The current tenant's credit note `number`. */
      creditNoteByNumber: (number: string) =>
        Effect.flatMap(
          tid,
          (t) => sql`SELECT * FROM billing_credit_notes WHERE tenant_id = ${t} AND number = ${number}`
        ).pipe(
          Effect.flatMap(creditNotes),
          Effect.map((rows) => Option.fromNullable(rows[0])),
          span("creditNoteByNumber")
        )
    } as const
  })
}) {}
