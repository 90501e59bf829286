/**
 * Billing tables (issue 20, first slice).
 *
 * Platform-level (the catalogue, written by platform operators; no
 * `tenant_id`, no row-level security, readable in every tenant's
 * transaction):
 * - `billing_plans`: one row per plan version, unique `(code, version)`;
 *   versions are never updated.
 * - `billing_platform_meters`: meters every tenant's events are measured by
 *   (the ones plan charges refer to).
 *
 * Tenant-owned (`tenant_id` in every key, row-level security on Postgres):
 * - `billing_meters`: a tenant's own meters.
 * - `billing_subscriptions`: at most one live (not canceled) subscription
 *   per tenant (partial unique index), pointing at a plan version.
 * - `billing_usage_events`: usage events, primary key `(tenant_id, id)` so
 *   a re-sent event is stored once; `digest` (SHA-256 of the canonical JSON,
 *   RFC 8785) tells a replay from a different event reusing the id.
 * - `billing_quota_warnings` (0002): one row per limit, limit value, period
 *   and threshold a tenant reached, so `signet.billing.quota.warning` is
 *   published once per threshold.
 * - `billing_invoices` (0003): one row per invoice, unique
 *   `(tenant_id, number)` and `(tenant_id, subscription_id, period_start)`
 *   (closing a period twice finds the same invoice); lines as JSON (an
 *   invoice is immutable once finalized).
 * - `billing_invoice_counters` (0003): the last invoice number per tenant and
 *   year, incremented in the invoice's own transaction (no gaps).
 * - 0004: the database itself keeps invoices immutable (issue 20 "invoices
 *   are immutable once finalized"): a trigger refuses any UPDATE of an
 *   invoice's identity, period, lines or amounts, any change of a paid or
 *   void invoice, and any DELETE — only the status and its stamps move.
 * - 0005 (payments): `billing_payment_customers` — the payment provider's
 *   customer id of a tenant (one per tenant and provider);
 *   `billing_payment_events` — every provider webhook event applied or
 *   refused for a tenant, primary key `(tenant_id, event_id)` (a replay is
 *   found, not applied again), with the event's own `created` instant and
 *   the invoice it concerns (`object_key`) so an older event never
 *   overrides a newer one; `billing_subscriptions.past_due_at` — when a
 *   failed payment made the subscription `past_due` (the grace period runs
 *   from it).
 * - 0006 (corrections): `billing_prorations` — one row per immediate plan
 *   change in a paid period (the figures `Subscriptions` computed), read
 *   when that period is invoiced; `billing_credit_notes` — credit notes of
 *   finalized or paid invoices, unique `(tenant_id, number)`, immutable (a
 *   trigger refuses UPDATE and DELETE); `billing_credit_note_counters` —
 *   the last credit note number per tenant and year (no gaps).
 * - 0007 (Stripe sync): `billing_payment_invoices` — the provider's invoice
 *   mirroring a finalized Signet invoice (`StripeSync.ts`), one per
 *   tenant and invoice number, with its hosted payment page;
 *   `billing_payment_refunds` — per tenant and charge, the amount refunded
 *   so far (cumulative, as Stripe's `amount_refunded`) and the invoice;
 *   `billing_payment_disputes` — per tenant and dispute, its invoice, amount
 *   and status (open → `won`/`lost`); `billing_payment_refs` (platform
 *   level: no row-level security) — which tenant and invoice a provider
 *   payment reference (a PaymentIntent id) paid, written when Signet applies
 *   the payment, read by the webhook to place refund and dispute events,
 *   which carry no Signet metadata.
 * - 0008 (downgrade policy): `billing_plans.downgrade_policy` (`cancel`,
 *   the default for every existing version, or `downgrade`) and
 *   `billing_plans.downgrade_to` (the target plan code, null for `cancel`).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Tenant-owned billing tables (RLS on Postgres). */
export const BILLING_TENANT_TABLES = [
  "billing_meters",
  "billing_subscriptions",
  "billing_usage_events",
  "billing_quota_warnings",
  "billing_invoices",
  "billing_invoice_counters",
  "billing_payment_customers",
  "billing_payment_events",
  "billing_prorations",
  "billing_credit_notes",
  "billing_credit_note_counters",
  "billing_payment_invoices",
  "billing_payment_refunds",
  "billing_payment_disputes"
] as const

