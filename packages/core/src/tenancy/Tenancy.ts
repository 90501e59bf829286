/**
 * The tenancy service: onboarding, lookup, lifecycle and settings.
 *
 * Every mutating operation runs in one transaction bound to the tenant it
 * changes, writes exactly one audit row and one CloudEvent
 * (`signet.tenant.created|updated|suspended|reactivated|deleted|restored`,
 * `signet.tenant.setting.updated`) in that same transaction.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { type CurrentActor, CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import {
  type CreateTenant,
  InvalidTenantTransition,
  SettingNotFound,
  Tenant,
  TenantNotFound,
  TenantSetting,
  type TenantStatus,
  TenantSuspended,
  type UpdateTenant
} from "@signet/contracts/tenancy/Domain"
import { Clock, Effect, Either, Option, Ref, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { isUniqueViolation, tenantTx, violatedConstraint } from "../kernel/Database.js"
import { DbJson, instant, json } from "../kernel/Sql.js"
import { SETTINGS, validateSetting } from "./Settings.js"

/**
 * A step run inside the onboarding transaction, after the tenant row and its
 * settings exist (e.g. identity creates the first admin). `CurrentTenant` is
 * the new tenant.
 */
export interface OnboardingStep {
  readonly name: string
  /** Runs in the onboarding transaction; a failure rolls the whole onboarding back and is returned to the caller. */
  readonly run: (
    tenant: Tenant,
    input: CreateTenant
  ) => Effect.Effect<void, ValidationError | Conflict, CurrentTenant | CurrentActor>
}

