/**
 * REST contract of the tenancy module: `/api/v1/tenants` and
 * `/api/v1/tenants/{slug}/settings` (seed 001 "Settings Management",
 * seed 003 "Tenant Service").
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, ValidationError } from "../kernel/Errors.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { OperatorAuth } from "../kernel/Security.js"
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

/** `tenants` group: platform-level tenant administration (operator only). */
export class TenantsApi extends HttpApiGroup.make("tenants")
  .add(
    HttpApiEndpoint.post("create", "/api/v1/tenants")
      .setPayload(CreateTenant)
      .addSuccess(Tenant, { status: 201 })
      .addError(Conflict)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Onboard a tenant")
      .annotate(OpenApi.Description, "Creates the tenant, its default settings and its first admin in one transaction.")
  )
  .add(
    HttpApiEndpoint.get("list", "/api/v1/tenants")
      .setUrlParams(Schema.Struct({ ...PageParams.fields, status: Schema.optional(TenantStatus) }))
      .addSuccess(TenantPage)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "List tenants")
  )
  .add(
    HttpApiEndpoint.get("get")`/api/v1/tenants/${slug}`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "Get a tenant")
  )
  .add(
    HttpApiEndpoint.patch("update")`/api/v1/tenants/${slug}`
      .setPayload(UpdateTenant)
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Update a tenant's name, region, plan or custom domain")
  )
  .add(
    HttpApiEndpoint.post("suspend")`/api/v1/tenants/${slug}/suspend`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Suspend a tenant (its users are refused)")
  )
  .add(
    HttpApiEndpoint.post("reactivate")`/api/v1/tenants/${slug}/reactivate`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Reactivate a suspended tenant")
  )
  .add(
    HttpApiEndpoint.del("delete")`/api/v1/tenants/${slug}`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Soft-delete a tenant (restorable)")
  )
  .add(
    HttpApiEndpoint.post("restore")`/api/v1/tenants/${slug}/restore`
      .addSuccess(Tenant)
      .addError(TenantNotFound)
      .addError(InvalidTenantTransition)
      .annotate(OpenApi.Summary, "Restore a soft-deleted tenant")
  )
  .add(
    HttpApiEndpoint.get("listSettings")`/api/v1/tenants/${slug}/settings`
      .addSuccess(Schema.Array(TenantSetting))
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "List a tenant's settings with effective values and defaults")
  )
  .add(
    HttpApiEndpoint.get("getSetting")`/api/v1/tenants/${slug}/settings/${key}`
      .addSuccess(TenantSetting)
      .addError(TenantNotFound)
      .addError(SettingNotFound)
      .annotate(OpenApi.Summary, "Get one setting")
  )
  .add(
    HttpApiEndpoint.put("putSetting")`/api/v1/tenants/${slug}/settings/${key}`
      .setPayload(PutSetting)
      .addSuccess(TenantSetting)
      .addError(TenantNotFound)
      .addError(SettingNotFound)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "Set one setting (validated against its schema)")
  )
  .add(
    HttpApiEndpoint.del("resetSetting")`/api/v1/tenants/${slug}/settings/${key}`
      .addSuccess(TenantSetting)
      .addError(TenantNotFound)
      .addError(SettingNotFound)
      .annotate(OpenApi.Summary, "Reset one setting to its default")
  )
  .middleware(OperatorAuth)
  .annotate(OpenApi.Title, "Tenants")
  .annotate(OpenApi.Description, "Tenant onboarding, lifecycle and settings (platform operators).") {}
