/**
 * Activities follow their deleted target (issue 22 "deleted with their
 * target's retention rules"). Internal to `Activities.ts`.
 *
 * The events subscriber `activities-deleted-targets` listens for
 * `signet.user.deleted` (identity) and `signet.academics.school|classroom|
 * group|course.deleted` (academics soft deletes) and soft-deletes every
 * live note, task, call log, calendar event, carbon footprint and
 * attachment of that target in its tenant, as the system actor, in one
 * transaction: from then on the retention purge (`Purge.ts`) deletes them
 * for good after the tenant's `activities.deleted_retention_days`, and until
 * then they can be restored like any deleted activity (if the target comes
 * back). Reviews of the target are left alone (they have no soft delete;
 * deleting them would be final at once). One audit row
 * `activities.target_deleted` (target: the deleted entity; `after`: the
 * counts per table) when anything changed; no per-activity events.
 * Delivery is at least once: a second delivery finds nothing live and
 * changes nothing.
 *
 * @module
 */
import type { Target } from "@signet/contracts/activities/Domain"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Effect } from "effect"
import type { Events } from "../events/Events.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import type { ActivityDeps } from "./Kit.js"

/** The subscriber's name (delivery bookkeeping is keyed by it). */
export const DELETED_TARGETS_SUBSCRIBER = "activities-deleted-targets"

/** The deletion events followed, and the target type each names (the event's `subject` is the target's id). */
export const DELETED_TARGET_TYPES: Readonly<Record<string, Target["target_type"]>> = {
  "signet.user.deleted": "user",
  "signet.academics.school.deleted": "school",
  "signet.academics.classroom.deleted": "classroom",
  "signet.academics.group.deleted": "group",
  "signet.academics.course.deleted": "course"
}

/** Subscribes activities to their targets' deletions; see the module comment. */
export const subscribeDeletedTargets = ({ audit, inTx, repo }: ActivityDeps, events: Events, tenancy: Tenancy) => {
  /** Soft-deletes the activities of the target `event` deleted. */
  const handle = (event: CloudEvent) =>
    Effect.gen(function* () {
      const targetType = DELETED_TARGET_TYPES[event.type]
      if (targetType === undefined || !event.subject || !event.tenantid) return
      const tenant = yield* tenancy.getById(event.tenantid as TenantId)
      const target: Target = { target_type: targetType, target_id: event.subject }
      yield* inTx(
        Effect.gen(function* () {
          const changed = yield* repo.softDeleteTarget(target, yield* DateTime.now)
          if (Object.values(changed).some((n) => n > 0))
            yield* audit.record({
              action: "activities.target_deleted",
              targetType,
              targetId: event.subject!,
              after: { event_id: event.id, ...changed }
            })
        })
      ).pipe(
        Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
        Effect.provideService(CurrentActor, systemActor)
      )
    }).pipe(Effect.withSpan("Activities.followDeletedTarget"))

  return events.subscribe({ name: DELETED_TARGETS_SUBSCRIBER, types: Object.keys(DELETED_TARGET_TYPES), handle })
}
