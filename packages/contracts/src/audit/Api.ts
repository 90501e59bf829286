/**
 * REST contract of the audit module: list and verify a tenant's chain.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Forbidden, TenantNotFound, ValidationError } from "../kernel/Errors.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { UserAuth } from "../kernel/Security.js"
import { AuditEntry, ChainVerification } from "./Domain.js"

const slug = HttpApiSchema.param("slug", Schema.String)

/** `audit` group: a tenant's audit log for its members holding `audit:read` (core's `TenantAdmin`) and for operators. */
export class AuditApi extends HttpApiGroup.make("audit")
  .add(
    HttpApiEndpoint.get("list")`/api/v1/tenants/${slug}/audit-logs`
      .setUrlParams(
        Schema.Struct({
          ...PageParams.fields,
          action: Schema.optional(Schema.String),
          target_type: Schema.optional(Schema.String),
          target_id: Schema.optional(Schema.String)
        })
      )
      .addSuccess(Page(AuditEntry))
      .addError(TenantNotFound)
      .addError(ValidationError)
      .annotate(OpenApi.Summary, "List a tenant's audit log, newest first")
  )
  .add(
    HttpApiEndpoint.get("verify")`/api/v1/tenants/${slug}/audit-logs/verify`
      .addSuccess(ChainVerification)
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "Walk the hash chain and report the first broken link")
  )
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Audit log") {}
