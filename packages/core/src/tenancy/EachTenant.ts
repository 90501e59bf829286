/**
 * Running a job's step in every active tenant (the scheduled jobs of
 * attendance, billing and activities; ARCHITECTURE §6): tenants are read
 * 200 at a time, each step runs in its tenant as the system actor, and a
 * tenant whose step fails is logged and counted as 0 — one tenant's bad
 * data never stops the others' job.
 *
 * @module
 */
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import type { Tenancy } from "./Tenancy.js"

/** Active tenants read per page. */
const PAGE = 200

/**
 * Runs `step` in each active tenant (its `CurrentTenant`, the system as
 * `CurrentActor`) and answers the sum of what the steps answer (rows
 * closed, invoices made, …). A step's failure or defect is logged as
 * "`label` failed for a tenant" with the tenant's slug and counts 0.
 * Listing the tenants failing is a defect.
 */
export const sumOverActiveTenants = <E, R>(
  tenancy: Tenancy,
  label: string,
  step: (tenant: { readonly id: TenantId; readonly slug: string }) => Effect.Effect<number, E, R>
): Effect.Effect<number, never, Exclude<Exclude<R, CurrentTenant>, CurrentActor>> =>
  Effect.gen(function* () {
    let cursor: string | undefined
    let total = 0
    do {
      const page = yield* tenancy
        .list({ status: "active", limit: PAGE, ...(cursor ? { cursor } : {}) })
        .pipe(Effect.orDie)
      for (const t of page.items) {
        const tenant = { id: t.id as TenantId, slug: t.slug }
        total += yield* step(tenant).pipe(
          Effect.provideService(CurrentTenant, tenant),
          Effect.provideService(CurrentActor, systemActor),
          Effect.catchAllCause((cause) =>
            Effect.as(Effect.logError(`${label} failed for a tenant`, { tenant: t.slug, cause }), 0)
          )
        )
      }
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    return total
  })
