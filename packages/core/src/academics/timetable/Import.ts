/**
 * The import of a parsed timetable into a school's courses. Internal to
 * `academics/Timetable.ts`.
 *
 * Issue 16: events that could not be read are skipped and listed
 * (`skipInvalid`, the default) or refuse the file; a moved one-off event
 * updates its course; RFC 5546 series cancellations remove every course of
 * the UID in the school; cancelled occurrences never become courses, and a
 * course with attendance is kept (attendance's `CourseAttendance` port);
 * teachers resolve by login, mapping alias or codes CSV; `createMissing`
 * creates classrooms and groups; double bookings are warned about;
 * warnings come grouped.
 *
 * @module
 */
import {
  type Course,
  type CourseId,
  ImportCounts,
  ImportMessage,
  type SchoolId,
  TimetableImportFailed,
  TimetableSummary
} from "@signet/contracts/academics/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Data, DateTime, Effect, Option } from "effect"
import type { NewBulkCourse } from "../CoursesBulk.js"
import { isFatal, LIMIT_CODES, type Occurrence, type TimetablePlan } from "../ICalendar.js"
import { groupMessages, utc } from "../Kit.js"
import { CourseAttendance } from "./AttendancePort.js"
import { findClashes } from "./Clashes.js"
import { type Deps, issue } from "./Deps.js"
import { type Links, makeLinkResolver } from "./Resolver.js"
import { parseTeacherCodes } from "./TeacherCodes.js"

class DryRun extends Data.TaggedError("DryRun")<{ readonly summary: TimetableSummary }> {}

/**
 * Options of a timetable import (validated here: core is the boundary).
 *
 * - `dryRun`: report without writing.
 * - `skipInvalid` (default true): import the readable events and list the
 *   skipped ones in `TimetableSummary.skipped`; false refuses the file when
 *   any event could not be read. Fatal errors (`ICalendar.isFatal`) always refuse.
 * - `createMissing`: create the classrooms and groups the file names by code
 *   and the school lacks (named after the code); teachers are never created.
 * - `teacherCodes`: a CSV `code,login` (see `TeacherCodes.ts` for its limits).
 */
export interface ImportOptions {
  readonly dryRun?: boolean | undefined
  readonly skipInvalid?: boolean | undefined
  readonly createMissing?: boolean | undefined
  readonly teacherCodes?: string | undefined
}

/** Refuses a plan that must not be imported (limits, file errors, strict mode with event errors). */
const refuse = (plan: TimetablePlan, skipInvalid: boolean) =>
  Effect.gen(function* () {
    const overLimit = plan.errors.find((e) => LIMIT_CODES.has(e.code))
    if (overLimit !== undefined) return yield* ValidationError.field("calendar", overLimit.message)
    const warnings = plan.warnings.map(issue)
    const fatal = plan.errors.filter(isFatal)
    if (fatal.length > 0) {
      return yield* new TimetableImportFailed({
        message: `${fatal.length} error(s) in the calendar; nothing was imported`,
        errors: plan.errors.map(issue),
        warnings,
        warning_groups: groupMessages(warnings)
      })
    }
    if (!skipInvalid && plan.errors.length > 0) {
      return yield* new TimetableImportFailed({
        message: `${plan.errors.length} event(s) could not be read; strict import (skipInvalid false): nothing was imported`,
        errors: plan.errors.map(issue),
        warnings,
        warning_groups: groupMessages(warnings)
      })
    }
  })

/** The instants a plan's occurrences span (ISO), or null without occurrences. */
const spanOf = (plan: TimetablePlan) => {
  const live = plan.occurrences.filter((o) => !o.cancelled)
  if (live.length === 0) return null
  const from = live.reduce((m, o) => (o.startAt < m ? o.startAt : m), live[0]!.startAt)
  const to = live.reduce((m, o) => (o.endAt > m ? o.endAt : m), live[0]!.endAt)
  return { from, to }
}

