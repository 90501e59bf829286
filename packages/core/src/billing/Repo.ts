/**
 * The billing module's SQL (issue 20, first slice): the only writer of
 * `billing_plans`, `billing_platform_meters`, `billing_meters`,
 * `billing_subscriptions`, `billing_usage_events`, `billing_quota_warnings`,
 * `billing_invoices` and `billing_invoice_counters`. Tenant-owned tables
 * are read and written for the `CurrentTenant` only; callers run those
 * methods inside `tenantTx` (row-level security on Postgres). Rows are
 * decoded once into the domain shapes.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  BillingInterval,
  DowngradePolicy,
  Entitlements,
  InvoiceId,
  InvoiceLine,
  InvoiceStatus,
  MeterAggregation,
  type PlanId,
  SubscriptionId,
  SubscriptionStatus,
  UsageCharge
} from "@signet/contracts/billing/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type DateTime, Effect, Option, Schema } from "effect"
import { bool, DbBool, DbCount, DbJson, instant, json, repoSpan } from "../kernel/Sql.js"

/** A `billing_plans` row (one version). */
export const PlanRow = Schema.Struct({
  id: Schema.String,
  code: Schema.String,
  version: DbCount,
  name: Schema.String,
  billing_interval: BillingInterval,
  currency: Schema.String,
  fixed_amount: DbCount,
  charges: Schema.compose(DbJson, Schema.Array(UsageCharge)),
  entitlements: Schema.compose(DbJson, Entitlements),
  downgrade_policy: DowngradePolicy,
  downgrade_to: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc
})
/** @see PlanRow */
export type PlanRow = typeof PlanRow.Type

/** A meter row (platform or tenant). */
export const MeterRow = Schema.Struct({
  code: Schema.String,
  name: Schema.String,
  event_type: Schema.String,
  aggregation: MeterAggregation,
  value_path: Schema.NullOr(Schema.String),
  dimensions: Schema.compose(DbJson, Schema.Record({ key: Schema.String, value: Schema.String })),
  created_at: Schema.DateTimeUtc
})
/** @see MeterRow */
export type MeterRow = typeof MeterRow.Type

/** A `billing_subscriptions` row. */
export const SubscriptionRow = Schema.Struct({
  id: SubscriptionId,
  plan_id: Schema.String,
  scheduled_plan_id: Schema.NullOr(Schema.String),
  status: SubscriptionStatus,
  current_period_start: Schema.DateTimeUtc,
  current_period_end: Schema.DateTimeUtc,
  trial_end: Schema.NullOr(Schema.DateTimeUtc),
  cancel_at_period_end: DbBool,
  canceled_at: Schema.NullOr(Schema.DateTimeUtc),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc,
  /** When a failed payment made it `past_due` (0005); `null` otherwise. */
  past_due_at: Schema.optionalWith(Schema.NullOr(Schema.DateTimeUtc), { default: () => null })
})
/** @see SubscriptionRow */
export type SubscriptionRow = typeof SubscriptionRow.Type

/** A stored usage event as a meter reads it. */
export const EventRow = Schema.Struct({
  id: Schema.String,
  subject: Schema.String,
  occurred_at: Schema.DateTimeUtc,
  data: DbJson
})
/** @see EventRow */
export type EventRow = typeof EventRow.Type

/** Where a page of `scanEvents` ends: the last event's time and id (events are ordered by both). */
export interface EventCursor {
  readonly at: DateTime.Utc
  readonly id: string
}

/** A `billing_invoices` row. */
export const InvoiceRow = Schema.Struct({
  id: InvoiceId,
  number: Schema.String,
  status: InvoiceStatus,
  subscription_id: SubscriptionId,
  plan_id: Schema.String,
  currency: Schema.String,
  period_start: Schema.DateTimeUtc,
  period_end: Schema.DateTimeUtc,
  lines: Schema.compose(DbJson, Schema.Array(InvoiceLine)),
  subtotal: DbCount,
  tax_rate_bps: DbCount,
  tax: DbCount,
  total: DbCount,
  finalized_at: Schema.NullOr(Schema.DateTimeUtc),
  paid_at: Schema.NullOr(Schema.DateTimeUtc),
  payment_reference: Schema.NullOr(Schema.String),
  voided_at: Schema.NullOr(Schema.DateTimeUtc),
  void_reason: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
})
/** @see InvoiceRow */
export type InvoiceRow = typeof InvoiceRow.Type

