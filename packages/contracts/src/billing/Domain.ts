/**
 * Billing, first slice (issue 20; seed 003 "Billing Service", seed 002
 * "plans"): the platform's plan catalogue (versioned plans with a fixed
 * charge, usage charges per meter and entitlements), a tenant's
 * subscription with its lifecycle and proration, meters over usage events
 * (CloudEvents-shaped, as OpenMeter ingests them) and usage queries.
 *
 * Money is always an integer number of minor units of an ISO 4217 currency
 * (cents for USD, yen for JPY). Instants are UTC.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** Branded plan id (UUIDv7): one version of a plan. */
export const PlanId = Schema.UUID.pipe(Schema.brand("PlanId"), Schema.annotations({ identifier: "PlanId" }))
/** @see PlanId */
export type PlanId = typeof PlanId.Type

/** Branded subscription id (UUIDv7). */
export const SubscriptionId = Schema.UUID.pipe(
  Schema.brand("SubscriptionId"),
  Schema.annotations({ identifier: "SubscriptionId" })
)
/** @see SubscriptionId */
export type SubscriptionId = typeof SubscriptionId.Type

/** Plans in the catalogue at most (codes; each may have many versions). */
export const MAX_PLANS = 200
/** Versions of one plan at most. */
export const MAX_PLAN_VERSIONS = 500
/** Usage charges of one plan at most. */
export const MAX_PLAN_CHARGES = 50
/** Tiers of one price at most. */
export const MAX_TIERS = 20
/** Feature flags plus limits of one plan at most. */
export const MAX_ENTITLEMENTS = 100
/** Meters per tenant (and platform meters) at most. */
export const MAX_METERS = 100
/** Group-by dimensions of one meter at most. */
export const MAX_METER_DIMENSIONS = 10
/** Usage events per ingestion batch at most. */
export const MAX_INGEST_BATCH = 1000
/** Bytes of one usage event's `data` (JSON) at most. */
export const MAX_EVENT_DATA_BYTES = 8192
/** Usage events one usage query may aggregate at most (narrow the window beyond it). */
export const MAX_QUERY_EVENTS = 100_000
/** Rows one usage query may answer at most. */
export const MAX_USAGE_ROWS = 5000
/** Days of trial at most. */
export const MAX_TRIAL_DAYS = 365
/** Largest amount in minor units (safe integer range, 9·10^15). */
export const MAX_AMOUNT = 9_000_000_000_000_000

const isoCurrencies: ReadonlySet<string> = new Set(
  (Intl as unknown as { supportedValuesOf(k: string): ReadonlyArray<string> }).supportedValuesOf("currency")
)

/**
 * An ISO 4217 alphabetic currency code (`EUR`, `USD`, `JPY`), checked
 * against the runtime's ISO 4217 list (`Intl.supportedValuesOf("currency")`).
 */
export const Currency = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{3}$/, { message: () => "must be an ISO 4217 code of three capital letters" }),
  Schema.filter((c) => isoCurrencies.has(c) || "is not an ISO 4217 currency code"),
  Schema.annotations({ identifier: "Currency", examples: ["EUR", "USD"] })
)

/** The number of minor units per major unit of an ISO 4217 currency is 10^this (2 for EUR, 0 for JPY). */
export const currencyExponent = (currency: string): number =>
  new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2

/** An amount of money in integer minor units, ≥ 0 and ≤ {@link MAX_AMOUNT}. */
export const Amount = Schema.Int.pipe(
  Schema.between(0, MAX_AMOUNT, { message: () => `must be an integer number of minor units in 0…${MAX_AMOUNT}` }),
  Schema.annotations({ identifier: "Amount", description: "Integer minor units (cents)" })
)

/** Grammar of plan and meter codes: lowercase letters, digits, `_` and `-`, 1–64 characters. */
export const CODE_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/

/** A plan or meter code. */
export const Code = Schema.String.pipe(
  Schema.pattern(CODE_PATTERN, { message: () => "must be 1–64 of a-z 0-9 _ - starting with a letter" }),
  Schema.annotations({ identifier: "Code", examples: ["pro", "api_requests"] })
)

/** Grammar of entitlement keys: dotted lowercase segments (`users.max`, `signatures.monthly`, `sso`). */
export const ENTITLEMENT_KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,4}$/

const EntitlementKey = Schema.String.pipe(
  Schema.maxLength(100),
  Schema.pattern(ENTITLEMENT_KEY_PATTERN, { message: () => "must be dotted lowercase segments like users.max" })
)

