/**
 * Reading calendar events by time (issue 22 "Calendar events"): the
 * occurrences of a target's events in a window, and the calling user's
 * events (attendee or author) as an iCalendar text. Recurrences expand
 * through `Recurrence.ts` (ical.js) within its bounds. Internal to
 * `Activities.ts`.
 *
 * @module
 */
import type { Target } from "@signet/contracts/activities/Domain"
import {
  type CalendarEvent,
  EventOccurrence,
  MAX_OCCURRENCE_WINDOW_DAYS,
  MAX_OCCURRENCES_PER_QUERY,
  OccurrenceList
} from "@signet/contracts/activities/Schedule"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect } from "effect"
import { type FeedEvent, renderFeed } from "../academics/ICalendar.js"
import type { ActivityDeps, CheckTarget } from "./Kit.js"
import { expandEvent } from "./Recurrence.js"

/** Events one occurrence query or one export reads at most before expanding them. */
export const MAX_EVENTS_SCANNED = 1_000
/** Days before now an `.ics` export starts (as the timetable feeds). */
export const ICS_PAST_DAYS = 30
/** Days after now an `.ics` export ends (as the timetable feeds). */
export const ICS_FUTURE_DAYS = 180

const DAY_MS = 86_400_000

/**
 * What a timetable feed publishes before rendering (as
 * `AcademicsAdmin.feedContentByToken` answers it): the feed's kind and
 * subject, the calendar's name, its lessons and its window in epoch ms.
 */
export interface TimetableFeedContent {
  readonly kind: "student" | "teacher" | "group" | "classroom"
  readonly subject_id: string
  readonly name: string
  readonly events: ReadonlyArray<FeedEvent>
  readonly fromMs: number
  readonly toMs: number
}

/**
 * The occurrences of `events` in [`from`, `to`), by start, at most
 * `MAX_OCCURRENCES_PER_QUERY` in all (`truncated` when a bound cut them).
 */
export const occurrencesOf = (events: ReadonlyArray<CalendarEvent>, from: number, to: number) => {
  const found: Array<{ readonly event: CalendarEvent; readonly start: number; readonly end: number }> = []
  let truncated = false
  for (const event of events) {
    const { spans, truncated: cut } = expandEvent(event, from, to, MAX_OCCURRENCES_PER_QUERY)
    truncated ||= cut
    for (const s of spans) found.push({ event, ...s })
  }
  found.sort((a, b) => a.start - b.start || (a.event.id < b.event.id ? -1 : 1))
  if (found.length > MAX_OCCURRENCES_PER_QUERY) truncated = true
  return { occurrences: found.slice(0, MAX_OCCURRENCES_PER_QUERY), truncated }
}