/** A new (draft) invoice as stored. */
export interface NewInvoice {
  readonly id: InvoiceId
  readonly number: string
  readonly subscription_id: SubscriptionId
  readonly plan_id: string
  readonly currency: string
  readonly period_start: DateTime.Utc
  readonly period_end: DateTime.Utc
  readonly lines: ReadonlyArray<InvoiceLine>
  readonly subtotal: number
  readonly tax_rate_bps: number
  readonly tax: number
  readonly total: number
  readonly at: DateTime.Utc
}

/** A status change of an invoice: from one of `from` to `to`, with the column it stamps. */
export type InvoiceTransition =
  | { readonly to: "finalized" }
  | { readonly to: "paid"; readonly reference: string | null }
  | { readonly to: "void"; readonly reason: string }

/** A new plan version as stored. */
export interface NewPlan {
  readonly id: PlanId
  readonly code: string
  readonly version: number
  readonly name: string
  readonly interval: BillingInterval
  readonly currency: string
  readonly fixed_amount: number
  readonly charges: unknown
  readonly entitlements: unknown
  readonly downgrade_policy: DowngradePolicy
  readonly downgrade_to: string | null
  readonly at: DateTime.Utc
}

/** A new meter as stored. */
export interface NewMeter {
  readonly code: string
  readonly name: string
  readonly event_type: string
  readonly aggregation: MeterAggregation
  readonly value_path: string | null
  readonly dimensions: Readonly<Record<string, string>>
  readonly at: DateTime.Utc
}

/** Fields of a subscription an operation sets (all of them: the service computes the next state). */
export interface SubscriptionState {
  readonly plan_id: string
  readonly scheduled_plan_id: string | null
  readonly status: SubscriptionStatus
  readonly current_period_start: DateTime.Utc
  readonly current_period_end: DateTime.Utc
  readonly trial_end: DateTime.Utc | null
  readonly cancel_at_period_end: boolean
  readonly canceled_at: DateTime.Utc | null
}

/** A new usage event as stored. */
export interface NewEvent {
  readonly id: string
  readonly source: string
  readonly type: string
  readonly subject: string
  readonly time: DateTime.Utc
  readonly data: unknown
  readonly digest: string
}

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const at = (d: DateTime.Utc | null) => (d === null ? null : instant(d))
const first = <A>(rows: ReadonlyArray<A>) => Option.fromNullable(rows[0])
/** Rows per multi-row INSERT (well under SQLite's and Postgres' parameter limits). */
const INSERT_CHUNK = 500

/** Decoders and helpers the query groups share. */
const kit = (sql: SqlClient.SqlClient) => ({
  sql,
  span: repoSpan("BillingRepo"),
  plans: Schema.decodeUnknown(Schema.Array(PlanRow)),
  meters: Schema.decodeUnknown(Schema.Array(MeterRow)),
  subs: Schema.decodeUnknown(Schema.Array(SubscriptionRow)),
  events: Schema.decodeUnknown(Schema.Array(EventRow)),
  count: Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount }))),
  n: (rows: ReadonlyArray<{ readonly n: number }>) => rows[0]?.n ?? 0,
  meterValues: (m: NewMeter) =>
    sql`${m.code}, ${m.name}, ${m.event_type}, ${m.aggregation}, ${m.value_path}, ${json(m.dimensions)}, ${instant(m.at)}`
})
type Kit = ReturnType<typeof kit>