/**
 * One limit of the tenant's plan and where the tenant stands (issue 20
 * "Entitlements and quotas"): `used` is what the tenant holds now (users
 * not deleted, beacons not revoked, signatures this UTC month — `period`),
 * `null` for a limit Signet does not count.
 */
export class QuotaStatus extends Schema.Class<QuotaStatus>("QuotaStatus")({
  limit: Schema.String,
  value: Schema.Number,
  used: Schema.NullOr(Schema.Number),
  soft: Schema.Boolean,
  period: Schema.optional(Schema.String)
}) {}

/**
 * The tenant's entitlements as enforced now (`GET …/billing/entitlements`):
 * its plan (`null` without a live subscription: nothing is limited), the
 * features the plan switches off, and each limit with its usage.
 */
export class EntitlementStatus extends Schema.Class<EntitlementStatus>("EntitlementStatus")({
  plan: Schema.NullOr(Schema.String),
  version: Schema.NullOr(Schema.Number),
  features_off: Schema.Array(Schema.String),
  limits: Schema.Array(QuotaStatus)
}) {}

/** Billing interval of a plan. */
export const BillingInterval = Schema.Literal("month", "year")
/** @see BillingInterval */
export type BillingInterval = typeof BillingInterval.Type

/**
 * One tier of a graduated or volume price: up to `up_to` units (inclusive;
 * null = no upper bound, only on the last tier), `unit_amount` minor units
 * per unit and a `flat_amount` added once when the quantity reaches the tier.
 */
export class PriceTier extends Schema.Class<PriceTier>("PriceTier")({
  up_to: Schema.NullOr(Schema.Int.pipe(Schema.positive())),
  unit_amount: Amount,
  flat_amount: Schema.optionalWith(Amount, { default: () => 0 })
}) {}

const Tiers = Schema.Array(PriceTier).pipe(
  Schema.minItems(1),
  Schema.maxItems(MAX_TIERS),
  Schema.filter((tiers) => {
    for (let i = 0; i < tiers.length; i++) {
      const t = tiers[i]!
      const last = i === tiers.length - 1
      if (last && t.up_to !== null) return "the last tier must have up_to: null (no upper bound)"
      if (!last && t.up_to === null) return "only the last tier may have up_to: null"
      if (i > 0 && t.up_to !== null && t.up_to <= tiers[i - 1]!.up_to!) return "up_to must increase from tier to tier"
    }
    return true
  })
)

/** Per-unit price: quantity × `unit_amount`. */
export class PerUnitPrice extends Schema.TaggedClass<PerUnitPrice>()("per_unit", {
  unit_amount: Amount
}) {}

/** Graduated price: each unit priced by the tier it falls in (Stripe "graduated", Lago "graduated"). */
export class GraduatedPrice extends Schema.TaggedClass<GraduatedPrice>()("graduated", { tiers: Tiers }) {}

/** Volume price: every unit priced by the one tier the total quantity falls in. */
export class VolumePrice extends Schema.TaggedClass<VolumePrice>()("volume", { tiers: Tiers }) {}

/** Package price: `package_amount` per started package of `package_size` units (rounded up). */
export class PackagePrice extends Schema.TaggedClass<PackagePrice>()("package", {
  package_size: Schema.Int.pipe(Schema.positive()),
  package_amount: Amount
}) {}

/** A usage price; `_tag` names the model (`per_unit`, `graduated`, `volume`, `package`). */
export const Price = Schema.Union(PerUnitPrice, GraduatedPrice, VolumePrice, PackagePrice)
/** @see Price */
export type Price = typeof Price.Type

/** A usage-based charge of a plan: the usage of platform meter `meter` priced by `price`. */
export class UsageCharge extends Schema.Class<UsageCharge>("UsageCharge")({
  meter: Code,
  price: Price
}) {}

/**
 * What a plan entitles a tenant to (issue 20 "Entitlements and quotas"):
 * - `features`: flags; a feature set to `false` is refused (402
 *   `FeatureNotEntitled`), one absent or `true` is allowed.
 * - `limits`: numeric limits. Signet enforces `users.max` (users not
 *   deleted), `beacons.max` (beacons not revoked) and `signatures.monthly`
 *   (attendance signatures per UTC calendar month); a limit absent from
 *   the plan is unlimited. Reaching 80 % and 100 % of a limit publishes
 *   `signet.billing.quota.warning` once per threshold.
 * - `soft_limits`: keys of `limits` that only warn: passing them is
 *   allowed (with the warning); every other limit is hard (402
 *   `QuotaExceeded`, nothing written).
 */
