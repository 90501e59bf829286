/**
 * Tenancy domain: tenants, their lifecycle and settings (seed 003 "Tenant
 * Service", seed 001 "settings"; ARCHITECTURE §3).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { TenantId } from "../kernel/Context.js"

export { TenantId }

/**
 * Slugs that would collide with routes, subdomains or well-known names.
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin",
  "api",
  "app",
  "assets",
  "auth",
  "beacon",
  "billing",
  "cdn",
  "console",
  "dashboard",
  "default",
  "docs",
  "help",
  "health",
  "internal",
  "login",
  "logout",
  "mail",
  "metrics",
  "null",
  "oauth",
  "platform",
  "ready",
  "root",
  "rpc",
  "signet",
  "static",
  "status",
  "support",
  "system",
  "tenant",
  "tenants",
  "undefined",
  "well-known",
  "www"
])

/**
 * Tenant slug: lowercase, 3–63 characters, a DNS label (letters, digits,
 * inner hyphens), not reserved. Used in URLs and as a subdomain.
 */
export const TenantSlug = Schema.String.pipe(
  Schema.minLength(3, { message: () => "must be at least 3 characters" }),
  Schema.maxLength(63, { message: () => "must be at most 63 characters" }),
  Schema.pattern(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, {
    message: () => "must be lowercase letters, digits and inner hyphens (a DNS label)"
  }),
  Schema.filter((s) => !RESERVED_SLUGS.has(s) || `"${s}" is a reserved word`),
  Schema.annotations({ identifier: "TenantSlug", examples: ["lycee-victor-hugo"] })
)
/** @see TenantSlug */
export type TenantSlug = typeof TenantSlug.Type

/** Data-residency regions a tenant can be placed in (seed 003). */
export const Region = Schema.Literal("global", "us", "eu", "uk", "ca", "au", "in", "sg", "jp", "br").annotations({
  identifier: "Region"
})
/** @see Region */
export type Region = typeof Region.Type

/** Plan tiers (seed 003 `plan_tier`, default `free`). */
export const PlanTier = Schema.Literal("free", "basic", "pro", "enterprise").annotations({ identifier: "PlanTier" })
/** @see PlanTier */
export type PlanTier = typeof PlanTier.Type

/** Lifecycle states. `deleted` is a soft delete: restorable, slug kept reserved. */
export const TenantStatus = Schema.Literal("active", "suspended", "deleted").annotations({ identifier: "TenantStatus" })
/** @see TenantStatus */
export type TenantStatus = typeof TenantStatus.Type

/** A custom domain: a lowercase hostname of at least two labels. */
export const CustomDomain = Schema.String.pipe(
  Schema.maxLength(253),
  Schema.pattern(/^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    message: () => "must be a lowercase hostname such as attendance.example.edu"
  }),
  Schema.annotations({ identifier: "CustomDomain" })
)

/** A tenant: a customer organisation (a school, a district, a company). */
export class Tenant extends Schema.Class<Tenant>("Tenant")({
  id: TenantId,
  slug: Schema.String,
  name: Schema.String,
  region: Region,
  plan: PlanTier,
  status: TenantStatus,
  custom_domain: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc,
  deleted_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/**
 * A request body schema that refuses unknown fields (a smuggled `status` or
 * `tenant_id` is a 400, never silently ignored) and reports every issue.
 */
export const strictStruct = <F extends Schema.Struct.Fields>(identifier: string, fields: F) =>
  Schema.Struct(fields).annotations({ identifier, parseOptions: { onExcessProperty: "error", errors: "all" } })

/**
 * The first administrator created with a tenant (onboarding, seed 003
 * "Onboarding: create tenant, provision initial admin user"). The password is
 * checked against the tenant's password policy.
 */
export const FirstAdmin = strictStruct("FirstAdmin", {
  email: Schema.Trim.pipe(Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an e-mail address" })),
  password: Schema.Redacted(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024))),
  given_name: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100)),
  family_name: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))
})

/** Body of `POST /api/v1/tenants` and RPC `CreateTenant`. */
export const CreateTenant = strictStruct("CreateTenant", {
  slug: TenantSlug,
  name: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200)),
  region: Schema.optional(Region).annotations({ description: "Default: global" }),
  plan: Schema.optional(PlanTier).annotations({ description: "Default: free" }),
  custom_domain: Schema.optional(Schema.NullOr(CustomDomain)),
  admin: Schema.optional(FirstAdmin).annotations({
    description: "First administrator, created in the same transaction"
  })
})
/** @see CreateTenant */
export type CreateTenant = typeof CreateTenant.Type

/** Body of `PATCH /api/v1/tenants/{slug}`: every field optional. */
export const UpdateTenant = strictStruct("UpdateTenant", {
  name: Schema.optional(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200))),
  region: Schema.optional(Region),
  plan: Schema.optional(PlanTier),
  custom_domain: Schema.optional(Schema.NullOr(CustomDomain))
})
/** @see UpdateTenant */
export type UpdateTenant = typeof UpdateTenant.Type

/**
 * The tenant errors live in the kernel (kernel/Errors.ts) because the kernel's
 * authentication contracts name them; re-exported here for the tenancy module.
 */
export { TenantNotFound, TenantSuspended } from "../kernel/Errors.js"

/** 409 — the lifecycle transition is not allowed from the tenant's current status. */
export class InvalidTenantTransition extends Schema.TaggedError<InvalidTenantTransition>()(
  "InvalidTenantTransition",
  { message: Schema.String, from: TenantStatus, action: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "Illegal lifecycle transition" })
) {}

/** One tenant setting with its effective value. */
export class TenantSetting extends Schema.Class<TenantSetting>("TenantSetting")({
  key: Schema.String,
  value: Schema.Unknown,
  default: Schema.Unknown,
  is_default: Schema.Boolean,
  description: Schema.String,
  updated_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** Body of `PUT /api/v1/tenants/{slug}/settings/{key}`. */
export const PutSetting = strictStruct("PutSetting", { value: Schema.Unknown })

/** 404 — no such setting key. */
export class SettingNotFound extends Schema.TaggedError<SettingNotFound>()(
  "SettingNotFound",
  { message: Schema.String, key: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "Unknown setting key" })
) {}