/** The catalogue's SQL (platform tables). */
const catalogueQueries = ({ count, meterValues, meters, n, plans, span, sql }: Kit) => ({
  // ---- catalogue (platform) ----
  /** Stores a plan version. */
  insertPlan: (p: NewPlan) =>
    sql`INSERT INTO billing_plans (id, code, version, name, billing_interval, currency, fixed_amount,
            charges, entitlements, downgrade_policy, downgrade_to, created_at)
          VALUES (${p.id}, ${p.code}, ${p.version}, ${p.name}, ${p.interval}, ${p.currency}, ${p.fixed_amount},
            ${json(p.charges)}, ${json(p.entitlements)}, ${p.downgrade_policy}, ${p.downgrade_to},
            ${instant(p.at)})`.pipe(Effect.asVoid, span("insertPlan")),
  /** The latest version of plan `code`. */
  latestPlan: (code: string) =>
    sql`SELECT * FROM billing_plans WHERE code = ${code} ORDER BY version DESC LIMIT 1`.pipe(
      Effect.flatMap(plans),
      Effect.map(first),
      span("latestPlan")
    ),
  /** One plan version by id. */
  planById: (id: string) =>
    sql`SELECT * FROM billing_plans WHERE id = ${id}`.pipe(Effect.flatMap(plans), Effect.map(first), span("planById")),
  /** The latest version of every plan, by code. */
  listLatestPlans: sql`SELECT p.* FROM billing_plans p
          WHERE p.version = (SELECT MAX(q.version) FROM billing_plans q WHERE q.code = p.code)
          ORDER BY p.code`.pipe(Effect.flatMap(plans), span("listLatestPlans")),
  /** Every version of plan `code`, oldest first. */
  listPlanVersions: (code: string) =>
    sql`SELECT * FROM billing_plans WHERE code = ${code} ORDER BY version`.pipe(
      Effect.flatMap(plans),
      span("listPlanVersions")
    ),
  /** How many plan codes the catalogue has. */
  countPlanCodes: sql`SELECT COUNT(DISTINCT code) AS n FROM billing_plans`.pipe(
    Effect.flatMap(count),
    Effect.map(n),
    span("countPlanCodes")
  ),
  /** Stores a platform meter. */
  insertPlatformMeter: (m: NewMeter) =>
    sql`INSERT INTO billing_platform_meters (code, name, event_type, aggregation, value_path, dimensions,
            created_at) VALUES (${meterValues(m)})`.pipe(Effect.asVoid, span("insertPlatformMeter")),
  /** One platform meter. */
  findPlatformMeter: (code: string) =>
    sql`SELECT * FROM billing_platform_meters WHERE code = ${code}`.pipe(
      Effect.flatMap(meters),
      Effect.map(first),
      span("findPlatformMeter")
    ),
  /** Every platform meter, by code. */
  listPlatformMeters: sql`SELECT * FROM billing_platform_meters ORDER BY code`.pipe(
    Effect.flatMap(meters),
    span("listPlatformMeters")
  ),
  /** How many platform meters there are. */
  countPlatformMeters: sql`SELECT COUNT(*) AS n FROM billing_platform_meters`.pipe(
    Effect.flatMap(count),
    Effect.map(n),
    span("countPlatformMeters")
  )
})

