/**
 * Handlers of the `webhooks` group (issue 21 §1) over `WebhookAdmin`
 * (core): reads need `webhooks:read`, changes, pings and replays
 * `webhooks:write`.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { policyUse, SignetApi, WebhookAdmin as W } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("webhooks:read")
const write = policyUse("webhooks:write")

/** Tenant endpoints under `/api/v1/tenants/{slug}/webhooks/endpoints…`. */
export const WebhooksHttp = HttpApiBuilder.group(SignetApi, "webhooks", (h) =>
  h
    .handle("createWebhookEndpoint", ({ payload }) => asPrincipal(W.createEndpoint(payload).pipe(write)))
    .handle("listWebhookEndpoints", () => asPrincipal(W.listEndpoints().pipe(read)))
    .handle("getWebhookEndpoint", ({ path }) => asPrincipal(W.getEndpoint(path.id).pipe(read)))
    .handle("updateWebhookEndpoint", ({ path, payload }) => asPrincipal(W.updateEndpoint(path.id, payload).pipe(write)))
    .handle("deleteWebhookEndpoint", ({ path }) => asPrincipal(W.deleteEndpoint(path.id).pipe(write)))
    .handle("rotateWebhookSecret", ({ path }) => asPrincipal(W.rotateSecret(path.id).pipe(write)))
    .handle("listWebhookDeliveries", ({ path }) => asPrincipal(W.listDeliveries(path.id).pipe(read)))
    .handle("getWebhookDelivery", ({ path }) => asPrincipal(W.getDelivery(path.id, path.deliveryId).pipe(read)))
    .handle("pingWebhookEndpoint", ({ path }) => asPrincipal(W.ping(path.id).pipe(write)))
    .handle("replayWebhookDelivery", ({ path }) => asPrincipal(W.replay(path.id, path.deliveryId).pipe(write)))
    .handle("recoverWebhookDeliveries", ({ path, payload }) => asPrincipal(W.recover(path.id, payload).pipe(write)))
)
