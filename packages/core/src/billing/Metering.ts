/**
 * Usage ingestion and usage queries (issue 20 "Metering"; OpenMeter's
 * ingestion model). Internal to `Billing.ts`; runs in the current tenant's
 * transaction (`ingest` writes before it may refuse: only the transaction's
 * rollback keeps a refused batch from being stored in part).
 *
 * **Ingestion** takes a batch of 1–1,000 CloudEvents-shaped events and
 * stores them idempotently by event id, all or nothing:
 * - the digest of an event is the SHA-256 of its canonical JSON (RFC 8785,
 *   `canonicalize`) as sent — `time` included only when given — so a
 *   re-sent event (same id, same content) is counted once, and an id reused
 *   with different content is refused (409 `Conflict`), within a batch or
 *   across batches;
 * - `data` is at most `MAX_EVENT_DATA_BYTES` of JSON;
 * - an event of a type some meter (the tenant's or the platform's) measures
 *   must carry what that meter needs (`Meters.measureProblem`: a finite
 *   number ≥ 0 for `sum`, `max`, `latest`) — else 400 naming the event and
 *   the meter;
 * - `time` is when the usage happened (receipt time when absent): a late
 *   event lands in the window of its own time, not of its arrival.
 *
 * **Queries** aggregate one meter's events in `[from, to)`, by window and
 * group (`Meters.aggregate`), reading at most `MAX_QUERY_EVENTS` events and
 * answering at most `MAX_USAGE_ROWS` rows (else 400: narrow the query).
 *
 * @module
 */
import * as Crypto from "node:crypto"
import {
  IngestResult,
  MAX_EVENT_DATA_BYTES,
  MAX_QUERY_EVENTS,
  MAX_USAGE_ROWS,
  type UsageEvent,
  type UsageQuery,
  UsageReport
} from "@signet/contracts/billing/Domain"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import canonicalizeModule from "canonicalize"
import { DateTime, Effect } from "effect"
import { aggregate, type makeMeters, measureProblem, windowEnd, windowStart } from "./Meters.js"
import type { BillingRepo, NewEvent } from "./Repo.js"

// `canonicalize` is CommonJS (`module.exports = fn`) with an ESM-style d.ts (see audit/Audit.ts).
const canonicalize = ((canonicalizeModule as any).default ?? canonicalizeModule) as (
  input: unknown
) => string | undefined

/** SHA-256 (hex) of an event's canonical JSON as sent: what tells a replay from a different event. */
export const eventDigest = (e: UsageEvent): string =>
  Crypto.createHash("sha256")
    .update(
      canonicalize({
        id: e.id,
        source: e.source,
        type: e.type,
        subject: e.subject,
        ...(e.time ? { time: DateTime.formatIso(e.time) } : {}),
        data: e.data
      }) ?? ""
    )
    .digest("hex")

/** The metering operations over `repo` and the tenant's meters. */
export const makeMetering = (repo: BillingRepo, meters: ReturnType<typeof makeMeters>) => {
  /**
   * Stores a batch of usage events (see the module comment).
   * @errors ValidationError (data too large, value a meter cannot measure), Conflict (an id reused with other content)
   */
  const ingest = (batch: ReadonlyArray<UsageEvent>) =>
    Effect.gen(function* () {
      const now = yield* DateTime.now
      const byId = new Map<string, NewEvent>()
      for (const [i, e] of batch.entries()) {
        if (Buffer.byteLength(JSON.stringify(e.data), "utf8") > MAX_EVENT_DATA_BYTES)
          return yield* ValidationError.field(
            `events[${i}].data`,
            `must be at most ${MAX_EVENT_DATA_BYTES} bytes of JSON`
          )
        const row: NewEvent = { ...e, time: e.time ?? now, digest: eventDigest(e) }
        const seen = byId.get(e.id)
        if (seen !== undefined && seen.digest !== row.digest)
          return yield* new Conflict({
            message: `event id ${e.id} is used twice with different content`,
            field: `events[${i}].id`
          })
        byId.set(e.id, row)
      }
      const relevant = yield* repo.metersOfTypes([...new Set(batch.map((e) => e.type))])
      for (const [i, e] of batch.entries())
        for (const m of relevant) {
          if (m.event_type !== e.type) continue
          const problem = measureProblem(m, e.data)
          if (problem !== null)
            return yield* ValidationError.field(`events[${i}].data`, `${problem} (meter ${m.code}, ${m.aggregation})`)
        }
      // Inserted first (ids already stored are skipped): a batch of new events costs one
      // statement. Only when some id was stored before are the digests read, and one that
      // differs fails the batch — the caller's transaction then rolls back what was inserted.
      const rows = [...byId.values()]
      const accepted = yield* repo.insertEvents(rows, now)
      if (accepted < rows.length) {
        const stored = yield* repo.eventDigests(rows.map((e) => e.id))
        const differs = rows.find((e) => stored.get(e.id) !== e.digest)
        if (differs !== undefined)
          return yield* new Conflict({
            message: `event id ${differs.id} was received before with different content`,
            field: "id"
          })
      }
      return new IngestResult({ accepted, duplicates: batch.length - accepted })
    }).pipe(Effect.withSpan("Billing.ingest", { attributes: { events: batch.length } }))

  /**
   * The usage of meter `code` (see the module comment).
   * @errors MeterNotFound, ValidationError (from ≥ to, unknown group-by name, too many events or rows)
   */
  const usage = (code: string, query: UsageQuery) =>
    Effect.gen(function* () {
      const meter = yield* meters.resolve(code)
      const month = windowStart(DateTime.toEpochMillis(yield* DateTime.now), "month")
      const from = query.from ? DateTime.toEpochMillis(query.from) : month
      const to = query.to ? DateTime.toEpochMillis(query.to) : windowEnd(month, "month")
      if (from >= to) return yield* ValidationError.field("to", "must be after from")
      const groupBy = (query.group_by ?? "")
        .split(",")
        .map((g) => g.trim())
        .filter((g) => g !== "")
      for (const name of groupBy)
        if (name !== "subject" && !Object.hasOwn(meter.dimensions, name))
          return yield* ValidationError.field("group_by", `${name} is neither subject nor a dimension of ${code}`)
      const events = yield* repo.scanEvents(
        meter.event_type,
        DateTime.unsafeMake(from),
        DateTime.unsafeMake(to),
        query.subject,
        MAX_QUERY_EVENTS + 1
      )
      if (events.length > MAX_QUERY_EVENTS)
        return yield* ValidationError.field(
          "from",
          `more than ${MAX_QUERY_EVENTS} events; narrow the period or the subject`
        )
      const rows = aggregate(meter, events, { from, to, window: query.window, groupBy })
      if (rows.length > MAX_USAGE_ROWS)
        return yield* ValidationError.field(
          "window",
          `more than ${MAX_USAGE_ROWS} rows; use a larger window or fewer groups`
        )
      return new UsageReport({ meter, rows })
    }).pipe(Effect.withSpan("Billing.usage"))

  return { ingest, usage } as const
}
