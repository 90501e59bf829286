/**
 * RPC contract of the OIDC provider's client registry (issue 19 §1):
 * `OidcClientsQuery` and `OidcClientsCommand`, the twins of the REST
 * `oidcClients` group with the same payloads, results and tagged errors.
 * Payloads name no tenant: it is the one the caller authenticated for (the
 * server wires `RpcTenantAuth`). Permissions as on REST:
 * `oidc_clients:read` for queries, `oidc_clients:write` for commands.
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import { CreatedOidcClient, CreateOidcClient, OidcClient, OidcClientNotFound } from "./OidcDomain.js"

const Base = [Forbidden, ValidationError] as const
const ClientIdPayload = { client_id: Schema.String.pipe(Schema.maxLength(100)) }

/** Read-only procedures (`oidc_clients:read`). */
export class OidcClientsQuery extends RpcGroup.make(
  Rpc.make("ListOidcClients", { success: Schema.Array(OidcClient), error: Schema.Union(...Base) }),
  Rpc.make("GetOidcClient", {
    payload: ClientIdPayload,
    success: OidcClient,
    error: Schema.Union(...Base, OidcClientNotFound)
  })
) {}

/** Registration and deletion (`oidc_clients:write`). */
export class OidcClientsCommand extends RpcGroup.make(
  Rpc.make("CreateOidcClient", {
    payload: CreateOidcClient,
    success: CreatedOidcClient,
    error: Schema.Union(...Base, Conflict)
  }),
  Rpc.make("DeleteOidcClient", {
    payload: ClientIdPayload,
    success: Schema.Void,
    error: Schema.Union(...Base, OidcClientNotFound)
  })
) {}
