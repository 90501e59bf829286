/**
 * The broker port of the relay (issue 21 §2): what the outbox relay
 * (`Relay.ts`) needs from a message broker. NATS JetStream implements it
 * (`NatsRelay.ts`); Kafka is the next adapter behind the same interface
 * (docs/integrations.md "Kafka").
 *
 * @module
 */
import { Data, type Effect } from "effect"
import type { TopicFamily } from "./Topics.js"

/** One event to publish: its id (the de-duplication key), subject parts and the CloudEvent JSON. */
export interface BrokerMessage {
  /** The CloudEvent id; the broker de-duplicates on it (`Nats-Msg-Id`, a Kafka idempotent key). */
  readonly id: string
  /** The CloudEvent type (`signet.user.created`). */
  readonly type: string
  /** The tenant of the event, `null` for platform events. */
  readonly tenantId: string | null
  /** The CloudEvent in structured JSON mode (UTF-8 text). */
  readonly payload: string
}

/** What one publish of a batch came to: the ids the broker acknowledged and the ones it did not. */
export interface PublishOutcome {
  /** Acknowledged ids (stored by the broker, or recognised as a duplicate of a stored one). */
  readonly acked: ReadonlyArray<string>
  /** Ids the broker did not acknowledge, with the reason. */
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }>
}

/** The broker is unreachable or refused its set-up (connection, stream creation). */
export class BrokerError extends Data.TaggedError("BrokerError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A connected broker. `publish` resolves once every message of the batch is
 * acknowledged or has failed (never before the broker's acknowledgement);
 * `closed` tells the relay to reconnect.
 */
export interface BrokerPublisher {
  /** The adapter's name (`nats`), for logs. */
  readonly name: string
  /** Publishes a batch; see {@link PublishOutcome}. */
  readonly publish: (messages: ReadonlyArray<BrokerMessage>) => Effect.Effect<PublishOutcome>
  /** Whether the connection is gone for good (the relay then connects again). */
  readonly closed: Effect.Effect<boolean>
}

/** The families a broker must hold streams (topics) for, re-exported for adapters. */
export type { TopicFamily }
