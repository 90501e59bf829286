/**
 * The payments' SQL (issue 20 "Payments"; migrations 0005, 0007): the only
 * writer of `billing_payment_customers`, `billing_payment_events`,
 * `billing_payment_invoices`, `billing_payment_refunds`,
 * `billing_payment_disputes` and `billing_payment_refs`. The tenant-owned
 * ones are read and written for the `CurrentTenant` only, inside
 * `tenantTx` (row-level security on Postgres); `billing_payment_refs` is
 * platform level (`refOf` runs outside any tenant).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { DbCount, instant, repoSpan } from "../kernel/Sql.js"

/** What `billing_payment_events` says of an event once handled. */
export type PaymentEventOutcome = "applied" | "stale" | "ignored"

/** A provider event about to be handled (see {@link PaymentsRepo} `claimEvent`). */
export interface NewPaymentEvent {
  readonly eventId: string
  readonly type: string
  /** The Signet invoice number the event concerns. */
  readonly objectKey: string
  /** The provider's `created` instant of the event. */
  readonly created: DateTime.Utc
  readonly at: DateTime.Utc
}

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const customers = Schema.decodeUnknown(Schema.Array(Schema.Struct({ customer_id: Schema.String })))
const synced = Schema.decodeUnknown(
  Schema.Array(Schema.Struct({ provider_invoice_id: Schema.String, hosted_url: Schema.NullOr(Schema.String) }))
)
const refs = Schema.decodeUnknown(
  Schema.Array(Schema.Struct({ tenant_id: Schema.String, invoice_number: Schema.String }))
)
const totals = Schema.decodeUnknown(Schema.Array(Schema.Struct({ refunded_total: DbCount })))
const disputes = Schema.decodeUnknown(Schema.Array(Schema.Struct({ status: Schema.String, closed: Schema.Boolean })))
const latest = Schema.decodeUnknown(Schema.Array(Schema.Struct({ at: Schema.NullOr(Schema.DateTimeUtc) })))

/** The statements over `billing_payment_events` (provider webhooks handled, their outcomes). */
const eventStatements = (sql: SqlClient.SqlClient, span: ReturnType<typeof repoSpan>) => ({
  /**
   * Records an event as being handled (outcome `ignored` until
   * `setOutcome`); `false` when its id was recorded before (a replay, or
   * a concurrent delivery that committed first).
   */
  claimEvent: (e: NewPaymentEvent) =>
    Effect.flatMap(
      tid,
      (t) => sql`INSERT INTO billing_payment_events (tenant_id, event_id, type, object_key, event_created,
        outcome, processed_at)
      VALUES (${t}, ${e.eventId}, ${e.type}, ${e.objectKey}, ${instant(e.created)}, 'ignored', ${instant(e.at)})
      ON CONFLICT DO NOTHING RETURNING event_id`
    ).pipe(
      Effect.map((rows) => rows.length > 0),
      span("claimEvent")
    ),
  /** Sets the outcome of a claimed event. */
  setOutcome: (eventId: string, outcome: PaymentEventOutcome) =>
    Effect.flatMap(
      tid,
      (t) => sql`UPDATE billing_payment_events SET outcome = ${outcome}
      WHERE tenant_id = ${t} AND event_id = ${eventId}`
    ).pipe(Effect.asVoid, span("setOutcome")),
  /** The `created` instant of the newest event applied to invoice `objectKey`, if any. */
  latestApplied: (objectKey: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT MAX(event_created) AS at FROM billing_payment_events
      WHERE tenant_id = ${t} AND object_key = ${objectKey} AND outcome = 'applied'`
    ).pipe(
      Effect.flatMap(latest),
      Effect.map((rows) => Option.fromNullable(rows[0]?.at)),
      span("latestApplied")
    ),
  /** Whether a provider event of `type` about invoice `objectKey` was applied (the change came from the provider). */
  appliedEventOfType: (objectKey: string, type: string) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT event_id FROM billing_payment_events
      WHERE tenant_id = ${t} AND object_key = ${objectKey} AND type = ${type} AND outcome = 'applied'
      LIMIT 1`
    ).pipe(
      Effect.map((rows) => rows.length > 0),
      span("appliedEventOfType")
    )
})

