/**
 * Handlers of the `oidcClients` group over core's `OidcClientsAdmin`
 * (core checks `oidc_clients:read|write`). One line each (issue 19 §1).
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { OidcClientsAdmin as C, policyUse, SignetApi } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("oidc_clients:read")
const write = policyUse("oidc_clients:write")

/** A tenant's OIDC clients under `/api/v1/tenants/{slug}/oidc/clients`. */
export const OidcClientsHttp = HttpApiBuilder.group(SignetApi, "oidcClients", (h) =>
  h
    .handle("createOidcClient", ({ payload }) => asPrincipal(C.create(payload).pipe(write)))
    .handle("listOidcClients", () => asPrincipal(C.list().pipe(read)))
    .handle("getOidcClient", ({ path }) => asPrincipal(C.get(path.clientId).pipe(read)))
    .handle("deleteOidcClient", ({ path }) => asPrincipal(C.remove(path.clientId).pipe(write)))
)