/** How the import finds, compares and removes a school's courses. */
const makeLookups = (deps: Deps) => {
  const { repo, academics } = deps

  /** Whether the course (read before, else now) already matches the occurrence and its links. */
  const unchanged = (courseId: CourseId, o: Occurrence, links: Links, known: ReadonlyMap<string, Course>) =>
    Effect.map(
      known.has(courseId) ? Effect.succeed(known.get(courseId)!) : academics.getCourse(courseId),
      (current) =>
        current.name === o.name &&
        DateTime.Equivalence(current.start_at, utc(o.startAt)) &&
        DateTime.Equivalence(current.end_at, utc(o.endAt)) &&
        [...current.classroom_ids].sort().join() === links.classroom_ids.join() &&
        [...current.group_ids].sort().join() === links.group_ids.join() &&
        [...current.teacher_ids].sort().join() === links.teacher_ids.join()
    )

  /** Deletes a course unless it has attendance (then kept, with a KEPT_WITH_ATTENDANCE warning). */
  const removeCourse = (courseId: CourseId, uid: string, line: number | null, warnings: Array<ImportMessage>) =>
    Effect.gen(function* () {
      const port = yield* Effect.serviceOption(CourseAttendance)
      if (Option.isSome(port) && (yield* port.value.withAttendance([courseId])).has(courseId)) {
        warnings.push(
          new ImportMessage({
            file: uid,
            line: line ?? 0,
            code: "KEPT_WITH_ATTENDANCE",
            message: `course ${courseId} is cancelled by the calendar but has attendance recorded; it was kept`
          })
        )
        return 0
      }
      yield* academics.deleteCourse(courseId)
      return 1
    })

  /**
   * The course of an occurrence: by source key, else (a one-off event that
   * moved) the school's only course of that UID, re-keyed.
   */
  const courseOf = (schoolId: SchoolId, o: Occurrence, keys: ReadonlyMap<string, CourseId>) =>
    Effect.gen(function* () {
      const byKey =
        keys.get(o.sourceKey) ?? Option.getOrUndefined(yield* repo.findCourseIdBySourceKey(schoolId, o.sourceKey))
      if (byKey || o.recurrenceId !== null) return byKey
      const ofUid = yield* repo.findCourseIdsByUid(schoolId, o.uid)
      if (ofUid.length !== 1) return undefined
      if (!o.cancelled) yield* repo.setCourseSourceKey(ofUid[0]!, o.sourceKey)
      return ofUid[0]
    })

  return { unchanged, removeCourse, courseOf } as const
}

