/**
 * RPC handlers of `WebhooksQuery` and `WebhooksCommand` (`/rpc`, issue 21
 * §1): one line each over `WebhookAdmin` (core), as the REST handlers.
 *
 * @module
 */
import { policyUse, WebhookAdmin as W, WebhooksCommand, WebhooksQuery } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("webhooks:read")
const write = policyUse("webhooks:write")

/** Handlers of the webhook procedures. */
export const IntegrationsRpc = WebhooksQuery.merge(WebhooksCommand).toLayer(
  Effect.succeed({
    ListWebhookEndpoints: () => asPrincipal(W.listEndpoints().pipe(read)),
    GetWebhookEndpoint: ({ endpoint_id }) => asPrincipal(W.getEndpoint(endpoint_id).pipe(read)),
    ListWebhookDeliveries: ({ endpoint_id }) => asPrincipal(W.listDeliveries(endpoint_id).pipe(read)),
    GetWebhookDelivery: ({ delivery_id, endpoint_id }) =>
      asPrincipal(W.getDelivery(endpoint_id, delivery_id).pipe(read)),
    CreateWebhookEndpoint: (input) => asPrincipal(W.createEndpoint(input).pipe(write)),
    UpdateWebhookEndpoint: ({ endpoint_id, patch }) => asPrincipal(W.updateEndpoint(endpoint_id, patch).pipe(write)),
    DeleteWebhookEndpoint: ({ endpoint_id }) => asPrincipal(W.deleteEndpoint(endpoint_id).pipe(write)),
    RotateWebhookSecret: ({ endpoint_id }) => asPrincipal(W.rotateSecret(endpoint_id).pipe(write)),
    PingWebhookEndpoint: ({ endpoint_id }) => asPrincipal(W.ping(endpoint_id).pipe(write)),
    ReplayWebhookDelivery: ({ delivery_id, endpoint_id }) =>
      asPrincipal(W.replay(endpoint_id, delivery_id).pipe(write)),
    RecoverWebhookDeliveries: ({ endpoint_id, range }) => asPrincipal(W.recover(endpoint_id, range).pipe(write))
  })
)
