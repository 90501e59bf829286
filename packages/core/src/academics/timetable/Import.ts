/**
 * The import of a parsed timetable into a school's courses. Internal to
 * `academics/Timetable.ts`.
 *
 * @module
 */
import {
  type CourseId,
  ImportCounts,
  type ImportMessage,
  type SchoolId,
  TimetableImportFailed,
  TimetableSummary
} from "@signet/contracts/academics/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Data, DateTime, Effect, Option } from "effect"
import { LIMIT_CODES, type Occurrence, type TimetablePlan } from "../ICalendar.js"
import { utc } from "../Kit.js"
import { type Deps, issue } from "./Deps.js"
import { type Links, makeResolver } from "./Resolver.js"

class DryRun extends Data.TaggedError("DryRun")<{ readonly summary: TimetableSummary }> {}

/** The import of a parsed timetable into a school's courses. */
export const makeImport = (deps: Deps) => {
  const { repo, audit, events, academics, inTx } = deps

  /** Whether the course already matches the occurrence and its links. */
  const unchanged = (courseId: CourseId, o: Occurrence, links: Links) =>
    Effect.map(
      academics.getCourse(courseId),
      (current) =>
        current.name === o.name &&
        DateTime.Equivalence(current.start_at, utc(o.startAt)) &&
        DateTime.Equivalence(current.end_at, utc(o.endAt)) &&
        [...current.classroom_ids].sort().join() === links.classroom_ids.join() &&
        [...current.group_ids].sort().join() === links.group_ids.join() &&
        [...current.teacher_ids].sort().join() === links.teacher_ids.join()
    )

  /** Upserts (or, cancelled, deletes) the course of each occurrence; answers the counts. */
  const applyOccurrences = (schoolId: SchoolId, plan: TimetablePlan, warnings: Array<ImportMessage>) =>
    Effect.gen(function* () {
      const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0 }
      const linksOf = makeResolver(deps, schoolId, warnings)
      for (const o of plan.occurrences) {
        const courseId = Option.getOrUndefined(yield* repo.findCourseIdBySourceKey(schoolId, o.sourceKey))
        if (o.cancelled) {
          if (courseId) {
            yield* academics.deleteCourse(courseId)
            counts.deleted++
          }
          continue
        }
        const links = yield* linksOf(o)
        const fields = { name: o.name, start_at: o.startAt, end_at: o.endAt, ...links }
        if (!courseId) {
          yield* academics.createCourse({ school_id: schoolId, ...fields }, o.sourceKey)
          counts.created++
        } else if (yield* unchanged(courseId, o, links)) {
          counts.unchanged++
        } else {
          yield* academics.updateCourse(courseId, fields)
          counts.updated++
        }
      }
      return counts
    })

  /**
   * Applies a parsed timetable to a school.
   * @errors AcademicsNotFound (school), ValidationError (400: the file passed a limit of
   *   `ICalendar.LIMIT_CODES`, the message names it and its value; nothing written),
   *   TimetableImportFailed (422: the file has errors; nothing written)
   */
  const importPlan = (schoolId: SchoolId, plan: TimetablePlan, options: { readonly dryRun?: boolean } = {}) =>
    Effect.gen(function* () {
      const warnings = plan.warnings.map(issue)
      const overLimit = plan.errors.find((e) => LIMIT_CODES.has(e.code))
      if (overLimit !== undefined) return yield* ValidationError.field("calendar", overLimit.message)
      if (plan.errors.length > 0) {
        return yield* new TimetableImportFailed({
          message: `${plan.errors.length} error(s) in the calendar; nothing was imported`,
          errors: plan.errors.map(issue),
          warnings
        })
      }
      const run = Effect.gen(function* () {
        yield* academics.getSchool(schoolId)
        const counts = yield* applyOccurrences(schoolId, plan, warnings)
        const summary = new TimetableSummary({
          dry_run: options.dryRun === true,
          courses: new ImportCounts(counts),
          warnings,
          errors: []
        })
        yield* audit.record({
          action: "academics.timetable.imported",
          targetType: "school",
          targetId: schoolId,
          after: { ...counts, warnings: warnings.length }
        })
        yield* events.publish({
          type: "signet.academics.timetable.imported",
          subject: schoolId,
          data: { ...counts, warnings: warnings.length }
        })
        if (options.dryRun) return yield* new DryRun({ summary })
        return summary
      })
      return yield* inTx(run).pipe(Effect.catchTag("DryRun", (d) => Effect.succeed(d.summary)))
    }).pipe(Effect.withSpan("Timetable.importPlan"))

  return { importPlan } as const
}
