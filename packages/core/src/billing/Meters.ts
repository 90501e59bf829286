/**
 * Meters (issue 20 "Metering"; OpenMeter's model): a meter counts the usage
 * events of one CloudEvents `type`, aggregating the value at a JSON path of
 * their `data` with `count`, `sum`, `max`, `unique_count` or `latest`,
 * optionally grouped by dimensions (other JSON paths) and by `subject`.
 *
 * Meters are the platform's (defined by operators in `Catalogue.ts`, apply
 * to every tenant's events, and are what plan charges name) or a tenant's
 * own (defined here, visible to that tenant only). A tenant's meter code
 * hides a platform meter of the same code for that tenant.
 *
 * This file holds the tenant meter operations and the pure parts of a
 * meter: reading a value ({@link valueAt}, {@link numericValue}) and
 * aggregating events into windows ({@link aggregate}).
 *
 * @module
 */
import {
  type CreateMeter,
  MAX_METERS,
  MAX_USAGE_ROWS,
  type MeterAggregation,
  MeterNotFound,
  UsageRow,
  type UsageWindow
} from "@signet/contracts/billing/Domain"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { DateTime, Effect, Option } from "effect"
import { presentMeter } from "./Catalogue.js"
import type { BillingRepo, EventRow } from "./Repo.js"

/** What a meter aggregates: its aggregation, value path and dimensions. */
export interface MeterDefinition {
  readonly aggregation: MeterAggregation
  readonly value_path: string | null
  readonly dimensions: Readonly<Record<string, string>>
}

/**
 * The value at `path` (`$.a.b`, validated by the contract's `JsonPath`) in
 * `data`: member access only; `undefined` when a member is missing or a
 * step is not an object.
 */
export const valueAt = (data: unknown, path: string): unknown => {
  let v: unknown = data
  for (const key of path.split(".").slice(1)) {
    if (v === null || typeof v !== "object" || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined
    v = (v as Record<string, unknown>)[key]
  }
  return v
}

const NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

/** A JSON number, or a string holding a decimal number (OpenMeter accepts both), as a finite number; else undefined. */
export const numericValue = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && NUMERIC.test(v) ? Number(v) : Number.NaN
  return Number.isFinite(n) ? n : undefined
}

/**
 * Why event `data` cannot be measured by `meter` (null when it can):
 * `sum`, `max` and `latest` need a finite number ≥ 0 at `value_path`;
 * `unique_count` needs a value there; `count` needs nothing.
 */
export const measureProblem = (meter: MeterDefinition, data: unknown): string | null => {
  if (meter.aggregation === "count" || meter.value_path === null) return null
  const v = valueAt(data, meter.value_path)
  if (v === undefined || v === null) return `has no value at ${meter.value_path}`
  if (meter.aggregation === "unique_count") return null
  const n = numericValue(v)
  if (n === undefined) return `has a non-numeric value at ${meter.value_path}`
  if (n < 0) return `has a negative value at ${meter.value_path}`
  return null
}

/** The UTC start of the window of `size` holding instant `ms`. */
export const windowStart = (ms: number, size: UsageWindow): number => {
  const d = new Date(ms)
  switch (size) {
    case "hour":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours())
    case "day":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  }
}

/** The UTC end of the window of `size` starting at `start`. */
export const windowEnd = (start: number, size: UsageWindow): number => {
  const d = new Date(start)
  switch (size) {
    case "hour":
      return start + 3_600_000
    case "day":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
  }
}

/** A group value as text: strings as they are, numbers and booleans printed, anything else null. */
const groupValue = (v: unknown): string | null =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null

interface Bucket {
  readonly start: number
  readonly end: number
  readonly group: Record<string, string | null>
  count: number
  sum: number
  max: number | null
  latest: number | null
  readonly unique: Set<string>
}

/** What {@link aggregate} groups and windows by. */
export interface AggregateOptions {
  readonly from: number
  readonly to: number
  readonly window?: UsageWindow | undefined
  /** Dimension names of the meter and/or `subject`. */
  readonly groupBy: ReadonlyArray<string>
}

/**
 * Aggregates `events` (oldest first, as `scanEvents` answers them) under
 * `meter`, by window (by event time, UTC; one window `[from, to)` when no
 * window size is given) and group. Events without a usable value are
 * skipped by `sum`, `max`, `latest` and `unique_count` (ingestion refuses
 * them while the meter exists; they can predate it). Answers rows by window
 * start, then group.
 */
export const aggregate = (
  meter: MeterDefinition,
  events: ReadonlyArray<EventRow>,
  options: AggregateOptions
): ReadonlyArray<UsageRow> => {
  const acc = makeAggregator(meter, options)
  acc.add(events)
  return acc.rows()
}