export class Entitlements extends Schema.Class<Entitlements>("Entitlements")({
  features: Schema.Record({ key: EntitlementKey, value: Schema.Boolean }),
  limits: Schema.Record({ key: EntitlementKey, value: Schema.Int.pipe(Schema.nonNegative()) }),
  soft_limits: Schema.optionalWith(Schema.Array(EntitlementKey).pipe(Schema.maxItems(50)), {
    default: () => []
  })
}) {}

const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))

/**
 * What happens to a subscription still `past_due` when its grace period
 * ends (issue 20 "`past_due` on failed payment with a grace period, then the
 * plan's downgrade policy"): `cancel` (the default) cancels it at once;
 * `downgrade` moves it at once, `active`, to the current version of the
 * plan `downgrade_to` (same currency and interval, checked in core when the
 * plan is stored).
 */
export const DowngradePolicy = Schema.Literal("cancel", "downgrade")
/** @see DowngradePolicy */
export type DowngradePolicy = typeof DowngradePolicy.Type

const planFields = {
  name: Name,
  interval: BillingInterval,
  currency: Currency,
  /** The fixed charge per interval, in minor units. */
  fixed_amount: Amount,
  charges: Schema.Array(UsageCharge).pipe(Schema.maxItems(MAX_PLAN_CHARGES)),
  entitlements: Entitlements,
  /** The plan's policy when a `past_due` grace period ends (default `cancel`); see {@link DowngradePolicy}. */
  downgrade_policy: Schema.optionalWith(DowngradePolicy, { default: () => "cancel" as const }),
  /** The plan code a `downgrade` policy moves to (required iff the policy is `downgrade`, else null). */
  downgrade_to: Schema.optionalWith(Schema.NullOr(Code), { default: () => null })
}

/** Body of a plan's first version (platform operators). */
export class CreatePlan extends Schema.Class<CreatePlan>("CreatePlan")({
  code: Code,
  ...planFields,
  entitlements: Schema.optionalWith(Entitlements, {
    default: () => new Entitlements({ features: {}, limits: {} })
  }),
  charges: Schema.optionalWith(planFields.charges, { default: () => [] })
}) {}

/** Body of a plan edit: the complete new version (existing subscriptions keep theirs). */
export class PlanVersionInput extends Schema.Class<PlanVersionInput>("PlanVersionInput")({
  ...planFields,
  entitlements: Schema.optionalWith(Entitlements, {
    default: () => new Entitlements({ features: {}, limits: {} })
  }),
  charges: Schema.optionalWith(planFields.charges, { default: () => [] })
}) {}

/** One version of a plan. Versions are immutable; an edit creates version `n + 1`. */
export class Plan extends Schema.Class<Plan>("Plan")({
  id: PlanId,
  code: Code,
  version: Schema.Int,
  ...planFields,
  created_at: Schema.DateTimeUtc
}) {}

/** Subscription state (Stripe's subset): `trial`, `active`, `past_due`, `canceled`. */
export const SubscriptionStatus = Schema.Literal("trial", "active", "past_due", "canceled")
/** @see SubscriptionStatus */
export type SubscriptionStatus = typeof SubscriptionStatus.Type

