/**
 * Platform-operator operations that span modules: reading and verifying a
 * tenant's audit log by its slug (`GET /api/v1/tenants/{slug}/audit…`). The
 * operator's authentication is the transport's; the tenant scoping (and, on
 * Postgres, row-level security) is here.
 *
 * @module
 */
import type { TenantId } from "@signet/contracts/kernel/Context"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type Context, Effect } from "effect"
import { Audit } from "./audit/Audit.js"
import { tenantTx } from "./kernel/Database.js"
import { Tenancy } from "./tenancy/Tenancy.js"

type AuditSvc = Context.Tag.Service<typeof Audit>

/** Runs `effect` in a tenant transaction of the tenant `slug`. @errors TenantNotFound */
const inTenant = <A, E, R>(slug: string, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    Tenancy.use((t) => t.get(slug)),
    (tenant) =>
      tenantTx(effect).pipe(Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug }))
  )

/** A tenant's audit log, for platform operators. */
export const TenantAudit = {
  /** A page of the tenant's audit entries, newest first, filtered by action and target. @errors TenantNotFound */
  list: (slug: string, params: Parameters<AuditSvc["list"]>[0]) =>
    inTenant(
      slug,
      Audit.use((a) => a.list(params))
    ),
  /** Walks the tenant's hash chain. @errors TenantNotFound */
  verify: (slug: string) =>
    inTenant(
      slug,
      Audit.use((a) => a.verify)
    )
} as const
