/**
 * RPC handlers of `PhonesCommand` and `SmsAuthService` (`/rpc`, issue 18
 * SMS): one line each over `Phones` / `PhonesAdmin`, as the REST groups in
 * `http/Phones.ts`. Core enforces every rule (re-authentication, limits,
 * codes, policy); for the unauthenticated steps the server only derives the
 * client address and agent as over REST (so per-address limits hold).
 *
 * @module
 */
import { Phones, PhonesAdmin, PhonesCommand, policyUse, SmsAuthService } from "@signet/core"
import { Layer } from "effect"
import { asPrincipal, rpcClientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

/** The caller's own number, and an admin clearing a user's (`users:write`). */
const PhonesCommandRpc = PhonesCommand.toLayer({
  GetMyPhone: () => asPrincipal(Phones.use((p) => p.phoneStatus)),
  SetMyPhone: (input) => asPrincipal(Phones.use((p) => p.setPhoneNumber(input))),
  ConfirmMyPhone: (input) => asPrincipal(Phones.use((p) => p.confirmPhoneNumber(input))),
  RemoveMyPhone: () => asPrincipal(Phones.use((p) => p.removePhoneNumber)),
  ClearUserPhone: ({ user_id }) => asPrincipal(PhonesAdmin.clear(user_id).pipe(policyUse("users:write")))
})

/** The SMS code steps of a sign-in (unauthenticated, as `AuthService.Login`). */
const SmsAuthRpc = (config: ServerConfig) =>
  SmsAuthService.toLayer({
    SendMfaSmsCode: ({ request, tenant }, { headers }) =>
      Phones.use((p) => p.sendMfaSmsCode(tenant, request, rpcClientInfo(config, headers))),
    VerifyMfaSmsCode: ({ request, tenant }, { headers }) =>
      Phones.use((p) => p.verifyMfaSmsCode(tenant, request, rpcClientInfo(config, headers))),
    SendSignInSmsCode: ({ request, tenant }, { headers }) =>
      Phones.use((p) => p.sendSignInSmsCode(tenant, request, rpcClientInfo(config, headers))),
    VerifySignInSmsCode: ({ request, tenant }, { headers }) =>
      Phones.use((p) => p.verifySignInSmsCode(tenant, request, rpcClientInfo(config, headers)))
  })

/** The phone and SMS groups. */
export const PhonesRpc = (config: ServerConfig) => Layer.merge(PhonesCommandRpc, SmsAuthRpc(config))
