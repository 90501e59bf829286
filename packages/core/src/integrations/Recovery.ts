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
  WebhookRecovery
} from "@signet/contracts/integrations/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { DateTime, Effect } from "effect"
import type { EndpointDeps } from "./Endpoints.js"
import type { EndpointRow } from "./Repo.js"

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
  const recover = (endpointId: string, input: RecoverWebhookDeliveries) =>
    inTx(
      Effect.gen(function* () {
        const endpoint = yield* findRow(endpointId)
        const now = yield* DateTime.now
        const until = input.until ?? now
        if (!DateTime.lessThan(input.since, until))
          return yield* ValidationError.field("since", "must be before until (or before now when until is omitted)")
        const include = input.include ?? "failed"
        const requeued = yield* repo.requeueRange({
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
