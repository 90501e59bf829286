/**
 * The retention purge of soft-deleted activities (issue 22 "soft delete",
 * attachments "deleted with their target's retention rules"). Internal to
 * `Activities.ts`.
 *
 * - **Window**: the tenant setting `activities.deleted_retention_days`
 *   (default 30, 1–3650). A soft-deleted note, task, call log, calendar
 *   event, carbon footprint or attachment whose `deleted_at` is older than
 *   the window is deleted for good; until then it can be restored
 *   (`Restore.ts`). Reviews have no soft delete (deleting one removes it at
 *   once), so there is nothing of theirs to purge.
 * - **Attachments**: an expired attachment goes with all its versions;
 *   then each of their blobs that no remaining version of the tenant (live
 *   or soft-deleted) references loses its row and is deleted from the
 *   {@link AttachmentStore} — a blob shared with another attachment
 *   (de-duplication by hash) stays. The store delete is the transaction's
 *   last step, so a failing statement deletes no file.
 * - **Links**: a purged note's link from call logs (`note_id`) is cleared;
 *   a purged event's attendee rows go with it; the search index follows
 *   the deletes (triggers on SQLite, generated columns on Postgres).
 * - **Bounded**: at most {@link PURGE_BATCH} rows per kind per tenant per
 *   run, in one transaction per tenant; the rest follow on the next run.
 * - **Audit**: one row `activities.purged` per tenant and run that purged
 *   anything (target: the tenant; `after`: the counts per kind, the blobs
 *   deleted and the window), as the system actor.
 * - **Job** `activities.purge_deleted`: every `intervalMs` (default one
 *   hour) on the replica holding its lease (`kernel/Leases.ts`), over every
 *   active tenant; a failure for one tenant is logged and the others go on.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect } from "effect"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import { sumOverActiveTenants } from "../tenancy/EachTenant.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import type { AttachmentStore } from "./AttachmentStore.js"
import type { ActivityDeps } from "./Kit.js"
import type { PurgeTable } from "./PurgeRepo.js"

/** Rows one run deletes at most per kind per tenant. */
export const PURGE_BATCH = 500

/** The lease (and job) name. */
export const PURGE_JOB = "activities.purge_deleted"

/** The tenant setting holding the retention window of soft-deleted activities, in days. */
export const RETENTION_SETTING = "activities.deleted_retention_days"

/** What one run purged in one tenant: rows per kind and blobs deleted from the store. */
export interface PurgeCounts {
  readonly notes: number
  readonly tasks: number
  readonly calls: number
  readonly events: number
  readonly footprints: number
  readonly attachments: number
  readonly blobs: number
}

const TABLES: ReadonlyArray<readonly [keyof PurgeCounts, PurgeTable]> = [
  ["notes", "activity_notes"],
  ["tasks", "activity_tasks"],
  ["calls", "activity_calls"],
  ["events", "activity_events"],
  ["footprints", "activity_carbon_footprints"]
]

/** The purge operations over `deps` and `store`; see the module comment. */
export const makePurge = ({ audit, inTx, repo }: ActivityDeps, store: AttachmentStore["Type"]) => {
  /**
   * Purges the current tenant's activities soft-deleted more than
   * `retentionDays` days ago (at most {@link PURGE_BATCH} per kind); answers
   * the counts. Audited once (`activities.purged`) when anything went.
   */
  const purgeDeleted = (retentionDays: number) =>
    inTx(
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const cutoff = DateTime.subtract(yield* DateTime.now, { days: retentionDays })
        const counts: Record<keyof PurgeCounts, number> = {
          notes: 0,
          tasks: 0,
          calls: 0,
          events: 0,
          footprints: 0,
          attachments: 0,
          blobs: 0
        }
        for (const [kind, table] of TABLES) counts[kind] = yield* repo.purgeExpired(table, cutoff, PURGE_BATCH)
        const files = yield* repo.purgeExpiredAttachments(cutoff, PURGE_BATCH)
        counts.attachments = files.attachments
        counts.blobs = files.blobs.length
        if (Object.values(counts).some((n) => n > 0))
          yield* audit.record({
            action: "activities.purged",
            targetType: "tenant",
            targetId: tenant.id,
            after: { ...counts, retention_days: retentionDays, deleted_before: DateTime.formatIso(cutoff) }
          })
        // Last: the rows are gone in this transaction, no version references these blobs.
        for (const sha256 of files.blobs) yield* store.delete({ tenant_id: tenant.id, sha256 })
        return counts as PurgeCounts
      })
    ).pipe(Effect.withSpan("Activities.purgeDeleted"))

  /** One run over every active tenant (as the system) with each tenant's window; answers the rows purged in all. */
  const purgeAllTenants = (tenancy: Tenancy) =>
    sumOverActiveTenants(tenancy, "activities purge", (t) =>
      tenancy.settingValue<number>(t.id, RETENTION_SETTING).pipe(
        Effect.flatMap(purgeDeleted),
        Effect.map((c) => c.notes + c.tasks + c.calls + c.events + c.footprints + c.attachments)
      )
    )

  /** The `activities.purge_deleted` job: every `intervalMs` on the lease holder; runs until interrupted. */
  const purgeJob = (tenancy: Tenancy, options: { readonly intervalMs?: number } = {}) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => {
      const intervalMs = options.intervalMs ?? 3_600_000
      const holder = `${process.pid}-${Crypto.randomUUID()}`
      const tick = Effect.gen(function* () {
        if (!(yield* acquireLease(PURGE_JOB, holder, intervalMs * 2))) return
        const purged = yield* purgeAllTenants(tenancy)
        if (purged > 0) yield* Effect.logInfo(`activities: ${purged} soft-deleted activities purged`)
      }).pipe(Effect.catchAllCause((cause) => Effect.logError("activities purge job failed", cause)))
      return Effect.forever(Effect.zipRight(tick, Effect.sleep(intervalMs))).pipe(
        Effect.ensuring(releaseLease(PURGE_JOB, holder)),
        Effect.provideService(SqlClient.SqlClient, sql)
      )
    })

  return { purgeDeleted, purgeAllTenants, purgeJob } as const
}