/** The import of a parsed timetable into a school's courses. */
export const makeImport = (deps: Deps) => {
  const { repo, audit, events, academics, inTx } = deps
  const { unchanged, removeCourse, courseOf } = makeLookups(deps)

  /** Upserts (or, cancelled, deletes) the course of each occurrence; answers the counts. */
  const applyOccurrences = (
    schoolId: SchoolId,
    plan: TimetablePlan,
    options: ImportOptions,
    teacherCodes: ReadonlyMap<string, string>,
    warnings: Array<ImportMessage>
  ) =>
    Effect.gen(function* () {
      const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0 }
      const touched = new Set<string>()
      const creates: Array<NewBulkCourse> = []
      const resolver = makeLinkResolver(deps, schoolId, {
        teacherAliases: plan.teacherAliases,
        teacherCodes,
        createMissing: options.createMissing === true
      })
      // Keys of deleted courses are released first: an occurrence cancelled earlier (or a
      // course deleted by hand) that is back in this file is created again.
      yield* repo.releaseDeletedSourceKeys(schoolId)
      const removed = new Set<string>()
      for (const series of plan.cancelledSeries) {
        for (const id of yield* repo.findCourseIdsByUid(schoolId, series.uid)) {
          removed.add(id)
          counts.deleted += yield* removeCourse(id, series.uid, series.line, warnings)
        }
      }
      // The school's sourced courses, read once (not one lookup and one read per occurrence).
      const keys = new Map((yield* repo.sourcedCourses(schoolId)).map((c) => [c.source_key, c.id] as const))
      const known = new Map(
        (yield* academics.getCourses(
          plan.occurrences.flatMap((o) => (o.cancelled ? [] : [keys.get(o.sourceKey)].filter((id) => id !== undefined)))
        )).map((c) => [c.id as string, c] as const)
      )
      for (const o of plan.occurrences) {
        const courseId = yield* courseOf(schoolId, o, keys)
        if (o.cancelled) {
          if (courseId && !removed.has(courseId)) {
            removed.add(courseId)
            counts.deleted += yield* removeCourse(courseId, o.uid, o.line, warnings)
          }
          continue
        }
        const links = yield* resolver.linksOf(o)
        const fields = { name: o.name, start_at: o.startAt, end_at: o.endAt, ...links }
        if (!courseId) {
          creates.push({ ...fields, source_key: o.sourceKey })
        } else if (yield* unchanged(courseId, o, links, known)) {
          counts.unchanged++
        } else {
          yield* academics.updateCourse(courseId, fields)
          touched.add(courseId)
          counts.updated++
        }
      }
      // Created in bulk: a first import is a whole school year (one createCourse each cost ~15 ms).
      for (const id of yield* academics.createCourses(schoolId, creates)) touched.add(id)
      counts.created += creates.length
      const { warnings: unresolved, created } = resolver.report()
      warnings.push(...unresolved)
      return { counts, touched, created }
    })

  /**
   * Applies a parsed timetable to a school (see {@link ImportOptions}).
   * @errors AcademicsNotFound (school), ValidationError (400: the file passed a limit of
   *   `ICalendar.LIMIT_CODES`, the message names it and its value; or a bad teacher codes CSV;
   *   nothing written), TimetableImportFailed (422: a fatal error, or with `skipInvalid`
   *   false any event error; nothing written)
   */
  const importPlan = (schoolId: SchoolId, plan: TimetablePlan, options: ImportOptions = {}) =>
    Effect.gen(function* () {
      const skipInvalid = options.skipInvalid !== false
      yield* refuse(plan, skipInvalid)
      const teacherCodes =
        options.teacherCodes === undefined ? new Map<string, string>() : yield* parseTeacherCodes(options.teacherCodes)
      const warnings = plan.warnings.map(issue)
      const skipped = plan.errors.map(issue)
      const run = Effect.gen(function* () {
        yield* academics.getSchool(schoolId)
        const { counts, touched, created } = yield* applyOccurrences(schoolId, plan, options, teacherCodes, warnings)
        const span = spanOf(plan)
        if (span && touched.size > 0)
          warnings.push(...(yield* findClashes(deps, schoolId, touched, span.from, span.to)))
        const summary = new TimetableSummary({
          dry_run: options.dryRun === true,
          courses: new ImportCounts(counts),
          warnings,
          errors: [],
          skipped,
          warning_groups: groupMessages(warnings),
          floating_zone: plan.floatingZone,
          created_missing: created
        })
        const facts = { ...counts, warnings: warnings.length, skipped: skipped.length, created_missing: created }
        yield* audit.record({
          action: "academics.timetable.imported",
          targetType: "school",
          targetId: schoolId,
          after: facts
        })
        yield* events.publish({ type: "signet.academics.timetable.imported", subject: schoolId, data: facts })
        if (options.dryRun) return yield* new DryRun({ summary })
        return summary
      })
      return yield* inTx(run).pipe(Effect.catchTag("DryRun", (d) => Effect.succeed(d.summary)))
    }).pipe(Effect.withSpan("Timetable.importPlan"))

  return { importPlan } as const
}

/**
 * Where open-ended series of a school's timetable end (issue 16): the
 * midnight that starts the day after the school year's last day (`endDate`,
 * `YYYY-MM-DD`, inclusive) in the school's zone, as an ISO-8601 UTC instant
 * (`TimetableParseOptions.seriesEnd`); undefined when the zone or date is unusable.
 */
export const seriesEndOf = (endDate: string, timeZone: string): string | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(endDate)
  if (!m) return undefined
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1))
  const local = { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }
  return Option.getOrUndefined(
    Option.map(DateTime.makeZoned(local, { timeZone, adjustForTimeZone: true }), (z) =>
      DateTime.formatIso(DateTime.toUtc(z))
    )
  )
}
