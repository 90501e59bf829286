/**
 * What the activities seams (`Targets.ts`, `Notes.ts`, `Tasks.ts`,
 * `Reviews.ts`, `Timeline.ts`) are built from, and the small helpers they
 * share: the caller's reference, the edit right, paging. Internal to the
 * activities module.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import {
  ActivityNotFound,
  type ActivityPaging,
  DEFAULT_ACTIVITY_PAGE,
  MAX_ACTIVITY_PAGE,
  type Target,
  type TargetNotFound
} from "@signet/contracts/activities/Domain"
import { CurrentActor, type CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { decodeCursor, encodeCursor } from "@signet/contracts/kernel/Pagination"
import { type Context, Effect, Option } from "effect"
import type { Academics } from "../academics/Academics.js"
import type { Access } from "../access/Access.js"
import type { Audit } from "../audit/Audit.js"
import type { Beacons } from "../beacon/Beacons.js"
import type { Events } from "../events/Events.js"
import type { Identity } from "../identity/Users.js"
import type { ActivitiesRepo } from "./Repo.js"

/** The services other modules own that activities reaches through their facades or service API. */
export type Owners = Academics | Identity | Beacons | Access

/** What the activities operations are built from. */
export interface ActivityDeps {
  readonly repo: ActivitiesRepo
  readonly audit: Audit
  readonly events: Events
  readonly identity: Identity
  readonly access: Access
  /** The owning modules' services, provided to their facades' calls. */
  readonly ctx: Context.Context<Owners>
  /** Runs an effect in a transaction of the current tenant on the service's database. */
  readonly inTx: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, Exclude<E, SqlError>, Exclude<R, SqlClient.SqlClient> | CurrentTenant>
}

/** The target check of `Targets.ts`: the target exists in the tenant and the caller may read it. */
export type CheckTarget = (target: Target) => Effect.Effect<void, TargetNotFound, CurrentTenant | CurrentActor>

/**
 * The kinds of activities: audited as target type `activity_<kind>`,
 * published as `signet.activities.<kind>.<action>`.
 */
export type ActivityKind = "note" | "task" | "review" | "call" | "event" | "attachment" | "footprint" | "channel"

/** The 404 of a note, task, review, call log, event, attachment or carbon footprint (also when its target is not visible to the caller). */
export const activityNotFound = (kind: ActivityKind, id: string) =>
  new ActivityNotFound({ message: `no ${kind} ${id}`, kind, id })

/**
 * A reader of live activities of `kind` by id whose target the caller can
 * see: `find` loads one in a tenant transaction (an id `isId` refuses loads
 * nothing), `check` is the target check. Another tenant's, a deleted one
 * and one on an invisible target answer the same 404.
 * @errors ActivityNotFound
 */
export const visibleFinder =
  <A extends Target, E, R>(
    inTx: ActivityDeps["inTx"],
    check: CheckTarget,
    kind: ActivityKind,
    isId: (id: string) => boolean,
    find: (id: string) => Effect.Effect<Option.Option<A>, E, R>
  ) =>
  (id: string) =>
    Effect.gen(function* () {
      const row = isId(id) ? yield* inTx(find(id)) : Option.none<A>()
      if (Option.isNone(row)) return yield* activityNotFound(kind, id)
      yield* Effect.mapError(check(row.value), () => activityNotFound(kind, id))
      return row.value
    })

/**
 * Records a change of an activity of `kind`, in the caller's transaction:
 * one audit row (`activities.<kind>.<action>`, before and after) and one
 * CloudEvent (`signet.activities.<kind>.<action>`).
 */
export const changeRecorder =
  ({ audit, events }: Pick<ActivityDeps, "audit" | "events">, kind: ActivityKind) =>
  <A extends { readonly id: string }>(action: string, activity: A, before?: A) =>
    Effect.zipRight(
      audit.record({
        action: `activities.${kind}.${action}`,
        targetType: `activity_${kind}`,
        targetId: activity.id,
        ...(before ? { before } : {}),
        after: activity
      }),
      events.publish({ type: `signet.activities.${kind}.${action}`, subject: activity.id, data: activity })
    )

/** The caller as an activity's author: its id (a user id for users), or its kind when it has none. */
export const actorRef = Effect.map(CurrentActor, (a) => a.id ?? a.kind)

/**
 * Fails unless the caller wrote the activity or holds `activities:admin`
 * (issue 22: "edit only by author or permission holder").
 * @errors Forbidden
 */
export const requireAuthorOrAdmin = (access: Access, authorId: string) =>
  Effect.gen(function* () {
    const actor = yield* CurrentActor
    if (actor.id !== null && actor.id === authorId) return
    if (yield* access.checkActor(actor, "activities:admin")) return
    return yield* new Forbidden({
      message: "only its author or a holder of activities:admin may change it",
      permission: "activities:admin"
    })
  })

/**
 * The page size and the id after which a page starts.
 * @errors ValidationError (cursor, limit)
 */
export const paging = (p: ActivityPaging) =>
  Effect.gen(function* () {
    const limit = p.limit ?? DEFAULT_ACTIVITY_PAGE
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ACTIVITY_PAGE)
      return yield* ValidationError.field("limit", `must be an integer from 1 to ${MAX_ACTIVITY_PAGE}`)
    return { limit, after: yield* decodeCursor(p.cursor) }
  })

/** A page from `limit + 1` rows fetched newest first: the extra row only tells that another page exists. */
export const toPage = <A extends { readonly id: string }>(rows: ReadonlyArray<A>, limit: number) => {
  const items = rows.slice(0, limit)
  return { items, next_cursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null }
}

/** Passes when `id` is absent or a user of the current tenant. @errors ValidationError (assignee_id) */
export const checkAssignee = (identity: Identity, id: UserId | null | undefined) =>
  id === null || id === undefined
    ? Effect.void
    : Effect.flatMap(identity.exists(id), (ok) =>
        ok ? Effect.void : ValidationError.field("assignee_id", "is not a user of the tenant")
      )
