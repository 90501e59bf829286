/**
 * RPC handlers of `OAuthQuery` and `OAuthCommand` (`/rpc`, issue 21 §4):
 * one line each, the same core operations as the REST handlers
 * (`OAuthAdmin`, which carries the permission in its types).
 *
 * @module
 */
import { OAuthAdmin as O, OAuthCommand, OAuthQuery, policyUse, RpcTenantAuth } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("oauth:read")
const write = policyUse("oauth:write")

/** The OAuth procedures over `OAuthAdmin`. */
export const OAuthRpc = OAuthQuery.merge(OAuthCommand)
  .middleware(RpcTenantAuth)
  .toLayer(
    Effect.succeed({
      ListOAuthProviders: () => asPrincipal(O.listCredentials().pipe(read)),
      GetOAuthProvider: ({ provider }) => asPrincipal(O.getCredential(provider).pipe(read)),
      ListOAuthBindings: ({ user_id }) => asPrincipal(O.listBindings(user_id).pipe(read)),
      PutOAuthProvider: ({ provider, credential }) => asPrincipal(O.putCredential(provider, credential).pipe(write)),
      DeleteOAuthProvider: ({ provider }) => asPrincipal(O.deleteCredential(provider).pipe(write)),
      DeleteOAuthBinding: ({ user_id, provider }) => asPrincipal(O.removeBinding(user_id, provider).pipe(write))
    })
  )
