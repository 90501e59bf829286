/**
 * Schools and their preferences, and classrooms (issue 14 §3 "academics:
 * schools · classrooms"; seed 004 `GetSchoolPreferences`). A classroom's code
 * is unique in its school.
 *
 * @module
 */
import {
  Classroom,
  ClassroomId,
  type CreateClassroom,
  type CreateSchool,
  DEFAULT_PREFERENCES,
  School,
  SchoolId,
  SchoolPreferences,
  type UpdateClassroom,
  type UpdatePreferences,
  type UpdateSchool
} from "@signet/contracts/academics/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Effect, Option } from "effect"
import { conflict, type Kit, merge, notFound, validId } from "./Kit.js"

/** Paging parameters of a list, optionally of one school. */
export interface ListParams {
  readonly school_id?: SchoolId | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/**
 * Decodes a list's cursor and size: the repository's page request for
 * `limit + 1` rows, so `toPage` can tell whether another page follows.
 * Fails with `ValidationError` on a bad cursor.
 */
export const pageOf = (params: ListParams) =>
  Effect.map(decodeCursor(params.cursor), (after) => {
    const limit = params.limit ?? DEFAULT_LIMIT
    return { limit, request: { school_id: params.school_id, after, limit: limit + 1 } }
  })

/** The school operations over the kit; see the module comment. */
export const makeSchools = ({ changed, inTx, now, repo, softDelete }: Kit) => {
  const findSchool = (id: SchoolId) => (validId(id) ? repo.findSchool(id) : Effect.succeed(Option.none<School>()))

  /** One school. @errors AcademicsNotFound */
  const getSchool = (id: SchoolId) =>
    inTx(
      Effect.flatMap(
        findSchool(id),
        Option.match({ onNone: () => Effect.fail(notFound("school", id)), onSome: Effect.succeed })
      )
    )

  /** Creates a school and its preferences. @errors Conflict (code taken) */
  const createSchool = (input: CreateSchool, sourceId: string | null = null) =>
    inTx(
      Effect.gen(function* () {
        const id = yield* newId(SchoolId)
        const at = yield* now
        const school = new School({
          id,
          name: input.name,
          code: input.code ?? null,
          timezone: input.timezone ?? "UTC",
          source_id: sourceId,
          created_at: at,
          updated_at: at
        })
        yield* repo.insertSchool(school).pipe(conflict("code", "a school with this code already exists"))
        const p = merge<Omit<SchoolPreferences, "id">>(DEFAULT_PREFERENCES, input.preferences ?? {})
        yield* repo.insertPreferences({ ...p, id }, at)
        yield* changed("school.created", "school", id, null, school)
        return school
      })
    )

  /** Lists schools (by id, cursor pagination). */
  const listSchools = (params: { readonly cursor?: string | undefined; readonly limit?: number | undefined } = {}) =>
    inTx(
      Effect.gen(function* () {
        const { limit, request } = yield* pageOf(params)
        return toPage(yield* repo.listSchools(request), limit)
      })
    )

  /** Updates a school. @errors AcademicsNotFound, Conflict, ValidationError (time zone) */
  const updateSchool = (id: SchoolId, patch: UpdateSchool) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* getSchool(id)
        if (patch.timezone !== undefined) {
          try {
            new Intl.DateTimeFormat("en", { timeZone: patch.timezone })
          } catch {
            return yield* ValidationError.field("timezone", "must be an IANA time zone")
          }
        }
        const at = yield* now
        const after = new School({
          ...before,
          name: patch.name ?? before.name,
          code: patch.code === undefined ? before.code : patch.code,
          timezone: patch.timezone ?? before.timezone,
          updated_at: at
        })
        yield* repo.updateSchool(after).pipe(conflict("code", "a school with this code already exists"))
        yield* changed("school.updated", "school", id, before, after)
        return after
      })
    )

  /** Soft-deletes a school. @errors AcademicsNotFound */
  const deleteSchool = (id: SchoolId) => softDelete("schools", "school", getSchool(id))

  /** `AcademicsQuery.GetSchoolPreferences`. @errors AcademicsNotFound */
  const getSchoolPreferences = (schoolId: SchoolId) =>
    inTx(
      Effect.gen(function* () {
        yield* getSchool(schoolId)
        const p = yield* repo.findPreferences(schoolId)
        return Option.getOrElse(p, () => new SchoolPreferences({ ...DEFAULT_PREFERENCES, id: schoolId }))
      })
    )

  /** Updates a school's preferences (partial). @errors AcademicsNotFound */
  const updateSchoolPreferences = (schoolId: SchoolId, patch: UpdatePreferences) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* getSchoolPreferences(schoolId)
        const after = new SchoolPreferences(merge({ ...before }, patch))
        yield* repo.updatePreferences(after, yield* now)
        yield* changed("school.preferences_updated", "school", schoolId, before, after)
        return after
      })
    )

  return {
    getSchool,
    createSchool,
    listSchools,
    updateSchool,
    deleteSchool,
    getSchoolPreferences,
    updateSchoolPreferences
  } as const
}