/** Tenant meters' and subscriptions' SQL. */
const tenantQueries = ({ count, meterValues, meters, n, span, sql, subs }: Kit) => ({
  // ---- tenant meters ----
  /** Stores a meter of the current tenant. */
  insertMeter: (m: NewMeter) =>
    Effect.flatMap(
      tid,
      (t) => sql`INSERT INTO billing_meters (tenant_id, code, name, event_type, aggregation, value_path,
              dimensions, created_at) VALUES (${t}, ${meterValues(m)})`
    ).pipe(Effect.asVoid, span("insertMeter")),
  /** One meter of the current tenant. */
  findMeter: (code: string) =>
    Effect.flatMap(tid, (t) => sql`SELECT * FROM billing_meters WHERE tenant_id = ${t} AND code = ${code}`).pipe(
      Effect.flatMap(meters),
      Effect.map(first),
      span("findMeter")
    ),
  /** The current tenant's meters, by code. */
  listMeters: Effect.flatMap(tid, (t) => sql`SELECT * FROM billing_meters WHERE tenant_id = ${t} ORDER BY code`).pipe(
    Effect.flatMap(meters),
    span("listMeters")
  ),
  /** How many meters the current tenant has. */
  countMeters: Effect.flatMap(tid, (t) => sql`SELECT COUNT(*) AS n FROM billing_meters WHERE tenant_id = ${t}`).pipe(
    Effect.flatMap(count),
    Effect.map(n),
    span("countMeters")
  ),
  /** Meters (platform and tenant) of any of the event `types`. */
  metersOfTypes: (types: ReadonlyArray<string>) =>
    Effect.flatMap(tid, (t) =>
      types.length === 0
        ? Effect.succeed([])
        : sql`SELECT code, name, event_type, aggregation, value_path, dimensions, created_at
                FROM billing_meters WHERE tenant_id = ${t} AND event_type IN ${sql.in(types)}
              UNION ALL
              SELECT code, name, event_type, aggregation, value_path, dimensions, created_at
                FROM billing_platform_meters WHERE event_type IN ${sql.in(types)}`.pipe(Effect.flatMap(meters))
    ).pipe(span("metersOfTypes")),

  // ---- subscriptions ----
  /** The current tenant's live (not canceled) subscription. */
  liveSubscription: Effect.flatMap(
    tid,
    (t) => sql`SELECT * FROM billing_subscriptions WHERE tenant_id = ${t} AND status <> 'canceled'`
  ).pipe(Effect.flatMap(subs), Effect.map(first), span("liveSubscription")),
  /** Stores a subscription of the current tenant. */
  insertSubscription: (id: SubscriptionId, s: SubscriptionState, now: DateTime.Utc) =>
    Effect.flatMap(
      tid,
      (t) => sql`INSERT INTO billing_subscriptions (tenant_id, id, plan_id, scheduled_plan_id, status,
              current_period_start, current_period_end, trial_end, cancel_at_period_end, canceled_at,
              created_at, updated_at)
            VALUES (${t}, ${id}, ${s.plan_id}, ${s.scheduled_plan_id}, ${s.status},
              ${instant(s.current_period_start)}, ${instant(s.current_period_end)}, ${at(s.trial_end)},
              ${bool(s.cancel_at_period_end)}, ${at(s.canceled_at)}, ${instant(now)}, ${instant(now)})`
    ).pipe(Effect.asVoid, span("insertSubscription")),
  /** Replaces a subscription's state. */
  updateSubscription: (id: SubscriptionId, s: SubscriptionState, now: DateTime.Utc) =>
    Effect.flatMap(
      tid,
      (t) => sql`UPDATE billing_subscriptions SET plan_id = ${s.plan_id},
              scheduled_plan_id = ${s.scheduled_plan_id}, status = ${s.status},
              current_period_start = ${instant(s.current_period_start)},
              current_period_end = ${instant(s.current_period_end)}, trial_end = ${at(s.trial_end)},
              cancel_at_period_end = ${bool(s.cancel_at_period_end)}, canceled_at = ${at(s.canceled_at)},
              updated_at = ${instant(now)}
            WHERE tenant_id = ${t} AND id = ${id}`
    ).pipe(Effect.asVoid, span("updateSubscription")),
  /** Stamps (or clears, `null`) when a failed payment made the subscription `past_due` (payments, 0005). */
  setPastDueAt: (id: SubscriptionId, at: DateTime.Utc | null) =>
    Effect.flatMap(
      tid,
      (t) => sql`UPDATE billing_subscriptions SET past_due_at = ${at === null ? null : instant(at)}
            WHERE tenant_id = ${t} AND id = ${id}`
    ).pipe(Effect.asVoid, span("setPastDueAt"))
})

