/**
 * The broker relay (issue 21 §2; ARCHITECTURE §5 "Events", §6 "Scale-out"):
 * an optional outbox consumer that streams every CloudEvent to an external
 * broker (NATS JetStream today, `NatsRelay.ts`; Kafka next, behind the same
 * {@link BrokerPublisher} port).
 *
 * 1. {@link BrokerRelay}`.enqueue` is an outbox subscriber (`broker-relay`,
 *    every type; registered by `Core.jobs` when a relay is configured): it
 *    stores the event's CloudEvent JSON in `broker_relay` (`RelayRepo.ts`),
 *    once per event id.
 * 2. `run` is the relay job. The replica holding the `integrations.relay`
 *    lease connects to the broker, publishes due rows in outbox order in
 *    batches, waits for the broker's acknowledgement of each message, and
 *    only then marks the acknowledged rows relayed (one statement per
 *    batch). A crash between the acknowledgement and the mark re-sends the
 *    batch after restart; the broker de-duplicates on the event id
 *    (`Nats-Msg-Id`), so the stream holds each event once.
 * 3. A message the broker does not acknowledge stays pending with its
 *    error and is retried with exponential backoff (`retryBaseMs` doubling,
 *    capped at `retryMaxMs`, ±20 % jitter), for ever: nothing is dropped
 *    while the broker is down. A failed connection is retried on the same
 *    schedule.
 * 4. Relayed rows are pruned after `retentionMs` (hourly).
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { Clock, Effect, Schema, type Scope } from "effect"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import { instant } from "../kernel/Sql.js"
import type { BrokerError, BrokerPublisher } from "./Broker.js"
import { RelayRepo } from "./RelayRepo.js"

/** Tuning of the relay job. */
export interface RelayOptions {
  /** Events published per batch (default 500). */
  readonly batchSize: number
  /** Idle poll interval, ms (default 200). */
  readonly pollIntervalMs: number
  /** Leader lease duration, ms (default 30 000; renewed at half time). Keep it below the broker's de-duplication window. */
  readonly leaseMs: number
  /** First retry delay after a failure, ms (default 500); doubles per attempt. */
  readonly retryBaseMs: number
  /** Longest retry delay, ms (default 30 000). */
  readonly retryMaxMs: number
  /** How long relayed rows are kept, ms (default 24 h). */
  readonly retentionMs: number
  /**
   * Called after the broker acknowledged a batch and before the batch is
   * marked relayed (tests crash the process here to prove re-sends are
   * de-duplicated). Default: nothing.
   */
  readonly afterPublish?: ((ids: ReadonlyArray<string>) => Effect.Effect<void>) | undefined
}

/** Default relay tuning. */
export const defaultRelayOptions: RelayOptions = {
  batchSize: 500,
  pollIntervalMs: 200,
  leaseMs: 30_000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  retentionMs: 24 * 3_600_000
}

/** Delay before the next try after `failures` consecutive failures, ms (exponential, capped, ±20 % jitter). */
export const relayRetryDelayMs = (failures: number, o: RelayOptions, random = Math.random()): number =>
  Math.round(Math.min(o.retryBaseMs * 2 ** Math.max(0, failures - 1), o.retryMaxMs) * (0.8 + 0.4 * random))

/** The lease name of the relay job (one leader among replicas). */
export const RELAY_LEASE = "integrations.relay"

const PRUNE_EVERY_MS = 3_600_000

const encodeEvent = Schema.encodeSync(Schema.parseJson(Schema.Any))

