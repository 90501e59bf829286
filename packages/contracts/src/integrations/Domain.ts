/**
 * Outgoing webhooks (issue 21 §1; ARCHITECTURE §5 "Events"): a tenant's
 * endpoints, the deliveries of events to them and each delivery's attempts.
 * Payloads are the CloudEvents of the outbox, signed per the Standard
 * Webhooks specification (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`).
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** Branded webhook endpoint id (UUIDv7). */
export const WebhookEndpointId = Schema.UUID.pipe(
  Schema.brand("WebhookEndpointId"),
  Schema.annotations({ identifier: "WebhookEndpointId" })
)
/** @see WebhookEndpointId */
export type WebhookEndpointId = typeof WebhookEndpointId.Type

/** Branded webhook delivery id (UUIDv7): one event (or ping) to one endpoint. */
export const WebhookDeliveryId = Schema.UUID.pipe(
  Schema.brand("WebhookDeliveryId"),
  Schema.annotations({ identifier: "WebhookDeliveryId" })
)
/** @see WebhookDeliveryId */
export type WebhookDeliveryId = typeof WebhookDeliveryId.Type

/** Endpoints per tenant at most. */
export const MAX_WEBHOOK_ENDPOINTS = 50
/** Characters of an endpoint URL at most. */
export const MAX_WEBHOOK_URL_CHARS = 2048
/** Entries of an endpoint's event-type filter at most. */
export const MAX_WEBHOOK_FILTERS = 50
/** Characters of one filter entry at most. */
export const MAX_WEBHOOK_FILTER_CHARS = 200
/** Characters of an endpoint's description at most. */
export const MAX_WEBHOOK_DESCRIPTION_CHARS = 500

/**
 * Grammar of an event-type filter entry: `*` (every event), an exact type
 * (`signet.attendance.signature.created`) or a prefix ending with a dot
 * (`signet.attendance.`). Types are lowercase dotted segments starting with
 * `signet.`.
 */
export const WEBHOOK_FILTER_PATTERN = /^(\*|signet(\.[a-z0-9_-]+)+\.?|signet\.)$/

/** One event-type filter entry; see {@link WEBHOOK_FILTER_PATTERN}. */
export const WebhookEventFilter = Schema.String.pipe(
  Schema.maxLength(MAX_WEBHOOK_FILTER_CHARS, {
    message: () => `must be at most ${MAX_WEBHOOK_FILTER_CHARS} characters`
  }),
  Schema.pattern(WEBHOOK_FILTER_PATTERN, {
    message: () => "must be *, an event type (signet.a.b) or a prefix ending with a dot (signet.a.)"
  }),
  Schema.annotations({ identifier: "WebhookEventFilter", examples: ["signet.attendance.", "*"] })
)

/** An endpoint's event-type filter: at most {@link MAX_WEBHOOK_FILTERS} entries, at least one. */
export const WebhookEventFilters = Schema.Array(WebhookEventFilter).pipe(
  Schema.minItems(1, { message: () => "must name at least one event type (or *)" }),
  Schema.maxItems(MAX_WEBHOOK_FILTERS, { message: () => `must have at most ${MAX_WEBHOOK_FILTERS} entries` })
)

const Url = Schema.String.pipe(
  Schema.maxLength(MAX_WEBHOOK_URL_CHARS, { message: () => `must be at most ${MAX_WEBHOOK_URL_CHARS} characters` })
)
const Description = Schema.String.pipe(
  Schema.maxLength(MAX_WEBHOOK_DESCRIPTION_CHARS, {
    message: () => `must be at most ${MAX_WEBHOOK_DESCRIPTION_CHARS} characters`
  })
)

