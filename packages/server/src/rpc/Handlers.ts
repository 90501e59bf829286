/**
 * RPC handlers (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import { Auth, Authenticated, CurrentActor, CurrentTenant, Identity, SignetRpcs, Tenancy } from "@signet/core"
import { Effect } from "effect"

/** Runs an RPC handler as the principal the RPC middleware verified. */
const asPrincipal = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Authenticated, (p) =>
    self.pipe(Effect.provideService(CurrentTenant, p.tenant), Effect.provideService(CurrentActor, p.actor))
  )

/** Handlers of every RPC group in {@link SignetRpcs}. */
export const RpcHandlers = SignetRpcs.toLayer(
  Effect.gen(function* () {
    const tenancy = yield* Tenancy
    const identity = yield* Identity
    const auth = yield* Auth
    return {
      GetUserLite: ({ user_id }) => asPrincipal(identity.getLite(user_id)),
      Exists: ({ user_id }) => asPrincipal(Effect.map(identity.exists(user_id), (exists) => ({ exists }))),
      ValidateStudentDevice: ({ device_identifier, student_id }) =>
        asPrincipal(
          Effect.map(identity.validateStudentDevice(student_id, device_identifier), (is_valid) => ({ is_valid }))
        ),
      GetUserById: ({ user_id }) => asPrincipal(identity.get(user_id)),
      ValidateToken: ({ token }) => auth.validateToken(token),
      Login: ({ request, tenant }) => auth.login(tenant, request, {}),
      Refresh: ({ refresh_token, tenant }) => auth.refresh(tenant, refresh_token, {}),
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
