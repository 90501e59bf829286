/**
 * OAuth bindings (issue 21 §4; seed 000 `platform_credential`,
 * `oauth_binding`, "OAuth Binding Flow", job `refresh_oauth`): a tenant's
 * credentials at outside OAuth 2.0 / OpenID Connect providers (Google,
 * Microsoft, an LMS…), and each user's tokens there, obtained by the
 * authorization-code flow with PKCE and kept envelope-encrypted so that
 * Signet (or an embedder) can call the provider's API on the user's behalf.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** Platform credentials per tenant at most. */
export const MAX_PLATFORM_CREDENTIALS = 20
/** Scopes of one credential at most. */
export const MAX_OAUTH_SCOPES = 30

/** A provider's name within the tenant: 1–40 of `[a-z0-9-]`, starting with a letter (`google`, `moodle-lms`). */
export const OAuthProviderName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9-]{0,39}$/, {
    message: () => "must be 1–40 lowercase letters, digits or -, starting with a letter"
  }),
  Schema.annotations({ identifier: "OAuthProviderName", examples: ["google", "moodle-lms"] })
)

/** One OAuth scope: 1–200 printable characters without spaces (RFC 6749 §3.3). */
export const OAuthScope = Schema.String.pipe(
  Schema.pattern(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, { message: () => "must be a scope token (RFC 6749 §3.3)" })
)

/** A tenant's credential at an outside provider (seed 000 `platform_credential`); the client secret is never answered. */
export class PlatformCredential extends Schema.Class<PlatformCredential>("PlatformCredential")({
  provider: OAuthProviderName,
  /** The provider's issuer; its endpoints come from `/.well-known/openid-configuration` (or RFC 8414 metadata). */
  issuer: Schema.String,
  client_id: Schema.String,
  scopes: Schema.Array(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Registering (or replacing) a tenant's credential at a provider. */
export class PutPlatformCredential extends Schema.Class<PutPlatformCredential>("PutPlatformCredential")({
  /** `https://` issuer URL (plain `http` only on a loopback host when the operator allows it). */
  issuer: Schema.String.pipe(Schema.maxLength(2048)),
  client_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
  /** Stored envelope-encrypted; never answered. */
  client_secret: Schema.Redacted(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2048))),
  scopes: Schema.Array(OAuthScope).pipe(Schema.maxItems(MAX_OAUTH_SCOPES))
}) {}

/** Status of a binding: usable, or its last refresh failed (the user must bind again). */
export const OAuthBindingStatus = Schema.Literal("active", "refresh_failed")

/** One user's binding to a provider (seed 000 `oauth_binding`); its tokens are never answered. */
export class OAuthBinding extends Schema.Class<OAuthBinding>("OAuthBinding")({
  provider: OAuthProviderName,
  user_id: Schema.String,
  /** The user's subject at the provider (`sub` of the id_token), when it sent one. */
  subject: Schema.NullOr(Schema.String),
  scopes: Schema.Array(Schema.String),
  status: OAuthBindingStatus,
  /** When the access token expires (the provider's `expires_in`), if it said. */
  expires_at: Schema.NullOr(Schema.DateTimeUtc),
  has_refresh_token: Schema.Boolean,
  created_at: Schema.DateTimeUtc,
  refreshed_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** The start of a binding: where to send the user's browser (valid 10 minutes, once). */
export class OAuthBindingStart extends Schema.Class<OAuthBindingStart>("OAuthBindingStart")({
  authorization_url: Schema.String,
  expires_at: Schema.DateTimeUtc
}) {}

/** 404 — the tenant has no credential for this provider. */
export class PlatformCredentialNotFound extends Schema.TaggedError<PlatformCredentialNotFound>()(
  "PlatformCredentialNotFound",
  { message: Schema.String, provider: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such OAuth provider credential" })
) {}

/** 404 — the user has no binding to this provider. */
export class OAuthBindingNotFound extends Schema.TaggedError<OAuthBindingNotFound>()(
  "OAuthBindingNotFound",
  { message: Schema.String, provider: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such OAuth binding" })
) {}

/**
 * 502 — the provider refused or failed (discovery, code exchange, refresh);
 * `reason` is the OAuth error code when the provider gave one. A refresh
 * refused with `invalid_grant` marks the binding `refresh_failed`.
 */
export class OAuthProviderError extends Schema.TaggedError<OAuthProviderError>()(
  "OAuthProviderError",
  { message: Schema.String, provider: Schema.String, reason: Schema.String },
  HttpApiSchema.annotations({ status: 502, description: "The OAuth provider refused or failed" })
) {}

/** 400 — the callback's `state` is unknown, used or expired (one generic answer). */
export class OAuthStateInvalid extends Schema.TaggedError<OAuthStateInvalid>()(
  "OAuthStateInvalid",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "Unknown, used or expired binding state" })
) {}
