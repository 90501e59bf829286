/**
 * Domain events as CloudEvents 1.0 (JSON format), written to the outbox in
 * the same transaction as the change they describe (ARCHITECTURE §5).
 *
 * The seeds' Kafka topics map to CloudEvents `type` prefixes:
 * `core.tenant.events` → `signet.tenant.*`, `core.user.events` →
 * `signet.user.*`, attendance → `signet.attendance.*`.
 *
 * @module
 */
import { Schema } from "effect"

/**
 * Branded event id (UUIDv7): the CloudEvent `id`, also the outbox row's key
 * and the `event_id` of its deliveries.
 */
export const EventId = Schema.UUID.pipe(Schema.brand("EventId"), Schema.annotations({ identifier: "EventId" }))
/** @see EventId */
export type EventId = typeof EventId.Type

/**
 * A CloudEvent 1.0 as delivered to subscribers and exposed by the API.
 * `tenantid` is a CloudEvents extension attribute (lowercase alphanumerics,
 * as the spec requires for extension names).
 */
export class CloudEvent extends Schema.Class<CloudEvent>("CloudEvent")({
  specversion: Schema.Literal("1.0"),
  id: EventId,
  source: Schema.String,
  type: Schema.String,
  subject: Schema.optional(Schema.String),
  time: Schema.String,
  datacontenttype: Schema.Literal("application/json"),
  data: Schema.Unknown,
  tenantid: Schema.optional(Schema.String)
}) {}

/** Delivery state of an outbox row. */
export const OutboxStatus = Schema.Literal("pending", "delivered", "dead")
/** @see OutboxStatus */
export type OutboxStatus = typeof OutboxStatus.Type

/** An outbox row (the event plus its delivery bookkeeping). */
export class OutboxEntry extends Schema.Class<OutboxEntry>("OutboxEntry")({
  event: CloudEvent,
  status: OutboxStatus,
  attempts: Schema.Number,
  next_attempt_at: Schema.NullOr(Schema.DateTimeUtc),
  last_error: Schema.NullOr(Schema.String),
  delivered_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** What a service passes to `Events.publish`. */
export interface EventInput {
  /** CloudEvents `type`, e.g. `signet.tenant.created`. */
  readonly type: string
  /** CloudEvents `subject`: the id of the entity the event is about. */
  readonly subject?: string | undefined
  /** JSON-serialisable payload (no secrets). */
  readonly data: unknown
}