/** A tenant's webhook endpoint (never its secret). */
export class WebhookEndpoint extends Schema.Class<WebhookEndpoint>("WebhookEndpoint")({
  id: WebhookEndpointId,
  url: Schema.String,
  description: Schema.NullOr(Schema.String),
  event_types: Schema.Array(Schema.String),
  enabled: Schema.Boolean,
  /**
   * Deliveries to this endpoint go out one at a time in the order their
   * events happened: a later one waits while an earlier one is pending
   * (retrying included). Issue 21 §1 "ordered per endpoint where asked".
   */
  ordered: Schema.Boolean,
  /** Why the endpoint was disabled automatically (null when enabled or disabled by hand). */
  disabled_reason: Schema.NullOr(Schema.String),
  /** When the current secret was generated. */
  secret_rotated_at: Schema.DateTimeUtc,
  last_success_at: Schema.NullOr(Schema.DateTimeUtc),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of endpoint creation. `event_types` defaults to `["*"]`, `enabled` to true, `ordered` to false. */
export class CreateWebhookEndpoint extends Schema.Class<CreateWebhookEndpoint>("CreateWebhookEndpoint")({
  url: Url,
  description: Schema.optional(Description),
  event_types: Schema.optional(WebhookEventFilters),
  enabled: Schema.optional(Schema.Boolean),
  ordered: Schema.optional(Schema.Boolean)
}) {}

/** Body of an endpoint update: the fields to change. Re-enabling clears `disabled_reason`. */
export class UpdateWebhookEndpoint extends Schema.Class<UpdateWebhookEndpoint>("UpdateWebhookEndpoint")({
  url: Schema.optional(Url),
  description: Schema.optional(Schema.NullOr(Description)),
  event_types: Schema.optional(WebhookEventFilters),
  enabled: Schema.optional(Schema.Boolean),
  ordered: Schema.optional(Schema.Boolean)
}) {}

/**
 * An endpoint with its signing secret (`whsec_` + base64 of 32 random
 * bytes, the Standard Webhooks format): answered once, at creation and at
 * rotation; never readable again.
 */
export class WebhookEndpointWithSecret extends Schema.Class<WebhookEndpointWithSecret>("WebhookEndpointWithSecret")({
  endpoint: WebhookEndpoint,
  secret: Schema.String
}) {}

/** Delivery state: waiting for (another) attempt, delivered (2xx), or given up. */
export const WebhookDeliveryStatus = Schema.Literal("pending", "succeeded", "failed")
/** @see WebhookDeliveryStatus */
export type WebhookDeliveryStatus = typeof WebhookDeliveryStatus.Type

/** One event (or ping) to one endpoint, with its retry state. */
export class WebhookDelivery extends Schema.Class<WebhookDelivery>("WebhookDelivery")({
  id: WebhookDeliveryId,
  endpoint_id: WebhookEndpointId,
  /** The CloudEvent id; also the `webhook-id` header (the same on every retry). */
  event_id: Schema.String,
  event_type: Schema.String,
  status: WebhookDeliveryStatus,
  attempts: Schema.Number,
  next_attempt_at: Schema.NullOr(Schema.DateTimeUtc),
  last_status_code: Schema.NullOr(Schema.Number),
  last_error: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  delivered_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** One HTTP attempt of a delivery. */
export class WebhookAttempt extends Schema.Class<WebhookAttempt>("WebhookAttempt")({
  delivery_id: WebhookDeliveryId,
  /** 1-based attempt number. */
  attempt: Schema.Number,
  at: Schema.DateTimeUtc,
  /** HTTP status answered; null when no answer (refused target, timeout, network error). */
  status_code: Schema.NullOr(Schema.Number),
  /** Milliseconds from sending to the answer's headers (or to the failure). */
  latency_ms: Schema.Number,
  /** At most 1 KiB of the answer's body (UTF-8). */
  response_excerpt: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String)
}) {}

/** A delivery with its attempts, oldest first. */
export class WebhookDeliveryDetail extends Schema.Class<WebhookDeliveryDetail>("WebhookDeliveryDetail")({
  delivery: WebhookDelivery,
  attempts: Schema.Array(WebhookAttempt)
}) {}

/** Deliveries one recover call puts back in the queue at most; `more` says when the range held more. */
export const MAX_RECOVERED_DELIVERIES = 10_000

/**
 * Replay of a time range (issue 21 §1, Svix's "recover"): the endpoint's
 * deliveries created in `[since, until)` (`until` defaults to now) go back
 * in the queue, sent again by the delivery job with the same `webhook-id`
 * and body. `include`: `failed` (default) only those that gave up, `all`
 * the succeeded ones too. Deliveries still pending are left as they are.
 * `missed`: the tenant's events of the range that never had a delivery to
 * this endpoint (it was disabled, or its filter did not match then) and that
 * its current filter matches get one now.
 */
export class RecoverWebhookDeliveries extends Schema.Class<RecoverWebhookDeliveries>("RecoverWebhookDeliveries")({
  since: Schema.DateTimeUtc,
  until: Schema.optional(Schema.DateTimeUtc),
  include: Schema.optional(Schema.Literal("failed", "all", "missed"))
}) {}

/** What a recover call queued: how many deliveries, and whether the range held more than {@link MAX_RECOVERED_DELIVERIES}. */
export class WebhookRecovery extends Schema.Class<WebhookRecovery>("WebhookRecovery")({
  requeued: Schema.Number,
  more: Schema.Boolean
}) {}

/** 404 — no such webhook endpoint in the tenant. */
export class WebhookEndpointNotFound extends Schema.TaggedError<WebhookEndpointNotFound>()(
  "WebhookEndpointNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such webhook endpoint" })
) {}

/** 404 — no such delivery of the endpoint. */
export class WebhookDeliveryNotFound extends Schema.TaggedError<WebhookDeliveryNotFound>()(
  "WebhookDeliveryNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such webhook delivery" })
) {}
