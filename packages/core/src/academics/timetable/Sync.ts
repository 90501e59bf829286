/**
 * Timetable sync (issue 16 "Sync mode"): a timetable export is a snapshot,
 * and a sync replaces the school's timetable in the window the snapshot
 * covers. Internal to `academics/Timetable.ts`.
 *
 * - **Window**: `options.window` when given (the mapping's
 *   `windowStart`/`windowEnd`), else the span the file covers — from its
 *   earliest occurrence start to its latest occurrence end. A course is in
 *   the window when it starts in `[start, end)`. A file without occurrences
 *   and without a window covers nothing: nothing is removed.
 * - **Scope**: the target school's courses that came from a timetable
 *   (`source_key` set). Courses created by hand (no source key) are never
 *   updated or removed by a sync, even inside the window.
 * - **Matching** (`SyncMatch.ts`): by source key, then a moved one-off
 *   event by its UID, then by stable key (start, end, classroom, group,
 *   name) for exports that regenerate UIDs; matched courses take the new key.
 * - New occurrences are created, changed ones updated, unchanged ones
 *   counted; cancelled occurrences are not courses. A vanished course is
 *   removed (soft-deleted) unless attendance was recorded for it (a
 *   signature, a refused attempt, a roll result or an excuse): then it is
 *   kept and reported under `kept_with_attendance`, never deleted.
 * - A calendar with errors (skipped events) is refused whole: a skipped
 *   event would otherwise look vanished and its courses be removed.
 * - All-or-nothing in one transaction; a dry run does the same work and
 *   rolls it back, answering the diff. One audit row
 *   (`academics.timetable.synced`) and one CloudEvent
 *   (`signet.academics.timetable.synced`) summarise a sync, beside the
 *   per-course rows the academics service records.
 *
 * @module
 */
import {
  type Course,
  type CourseId,
  type ImportMessage,
  type SchoolId,
  TimetableFieldChange,
  TimetableImportFailed,
  TimetableSyncCounts,
  TimetableSyncItem,
  TimetableSyncSummary
} from "@signet/contracts/academics/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { type Context, Data, DateTime, Effect } from "effect"
import type { NewBulkCourse } from "../CoursesBulk.js"
import { LIMIT_CODES, type TimetablePlan } from "../ICalendar.js"
import type { CourseAttendance } from "./AttendancePort.js"
import { type Deps, issue } from "./Deps.js"
import { makeResolver } from "./Resolver.js"
import { changesOf, coveredWindow, matchSnapshot, type Planned, startsIn, uidOf } from "./SyncMatch.js"

/** Entries per list of a sync's diff (created, updated, removed, kept); the counts are complete. */
export const SYNC_LIST_CAP = 200

/** Options of a sync. */
export interface SyncOptions {
  /** Do everything, answer the diff, keep nothing. */
  readonly dryRun?: boolean | undefined
  /** The window replaced (ISO-8601 instants; default: the span the file covers). */
  readonly window?: { readonly start: string; readonly end: string } | undefined
  /** Called every few hundred courses with how many of `total` are done (progress output). */
  readonly onProgress?: ((done: number, total: number) => void) | undefined
}

class DryRun extends Data.TaggedError("DryRun")<{ readonly summary: TimetableSyncSummary }> {}

/** A diff list: items up to {@link SYNC_LIST_CAP}. */
class Capped {
  readonly items: Array<TimetableSyncItem> = []
  push(item: () => TimetableSyncItem) {
    if (this.items.length < SYNC_LIST_CAP) this.items.push(item())
  }
}

const itemOfCourse = (c: Course, changes: TimetableSyncItem["changes"] = []) =>
  new TimetableSyncItem({
    course_id: c.id,
    source_key: c.source_key ?? "",
    name: c.name,
    start_at: DateTime.formatIso(c.start_at),
    end_at: DateTime.formatIso(c.end_at),
    changes
  })

/**
 * The sourced courses of the school a sync looks at (those of the
 * snapshot's keys, of its one-off events' UIDs, of the window, of a
 * cancelled series), and the ones it replaces (in the window or of a
 * cancelled series).
 */
const existing = (
  { repo, academics }: Deps,
  schoolId: SchoolId,
  window: { start: string; end: string } | null,
  planned: Array<Planned>,
  series: ReadonlySet<string>
) =>
  Effect.gen(function* () {
    const sourced = yield* repo.sourcedCourses(schoolId)
    const wanted = new Set(planned.map((p) => p.o.sourceKey))
    const oneOffs = new Set(planned.filter((p) => p.o.recurrenceId === null).map((p) => p.o.uid))
    const replaced = (c: { readonly source_key: string | null; readonly start_at: DateTime.Utc }) =>
      (window !== null && startsIn(c, window)) || series.has(uidOf(c.source_key ?? ""))
    const ids = sourced
      .filter((c) => wanted.has(c.source_key) || oneOffs.has(uidOf(c.source_key)) || replaced(c))
      .map((c) => c.id)
    const courses = yield* academics.getCourses(ids)
    return { courses, replaced: courses.filter(replaced) }
  })

