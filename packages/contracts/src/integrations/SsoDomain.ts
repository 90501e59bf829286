/**
 * SSO connections (issue 19 §2, "staff sign in with Google Workspace /
 * Entra"): a tenant's connections to outside OpenID Connect identity
 * providers, through which its users sign in to Signet (Signet as relying
 * party). Each connection names the e-mail domains it serves, how users are
 * provisioned (`jit` or `link_only`) and whether those domains may still use
 * a password (`sso_only`).
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { OAuthScope } from "./OAuthDomain.js"

/** SSO connections per tenant at most. */
export const MAX_SSO_CONNECTIONS = 20
/** E-mail domains of one connection at most. */
export const MAX_SSO_DOMAINS = 50
/** Scopes of one connection at most. */
export const MAX_SSO_SCOPES = 30

/** A connection's name (its slug in URLs): 1–40 of `[a-z0-9-]`, starting with a letter (`google`, `entra-staff`). */
export const SsoConnectionName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9-]{0,39}$/, {
    message: () => "must be 1–40 lowercase letters, digits or -, starting with a letter"
  }),
  Schema.annotations({ identifier: "SsoConnectionName", examples: ["google", "entra-staff"] })
)

/** An e-mail domain a connection serves, lowercase (`school.example`). */
export const SsoEmailDomain = Schema.String.pipe(
  Schema.pattern(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    message: () => "must be a lowercase DNS domain name"
  }),
  Schema.annotations({ identifier: "SsoEmailDomain", examples: ["school.example"] })
)

/**
 * How a connection provisions users: `jit` creates an unknown user on first
 * sign-in (with the default role of `default_user_type`); `link_only` only
 * signs in existing users, matched by their verified e-mail.
 */
export const SsoProvisioning = Schema.Literal("jit", "link_only")
/** @see SsoProvisioning */
export type SsoProvisioning = typeof SsoProvisioning.Type

/** The user type a `jit` connection gives new users. */
export const SsoUserType = Schema.Literal("student", "teacher", "admin", "dev")

/** Mapped values of one claim at most (attribute mapping). */
export const MAX_SSO_MAPPED_VALUES = 100
/** Roles one claim value may give at most. */
export const MAX_SSO_ROLES_PER_VALUE = 10

/**
 * The name of an IdP claim (OpenID Connect) or attribute (SAML) a mapping
 * reads: `groups`, `roles`, `department`,
 * `http://schemas.microsoft.com/ws/2008/06/identity/claims/groups`.
 */
export const SsoClaimName = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(256),
  Schema.annotations({ identifier: "SsoClaimName", examples: ["groups"] })
)

/** A value of an IdP claim a mapping names (a group's name or object id, a department). */
const ClaimValue = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256))

/**
 * Attribute mapping of an SSO connection (issue 19 §2 "just-in-time
 * provisioning with attribute mapping to user type, school and roles";
 * Keycloak's identity-provider mappers, Zitadel's actions): which claims
 * of the IdP decide a person's user type, school and roles. A claim may be
 * a string or an array of strings (a `groups` claim).
 *
 * - `user_type` — the first entry of `values` (in the order given) whose
 *   value the claim holds sets the type of a new (`jit`) user; none held:
 *   `default_user_type`.
 * - `school_claim` — names the school of a new user by its id, its code or
 *   its OneRoster `sourcedId`; a value naming no live school leaves the
 *   user without one.
 * - `roles` — every role of every value the claim holds is assigned
 *   (roles by name, at most {@link MAX_SSO_ROLES_PER_VALUE} per value).
 *   With `sync: "every_login"` the roles the mapping names are owned by the
 *   IdP: at each sign-in the user gets the ones their claims give and loses
 *   the others of them; with `"on_create"` they are only given to a new user.
 *
 * Registering a mapping requires holding every permission of every role it
 * can give, and of the default role of every user type it can set.
 */
