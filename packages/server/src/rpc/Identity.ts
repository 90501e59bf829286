/**
 * RPC handlers of `IdentityQuery`, `IdentityCommand` and `AuthService`
 * (`/rpc`): each one line over core (`Account`: about oneself, or with
 * `users:read`; `UserAdmin`; `Auth`).
 *
 * @module
 */
import {
  Account,
  Auth,
  AuthService,
  IdentityCommand,
  IdentityQuery,
  Mfa,
  Passkeys,
  policyUse,
  UserAdmin
} from "@signet/core"
import { Effect, Layer } from "effect"
import { asPrincipal, rpcClientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

/** `IdentityQuery` (seed 004): about oneself, or with `users:read`. */
export const IdentityQueryRpc = IdentityQuery.toLayer({
  GetUserLite: ({ user_id }) => asPrincipal(Account.userLite(user_id)),
  Exists: ({ user_id }) => asPrincipal(Effect.map(Account.userExists(user_id), (exists) => ({ exists }))),
  ValidateStudentDevice: ({ device_identifier, student_id }) =>
    asPrincipal(Effect.map(Account.validateStudentDevice(student_id, device_identifier), (is_valid) => ({ is_valid }))),
  GetUserById: ({ user_id }) => asPrincipal(Account.user(user_id))
})

/** `IdentityCommand`: user administration over RPC (`UserAdmin`, permission checked by `policyUse`). */
export const IdentityCommandRpc = IdentityCommand.toLayer({
  GetMyProfile: () => asPrincipal(Account.me),
  UpdateMyProfile: ({ patch }) => asPrincipal(Account.updateMe(patch)),
  ResetUserMfa: ({ user_id }) => asPrincipal(UserAdmin.resetMfa(user_id).pipe(policyUse("users:write"))),
  ListUserPasskeys: ({ user_id }) => asPrincipal(UserAdmin.listPasskeys(user_id).pipe(policyUse("users:read"))),
  RemoveUserPasskey: ({ passkey_id, user_id }) =>
    asPrincipal(UserAdmin.removePasskey(user_id, passkey_id).pipe(policyUse("users:write"))),
  GetUserRequiredActions: ({ user_id }) =>
    asPrincipal(UserAdmin.requiredActions(user_id).pipe(policyUse("users:read"))),
  SetUserRequiredActions: ({ actions, user_id }) =>
    asPrincipal(UserAdmin.setRequiredActions(user_id, actions).pipe(policyUse("users:write")))
})

/**
 * `AuthService`: token validation, login, refresh and the required-actions steps (issue 18). Client address and
 * agent as over REST, so the per-address login limit and the sessions' `ip`
 * hold for RPC clients too.
 */
export const AuthServiceRpc = (config: ServerConfig) =>
  AuthService.toLayer({
    ValidateToken: ({ token }) => Auth.use((a) => a.validateToken(token)),
    Login: ({ request, tenant }, { headers }) =>
      Auth.use((a) => a.login(tenant, request, rpcClientInfo(config, headers))),
    Refresh: ({ refresh_token, tenant }, { headers }) =>
      Auth.use((a) => a.refresh(tenant, refresh_token, rpcClientInfo(config, headers))),
    ActionPassword: ({ request, tenant }, { headers }) =>
      Auth.use((a) =>
        a.actionPassword(tenant, request.action_token, request.new_password, rpcClientInfo(config, headers))
      ),
    ActionTotpStart: ({ action_token, tenant }, { headers }) =>
      Mfa.use((m) => m.actionTotpStart(tenant, action_token, rpcClientInfo(config, headers))),
    ActionTotpConfirm: ({ request, tenant }, { headers }) =>
      Mfa.use((m) => m.actionTotpConfirm(tenant, request.action_token, request.code, rpcClientInfo(config, headers))),
    ActionPasskeyOptions: ({ action_token, tenant }, { headers }) =>
      Passkeys.use((p) => p.actionPasskeyOptions(tenant, action_token, rpcClientInfo(config, headers))),
    ActionPasskeyRegister: ({ request, tenant }, { headers }) =>
      Passkeys.use((p) =>
        p.actionPasskeyRegister(
          tenant,
          request.action_token,
          request.credential,
          request.name,
          rpcClientInfo(config, headers)
        )
      ),
    CompleteActions: ({ action_token, tenant }, { headers }) =>
      Auth.use((a) => a.completeActions(tenant, action_token, rpcClientInfo(config, headers)))
  })

/** The identity groups. */
export const IdentityRpc = (config: ServerConfig) =>
  Layer.mergeAll(IdentityQueryRpc, IdentityCommandRpc, AuthServiceRpc(config))
