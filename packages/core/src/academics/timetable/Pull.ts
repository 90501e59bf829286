/**
 * Pulling timetable sources (issue 16 "Sync mode", scheduled pull): one
 * source now (`pullSource`), the current tenant's due sources (`pullDue`),
 * and the leader-elected job over every active tenant (`sourcesJob`). See
 * `Sources.ts` for what a pull does. Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { type SchoolId, TimetablePullFailed, TimetablePullResult } from "@signet/contracts/academics/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Duration, Effect, Redacted } from "effect"
import type { Envelope } from "../../kernel/Crypto.js"
import { acquireLease, releaseLease } from "../../kernel/Leases.js"
import { Tenancy } from "../../tenancy/Tenancy.js"
import { parseTimetableEffect, type TimetableMapping } from "../ICalendar.js"
import type { SourceRow } from "../repo/Sources.js"
import type { Deps } from "./Deps.js"
import { type FetchOptions, fetchCalendar } from "./Fetch.js"
import { type makeSources, urlAad } from "./Sources.js"
import type { makeSync } from "./Sync.js"

/** Pulls of timetable sources over the timetable's dependencies, the envelope, the sync and the sources. */
export const makePulls = (
  deps: Deps,
  envelope: Envelope["Type"],
  sql: SqlClient.SqlClient,
  syncPlan: ReturnType<typeof makeSync>["syncPlan"],
  { findRow }: Pick<ReturnType<typeof makeSources>, "findRow">
) => {
  const { repo, academics, inTx } = deps
  const tenantId = Effect.map(CurrentTenant, (t) => t.id as string)

  /** Records a pull's outcome on its source, the next pull one interval later. */
  const record = (
    row: SourceRow,
    state: {
      status: "not_modified" | "synced" | "failed"
      error?: string
      etag?: string | null
      lastModified?: string | null
    }
  ) =>
    Effect.gen(function* () {
      const at = yield* DateTime.now
      yield* repo.recordPull(row.id, {
        last_pulled_at: at,
        next_pull_at: DateTime.addDuration(at, Duration.minutes(row.interval_minutes)),
        last_status: state.status,
        last_error: state.error ?? null,
        ...(state.status === "synced" ? { etag: state.etag ?? null, last_modified: state.lastModified ?? null } : {})
      })
    })

  /** One pull of a found source: fetch, then (when changed) parse and sync, recording the outcome. */
  const pullRow = (row: SourceRow, options: FetchOptions) =>
    Effect.gen(function* () {
      const school = yield* academics.getSchool(row.school_id as SchoolId)
      const url = yield* envelope.decryptString(row.url_enc, urlAad(yield* tenantId, row.id)).pipe(Effect.orDie)
      const fetched = yield* fetchCalendar(
        Redacted.value(url),
        { etag: row.etag, lastModified: row.last_modified },
        options
      ).pipe(Effect.mapError((e) => new TimetablePullFailed({ message: e.message, source_id: row.id })))
      if (fetched.status === "not_modified") {
        yield* inTx(record(row, { status: "not_modified" }))
        return new TimetablePullResult({ source_id: row.id, status: "not_modified", summary: null })
      }
      const mapping = (row.mapping ?? {}) as TimetableMapping
      const plan = yield* parseTimetableEffect(fetched.body, {
        ...mapping,
        timezone: mapping.timezone ?? school.timezone
      })
      const window =
        mapping.windowStart !== undefined && mapping.windowEnd !== undefined
          ? { start: mapping.windowStart, end: mapping.windowEnd }
          : undefined
      const summary = yield* inTx(
        Effect.tap(syncPlan(school.id, plan, { window }), () =>
          record(row, { status: "synced", etag: fetched.etag, lastModified: fetched.lastModified })
        )
      )
      return new TimetablePullResult({ source_id: row.id, status: "synced", summary })
    }).pipe(
      // Whatever failed (the school gone, the fetch, the calendar, the sync) is recorded on the
      // source; its validators stay, so the next pull fetches again.
      Effect.tapError((e) => inTx(record(row, { status: "failed", error: e.message })))
    )

  /**
   * Pulls a source now (see the module comment); `options.allowInsecureHttp`
   * as in `Fetch.ts` (the job's setting; never from a request).
   * @errors TimetableSourceNotFound, and recorded on the source: AcademicsNotFound (its school
   *   was deleted), TimetablePullFailed (the fetch failed), the sync's errors (ValidationError,
   *   TimetableImportFailed)
   */
  const pullSource = (id: string, options: FetchOptions = {}) =>
    Effect.flatMap(inTx(findRow(id)), (row) => pullRow(row, options)).pipe(Effect.withSpan("Timetable.pullSource"))

  /** Pulls the current tenant's due sources; answers how many were pulled (failures are recorded on them, and logged without their URL). */
  const pullDue = (options: FetchOptions = {}) =>
    Effect.gen(function* () {
      const due = yield* inTx(repo.dueSources(yield* DateTime.now))
      for (const row of due)
        yield* pullSource(row.id, options).pipe(
          Effect.catchAll((e) =>
            Effect.logWarning("timetable source pull failed", { source: row.id, reason: e.message })
          )
        )
      return due.length
    })

  /**
   * The pull scheduler: every `intervalMs` (default one minute) the replica
   * holding the `timetable.sources` lease pulls the due sources of every
   * active tenant as the system actor. Runs until interrupted, then
   * releases the lease. Requires `Tenancy`.
   */
  const sourcesJob = (options: FetchOptions & { readonly intervalMs?: number | undefined } = {}) => {
    const intervalMs = options.intervalMs ?? 60_000
    const holder = `${process.pid}-${Crypto.randomUUID()}`
    const lease = "timetable.sources"
    const withSql = Effect.provideService(SqlClient.SqlClient, sql)
    const tick = Effect.gen(function* () {
      if (!(yield* withSql(acquireLease(lease, holder, intervalMs * 2)))) return
      const tenancy = yield* Tenancy
      let cursor: string | undefined
      do {
        const page = yield* tenancy
          .list({ status: "active", limit: 200, ...(cursor ? { cursor } : {}) })
          .pipe(Effect.orDie)
        for (const t of page.items)
          yield* pullDue(options).pipe(
            Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug }),
            Effect.provideService(CurrentActor, systemActor)
          )
        cursor = page.next_cursor ?? undefined
      } while (cursor)
    }).pipe(Effect.catchAllCause((cause) => Effect.logError("timetable sources job failed", cause)))
    return Effect.forever(Effect.zipRight(tick, Effect.sleep(intervalMs))).pipe(
      Effect.ensuring(withSql(releaseLease(lease, holder)))
    )
  }

  return { pullSource, pullDue, sourcesJob } as const
}
