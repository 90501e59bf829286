/**
 * The delivery log and manual sends (issue 21 §1): an endpoint's
 * deliveries and their attempts, a test ping, the replay of one delivery
 * or of a time range, and the delivery job over every tenant. Internal to `Webhooks.ts`.
 *
 * @module
 */

import * as NodeCrypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import type { WebhookEndpointNotFound } from "@signet/contracts/integrations/Domain"
import {
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookDeliveryId,
  WebhookDeliveryNotFound
} from "@signet/contracts/integrations/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { newId, newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Ref } from "effect"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import type { makeDelivery } from "./Delivery.js"
import type { EndpointDeps } from "./Endpoints.js"
import { makeRecover } from "./Recovery.js"
import type { EndpointRow } from "./Repo.js"

/** How long the delivery job's lease lasts without renewal (ms). */
const LEASE_MS = 60_000

/** How often the job prunes finished deliveries past the retention (ms). */
const PRUNE_EVERY_MS = 3_600_000
/** Runs `self` as the system in tenant `t`. */
const asTenant = <A, E, R>(t: { readonly id: string; readonly slug: string }, self: Effect.Effect<A, E, R>) =>
  self.pipe(
    Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug }),
    Effect.provideService(CurrentActor, systemActor)
  )

/** How long a suspended tenant's due deliveries wait before the job looks at the tenant again. */
const SUSPENDED_RECHECK_MS = 300_000

/** Tenants with due deliveries the job visits per round at most (the others wait for the next round). */
const DUE_TENANTS_PER_ROUND = 500

/**
 * One round of the delivery job over the tenants that `webhook_due` names as
 * due at `now` (not every tenant: an idle tenant costs nothing, issue 23):
 * each active one's due deliveries, then its row settled to its next attempt
 * (or removed); a suspended tenant is looked at again in 5 minutes (its
 * deliveries wait for its reactivation); a deleted tenant's row goes.
 * Answers the deliveries attempted.
 */
const visitDueTenants = (
  deps: EndpointDeps,
  deliverDue: ReturnType<typeof makeDelivery>["deliverDue"],
  tenancy: Tenancy,
  now: number
) =>
  Effect.gen(function* () {
    const { inTx, repo } = deps
    let total = 0
    for (const due of yield* repo.dueTenants(DateTime.unsafeMake(now), DUE_TENANTS_PER_ROUND)) {
      const tenant = yield* Effect.option(tenancy.getById(due.tenantId as TenantId))
      if (tenant._tag === "Some" && tenant.value.status !== "active") {
        yield* repo.postponeDue(due.tenantId, due.version, DateTime.unsafeMake(now + SUSPENDED_RECHECK_MS))
        continue
      }
      total += yield* asTenant(
        tenant._tag === "Some" ? tenant.value : { id: due.tenantId, slug: "" },
        Effect.zipLeft(tenant._tag === "Some" ? deliverDue : Effect.succeed(0), inTx(repo.settleDue(due.version)))
      )
    }
    return total
  })

/** Deliveries listed per endpoint at most. */
export const MAX_LISTED_DELIVERIES = 100

