/**
 * RPC handlers of `OidcClientsQuery` and `OidcClientsCommand` (`/rpc`,
 * issue 19 §1): one line each, the same core operations as the REST
 * handlers (`OidcClientsAdmin`, which enforces the permission in its types).
 *
 * @module
 */
import { OidcClientsAdmin as C, OidcClientsCommand, OidcClientsQuery, policyUse, RpcTenantAuth } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("oidc_clients:read")
const write = policyUse("oidc_clients:write")

/** The OIDC client procedures over `OidcClientsAdmin`. */
export const OidcClientsRpc = OidcClientsQuery.merge(OidcClientsCommand)
  .middleware(RpcTenantAuth)
  .toLayer(
    Effect.succeed({
      ListOidcClients: () => asPrincipal(C.list().pipe(read)),
      GetOidcClient: ({ client_id }) => asPrincipal(C.get(client_id).pipe(read)),
      CreateOidcClient: (input) => asPrincipal(C.create(input).pipe(write)),
      DeleteOidcClient: ({ client_id }) => asPrincipal(C.remove(client_id).pipe(write))
    })
  )