/** A tenant's subscription to one version of a plan. */
export class Subscription extends Schema.Class<Subscription>("Subscription")({
  id: SubscriptionId,
  status: SubscriptionStatus,
  plan: Plan,
  current_period_start: Schema.DateTimeUtc,
  current_period_end: Schema.DateTimeUtc,
  trial_end: Schema.NullOr(Schema.DateTimeUtc),
  cancel_at_period_end: Schema.Boolean,
  /** The plan version that replaces the current one at the period's end, if a change is scheduled. */
  scheduled_plan: Schema.NullOr(Plan),
  canceled_at: Schema.NullOr(Schema.DateTimeUtc),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of subscription creation: a trial of `trial_days` (then active), or active at once when absent or 0. */
export class CreateSubscription extends Schema.Class<CreateSubscription>("CreateSubscription")({
  plan_code: Code,
  trial_days: Schema.optional(Schema.Int.pipe(Schema.between(0, MAX_TRIAL_DAYS)))
}) {}

/** Body of a plan change: to the latest version of `plan_code`, `now` (prorated) or at `period_end`. */
export class ChangePlan extends Schema.Class<ChangePlan>("ChangePlan")({
  plan_code: Code,
  when: Schema.Literal("now", "period_end")
}) {}

/**
 * The proration of an immediate plan change, by seconds remaining in the
 * period: `credit = round(old_fixed × remaining / period)`, `charge =
 * round(new_fixed × remaining / period)`, `net = charge − credit` (negative:
 * owed to the tenant), each rounded half up to a whole minor unit. Usage
 * charges are not prorated (usage is billed as measured).
 */
export class Proration extends Schema.Class<Proration>("Proration")({
  currency: Currency,
  changed_at: Schema.DateTimeUtc,
  period_start: Schema.DateTimeUtc,
  period_end: Schema.DateTimeUtc,
  seconds_in_period: Schema.Int,
  seconds_remaining: Schema.Int,
  old_fixed_amount: Amount,
  new_fixed_amount: Amount,
  credit: Schema.Int,
  charge: Schema.Int,
  net: Schema.Int,
  rounding: Schema.Literal("half_up"),
  /** The computation written out with its figures. */
  computation: Schema.String
}) {}

/** The answer to a plan change: the subscription after it, and the proration when it took effect now (not in a trial). */
export class PlanChangeResult extends Schema.Class<PlanChangeResult>("PlanChangeResult")({
  subscription: Subscription,
  proration: Schema.NullOr(Proration)
}) {}

/** Aggregation of a meter over its events' values. */
export const MeterAggregation = Schema.Literal("count", "sum", "max", "unique_count", "latest")
/** @see MeterAggregation */
export type MeterAggregation = typeof MeterAggregation.Type

/** Grammar of a JSON path into an event's `data`: `$.a.b` (object members only, 1–5 segments). */
export const JSON_PATH_PATTERN = /^\$(\.[A-Za-z_][A-Za-z0-9_]{0,63}){1,5}$/

/** A JSON path into an event's `data`; see {@link JSON_PATH_PATTERN}. */
export const JsonPath = Schema.String.pipe(
  Schema.pattern(JSON_PATH_PATTERN, { message: () => "must be a path like $.tokens or $.request.route" }),
  Schema.annotations({ identifier: "JsonPath", examples: ["$.duration_ms"] })
)

const DimensionName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]{0,63}$/, { message: () => "must be lowercase letters, digits and _" }),
  Schema.filter((n) => n !== "subject" || "subject is reserved")
)

/** Body of meter creation. `value_path` is required by every aggregation except `count`. */
export class CreateMeter extends Schema.Class<CreateMeter>("CreateMeter")(
  Schema.Struct({
    code: Code,
    name: Name,
    /** The CloudEvents `type` the meter counts. */
    event_type: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
    aggregation: MeterAggregation,
    value_path: Schema.optional(JsonPath),
    /** Group-by dimensions: name → JSON path into `data`. */
    dimensions: Schema.optionalWith(
      Schema.Record({ key: DimensionName, value: JsonPath }).pipe(
        Schema.filter((d) => Object.keys(d).length <= MAX_METER_DIMENSIONS || `at most ${MAX_METER_DIMENSIONS}`)
      ),
      { default: () => ({}) }
    )
  }).pipe(
    Schema.filter((m) =>
      m.aggregation === "count" || m.value_path !== undefined ? true : `${m.aggregation} needs a value_path`
    )
  )
) {}

/** Where a meter is defined: by the platform (every tenant's events) or by the tenant itself. */
export const MeterScope = Schema.Literal("platform", "tenant")

/** A meter: events of `event_type` aggregated over `value_path`, groupable by `dimensions`. */
export class Meter extends Schema.Class<Meter>("Meter")({
  code: Code,
  scope: MeterScope,
  name: Schema.String,
  event_type: Schema.String,
  aggregation: MeterAggregation,
  value_path: Schema.NullOr(Schema.String),
  dimensions: Schema.Record({ key: Schema.String, value: Schema.String }),
  created_at: Schema.DateTimeUtc
}) {}

/**
 * One usage event, CloudEvents-shaped (as OpenMeter ingests them): `id`
 * unique per tenant (a duplicate with the same content is counted once; with
 * different content it is refused), `source`, `type`, `subject` (the
 * customer-side entity, e.g. a user id), `time` (when it happened; defaults
 * to receipt), `data` (a JSON object).
 */
