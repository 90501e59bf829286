/**
 * Calendar events on a target (issue 22 "Calendar events"; seed 001
 * `events` with `eventable_type/eventable_id`): title, description, start
 * and end, all-day, IANA time zone, location, attendees, RRULE, soft
 * delete (occurrences and the `.ics` export are in `Occurrences.ts`).
 * Internal to `Activities.ts`.
 *
 * Checks (each a 400 `ValidationError` naming its field, nothing written):
 * - `ends_at` after `starts_at`, at most `MAX_OCCURRENCE_WINDOW_DAYS` days
 *   apart; an all-day event starts and ends at UTC midnights (dates, end
 *   exclusive);
 * - `time_zone` a zone of the runtime's IANA database;
 * - attendees: at most `MAX_EVENT_ATTENDEES`, distinct, users of the tenant;
 * - `rrule`: see `Recurrence.ts` (ical.js; bounded expansion).
 *
 * Rights as notes: reading needs the target visible (`Targets.ts`);
 * changing or deleting needs to be the author or to hold
 * `activities:admin`. Every change writes one audit row (before/after) and
 * one event `signet.activities.event.created|updated|deleted`.
 *
 * @module
 */
import { type ActivityPaging, MAX_NOTES_PER_TARGET, type Target } from "@signet/contracts/activities/Domain"
import {
  CalendarEventId,
  type CreateCalendarEvent,
  MAX_EVENT_ATTENDEES,
  MAX_OCCURRENCE_WINDOW_DAYS,
  type UpdateCalendarEvent
} from "@signet/contracts/activities/Schedule"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Identity } from "../identity/Users.js"
import {
  type ActivityDeps,
  actorRef,
  type CheckTarget,
  changeRecorder,
  paging,
  requireAuthorOrAdmin,
  toPage,
  visibleFinder
} from "./Kit.js"
import { rruleProblem } from "./Recurrence.js"
import type { EventFields } from "./ScheduleRepo.js"

/** Live events per target at most (as notes). */
export const MAX_EVENTS_PER_TARGET = MAX_NOTES_PER_TARGET
const DAY_MS = 86_400_000
const isMidnight = (d: DateTime.Utc) => DateTime.toEpochMillis(d) % DAY_MS === 0

/** Checks an event's fields as a whole. @errors ValidationError (see the module comment) */
const checkEvent = (identity: Identity, f: EventFields) =>
  Effect.gen(function* () {
    const length = DateTime.toEpochMillis(f.ends_at) - DateTime.toEpochMillis(f.starts_at)
    if (length <= 0) return yield* ValidationError.field("ends_at", "must be after starts_at")
    if (length > MAX_OCCURRENCE_WINDOW_DAYS * DAY_MS)
      return yield* ValidationError.field(
        "ends_at",
        `must be at most ${MAX_OCCURRENCE_WINDOW_DAYS} days after starts_at`
      )
    if (f.all_day && !(isMidnight(f.starts_at) && isMidnight(f.ends_at)))
      return yield* ValidationError.field("starts_at", "an all-day event starts and ends at UTC midnight (dates)")
    if (Option.isNone(DateTime.zoneMakeNamed(f.time_zone)))
      return yield* ValidationError.field("time_zone", "is not an IANA time zone")
    if (f.attendees.length > MAX_EVENT_ATTENDEES)
      return yield* ValidationError.field("attendees", `must hold at most ${MAX_EVENT_ATTENDEES} users`)
    if (new Set(f.attendees).size !== f.attendees.length)
      return yield* ValidationError.field("attendees", "must not repeat a user")
    if (f.rrule !== null) {
      const problem = rruleProblem(f.rrule)
      if (problem !== null) return yield* ValidationError.field("rrule", problem)
    }
    for (const user of f.attendees)
      if (!(yield* identity.exists(user)))
        return yield* ValidationError.field("attendees", `${user} is not a user of the tenant`)
  })

/** The calendar event operations over `deps`; `check` is the target check of `Targets.ts`. */
export const makeCalendarEvents = (
  { access, audit, events, identity, inTx, repo }: ActivityDeps,
  check: CheckTarget
) => {
  /** A live event whose target the caller can see. @errors ActivityNotFound */
  const findVisible = visibleFinder(inTx, check, "event", Schema.is(CalendarEventId), repo.findEvent)

  const changed = changeRecorder({ audit, events }, "event")

  /**
   * Creates an event on a visible target.
   * @errors TargetNotFound, ValidationError (see the module comment; `MAX_EVENTS_PER_TARGET`)
   */
  const create = (input: CreateCalendarEvent) =>
    Effect.gen(function* () {
      const target = { target_type: input.target_type, target_id: input.target_id }
      yield* check(target)
      const fields: EventFields = {
        title: input.title,
        description: input.description ?? null,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        all_day: input.all_day ?? false,
        time_zone: input.time_zone ?? "UTC",
        location: input.location ?? null,
        attendees: input.attendees ?? [],
        rrule: input.rrule ?? null
      }
      yield* checkEvent(identity, fields)
      const author = yield* actorRef
      return yield* inTx(
        Effect.gen(function* () {
          if ((yield* repo.countEvents(target)) >= MAX_EVENTS_PER_TARGET)
            return yield* ValidationError.field("target_id", `a target has at most ${MAX_EVENTS_PER_TARGET} events`)
          const id = yield* newId(CalendarEventId)
          yield* repo.insertEvent(id, target, author, fields, yield* DateTime.now)
          const event = Option.getOrThrow(yield* repo.findEvent(id))
          yield* changed("created", event)
          return event
        })
      )
    }).pipe(Effect.withSpan("Activities.createEvent"))

  /** One event. @errors ActivityNotFound (also when its target is not visible) */
  const get = (id: string) => findVisible(id)

  /** A visible target's events, newest first. @errors TargetNotFound, ValidationError (cursor, limit) */
  const list = (target: Target, page: ActivityPaging) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(page)
      yield* check(target)
      return toPage(yield* inTx(repo.listEvents(target, after, limit + 1)), limit)
    })

  /**
   * Changes an event (its author or `activities:admin`); the result is
   * checked as a whole. @errors ActivityNotFound, Forbidden, ValidationError
   */
  const update = (id: string, patch: UpdateCalendarEvent) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      const fields: EventFields = {
        title: patch.title ?? row.title,
        description: patch.description === undefined ? row.description : patch.description,
        starts_at: patch.starts_at ?? row.starts_at,
        ends_at: patch.ends_at ?? row.ends_at,
        all_day: patch.all_day ?? row.all_day,
        time_zone: patch.time_zone ?? row.time_zone,
        location: patch.location === undefined ? row.location : patch.location,
        attendees: patch.attendees ?? row.attendees,
        rrule: patch.rrule === undefined ? row.rrule : patch.rrule
      }
      yield* checkEvent(identity, fields)
      return yield* inTx(
        Effect.gen(function* () {
          yield* repo.updateEvent(row.id, fields, yield* DateTime.now)
          const after = Option.getOrThrow(yield* repo.findEvent(row.id))
          yield* changed("updated", after, row)
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.updateEvent"))

  /** Soft-deletes an event (its author or `activities:admin`). @errors ActivityNotFound, Forbidden */
  const remove = (id: string) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      yield* inTx(
        Effect.gen(function* () {
          yield* repo.deleteEvent(row.id, yield* DateTime.now)
          yield* changed("deleted", row)
        })
      )
    }).pipe(Effect.withSpan("Activities.deleteEvent"))

  return { create, get, list, update, remove } as const
}
