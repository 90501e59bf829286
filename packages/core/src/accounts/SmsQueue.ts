/**
 * SMS queuing through the transactional outbox (issue 18: as mail is,
 * "a crash loses no message; retries with backoff; dead letters
 * listable"), over the {@link SmsSender} port (`Sms.ts`).
 *
 * `enqueue` runs in the caller's transaction: it publishes
 * `signet.accounts.sms.queued` whose data is `{ sms_id, event_type,
 * tenant_slug, content_enc }` — the recipient and the text (a code) only as
 * an envelope ciphertext (AES-256-GCM, AAD naming tenant and message), so
 * other outbox consumers (webhooks, the NATS relay) never see them in
 * clear. The message exists if and only if the change that asked for it
 * committed. No table of its own: the outbox row is the queue.
 *
 * The `accounts.sms` subscriber ({@link SMS_CONCURRENCY} at once) decrypts
 * and hands the message to the `SmsSender` in the event's tenant. A
 * delivery failure fails the handler and the events dispatcher retries with
 * its backoff until `maxAttempts`; then the event is dead (`signet events
 * dead`, `signet events replay`). Delivery is at least once: the
 * `message_id` (the `sms_id`) is the same on every attempt so the receiver
 * can drop duplicates.
 *
 * @module
 */
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Context, Effect, Layer, Redacted } from "effect"
import { Events } from "../events/Events.js"
import { Envelope } from "../kernel/Crypto.js"
import { type OutgoingSms, SmsSender } from "./Sms.js"

/** Outbox event type asking for a text message. */
export const SMS_QUEUED = "signet.accounts.sms.queued"

/** Name of the subscriber that sends queued SMS. */
export const SMS_SUBSCRIBER = "accounts.sms"

/** How many queued messages are sent at once (each is independent). */
export const SMS_CONCURRENCY = 8

const aad = (tenant: string, id: string) => `tenant:${tenant}:accounts:sms:${id}`

/** The SMS queue; see the module comment. */
export class SmsQueue extends Context.Tag("Signet/SmsQueue")<
  SmsQueue,
  {
    /**
     * Queues `sms` in the caller's transaction (the `CurrentTenant`'s);
     * answers the message id (also its `message_id` at the receiver).
     */
    readonly enqueue: (sms: Omit<OutgoingSms, "messageId">) => Effect.Effect<string, never, CurrentTenant>
  }
>() {}

/** The queue and its subscriber (registered when the layer is built). */
export const smsQueueLayer: Layer.Layer<SmsQueue, never, Events | Envelope | SmsSender> = Layer.effect(
  SmsQueue,
  Effect.gen(function* () {
    const events = yield* Events
    const envelope = yield* Envelope
    const sender = yield* SmsSender

    const enqueue = (sms: Omit<OutgoingSms, "messageId">) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const id = yield* newUuid
        const content_enc = yield* envelope.encrypt(JSON.stringify({ to: sms.to, body: sms.body }), aad(tenant.id, id))
        yield* events.publish({
          type: SMS_QUEUED,
          subject: id,
          data: { sms_id: id, event_type: sms.eventType, tenant_slug: tenant.slug, content_enc }
        })
        return id
      })

    /** Sends the message an event carries; a malformed event is dropped, a delivery failure retried. */
    const deliver = (event: CloudEvent) =>
      Effect.gen(function* () {
        const data = event.data as Record<string, unknown> | null
        const tenantId = event.tenantid
        if (
          tenantId === undefined ||
          typeof data?.sms_id !== "string" ||
          typeof data.content_enc !== "string" ||
          typeof data.event_type !== "string"
        )
          return
        const plain = yield* Effect.orDie(envelope.decryptString(data.content_enc, aad(tenantId, data.sms_id)))
        const { body, to } = JSON.parse(Redacted.value(plain)) as { readonly to: string; readonly body: string }
        yield* sender.send({ to, body, eventType: data.event_type, messageId: data.sms_id }).pipe(
          Effect.provideService(CurrentTenant, {
            id: tenantId as TenantId,
            slug: typeof data.tenant_slug === "string" ? data.tenant_slug : ""
          })
        )
      }).pipe(Effect.withSpan("Accounts.deliverSms"))

    yield* events.subscribe({
      name: SMS_SUBSCRIBER,
      types: [SMS_QUEUED],
      handle: deliver,
      concurrency: SMS_CONCURRENCY
    })
    return { enqueue }
  })
)
