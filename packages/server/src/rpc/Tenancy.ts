/**
 * RPC handlers of `TenantQuery` and `TenantCommand` (platform operators) (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import { Tenancy, TenantCommand, TenantQuery } from "@signet/core"
import { Effect } from "effect"

export const TenancyRpc = TenantQuery.merge(TenantCommand).toLayer(
  Effect.gen(function* () {
    const tenancy = yield* Tenancy
    return {
      GetTenant: ({ slug }) => tenancy.get(slug),
      ListTenants: (params) => tenancy.list(params),
      ListSettings: ({ slug }) => tenancy.listSettings(slug),
      GetSetting: ({ key, slug }) => tenancy.getSetting(slug, key),
      CreateTenant: (input) => tenancy.create(input),
      UpdateTenant: ({ patch, slug }) => tenancy.update(slug, patch),
      SuspendTenant: ({ slug }) => tenancy.suspend(slug),
      ReactivateTenant: ({ slug }) => tenancy.reactivate(slug),
      DeleteTenant: ({ slug }) => tenancy.remove(slug),
      RestoreTenant: ({ slug }) => tenancy.restore(slug),
      PutSetting: ({ key, setting, slug }) => tenancy.putSetting(slug, key, setting.value)
    }
  })
)
