/**
 * The timeline of a target (issue 22 "one timeline per target merging all
 * kinds in time order"; Twenty's and Frappe CRM's record timelines): its
 * live notes, tasks, reviews, call logs, calendar events, attachments and
 * carbon footprints, newest first by creation (their UUIDv7 ids), one
 * cursor across the seven kinds. Attachments appear only for callers holding `attachments:read`,
 * carbon footprints only for callers holding `carbon:read`.
 * Internal to `Activities.ts`.
 *
 * Each page reads at most `limit + 1` rows of each kind (by the target's
 * index) and merges them, so a page costs seven index range scans whatever
 * the number of activities.
 *
 * @module
 */
import type { ActivityPaging, Target } from "@signet/contracts/activities/Domain"
import type { TimelineItem } from "@signet/contracts/activities/Schedule"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { encodeCursor } from "@signet/contracts/kernel/Pagination"
import { Effect } from "effect"
import { type ActivityDeps, type CheckTarget, paging } from "./Kit.js"
import { presentNote } from "./Notes.js"

/** The timeline operation over `deps`; `check` is the target check of `Targets.ts`. */
export const makeTimeline = ({ access, inTx, repo }: ActivityDeps, check: CheckTarget) => {
  /** A visible target's timeline page, newest first. @errors TargetNotFound, ValidationError (cursor, limit) */
  const timeline = (target: Target, page: ActivityPaging) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(page)
      yield* check(target)
      const files = yield* access.checkActor(yield* CurrentActor, "attachments:read")
      const carbon = yield* access.checkActor(yield* CurrentActor, "carbon:read")
      const [notes, tasks, reviews, calls, events, attachments, footprints] = yield* inTx(
        Effect.all([
          repo.listNotes(target, after, limit + 1),
          repo.listTasks({ target }, after, limit + 1),
          repo.listReviews(target, after, limit + 1),
          repo.listCalls(target, after, limit + 1),
          repo.listEvents(target, after, limit + 1),
          files ? repo.listAttachments(target, after, limit + 1) : Effect.succeed([]),
          carbon ? repo.listFootprints(target, after, limit + 1) : Effect.succeed([])
        ])
      )
      // Merge by id (creation order); notes are rendered only once they are on the page.
      const merged = [
        ...notes.map((n) => ({
          id: n.id,
          item: () => ({ _tag: "note", at: n.created_at, note: presentNote(n) }) as const
        })),
        ...tasks.map((t) => ({ id: t.id, item: () => ({ _tag: "task", at: t.created_at, task: t }) as const })),
        ...reviews.map((r) => ({ id: r.id, item: () => ({ _tag: "review", at: r.created_at, review: r }) as const })),
        ...calls.map((c) => ({ id: c.id, item: () => ({ _tag: "call", at: c.created_at, call: c }) as const })),
        ...events.map((e) => ({ id: e.id, item: () => ({ _tag: "event", at: e.created_at, event: e }) as const })),
        ...attachments.map((a) => ({
          id: a.id,
          item: () => ({ _tag: "attachment", at: a.created_at, attachment: a }) as const
        })),
        ...footprints.map((f) => ({
          id: f.id,
          item: () => ({ _tag: "footprint", at: f.created_at, footprint: f }) as const
        }))
      ].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      const items = merged.slice(0, limit)
      return {
        items: items.map((m): TimelineItem => m.item()),
        next_cursor: merged.length > limit ? encodeCursor(items[items.length - 1]!.id) : null
      }
    }).pipe(Effect.withSpan("Activities.timeline"))

  return { timeline } as const
}
