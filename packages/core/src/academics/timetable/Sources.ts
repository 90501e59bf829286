/**
 * Timetable sources (issue 16 "Sync mode", scheduled pull): a school's
 * iCalendar URL pulled every `interval_minutes` and synced into its
 * courses (`Sync.ts`). Internal to `academics/Timetable.ts`.
 *
 * - The URL may embed a secret token: it is envelope-encrypted at rest
 *   (`timetableSourceUrlColumn`, AAD bound to tenant and source), never
 *   answered, logged or put in an audit row; `url_hint` shows its scheme and
 *   host only.
 * - Validation: the URL as `Fetch.checkSourceUrl` (https), the interval an
 *   integer of {@link MIN_INTERVAL_MINUTES}…{@link MAX_INTERVAL_MINUTES}
 *   minutes, the mapping a valid `TimetableMapping`, at most
 *   {@link MAX_SOURCES} sources per tenant.
 * - A pull fetches conditionally (`Fetch.ts`); 304 records the pull and
 *   changes nothing; 200 parses with the source's mapping (the school's zone
 *   for floating times unless the mapping names one; its window, when set,
 *   is the sync's) and syncs, then keeps the answer's `ETag` /
 *   `Last-Modified`. A failed pull records `failed` and its reason and
 *   keeps the old validators, so the next pull fetches again.
 * - The job (`sourcesJob`, in `Pull.ts` with the pulls) runs on one
 *   replica at a time (lease `timetable.sources`), every `intervalMs`
 *   pulling the due sources of every active tenant as the system actor.
 *
 * @module
 */
import {
  type CreateTimetableSource,
  TimetableSource,
  TimetableSourceId,
  TimetableSourceNotFound
} from "@signet/contracts/academics/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Redacted, Schema, Struct } from "effect"
import type { Envelope } from "../../kernel/Crypto.js"
import type { EncryptedColumn } from "../../kernel/KeyRotation.js"
import { parseMapping, type TimetableMapping } from "../ICalendar.js"
import type { SourceRow } from "../repo/Sources.js"
import type { Deps } from "./Deps.js"
import { checkSourceUrl, type FetchOptions, urlHint } from "./Fetch.js"

/** Shortest pull interval, in minutes. */
export const MIN_INTERVAL_MINUTES = 15
/** Longest pull interval (a week), in minutes. */
export const MAX_INTERVAL_MINUTES = 10_080
/** Sources per tenant at most. */
export const MAX_SOURCES = 100
/** Characters of a source's mapping JSON at most. */
export const MAX_MAPPING_CHARS = 65_536

/** The AAD of a source's URL ciphertext (`tenant:<id>:timetable_sources:<id>:url`). */
export const urlAad = (tenant: string, id: string) => `tenant:${tenant}:timetable_sources:${id}:url`

/** The encrypted column of source URLs (master-key rotation re-wraps it). */
export const timetableSourceUrlColumn: EncryptedColumn = {
  table: "timetable_sources",
  keyColumns: ["tenant_id", "id"],
  column: "url_enc",
  aad: (row) => urlAad(String(row.tenant_id), String(row.id))
}

/** A stored row as the public shape (no ciphertext, no validators). */
const present = (row: SourceRow) =>
  new TimetableSource({
    ...Struct.omit(row, "url_enc", "etag", "last_modified"),
    mapping: (row.mapping ?? null) as TimetableSource["mapping"]
  })

const notFound = (id: string) => new TimetableSourceNotFound({ message: `no timetable source ${id}`, id })

/** Input of `addSource`: the contract's body, the URL in clear or `Redacted`. */
export type AddSource = Omit<CreateTimetableSource, "url"> & { readonly url: string | Redacted.Redacted<string> }

/** Timetable sources (add, get, list, remove) over the timetable's dependencies and the envelope. */
export const makeSources = (deps: Deps, envelope: Envelope["Type"]) => {
  const { repo, audit, events, academics, inTx } = deps
  const tenantId = Effect.map(CurrentTenant, (t) => t.id as string)

  const validMapping = (mapping: unknown): Effect.Effect<TimetableMapping | null, ValidationError> => {
    if (mapping === undefined || mapping === null) return Effect.succeed(null)
    const text = JSON.stringify(mapping)
    if (text.length > MAX_MAPPING_CHARS)
      return Effect.fail(ValidationError.field("mapping", `is longer than ${MAX_MAPPING_CHARS} characters`))
    return Effect.try({
      try: () => parseMapping(text),
      catch: (e) => ValidationError.field("mapping", (e as Error).message)
    })
  }

  /**
   * Adds a source (pulled first at the next run of the job, or by `pullSource`).
   * @errors AcademicsNotFound (school), ValidationError (URL, interval, mapping, MAX_SOURCES)
   */
  const addSource = (input: AddSource, options: FetchOptions = {}) =>
    inTx(
      Effect.gen(function* () {
        const school = yield* academics.getSchool(input.school_id)
        const raw = Redacted.isRedacted(input.url) ? Redacted.value(input.url) : input.url
        const url = checkSourceUrl(raw, options)
        if (typeof url === "string") return yield* ValidationError.field("url", url)
        const interval = input.interval_minutes ?? 60
        if (!Number.isInteger(interval) || interval < MIN_INTERVAL_MINUTES || interval > MAX_INTERVAL_MINUTES)
          return yield* ValidationError.field(
            "interval_minutes",
            `must be an integer from ${MIN_INTERVAL_MINUTES} to ${MAX_INTERVAL_MINUTES}`
          )
        const mapping = yield* validMapping(input.mapping)
        if ((yield* repo.countSources) >= MAX_SOURCES)
          return yield* ValidationError.field("school_id", `a tenant has at most ${MAX_SOURCES} timetable sources`)
        const id = yield* newId(TimetableSourceId)
        const at = yield* DateTime.now
        yield* repo.insertSource({
          id,
          school_id: school.id,
          url_enc: yield* envelope.encrypt(url.href, urlAad(yield* tenantId, id)),
          url_hint: urlHint(url),
          mapping,
          interval_minutes: interval,
          enabled: input.enabled ?? true,
          at
        })
        const source = yield* getSource(id)
        yield* audit.record({
          action: "academics.timetable_source.created",
          targetType: "timetable_source",
          targetId: id,
          after: source
        })
        yield* events.publish({ type: "signet.academics.timetable_source.created", subject: id, data: source })
        return source
      })
    )

  const findRow = (id: string) =>
    Effect.flatMap(Schema.is(TimetableSourceId)(id) ? repo.findSource(id) : Effect.succeed(Option.none()), (row) =>
      Option.match(row, { onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed })
    )

  /** A source of the current tenant. @errors TimetableSourceNotFound */
  const getSource = (id: string) => inTx(Effect.map(findRow(id), present))

  /** The tenant's sources, oldest first. */
  const listSources = inTx(Effect.map(repo.listSources, (rows) => rows.map(present)))

  /** Removes a source (its courses stay). @errors TimetableSourceNotFound */
  const removeSource = (id: string) =>
    inTx(
      Effect.gen(function* () {
        const source = present(yield* findRow(id))
        yield* repo.deleteSource(source.id)
        yield* audit.record({
          action: "academics.timetable_source.deleted",
          targetType: "timetable_source",
          targetId: id,
          before: source
        })
        yield* events.publish({ type: "signet.academics.timetable_source.deleted", subject: id, data: source })
        return source
      })
    )

  return { addSource, getSource, listSources, removeSource, findRow } as const
}
