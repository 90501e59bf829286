/**
 * Handlers of the `audit` group (platform operators): a tenant's audit log
 * and its hash-chain verification, over core's `TenantAudit`.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { SignetApi, TenantAudit } from "@signet/core"

/** Handlers for `/api/v1/tenants/{slug}/audit` and `…/audit/verify`. */
export const AuditHttp = HttpApiBuilder.group(SignetApi, "audit", (handlers) =>
  handlers
    .handle("list", ({ path, urlParams }) =>
      TenantAudit.list(path.slug, {
        cursor: urlParams.cursor,
        limit: urlParams.limit,
        action: urlParams.action,
        targetType: urlParams.target_type,
        targetId: urlParams.target_id
      })
    )
    .handle("verify", ({ path }) => TenantAudit.verify(path.slug))
)
