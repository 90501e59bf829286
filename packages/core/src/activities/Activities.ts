/**
 * The activities service, first slice (issue 22; seed 001 "Extended
 * Tables"): notes (`Notes.ts`), tasks (`Tasks.ts`), reviews (`Reviews.ts`)
 * and the timeline (`Timeline.ts`) of any target (`Targets.ts`), over
 * `ActivitiesRepo`. Operations take the tenant and actor from context;
 * permissions are on the facade (`Admin.ts`). Targets of Signet's own types
 * are checked through their owning module's facade with the caller's
 * permissions, so the service holds the owners' services (academics,
 * identity, beacons, access) and provides them to those calls.
 *
 * Second slice: call logs (`Calls.ts`) and calendar events with RRULE
 * occurrences and a per-user `.ics` export (`CalendarEvents.ts`,
 * `Occurrences.ts`, `Recurrence.ts`), both in the timeline.
 *
 * Third slice: task reminders (`Reminders.ts`: the
 * `activities.task_reminders` job emits `signet.activities.task.reminder_due`
 * once per reminder); attachments (`Attachments.ts`, `AttachmentFiles.ts`),
 * their bytes in the {@link AttachmentStore} the service is given.
 *
 * Retention (`Purge.ts`, `PurgeRepo.ts`): the `activities.purge_deleted`
 * job deletes soft-deleted activities past the tenant's
 * `activities.deleted_retention_days`, and attachment blobs no version
 * references any more; a deleted user, school, classroom, group or course
 * soft-deletes its activities (`DeletedTargets.ts`, an events subscriber).
 *
 * Full-text search across notes, tasks, events, calls and reviews (`Search.ts`,
 * `SearchRepo.ts`, migration 0004 in `SearchMigration.ts`).
 *
 * Carbon footprints (`Carbon.ts`, `CarbonUnits.ts`, `CarbonRepo.ts`,
 * migration 0008 in `CarbonMigration.ts`): kg CO₂e computed through a unit
 * library, totals per target and tenant; `carbon:read|write` on the facade.
 *
 * Channel configs (`Channels.ts`, `ChannelRepo.ts`, migration 0009): the
 * tenant's communication channels with encrypted credentials; `resolve`
 * hands an enabled channel with decrypted credentials to in-process
 * senders (accounts' SMS).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTx } from "../kernel/Database.js"
import { Quotas } from "../kernel/Quotas.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { AttachmentStore } from "./AttachmentStore.js"
import { makeAttachments } from "./Attachments.js"
import { makeCalendarEvents } from "./CalendarEvents.js"
import { makeCalls } from "./Calls.js"
import { makeCarbon } from "./Carbon.js"
import { channelsAllowPrivateTargets, makeChannels } from "./Channels.js"
import { subscribeDeletedTargets } from "./DeletedTargets.js"
import type { Owners } from "./Kit.js"
import { makeNotes } from "./Notes.js"
import { makeOccurrences } from "./Occurrences.js"
import { makePurge } from "./Purge.js"
import { makeReminders } from "./Reminders.js"
import { ActivitiesRepo } from "./Repo.js"
import { makeRestore } from "./Restore.js"
import { makeReviews } from "./Reviews.js"
import { makeSearch } from "./Search.js"
import { makeTargets } from "./Targets.js"
import { makeTasks } from "./Tasks.js"
import { makeTimeline } from "./Timeline.js"

export type { ListTasks } from "./Tasks.js"

/** Notes, tasks, reviews, call logs, calendar events, attachments, carbon footprints, timelines of any target and full-text search; see the module comment. */
export class Activities extends Effect.Service<Activities>()("Signet/Activities", {
  effect: Effect.gen(function* () {
    const repo = yield* ActivitiesRepo
    const audit = yield* Audit
    const events = yield* Events
    const identity = yield* Identity
    const access = yield* Access
    const ctx = yield* Effect.context<Owners>()
    const sql = yield* SqlClient.SqlClient
    const store = yield* AttachmentStore
    const quotas = yield* Quotas
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql)) as Effect.Effect<
        A,
        Exclude<E, SqlError>,
        Exclude<R, SqlClient.SqlClient> | CurrentTenant
      >
    const deps = { repo, audit, events, identity, access, ctx, inTx }
    const targets = makeTargets(deps)
    const notes = makeNotes(deps, targets.check)
    const tasks = makeTasks(deps, targets.check)
    const reviews = makeReviews(deps, targets.check)
    const calls = makeCalls(deps, targets.check)
    const calendar = { ...makeCalendarEvents(deps, targets.check), ...makeOccurrences(deps, targets.check) }
    const attachments = makeAttachments(deps, store, targets.check, quotas)
    const carbon = makeCarbon(deps, targets.check)
    const { timeline } = makeTimeline(deps, targets.check)
    const { remindDue, remindAllTenants, remindersJob } = makeReminders(deps)
    const reminders = {
      remindDue,
      remindAllTenants,
      remindersJob: (...args: Parameters<typeof remindersJob>) =>
        remindersJob(...args).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    }
    const { purgeDeleted, purgeAllTenants, purgeJob } = makePurge(deps, store)
    const purge = {
      purgeDeleted,
      purgeAllTenants,
      purgeJob: (...args: Parameters<typeof purgeJob>) =>
        purgeJob(...args).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    }
    // A deleted user, school, classroom, group or course takes its activities along (soft delete, then the purge).
    yield* subscribeDeletedTargets(deps, events, yield* Tenancy)
    const { search } = makeSearch(deps, targets.check)
    const { restore } = makeRestore(deps, targets.check)
    const channels = makeChannels(deps, yield* Envelope, yield* channelsAllowPrivateTargets.pipe(Effect.orDie))
    return {
      targets,
      notes,
      tasks,
      reviews,
      calls,
      calendar,
      attachments,
      carbon,
      timeline,
      reminders,
      purge,
      search,
      restore,
      channels
    } as const
  }),
  dependencies: [ActivitiesRepo.Default]
}) {}