/** The classroom operations over the kit and the schools; see the module comment. */
export const makeClassrooms = (
  { changed, inTx, now, repo, softDelete }: Kit,
  { getSchool }: Pick<ReturnType<typeof makeSchools>, "getSchool">
) => {
  /** The live classrooms with these ids (malformed ids name none). */
  const findClassrooms = (ids: ReadonlyArray<ClassroomId>) => {
    const valid = ids.filter(validId)
    return valid.length === 0 ? Effect.succeed([] as ReadonlyArray<Classroom>) : repo.findClassrooms(valid)
  }

  /** One classroom. @errors AcademicsNotFound */
  const getClassroom = (id: ClassroomId) =>
    inTx(
      Effect.flatMap(findClassrooms([id]), (r) =>
        r[0] ? Effect.succeed(r[0]) : Effect.fail(notFound("classroom", id))
      )
    )

  /** Creates a classroom in a school. @errors AcademicsNotFound (school), Conflict (code taken in the school) */
  const createClassroom = (input: CreateClassroom) =>
    inTx(
      Effect.gen(function* () {
        yield* getSchool(input.school_id)
        const id = yield* newId(ClassroomId)
        const at = yield* now
        const room = new Classroom({
          id,
          school_id: input.school_id,
          name: input.name,
          code: input.code,
          capacity: input.capacity ?? null,
          created_at: at,
          updated_at: at
        })
        yield* repo
          .insertClassroom(room)
          .pipe(conflict("code", "a classroom with this code already exists in the school"))
        yield* changed("classroom.created", "classroom", id, null, room)
        return room
      })
    )

  /** Lists classrooms, optionally of one school. */
  const listClassrooms = (params: ListParams = {}) =>
    inTx(
      Effect.gen(function* () {
        const { limit, request } = yield* pageOf(params)
        return toPage(yield* repo.listClassrooms(request), limit)
      })
    )

  /** Finds a classroom by code (in a school, or tenant-wide when unique). */
  const findClassroomByCode = (code: string, schoolId?: SchoolId) =>
    inTx(
      Effect.map(repo.findClassroomsByCode(code, schoolId), (r) =>
        r.length === 1 ? Option.some(r[0]!) : Option.none<Classroom>()
      )
    )

  /** Updates a classroom. @errors AcademicsNotFound, Conflict */
  const updateClassroom = (id: ClassroomId, patch: UpdateClassroom) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* getClassroom(id)
        const at = yield* now
        const after = new Classroom({
          ...before,
          name: patch.name ?? before.name,
          code: patch.code ?? before.code,
          capacity: patch.capacity === undefined ? before.capacity : patch.capacity,
          updated_at: at
        })
        yield* repo
          .updateClassroom(after)
          .pipe(conflict("code", "a classroom with this code already exists in the school"))
        yield* changed("classroom.updated", "classroom", id, before, after)
        return after
      })
    )

  /** Soft-deletes a classroom. @errors AcademicsNotFound */
  const deleteClassroom = (id: ClassroomId) => softDelete("classrooms", "classroom", getClassroom(id))

  return {
    findClassrooms,
    getClassroom,
    createClassroom,
    listClassrooms,
    findClassroomByCode,
    updateClassroom,
    deleteClassroom
  } as const
}
