/**
 * RPC handlers of `IdentityQuery` and `AuthService` (`/rpc`): the same service calls as the REST handlers.
 *
 * @module
 */
import { Auth, AuthService, Identity, IdentityQuery, policyUse, UserAdmin } from "@signet/core"
import { Effect, Layer } from "effect"
import { asPrincipal, rpcClientInfo, selfOr } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

/** `IdentityQuery`: about oneself, or with `users:read` (`UserAdmin`). */
export const IdentityQueryRpc = IdentityQuery.toLayer(
  Effect.gen(function* () {
    const identity = yield* Identity
    return {
      GetUserLite: ({ user_id }) =>
        asPrincipal(
          selfOr(user_id, identity.getLite(user_id), UserAdmin.getLite(user_id).pipe(policyUse("users:read")))
        ),
      Exists: ({ user_id }) =>
        asPrincipal(
          Effect.map(
            selfOr(user_id, identity.exists(user_id), UserAdmin.exists(user_id).pipe(policyUse("users:read"))),
            (exists) => ({ exists })
          )
        ),
      ValidateStudentDevice: ({ device_identifier, student_id }) =>
        asPrincipal(
          Effect.map(
            selfOr(
              student_id,
              identity.validateStudentDevice(student_id, device_identifier),
              UserAdmin.validateStudentDevice(student_id, device_identifier).pipe(policyUse("users:read"))
            ),
            (is_valid) => ({ is_valid })
          )
        ),
      GetUserById: ({ user_id }) =>
        asPrincipal(selfOr(user_id, identity.get(user_id), UserAdmin.get(user_id).pipe(policyUse("users:read"))))
    }
  })
)

/** `AuthService`: token validation, login and refresh. */
export const AuthServiceRpc = (config: ServerConfig) =>
  AuthService.toLayer(
    Effect.gen(function* () {
      const auth = yield* Auth
      return {
        ValidateToken: ({ token }) => auth.validateToken(token),
        // Client address and agent as over REST, so the per-address login limit and the
        // sessions' `ip` hold for RPC clients too.
        Login: ({ request, tenant }, { headers }) => auth.login(tenant, request, rpcClientInfo(config, headers)),
        Refresh: ({ refresh_token, tenant }, { headers }) =>
          auth.refresh(tenant, refresh_token, rpcClientInfo(config, headers))
      }
    })
  )

/** Both identity groups. */
export const IdentityRpc = (config: ServerConfig) => Layer.mergeAll(IdentityQueryRpc, AuthServiceRpc(config))
