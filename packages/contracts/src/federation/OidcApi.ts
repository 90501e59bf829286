/**
 * REST contract of the OIDC provider's client registry (issue 19 §1),
 * `oidcClients` group under `/api/v1/tenants/{slug}/oidc/clients`
 * (`oidc_clients:read|write`). The provider itself (discovery,
 * authorization, token, userinfo, end session, JWKS) is served under
 * `/t/{slug}/…` by `oidc-provider`, outside this contract.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import { CreatedOidcClient, CreateOidcClient, OidcClient, OidcClientNotFound } from "./OidcDomain.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const clientId = HttpApiSchema.param("clientId", Schema.String)

/** `oidcClients` group: register, list, get and delete the tenant's relying parties. */
export class OidcClientsApi extends HttpApiGroup.make("oidcClients")
  .add(
    HttpApiEndpoint.post("createOidcClient")`/api/v1/tenants/${slug}/oidc/clients`
      .setPayload(CreateOidcClient)
      .addSuccess(CreatedOidcClient, { status: 201 })
      .annotate(OpenApi.Summary, "Register a client; a confidential client's secret is answered this once")
  )
  .add(
    HttpApiEndpoint.get("listOidcClients")`/api/v1/tenants/${slug}/oidc/clients`.addSuccess(Schema.Array(OidcClient))
  )
  .add(HttpApiEndpoint.get("getOidcClient")`/api/v1/tenants/${slug}/oidc/clients/${clientId}`.addSuccess(OidcClient))
  .add(
    HttpApiEndpoint.del("deleteOidcClient")`/api/v1/tenants/${slug}/oidc/clients/${clientId}`
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Delete a client with its grants and tokens")
  )
  .addError(OidcClientNotFound)
  .addError(Conflict)
  .addError(ValidationError)
  .addError(Forbidden)
  .middleware(UserAuth) {}
