/**
 * Delivering events to webhook endpoints (issue 21 §1). Internal to
 * `Webhooks.ts`.
 *
 * - {@link makeDelivery}`.enqueueBatch` (and `.enqueue` for one event) is the
 *   outbox subscriber's handler, one transaction per tenant and batch: for a
 *   tenant's event it stores one delivery per enabled endpoint whose filter
 *   matches the type (`*`, the exact type, or a prefix ending with a dot);
 *   unique per (endpoint, event), so a redelivered event adds nothing.
 * - `attempt` posts one delivery (`Send.ts`), logs the attempt (status,
 *   latency, excerpt) and schedules the next one (`Options.retryDelayMs`:
 *   exponential, capped, jittered) or gives up after `maxAttempts`. A
 *   delivery given up on while the endpoint had no success since the
 *   delivery was created disables the endpoint (`disabled_reason`, audit
 *   row, event `signet.integrations.endpoint.disabled`).
 * - `deliverDue` attempts the current tenant's due deliveries; the job
 *   (`Deliveries.ts`) runs it for every active tenant on the replica
 *   holding the `webhooks.delivery` lease.
 *
 * @module
 */

import type { CloudEvent } from "@signet/contracts/events/Domain"
import {
  WebhookDeliveryId,
  WebhookDeliveryNotFound,
  type WebhookEndpointNotFound
} from "@signet/contracts/integrations/Domain"
import { CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Redacted, Ref, Schema } from "effect"
import { byTenant } from "../events/Events.js"
import { type EndpointDeps, presentEndpoint } from "./Endpoints.js"
import { secretAad } from "./Migrations.js"
import { retryDelayMs } from "./Options.js"
import type { DeliveryRow, EndpointRow } from "./Repo.js"
import { send } from "./Send.js"

/** Whether an endpoint's filter takes an event type. */
export const filterMatches = (filters: ReadonlyArray<string>, type: string): boolean =>
  filters.some((f) => f === "*" || f === type || (f.endsWith(".") && type.startsWith(f)))

const encodeEvent = Schema.encodeSync(Schema.parseJson(Schema.Any))

/**
 * The outbox subscriber's side of delivery: storing deliveries (see
 * `enqueueBatch`). Needs the endpoints' repository and transaction.
 */
const makeEnqueue = ({ inBoundRead, inTx, repo }: Pick<EndpointDeps, "inBoundRead" | "inTx" | "repo">) => {
  /**
   * Stores the deliveries of a batch of events (the outbox subscriber's
   * `handleBatch`): one transaction per tenant, its enabled endpoints read
   * once, a delivery per matching endpoint and event in publication order.
   * A tenant without enabled endpoints (most) costs one statement and no
   * transaction. Idempotent: a delivery is unique per (endpoint, event).
   */
  const enqueueBatch = (batch: ReadonlyArray<CloudEvent>) =>
    Effect.gen(function* () {
      for (const [tenantId, tenantEvents] of byTenant(batch))
        yield* Effect.flatMap(inBoundRead(repo.hasEnabledEndpoints), (any) =>
          any ? enqueueTenant(tenantEvents) : Effect.void
        ).pipe(Effect.provideService(CurrentTenant, { id: tenantId as TenantId, slug: "" }))
    })

  /** Stores the deliveries of one tenant's events of a batch (the current tenant's; see {@link enqueueBatch}). */
  const enqueueTenant = (tenantEvents: ReadonlyArray<CloudEvent>) =>
    inTx(
      Effect.gen(function* () {
        const endpoints = yield* repo.enabledEndpoints
        if (endpoints.length === 0) return
        const at = yield* DateTime.now
        for (const event of tenantEvents) {
          const matching = endpoints.filter((e) => filterMatches(e.event_types, event.type))
          if (matching.length === 0) continue
          const payload = encodeEvent(event)
          for (const e of matching)
            yield* repo.insertDelivery({
              id: yield* newId(WebhookDeliveryId),
              endpoint_id: e.id,
              event_id: event.id,
              event_type: event.type,
              payload,
              at
            })
        }
      })
    )

  /** Stores the deliveries of one event (see {@link enqueueBatch}). */
  const enqueue = (event: CloudEvent) => enqueueBatch([event])

  return { enqueue, enqueueBatch } as const
}

