/**
 * RPC contract of outgoing webhooks (issue 21 §1; ARCHITECTURE §5 "RPC"):
 * `WebhooksQuery` (needs `webhooks:read`) and `WebhooksCommand` (needs
 * `webhooks:write`), the twins of the REST group in `Api.ts` with the same
 * payloads, results and tagged errors. The tenant is the one the caller
 * authenticated for (`RpcTenantAuth`), never an argument.
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { FeatureNotEntitled, Forbidden, ValidationError } from "../kernel/Errors.js"
import {
  CreateWebhookEndpoint,
  RecoverWebhookDeliveries,
  UpdateWebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookDeliveryNotFound,
  WebhookEndpoint,
  WebhookEndpointNotFound,
  WebhookEndpointWithSecret,
  WebhookRecovery
} from "./Domain.js"

const Endpoint = { endpoint_id: Schema.String }
const Delivery = { endpoint_id: Schema.String, delivery_id: Schema.String }
const Base = [Forbidden, ValidationError, WebhookEndpointNotFound] as const

/** Reading a tenant's webhook endpoints and their delivery log (`webhooks:read`). */
export class WebhooksQuery extends RpcGroup.make(
  Rpc.make("ListWebhookEndpoints", { success: Schema.Array(WebhookEndpoint), error: Schema.Union(...Base) }),
  Rpc.make("GetWebhookEndpoint", { payload: Endpoint, success: WebhookEndpoint, error: Schema.Union(...Base) }),
  Rpc.make("ListWebhookDeliveries", {
    payload: Endpoint,
    success: Schema.Array(WebhookDelivery),
    error: Schema.Union(...Base)
  }),
  Rpc.make("GetWebhookDelivery", {
    payload: Delivery,
    success: WebhookDeliveryDetail,
    error: Schema.Union(...Base, WebhookDeliveryNotFound)
  })
).middleware(RpcTenantAuth) {}

/**
 * Changing endpoints and sending (`webhooks:write`): create (answers the
 * secret once), update, delete, rotate the secret, ping, replay one
 * delivery, recover (replay) a time range.
 */
export class WebhooksCommand extends RpcGroup.make(
  Rpc.make("CreateWebhookEndpoint", {
    payload: CreateWebhookEndpoint,
    success: WebhookEndpointWithSecret,
    error: Schema.Union(...Base, FeatureNotEntitled)
  }),
  Rpc.make("UpdateWebhookEndpoint", {
    payload: { ...Endpoint, patch: UpdateWebhookEndpoint },
    success: WebhookEndpoint,
    error: Schema.Union(...Base)
  }),
  Rpc.make("DeleteWebhookEndpoint", { payload: Endpoint, error: Schema.Union(...Base) }),
  Rpc.make("RotateWebhookSecret", {
    payload: Endpoint,
    success: WebhookEndpointWithSecret,
    error: Schema.Union(...Base)
  }),
  Rpc.make("PingWebhookEndpoint", {
    payload: Endpoint,
    success: WebhookDeliveryDetail,
    error: Schema.Union(...Base, WebhookDeliveryNotFound)
  }),
  Rpc.make("ReplayWebhookDelivery", {
    payload: Delivery,
    success: WebhookDeliveryDetail,
    error: Schema.Union(...Base, WebhookDeliveryNotFound)
  }),
  Rpc.make("RecoverWebhookDeliveries", {
    payload: { ...Endpoint, range: RecoverWebhookDeliveries },
    success: WebhookRecovery,
    error: Schema.Union(...Base)
  })
).middleware(RpcTenantAuth) {}
