/**
 * RPC contract of the tenancy module: `TenantQuery` and `TenantCommand`
 * (ARCHITECTURE §5 "RPC"). Same payloads, results and tagged errors as REST.
 *
 * @module
 */
import { Rpc, RpcGroup, RpcMiddleware } from "@effect/rpc"
import { Schema } from "effect"
import { CurrentActor } from "../kernel/Context.js"
import { Conflict, Unauthorized, ValidationError } from "../kernel/Errors.js"
import { PageParams } from "../kernel/Pagination.js"
import { TenantPage } from "./Api.js"
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

/**
 * RPC operator authentication: the client sends `authorization: Bearer …`
 * with each request; the server checks it like the REST `OperatorAuth`.
 */
export class RpcOperatorAuth extends RpcMiddleware.Tag<RpcOperatorAuth>()("Signet/RpcOperatorAuth", {
  failure: Unauthorized,
  provides: CurrentActor,
  requiredForClient: true
}) {}

const Slug = { slug: Schema.String }

/** Read-only tenant operations. */
export class TenantQuery extends RpcGroup.make(
  Rpc.make("GetTenant", { payload: Slug, success: Tenant, error: TenantNotFound }),
  Rpc.make("ListTenants", {
    payload: { ...PageParams.fields, status: Schema.optional(TenantStatus) },
    success: TenantPage,
    error: ValidationError
  }),
  Rpc.make("ListSettings", { payload: Slug, success: Schema.Array(TenantSetting), error: TenantNotFound }),
  Rpc.make("GetSetting", {
    payload: { ...Slug, key: Schema.String },
    success: TenantSetting,
    error: Schema.Union(TenantNotFound, SettingNotFound)
  })
).middleware(RpcOperatorAuth) {}

/** Tenant-changing operations. */
export class TenantCommand extends RpcGroup.make(
  Rpc.make("CreateTenant", { payload: CreateTenant, success: Tenant, error: Schema.Union(Conflict, ValidationError) }),
  Rpc.make("UpdateTenant", {
    payload: { ...Slug, patch: UpdateTenant },
    success: Tenant,
    error: Schema.Union(TenantNotFound, Conflict)
  }),
  Rpc.make("SuspendTenant", {
    payload: Slug,
    success: Tenant,
    error: Schema.Union(TenantNotFound, InvalidTenantTransition)
  }),
  Rpc.make("ReactivateTenant", {
    payload: Slug,
    success: Tenant,
    error: Schema.Union(TenantNotFound, InvalidTenantTransition)
  }),
  Rpc.make("DeleteTenant", {
    payload: Slug,
    success: Tenant,
    error: Schema.Union(TenantNotFound, InvalidTenantTransition)
  }),
  Rpc.make("RestoreTenant", {
    payload: Slug,
    success: Tenant,
    error: Schema.Union(TenantNotFound, InvalidTenantTransition)
  }),
  Rpc.make("PutSetting", {
    payload: { ...Slug, key: Schema.String, setting: PutSetting },
    success: TenantSetting,
    error: Schema.Union(TenantNotFound, SettingNotFound, ValidationError)
  })
).middleware(RpcOperatorAuth) {}
