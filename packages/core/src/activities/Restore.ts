/**
 * Restore of soft-deleted activities (issue 22 "soft delete and restore"):
 * a deleted note, task, call log, calendar event, attachment or carbon
 * footprint becomes live again.
 * Internal to `Activities.ts`.
 *
 * - **Who**: the same right as deleting it — its author or a holder of
 *   `activities:admin` (and `activities:write` through the facade); its
 *   target must still be visible to the caller.
 * - **Not found**: an unknown id, another tenant's, or one whose target the
 *   caller cannot see answers `ActivityNotFound` (404), as for reads.
 * - **Live**: restoring a live activity answers `Conflict` (409) and
 *   changes nothing — a restore is not silently idempotent, so a client
 *   learns its view was stale. Two restores at once restore once (the
 *   update is conditional on `deleted_at IS NOT NULL`); the loser gets 409.
 * - **Limits**: a restored note or task counts again toward its target's
 *   `MAX_NOTES_PER_TARGET` / `MAX_TASKS_PER_TARGET` (400 at the limit),
 *   calls, events, attachments and footprints toward theirs. A soft-deleted attachment
 *   kept its versions and blobs, so restoring it stores nothing and the
 *   tenant's storage total does not change.
 * - **Retention**: a deleted one can be restored within the tenant's
 *   `activities.deleted_retention_days` (default 30); past it `Purge.ts`
 *   deletes it for good and it answers `ActivityNotFound`.
 * - Audited `activities.<kind>.restored` (before: the deleted row, after:
 *   the live one) and published `signet.activities.<kind>.restored`, in the
 *   restoring transaction. A restored event's attendees are indexed again
 *   (its `.ics` export); restored notes, tasks and events are searchable
 *   again (the search triggers follow `deleted_at`).
 *
 * @module
 */

import { AttachmentId, MAX_ATTACHMENTS_PER_TARGET } from "@signet/contracts/activities/Attachments"
import { FootprintId, MAX_FOOTPRINTS_PER_TARGET } from "@signet/contracts/activities/Carbon"
import {
  ActivityRestored,
  MAX_NOTES_PER_TARGET,
  MAX_TASKS_PER_TARGET,
  NoteId,
  type RestorableKind,
  type Target,
  TaskId
} from "@signet/contracts/activities/Domain"
import { CalendarEventId, CallLogId } from "@signet/contracts/activities/Schedule"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect, Option, Schema } from "effect"
import { MAX_EVENTS_PER_TARGET } from "./CalendarEvents.js"
import { MAX_CALLS_PER_TARGET } from "./Calls.js"
import {
  type ActivityDeps,
  type ActivityKind,
  activityNotFound,
  type CheckTarget,
  changeRecorder,
  requireAuthorOrAdmin
} from "./Kit.js"
import { presentNote } from "./Notes.js"

/** What a kind's restore is made of: its row readers, its conditional restore and its target limit. */
interface Spec<A extends Target & { readonly id: string; readonly author_id: string }, R> {
  readonly kind: ActivityKind
  readonly isId: (id: string) => boolean
  readonly find: (id: string, deleted: boolean) => Effect.Effect<Option.Option<A>, never, R>
  readonly restore: (row: A) => Effect.Effect<boolean, never, R>
  readonly count: (target: Target) => Effect.Effect<number, never, R>
  readonly max: number
}

