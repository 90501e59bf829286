/**
 * Handlers of the `audit` group: a tenant's audit log and its hash-chain
 * verification, over core's `TenantAdmin` (`audit:read`; operators too).
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { policyUse, SignetApi, TenantAdmin } from "@signet/core"
import { asPrincipal } from "../Auth.js"

/** Handlers for `/api/v1/tenants/{slug}/audit` and `…/audit/verify`. */
export const AuditHttp = HttpApiBuilder.group(SignetApi, "audit", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      asPrincipal(
        TenantAdmin.auditLog({
          cursor: urlParams.cursor,
          limit: urlParams.limit,
          action: urlParams.action,
          targetType: urlParams.target_type,
          targetId: urlParams.target_id
        }).pipe(policyUse("audit:read"))
      )
    )
    .handle("verify", () => asPrincipal(TenantAdmin.verifyAudit.pipe(policyUse("audit:read"))))
)
