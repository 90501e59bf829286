/**
 * Bulk creation of a school's courses (issue 16): timetable imports and
 * syncs create a school year's occurrences — tens of thousands — in a few
 * multi-row statements, with `Courses.ts`' checks. Part of the academics
 * service (`Academics.createCourses`).
 *
 * @module
 */
import { CourseId, type SchoolId } from "@signet/contracts/academics/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect } from "effect"
import { type CourseLinks, makeLinkCheck, type Seams } from "./Courses.js"
import { conflict, type Kit, utc } from "./Kit.js"
import type { NewCourse } from "./Rows.js"

/** Courses per audit row and CloudEvent of a bulk creation ({@link makeBulkCourses}' `createCourses`). */
export const BULK_RECORD = 500

/**
 * One course of a bulk creation (`createCourses`): `CreateCourse` without
 * the school (one for all), with the importer's source key; instants ISO-8601.
 */
export interface NewBulkCourse extends CourseLinks {
  readonly name: string
  readonly start_at: string
  readonly end_at: string
  readonly is_online?: boolean | undefined
  readonly source_key: string | null
}

/** The bulk course operation over the kit and the seams its link check uses. */
export const makeBulkCourses = (kit: Kit, seams: Pick<Seams, "getSchool" | "findClassrooms" | "findGroups">) => {
  const { audit, bump, events, inTx, now, repo } = kit
  const { getSchool } = seams
  const checkLinks = makeLinkCheck(kit, seams)

  /**
   * Creates many courses of one school at once (timetable imports and syncs,
   * issue 16: a school year is tens of thousands of occurrences, and one
   * `createCourse` each cost ~15 ms). The same checks as `createCourse`
   * — the school exists, each end is after its start, links stay in the school
   * (each distinct target checked once) — then multi-row inserts, one version
   * bump, and one audit row `academics.courses.created` plus one CloudEvent
   * `signet.academics.courses.created` per {@link BULK_RECORD} courses,
   * naming the school and the created ids (not one per course). Answers the
   * new ids in input order.
   * @errors AcademicsNotFound (school, link target), ValidationError
   *   (`courses[i].end_at`), CrossSchoolLink, Conflict (a source key held)
   */
  const createCourses = (schoolId: SchoolId, inputs: ReadonlyArray<NewBulkCourse>) =>
    inTx(
      Effect.gen(function* () {
        yield* getSchool(schoolId)
        if (inputs.length === 0) return [] as ReadonlyArray<CourseId>
        const at = yield* now
        const rows: Array<NewCourse> = []
        for (const [i, input] of inputs.entries()) {
          const start = utc(input.start_at)
          const end = utc(input.end_at)
          if (DateTime.lessThanOrEqualTo(end, start))
            return yield* ValidationError.field(`courses[${i}].end_at`, "must be after start_at")
          rows.push({
            id: yield* newId(CourseId),
            school_id: schoolId,
            name: input.name,
            start_at: start,
            end_at: end,
            is_online: input.is_online ?? false,
            signature_closing_delay_minutes: null,
            source_key: input.source_key,
            created_at: at
          })
        }
        yield* checkLinks(schoolId, {
          teacher_ids: inputs.flatMap((c) => c.teacher_ids ?? []),
          classroom_ids: inputs.flatMap((c) => c.classroom_ids ?? []),
          group_ids: inputs.flatMap((c) => c.group_ids ?? [])
        })
        yield* repo
          .insertCourses(rows)
          .pipe(conflict("source_key", "a course with one of these source keys already exists"))
        const pairs = (pick: (c: NewBulkCourse) => ReadonlyArray<string> | undefined) =>
          inputs.flatMap((c, i) => [...new Set(pick(c) ?? [])].map((ref) => ({ course_id: rows[i]!.id, ref })))
        yield* repo.insertLinks(
          "teacher",
          pairs((c) => c.teacher_ids)
        )
        yield* repo.insertLinks(
          "classroom",
          pairs((c) => c.classroom_ids)
        )
        yield* repo.insertLinks(
          "group",
          pairs((c) => c.group_ids)
        )
        yield* bump
        for (let i = 0; i < rows.length; i += BULK_RECORD) {
          const ids = rows.slice(i, i + BULK_RECORD).map((r) => r.id)
          const data = { school_id: schoolId, count: ids.length, course_ids: ids }
          yield* audit.record({
            action: "academics.courses.created",
            targetType: "school",
            targetId: schoolId,
            after: data
          })
          yield* events.publish({ type: "signet.academics.courses.created", subject: schoolId, data })
        }
        return rows.map((r) => r.id)
      })
    )

  return { createCourses } as const
}
