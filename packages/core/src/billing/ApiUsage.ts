/**
 * API requests as usage from Signet's own domain (issue 20 "Metering … from
 * … Signet's own domain (… API requests — emitted from the outbox, never
 * counted twice)").
 *
 * One outbox row per request would double the write load of every read, so
 * requests are counted in this process's memory per tenant and UTC minute
 * ({@link ApiRequestCounter.count}, a map increment the transports call
 * once per admitted, authenticated request), and {@link ApiRequestCounter.flush}
 * publishes one `signet.billing.api_requests.counted` outbox event per
 * tenant and minute with the requests counted since the previous flush
 * (`data`: `{ count, minute, replica }`). The billing subscriber
 * (`DomainUsage.ts`) stores each as a usage event `signet:<outbox event id>`
 * timed at the minute's start, so:
 * - every admitted request is in exactly one flush (the map is swapped out
 *   before publishing), and a redelivered outbox event is stored once;
 * - a minute flushed in two parts (a flush in its middle, or several
 *   replicas) is two events whose `count`s add up in a `sum` meter;
 * - a flush that fails (database down) puts its counts back for the next
 *   one: a tenant's events are published in one transaction, all or none.
 *
 * What a crash loses: the requests counted since the last flush (at most
 * one flush interval, `SIGNET_BILLING_API_USAGE_FLUSH_SECONDS`); a shutdown
 * flushes what it holds (`Core.jobs`). Pending counts are bounded to
 * {@link MAX_PENDING_COUNTS} tenant-minutes: beyond (flushes failing for
 * hours), requests of a new tenant-minute are not metered and a warning is
 * logged.
 *
 * @module
 */
import { CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect } from "effect"
import type { Events } from "../events/Events.js"

/** The outbox event (and usage event) type of counted API requests. */
export const API_REQUESTS_TYPE = "signet.billing.api_requests.counted"

/** Tenant-minutes held between flushes at most (see the module comment). */
export const MAX_PENDING_COUNTS = 100_000

/** The API request counter; see the module comment. */
export interface ApiRequestCounter {
  /** Counts one admitted request of `tenant` at `atMs` (epoch ms; now by default). Never fails. */
  readonly count: (tenant: TenantId, atMs?: number) => void
  /**
   * Publishes the counts held (one outbox event per tenant and minute, in
   * one transaction per tenant) and answers the number of events published.
   * A tenant whose transaction fails keeps its counts for the next flush.
   */
  readonly flush: Effect.Effect<number>
  /** Tenant-minutes held now (for tests and `/metrics`). */
  readonly pending: () => number
}

/**
 * A counter publishing through `events` inside `inTx` (the tenant's
 * transaction). `replica` names this process in the events' data.
 */
export const makeApiRequestCounter = (deps: {
  readonly events: Events
  readonly inTx: (self: Effect.Effect<void, never, CurrentTenant>) => Effect.Effect<void, never, CurrentTenant>
}): Effect.Effect<ApiRequestCounter> =>
  Effect.gen(function* () {
    const replica = yield* newUuid
    /** tenant id → minute start (epoch ms) → requests. */
    let held = new Map<string, Map<number, number>>()
    let size = 0
    let warned = false

    const add = (tenant: string, minute: number, n: number) => {
      let minutes = held.get(tenant)
      if (minutes === undefined) {
        minutes = new Map()
        held.set(tenant, minutes)
      }
      const before = minutes.get(minute)
      if (before === undefined) {
        if (size >= MAX_PENDING_COUNTS) return false
        size++
      }
      minutes.set(minute, (before ?? 0) + n)
      return true
    }

    const count = (tenant: TenantId, atMs: number = Date.now()) => {
      if (!add(tenant, atMs - (atMs % 60_000), 1) && !warned) {
        warned = true
        Effect.runFork(Effect.logWarning(`billing: ${MAX_PENDING_COUNTS} API usage counts pending; not metering more`))
      }
    }

    const publishTenant = (tenant: string, minutes: Map<number, number>) =>
      deps
        .inTx(
          Effect.forEach(
            minutes,
            ([minute, n]) =>
              deps.events.publish({
                type: API_REQUESTS_TYPE,
                subject: "api",
                data: { count: n, minute: DateTime.formatIso(DateTime.unsafeMake(minute)), replica }
              }),
            { discard: true }
          )
        )
        .pipe(
          Effect.provideService(CurrentTenant, { id: tenant as TenantId, slug: "" }),
          Effect.as(minutes.size),
          Effect.catchAllCause((cause) =>
            Effect.as(
              Effect.zipRight(
                Effect.sync(() => {
                  for (const [minute, n] of minutes) add(tenant, minute, n)
                }),
                Effect.logWarning("billing: API usage not published; kept for the next flush", cause)
              ),
              0
            )
          )
        )

    const flush = Effect.suspend(() => {
      const taken = held
      held = new Map()
      size = 0
      warned = false
      return Effect.map(
        Effect.forEach(taken, ([tenant, minutes]) => publishTenant(tenant, minutes)),
        (published) => published.reduce((a, b) => a + b, 0)
      )
    })

    return { count, flush, pending: () => size }
  })

/**
 * Flushes `counter` every `intervalMs` for the scope's lifetime, and once
 * more when the scope closes (a shutdown publishes what it holds).
 */
export const flushJob = (counter: ApiRequestCounter, options: { readonly intervalMs: number }) =>
  Effect.zipRight(
    Effect.addFinalizer(() => Effect.asVoid(counter.flush)),
    Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(options.intervalMs), counter.flush)))
  )