/** The delivery operations over `deps` and the endpoints' `findRow`. */
export const makeDelivery = (
  deps: EndpointDeps,
  findRow: (id: string) => Effect.Effect<EndpointRow, WebhookEndpointNotFound, CurrentTenant>
) => {
  const { audit, envelope, events, inTx, options, repo } = deps

  const { enqueue, enqueueBatch } = makeEnqueue(deps)

  /** The secrets that sign now: the current one, and the previous one during its overlap. */
  const secretsOf = (row: EndpointRow, now: DateTime.Utc) =>
    Effect.gen(function* () {
      const aad = secretAad(yield* repo.tenantId, row.id)
      const current = Redacted.value(yield* envelope.decryptString(row.secret_enc, aad))
      const previous =
        row.previous_secret_enc !== null &&
        row.previous_secret_until !== null &&
        DateTime.lessThan(now, row.previous_secret_until)
          ? [Redacted.value(yield* envelope.decryptString(row.previous_secret_enc, aad))]
          : []
      return [current, ...previous]
    }).pipe(Effect.orDie)

  const disable = (row: EndpointRow, delivery: DeliveryRow, attempts: number) =>
    Effect.gen(function* () {
      const reason = `every attempt (${attempts}) of delivery ${delivery.id} failed and nothing succeeded since`
      const before = presentEndpoint(row)
      yield* repo.updateEndpoint(row.id, { enabled: false, disabled_reason: reason }, yield* DateTime.now)
      const after = presentEndpoint(yield* findRow(row.id).pipe(Effect.orDie))
      yield* audit.record({
        action: "integrations.endpoint.disabled",
        targetType: "webhook_endpoint",
        targetId: row.id,
        before,
        after
      })
      yield* events.publish({ type: "signet.integrations.endpoint.disabled", subject: row.id, data: after })
    })

  /**
   * Makes one attempt of a delivery and records it; answers the updated
   * delivery. The attempt is claimed first (`claimDelivery`): `due` (the
   * job) only while the delivery is still due; otherwise (a ping, a replay)
   * whatever its state. When another sender claimed it first, nothing is
   * sent and the delivery is answered as it stands.
   */
  const attempt = (delivery: DeliveryRow, mode: "due" | "now") =>
    Effect.gen(function* () {
      const o = yield* Ref.get(options)
      const row = yield* inTx(findRow(delivery.endpoint_id)).pipe(Effect.orDie)
      const at = yield* DateTime.now
      const claimed = yield* inTx(
        repo.claimDelivery(
          delivery.id,
          delivery.attempts,
          DateTime.addDuration(at, `${o.timeoutMs + 60_000} millis`),
          mode === "due" ? at : null
        )
      )
      if (!claimed) return yield* inTx(findDelivery(delivery.id))
      const secrets = yield* inTx(secretsOf(row, at))
      const result = yield* send(
        { url: row.url, msgId: delivery.event_id, payload: delivery.payload, secrets, at: DateTime.toDate(at) },
        o
      )
      const n = delivery.attempts + 1
      const succeeded = result.error === null
      const givenUp = !succeeded && n >= o.maxAttempts
      const finished = yield* DateTime.now
      yield* inTx(
        Effect.gen(function* () {
          yield* repo.recordAttempt({
            delivery_id: delivery.id,
            attempt: n,
            at: finished,
            status_code: result.statusCode,
            latency_ms: result.latencyMs,
            response_excerpt: result.excerpt,
            error: result.error,
            status: succeeded ? "succeeded" : givenUp ? "failed" : "pending",
            next_attempt_at:
              succeeded || givenUp ? null : DateTime.addDuration(finished, `${retryDelayMs(n, o)} millis`)
          })
          const current = yield* findRow(row.id).pipe(Effect.orDie)
          if (succeeded) yield* repo.updateEndpoint(row.id, { last_success_at: finished }, finished)
          else if (
            givenUp &&
            current.enabled &&
            (current.last_success_at === null || DateTime.lessThan(current.last_success_at, delivery.created_at))
          )
            yield* disable(current, delivery, n)
        })
      )
      return yield* inTx(findDelivery(delivery.id))
    })

  const findDelivery = (id: string) =>
    Effect.flatMap(Schema.is(WebhookDeliveryId)(id) ? repo.findDelivery(id) : Effect.succeed(Option.none()), (row) =>
      Option.match(row, {
        onNone: () => Effect.fail(new WebhookDeliveryNotFound({ message: `no webhook delivery ${id}`, id })),
        onSome: Effect.succeed
      })
    )

  /**
   * Attempts the current tenant's due deliveries, `concurrency` at once
   * (an ordered endpoint has at most one among them); answers how many.
   */
  const deliverDue = Effect.gen(function* () {
    const o = yield* Ref.get(options)
    const due = yield* inTx(Effect.flatMap(DateTime.now, (now) => repo.dueDeliveries(now, o.batchSize)))
    yield* Effect.forEach(due, (d) => attempt(d, "due"), { concurrency: Math.max(1, o.concurrency), discard: true })
    return due.length
  }).pipe(Effect.withSpan("Webhooks.deliverDue"))

  /** Deletes the current tenant's finished deliveries older than `retentionMs`; answers how many. */
  const prune = Effect.gen(function* () {
    const o = yield* Ref.get(options)
    const before = DateTime.subtractDuration(yield* DateTime.now, `${o.retentionMs} millis`)
    return yield* inTx(repo.pruneDeliveries(before))
  }).pipe(Effect.withSpan("Webhooks.prune"))

  return { enqueue, enqueueBatch, attempt, deliverDue, findDelivery, prune } as const
}