/** Filters of {@link Tenancy.list}. */
export interface ListTenants {
  readonly status?: TenantStatus | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

const TenantRow = Schema.Struct({
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
})
const decodeTenants = (rows: ReadonlyArray<unknown>) =>
  Schema.decodeUnknown(Schema.Array(Schema.compose(TenantRow, Tenant, { strict: false })))(rows).pipe(Effect.orDie)

const SettingRow = Schema.Struct({ key: Schema.String, value: DbJson, updated_at: Schema.String })

/**
 * Tenancy service. Platform-level operations (create, list, lifecycle)
 * require an operator; the server enforces that before calling.
 */
export class Tenancy extends Effect.Service<Tenancy>()("Signet/Tenancy", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const steps = yield* Ref.make<ReadonlyArray<OnboardingStep>>([])

    const now = Effect.map(Clock.currentTimeMillis, instant)
    const withTenant = <A, E, R>(
      tenant: { readonly id: string; readonly slug: string },
      self: Effect.Effect<A, E, R>
    ) =>
      tenantTx(self).pipe(
        Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }),
        Effect.provideService(SqlClient.SqlClient, sql)
      )

    const conflictFrom = (error: unknown): Conflict => {
      const c = violatedConstraint(error)
      const field = c.includes("custom_domain") ? "custom_domain" : "slug"
      return new Conflict({
        message: field === "slug" ? "a tenant with this slug already exists" : "this custom domain is already in use",
        field
      })
    }

    // Every authenticated request resolves its tenant: cache lookups for
    // CACHE_MS. Mutations in this process clear the cache at once; other
    // replicas see a change (e.g. a suspension) within CACHE_MS.
    const CACHE_MS = 2000
    const cache = new Map<string, { readonly at: number; readonly tenant: Option.Option<Tenant> }>()
    const invalidate = Effect.sync(() => cache.clear())
    const settingsCache = new Map<
      string,
      { readonly at: number; readonly rows: ReadonlyArray<typeof SettingRow.Type> }
    >()
    const cached = (key: string, load: Effect.Effect<Option.Option<Tenant>>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const hit = cache.get(key)
        if (hit && now - hit.at < CACHE_MS) return hit.tenant
        const tenant = yield* load
        if (cache.size > 10_000) cache.clear()
        cache.set(key, { at: now, tenant })
        return tenant
      })

    /** Looks a tenant up by slug, including deleted ones. */
    const findBySlug = (slug: string) =>
      cached(
        `slug:${slug}`,
        sql`SELECT * FROM tenants WHERE slug = ${slug}`.pipe(
          Effect.orDie,
          Effect.flatMap(decodeTenants),
          Effect.map((rows) => Option.fromNullable(rows[0]))
        )
      )

    const notFound = (slug: string) => new TenantNotFound({ message: `no tenant "${slug}"`, tenant: slug })

    /** The tenant with this slug; deleted tenants answer {@link TenantNotFound}. */
    const get = (slug: string): Effect.Effect<Tenant, TenantNotFound> =>
      Effect.flatMap(findBySlug(slug), (t) =>
        Option.isSome(t) && t.value.status !== "deleted" ? Effect.succeed(t.value) : Effect.fail(notFound(slug))
      )

    /** The tenant with this id; deleted tenants answer {@link TenantNotFound}. */
    const getById = (id: string): Effect.Effect<Tenant, TenantNotFound> =>
      cached(
        `id:${id}`,
        sql`SELECT * FROM tenants WHERE id = ${id}`.pipe(
          Effect.orDie,
          Effect.flatMap(decodeTenants),
          Effect.map((rows) => Option.fromNullable(rows[0]))
        )
      ).pipe(
        Effect.flatMap((t) =>
          Option.isSome(t) && t.value.status !== "deleted" ? Effect.succeed(t.value) : Effect.fail(notFound(id))
        )
      )

    /**
     * The tenant a user-facing request runs for: must exist and be active.
     * @errors TenantNotFound, TenantSuspended
     */
    const resolveActive = (slug: string): Effect.Effect<Tenant, TenantNotFound | TenantSuspended> =>
      Effect.flatMap(get(slug), (t) =>
        t.status === "suspended"
          ? Effect.fail(
              new TenantSuspended({
                message: `tenant "${slug}" is suspended; contact your administrator`,
                tenant: slug
              })
            )
          : Effect.succeed(t)
      )

    /** Registers a step of the onboarding transaction (see {@link OnboardingStep}). */
    const addOnboardingStep = (step: OnboardingStep) =>
      Ref.update(steps, (s) => [...s.filter((x) => x.name !== step.name), step])

    /**
     * Onboards a tenant: the tenant row, every default setting and the
     * registered onboarding steps, in one transaction.
     * @errors Conflict (slug or custom domain taken), ValidationError (e.g. the
     * first admin's password breaks the policy) — nothing is written then.
     */
    const create = (input: CreateTenant): Effect.Effect<Tenant, Conflict | ValidationError, CurrentActor> =>
      Effect.gen(function* () {
        const id = (yield* newUuid) as TenantId
        const at = yield* now
        const tenant = new Tenant({
          id,
          slug: input.slug,
          name: input.name,
          region: input.region ?? "global",
          plan: input.plan ?? "free",
          status: "active",
          custom_domain: input.custom_domain ?? null,
          created_at: at,
          updated_at: at,
          deleted_at: null
        })
        const registered = yield* Ref.get(steps)
        yield* withTenant(
          tenant,
          Effect.gen(function* () {
            yield* sql`INSERT INTO tenants (id, slug, name, region, plan, status, custom_domain, created_at, updated_at)
              VALUES (${id}, ${tenant.slug}, ${tenant.name}, ${tenant.region}, ${tenant.plan}, 'active',
                ${tenant.custom_domain}, ${at}, ${at})`.pipe(
              Effect.catchIf(isUniqueViolation, (e) => Effect.fail(conflictFrom(e))),
              Effect.catchTag("SqlError", Effect.die)
            )
            for (const def of SETTINGS.values()) {
              yield* sql`INSERT INTO tenant_settings (tenant_id, key, value, updated_at)
                VALUES (${id}, ${def.key}, ${json(def.default)}, ${at})`.pipe(Effect.orDie)
            }
            for (const step of registered) yield* step.run(tenant, input)
            yield* audit.record({ action: "tenant.create", targetType: "tenant", targetId: id, after: tenant })
            yield* events.publish({ type: "signet.tenant.created", subject: id, data: tenant })
          })
        )
        return tenant
      }).pipe(
        // Reads inside the onboarding transaction may have cached rows that a rollback undoes.
        Effect.ensuring(invalidate),
        Effect.withSpan("Tenancy.create")
      )

    /** Lists tenants (not deleted unless `status: "deleted"`), by id, with cursor pagination. */
    const list = (params: ListTenants = {}) =>
      Effect.gen(function* () {
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const conditions = [params.status ? sql`status = ${params.status}` : sql`status <> 'deleted'`]
        if (after) conditions.push(sql`id > ${after}`)
        const rows = yield* sql`SELECT * FROM tenants WHERE ${sql.and(conditions)} ORDER BY id LIMIT ${limit + 1}`.pipe(
          Effect.orDie,
          Effect.flatMap(decodeTenants)
        )
        return toPage(rows, limit)
      })

    const mutate = <E>(
      slug: string,
      action: string,
      change: (t: Tenant, at: string) => Effect.Effect<Option.Option<Partial<Omit<Tenant, "id">>>, E>,
      options: { readonly includeDeleted?: boolean } = {}
    ) =>
      Effect.gen(function* () {
        const found = yield* findBySlug(slug)
        if (Option.isNone(found) || (found.value.status === "deleted" && !options.includeDeleted)) {
          return yield* notFound(slug)
        }
        const before = found.value
        const at = yield* now
        const patch = yield* change(before, at)
        if (Option.isNone(patch)) return before
        const after = new Tenant({ ...before, ...patch.value, updated_at: at })
        return yield* withTenant(
          before,
          Effect.gen(function* () {
            yield* sql`UPDATE tenants SET name = ${after.name}, region = ${after.region}, plan = ${after.plan},
                status = ${after.status}, custom_domain = ${after.custom_domain}, updated_at = ${at},
                deleted_at = ${after.deleted_at}
              WHERE id = ${before.id}`.pipe(
              Effect.catchIf(isUniqueViolation, (e) => Effect.fail(conflictFrom(e))),
              Effect.catchTag("SqlError", Effect.die)
            )
            yield* audit.record({
              action: `tenant.${action}`,
              targetType: "tenant",
              targetId: before.id,
              before,
              after
            })
            yield* events.publish({
              type: `signet.tenant.${action === "update" ? "updated" : action}`,
              subject: before.id,
              data: after
            })
            return after
          })
        )
      }).pipe(Effect.ensuring(invalidate), Effect.withSpan(`Tenancy.${action}`))

    /**
     * Changes name, region, plan or custom domain. An empty patch changes
     * nothing and writes no audit row.
     * @errors TenantNotFound, Conflict
     */
    const update = (slug: string, input: UpdateTenant) =>
      mutate(slug, "update", (t) => {
        const patch: Record<string, unknown> = {}
        if (input.name !== undefined && input.name !== t.name) patch.name = input.name
        if (input.region !== undefined && input.region !== t.region) patch.region = input.region
        if (input.plan !== undefined && input.plan !== t.plan) patch.plan = input.plan
        if (input.custom_domain !== undefined && input.custom_domain !== t.custom_domain) {
          patch.custom_domain = input.custom_domain
        }
        return Effect.succeed(Object.keys(patch).length === 0 ? Option.none() : Option.some(patch))
      })

    const transition = (
      slug: string,
      action: string,
      from: ReadonlyArray<TenantStatus>,
      to: TenantStatus
    ): Effect.Effect<Tenant, TenantNotFound | InvalidTenantTransition, CurrentActor> =>
      mutate(
        slug,
        action,
        (t, at) =>
          from.includes(t.status)
            ? Effect.succeed(Option.some({ status: to, deleted_at: to === "deleted" ? at : null }))
            : Effect.fail(
                new InvalidTenantTransition({
                  message: `cannot ${action === "deleted" ? "delete" : action.replace(/ed$/, "")} a tenant that is ${t.status}`,
                  from: t.status,
                  action
                })
              ),
        { includeDeleted: from.includes("deleted") }
      ).pipe(Effect.catchTag("Conflict", (e) => Effect.die(e))) // status changes touch no unique column

    /** Suspends an active tenant: its users are refused with {@link TenantSuspended}. */
    const suspend = (slug: string) => transition(slug, "suspended", ["active"], "suspended")
    /** Reactivates a suspended tenant. */
    const reactivate = (slug: string) => transition(slug, "reactivated", ["suspended"], "active")
    /** Soft-deletes a tenant (active or suspended); its slug stays reserved. */
    const remove = (slug: string) => transition(slug, "deleted", ["active", "suspended"], "deleted")
    /** Restores a soft-deleted tenant as active. */
    const restore = (slug: string) => transition(slug, "restored", ["deleted"], "active")

    const readSettings = (tenant: Tenant) =>
      withTenant(
        tenant,
        sql`SELECT key, value, updated_at FROM tenant_settings WHERE tenant_id = ${tenant.id}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Schema.Array(SettingRow))),
          Effect.orDie
        )
      )

    const toSetting = (key: string, stored: Option.Option<{ value: unknown; updated_at: string }>) => {
      const def = SETTINGS.get(key)!
      return new TenantSetting({
        key,
        value: Option.match(stored, { onNone: () => def.default, onSome: (s) => s.value }),
        default: def.default,
        is_default: Option.match(stored, {
          onNone: () => true,
          onSome: (s) => JSON.stringify(s.value) === JSON.stringify(def.default)
        }),
        description: def.description,
        updated_at: Option.match(stored, { onNone: () => null, onSome: (s) => s.updated_at })
      })
    }

    /** Every setting of a tenant with its effective value. */
    const listSettings = (slug: string) =>
      Effect.gen(function* () {
        const tenant = yield* get(slug)
        const rows = yield* readSettings(tenant)
        const byKey = new Map(rows.map((r) => [r.key, r]))
        return [...SETTINGS.keys()].sort().map((k) => toSetting(k, Option.fromNullable(byKey.get(k))))
      })

    const definition = (key: string) =>
      Option.match(Option.fromNullable(SETTINGS.get(key)), {
        onNone: () => Effect.fail(new SettingNotFound({ message: `no setting "${key}"`, key })),
        onSome: Effect.succeed
      })

    /** One setting of a tenant. @errors TenantNotFound, SettingNotFound */
    const getSetting = (slug: string, key: string) =>
      Effect.gen(function* () {
        yield* definition(key)
        const all = yield* listSettings(slug)
        return all.find((s) => s.key === key)!
      })

    /**
     * Typed read of an effective setting value for the current tenant (used
     * by other modules, e.g. identity reads `auth.lockout_threshold`).
     */
    const settingValue = <A>(tenantId: string, key: string): Effect.Effect<A> =>
      Effect.gen(function* () {
        const def = SETTINGS.get(key)
        if (!def) return yield* Effect.dieMessage(`unknown setting ${key}`)
        // Hot paths (logins, beacon proofs) read settings on every request: the rows are kept for
        // CACHE_MS per tenant (a change in this process is seen at once, on other replicas within it).
        const now = yield* Clock.currentTimeMillis
        const hit = settingsCache.get(tenantId)
        let rows = hit && now - hit.at < CACHE_MS ? hit.rows : undefined
        if (rows === undefined) {
          const tenant = yield* getById(tenantId).pipe(Effect.orDie)
          rows = yield* readSettings(tenant)
          if (settingsCache.size > 10_000) settingsCache.clear()
          settingsCache.set(tenantId, { at: now, rows })
        }
        const row = rows.find((r) => r.key === key)
        return (row ? row.value : def.default) as A
      })

    /**
     * Sets a tenant setting after validating it against its schema.
     * @errors TenantNotFound, SettingNotFound, ValidationError (field `value`)
     */
    const putSetting = (slug: string, key: string, value: unknown) =>
      Effect.gen(function* () {
        const def = yield* definition(key)
        const tenant = yield* get(slug)
        const decoded = validateSetting(def, value)
        if (Either.isLeft(decoded)) return yield* ValidationError.field("value", `${key}: ${decoded.left}`)
        const before = yield* getSetting(slug, key)
        const at = yield* now
        yield* withTenant(
          tenant,
          Effect.gen(function* () {
            yield* sql`INSERT INTO tenant_settings (tenant_id, key, value, updated_at)
              VALUES (${tenant.id}, ${key}, ${json(decoded.right)}, ${at})
              ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`.pipe(
              Effect.orDie
            )
            settingsCache.delete(tenant.id)
            yield* audit.record({
              action: "settings.update",
              targetType: "setting",
              targetId: key,
              before: { key, value: before.value },
              after: { key, value: decoded.right }
            })
            yield* events.publish({
              type: "signet.tenant.setting.updated",
              subject: tenant.id,
              data: { key, value: decoded.right }
            })
          })
        )
        return yield* getSetting(slug, key)
      }).pipe(Effect.withSpan("Tenancy.putSetting"))

    /** Resets a setting to its default. @errors TenantNotFound, SettingNotFound */
    const resetSetting = (slug: string, key: string) =>
      Effect.flatMap(definition(key), (def) => putSetting(slug, key, Schema.encodeSync(def.schema)(def.default))).pipe(
        Effect.catchTag("ValidationError", (e) => Effect.die(e)) // a default always satisfies its own schema
      )

    return {
      get,
      getById,
      resolveActive,
      findBySlug,
      addOnboardingStep,
      create,
      list,
      update,
      suspend,
      reactivate,
      remove,
      restore,
      listSettings,
      getSetting,
      settingValue,
      putSetting,
      resetSetting
    } as const
  })
}) {}