/**
 * The incremental form of {@link aggregate}: `add` folds a batch of events
 * (oldest first, batches in order) into the buckets and `rows` answers what
 * `aggregate` would over every event added. Memory is one bucket per
 * window and group (plus the distinct values of a `unique_count` meter),
 * not per event — the period close reads a meter's events page by page
 * through it.
 */
export const makeAggregator = (meter: MeterDefinition, options: AggregateOptions) => {
  const buckets = new Map<string, Bucket>()
  const add = (events: ReadonlyArray<EventRow>) => {
    for (const e of events) {
      const ms = DateTime.toEpochMillis(e.occurred_at)
      const start = options.window ? windowStart(ms, options.window) : options.from
      const end = options.window ? windowEnd(start, options.window) : options.to
      const group: Record<string, string | null> = {}
      for (const name of options.groupBy)
        group[name] = name === "subject" ? e.subject : groupValue(valueAt(e.data, meter.dimensions[name] ?? "$"))
      const key = `${start}\u0000${JSON.stringify(Object.entries(group))}`
      let b = buckets.get(key)
      if (b === undefined) {
        b = { start, end, group, count: 0, sum: 0, max: null, latest: null, unique: new Set() }
        buckets.set(key, b)
      }
      b.count += 1
      if (meter.value_path === null) continue
      const raw = valueAt(e.data, meter.value_path)
      if (raw !== undefined && raw !== null) b.unique.add(JSON.stringify(raw))
      const n = numericValue(raw)
      if (n === undefined) continue
      b.sum += n
      b.max = b.max === null ? n : Math.max(b.max, n)
      b.latest = n
    }
  }
  const value = (b: Bucket): number | null => {
    switch (meter.aggregation) {
      case "count":
        return b.count
      case "sum":
        return b.sum
      case "max":
        return b.max
      case "unique_count":
        return b.unique.size
      case "latest":
        return b.latest
    }
  }
  const rows = (): ReadonlyArray<UsageRow> =>
    [...buckets.entries()]
      .sort(([ka, a], [kb, b]) => a.start - b.start || (ka < kb ? -1 : ka > kb ? 1 : 0))
      .map(
        ([, b]) =>
          new UsageRow({
            window_start: DateTime.unsafeMake(b.start),
            window_end: DateTime.unsafeMake(b.end),
            group: b.group,
            value: value(b)
          })
      )
  return { add, rows }
}

/** Rows a usage answer may hold at most (re-exported for the service). */
export const MAX_ROWS = MAX_USAGE_ROWS

/** The tenant meter operations over `repo`; run inside the tenant's transaction by `Billing.ts`. */
export const makeMeters = (repo: BillingRepo) => {
  /**
   * The meter `code` as the current tenant sees it: its own, else the platform's.
   * @errors MeterNotFound
   */
  const resolve = (code: string) =>
    Effect.gen(function* () {
      const own = yield* repo.findMeter(code)
      if (Option.isSome(own)) return presentMeter(own.value, "tenant")
      const platform = yield* repo.findPlatformMeter(code)
      if (Option.isSome(platform)) return presentMeter(platform.value, "platform")
      return yield* new MeterNotFound({ message: `no meter ${code}`, code })
    })

  /**
   * Defines a meter of the current tenant.
   * @errors Conflict (code taken by the tenant), ValidationError (MAX_METERS)
   */
  const create = (input: CreateMeter) =>
    Effect.gen(function* () {
      if ((yield* repo.countMeters) >= MAX_METERS)
        return yield* ValidationError.field("code", `a tenant has at most ${MAX_METERS} meters`)
      if (Option.isSome(yield* repo.findMeter(input.code)))
        return yield* new Conflict({ message: `meter ${input.code} exists`, field: "code" })
      yield* repo.insertMeter({
        code: input.code,
        name: input.name,
        event_type: input.event_type,
        aggregation: input.aggregation,
        value_path: input.value_path ?? null,
        dimensions: input.dimensions,
        at: yield* DateTime.now
      })
      return presentMeter(Option.getOrThrow(yield* repo.findMeter(input.code)), "tenant")
    })

  /** The meters the current tenant sees: its own, then the platform's it does not hide, by code. */
  const list = Effect.gen(function* () {
    const own = (yield* repo.listMeters).map((r) => presentMeter(r, "tenant"))
    const codes = new Set(own.map((m) => m.code))
    const platform = (yield* repo.listPlatformMeters)
      .filter((r) => !codes.has(r.code))
      .map((r) => presentMeter(r, "platform"))
    return [...own, ...platform].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  })

  return { resolve, create, list } as const
}
