/**
 * The facade's OIDC client registry (`client.oidcClients`, issue 19 §1):
 * the relying parties of the tenant's OpenID Connect provider. One factory
 * over the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */
import type { CreateOidcClient } from "@signet/contracts/federation/OidcDomain"
import type { Session } from "./Session.js"

/**
 * `client.oidcClients` (docs/federation.md): listing needs
 * `oidc_clients:read`, registering and deleting `oidc_clients:write`.
 */
export const oidcClientsApi = ({ call, callWith, path }: Session) => ({
  /**
   * Registers a client: `{ name, redirect_uris, post_logout_redirect_uris?,
   * grant_types?, public? }`. Answers `{ client, client_secret }`; the
   * secret of a confidential client is shown this once (null for a public
   * client).
   */
  create: (input: typeof CreateOidcClient.Encoded) =>
    callWith("oidcClients", "createOidcClient", input, (r, payload) =>
      r.oidcClients.createOidcClient({ path, payload })
    ),
  /** The tenant's clients, oldest first. */
  list: () => call((r) => r.oidcClients.listOidcClients({ path })),
  /** One client (rejects `OidcClientNotFound`). */
  get: (clientId: string) => call((r) => r.oidcClients.getOidcClient({ path: { ...path, clientId } })),
  /** Deletes a client with its grants and tokens (rejects `OidcClientNotFound`). */
  remove: (clientId: string) => call((r) => r.oidcClients.deleteOidcClient({ path: { ...path, clientId } }))
})
