/**
 * Tenant onboarding and lifecycle (seed 003 "Tenant Service"; issue 14 §3):
 * create with its default settings and the other modules' onboarding work,
 * list, update, and the status transitions
 * active ⇄ suspended → deleted → active (restore).
 *
 * Every change runs in one transaction bound to the tenant it changes and
 * writes exactly one audit row and one CloudEvent
 * (`signet.tenant.created|updated|suspended|reactivated|deleted|restored`).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { type CurrentActor, CurrentTenant, TenantId } from "@signet/contracts/kernel/Context"
import { Conflict, type ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import {
  type CreateTenant,
  InvalidTenantTransition,
  Tenant,
  type TenantNotFound,
  type TenantStatus,
  type UpdateTenant
} from "@signet/contracts/tenancy/Domain"
import { Clock, DateTime, Effect, Option } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import { tenantTx, violatedConstraint } from "../kernel/Database.js"
import type { Lookup } from "./Lookup.js"
import { TenantOnboarding } from "./Ports.js"
import type { TenancyRepo, TenantUniqueViolation } from "./Repo.js"
import { SETTINGS } from "./Settings.js"

/** Filters of `Tenancy.list`. */
export interface ListTenants {
  readonly status?: TenantStatus | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/** The current time as a `DateTime.Utc` (stored as its ISO-8601 string). */
export const nowInstant = Effect.map(Clock.currentTimeMillis, (ms) => DateTime.unsafeMake(ms))

/** Runs `self` on `sql` in a transaction bound to `tenant` (row-level security on Postgres). */
export const bindTenant =
  (sql: SqlClient.SqlClient) =>
  <A, E, R>(tenant: { readonly id: string; readonly slug: string }, self: Effect.Effect<A, E, R>) =>
    tenantTx(self).pipe(
      Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }),
      Effect.provideService(SqlClient.SqlClient, sql)
    )

/** The `Conflict` a taken slug or custom domain answers. */
const conflictFrom = (violation: TenantUniqueViolation): Conflict => {
  const field = violatedConstraint(violation.error).includes("custom_domain") ? "custom_domain" : "slug"
  return new Conflict({
    message: field === "slug" ? "a tenant with this slug already exists" : "this custom domain is already in use",
    field
  })
}

/** What the lifecycle operations are built from. */
export interface LifecycleDeps {
  readonly sql: SqlClient.SqlClient
  readonly repo: TenancyRepo
  readonly lookup: Lookup
  readonly audit: Audit
  readonly events: Events
}

/** Onboarding and lifecycle; see the module comment. */
export const makeLifecycle = Effect.fnUntraced(function* ({ audit, events, lookup, repo, sql }: LifecycleDeps) {
  const withTenant = bindTenant(sql)
  /**
   * Onboards a tenant: the tenant row, every default setting and the
   * other modules' onboarding work ({@link TenantOnboarding}: default roles,
   * the first admin given with `admin`), in one transaction.
   * @errors Conflict (slug or custom domain taken), ValidationError (e.g. the
   * first admin's password breaks the policy) — nothing is written then.
   */
  const create = (
    input: CreateTenant
  ): Effect.Effect<Tenant, Conflict | ValidationError, CurrentActor | TenantOnboarding> =>
    Effect.gen(function* () {
      const id = yield* newId(TenantId)
      const at = yield* nowInstant
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
      const onboarding = yield* TenantOnboarding
      yield* withTenant(
        tenant,
        Effect.gen(function* () {
          yield* repo.insert(tenant).pipe(Effect.mapError(conflictFrom))
          for (const def of SETTINGS.values()) yield* repo.upsertSetting(id, def.key, def.default, at)
          yield* onboarding.run(tenant, input)
          yield* audit.record({ action: "tenant.create", targetType: "tenant", targetId: id, after: tenant })
          yield* events.publish({ type: "signet.tenant.created", subject: id, data: tenant })
        })
      )
      return tenant
    }).pipe(
      // Reads inside the onboarding transaction may have cached rows that a rollback undoes.
      Effect.ensuring(lookup.invalidate),
      Effect.withSpan("Tenancy.create")
    )

  /** Lists tenants (not deleted unless `status: "deleted"`), by id, with cursor pagination. @errors ValidationError (cursor) */
  const list = (params: ListTenants = {}) =>
    Effect.gen(function* () {
      const limit = params.limit ?? DEFAULT_LIMIT
      const after = yield* decodeCursor(params.cursor)
      const rows = yield* repo.list({ status: params.status, ...(after ? { after } : {}), limit: limit + 1 })
      return toPage(rows, limit)
    })

  const mutate = <E>(
    slug: string,
    action: string,
    change: (t: Tenant, at: DateTime.Utc) => Effect.Effect<Option.Option<Partial<Omit<Tenant, "id">>>, E>,
    options: { readonly includeDeleted?: boolean } = {}
  ) =>
    Effect.gen(function* () {
      const found = yield* lookup.findBySlug(slug)
      if (Option.isNone(found) || (found.value.status === "deleted" && !options.includeDeleted)) {
        return yield* lookup.notFound(slug)
      }
      const before = found.value
      const at = yield* nowInstant
      const patch = yield* change(before, at)
      if (Option.isNone(patch)) return before
      const after = new Tenant({ ...before, ...patch.value, updated_at: at })
      return yield* withTenant(
        before,
        Effect.gen(function* () {
          yield* repo.update(after).pipe(Effect.mapError(conflictFrom))
          yield* audit.record({ action: `tenant.${action}`, targetType: "tenant", targetId: before.id, before, after })
          yield* events.publish({
            type: `signet.tenant.${action === "update" ? "updated" : action}`,
            subject: before.id,
            data: after
          })
          return after
        })
      )
    }).pipe(Effect.ensuring(lookup.invalidate), Effect.withSpan(`Tenancy.${action}`))

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

  return {
    create,
    list,
    update,
    /** Suspends an active tenant: its users are refused with `TenantSuspended`. @errors TenantNotFound, InvalidTenantTransition */
    suspend: (slug: string) => transition(slug, "suspended", ["active"], "suspended"),
    /** Reactivates a suspended tenant. @errors TenantNotFound, InvalidTenantTransition */
    reactivate: (slug: string) => transition(slug, "reactivated", ["suspended"], "active"),
    /** Soft-deletes a tenant (active or suspended); its slug stays reserved. @errors TenantNotFound, InvalidTenantTransition */
    remove: (slug: string) => transition(slug, "deleted", ["active", "suspended"], "deleted"),
    /** Restores a soft-deleted tenant as active. @errors TenantNotFound, InvalidTenantTransition */
    restore: (slug: string) => transition(slug, "restored", ["deleted"], "active")
  } as const
})
