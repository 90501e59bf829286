/**
 * Handlers of the `tenants` group: decode → call `Tenancy` → encode. No
 * domain logic lives here.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { SignetApi, Tenancy } from "@signet/core"

/** Handlers for `/api/v1/tenants…`. */
export const TenantsHttp = HttpApiBuilder.group(SignetApi, "tenants", (handlers) =>
  handlers
    .handle("create", ({ payload }) => Tenancy.use((t) => t.create(payload)))
    .handle("list", ({ urlParams }) => Tenancy.use((t) => t.list(urlParams)))
    .handle("get", ({ path }) => Tenancy.use((t) => t.get(path.slug)))
    .handle("update", ({ path, payload }) => Tenancy.use((t) => t.update(path.slug, payload)))
    .handle("suspend", ({ path }) => Tenancy.use((t) => t.suspend(path.slug)))
    .handle("reactivate", ({ path }) => Tenancy.use((t) => t.reactivate(path.slug)))
    .handle("delete", ({ path }) => Tenancy.use((t) => t.remove(path.slug)))
    .handle("restore", ({ path }) => Tenancy.use((t) => t.restore(path.slug)))
    .handle("listSettings", ({ path }) => Tenancy.use((t) => t.listSettings(path.slug)))
    .handle("getSetting", ({ path }) => Tenancy.use((t) => t.getSetting(path.slug, path.key)))
    .handle("putSetting", ({ path, payload }) => Tenancy.use((t) => t.putSetting(path.slug, path.key, payload.value)))
    .handle("resetSetting", ({ path }) => Tenancy.use((t) => t.resetSetting(path.slug, path.key)))
)