export class UsageEvent extends Schema.Class<UsageEvent>("UsageEvent")({
  specversion: Schema.optional(Schema.Literal("1.0")),
  id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  source: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  type: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  subject: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  time: Schema.optional(Schema.DateTimeUtc),
  data: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { default: () => ({}) })
}) {}

/** A batch of usage events: 1 to {@link MAX_INGEST_BATCH}. */
export const UsageBatch = Schema.Array(UsageEvent).pipe(
  Schema.minItems(1, { message: () => "must hold at least one event" }),
  Schema.maxItems(MAX_INGEST_BATCH, { message: () => `must hold at most ${MAX_INGEST_BATCH} events` })
)

/** The outcome of an ingestion: events stored, and events already stored (same id and content). */
export class IngestResult extends Schema.Class<IngestResult>("IngestResult")({
  accepted: Schema.Int,
  duplicates: Schema.Int
}) {}

/** Window size of a usage query. */
export const UsageWindow = Schema.Literal("hour", "day", "month")
/** @see UsageWindow */
export type UsageWindow = typeof UsageWindow.Type

/**
 * A usage query (URL parameters): events with `from ≤ time < to` (default:
 * the current UTC calendar month), bucketed
 * by `window` (UTC; whole range when absent), optionally of one `subject`,
 * grouped by `group_by` (comma-separated meter dimension names and/or
 * `subject`).
 */
export const UsageQuery = Schema.Struct({
  /** Start, inclusive (default: the start of the current UTC month). */
  from: Schema.optional(Schema.DateTimeUtc),
  /** End, exclusive (default: the start of the next UTC month). */
  to: Schema.optional(Schema.DateTimeUtc),
  window: Schema.optional(UsageWindow),
  subject: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  /** Comma-separated dimension names and/or `subject`. */
  group_by: Schema.optional(Schema.String.pipe(Schema.maxLength(1000)))
})
/** @see UsageQuery */
export type UsageQuery = typeof UsageQuery.Type

/** One row of a usage answer: a window, its group and the aggregated value (null: no value, e.g. `latest` of nothing). */
export class UsageRow extends Schema.Class<UsageRow>("UsageRow")({
  window_start: Schema.DateTimeUtc,
  window_end: Schema.DateTimeUtc,
  group: Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.String) }),
  value: Schema.NullOr(Schema.Number)
}) {}

/** A usage answer: the meter and its rows, by window then group. */
export class UsageReport extends Schema.Class<UsageReport>("UsageReport")({
  meter: Meter,
  rows: Schema.Array(UsageRow)
}) {}

/** 404 — no such plan in the catalogue. */
export class PlanNotFound extends Schema.TaggedError<PlanNotFound>()(
  "PlanNotFound",
  { message: Schema.String, code: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such plan" })
) {}

/** 404 — no such meter (for the tenant, or on the platform). */
export class MeterNotFound extends Schema.TaggedError<MeterNotFound>()(
  "MeterNotFound",
  { message: Schema.String, code: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such meter" })
) {}

/** 404 — the tenant has no (live) subscription. */
export class SubscriptionNotFound extends Schema.TaggedError<SubscriptionNotFound>()(
  "SubscriptionNotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No subscription" })
) {}

/** Branded invoice id (UUIDv7). */
export const InvoiceId = Schema.UUID.pipe(Schema.brand("InvoiceId"), Schema.annotations({ identifier: "InvoiceId" }))
/** @see InvoiceId */
export type InvoiceId = typeof InvoiceId.Type

/** Grammar of invoice numbers: `INV-<year>-<6+ digits>`, sequential per tenant and year, no gaps. */
export const INVOICE_NUMBER_PATTERN = /^INV-\d{4}-\d{6,}$/

/**
 * An invoice's state (issue 20 "Invoices"): `draft` → `finalized` (immutable
 * from then on: lines and amounts never change) → `paid` or `void`.
 */
export const InvoiceStatus = Schema.Literal("draft", "finalized", "paid", "void")
/** @see InvoiceStatus */
export type InvoiceStatus = typeof InvoiceStatus.Type

/**
 * A signed amount of integer minor units (−MAX_AMOUNT…MAX_AMOUNT): an
 * invoice line that credits the tenant (a proration credit) is negative.
 */
export const SignedAmount = Schema.Int.pipe(
  Schema.between(-MAX_AMOUNT, MAX_AMOUNT, {
    message: () => `must be an integer number of minor units in −${MAX_AMOUNT}…${MAX_AMOUNT}`
  }),
  Schema.annotations({ identifier: "SignedAmount", description: "Integer minor units (cents), negative for a credit" })
)

