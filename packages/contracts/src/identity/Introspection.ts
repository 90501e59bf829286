/**
 * Token introspection (RFC 7662), issue 19 §4 "Interop endpoints from the
 * seeds": the request and response bodies of
 * `POST /api/v1/tenants/{slug}/oauth/introspect`, so resource servers that
 * cannot verify JWTs can ask, as seed 000's `AuthService.ValidateToken` does.
 *
 * @module
 */
import { Schema } from "effect"
import { TenantId } from "../kernel/Context.js"
import { SessionId, UserId } from "../kernel/Ids.js"
import { UserType } from "./Domain.js"

/**
 * Body of a token introspection request (RFC 7662 §2.1), form-encoded:
 * `token` (at most 8 KiB) and an optional `token_type_hint`.
 */
export const IntrospectionRequest = Schema.Struct({
  token: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(8192)),
  token_type_hint: Schema.optional(Schema.String.pipe(Schema.maxLength(64)))
}).annotations({ identifier: "IntrospectionRequest" })

/**
 * A token introspection response (RFC 7662 §2.2). `active: false` alone for
 * any token that is not a live access token of the caller's tenant (unknown,
 * expired, revoked session, disabled user, suspended tenant, another
 * tenant's, a refresh token): RFC 7662 §2.2 says nothing more is told.
 * When active, the registered names (`sub`, `iss`, `aud`, `exp`, `iat`,
 * `jti`, `token_type`; times in seconds since the epoch) plus Signet's own
 * claims (`tid`, `tenant_slug`, `sid`, `user_type`, `roles`, `school_id`, `plan`).
 */
export class IntrospectionResponse extends Schema.Class<IntrospectionResponse>("IntrospectionResponse")({
  active: Schema.Boolean,
  token_type: Schema.optional(Schema.Literal("access_token")),
  sub: Schema.optional(UserId),
  iss: Schema.optional(Schema.String),
  aud: Schema.optional(Schema.String),
  exp: Schema.optional(Schema.Number),
  iat: Schema.optional(Schema.Number),
  jti: Schema.optional(Schema.String),
  tid: Schema.optional(TenantId),
  tenant_slug: Schema.optional(Schema.String),
  sid: Schema.optional(SessionId),
  user_type: Schema.optional(UserType),
  roles: Schema.optional(Schema.Array(Schema.String)),
  school_id: Schema.optional(Schema.NullOr(Schema.String)),
  plan: Schema.optional(Schema.String)
}) {}
