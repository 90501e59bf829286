/**
 * SCIM 2.0 provisioning (issue 19 §3; RFC 7643/7644; seed 003 "User
 * provisioning (SCIM for enterprise)"): the SCIM bearer tokens a tenant's
 * administrators mint for their identity provider (Microsoft Entra ID,
 * Okta), and the error carrying a SCIM `scimType`.
 *
 * The SCIM resources themselves (`User`, `Group`, `ListResponse`, …) are
 * JSON documents in the RFC's shape, built by core
 * (`core/src/federation/scim/Resources.ts`); only the token management is
 * part of the Signet REST API.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { strictStruct } from "../tenancy/Domain.js"

/** Branded SCIM token id (UUIDv7; `scim_tokens`). */
export const ScimTokenId = Schema.UUID.pipe(
  Schema.brand("ScimTokenId"),
  Schema.annotations({ identifier: "ScimTokenId" })
)
/** @see ScimTokenId */
export type ScimTokenId = typeof ScimTokenId.Type

/** Body of `POST /api/v1/tenants/{slug}/scim/tokens`: a label (1–100 characters), e.g. "Entra ID". */
export const CreateScimToken = strictStruct("CreateScimToken", {
  name: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100)),
  student_groups: Schema.optional(Schema.Boolean).annotations({
    description:
      "Also let the token provision academics student groups (Signet's Group extension, kind student_group): adds academics:read and academics:write to its scope"
  })
})
/** @see CreateScimToken */
export type CreateScimToken = typeof CreateScimToken.Type

/** A SCIM token as listed (never its secret). `active`: not revoked. */
export class ScimToken extends Schema.Class<ScimToken>("ScimToken")({
  id: ScimTokenId,
  name: Schema.String,
  prefix: Schema.String.annotations({ description: "Public part of the token (`scim_<prefix>_…`), to recognise it" }),
  permissions: Schema.Array(Schema.String).annotations({
    description:
      "The token's scope, fixed at minting: users and teams, plus the default roles of the user types SCIM provisions (granted to new users)"
  }),
  created_by: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  last_used_at: Schema.NullOr(Schema.DateTimeUtc),
  revoked_at: Schema.NullOr(Schema.DateTimeUtc),
  active: Schema.Boolean
}) {}

/** A newly minted SCIM token with its secret, shown once. */
export class CreatedScimToken extends Schema.Class<CreatedScimToken>("CreatedScimToken")({
  scim_token: ScimToken,
  token: Schema.String.annotations({
    description: "scim_<prefix>_<secret> — paste it into the IdP's 'Secret token' now, it is not shown again"
  }),
  base_url: Schema.String.annotations({ description: "The tenant's SCIM base path, `/t/{slug}/scim/v2`" })
}) {}

/** 404 — no such (active) SCIM token in the caller's tenant. */
export class ScimTokenNotFound extends Schema.TaggedError<ScimTokenNotFound>()(
  "ScimTokenNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such SCIM token" })
) {}

/** The `scimType` values of RFC 7644 §3.12 that Signet answers. */
export const ScimType = Schema.Literal(
  "invalidFilter",
  "tooMany",
  "uniqueness",
  "mutability",
  "invalidSyntax",
  "invalidPath",
  "noTarget",
  "invalidValue",
  "invalidVers"
)
/** @see ScimType */
export type ScimType = typeof ScimType.Type

/**
 * A SCIM error (RFC 7644 §3.12): HTTP `status`, optional `scimType`,
 * human `detail`. The SCIM endpoints answer it as
 * `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],…}`
 * with `Content-Type: application/scim+json`.
 */
export class ScimError extends Schema.TaggedError<ScimError>()("ScimError", {
  status: Schema.Int,
  scimType: Schema.optional(ScimType),
  detail: Schema.String,
  /** For 429: seconds until the rate-limit bucket allows another request (`Retry-After`). */
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {}