/** The payments' SQL; see the module comment. */
export class PaymentsRepo extends Effect.Service<PaymentsRepo>()("Signet/PaymentsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const span = repoSpan("PaymentsRepo")
    return {
      /** The current tenant's customer id at `provider`. */
      customerOf: (provider: "stripe") =>
        Effect.flatMap(
          tid,
          (t) =>
            sql`SELECT customer_id FROM billing_payment_customers WHERE tenant_id = ${t} AND provider = ${provider}`
        ).pipe(
          Effect.flatMap(customers),
          Effect.map((rows) => Option.fromNullable(rows[0]?.customer_id)),
          span("customerOf")
        ),
      /** Stores the current tenant's customer id; a concurrent first store wins (nothing replaced). */
      insertCustomer: (provider: "stripe", customerId: string, at: DateTime.Utc) =>
        Effect.flatMap(
          tid,
          (t) => sql`INSERT INTO billing_payment_customers (tenant_id, provider, customer_id, created_at)
              VALUES (${t}, ${provider}, ${customerId}, ${instant(at)}) ON CONFLICT DO NOTHING`
        ).pipe(Effect.asVoid, span("insertCustomer")),
      /** The provider invoice mirroring the current tenant's invoice `number`, if synced. */
      syncedInvoice: (number: string) =>
        Effect.flatMap(
          tid,
          (t) => sql`SELECT provider_invoice_id, hosted_url FROM billing_payment_invoices
              WHERE tenant_id = ${t} AND invoice_number = ${number}`
        ).pipe(
          Effect.flatMap(synced),
          Effect.map((rows) => Option.fromNullable(rows[0])),
          span("syncedInvoice")
        ),
      /** Records the provider invoice of invoice `number`; a concurrent first record wins (nothing replaced). */
      insertSyncedInvoice: (number: string, providerInvoiceId: string, hostedUrl: string | null, at: DateTime.Utc) =>
        Effect.flatMap(
          tid,
          (t) => sql`INSERT INTO billing_payment_invoices (tenant_id, invoice_number, provider, provider_invoice_id,
                hosted_url, synced_at)
              VALUES (${t}, ${number}, 'stripe', ${providerInvoiceId}, ${hostedUrl}, ${instant(at)})
              ON CONFLICT DO NOTHING`
        ).pipe(Effect.asVoid, span("insertSyncedInvoice")),
      /** Records that payment `reference` paid the current tenant's invoice `number` (first record wins). */
      insertRef: (reference: string, number: string, at: DateTime.Utc) =>
        Effect.flatMap(
          tid,
          (t) => sql`INSERT INTO billing_payment_refs (provider, reference, tenant_id, invoice_number, created_at)
              VALUES ('stripe', ${reference}, ${t}, ${number}, ${instant(at)}) ON CONFLICT DO NOTHING`
        ).pipe(Effect.asVoid, span("insertRef")),
      /** The tenant and invoice payment `reference` paid, if Signet applied it (platform level). */
      refOf: (reference: string) =>
        sql`SELECT tenant_id, invoice_number FROM billing_payment_refs
            WHERE provider = 'stripe' AND reference = ${reference}`.pipe(
          Effect.flatMap(refs),
          Effect.map((rows) => Option.fromNullable(rows[0])),
          span("refOf")
        ),
      /** The amount refunded so far of charge `chargeId` (0 when none; integer minor units). */
      refundedTotal: (chargeId: string) =>
        Effect.flatMap(
          tid,
          (t) =>
            sql`SELECT refunded_total FROM billing_payment_refunds WHERE tenant_id = ${t} AND charge_id = ${chargeId}`
        ).pipe(
          Effect.flatMap(totals),
          Effect.map((rows) => rows[0]?.refunded_total ?? 0),
          span("refundedTotal")
        ),
      /** Sets the refunded total of charge `chargeId` (of invoice `number`); callers only ever raise it. */
      setRefunded: (chargeId: string, number: string, currency: string, total: number, at: DateTime.Utc) =>
        Effect.flatMap(
          tid,
          (
            t
          ) => sql`INSERT INTO billing_payment_refunds (tenant_id, charge_id, invoice_number, currency, refunded_total,
                updated_at)
              VALUES (${t}, ${chargeId}, ${number}, ${currency}, ${total}, ${instant(at)})
              ON CONFLICT (tenant_id, charge_id) DO UPDATE SET refunded_total = ${total}, updated_at = ${instant(at)}`
        ).pipe(Effect.asVoid, span("setRefunded")),
      /** Dispute `disputeId`'s status and whether it is closed, if recorded. */
      disputeOf: (disputeId: string) =>
        Effect.flatMap(
          tid,
          (t) => sql`SELECT status, CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END AS closed
              FROM billing_payment_disputes WHERE tenant_id = ${t} AND dispute_id = ${disputeId}`
        ).pipe(
          Effect.map((rows) => rows.map((r) => ({ ...r, closed: Number(r.closed) === 1 }))),
          Effect.flatMap(disputes),
          Effect.map((rows) => Option.fromNullable(rows[0])),
          span("disputeOf")
        ),
      /** Records or updates dispute `disputeId` of invoice `number` (`closedAt` null while open). */
      upsertDispute: (d: {
        readonly disputeId: string
        readonly number: string
        readonly currency: string
        readonly amount: number
        readonly status: string
        readonly at: DateTime.Utc
        readonly closedAt: DateTime.Utc | null
      }) =>
        Effect.flatMap(
          tid,
          (
            t
          ) => sql`INSERT INTO billing_payment_disputes (tenant_id, dispute_id, invoice_number, currency, amount, status,
                opened_at, closed_at)
              VALUES (${t}, ${d.disputeId}, ${d.number}, ${d.currency}, ${d.amount}, ${d.status}, ${instant(d.at)},
                ${d.closedAt === null ? null : instant(d.closedAt)})
              ON CONFLICT (tenant_id, dispute_id) DO UPDATE SET status = ${d.status},
                closed_at = ${d.closedAt === null ? null : instant(d.closedAt)}`
        ).pipe(Effect.asVoid, span("upsertDispute")),
      ...eventStatements(sql, span)
    } as const
  })
}) {}