/** Usage events' SQL. */
const eventQueries = ({ events, span, sql }: Kit) => ({
  // ---- usage events ----
  /** The digests of the events of the current tenant among `ids`, by id. */
  eventDigests: (ids: ReadonlyArray<string>) =>
    Effect.flatMap(tid, (t) =>
      Effect.forEach(
        chunks(ids, INSERT_CHUNK),
        (part) =>
          sql<{
            id: string
            digest: string
          }>`SELECT id, digest FROM billing_usage_events WHERE tenant_id = ${t} AND id IN ${sql.in(part)}`
      )
    ).pipe(
      Effect.map((parts) => new Map(parts.flat().map((r) => [r.id, r.digest] as const))),
      span("eventDigests")
    ),
  /** Stores events of the current tenant (ids already stored are skipped); answers how many were new. */
  insertEvents: (rows: ReadonlyArray<NewEvent>, receivedAt: DateTime.Utc) =>
    Effect.flatMap(tid, (t) =>
      Effect.forEach(chunks(rows, INSERT_CHUNK), (part) =>
        sql`INSERT INTO billing_usage_events ${sql.insert(
          part.map((e) => ({
            tenant_id: t,
            id: e.id,
            source: e.source,
            type: e.type,
            subject: e.subject,
            occurred_at: instant(e.time),
            data: json(e.data),
            digest: e.digest,
            received_at: instant(receivedAt)
          }))
        )} ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id`.pipe(Effect.map((r) => r.length))
      )
    ).pipe(
      Effect.map((counts) => counts.reduce((a, b) => a + b, 0)),
      span("insertEvents")
    ),
  /**
   * Events of `type` with `from ≤ time < to` (optionally of one subject),
   * oldest first (by time, then id), at most `limit`; with `after`, only
   * those past that cursor (keyset paging, as the period close reads).
   */
  scanEvents: (
    type: string,
    from: DateTime.Utc,
    to: DateTime.Utc,
    subject: string | undefined,
    limit: number,
    after?: EventCursor
  ) =>
    Effect.flatMap(
      tid,
      (t) => sql`SELECT id, subject, occurred_at, data FROM billing_usage_events
            WHERE tenant_id = ${t} AND type = ${type}
              AND occurred_at >= ${instant(from)} AND occurred_at < ${instant(to)}
              ${subject === undefined ? sql`` : sql`AND subject = ${subject}`}
              ${
                after === undefined
                  ? sql``
                  : sql`AND (occurred_at > ${instant(after.at)} OR (occurred_at = ${instant(after.at)} AND id > ${after.id}))`
              }
            ORDER BY occurred_at, id LIMIT ${limit}`
    ).pipe(Effect.flatMap(events), span("scanEvents"))
})

/** Quota warnings' SQL (issue 20 "Entitlements and quotas"). */
const quotaQueries = ({ sql, span }: Kit) => ({
  /**
   * Records that the current tenant reached `threshold` % of `limit` (at
   * value `value`, in `period`, `""` for limits without one); answers
   * whether this is the first time (false: recorded before).
   */
  recordQuotaWarning: (limit: string, value: number, period: string, threshold: number, now: DateTime.Utc) =>
    Effect.flatMap(
      tid,
      (t) => sql`INSERT INTO billing_quota_warnings (tenant_id, limit_key, limit_value, period, threshold, created_at)
            VALUES (${t}, ${limit}, ${value}, ${period}, ${threshold}, ${instant(now)})
            ON CONFLICT DO NOTHING RETURNING threshold`
    ).pipe(
      Effect.map((rows) => rows.length > 0),
      span("recordQuotaWarning")
    )
})

