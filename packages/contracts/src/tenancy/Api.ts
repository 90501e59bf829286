/**
 * REST contract of the tenancy module: `/api/v1/tenants` and
 * `/api/v1/tenants/{slug}/settings` (seed 001 "Settings Management",
 * seed 003 "Tenant Service").
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { OperatorAuth, UserAuth } from "../kernel/Security.js"
import {
  CreateTenant,
  InvalidTenantTransition,
  PutSetting,
  SettingNotFound,
  Tenant,
  TenantNotFound,
  TenantSetting,
  TenantStatus,
  UpdateTenant
} from "./Domain.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const key = HttpApiSchema.param("key", Schema.String)

/** Page of tenants. */
export const TenantPage = Page(Tenant)

/**
 * `tenants` group: tenant onboarding, listing and lifecycle (operator only),
 * and a tenant's profile and settings for its own members (core's
 * `TenantAdmin`: `tenants:read|write`, `settings:read|write`; operators too).
 */
export class TenantsApi extends HttpApiGroup.make("tenants")
  .add(
    HttpApiEndpoint.post("create", "/api/v1/tenants")
      .setPayload(CreateTenant)
      .addSuccess(Tenant, { status: 201 })
      .addError(Conflict)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Onboard a tenant")
      .annotate(OpenApi.Description, "Creates the tenant, its default settings and its first admin in one transaction.")
      .middleware(OperatorAuth)
  )
  .add(
    HttpApiEndpoint.get("list", "/api/v1/tenants")
      .setUrlParams(Schema.Struct({ ...PageParams.fields, status: Schema.optional(TenantStatus) }))
      .addSuccess(TenantPage)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "List tenants")
      .middleware(OperatorAuth)
  )
  .add(
    HttpApiEndpoint.get("get")`/api/v1/tenants/${slug}`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "Get a tenant")
      .addError(Forbidden)
      .middleware(UserAuth)
  )
  .add(
    HttpApiEndpoint.patch("update")`/api/v1/tenants/${slug}`
      .setPayload(UpdateTenant)
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Update a tenant's name, region, plan or custom domain")
      .addError(Forbidden)
      .middleware(UserAuth)
  )
  .add(
    HttpApiEndpoint.post("suspend")`/api/v1/tenants/${slug}/suspend`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Suspend a tenant (its users are refused)")
      .middleware(OperatorAuth)
  )
  .add(
    HttpApiEndpoint.post("reactivate")`/api/v1/tenants/${slug}/reactivate`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Reactivate a suspended tenant")
      .middleware(OperatorAuth)
  )
  .add(
    HttpApiEndpoint.del("delete")`/api/v1/tenants/${slug}`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Soft-delete a tenant (restorable)")
      .middleware(OperatorAuth)
  )
  .add(
    HttpApiEndpoint.post("restore")`/api/v1/tenants/${slug}/restore`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Restore a soft-deleted tenant")
      .middleware(OperatorAuth)
  )
  .add(
    HttpApiEndpoint.get("listSettings")`/api/v1/tenants/${slug}/settings`
      .addSuccess(Schema.Array(TenantSetting))
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "List a tenant's settings with effective values and defaults")
      .addError(Forbidden)
      .middleware(UserAuth)
  )
  .add(
    HttpApiEndpoint.get("getSetting")`/api/v1/tenants/${slug}/settings/${key}`
      .addSuccess(TenantSetting)
      .addError(TenantNotFound)
      .addError(SettingNotFound)
      .annotate(OpenApi.Summary, "Get one setting")
      .addError(Forbidden)
      .middleware(UserAuth)
  )
  .add(
    HttpApiEndpoint.put("putSetting")`/api/v1/tenants/${slug}/settings/${key}`
      .setPayload(PutSetting)
      .addSuccess(TenantSetting)
      .addError(TenantNotFound)
      .addError(SettingNotFound)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Set one setting (validated against its schema)")
      .addError(Forbidden)
      .middleware(UserAuth)
  )
  .add(
    HttpApiEndpoint.del("resetSetting")`/api/v1/tenants/${slug}/settings/${key}`
      .addSuccess(TenantSetting)
      .addError(TenantNotFound)
      .addError(SettingNotFound)
      .annotate(OpenApi.Summary, "Reset one setting to its default")
      .addError(Forbidden)
      .middleware(UserAuth)
  )
  .annotate(OpenApi.Title, "Tenants")
  .annotate(
    OpenApi.Description,
    "Tenant onboarding, listing and lifecycle (platform operators); a tenant's profile and settings (its members with tenants:read|write and settings:read|write, or operators)."
  ) {}
