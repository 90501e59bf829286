/**
 * REST contract of SCIM token management (issue 19 §3): a tenant's
 * administrators (`apikeys:read|write`) mint, list and revoke the bearer
 * tokens their identity provider uses on `/t/{slug}/scim/v2`. A SCIM token
 * works on the SCIM endpoints only; no other credential works there.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Forbidden, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import { CreatedScimToken, CreateScimToken, ScimToken, ScimTokenId, ScimTokenNotFound } from "./ScimDomain.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", ScimTokenId)

/** `scimTokens` group under `/api/v1/tenants/{slug}/scim/tokens`. */
export class ScimTokensApi extends HttpApiGroup.make("scimTokens")
  .add(
    HttpApiEndpoint.post("createScimToken")`/api/v1/tenants/${slug}/scim/tokens`
      .setPayload(CreateScimToken)
      .addSuccess(CreatedScimToken, { status: 201 })
      .annotate(OpenApi.Summary, "Mint a SCIM bearer token (apikeys:write, MFA step-up); the secret is shown once")
  )
  .add(HttpApiEndpoint.get("listScimTokens")`/api/v1/tenants/${slug}/scim/tokens`.addSuccess(Schema.Array(ScimToken)))
  .add(
    HttpApiEndpoint.del("revokeScimToken")`/api/v1/tenants/${slug}/scim/tokens/${id}`
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Revoke a SCIM token (apikeys:write)")
  )
  .addError(ScimTokenNotFound)
  .addError(ValidationError)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "SCIM tokens")
  .annotate(
    OpenApi.Description,
    "Bearer tokens for SCIM 2.0 provisioning at /t/{slug}/scim/v2 (Entra ID, Okta). See docs/scim.md."
  ) {}
