/**
 * Replay of a time range (issue 21 §1, Svix's "recover"): an endpoint's
 * finished deliveries go back in the queue. Internal to `Deliveries.ts`.
 *
 * @module
 */
import type { WebhookEndpointNotFound } from "@signet/contracts/integrations/Domain"
import {
  MAX_RECOVERED_DELIVERIES,
  type RecoverWebhookDeliveries,
  WebhookDeliveryId,
  WebhookRecovery
} from "@signet/contracts/integrations/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Schema } from "effect"
import { filterMatches } from "./Delivery.js"
import type { EndpointDeps } from "./Endpoints.js"
import type { EndpointRow } from "./Repo.js"

const encodeEvent = Schema.encodeSync(Schema.parseJson(Schema.Any))

/** The recover operation over `deps` and the endpoints' `findRow`. */
export const makeRecover = (
  deps: EndpointDeps,
  findRow: (id: string) => Effect.Effect<EndpointRow, WebhookEndpointNotFound, CurrentTenant>
) => {
  const { inTx, repo } = deps
  /**
   * Replays a time range (Svix's "recover"): the endpoint's finished
   * deliveries created in `[since, until)` — failed ones, or all with
   * `include: "all"` — go back in the queue, due now, oldest first, at most
   * {@link MAX_RECOVERED_DELIVERIES} per call. The job sends them with the
   * same `webhook-id` and body; each gets one more attempt when it had used
   * them all. Audited (`integrations.endpoint.recovered`). Deliveries are
   * pruned after the retention (30 days by default): older ones are gone.
   * @errors WebhookEndpointNotFound, ValidationError (`since` not before `until`)
   */
  /**
   * New deliveries, due now, for the tenant's events of `[since, until)`
   * that the endpoint's current filter matches and that never had a delivery
   * to it (it was disabled, or filtered them out, when they happened).
   */
  const queueMissed = (endpoint: EndpointRow, since: DateTime.Utc, until: DateTime.Utc, now: DateTime.Utc) =>
    Effect.gen(function* () {
      const events = (yield* deps.events.inRange(since, until, MAX_RECOVERED_DELIVERIES)).filter((e) =>
        filterMatches(endpoint.event_types, e.type)
      )
      let queued = 0
      for (const event of events) {
        // One delivery per endpoint and event (the insert does nothing when there is one).
        const inserted = yield* repo.insertDelivery({
          id: yield* newId(WebhookDeliveryId),
          endpoint_id: endpoint.id,
          event_id: event.id,
          event_type: event.type,
          payload: encodeEvent(event),
          at: now
        })
        if (inserted) queued++
      }
      return queued
    })

  const recover = (endpointId: string, input: RecoverWebhookDeliveries) =>
    inTx(
      Effect.gen(function* () {
        const endpoint = yield* findRow(endpointId)
        const now = yield* DateTime.now
        const until = input.until ?? now
        if (!DateTime.lessThan(input.since, until))
          return yield* ValidationError.field("since", "must be before until (or before now when until is omitted)")
        const include = input.include ?? "failed"
        const requeued =
          include === "missed"
            ? yield* queueMissed(endpoint, input.since, until, now)
            : yield* repo.requeueRange({
                endpointId: endpoint.id,
                since: input.since,
                until,
                statuses: include === "all" ? ["failed", "succeeded"] : ["failed"],
                limit: MAX_RECOVERED_DELIVERIES,
                at: now
              })
        yield* deps.audit.record({
          action: "integrations.endpoint.recovered",
          targetType: "webhook_endpoint",
          targetId: endpoint.id,
          after: {
            since: DateTime.formatIso(input.since),
            until: DateTime.formatIso(until),
            include,
            requeued
          }
        })
        return new WebhookRecovery({ requeued, more: requeued === MAX_RECOVERED_DELIVERIES })
      })
    ).pipe(Effect.withSpan("Webhooks.recover"))
  return recover
}
