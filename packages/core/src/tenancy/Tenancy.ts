/**
 * The tenancy service: onboarding, lookup, lifecycle and settings (seed 003
 * "Tenant Service", seed 001 "Settings Management"), composed from its
 * seams (issue 14 §3): `Lookup.ts` (cached lookups, the active-tenant
 * rule), `Lifecycle.ts` (create with the `TenantOnboarding` port, list, update,
 * suspend/reactivate/delete/restore), `TenantSettings.ts` (effective
 * values, validated writes) over the repository `Repo.ts`.
 *
 * Every mutating operation runs in one transaction bound to the tenant it
 * changes, writes exactly one audit row and one CloudEvent
 * (`signet.tenant.created|updated|suspended|reactivated|deleted|restored`,
 * `signet.tenant.setting.updated`) in that same transaction.
 *
 * Platform-level operations (create, list, lifecycle) are the platform
 * operator's; the transports authenticate the operator before calling. A
 * tenant's own members reach its profile and settings through
 * `TenantAdmin` (Platform.ts), which checks their permissions.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { makeLifecycle } from "./Lifecycle.js"
import { makeLookup } from "./Lookup.js"
import { TenancyRepo } from "./Repo.js"
import { makeSettings } from "./TenantSettings.js"

export type { ListTenants } from "./Lifecycle.js"
export { noOnboarding, TenantOnboarding } from "./Ports.js"

/** Tenancy service; see the module comment. */
export class Tenancy extends Effect.Service<Tenancy>()("Signet/Tenancy", {
  effect: Effect.gen(function* () {
    const deps = {
      sql: yield* SqlClient.SqlClient,
      repo: yield* TenancyRepo,
      audit: yield* Audit,
      events: yield* Events
    }
    const lookup = makeLookup(deps.repo)
    const lifecycle = yield* makeLifecycle({ ...deps, lookup })
    const settings = makeSettings({ ...deps, lookup })
    const { findBySlug, get, getById, getByDomain, resolveActive } = lookup
    return { get, getById, getByDomain, resolveActive, findBySlug, ...lifecycle, ...settings } as const
  }),
  dependencies: [TenancyRepo.Default]
}) {}