/** The occurrence and export operations over `deps`; `check` is the target check of `Targets.ts`. */
export const makeOccurrences = ({ inTx, repo }: ActivityDeps, check: CheckTarget) => {
  /**
   * The occurrences of a visible target's events in [`from`, `to`), by
   * start (see `Recurrence.ts` for the bounds).
   * @errors TargetNotFound, ValidationError (to: not after from, or a window over `MAX_OCCURRENCE_WINDOW_DAYS`)
   */
  const occurrences = (target: Target, from: DateTime.Utc, to: DateTime.Utc) =>
    Effect.gen(function* () {
      const [f, t] = [DateTime.toEpochMillis(from), DateTime.toEpochMillis(to)]
      if (t <= f) return yield* ValidationError.field("to", "must be after from")
      if (t - f > MAX_OCCURRENCE_WINDOW_DAYS * DAY_MS)
        return yield* ValidationError.field("to", `the window is at most ${MAX_OCCURRENCE_WINDOW_DAYS} days`)
      yield* check(target)
      const rows = yield* inTx(repo.eventsInWindow(target, from, to, MAX_EVENTS_SCANNED))
      const { occurrences: found, truncated } = occurrencesOf(rows, f, t)
      return new OccurrenceList({
        items: found.map(
          (o) =>
            new EventOccurrence({
              event_id: o.event.id,
              title: o.event.title,
              starts_at: DateTime.unsafeMake(o.start),
              ends_at: DateTime.unsafeMake(o.end),
              all_day: o.event.all_day
            })
        ),
        truncated: truncated || rows.length >= MAX_EVENTS_SCANNED
      })
    }).pipe(Effect.withSpan("Activities.occurrences"))

  /**
   * The live events the calling user attends or wrote (at most
   * `MAX_EVENTS_SCANNED`, by start), for the `.ics` export.
   * @errors ValidationError (the caller is not a user)
   */
  const mine = Effect.gen(function* () {
    const actor = yield* CurrentActor
    if (actor.kind !== "user" || actor.id === null)
      return yield* ValidationError.field("actor", "only a user has a calendar")
    return yield* inTx(repo.eventsOfUser(actor.id as UserId, MAX_EVENTS_SCANNED))
  })

  /**
   * The occurrences in [`fromMs`, `toMs`) of the live events `rows`, as
   * feed events (UID `<event id>@signet`, or `<event id>-<start ms>@signet`
   * for a recurring one), at most `MAX_OCCURRENCES_PER_QUERY`.
   */
  const asFeedEvents = (rows: ReadonlyArray<CalendarEvent>, fromMs: number, toMs: number): Array<FeedEvent> => {
    const iso = (ms: number) => new Date(ms).toISOString()
    return occurrencesOf(rows, fromMs, toMs).occurrences.map((o) => ({
      id: o.event.rrule === null ? o.event.id : `${o.event.id}-${o.start}`,
      name: o.event.title,
      startAt: iso(o.start),
      endAt: iso(o.end),
      location: o.event.location,
      description: o.event.description,
      cancelled: false,
      updatedAt: DateTime.formatIso(o.event.updated_at)
    }))
  }

  /**
   * The calling user's events (attendee or author) as an iCalendar text
   * (RFC 5545, `METHOD:PUBLISH`, rendered by the timetable's `renderFeed`):
   * their occurrences from {@link ICS_PAST_DAYS} days back to
   * {@link ICS_FUTURE_DAYS} days ahead, one VEVENT per occurrence (UID
   * `<event id>@signet`, or `<event id>-<start ms>@signet` for a recurring
   * one), at most `MAX_OCCURRENCES_PER_QUERY`.
   * @errors ValidationError (the caller is not a user)
   */
  const mineIcs = Effect.gen(function* () {
    const rows = yield* mine
    const now = DateTime.toEpochMillis(yield* DateTime.now)
    return renderFeed({
      name: "Signet events",
      refreshIntervalMinutes: 60,
      events: asFeedEvents(rows, now - ICS_PAST_DAYS * DAY_MS, now + ICS_FUTURE_DAYS * DAY_MS)
    })
  }).pipe(Effect.withSpan("Activities.eventsIcs"))

  /**
   * A timetable feed's `.ics` with its user's calendar events beside its
   * lessons (issue 22): for a `student` or `teacher` feed, the live events
   * the subject user attends or wrote (as `mineIcs` picks them, at most
   * `MAX_EVENTS_SCANNED`), expanded in the feed's own window (30 days back,
   * 180 ahead: the same as {@link ICS_PAST_DAYS}/{@link ICS_FUTURE_DAYS}).
   * A group or classroom feed is its lessons only. `content` comes from
   * `AcademicsAdmin.feedContentByToken` (the token was checked there).
   */
  const timetableIcs = (content: TimetableFeedContent) =>
    Effect.gen(function* () {
      const userId = content.kind === "student" || content.kind === "teacher" ? content.subject_id : null
      const rows = userId === null ? [] : yield* inTx(repo.eventsOfUser(userId as UserId, MAX_EVENTS_SCANNED))
      const events = [...content.events, ...asFeedEvents(rows, content.fromMs, content.toMs)]
      events.sort((a, b) => (a.startAt < b.startAt ? -1 : a.startAt > b.startAt ? 1 : 0))
      return renderFeed({ name: content.name, refreshIntervalMinutes: 60, events })
    }).pipe(Effect.withSpan("Activities.timetableIcs"))

  return { occurrences, mine, mineIcs, timetableIcs } as const
}
