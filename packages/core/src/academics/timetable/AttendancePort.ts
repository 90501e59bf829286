/**
 * The attendance port of the timetable sync (issue 16 "Sync mode"): which
 * courses have attendance recorded, so a sync never deletes a course whose
 * signatures, refusals, roll results or excuses exist. Declared here,
 * provided by the attendance module (`attendance/AcademicsPorts.ts`), which
 * owns those tables: academics cannot import attendance (attendance depends
 * on academics; ARCHITECTURE §1 "Module rule").
 *
 * @module
 */
import type { CourseId } from "@signet/contracts/academics/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Context, type Effect } from "effect"

/** Which of a tenant's courses have attendance recorded. */
export class CourseAttendance extends Context.Tag("Signet/CourseAttendance")<
  CourseAttendance,
  {
    /**
     * Of `ids` (courses of the `CurrentTenant`), those with at least one
     * signature (any status), refused attempt, roll result or excuse. Runs in
     * the caller's transaction; SQL errors are defects.
     */
    readonly withAttendance: (ids: ReadonlyArray<CourseId>) => Effect.Effect<ReadonlySet<string>, never, CurrentTenant>
  }
>() {}