/** The timetable sync over the timetable's dependencies and attendance's port. */
export const makeSync = (deps: Deps, attendance: Context.Tag.Service<typeof CourseAttendance>) => {
  const { repo, audit, events, academics, inTx } = deps

  /** Applies the snapshot; answers counts and the capped lists. */
  const apply = (schoolId: SchoolId, plan: TimetablePlan, options: SyncOptions, warnings: Array<ImportMessage>) =>
    Effect.gen(function* () {
      const window = options.window ?? coveredWindow(plan.occurrences)
      const linksOf = makeResolver(deps, schoolId, warnings)
      const planned: Array<Planned> = []
      const seen = new Set<string>()
      for (const o of plan.occurrences) {
        if (o.cancelled || seen.has(o.sourceKey)) continue
        seen.add(o.sourceKey)
        planned.push({ o, links: yield* linksOf(o) })
      }
      yield* repo.releaseDeletedSourceKeys(schoolId)
      const series = new Set(plan.cancelledSeries.map((s) => s.uid))
      const { courses, replaced } = yield* existing(deps, schoolId, window, planned, series)
      const { matched, vanished } = matchSnapshot(planned, courses, replaced)
      const counts = { created: 0, updated: 0, unchanged: 0, removed: 0, kept_with_attendance: 0, rekeyed: 0 }
      const lists = { created: new Capped(), updated: new Capped(), removed: new Capped(), kept: new Capped() }
      const total = vanished.length + planned.length
      let done = 0
      const step = () => {
        done++
        if (options.onProgress && (done % 250 === 0 || done === total)) options.onProgress(done, total)
      }
      const withAttendance = yield* attendance.withAttendance(vanished.map((c) => c.id))
      for (const c of vanished) {
        if (withAttendance.has(c.id)) {
          counts.kept_with_attendance++
          lists.kept.push(() => itemOfCourse(c))
        } else {
          yield* academics.deleteCourse(c.id)
          counts.removed++
          lists.removed.push(() => itemOfCourse(c))
        }
        step()
      }
      const rekeys: Array<{ readonly id: CourseId; readonly sourceKey: string }> = []
      const creates: Array<NewBulkCourse & { readonly source_key: string }> = []
      for (const [i, p] of planned.entries()) {
        const fields = { name: p.o.name, start_at: p.o.startAt, end_at: p.o.endAt, ...p.links }
        const m = matched[i]
        if (!m) {
          creates.push({ ...fields, source_key: p.o.sourceKey })
        } else {
          const changes = changesOf(m.course, p)
          if (m.rekeyed) rekeys.push({ id: m.course.id, sourceKey: p.o.sourceKey })
          if (changes.length === 0) counts.unchanged++
          else {
            const after = yield* academics.updateCourse(m.course.id, fields)
            counts.updated++
            const rekey = m.rekeyed
              ? [
                  new TimetableFieldChange({
                    field: "source_key",
                    before: m.course.source_key ?? "",
                    after: p.o.sourceKey
                  })
                ]
              : []
            lists.updated.push(() => itemOfCourse({ ...after, source_key: p.o.sourceKey }, [...changes, ...rekey]))
          }
        }
        step()
      }
      // Created in bulk (a first sync is a whole school year).
      const createdIds = yield* academics.createCourses(schoolId, creates)
      for (const [i, c] of creates.entries()) {
        counts.created++
        lists.created.push(
          () =>
            new TimetableSyncItem({
              course_id: createdIds[i]!,
              source_key: c.source_key,
              name: c.name,
              start_at: new Date(c.start_at).toISOString(),
              end_at: new Date(c.end_at).toISOString(),
              changes: []
            })
        )
      }
      // Re-keyed in bulk (a regenerated export re-keys every course on every run).
      yield* repo.setCourseSourceKeys(rekeys)
      counts.rekeyed = rekeys.length
      return { window, counts: new TimetableSyncCounts(counts), lists }
    })

  /**
   * Replaces the school's timetable in the window the plan covers (see the
   * module comment).
   * @errors AcademicsNotFound (school), ValidationError (400: a limit of
   *   `ICalendar.LIMIT_CODES` passed; nothing written), TimetableImportFailed
   *   (422: the calendar has errors; nothing written)
   */
  const syncPlan = (schoolId: SchoolId, plan: TimetablePlan, options: SyncOptions = {}) =>
    Effect.gen(function* () {
      const warnings = plan.warnings.map(issue)
      const overLimit = plan.errors.find((e) => LIMIT_CODES.has(e.code))
      if (overLimit !== undefined) return yield* ValidationError.field("calendar", overLimit.message)
      if (plan.errors.length > 0) {
        return yield* new TimetableImportFailed({
          message: `${plan.errors.length} error(s) in the calendar; nothing was synced (a skipped event would look removed)`,
          errors: plan.errors.map(issue),
          warnings
        })
      }
      const run = Effect.gen(function* () {
        yield* academics.getSchool(schoolId)
        const { window, counts, lists } = yield* apply(schoolId, plan, options, warnings)
        const dryRun = options.dryRun === true
        const summary = new TimetableSyncSummary({
          dry_run: dryRun,
          window,
          counts,
          list_cap: SYNC_LIST_CAP,
          created: dryRun
            ? lists.created.items.map((i) => new TimetableSyncItem({ ...i, course_id: null }))
            : lists.created.items,
          updated: lists.updated.items,
          removed: lists.removed.items,
          kept_with_attendance: lists.kept.items,
          warnings,
          errors: []
        })
        const data = { ...counts, window, warnings: warnings.length }
        yield* audit.record({
          action: "academics.timetable.synced",
          targetType: "school",
          targetId: schoolId,
          after: data
        })
        yield* events.publish({ type: "signet.academics.timetable.synced", subject: schoolId, data })
        if (dryRun) return yield* new DryRun({ summary })
        return summary
      })
      return yield* inTx(run).pipe(Effect.catchTag("DryRun", (d) => Effect.succeed(d.summary)))
    }).pipe(Effect.withSpan("Timetable.syncPlan"))

  return { syncPlan } as const
}
