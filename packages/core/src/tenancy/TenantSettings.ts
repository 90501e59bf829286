/**
 * A tenant's settings (seed 001 "Settings Management"; issue 14 §3): the
 * effective value of every key (stored over default), typed reads for other
 * modules on hot paths (cached), and validated, audited writes
 * (`settings.update` audit row, `signet.tenant.setting.updated` CloudEvent,
 * in one transaction). The keys, schemas and defaults are in `Settings.ts`.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { TenantId } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { SettingNotFound, TenantSetting } from "@signet/contracts/tenancy/Domain"
import { Effect, Either, Option, Schema } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import { makeTtlCache } from "../kernel/TtlCache.js"
import { bindTenant, nowInstant } from "./Lifecycle.js"
import { type Lookup, TENANT_CACHE_MS } from "./Lookup.js"
import type { SettingRow, TenancyRepo } from "./Repo.js"
import { SETTINGS, validateSetting } from "./Settings.js"

/** At most this many tenants' settings are cached; the cache is cleared when it would grow past it. */
const CACHE_TENANTS = 10_000

/** What the settings operations are built from. */
export interface SettingsDeps {
  readonly sql: SqlClient.SqlClient
  readonly repo: TenancyRepo
  readonly lookup: Lookup
  readonly audit: Audit
  readonly events: Events
}

/** The settings operations; see the module comment. */
export const makeSettings = ({ audit, events, lookup, repo, sql }: SettingsDeps) => {
  const withTenant = bindTenant(sql)
  // A tenant's rows, read on hot paths (logins, beacon proofs), kept for TENANT_CACHE_MS. A write
  // invalidates them after its commit: a read begun before it (it may have read the rows the
  // write replaced) is answered to its caller but not cached. Concurrent misses read once.
  const cache = makeTtlCache<ReadonlyArray<SettingRow>>({ ttlMs: TENANT_CACHE_MS, maxEntries: CACHE_TENANTS })
  const invalidate = (tenantId: string) => cache.invalidate(tenantId)

  const readSettings = (tenant: { readonly id: string; readonly slug: string }) =>
    withTenant(tenant, repo.readSettings(tenant.id))

  const toSetting = (key: string, stored: Option.Option<SettingRow>) => {
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

  const definition = (key: string) =>
    Option.match(Option.fromNullable(SETTINGS.get(key)), {
      onNone: () => Effect.fail(new SettingNotFound({ message: `no setting "${key}"`, key })),
      onSome: Effect.succeed
    })

  /** Every setting of a tenant with its effective value, by key. @errors TenantNotFound */
  const listSettings = (slug: string) =>
    Effect.gen(function* () {
      const tenant = yield* lookup.get(slug)
      const rows = yield* readSettings(tenant)
      const byKey = new Map(rows.map((r) => [r.key, r]))
      return [...SETTINGS.keys()].sort().map((k) => toSetting(k, Option.fromNullable(byKey.get(k))))
    })

  /** One setting of a tenant. @errors TenantNotFound, SettingNotFound */
  const getSetting = (slug: string, key: string) =>
    Effect.gen(function* () {
      yield* definition(key)
      const all = yield* listSettings(slug)
      return all.find((s) => s.key === key)!
    })

  /**
   * Typed read of an effective setting value of a tenant (used by other
   * modules, e.g. identity reads `auth.lockout_threshold`). Hot paths
   * (logins, beacon proofs) read settings on every request: the rows are
   * kept for `TENANT_CACHE_MS` per tenant (a change in this process is seen
   * at once, on other replicas within it). An unknown key is a defect.
   */
  const settingValue = <A>(tenantId: TenantId, key: string): Effect.Effect<A> =>
    Effect.gen(function* () {
      const def = SETTINGS.get(key)
      if (!def) return yield* Effect.dieMessage(`unknown setting ${key}`)
      const rows = yield* cache.get(
        tenantId,
        Effect.flatMap(lookup.getById(tenantId).pipe(Effect.orDie), (tenant) => readSettings(tenant))
      )
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
      const tenant = yield* lookup.get(slug)
      const decoded = validateSetting(def, value)
      if (Either.isLeft(decoded)) return yield* ValidationError.field("value", `${key}: ${decoded.left}`)
      const before = yield* getSetting(slug, key)
      const at = yield* nowInstant
      yield* withTenant(
        tenant,
        Effect.gen(function* () {
          yield* repo.upsertSetting(tenant.id, key, decoded.right, at)
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
      ).pipe(Effect.ensuring(invalidate(tenant.id)))
      return yield* getSetting(slug, key)
    }).pipe(Effect.withSpan("Tenancy.putSetting"))

  /** Resets a setting to its default. @errors TenantNotFound, SettingNotFound */
  const resetSetting = (slug: string, key: string) =>
    Effect.flatMap(definition(key), (def) => putSetting(slug, key, Schema.encodeSync(def.schema)(def.default))).pipe(
      Effect.catchTag("ValidationError", (e) => Effect.die(e)) // a default always satisfies its own schema
    )

  return { listSettings, getSetting, settingValue, putSetting, resetSetting } as const
}