/** Named tax rates a tenant may have at most (`billing.tax_rates`; issue 20 "taxes as configured rates"). */
export const MAX_TAX_RATES = 5

/**
 * A named tax rate (issue 20 "taxes as configured rates"; Stripe's and
 * Lago's tax rates): a name printed on the invoice ("VAT", "City tax") and
 * a rate in basis points, 0–10 000 (2000 = 20 %).
 */
export class TaxRate extends Schema.Class<TaxRate>("TaxRate")({
  name: Schema.String.pipe(Schema.trimmed(), Schema.minLength(1), Schema.maxLength(60)),
  rate_bps: Schema.Int.pipe(Schema.between(0, 10_000))
}) {}

/**
 * One line of an invoice, in integer minor units of the invoice's currency:
 * `fixed` (the plan version's fixed charge, of the version in force at the
 * period's start), `proration` (an immediate plan change in the period: a
 * negative credit for the unused part of the old version's fixed charge, or
 * a charge for the rest of the period on the new one), `usage` (a usage
 * charge: the meter's aggregate over the period × its price,
 * `Pricing.charge`) or `tax` (one per tax rate, on the subtotal; `tax_rate`
 * names it). `computation` shows how the amount was reached.
 */
export class InvoiceLine extends Schema.Class<InvoiceLine>("InvoiceLine")({
  kind: Schema.Literal("fixed", "proration", "usage", "tax"),
  description: Schema.String,
  /** The platform meter of a usage line, else null. */
  meter: Schema.NullOr(Schema.String),
  /** Units measured (usage), 1 (fixed, proration) or the taxed subtotal (tax). */
  quantity: Schema.Number,
  /** Negative for a proration credit; ≥ 0 otherwise. */
  amount: SignedAmount,
  computation: Schema.String,
  /** The rate of a tax line (absent on other lines and on invoices made before named rates). */
  tax_rate: Schema.optional(TaxRate)
}) {}

/**
 * An invoice of one closed subscription period (issue 20 "Invoices"; seed
 * 003 "invoicing"). `subtotal` is the sum of the fixed, proration and
 * usage lines; `tax` the sum of the tax lines, each
 * `round_half_up(subtotal × rate_bps / 10 000)`; `tax_rate_bps` the sum of
 * the rates applied (the tenant's `billing.tax_rates`, or its single
 * `billing.tax_rate_bps`, when the invoice was made);
 * `total = subtotal + tax`. Amounts in integer minor units of `currency`
 * (ISO 4217).
 */
export class Invoice extends Schema.Class<Invoice>("Invoice")({
  id: InvoiceId,
  number: Schema.String,
  status: InvoiceStatus,
  subscription_id: SubscriptionId,
  plan_code: Schema.String,
  plan_version: Schema.Int,
  currency: Currency,
  period_start: Schema.DateTimeUtc,
  period_end: Schema.DateTimeUtc,
  lines: Schema.Array(InvoiceLine),
  subtotal: Amount,
  tax_rate_bps: Schema.Int,
  tax: Amount,
  total: Amount,
  finalized_at: Schema.NullOr(Schema.DateTimeUtc),
  paid_at: Schema.NullOr(Schema.DateTimeUtc),
  payment_reference: Schema.NullOr(Schema.String),
  voided_at: Schema.NullOr(Schema.DateTimeUtc),
  void_reason: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of `POST …/billing/invoices/{number}/pay` (manual payment: a bank transfer's reference, say). */
export class PayInvoice extends Schema.Class<PayInvoice>("PayInvoice")({
  reference: Schema.optional(Schema.String.pipe(Schema.maxLength(200)))
}) {}

/** Body of `POST …/billing/invoices/{number}/void`. */
export class VoidInvoice extends Schema.Class<VoidInvoice>("VoidInvoice")({
  reason: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(500))
}) {}

/** What one period-close run did for a tenant: the invoices it finalized (or found already made). */
export class PeriodCloseResult extends Schema.Class<PeriodCloseResult>("PeriodCloseResult")({
  invoices: Schema.Array(Invoice)
}) {}

/** 404 — no such invoice for the tenant (another tenant's invoice answers this too). */
export class InvoiceNotFound extends Schema.TaggedError<InvoiceNotFound>()(
  "InvoiceNotFound",
  { message: Schema.String, number: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such invoice" })
) {}
