/**
 * Handlers of the `tenants` group: lifecycle over `Tenancy` (operators), a
 * tenant's profile and settings over `TenantAdmin` (its members or
 * operators; core checks the permission and the step-up). One line each.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { policyUse, SignetApi, Tenancy, TenantAdmin } from "@signet/core"
import { asPrincipal } from "../Auth.js"

/** Handlers for `/api/v1/tenants…`. */
export const TenantsHttp = HttpApiBuilder.group(SignetApi, "tenants", (handlers) =>
  handlers
    .handle("create", ({ payload }) => Tenancy.use((t) => t.create(payload)))
    .handle("list", ({ urlParams }) => Tenancy.use((t) => t.list(urlParams)))
    .handle("get", () => asPrincipal(TenantAdmin.get.pipe(policyUse("tenants:read"))))
    .handle("update", ({ payload }) => asPrincipal(TenantAdmin.update(payload).pipe(policyUse("tenants:write"))))
    .handle("suspend", ({ path }) => Tenancy.use((t) => t.suspend(path.slug)))
    .handle("reactivate", ({ path }) => Tenancy.use((t) => t.reactivate(path.slug)))
    .handle("delete", ({ path }) => Tenancy.use((t) => t.remove(path.slug)))
    .handle("restore", ({ path }) => Tenancy.use((t) => t.restore(path.slug)))
    .handle("listSettings", () => asPrincipal(TenantAdmin.listSettings.pipe(policyUse("settings:read"))))
    .handle("getSetting", ({ path }) => asPrincipal(TenantAdmin.getSetting(path.key).pipe(policyUse("settings:read"))))
    .handle("putSetting", ({ path, payload }) =>
      asPrincipal(TenantAdmin.putSetting(path.key, payload.value).pipe(policyUse("settings:write")))
    )
    .handle("resetSetting", ({ path }) =>
      asPrincipal(TenantAdmin.resetSetting(path.key).pipe(policyUse("settings:write")))
    )
)
