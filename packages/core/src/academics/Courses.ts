/**
 * Courses and their links to teachers, classrooms and student groups
 * (issue 14 §3 "academics: courses · links"; seed 004 `GetCourse`). Links
 * must stay inside the course's school: a classroom, group or teacher of
 * another school answers `CrossSchoolLink` (409).
 *
 * @module
 */
import {
  type AcademicsNotFound,
  type ClassroomId,
  type Course,
  CourseId,
  type CreateCourse,
  CrossSchoolLink,
  type GroupId,
  type SchoolId,
  type UpdateCourse
} from "@signet/contracts/academics/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId, type UserId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT } from "@signet/contracts/kernel/Pagination"
import { DateTime, Effect } from "effect"
import type { makeGroups } from "./Groups.js"
import { conflict, iso, type Kit, notFound, utc, validId } from "./Kit.js"
import type { makeClassrooms, makeSchools } from "./Schools.js"

/** Filters of {@link Academics.listCourses}. */
export interface ListCourses {
  readonly school_id?: SchoolId | undefined
  readonly teacher_id?: UserId | undefined
  readonly group_id?: GroupId | undefined
  readonly classroom_id?: ClassroomId | undefined
  /** Courses ending after this instant. */
  readonly from?: string | undefined
  /** Courses starting before this instant. */
  readonly to?: string | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/** Course list cursor: base64url of `start_at|id` (`start_at` as ISO-8601 UTC). */
const encodeCourseCursor = (c: { readonly start_at: DateTime.Utc; readonly id: string }) =>
  Buffer.from(`${DateTime.formatIso(c.start_at)}|${c.id}`).toString("base64url")
const decodeCourseCursor = (cursor: string | undefined) => {
  if (!cursor) return Effect.succeed(undefined)
  const [start, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  return start && id && !Number.isNaN(Date.parse(start)) && /^[0-9a-f-]{36}$/.test(id)
    ? Effect.succeed({ start, id })
    : Effect.fail(ValidationError.field("cursor", "is not a valid page cursor"))
}

/** What the course seam uses of the other seams. */
export type Seams = Pick<ReturnType<typeof makeSchools>, "getSchool"> &
  Pick<ReturnType<typeof makeClassrooms>, "findClassrooms"> &
  Pick<ReturnType<typeof makeGroups>, "findGroups">

/** A course's links as given to create or update it. */
export interface CourseLinks {
  readonly teacher_ids?: ReadonlyArray<UserId> | undefined
  readonly classroom_ids?: ReadonlyArray<ClassroomId> | undefined
  readonly group_ids?: ReadonlyArray<GroupId> | undefined
}

/**
 * Builds the check of link targets: every teacher, classroom and group must
 * exist and belong to the school (teachers: `checkUsers`' rule). Used per
 * course by `writeLinks` and once per distinct target by the bulk creation.
 * @errors AcademicsNotFound, ValidationError, CrossSchoolLink
 */
export const makeLinkCheck =
  ({ checkUsers }: Kit, { findClassrooms, findGroups }: Pick<Seams, "findClassrooms" | "findGroups">) =>
  (schoolId: SchoolId, links: CourseLinks) =>
    Effect.gen(function* () {
      /** Every target must exist and belong to the course's school. */
      const sameSchool = (
        resource: "classroom" | "group",
        ids: ReadonlyArray<string>,
        found: ReadonlyArray<{ readonly id: string; readonly school_id: string }>
      ) =>
        Effect.forEach(
          ids,
          (id): Effect.Effect<void, AcademicsNotFound | CrossSchoolLink> => {
            const target = found.find((x) => x.id === id)
            if (!target) return Effect.fail(notFound(resource, id))
            return target.school_id === schoolId
              ? Effect.void
              : Effect.fail(
                  new CrossSchoolLink({
                    message: `${resource} ${id} belongs to another school`,
                    resource,
                    id,
                    school_id: target.school_id
                  })
                )
          },
          { discard: true }
        )
      if (links.teacher_ids?.length)
        yield* checkUsers([...new Set(links.teacher_ids)], ["teacher", "admin"], schoolId, "teacher")
      if (links.classroom_ids?.length) {
        const ids = [...new Set(links.classroom_ids)]
        yield* sameSchool("classroom", ids, yield* findClassrooms(ids))
      }
      if (links.group_ids?.length) {
        const ids = [...new Set(links.group_ids)]
        yield* sameSchool("group", ids, yield* findGroups(ids))
      }
    })

/** Builds `writeLinks` over the kit and the seams it checks link targets with. */
const makeLinks = (kit: Kit, seams: Seams) => {
  const check = makeLinkCheck(kit, seams)
  /** Validates and writes a course's links (caller's transaction); a list given replaces that kind when `replace`. */
  return (courseId: CourseId, schoolId: SchoolId, links: CourseLinks, replace: boolean) =>
    Effect.gen(function* () {
      yield* check(schoolId, links)
      if (links.teacher_ids) yield* kit.repo.link("teacher", courseId, [...new Set(links.teacher_ids)], replace)
      if (links.classroom_ids) yield* kit.repo.link("classroom", courseId, [...new Set(links.classroom_ids)], replace)
      if (links.group_ids) yield* kit.repo.link("group", courseId, [...new Set(links.group_ids)], replace)
    })
}

/** The course operations over the kit and the other seams; see the module comment. */
export const makeCourses = (kit: Kit, seams: Seams) => {
  const { changed, inTx, now, repo, softDelete } = kit
  const { getSchool } = seams
  const writeLinks = makeLinks(kit, seams)

  /** The live courses with these ids (malformed ids name none). */
  const findCourses = (ids: ReadonlyArray<CourseId>) => {
    const valid = ids.filter(validId)
    return valid.length === 0 ? Effect.succeed([] as ReadonlyArray<Course>) : repo.findCourses(valid)
  }

  /** `AcademicsQuery.GetCourse` (seed 004). @errors AcademicsNotFound */
  const getCourse = (id: CourseId) =>
    inTx(Effect.flatMap(findCourses([id]), (r) => (r[0] ? Effect.succeed(r[0]) : Effect.fail(notFound("course", id)))))

  /** Several courses at once (live courses of the current tenant; unknown ids are left out). */
  const getCourses = (ids: ReadonlyArray<CourseId>) =>
    inTx(
      Effect.gen(function* () {
        const out: Array<Course> = []
        const unique = [...new Set(ids)]
        for (let i = 0; i < unique.length; i += 500) out.push(...(yield* findCourses(unique.slice(i, i + 500))))
        return out
      })
    )

  /**
   * Creates a course with its links.
   * @errors AcademicsNotFound (school, links), ValidationError (end before start), CrossSchoolLink
   */
  const createCourse = (input: CreateCourse, sourceKey: string | null = null) =>
    inTx(
      Effect.gen(function* () {
        yield* getSchool(input.school_id)
        const start = utc(input.start_at)
        const end = utc(input.end_at)
        if (DateTime.lessThanOrEqualTo(end, start))
          return yield* ValidationError.field("end_at", "must be after start_at")
        const id = yield* newId(CourseId)
        yield* repo
          .insertCourse({
            id,
            school_id: input.school_id,
            name: input.name,
            start_at: start,
            end_at: end,
            is_online: input.is_online ?? false,
            signature_closing_delay_minutes: input.signature_closing_delay_minutes ?? null,
            source_key: sourceKey,
            created_at: yield* now
          })
          .pipe(conflict("source_key", "a course with this source key already exists"))
        yield* writeLinks(id, input.school_id, input, false)
        const course = yield* getCourse(id)
        yield* changed("course.created", "course", id, null, course)
        return course
      })
    )

  /**
   * Updates a course; link lists given replace the current links.
   * @errors AcademicsNotFound, ValidationError, CrossSchoolLink
   */
  const updateCourse = (id: CourseId, patch: UpdateCourse) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* getCourse(id)
        const start = patch.start_at ? utc(patch.start_at) : before.start_at
        const end = patch.end_at ? utc(patch.end_at) : before.end_at
        if (DateTime.lessThanOrEqualTo(end, start))
          return yield* ValidationError.field("end_at", "must be after start_at")
        const delay =
          patch.signature_closing_delay_minutes === undefined
            ? before.closing_delay_overridden
              ? before.signature_closing_delay_minutes
              : null
            : patch.signature_closing_delay_minutes
        yield* repo.updateCourse(
          id,
          {
            name: patch.name ?? before.name,
            start_at: start,
            end_at: end,
            is_online: patch.is_online ?? before.is_online,
            signature_closing_delay_minutes: delay
          },
          yield* now
        )
        yield* writeLinks(id, before.school_id, patch, true)
        const after = yield* getCourse(id)
        yield* changed("course.updated", "course", id, before, after)
        return after
      })
    )

  /** Soft-deletes a course. @errors AcademicsNotFound */
  const deleteCourse = (id: CourseId) => softDelete("courses", "course", getCourse(id))

  /**
   * Lists courses by start time with filters (school, teacher, group,
   * classroom, date range), cursor pagination.
   */
  const listCourses = (params: ListCourses = {}) =>
    inTx(
      Effect.gen(function* () {
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCourseCursor(params.cursor)
        const { items, more } = yield* repo.listCourses({
          school_id: params.school_id,
          teacher_id: params.teacher_id,
          group_id: params.group_id,
          classroom_id: params.classroom_id,
          from: params.from ? iso(params.from) : undefined,
          to: params.to ? iso(params.to) : undefined,
          after,
          limit
        })
        const last = items[items.length - 1]
        return { items, next_cursor: more && last ? encodeCourseCursor(last) : null }
      })
    )

  return { getCourse, getCourses, createCourse, updateCourse, deleteCourse, listCourses } as const
}
