/**
 * Rendering a subject's courses as iCalendar. Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import type { CourseId, FeedKind } from "@signet/contracts/academics/Domain"
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

  /** Renders the calendar of a subject (used by feeds and `signet timetable export`). */
  const renderSubject = (
    kind: FeedKind,
    subjectId: string,
    options: { readonly from?: string; readonly to?: string; readonly name?: string } = {}
  ) =>
    inTx(
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        const from = options.from ?? instant(nowMs - 30 * 86_400_000)
        const to = options.to ?? instant(nowMs + 180 * 86_400_000)
        const events = yield* feedEvents(yield* repo.subjectCourseIds(kind, subjectId, from, to))
        return renderFeed({ name: options.name ?? `Signet ${kind} timetable`, events, refreshIntervalMinutes: 60 })
      })
    )

  return { renderSubject } as const
}