export class SsoAttributeMapping extends Schema.Class<SsoAttributeMapping>("SsoAttributeMapping")({
  user_type: Schema.optionalWith(
    Schema.NullOr(
      Schema.Struct({
        claim: SsoClaimName,
        values: Schema.Array(Schema.Struct({ value: ClaimValue, user_type: SsoUserType })).pipe(
          Schema.minItems(1),
          Schema.maxItems(MAX_SSO_MAPPED_VALUES)
        )
      })
    ),
    { default: () => null }
  ),
  school_claim: Schema.optionalWith(Schema.NullOr(SsoClaimName), { default: () => null }),
  roles: Schema.optionalWith(
    Schema.NullOr(
      Schema.Struct({
        claim: SsoClaimName,
        values: Schema.Array(
          Schema.Struct({
            value: ClaimValue,
            roles: Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100))).pipe(
              Schema.minItems(1),
              Schema.maxItems(MAX_SSO_ROLES_PER_VALUE)
            )
          })
        ).pipe(Schema.minItems(1), Schema.maxItems(MAX_SSO_MAPPED_VALUES)),
        sync: Schema.optionalWith(Schema.Literal("on_create", "every_login"), { default: () => "on_create" as const })
      })
    ),
    { default: () => null }
  )
}) {}

/** The protocol of a connection: OpenID Connect (discovery, code flow) or SAML 2.0 (Web Browser SSO profile). */
export const SsoProtocol = Schema.Literal("oidc", "saml")
/** @see SsoProtocol */
export type SsoProtocol = typeof SsoProtocol.Type

/** A tenant's SSO connection; the client secret is never answered. */
export class SsoConnection extends Schema.Class<SsoConnection>("SsoConnection")({
  name: SsoConnectionName,
  protocol: SsoProtocol,
  /** OIDC: the IdP's issuer (its endpoints from `/.well-known/openid-configuration`); SAML: the IdP's entity ID. */
  issuer: Schema.String,
  client_id: Schema.String,
  scopes: Schema.Array(Schema.String),
  /** E-mail domains whose users this connection signs in. */
  domains: Schema.Array(Schema.String),
  provisioning: SsoProvisioning,
  default_user_type: SsoUserType,
  /** Users of `domains` may no longer sign in with a password. */
  sso_only: Schema.Boolean,
  /** SAML: the IdP's single sign-on URL (HTTP-Redirect binding); null for OIDC. */
  saml_sso_url: Schema.NullOr(Schema.String),
  /** SAML: SHA-256 fingerprints of the IdP's signing certificates; empty for OIDC. */
  saml_certificate_fingerprints: Schema.Array(Schema.String),
  /**
   * SAML: Signet's encryption certificate for this connection (PEM; the IdP
   * encrypts assertions to it; also in the SP metadata), null for OIDC and
   * for SAML connections saved before encrypted assertions were supported.
   */
  saml_encryption_certificate: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  /** SAML: only encrypted assertions are accepted (a plain one is refused); false for OIDC. */
  saml_require_encrypted_assertions: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Which IdP claims set user type, school and roles; null when none do. */
  attribute_mapping: Schema.NullOr(SsoAttributeMapping),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** IdP signing certificates of one SAML connection at most (rollover: old and new). */
export const MAX_SAML_CERTIFICATES = 4

/**
 * Registering (or replacing) a tenant's SAML 2.0 connection (issue 19 §2):
 * the IdP's entity ID, single sign-on URL and signing certificates (PEM),
 * from its metadata. Signet is the service provider; its metadata is at
 * `…/sso/connections/{name}/saml-metadata`.
 */
export class PutSamlConnection extends Schema.Class<PutSamlConnection>("PutSamlConnection")({
  /** The IdP's entity ID (the `Issuer` of its responses). */
  idp_entity_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024)),
  /** `https://` single sign-on URL (HTTP-Redirect binding; plain `http` only on loopback when the operator allows it). */
  sso_url: Schema.String.pipe(Schema.maxLength(2048)),
  /** PEM X.509 certificates the IdP signs assertions with (1–4: add the new one before a rollover). */
  certificates: Schema.Array(Schema.String.pipe(Schema.maxLength(16_384))).pipe(
    Schema.minItems(1),
    Schema.maxItems(MAX_SAML_CERTIFICATES)
  ),
  domains: Schema.Array(SsoEmailDomain).pipe(Schema.minItems(1), Schema.maxItems(MAX_SSO_DOMAINS)),
  provisioning: SsoProvisioning,
  default_user_type: Schema.optionalWith(SsoUserType, { default: () => "teacher" as const }),
  sso_only: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /**
   * Refuse assertions that are not encrypted to Signet's encryption
   * certificate (`saml_encryption_certificate`); false when absent —
   * encrypted ones are accepted either way.
   */
  require_encrypted_assertions: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Which IdP claims set user type, school and roles (see {@link SsoAttributeMapping}); none when absent. */
  attribute_mapping: Schema.optionalWith(Schema.NullOr(SsoAttributeMapping), { default: () => null })
}) {}