/** The log, ping, replay and job over `deps`, the endpoints' `findRow` and the delivery operations. */
export const makeDeliveryLog = (
  deps: EndpointDeps,
  findRow: (id: string) => Effect.Effect<EndpointRow, WebhookEndpointNotFound, CurrentTenant>,
  delivery: ReturnType<typeof makeDelivery>
) => {
  const { inTx, options, repo } = deps
  const { attempt, deliverDue, findDelivery, prune } = delivery

  /** A delivery of an endpoint with its attempts. @errors WebhookEndpointNotFound, WebhookDeliveryNotFound */
  const getDelivery = (endpointId: string, deliveryId: string) =>
    inTx(
      Effect.gen(function* () {
        const endpoint = yield* findRow(endpointId)
        const row = yield* findDelivery(deliveryId)
        if (row.endpoint_id !== endpoint.id)
          return yield* new WebhookDeliveryNotFound({ message: `no webhook delivery ${deliveryId}`, id: deliveryId })
        const attempts = yield* repo.listAttempts(row.id)
        const { payload: _payload, ...delivery } = row
        return new WebhookDeliveryDetail({ delivery: new WebhookDelivery(delivery), attempts })
      })
    )

  /** An endpoint's deliveries, newest first (at most {@link MAX_LISTED_DELIVERIES}). @errors WebhookEndpointNotFound */
  const listDeliveries = (endpointId: string) =>
    inTx(
      Effect.gen(function* () {
        const endpoint = yield* findRow(endpointId)
        const rows = yield* repo.listDeliveries(endpoint.id, MAX_LISTED_DELIVERIES)
        return rows.map(({ payload: _payload, ...d }) => new WebhookDelivery(d))
      })
    )

  /**
   * Sends a `signet.integrations.endpoint.ping` event to an endpoint now
   * (enabled or not); answers the delivery with its attempt.
   * @errors WebhookEndpointNotFound
   */
  const ping = (endpointId: string) =>
    Effect.gen(function* () {
      const endpoint = yield* inTx(findRow(endpointId))
      const tenant = yield* CurrentTenant
      const eventId = yield* newUuid
      const time = DateTime.formatIso(yield* DateTime.now)
      const event = {
        specversion: "1.0",
        id: eventId,
        source: "/signet/integrations",
        type: "signet.integrations.endpoint.ping",
        subject: endpoint.id,
        time,
        datacontenttype: "application/json",
        data: { endpoint_id: endpoint.id, nonce: NodeCrypto.randomUUID() },
        tenantid: tenant.id
      }
      const id = yield* newId(WebhookDeliveryId)
      yield* inTx(
        repo.insertDelivery({
          id,
          endpoint_id: endpoint.id,
          event_id: eventId,
          event_type: event.type,
          payload: JSON.stringify(event),
          at: yield* DateTime.now,
          // Attempted right here: the delivery job never takes it.
          due: null
        })
      )
      const delivery = yield* inTx(findDelivery(id)).pipe(Effect.orDie)
      yield* attempt(delivery, "now")
      return yield* getDelivery(endpoint.id, id).pipe(Effect.orDie)
    }).pipe(Effect.withSpan("Webhooks.ping"))

  /**
   * Sends one delivery again now (one more attempt, same `webhook-id` and
   * body, fresh timestamp and signature); answers it with its attempts.
   * @errors WebhookEndpointNotFound, WebhookDeliveryNotFound
   */
  const replay = (endpointId: string, deliveryId: string) =>
    Effect.gen(function* () {
      const detail = yield* getDelivery(endpointId, deliveryId)
      const row = yield* inTx(findDelivery(detail.delivery.id)).pipe(Effect.orDie)
      yield* attempt(row, "now")
      return yield* getDelivery(endpointId, deliveryId)
    }).pipe(Effect.withSpan("Webhooks.replay"))

  /**
   * The delivery job: on the replica holding the `webhooks.delivery` lease,
   * attempts the due deliveries of the active tenants that `webhook_due`
   * names as due (kept by triggers, see `Migrations.ts`), settles each
   * tenant's row, and prunes every tenant's finished deliveries once an
   * hour; sleeps `pollIntervalMs` when no delivery was attempted. Runs until
   * interrupted.
   */
  const job = (tenancy: Tenancy, sql: SqlClient.SqlClient) =>
    Effect.gen(function* () {
      const withSql = Effect.provideService(SqlClient.SqlClient, sql)
      const holder = `${process.pid}-${NodeCrypto.randomUUID()}`
      const lease = "webhooks.delivery"
      // The lease is renewed when half its time has passed, not every round: on SQLite each renewal is a write.
      let leaderUntil = 0
      const leader = Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (now < leaderUntil - LEASE_MS / 2) return true
        const won = yield* withSql(acquireLease(lease, holder, LEASE_MS))
        leaderUntil = won ? now + LEASE_MS : 0
        return won
      })
      let prunedAt = 0
      // Every active tenant once an hour, for the retention of finished deliveries.
      const pruneAll = Effect.gen(function* () {
        let cursor: string | undefined
        do {
          const page = yield* tenancy
            .list({ status: "active", limit: 200, ...(cursor ? { cursor } : {}) })
            .pipe(Effect.orDie)
          for (const t of page.items) yield* asTenant(t, prune)
          cursor = page.next_cursor ?? undefined
        } while (cursor)
      })
      const round = Effect.gen(function* () {
        if (!(yield* leader)) return 0
        const now = yield* Clock.currentTimeMillis
        if (now - prunedAt >= PRUNE_EVERY_MS) {
          prunedAt = now
          yield* pruneAll
        }
        return yield* visitDueTenants(deps, deliverDue, tenancy, now)
      }).pipe(Effect.catchAllCause((cause) => Effect.as(Effect.logError("webhook delivery round failed", cause), 0)))
      return yield* Effect.forever(
        Effect.flatMap(round, (n) =>
          n > 0 ? Effect.void : Effect.flatMap(Ref.get(options), (o) => Effect.sleep(o.pollIntervalMs))
        )
      ).pipe(Effect.ensuring(withSql(releaseLease(lease, holder))))
    })

  return { getDelivery, listDeliveries, ping, replay, recover: makeRecover(deps, findRow), job } as const
}
