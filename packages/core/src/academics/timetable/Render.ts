/**
 * Rendering a subject's courses as iCalendar. Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import type { CourseId, FeedKind } from "@signet/contracts/academics/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect } from "effect"
import { instant } from "../../kernel/Sql.js"
import { type FeedEvent, renderFeed } from "../ICalendar.js"
import type { Deps } from "./Deps.js"

/** Rendering a subject's timetable as iCalendar. */
export const makeRender = ({ repo, academics, inTx }: Deps) => {
  /** The feed event of a course (its location: its classrooms' names, else "Online" for an online course). */
  const feedEvents = (ids: ReadonlyArray<CourseId>) =>
    Effect.gen(function* () {
      const events: Array<FeedEvent> = []
      const rooms = new Map<string, string>()
      for (const id of ids) {
        const c = yield* academics.getCourse(id).pipe(Effect.orDie) // listed just before, in this transaction
        const location: Array<string> = []
        for (const roomId of c.classroom_ids) {
          if (!rooms.has(roomId))
            rooms.set(
              roomId,
              (yield* academics.getClassroom(roomId).pipe(Effect.orElseSucceed(() => null)))?.name ?? ""
            )
          location.push(rooms.get(roomId)!)
        }
        events.push({
          id: c.id,
          name: c.name,
          startAt: DateTime.formatIso(c.start_at),
          endAt: DateTime.formatIso(c.end_at),
          location: location.filter(Boolean).join(", ") || (c.is_online ? "Online" : null),
          description: null,
          cancelled: false,
          updatedAt: DateTime.formatIso(c.updated_at)
        })
      }
      return events
    })

  /**
   * Renders the calendar of a subject between `from` and `to` (ISO-8601
   * instants; courses overlapping the window). Feeds use the default window,
   * {@link FEED_DAYS_BEFORE} days back to {@link FEED_DAYS_AFTER} days ahead of now.
   */
  const renderSubject = (
    kind: FeedKind,
    subjectId: string,
    options: { readonly from?: string; readonly to?: string; readonly name?: string } = {}
  ) => Effect.map(exportSubject(kind, subjectId, options), (e) => e.calendar)

  /**
   * A subject's courses as feed events between `from` and `to` (see
   * {@link exportSubject} for the bounds and defaults), with the window used
   * (epoch ms) and the calendar's name; not rendered, so a caller may add
   * events of its own before {@link renderFeed} (the timetable feed with the
   * user's calendar events, issue 22).
   * @errors ValidationError (`from`/`to` unreadable, `to` not after `from`, span too long)
   */
  const collectSubject = (
    kind: FeedKind,
    subjectId: string,
    options: { readonly from?: string | undefined; readonly to?: string | undefined; readonly name?: string } = {}
  ) =>
    inTx(
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        const fromMs = yield* bound("from", options.from, nowMs - FEED_DAYS_BEFORE * DAY)
        const toMs = yield* bound("to", options.to, nowMs + FEED_DAYS_AFTER * DAY)
        if (toMs <= fromMs) return yield* ValidationError.field("to", "must be after from")
        if (toMs - fromMs > MAX_EXPORT_DAYS * DAY)
          return yield* ValidationError.field("to", `the window may span at most ${MAX_EXPORT_DAYS} days`)
        const events = yield* feedEvents(yield* repo.subjectCourseIds(kind, subjectId, instant(fromMs), instant(toMs)))
        return { name: options.name ?? `Signet ${kind} timetable`, events, fromMs, toMs }
      })
    )

  /**
   * Exports a subject's calendar (`signet timetable export`): the `.ics` text,
   * the number of courses in it and the window used. `from`/`to` are ISO
   * dates (`2027-09-01`, UTC midnight) or instants; each defaults as feeds do
   * (30 days back, 180 ahead); the window may span at most
   * {@link MAX_EXPORT_DAYS} days and {@link MAX_EXPORT_COURSES} courses are
   * exported at most (the earliest).
   * @errors ValidationError (`from`/`to` unreadable, `to` not after `from`, span too long)
   */
  const exportSubject = (
    kind: FeedKind,
    subjectId: string,
    options: { readonly from?: string | undefined; readonly to?: string | undefined; readonly name?: string } = {}
  ) =>
    Effect.map(collectSubject(kind, subjectId, options), ({ name, events, fromMs, toMs }) => ({
      calendar: renderFeed({ name, events, refreshIntervalMinutes: 60 }),
      courses: events.length,
      from: instant(fromMs),
      to: instant(toMs)
    }))

  return { renderSubject, exportSubject, collectSubject } as const
}

const DAY = 86_400_000

/** Days before now a feed (and an export without `from`) starts. */
export const FEED_DAYS_BEFORE = 30
/** Days after now a feed (and an export without `to`) ends. */
export const FEED_DAYS_AFTER = 180
/** Longest window of an export, in days (two school years). */
export const MAX_EXPORT_DAYS = 731
/** Courses one export or feed holds at most (`AcademicsRepo.subjectCourseIds`' limit). */
export const MAX_EXPORT_COURSES = 5000

const DATE = /^\d{4}-\d{2}-\d{2}$/
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** A window bound: an ISO date (UTC midnight) or an instant with its offset; the default when absent. */
const bound = (field: "from" | "to", value: string | undefined, fallback: number) => {
  if (value === undefined) return Effect.succeed(fallback)
  const ms = DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : INSTANT.test(value) ? Date.parse(value) : Number.NaN
  return Number.isNaN(ms)
    ? Effect.fail(
        ValidationError.field(field, `expected an ISO date such as "2027-09-01" or an instant, got "${value}"`)
      )
    : Effect.succeed(ms)
}