/** Invoices' SQL (issue 20 "Invoices"). Lines and amounts are written once, at insert. */
const invoiceQueries = ({ span, sql }: Kit) => {
  const invoices = Schema.decodeUnknown(Schema.Array(InvoiceRow))
  const encodeLines = Schema.encodeSync(Schema.Array(InvoiceLine))
  return {
    /**
     * Postgres: serialises the current tenant's invoicing until the caller's
     * transaction ends (a transaction-scoped advisory lock, as quotas do);
     * SQLite has one writer already.
     */
    lockInvoicing: Effect.flatMap(tid, (t) =>
      sql.onDialectOrElse({
        pg: () => sql`SELECT pg_advisory_xact_lock(hashtext(${`signet.invoice:${t}`}))`.pipe(Effect.asVoid),
        orElse: () => Effect.void
      })
    ).pipe(span("lockInvoicing")),
    /**
     * The next invoice number of the current tenant in `year` (1, 2, …):
     * the counter row is incremented in the caller's transaction, so a
     * rolled-back invoice gives its number back (no gaps) and concurrent
     * transactions queue on the row.
     */
    nextInvoiceNumber: (year: number) =>
      Effect.flatMap(
        tid,
        (t) => sql<{ last_number: number | string }>`INSERT INTO billing_invoice_counters (tenant_id, year, last_number)
            VALUES (${t}, ${year}, 1)
            ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = billing_invoice_counters.last_number + 1
            RETURNING last_number`
      ).pipe(
        Effect.map((rows) => Number(rows[0]!.last_number)),
        span("nextInvoiceNumber")
      ),
    /** Stores a draft invoice of the current tenant. */
    insertInvoice: (i: NewInvoice) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO billing_invoices (tenant_id, id, number, status, subscription_id, plan_id, currency,
              period_start, period_end, lines, subtotal, tax_rate_bps, tax, total, created_at, updated_at)
            VALUES (${t}, ${i.id}, ${i.number}, 'draft', ${i.subscription_id}, ${i.plan_id}, ${i.currency},
              ${instant(i.period_start)}, ${instant(i.period_end)}, ${json(encodeLines(i.lines))}, ${i.subtotal},
              ${i.tax_rate_bps}, ${i.tax}, ${i.total}, ${instant(i.at)}, ${instant(i.at)})`
      ).pipe(Effect.asVoid, span("insertInvoice")),
    /** The current tenant's invoice of a subscription's period starting at `start`. */
    invoiceOfPeriod: (subscription: SubscriptionId, start: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM billing_invoices WHERE tenant_id = ${t} AND subscription_id = ${subscription}
            AND period_start = ${instant(start)}`
      ).pipe(Effect.flatMap(invoices), Effect.map(first), span("invoiceOfPeriod")),
    /** The current tenant's invoice `number`. */
    invoiceByNumber: (number: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM billing_invoices WHERE tenant_id = ${t} AND number = ${number}`
      ).pipe(Effect.flatMap(invoices), Effect.map(first), span("invoiceByNumber")),
    /** The current tenant's latest `limit` invoices, newest first. */
    listInvoices: (limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM billing_invoices WHERE tenant_id = ${t}
            ORDER BY created_at DESC, number DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(invoices), span("listInvoices")),
    /**
     * Moves invoice `id` along its life (draft → finalized → paid | void)
     * when it is in the state the transition starts from; answers whether
     * it moved. Nothing but the status and its stamps is ever updated.
     */
    transitionInvoice: (id: InvoiceId, change: InvoiceTransition, now: DateTime.Utc) =>
      Effect.flatMap(tid, (t) => {
        const at = instant(now)
        const set =
          change.to === "finalized"
            ? sql`status = 'finalized', finalized_at = ${at}`
            : change.to === "paid"
              ? sql`status = 'paid', paid_at = ${at}, payment_reference = ${change.reference}`
              : sql`status = 'void', voided_at = ${at}, void_reason = ${change.reason}`
        const from = change.to === "finalized" ? "draft" : "finalized"
        return sql`UPDATE billing_invoices SET ${set}, updated_at = ${at}
            WHERE tenant_id = ${t} AND id = ${id} AND status = ${from} RETURNING id`
      }).pipe(
        Effect.map((rows) => rows.length > 0),
        span("transitionInvoice")
      )
  } as const
}

/** The billing module's SQL; see the module comment. */
export class BillingRepo extends Effect.Service<BillingRepo>()("Signet/BillingRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const k = kit(sql)
    return {
      ...catalogueQueries(k),
      ...tenantQueries(k),
      ...eventQueries(k),
      ...quotaQueries(k),
      ...invoiceQueries(k)
    } as const
  })
}) {}

/** `items` in runs of at most `size`. */
const chunks = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
