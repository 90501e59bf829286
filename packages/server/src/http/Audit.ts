/**
 * Handlers of the `audit` group.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Audit, CurrentTenant, Db, SignetApi, Tenancy, type TenantId } from "@signet/core"
import { Effect } from "effect"

/** Runs `f` bound to the tenant named by `slug` (404 when unknown). */
const forTenant = <A, E, R>(slug: string, f: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Tenancy, (t) => t.get(slug)).pipe(
    Effect.flatMap((tenant) =>
      Db.tenantTx(f).pipe(Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }))
    )
  )

/** Handlers for `/api/v1/tenants/{slug}/audit-logs…`. */
export const AuditHttp = HttpApiBuilder.group(SignetApi, "audit", (handlers) =>
  handlers
    .handle("list", ({ path, urlParams }) =>
      forTenant(
        path.slug,
        Audit.use((a) =>
          a.list({
            cursor: urlParams.cursor,
            limit: urlParams.limit,
            action: urlParams.action,
            targetType: urlParams.target_type,
            targetId: urlParams.target_id
          })
        )
      )
    )
    .handle("verify", ({ path }) =>
      forTenant(
        path.slug,
        Audit.use((a) => a.verify)
      )
    )
)
