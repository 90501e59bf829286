/**
 * REST contract of SSO connections (issue 19 §2):
 *
 * - `ssoConnections`: a tenant's connections to outside OpenID Connect IdPs
 *   under `/api/v1/tenants/{slug}/sso/connections/{connection}` (`sso:read`
 *   to read, `sso:write` to register, replace or delete); the client secret
 *   is never answered; a user's links to IdP accounts under
 *   `/api/v1/tenants/{slug}/users/{userId}/sso-identities[/{connection}]`
 *   (`sso:read` to list, `sso:write` to unlink); the tenant-wide "SSO
 *   only" policy at `…/sso/policy` and its break-glass accounts at
 *   `…/sso/break-glass/{userId}` (`sso:read` to read; `sso:write` and MFA
 *   step-up to change);
 * - `ssoDiscovery`: `POST …/sso/discover` with an e-mail address — which
 *   connection, if any, serves its domain (the login page's "Sign in with
 *   SSO"); no credentials.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { UserNotFound } from "../identity/Domain.js"
import { Conflict, Forbidden, TenantNotFound, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import {
  PutSamlConnection,
  PutSsoConnection,
  PutSsoPolicy,
  SsoConnection,
  SsoConnectionNotFound,
  SsoDiscovery,
  SsoIdentity,
  SsoIdentityNotFound,
  SsoPolicy
} from "./SsoDomain.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const connection = HttpApiSchema.param("connection", Schema.String)
const userId = HttpApiSchema.param("userId", Schema.String)

/** Body of `POST …/sso/discover`. */
export class SsoDiscoverRequest extends Schema.Class<SsoDiscoverRequest>("SsoDiscoverRequest")({
  email: Schema.String.pipe(Schema.minLength(3), Schema.maxLength(254))
}) {}

/** `ssoConnections` group: the tenant's SSO connections (admins). */
export class SsoConnectionsApi extends HttpApiGroup.make("ssoConnections")
  .add(
    HttpApiEndpoint.put("putSsoConnection")`/api/v1/tenants/${slug}/sso/connections/${connection}`
      .setPayload(PutSsoConnection)
      .addSuccess(SsoConnection)
      .annotate(OpenApi.Summary, "Register or replace an SSO connection; the secret is never answered (sso:write)")
  )
  .add(
    HttpApiEndpoint.put("putSamlConnection")`/api/v1/tenants/${slug}/sso/saml-connections/${connection}`
      .setPayload(PutSamlConnection)
      .addSuccess(SsoConnection)
      .annotate(OpenApi.Summary, "Register or replace a SAML 2.0 connection from the IdP's metadata (sso:write)")
  )
  .add(
    HttpApiEndpoint.get("listSsoConnections")`/api/v1/tenants/${slug}/sso/connections`.addSuccess(
      Schema.Array(SsoConnection)
    )
  )
  .add(
    HttpApiEndpoint.get("getSsoConnection")`/api/v1/tenants/${slug}/sso/connections/${connection}`.addSuccess(
      SsoConnection
    )
  )
  .add(
    HttpApiEndpoint.del("deleteSsoConnection")`/api/v1/tenants/${slug}/sso/connections/${connection}`
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Delete an SSO connection (sso:write)")
  )
  .add(
    HttpApiEndpoint.get("listSsoIdentities")`/api/v1/tenants/${slug}/users/${userId}/sso-identities`
      .addSuccess(Schema.Array(SsoIdentity))
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "A user's links to IdP accounts, made at SSO sign-in (sso:read)")
  )
  .add(
    HttpApiEndpoint.del("deleteSsoIdentity")`/api/v1/tenants/${slug}/users/${userId}/sso-identities/${connection}`
      .addSuccess(HttpApiSchema.NoContent)
      .addError(SsoIdentityNotFound)
      .annotate(OpenApi.Summary, "Unlink a user from their IdP account at a connection; audited (sso:write)")
  )
  .add(
    HttpApiEndpoint.get("getSsoPolicy")`/api/v1/tenants/${slug}/sso/policy`
      .addSuccess(SsoPolicy)
      .annotate(OpenApi.Summary, "The tenant-wide SSO-only policy and its break-glass accounts (sso:read)")
  )
  .add(
    HttpApiEndpoint.put("putSsoPolicy")`/api/v1/tenants/${slug}/sso/policy`
      .setPayload(PutSsoPolicy)
      .addSuccess(SsoPolicy)
      .annotate(OpenApi.Summary, "Turn the tenant-wide SSO-only policy on or off; audited (sso:write, step-up)")
      .annotate(
        OpenApi.Description,
        "Turning it on needs at least one SSO connection and at least one active break-glass account, else 409 Conflict (no lock-out). Passwords, e-mail codes and passkeys are then refused (403 TenantSsoRequired) for every other account."
      )
  )
  .add(
    HttpApiEndpoint.put("putBreakGlass")`/api/v1/tenants/${slug}/sso/break-glass/${userId}`
      .addSuccess(SsoPolicy)
      .addError(UserNotFound)
      .annotate(OpenApi.Summary, "Mark an active user as a break-glass account; audited (sso:write, step-up)")
  )
  .add(
    HttpApiEndpoint.del("deleteBreakGlass")`/api/v1/tenants/${slug}/sso/break-glass/${userId}`
      .addSuccess(SsoPolicy)
      .addError(UserNotFound)
      .annotate(
        OpenApi.Summary,
        "Unmark a break-glass account; refused (409) for the last one while the policy is on (sso:write, step-up)"
      )
  )
  .addError(SsoConnectionNotFound)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "SSO connections")
  .annotate(
    OpenApi.Description,
    "A tenant's connections to outside OpenID Connect identity providers for its users' sign-in (issue 19 §2)."
  ) {}

/** `ssoDiscovery` group: which connection serves an e-mail address (no credentials). */
export class SsoDiscoveryApi extends HttpApiGroup.make("ssoDiscovery")
  .add(
    HttpApiEndpoint.post("discoverSso")`/api/v1/tenants/${slug}/sso/discover`
      .setPayload(SsoDiscoverRequest)
      .addSuccess(SsoDiscovery)
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "Which SSO connection, if any, serves this e-mail address's domain")
  )
  .annotate(OpenApi.Title, "SSO discovery") {}
