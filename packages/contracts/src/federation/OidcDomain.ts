/**
 * Domain of the OpenID Connect provider's client registry (issue 19 §1):
 * the relying parties a tenant's admins register.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** Most redirect URIs (and post-logout URIs) one client may register. */
export const MAX_REDIRECT_URIS = 10
/** Most clients one tenant may register. */
export const MAX_OIDC_CLIENTS = 100

/** Grant types a client may use. */
export const OidcGrantType = Schema.Literal("authorization_code", "refresh_token", "client_credentials")
/** @see OidcGrantType */
export type OidcGrantType = typeof OidcGrantType.Type

/**
 * A registered client. `public` clients (SPAs, native apps) have no secret
 * and must use PKCE; confidential ones authenticate with
 * `client_secret_basic`/`client_secret_post`.
 */
export class OidcClient extends Schema.Class<OidcClient>("OidcClient")({
  client_id: Schema.String,
  name: Schema.String,
  redirect_uris: Schema.Array(Schema.String),
  post_logout_redirect_uris: Schema.Array(Schema.String),
  grant_types: Schema.Array(OidcGrantType),
  public: Schema.Boolean,
  created_at: Schema.DateTimeUtc
}) {}

/**
 * Input of a registration. Redirect URIs are compared exactly by the
 * provider; each must be `https://…` or `http://` on a loopback host
 * (127.0.0.1, [::1], localhost), without a fragment.
 */
export class CreateOidcClient extends Schema.Class<CreateOidcClient>("CreateOidcClient")({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  redirect_uris: Schema.Array(Schema.String.pipe(Schema.maxLength(2000))).pipe(Schema.maxItems(MAX_REDIRECT_URIS)),
  post_logout_redirect_uris: Schema.optionalWith(
    Schema.Array(Schema.String.pipe(Schema.maxLength(2000))).pipe(Schema.maxItems(MAX_REDIRECT_URIS)),
    { default: () => [] }
  ),
  grant_types: Schema.optionalWith(Schema.Array(OidcGrantType).pipe(Schema.minItems(1), Schema.maxItems(3)), {
    default: () => ["authorization_code", "refresh_token"] as const
  }),
  public: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {}

/** A registration's answer: the client and, for a confidential client, its secret — shown this once. */
export class CreatedOidcClient extends Schema.Class<CreatedOidcClient>("CreatedOidcClient")({
  client: OidcClient,
  client_secret: Schema.NullOr(Schema.String)
}) {}

/** 404 — no such client in the tenant. */
export class OidcClientNotFound extends Schema.TaggedError<OidcClientNotFound>()(
  "OidcClientNotFound",
  { message: Schema.String, client_id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such OIDC client" })
) {}