/** The broker relay; see the module comment. */
export class BrokerRelay extends Effect.Service<BrokerRelay>()("Signet/BrokerRelay", {
  effect: Effect.gen(function* () {
    const repo = yield* RelayRepo
    const sql = yield* SqlClient.SqlClient
    const withSql = Effect.provideService(SqlClient.SqlClient, sql)

    /** The outbox subscriber's handler: stores `event` to relay (idempotent by event id). */
    const enqueue = (event: CloudEvent) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        repo.enqueue({
          event_id: event.id,
          tenant_id: event.tenantid ?? null,
          type: event.type,
          payload: encodeEvent(event),
          at: instant(now)
        })
      )

    /**
     * Publishes one batch of due rows through `publisher` and marks the
     * acknowledged ones relayed; failed ones get their next try. Answers
     * how many rows were acknowledged and how many failed (both 0: idle).
     */
    const relayOnce = (publisher: BrokerPublisher, options: RelayOptions = defaultRelayOptions) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const rows = yield* repo.due(instant(now), options.batchSize)
        if (rows.length === 0) return { acked: 0, failed: 0 }
        const outcome = yield* publisher.publish(
          rows.map((r) => ({ id: r.event_id, type: r.type, tenantId: r.tenant_id, payload: r.payload }))
        )
        if (options.afterPublish) yield* options.afterPublish(outcome.acked)
        const at = yield* Clock.currentTimeMillis
        yield* repo.markRelayed(outcome.acked, instant(at))
        const attemptsOf = new Map(rows.map((r) => [r.event_id, r.attempts]))
        for (const f of outcome.failed) {
          const attempts = (attemptsOf.get(f.id) ?? 0) + 1
          yield* repo.recordFailure(f.id, attempts, instant(at + relayRetryDelayMs(attempts, options)), f.error)
        }
        return { acked: outcome.acked.length, failed: outcome.failed.length }
      }).pipe(Effect.withSpan("BrokerRelay.relayOnce"))

    /**
     * The relay job over the broker `connect` opens (a scoped publisher):
     * on the replica holding the {@link RELAY_LEASE} lease, relays batches
     * until interrupted; connection failures and refused messages are
     * retried with backoff and logged. Fork it in a scope.
     */
    const run = (
      connect: Effect.Effect<BrokerPublisher, BrokerError, Scope.Scope>,
      patch: Partial<RelayOptions> = {}
    ): Effect.Effect<never> =>
      Effect.gen(function* () {
        const options: RelayOptions = { ...defaultRelayOptions, ...patch }
        const holder = `${process.pid}-${NodeCrypto.randomUUID()}`
        // Renewed at half time, not every batch: on SQLite each renewal is a write.
        let leaderUntil = 0
        const leader = Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (now < leaderUntil - options.leaseMs / 2) return true
          const won = yield* withSql(acquireLease(RELAY_LEASE, holder, options.leaseMs))
          leaderUntil = won ? now + options.leaseMs : 0
          return won
        })
        let failures = 0
        let prunedAt = 0
        const backoff = Effect.suspend(() => Effect.sleep(relayRetryDelayMs(++failures, options)))
        // One connection for as long as this replica leads and the connection lives.
        const session = Effect.scoped(
          Effect.gen(function* () {
            const publisher = yield* connect
            while ((yield* leader) && !(yield* publisher.closed)) {
              const now = yield* Clock.currentTimeMillis
              if (now - prunedAt >= PRUNE_EVERY_MS) {
                prunedAt = now
                yield* repo.prune(instant(now - options.retentionMs))
              }
              const r = yield* relayOnce(publisher, options)
              if (r.failed > 0) {
                yield* Effect.logWarning(`broker relay: ${r.failed} event(s) not acknowledged by ${publisher.name}`)
                yield* backoff
              } else {
                failures = 0
                if (r.acked === 0) yield* Effect.sleep(options.pollIntervalMs)
              }
            }
          })
        )
        return yield* Effect.forever(
          Effect.gen(function* () {
            if (!(yield* leader)) return yield* Effect.sleep(options.pollIntervalMs)
            yield* session.pipe(
              Effect.catchAllCause((cause) =>
                Effect.zipRight(Effect.logWarning("broker relay: connection failed; retrying", cause), backoff)
              )
            )
          })
        ).pipe(Effect.ensuring(withSql(releaseLease(RELAY_LEASE, holder))))
      })

    /** Events handed to the relay and not yet acknowledged by the broker. */
    const pending = repo.pending

    return { enqueue, relayOnce, run, pending } as const
  }),
  dependencies: [RelayRepo.Default]
}) {}
