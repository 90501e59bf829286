/**
 * RPC handlers of `TenantQuery` and `TenantCommand` (platform operators) (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import { Tenancy, TenantCommand, TenantQuery } from "@signet/core"

export const TenancyRpc = TenantQuery.merge(TenantCommand).toLayer({
  GetTenant: ({ slug }) => Tenancy.use((t) => t.get(slug)),
  ListTenants: (params) => Tenancy.use((t) => t.list(params)),
  ListSettings: ({ slug }) => Tenancy.use((t) => t.listSettings(slug)),
  GetSetting: ({ key, slug }) => Tenancy.use((t) => t.getSetting(slug, key)),
  CreateTenant: (input) => Tenancy.use((t) => t.create(input)),
  UpdateTenant: ({ patch, slug }) => Tenancy.use((t) => t.update(slug, patch)),
  SuspendTenant: ({ slug }) => Tenancy.use((t) => t.suspend(slug)),
  ReactivateTenant: ({ slug }) => Tenancy.use((t) => t.reactivate(slug)),
  DeleteTenant: ({ slug }) => Tenancy.use((t) => t.remove(slug)),
  RestoreTenant: ({ slug }) => Tenancy.use((t) => t.restore(slug)),
  PutSetting: ({ key, setting, slug }) => Tenancy.use((t) => t.putSetting(slug, key, setting.value))
})