/** Billing module migrations. */
export const billingMigrations: ModuleMigrations = {
  module: "billing",
  migrations: {
    "0001_catalogue_subscriptions_usage": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE billing_plans (
        id ${t.uuid} PRIMARY KEY,
        code TEXT NOT NULL,
        version INTEGER NOT NULL,
        name TEXT NOT NULL,
        billing_interval TEXT NOT NULL CHECK (billing_interval IN ('month', 'year')),
        currency TEXT NOT NULL,
        fixed_amount ${t.bigint} NOT NULL CHECK (fixed_amount >= 0),
        charges ${t.json} NOT NULL,
        entitlements ${t.json} NOT NULL,
        created_at ${t.ts} NOT NULL,
        UNIQUE (code, version)
      )`)
      const meterColumns = `code TEXT NOT NULL,
        name TEXT NOT NULL,
        event_type TEXT NOT NULL,
        aggregation TEXT NOT NULL CHECK (aggregation IN ('count', 'sum', 'max', 'unique_count', 'latest')),
        value_path TEXT,
        dimensions ${t.json} NOT NULL,
        created_at ${t.ts} NOT NULL`
      yield* sql.unsafe(`CREATE TABLE billing_platform_meters (${meterColumns}, PRIMARY KEY (code))`)
      yield* sql.unsafe(`CREATE TABLE billing_meters (
        tenant_id ${t.uuid} NOT NULL,
        ${meterColumns},
        PRIMARY KEY (tenant_id, code)
      )`)
      yield* sql.unsafe(`CREATE TABLE billing_subscriptions (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        plan_id ${t.uuid} NOT NULL REFERENCES billing_plans (id),
        scheduled_plan_id ${t.uuid} REFERENCES billing_plans (id),
        status TEXT NOT NULL CHECK (status IN ('trial', 'active', 'past_due', 'canceled')),
        current_period_start ${t.ts} NOT NULL,
        current_period_end ${t.ts} NOT NULL,
        trial_end ${t.ts},
        cancel_at_period_end ${t.bool} NOT NULL,
        canceled_at ${t.ts},
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX billing_subscriptions_live ON billing_subscriptions (tenant_id) WHERE status <> 'canceled'`
      )
      yield* sql.unsafe(`CREATE TABLE billing_usage_events (
        tenant_id ${t.uuid} NOT NULL,
        id TEXT NOT NULL,
        source TEXT NOT NULL,
        type TEXT NOT NULL,
        subject TEXT NOT NULL,
        occurred_at ${t.ts} NOT NULL,
        data ${t.json} NOT NULL,
        digest TEXT NOT NULL,
        received_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE INDEX billing_usage_events_by_type ON billing_usage_events (tenant_id, type, occurred_at)`
      )
      for (const table of ["billing_meters", "billing_subscriptions", "billing_usage_events"])
        yield* enableTenantRls(table)
    }),
    "0002_quota_warnings": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE billing_quota_warnings (
        tenant_id ${t.uuid} NOT NULL,
        limit_key TEXT NOT NULL,
        limit_value ${t.bigint} NOT NULL,
        period TEXT NOT NULL,
        threshold INTEGER NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, limit_key, limit_value, period, threshold)
      )`)
      yield* enableTenantRls("billing_quota_warnings")
    }),
    "0003_invoices": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE billing_invoices (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        number TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'finalized', 'paid', 'void')),
        subscription_id ${t.uuid} NOT NULL,
        plan_id ${t.uuid} NOT NULL REFERENCES billing_plans (id),
        currency TEXT NOT NULL,
        period_start ${t.ts} NOT NULL,
        period_end ${t.ts} NOT NULL,
        lines ${t.json} NOT NULL,
        subtotal ${t.bigint} NOT NULL CHECK (subtotal >= 0),
        tax_rate_bps INTEGER NOT NULL CHECK (tax_rate_bps BETWEEN 0 AND 10000),
        tax ${t.bigint} NOT NULL CHECK (tax >= 0),
        total ${t.bigint} NOT NULL CHECK (total >= 0),
        finalized_at ${t.ts},
        paid_at ${t.ts},
        payment_reference TEXT,
        voided_at ${t.ts},
        void_reason TEXT,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, number),
        UNIQUE (tenant_id, subscription_id, period_start),
        FOREIGN KEY (tenant_id, subscription_id) REFERENCES billing_subscriptions (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE TABLE billing_invoice_counters (
        tenant_id ${t.uuid} NOT NULL,
        year INTEGER NOT NULL,
        last_number ${t.bigint} NOT NULL,
        PRIMARY KEY (tenant_id, year)
      )`)
      for (const table of ["billing_invoices", "billing_invoice_counters"]) yield* enableTenantRls(table)
    }),
    "0004_invoices_immutable": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const fixed = [
        "tenant_id",
        "id",
        "number",
        "subscription_id",
        "plan_id",
        "currency",
        "period_start",
        "period_end",
        "lines",
        "subtotal",
        "tax_rate_bps",
        "tax",
        "total",
        "created_at"
      ]
      yield* sql.onDialectOrElse({
        pg: () =>
          Effect.all(
            [
              sql.unsafe(`CREATE FUNCTION billing_invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'billing_invoices: an invoice is never deleted'; END IF;
                IF ${fixed.map((c) => `NEW.${c} IS DISTINCT FROM OLD.${c}`).join(" OR ")} THEN
                  RAISE EXCEPTION 'billing_invoices: lines and amounts are immutable';
                END IF;
                IF OLD.status IN ('paid', 'void') THEN
                  RAISE EXCEPTION 'billing_invoices: a % invoice is final', OLD.status;
                END IF;
                RETURN NEW;
              END $$`),
              sql.unsafe(`CREATE TRIGGER billing_invoices_immutable BEFORE UPDATE OR DELETE ON billing_invoices
              FOR EACH ROW EXECUTE FUNCTION billing_invoices_immutable()`)
            ],
            { discard: true }
          ),
        orElse: () =>
          Effect.all(
            [
              sql.unsafe(`CREATE TRIGGER billing_invoices_fixed BEFORE UPDATE OF ${fixed.join(", ")} ON billing_invoices
              BEGIN SELECT RAISE(ABORT, 'billing_invoices: lines and amounts are immutable'); END`),
              sql.unsafe(`CREATE TRIGGER billing_invoices_final BEFORE UPDATE ON billing_invoices
              WHEN OLD.status IN ('paid', 'void')
              BEGIN SELECT RAISE(ABORT, 'billing_invoices: a paid or void invoice is final'); END`),
              sql.unsafe(`CREATE TRIGGER billing_invoices_no_delete BEFORE DELETE ON billing_invoices
              BEGIN SELECT RAISE(ABORT, 'billing_invoices: an invoice is never deleted'); END`)
            ],
            { discard: true }
          )
      })
    }),
    "0005_payments": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE billing_payment_customers (
        tenant_id ${t.uuid} NOT NULL,
        provider TEXT NOT NULL CHECK (provider IN ('stripe')),
        customer_id TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, provider)
      )`)
      yield* sql.unsafe(`CREATE TABLE billing_payment_events (
        tenant_id ${t.uuid} NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        object_key TEXT NOT NULL,
        event_created ${t.ts} NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'stale', 'ignored')),
        processed_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, event_id)
      )`)
      yield* sql.unsafe(
        `CREATE INDEX billing_payment_events_by_object ON billing_payment_events (tenant_id, object_key, event_created)`
      )
      yield* sql.unsafe(`ALTER TABLE billing_subscriptions ADD COLUMN past_due_at ${t.ts}`)
      for (const table of ["billing_payment_customers", "billing_payment_events"]) yield* enableTenantRls(table)
    }),
    "0006_corrections": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE billing_prorations (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        subscription_id ${t.uuid} NOT NULL,
        period_start ${t.ts} NOT NULL,
        changed_at ${t.ts} NOT NULL,
        old_plan TEXT NOT NULL,
        new_plan TEXT NOT NULL,
        old_fixed_amount ${t.bigint} NOT NULL CHECK (old_fixed_amount >= 0),
        new_fixed_amount ${t.bigint} NOT NULL CHECK (new_fixed_amount >= 0),
        seconds_in_period ${t.bigint} NOT NULL CHECK (seconds_in_period > 0),
        seconds_remaining ${t.bigint} NOT NULL CHECK (seconds_remaining >= 0),
        credit ${t.bigint} NOT NULL CHECK (credit >= 0),
        charge ${t.bigint} NOT NULL CHECK (charge >= 0),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, subscription_id) REFERENCES billing_subscriptions (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE INDEX billing_prorations_by_period ON billing_prorations (tenant_id, subscription_id, period_start)`
      )
      yield* sql.unsafe(`CREATE TABLE billing_credit_notes (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        number TEXT NOT NULL,
        invoice_id ${t.uuid} NOT NULL,
        invoice_number TEXT NOT NULL,
        currency TEXT NOT NULL,
        lines ${t.json} NOT NULL,
        total ${t.bigint} NOT NULL CHECK (total > 0),
        reason TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, number),
        FOREIGN KEY (tenant_id, invoice_id) REFERENCES billing_invoices (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX billing_credit_notes_by_invoice ON billing_credit_notes (tenant_id, invoice_id)`)
      yield* sql.unsafe(`CREATE TABLE billing_credit_note_counters (
        tenant_id ${t.uuid} NOT NULL,
        year INTEGER NOT NULL,
        last_number ${t.bigint} NOT NULL,
        PRIMARY KEY (tenant_id, year)
      )`)
      yield* sql.onDialectOrElse({
        pg: () =>
          Effect.all(
            [
              sql.unsafe(`CREATE FUNCTION billing_credit_notes_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'billing_credit_notes: a credit note is immutable'; END $$`),
              sql.unsafe(`CREATE TRIGGER billing_credit_notes_immutable BEFORE UPDATE OR DELETE ON billing_credit_notes
              FOR EACH ROW EXECUTE FUNCTION billing_credit_notes_immutable()`)
            ],
            { discard: true }
          ),
        orElse: () =>
          Effect.all(
            [
              sql.unsafe(`CREATE TRIGGER billing_credit_notes_no_update BEFORE UPDATE ON billing_credit_notes
              BEGIN SELECT RAISE(ABORT, 'billing_credit_notes: a credit note is immutable'); END`),
              sql.unsafe(`CREATE TRIGGER billing_credit_notes_no_delete BEFORE DELETE ON billing_credit_notes
              BEGIN SELECT RAISE(ABORT, 'billing_credit_notes: a credit note is immutable'); END`)
            ],
            { discard: true }
          )
      })
      for (const table of ["billing_prorations", "billing_credit_notes", "billing_credit_note_counters"])
        yield* enableTenantRls(table)
    }),
    "0007_stripe_sync": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE billing_payment_invoices (
        tenant_id ${t.uuid} NOT NULL,
        invoice_number TEXT NOT NULL,
        provider TEXT NOT NULL CHECK (provider IN ('stripe')),
        provider_invoice_id TEXT NOT NULL,
        hosted_url TEXT,
        synced_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, invoice_number)
      )`)
      yield* sql.unsafe(`CREATE TABLE billing_payment_refunds (
        tenant_id ${t.uuid} NOT NULL,
        charge_id TEXT NOT NULL,
        invoice_number TEXT NOT NULL,
        currency TEXT NOT NULL,
        refunded_total ${t.bigint} NOT NULL CHECK (refunded_total >= 0),
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, charge_id)
      )`)
      yield* sql.unsafe(`CREATE TABLE billing_payment_disputes (
        tenant_id ${t.uuid} NOT NULL,
        dispute_id TEXT NOT NULL,
        invoice_number TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount ${t.bigint} NOT NULL CHECK (amount >= 0),
        status TEXT NOT NULL,
        opened_at ${t.ts} NOT NULL,
        closed_at ${t.ts},
        PRIMARY KEY (tenant_id, dispute_id)
      )`)
      yield* sql.unsafe(`CREATE TABLE billing_payment_refs (
        provider TEXT NOT NULL CHECK (provider IN ('stripe')),
        reference TEXT NOT NULL,
        tenant_id ${t.uuid} NOT NULL,
        invoice_number TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (provider, reference)
      )`)
      for (const table of ["billing_payment_invoices", "billing_payment_refunds", "billing_payment_disputes"])
        yield* enableTenantRls(table)
    }),
    "0008_downgrade_policy": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`ALTER TABLE billing_plans ADD COLUMN downgrade_policy TEXT NOT NULL DEFAULT 'cancel'
        CHECK (downgrade_policy IN ('cancel', 'downgrade'))`)
      yield* sql.unsafe(`ALTER TABLE billing_plans ADD COLUMN downgrade_to TEXT`)
    })
  }
}
