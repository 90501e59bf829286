/**
 * REST contract of OAuth bindings (issue 21 §4):
 *
 * - `oauthProviders`: a tenant's credentials at outside providers, under
 *   `/api/v1/tenants/{slug}/oauth/providers/{provider}` (`oauth:read` to read,
 *   `oauth:write` to register or delete), and everyone's bindings under
 *   `…/oauth/bindings` (`oauth:read`; removing one `oauth:write`);
 * - `oauthSelf`: the signed-in user's own bindings under
 *   `…/me/oauth-bindings` (start, list, remove);
 * - `oauthCallback`: `GET …/oauth/callback`, where the provider sends the
 *   user's browser back — no credentials: the single-use `state` is the
 *   capability.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Forbidden, TenantNotFound, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import {
  OAuthBinding,
  OAuthBindingNotFound,
  OAuthBindingStart,
  OAuthProviderError,
  OAuthStateInvalid,
  PlatformCredential,
  PlatformCredentialNotFound,
  PutPlatformCredential
} from "./OAuthDomain.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const provider = HttpApiSchema.param("provider", Schema.String)
const userId = HttpApiSchema.param("userId", Schema.String)

/** `oauthProviders` group: credentials and everyone's bindings (admins). */
export class OAuthProvidersApi extends HttpApiGroup.make("oauthProviders")
  .add(
    HttpApiEndpoint.put("putOAuthProvider")`/api/v1/tenants/${slug}/oauth/providers/${provider}`
      .setPayload(PutPlatformCredential)
      .addSuccess(PlatformCredential)
      .annotate(
        OpenApi.Summary,
        "Register or replace the credential at a provider; the secret is never answered (oauth:write)"
      )
  )
  .add(
    HttpApiEndpoint.get("listOAuthProviders")`/api/v1/tenants/${slug}/oauth/providers`.addSuccess(
      Schema.Array(PlatformCredential)
    )
  )
  .add(
    HttpApiEndpoint.get("getOAuthProvider")`/api/v1/tenants/${slug}/oauth/providers/${provider}`.addSuccess(
      PlatformCredential
    )
  )
  .add(
    HttpApiEndpoint.del("deleteOAuthProvider")`/api/v1/tenants/${slug}/oauth/providers/${provider}`
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Delete the credential and every binding to the provider (oauth:write)")
  )
  .add(
    HttpApiEndpoint.get("listOAuthBindings")`/api/v1/tenants/${slug}/oauth/bindings`
      .setUrlParams(Schema.Struct({ user_id: Schema.optional(Schema.String) }))
      .addSuccess(Schema.Array(OAuthBinding))
      .annotate(OpenApi.Summary, "The tenant's bindings, or one user's (oauth:read); tokens are never answered")
  )
  .add(
    HttpApiEndpoint.del("deleteOAuthBinding")`/api/v1/tenants/${slug}/oauth/bindings/${userId}/${provider}`
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Remove a user's binding, revoked at the provider when it can (oauth:write)")
  )
  .addError(PlatformCredentialNotFound)
  .addError(OAuthBindingNotFound)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "OAuth providers")
  .annotate(
    OpenApi.Description,
    "A tenant's credentials at outside OAuth 2.0 / OpenID Connect providers, and its users' bindings to them (issue 21 §4)."
  ) {}

/** `oauthSelf` group: the signed-in user's bindings. */
export class OAuthSelfApi extends HttpApiGroup.make("oauthSelf")
  .add(
    HttpApiEndpoint.post("startOAuthBinding")`/api/v1/tenants/${slug}/me/oauth-bindings/${provider}/start`
      .addSuccess(OAuthBindingStart)
      .annotate(
        OpenApi.Summary,
        "Start binding to a provider: send the browser to authorization_url (10 minutes, once)"
      )
  )
  .add(
    HttpApiEndpoint.get("listMyOAuthBindings")`/api/v1/tenants/${slug}/me/oauth-bindings`.addSuccess(
      Schema.Array(OAuthBinding)
    )
  )
  .add(
    HttpApiEndpoint.del("deleteMyOAuthBinding")`/api/v1/tenants/${slug}/me/oauth-bindings/${provider}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .addError(PlatformCredentialNotFound)
  .addError(OAuthBindingNotFound)
  .addError(OAuthProviderError)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "My OAuth bindings") {}

/** `oauthCallback` group: the provider's redirect back (no credentials). */
export class OAuthCallbackApi extends HttpApiGroup.make("oauthCallback")
  .add(
    HttpApiEndpoint.get("oauthBindingCallback")`/api/v1/tenants/${slug}/oauth/callback`
      .addSuccess(OAuthBinding)
      .annotate(
        OpenApi.Summary,
        "Where the provider returns the browser with code and state: completes the binding of the user who started it"
      )
  )
  .addError(OAuthStateInvalid)
  .addError(OAuthProviderError)
  .addError(TenantNotFound)
  .annotate(OpenApi.Title, "OAuth callback") {}
