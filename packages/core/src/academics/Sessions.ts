/**
 * Academic sessions (issue 16): the OneRoster school years, terms, semesters and
 * grading periods a roster import stores per school, read back as a school's sessions
 * and as "the school year at an instant" — what the timetable import uses to end an
 * open-ended weekly series at the school year's end.
 *
 * @module
 */
import { type AcademicSession, type SchoolId, SchoolYear } from "@signet/contracts/academics/Domain"
import { DateTime, Effect, Option } from "effect"
import { type Kit, notFound, validId } from "./Kit.js"

/** The local calendar date (`YYYY-MM-DD`) of an instant in a time zone (UTC when the zone is unknown). */
export const localDate = (at: DateTime.Utc, timeZone: string): string => {
  const date = new Date(DateTime.toEpochMillis(at))
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
      date
    )
  } catch {
    return date.toISOString().slice(0, 10)
  }
}

/**
 * Picks the school year of a local date among `schoolYear` sessions (pure): the one
 * covering `date` (start ≤ date ≤ end, both inclusive), else the next one to start.
 * Sessions without both dates are ignored. Ties go to the school's own session
 * (`school_id` set) over a tenant-wide one, then to the later start (covering) or the
 * earlier start (next).
 */
export const pickSchoolYear = (sessions: ReadonlyArray<AcademicSession>, date: string): Option.Option<SchoolYear> => {
  const dated = sessions.filter(
    (s): s is AcademicSession & { start_date: string; end_date: string } =>
      s.type === "schoolYear" && s.start_date !== null && s.end_date !== null
  )
  const own = (s: AcademicSession) => (s.school_id === null ? 1 : 0)
  const covering = dated
    .filter((s) => s.start_date <= date && date <= s.end_date)
    .sort((a, b) => own(a) - own(b) || b.start_date.localeCompare(a.start_date))
  const next = dated
    .filter((s) => s.start_date > date)
    .sort((a, b) => a.start_date.localeCompare(b.start_date) || own(a) - own(b))
  const found = covering[0] ?? next[0]
  return found === undefined
    ? Option.none()
    : Option.some(new SchoolYear({ title: found.title, start_date: found.start_date, end_date: found.end_date }))
}

/** The session reads over the kit; see the module comment. */
export const makeSessions = ({ inTx, repo }: Kit) => {
  const school = (id: SchoolId) =>
    Effect.flatMap(validId(id) ? repo.findSchool(id) : Effect.succeed(Option.none()), (found) =>
      Option.match(found, { onNone: () => Effect.fail(notFound("school", id)), onSome: Effect.succeed })
    )

  /**
   * A school's live academic sessions — its own and the tenant-wide ones — by start
   * date, the longer first. @errors AcademicsNotFound (no such live school of the tenant)
   */
  const listSessions = (schoolId: SchoolId) =>
    inTx(Effect.zipRight(school(schoolId), repo.schoolSessions(schoolId))).pipe(
      Effect.withSpan("Academics.listSessions")
    )

  /**
   * The school year of a school at an instant (issue 16): the live `schoolYear`
   * session of the school (or tenant-wide) covering the school's local date of `at`
   * (its time zone), else the next one to start; none when there is neither. Dates are
   * `YYYY-MM-DD`, the end date inclusive (the school's last day).
   * @errors AcademicsNotFound (no such live school of the tenant)
   */
  const findSchoolYear = (schoolId: SchoolId, at: DateTime.Utc) =>
    inTx(
      Effect.gen(function* () {
        const found = yield* school(schoolId)
        const years = yield* repo.schoolSessions(schoolId, "schoolYear")
        return pickSchoolYear(years, localDate(at, found.timezone))
      })
    ).pipe(Effect.withSpan("Academics.findSchoolYear"))

  return { listSessions, findSchoolYear } as const
}
