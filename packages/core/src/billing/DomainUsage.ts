/**
 * Usage from Signet's own domain (issue 20 "Metering … from three places:
 * Signet's own domain … emitted from the outbox, never counted twice"): an
 * outbox subscriber turns domain events into usage events of their tenant,
 * so platform meters can price them like integrators' events.
 *
 * | Outbox event | Usage event `type` | `data` |
 * |---|---|---|
 * | `signet.auth.login` | `signet.auth.login` | `{ user_id }` — monthly active users: `unique_count` over `$.user_id` |
 * | `signet.attendance.signature.created` | `signet.attendance.signature.created` | `{ signature_id, course_id, method, count: 1 }` |
 * | `signet.beacon.enrolled` | `signet.beacon.enrolled` | `{ beacon_id, count: 1 }` |
 * | `signet.user.created` | `signet.user.created` | `{ user_id, user_type, count: 1 }` |
 * | `signet.billing.api_requests.counted` | the same | `{ count, replica }`, timed at `data.minute` (`ApiUsage.ts`) |
 *
 * Each usage event's id is `signet:<outbox event id>` and its content is a
 * function of the outbox event, so a redelivered event (the dispatcher
 * delivers at least once) is stored once. `source` is `signet`, `subject`
 * the event's subject, `time` the event's time. An event a meter cannot
 * measure (a tenant meter expecting another shape) is logged and skipped,
 * not retried for ever.
 *
 * API requests reach the outbox counted per tenant and minute
 * (`ApiUsage.ts`), not one row per request.
 *
 * @module
 */
import { UsageEvent } from "@signet/contracts/billing/Domain"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import type { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect, Schema } from "effect"
import { byTenant, type Events } from "../events/Events.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import { API_REQUESTS_TYPE } from "./ApiUsage.js"

/** The outbox event types metered, and the `data` of their usage events. */
const METERED: Record<string, (e: CloudEvent) => Record<string, unknown>> = {
  "signet.auth.login": (e) => ({ user_id: e.subject }),
  "signet.attendance.signature.created": (e) => {
    const d = (e.data ?? {}) as { id?: unknown; course_id?: unknown; method?: unknown }
    return { signature_id: d.id ?? e.subject, course_id: d.course_id ?? null, method: d.method ?? null, count: 1 }
  },
  "signet.beacon.enrolled": (e) => ({ beacon_id: e.subject, count: 1 }),
  "signet.user.created": (e) => {
    const d = (e.data ?? {}) as { user_type?: unknown }
    return { user_id: e.subject, user_type: d.user_type ?? null, count: 1 }
  },
  [API_REQUESTS_TYPE]: (e) => {
    const d = (e.data ?? {}) as { count?: unknown; replica?: unknown }
    return { count: d.count ?? 0, replica: d.replica ?? null }
  }
}

/** When the usage happened: the counted minute's start for API requests, else the event's time. */
const timeOf = (e: CloudEvent) => {
  const minute = (e.data as { minute?: unknown } | null | undefined)?.minute
  return e.type === API_REQUESTS_TYPE && typeof minute === "string" ? minute : e.time
}

/** The domain event types metered. */
export const METERED_TYPES: ReadonlyArray<string> = Object.keys(METERED)

/** The usage event of a metered domain event (`undefined` for another type or one without tenant). */
export const usageOf = (event: CloudEvent): UsageEvent | undefined => {
  const data = METERED[event.type]
  if (data === undefined || event.tenantid === undefined) return undefined
  return Schema.decodeUnknownSync(UsageEvent)({
    id: `signet:${event.id}`,
    source: "signet",
    type: event.type,
    subject: event.subject ?? event.type,
    time: timeOf(event),
    data: data(event)
  })
}

/**
 * Subscribes billing to the metered domain events: each becomes a usage
 * event of its tenant through `ingest` (idempotent by id).
 */
export const subscribeDomainUsage = (
  events: Events,
  tenancy: Tenancy,
  ingest: (batch: ReadonlyArray<UsageEvent>) => Effect.Effect<unknown, ValidationError | Conflict, CurrentTenant>
) =>
  Effect.gen(function* () {
    /** Runs `effect` as the system actor of the tenant `tenantId` (the tenant is read once per call). */
    const asTenant = <A, E>(tenantId: string, effect: Effect.Effect<A, E, CurrentTenant>) =>
      Effect.flatMap(tenancy.getById(tenantId as TenantId), (tenant) =>
        effect.pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, systemActor)
        )
      )

    /** Stores one tenant's `usage` in one ingest; a refusal is logged as not metered, not retried. */
    const storeOrLog = (tenantId: string, usage: ReadonlyArray<UsageEvent>) =>
      asTenant(tenantId, ingest(usage)).pipe(
        Effect.catchTags({
          ValidationError: (e) =>
            Effect.logWarning(`billing: domain events ${usage.map((u) => u.id).join(", ")} not metered: ${e.message}`),
          Conflict: (e) =>
            Effect.logWarning(`billing: domain events ${usage.map((u) => u.id).join(", ")} not metered: ${e.message}`)
        })
      )

    /**
     * A batch's usage, one ingest (one transaction) per tenant. Ingest
     * writes nothing of a batch it refuses (a meter that cannot measure an
     * event's data — a tenant meter expecting another shape — or a usage id
     * already stored with other content); then the tenant's events are
     * stored one by one, so one refused event never keeps the others from
     * being metered, and the refused one is logged as not metered, since no
     * retry can change its content. (Domain usage is not refused as late:
     * its time is the event's, and `refuseLate` applies to integrators'
     * events only.)
     */
    const handleBatch = (batch: ReadonlyArray<CloudEvent>) =>
      Effect.gen(function* () {
        for (const [tenantId, tenantEvents] of byTenant(batch)) {
          const usage = tenantEvents.flatMap((event) => usageOf(event) ?? [])
          if (usage.length === 0) continue
          const whole = yield* asTenant(tenantId, ingest(usage)).pipe(
            Effect.as(true),
            Effect.catchTags({ ValidationError: () => Effect.succeed(false), Conflict: () => Effect.succeed(false) })
          )
          if (!whole) for (const one of usage) yield* storeOrLog(tenantId, [one])
        }
      })

    yield* events.subscribe({
      name: "billing-domain-usage",
      types: METERED_TYPES,
      handle: (event) => handleBatch([event]),
      handleBatch
    })
  })
