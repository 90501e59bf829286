/**
 * The payments' SQL (issue 20 "Payments"; migrations 0005, 0007): the only
 * writer of `billing_payment_customers`, `billing_payment_events` and
 * `billing_payment_invoices`. Both are
 * tenant-owned: every method reads and writes the `CurrentTenant`'s rows
 * only and runs inside `tenantTx` (row-level security on Postgres).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { instant, repoSpan } from "../kernel/Sql.js"

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
const latest = Schema.decodeUnknown(Schema.Array(Schema.Struct({ at: Schema.NullOr(Schema.DateTimeUtc) })))

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
        )
    } as const
  })
}) {}