/** The restore operation over `deps`; see the module comment. */
export const makeRestore = ({ access, audit, events, inTx, repo }: ActivityDeps, check: CheckTarget) => {
  /**
   * Restores the soft-deleted activity of `spec` with id `id`.
   * @errors ActivityNotFound, Conflict, Forbidden, ValidationError (target limit)
   */
  const restoreOne = <A extends Target & { readonly id: string; readonly author_id: string }, R>(
    spec: Spec<A, R>,
    id: string,
    present: (row: A) => { readonly id: string } = (row) => row
  ) =>
    Effect.gen(function* () {
      const notFound = activityNotFound(spec.kind, id)
      if (!spec.isId(id)) return yield* notFound
      const deleted = yield* inTx(spec.find(id, true))
      if (Option.isNone(deleted)) {
        const live = yield* inTx(spec.find(id, false))
        if (Option.isNone(live)) return yield* notFound
        yield* Effect.mapError(check(live.value), () => notFound)
        return yield* new Conflict({ message: `${spec.kind} ${id} is not deleted` })
      }
      const row = deleted.value
      yield* Effect.mapError(check(row), () => notFound)
      yield* requireAuthorOrAdmin(access, row.author_id)
      const changed = changeRecorder({ audit, events }, spec.kind)
      return yield* inTx(
        Effect.gen(function* () {
          if ((yield* spec.count(row)) >= spec.max)
            return yield* ValidationError.field("target_id", `a target has at most ${spec.max} ${spec.kind}s`)
          if (!(yield* spec.restore(row))) return yield* new Conflict({ message: `${spec.kind} ${id} is not deleted` })
          const after = Option.getOrThrow(yield* spec.find(id, false))
          yield* changed("restored", present(after), present(row))
          return new ActivityRestored({ kind: kindPath[spec.kind], id })
        })
      )
    })

  const orDie = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.orDie(self)
  const kindPath: Record<string, RestorableKind> = {
    note: "notes",
    task: "tasks",
    call: "calls",
    event: "events",
    attachment: "attachments",
    footprint: "footprints"
  }

  /**
   * Restores the soft-deleted activity `id` of `kind` (its path segment).
   * @errors ActivityNotFound, Conflict, Forbidden, ValidationError
   */
  const restore = (kind: RestorableKind, id: string) => {
    switch (kind) {
      case "notes":
        return restoreOne(
          {
            kind: "note",
            isId: Schema.is(NoteId),
            find: (i, d) => orDie(repo.findNote(i, d)),
            restore: (r) => orDie(repo.restoreNote(r.id)),
            count: (t) => orDie(repo.countNotes(t)),
            max: MAX_NOTES_PER_TARGET
          },
          id,
          presentNote
        )
      case "tasks":
        return restoreOne(
          {
            kind: "task",
            isId: Schema.is(TaskId),
            find: (i, d) => orDie(repo.findTask(i, d)),
            restore: (r) => orDie(repo.restoreTask(r.id)),
            count: (t) => orDie(repo.countTasks(t)),
            max: MAX_TASKS_PER_TARGET
          },
          id
        )
      case "calls":
        return restoreOne(
          {
            kind: "call",
            isId: Schema.is(CallLogId),
            find: (i, d) => orDie(repo.findCall(i, d)),
            restore: (r) => orDie(repo.restoreCall(r.id)),
            count: (t) => orDie(repo.countCalls(t)),
            max: MAX_CALLS_PER_TARGET
          },
          id
        )
      case "events":
        return restoreOne(
          {
            kind: "event",
            isId: Schema.is(CalendarEventId),
            find: (i, d) => orDie(repo.findEvent(i, d)),
            restore: (r) => orDie(repo.restoreEvent(r.id, r.attendees)),
            count: (t) => orDie(repo.countEvents(t)),
            max: MAX_EVENTS_PER_TARGET
          },
          id
        )
      case "attachments":
        return restoreOne(
          {
            kind: "attachment",
            isId: Schema.is(AttachmentId),
            find: (i, d) => orDie(repo.findAttachment(i, d)),
            restore: (r) => orDie(repo.restoreAttachment(r.id)),
            count: (t) => orDie(repo.countAttachments(t)),
            max: MAX_ATTACHMENTS_PER_TARGET
          },
          id
        )
      case "footprints":
        return restoreOne(
          {
            kind: "footprint",
            isId: Schema.is(FootprintId),
            find: (i, d) => orDie(repo.findFootprint(i, d)),
            restore: (r) => orDie(repo.restoreFootprint(r.id)),
            count: (t) => orDie(repo.countFootprints(t)),
            max: MAX_FOOTPRINTS_PER_TARGET
          },
          id
        )
    }
  }

  return { restore } as const
}
