/**
 * The tenancy repository: all of tenancy's SQL (ARCHITECTURE §1 "Repo.ts";
 * issue 14 §2). It is the only writer of `tenants` and `tenant_settings`.
 *
 * `tenants` is a platform table (looked up before any tenant context
 * exists); `tenant_settings` rows belong to a tenant, so their methods run
 * in the caller's tenant transaction (`tenantTx`, which on Postgres also
 * sets the row-level-security tenant) and filter by the tenant id given.
 * Rows are decoded once into the domain's {@link Tenant}; SQL errors become
 * defects, except unique violations on insert/update, which the caller
 * turns into a `Conflict`. Each method has a span `TenancyRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Tenant, type TenantStatus } from "@signet/contracts/tenancy/Domain"
import { Data, DateTime, Effect, Schema } from "effect"
import { isUniqueViolation } from "../kernel/Database.js"
import { DbJson, json, REPO_SPAN, repoSpan } from "../kernel/Sql.js"

/** A `tenants` row as the domain's {@link Tenant}. */
const TenantFromRow = Schema.compose(
  Schema.Struct({
    id: Schema.String,
    slug: Schema.String,
    name: Schema.String,
    region: Schema.String,
    plan: Schema.String,
    status: Schema.String,
    custom_domain: Schema.NullOr(Schema.String),
    created_at: Schema.String,
    updated_at: Schema.String,
    deleted_at: Schema.NullOr(Schema.String)
  }),
  Tenant,
  { strict: false }
)

/** A stored setting: its key, JSON value and last change (ISO-8601 UTC). */
export const SettingRow = Schema.Struct({ key: Schema.String, value: DbJson, updated_at: Schema.DateTimeUtc })
/** @see SettingRow */
export type SettingRow = typeof SettingRow.Type

/** A unique violation (slug or custom domain taken), with the database's error for the caller to name the column. */
export class TenantUniqueViolation extends Data.TaggedError("TenantUniqueViolation")<{ readonly error: unknown }> {}

/** Tenancy's SQL; see the module comment. */
export class TenancyRepo extends Effect.Service<TenancyRepo>()("Signet/TenancyRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const span = repoSpan("TenancyRepo")
    /** Unique violations as {@link TenantUniqueViolation}, other SQL errors as defects. */
    const unique =
      (name: string) =>
      <A, E, R>(self: Effect.Effect<A, E, R>) =>
        self.pipe(
          Effect.catchAll((e) =>
            isUniqueViolation(e) ? Effect.fail(new TenantUniqueViolation({ error: e })) : Effect.die(e)
          ),
          Effect.withSpan(`TenancyRepo.${name}`, REPO_SPAN)
        )

    const bySlugQ = SqlSchema.findOne({
      Request: Schema.String,
      Result: TenantFromRow,
      execute: (slug) => sql`SELECT * FROM tenants WHERE slug = ${slug}`
    })
    const byDomainQ = SqlSchema.findOne({
      Request: Schema.String,
      Result: TenantFromRow,
      execute: (domain) => sql`SELECT * FROM tenants WHERE custom_domain = ${domain}`
    })
    const byIdQ = SqlSchema.findOne({
      Request: Schema.String,
      Result: TenantFromRow,
      execute: (id) => sql`SELECT * FROM tenants WHERE id = ${id}`
    })
    const listQ = SqlSchema.findAll({
      Request: Schema.Struct({
        status: Schema.UndefinedOr(Schema.String),
        after: Schema.UndefinedOr(Schema.String),
        limit: Schema.Number
      }),
      Result: TenantFromRow,
      execute: (r) => {
        const conditions = [r.status ? sql`status = ${r.status}` : sql`status <> 'deleted'`]
        if (r.after) conditions.push(sql`id > ${r.after}`)
        return sql`SELECT * FROM tenants WHERE ${sql.and(conditions)} ORDER BY id LIMIT ${r.limit}`
      }
    })
    const settingsQ = SqlSchema.findAll({
      Request: Schema.String,
      Result: SettingRow,
      execute: (tenantId) => sql`SELECT key, value, updated_at FROM tenant_settings WHERE tenant_id = ${tenantId}`
    })

    return {
      /** The tenant with this slug, deleted ones included. */
      findBySlug: (slug: string) => bySlugQ(slug).pipe(span("findBySlug")),
      /** The tenant whose custom domain this is, deleted ones included. */
      findByDomain: (domain: string) => byDomainQ(domain).pipe(span("findByDomain")),
      /** The tenant with this id, deleted ones included. */
      findById: (id: string) => byIdQ(id).pipe(span("findById")),
      /** Up to `limit` tenants by id after `after`, of `status` (default: every status but deleted). */
      list: (params: { readonly status?: TenantStatus | undefined; readonly after?: string; readonly limit: number }) =>
        listQ({ status: params.status, after: params.after, limit: params.limit }).pipe(span("list")),
      /** Inserts a new tenant. @errors TenantUniqueViolation (slug or custom domain taken) */
      insert: (t: Tenant) =>
        sql`INSERT INTO tenants (id, slug, name, region, plan, status, custom_domain, created_at, updated_at)
          VALUES (${t.id}, ${t.slug}, ${t.name}, ${t.region}, ${t.plan}, ${t.status}, ${t.custom_domain},
            ${DateTime.formatIso(t.created_at)}, ${DateTime.formatIso(t.updated_at)})`.pipe(
          Effect.asVoid,
          unique("insert")
        ),
      /** Writes a tenant's mutable columns. @errors TenantUniqueViolation (custom domain taken) */
      update: (t: Tenant) =>
        sql`UPDATE tenants SET name = ${t.name}, region = ${t.region}, plan = ${t.plan}, status = ${t.status},
            custom_domain = ${t.custom_domain}, updated_at = ${DateTime.formatIso(t.updated_at)},
            deleted_at = ${t.deleted_at === null ? null : DateTime.formatIso(t.deleted_at)}
          WHERE id = ${t.id}`.pipe(Effect.asVoid, unique("update")),
      /** A tenant's stored settings (in the tenant's transaction). */
      readSettings: (tenantId: string) => settingsQ(tenantId).pipe(span("readSettings")),
      /** Creates or replaces one stored setting (in the tenant's transaction). */
      upsertSetting: (tenantId: string, key: string, value: unknown, at: DateTime.Utc) =>
        sql`INSERT INTO tenant_settings (tenant_id, key, value, updated_at)
          VALUES (${tenantId}, ${key}, ${json(value)}, ${DateTime.formatIso(at)})
          ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`.pipe(
          Effect.asVoid,
          span("upsertSetting")
        )
    } as const
  })
}) {}
