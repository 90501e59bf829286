/**
 * Tenant-scoped local administration: the commands that act inside one
 * tenant (`--tenant <slug>`) run their core operations on the local
 * database, bound to that tenant, with the configuration of the working
 * directory.
 *
 * @module
 */
import { CurrentTenant, Tenancy } from "@signet/core"
import { Effect } from "effect"
import { local, localRead } from "./Runtime.js"
import { configLayer } from "./Settings.js"

/**
 * Runs `effect` on the local database bound to the tenant `slug` (as the
 * system actor, like every local command; `readOnly`: through `localRead`,
 * which does not migrate). Fails with `TenantNotFound` for an unknown slug.
 */
export const inTenant = <A, E, R>(slug: string, effect: Effect.Effect<A, E, R>, readOnly = false) =>
  (readOnly ? localRead : local)(
    Effect.flatMap(
      Tenancy.use((t) => t.get(slug)),
      (tenant) => Effect.provideService(effect, CurrentTenant, { id: tenant.id, slug: tenant.slug })
    )
  ).pipe(Effect.provide(configLayer()))
