/**
 * Shared tagged errors. Every error carries its HTTP status (HttpApiSchema
 * annotation) and a human `message`; the server renders them as RFC 9457
 * `application/problem+json` and RPC clients receive the same tagged classes.
 *
 * Module-specific errors (e.g. `TenantNotFound`) live in each module's
 * `Domain.ts`; the ones here are cross-cutting.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/**
 * One invalid field of a request: `field` is a dotted path (`settings.timezone`).
 */
export class FieldIssue extends Schema.Class<FieldIssue>("FieldIssue")({
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * 400 — the request is well-formed JSON but a value is invalid (business-level
 * validation that a schema cannot express, e.g. a reserved slug).
 */
export class ValidationError extends Schema.TaggedError<ValidationError>()(
  "ValidationError",
  { message: Schema.String, issues: Schema.Array(FieldIssue) },
  HttpApiSchema.annotations({ status: 400, description: "Invalid input" })
) {
  /** A validation error about one field. */
  static field(field: string, message: string): ValidationError {
    return new ValidationError({ message: `${field}: ${message}`, issues: [new FieldIssue({ field, message })] })
  }
}

/**
 * 409 — the request conflicts with existing state (duplicate unique value,
 * illegal lifecycle transition).
 */
export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { message: Schema.String, field: Schema.optional(Schema.String) },
  HttpApiSchema.annotations({ status: 409, description: "Conflict with existing state" })
) {}

/**
 * 401 — missing, malformed, expired or otherwise invalid credentials. The
 * message is deliberately generic.
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "Authentication required" })
) {}

/**
 * 403 — authenticated, but the actor lacks the permission (or the tenant is
 * suspended).
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { message: Schema.String, permission: Schema.optional(Schema.String) },
  HttpApiSchema.annotations({ status: 403, description: "Not allowed" })
) {}

/**
 * 404 — generic "no such object" for ids that do not resolve inside the
 * caller's tenant. Another tenant's object answers exactly this.
 */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String, resource: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such object" })
) {}

/**
 * 503 — a dependency (database) is not available; the client may retry.
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "Temporarily unavailable" })
) {}

/** 404 — no tenant with that slug or id (deleted tenants count as absent except for restore). */
export class TenantNotFound extends Schema.TaggedError<TenantNotFound>()(
  "TenantNotFound",
  { message: Schema.String, tenant: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such tenant" })
) {}

/** 403 — the tenant is suspended: its users are refused until it is reactivated. */
export class TenantSuspended extends Schema.TaggedError<TenantSuspended>()(
  "TenantSuspended",
  { message: Schema.String, tenant: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "Tenant suspended" })
) {}

/**
 * 429 — a rate limit refused the request (logins, MFA codes, mail requests,
 * the API limits per user, API key, tenant and address). The server adds
 * `Retry-After` (RFC 9110 §10.2.3) and the IETF `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` header fields from
 * `retry_after_seconds`, `limit` and `remaining`.
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()(
  "RateLimited",
  { message: Schema.String, retry_after_seconds: Schema.Number, limit: Schema.Number, remaining: Schema.Number },
  HttpApiSchema.annotations({ status: 429, description: "Too many requests" })
) {}

/**
 * 402 — the tenant's plan does not allow this: adding `adding` to `used`
 * would pass the plan's hard limit `limit` (e.g. `users.max`,
 * `beacons.max`, `signatures.monthly`), and nothing was written (issue 20
 * "Entitlements and quotas"; seed 003 "free-tier … limits"). `plan` is the
 * tenant's plan code; `upgrade_plan` the cheapest plan of the catalogue
 * whose limit would admit the request, when one does. Periodic limits
 * (`….monthly`) name the UTC calendar month in `period` (`2026-12`).
 */
export class QuotaExceeded extends Schema.TaggedError<QuotaExceeded>()(
  "QuotaExceeded",
  {
    message: Schema.String,
    limit: Schema.String,
    value: Schema.Number,
    used: Schema.Number,
    adding: Schema.Number,
    plan: Schema.String,
    period: Schema.optional(Schema.String),
    upgrade_plan: Schema.optional(Schema.String)
  },
  HttpApiSchema.annotations({ status: 402, description: "The plan's limit is reached" })
) {}

/**
 * 402 — the tenant's plan switches feature `feature` off (its entitlements
 * set the flag to `false`), so the request was refused and nothing written
 * (issue 20 "Entitlements"). `upgrade_plan` names the cheapest plan that
 * turns it on, when one does.
 */
export class FeatureNotEntitled extends Schema.TaggedError<FeatureNotEntitled>()(
  "FeatureNotEntitled",
  {
    message: Schema.String,
    feature: Schema.String,
    plan: Schema.String,
    upgrade_plan: Schema.optional(Schema.String)
  },
  HttpApiSchema.annotations({ status: 402, description: "The plan does not include this feature" })
) {}
