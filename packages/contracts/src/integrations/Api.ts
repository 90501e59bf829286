/**
 * REST contract of outgoing webhooks (issue 21 §1), under
 * `/api/v1/tenants/{slug}/webhooks/endpoints…`: endpoints (create, list,
 * get, update, delete, rotate the secret), an endpoint's deliveries and
 * their attempts, a test ping, the replay of one delivery and of a time
 * range (`recover`). Reads need
 * `webhooks:read`, everything else `webhooks:write`.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { FeatureNotEntitled, Forbidden, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
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

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", Schema.String)
const deliveryId = HttpApiSchema.param("deliveryId", Schema.String)

/** `webhooks` group: a tenant's webhook endpoints and their delivery log. */
export class WebhooksApi extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("createWebhookEndpoint")`/api/v1/tenants/${slug}/webhooks/endpoints`
      .setPayload(CreateWebhookEndpoint)
      .addSuccess(WebhookEndpointWithSecret, { status: 201 })
      .addError(FeatureNotEntitled)
      .annotate(OpenApi.Summary, "Create an endpoint; the answer holds its signing secret, shown once (webhooks:write)")
      .annotate(OpenApi.Description, "402 FeatureNotEntitled when the tenant's plan switches `webhooks` off.")
  )
  .add(
    HttpApiEndpoint.get("listWebhookEndpoints")`/api/v1/tenants/${slug}/webhooks/endpoints`.addSuccess(
      Schema.Array(WebhookEndpoint)
    )
  )
  .add(
    HttpApiEndpoint.get("getWebhookEndpoint")`/api/v1/tenants/${slug}/webhooks/endpoints/${id}`.addSuccess(
      WebhookEndpoint
    )
  )
  .add(
    HttpApiEndpoint.patch("updateWebhookEndpoint")`/api/v1/tenants/${slug}/webhooks/endpoints/${id}`
      .setPayload(UpdateWebhookEndpoint)
      .addSuccess(WebhookEndpoint)
  )
  .add(
    HttpApiEndpoint.del("deleteWebhookEndpoint")`/api/v1/tenants/${slug}/webhooks/endpoints/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .add(
    HttpApiEndpoint.post("rotateWebhookSecret")`/api/v1/tenants/${slug}/webhooks/endpoints/${id}/rotate-secret`
      .addSuccess(WebhookEndpointWithSecret)
      .annotate(OpenApi.Summary, "Replace the signing secret; the old one still signs for 24 h (webhooks:write)")
  )
  .add(
    HttpApiEndpoint.get("listWebhookDeliveries")`/api/v1/tenants/${slug}/webhooks/endpoints/${id}/deliveries`
      .addSuccess(Schema.Array(WebhookDelivery))
      .annotate(OpenApi.Summary, "The endpoint's latest deliveries, newest first (at most 100)")
  )
  .add(
    HttpApiEndpoint.get(
      "getWebhookDelivery"
    )`/api/v1/tenants/${slug}/webhooks/endpoints/${id}/deliveries/${deliveryId}`.addSuccess(WebhookDeliveryDetail)
  )
  .add(
    HttpApiEndpoint.post("pingWebhookEndpoint")`/api/v1/tenants/${slug}/webhooks/endpoints/${id}/ping`
      .addSuccess(WebhookDeliveryDetail)
      .annotate(OpenApi.Summary, "Send a signet.integrations.endpoint.ping event now; answers the attempt")
  )
  .add(
    HttpApiEndpoint.post(
      "replayWebhookDelivery"
    )`/api/v1/tenants/${slug}/webhooks/endpoints/${id}/deliveries/${deliveryId}/replay`
      .addSuccess(WebhookDeliveryDetail)
      .annotate(OpenApi.Summary, "Send one delivery again now (same webhook-id and body)")
  )
  .add(
    HttpApiEndpoint.post("recoverWebhookDeliveries")`/api/v1/tenants/${slug}/webhooks/endpoints/${id}/recover`
      .setPayload(RecoverWebhookDeliveries)
      .addSuccess(WebhookRecovery)
      .annotate(OpenApi.Summary, "Queue again the deliveries of a time range (failed ones, or all)")
      .annotate(
        OpenApi.Description,
        "Deliveries created in [since, until) go back in the queue (at most 10,000 per call; `more` says when the range held more). Deliveries are kept 30 days."
      )
  )
  .addError(WebhookEndpointNotFound)
  .addError(WebhookDeliveryNotFound)
  .addError(ValidationError)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Webhooks")
  .annotate(
    OpenApi.Description,
    "Outgoing webhooks: CloudEvents signed per the Standard Webhooks specification, retried for about three days."
  ) {}
