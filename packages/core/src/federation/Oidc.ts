/**
 * Facade of the OpenID Connect provider's client registry (issue 19 §1).
 * Core is the security boundary: REST handlers and in-process embedders go
 * through these; each operation carries its permission in its type
 * (`policyRequire`) and takes tenant and actor from context.
 *
 * | operation | permission |
 * |---|---|
 * | `list`, `get` | `oidc_clients:read` |
 * | `create`, `remove` | `oidc_clients:write` |
 *
 * The provider itself is `oidc/Provider.ts` ({@link OidcProviders}).
 *
 * @module
 */
import type { CreateOidcClient } from "@signet/contracts/federation/OidcDomain"
import { policyRequire } from "../access/Policy.js"
import { OidcClients } from "./oidc/Clients.js"

export { OidcClients } from "./oidc/Clients.js"
export { federationOidcMigrations, oidcClientSecretColumn, oidcCookieKeyColumn } from "./oidc/Migrations.js"
export { interactionPath, OIDC_ROUTES, OidcProviders, type TenantProvider } from "./oidc/Provider.js"

const read = policyRequire("oidc_clients", "read")
const write = policyRequire("oidc_clients", "write")

/** The current tenant's OIDC clients; see the module comment for permissions. */
export const OidcClientsAdmin = {
  /**
   * Registers a client (`oidc_clients:write`); a confidential client's
   * secret is answered this once.
   * @errors ValidationError (URIs, grant types), Conflict (MAX_OIDC_CLIENTS)
   */
  create: (input: CreateOidcClient) => write(OidcClients.use((c) => c.create(input))),
  /** The tenant's clients (`oidc_clients:read`). */
  list: () => read(OidcClients.use((c) => c.list)),
  /** One client (`oidc_clients:read`). @errors OidcClientNotFound (also another tenant's) */
  get: (clientId: string) => read(OidcClients.use((c) => c.get(clientId))),
  /** Deletes a client with its grants and tokens (`oidc_clients:write`). @errors OidcClientNotFound */
  remove: (clientId: string) => write(OidcClients.use((c) => c.remove(clientId)))
} as const