/** Registering (or replacing) a tenant's SSO connection. */
export class PutSsoConnection extends Schema.Class<PutSsoConnection>("PutSsoConnection")({
  /** `https://` issuer URL (plain `http` only on a loopback host when the operator allows it). */
  issuer: Schema.String.pipe(Schema.maxLength(2048)),
  client_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
  /** Stored envelope-encrypted; never answered. */
  client_secret: Schema.Redacted(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2048))),
  /** Must include `openid` and `email`. */
  scopes: Schema.Array(OAuthScope).pipe(Schema.maxItems(MAX_SSO_SCOPES)),
  domains: Schema.Array(SsoEmailDomain).pipe(Schema.minItems(1), Schema.maxItems(MAX_SSO_DOMAINS)),
  provisioning: SsoProvisioning,
  /** For `jit`: the type (and so the default role) of new users; `teacher` when absent. */
  default_user_type: Schema.optionalWith(SsoUserType, { default: () => "teacher" as const }),
  sso_only: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Which IdP claims set user type, school and roles (see {@link SsoAttributeMapping}); none when absent. */
  attribute_mapping: Schema.optionalWith(Schema.NullOr(SsoAttributeMapping), { default: () => null })
}) {}

/** Which connection serves an e-mail address (the login page's "Sign in with SSO"). */
export class SsoDiscovery extends Schema.Class<SsoDiscovery>("SsoDiscovery")({
  /** The connection's name, or null when no connection serves the address's domain. */
  connection: Schema.NullOr(Schema.String),
  /** Whether the address may sign in only through that connection. */
  sso_only: Schema.Boolean
}) {}

/** 404 — the tenant has no SSO connection of this name. */
export class SsoConnectionNotFound extends Schema.TaggedError<SsoConnectionNotFound>()(
  "SsoConnectionNotFound",
  { message: Schema.String, connection: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such SSO connection" })
) {}

/** A link from an IdP's person (`subject` at `connection`) to a Signet user, made at their first SSO sign-in. */
export class SsoIdentity extends Schema.Class<SsoIdentity>("SsoIdentity")({
  connection: Schema.String,
  /** The IdP's `sub` of the person. */
  subject: Schema.String,
  user_id: Schema.String,
  created_at: Schema.DateTimeUtc,
  last_login_at: Schema.DateTimeUtc
}) {}

/** 404 — the user has no link through this connection. */
export class SsoIdentityNotFound extends Schema.TaggedError<SsoIdentityNotFound>()(
  "SsoIdentityNotFound",
  { message: Schema.String, connection: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such SSO link" })
) {}

/** A break-glass account of a tenant's "SSO only" policy: who marked it, and when. */
export class BreakGlassAccount extends Schema.Class<BreakGlassAccount>("BreakGlassAccount")({
  user_id: Schema.String.annotations({
    description: "The user who may still sign in with a password, code or passkey"
  }),
  marked_by: Schema.NullOr(Schema.String),
  marked_at: Schema.DateTimeUtc
}) {}

/**
 * The tenant-wide "SSO only" policy (issue 19 §2): when `sso_only`, every
 * account of the tenant signs in through an SSO connection only, except the
 * `break_glass` accounts (for when the IdP is down or misconfigured).
 */
export class SsoPolicy extends Schema.Class<SsoPolicy>("SsoPolicy")({
  sso_only: Schema.Boolean,
  break_glass: Schema.Array(BreakGlassAccount),
  updated_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** Body of `PUT …/sso/policy`. */
export class PutSsoPolicy extends Schema.Class<PutSsoPolicy>("PutSsoPolicy")({
  sso_only: Schema.Boolean
}) {}
