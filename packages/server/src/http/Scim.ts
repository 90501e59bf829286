/**
 * Handlers of the `scimTokens` group (issue 19 §3) over core's
 * `ScimTokensAdmin` (`apikeys:read|write`; minting needs the MFA step-up
 * and the token's scope held). One line each. The SCIM endpoints
 * themselves are `ScimRoutes.ts`.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { policyUse, SignetApi, ScimTokensAdmin as T } from "@signet/core"
import { asPrincipal } from "../Auth.js"

/** SCIM tokens under `/api/v1/tenants/{slug}/scim/tokens`. */
export const ScimTokensHttp = HttpApiBuilder.group(SignetApi, "scimTokens", (h) =>
  h
    .handle("createScimToken", ({ payload }) =>
      asPrincipal(T.create(payload).pipe(policyUse("apikeys:write"), policyUse("roles:read")))
    )
    .handle("listScimTokens", () => asPrincipal(T.list().pipe(policyUse("apikeys:read"))))
    .handle("revokeScimToken", ({ path }) => asPrincipal(T.revoke(path.id).pipe(policyUse("apikeys:write"))))
)
