/**
 * Student groups and their members and teachers (issue 14 §3 "academics:
 * groups · members"). A group's code is unique in its school; its students
 * and teachers must be users of its school (see `checkUsers` in `Kit.ts`).
 *
 * @module
 */
import {
  type CreateGroup,
  GroupId,
  type SchoolId,
  type StudentGroup,
  type UpdateGroup
} from "@signet/contracts/academics/Domain"
import { newId, type UserId } from "@signet/contracts/kernel/Ids"
import { toPage } from "@signet/contracts/kernel/Pagination"
import { Effect, Option } from "effect"
import { conflict, type Kit, notFound, validId } from "./Kit.js"
import { type ListParams, type makeSchools, pageOf } from "./Schools.js"

/** The group operations over the kit and the schools; see the module comment. */
export const makeGroups = (
  { changed, checkUsers, inTx, now, repo, softDelete }: Kit,
  { getSchool }: Pick<ReturnType<typeof makeSchools>, "getSchool">
) => {
  /** The live groups with these ids (malformed ids name none). */
  const findGroups = (ids: ReadonlyArray<GroupId>) => {
    const valid = ids.filter(validId)
    return valid.length === 0 ? Effect.succeed([] as ReadonlyArray<StudentGroup>) : repo.findGroups(valid)
  }

  /** One group. @errors AcademicsNotFound */
  const getGroup = (id: GroupId) =>
    inTx(Effect.flatMap(findGroups([id]), (r) => (r[0] ? Effect.succeed(r[0]) : Effect.fail(notFound("group", id)))))

  /** Creates a student group in a school. @errors AcademicsNotFound (school), Conflict (code) */
  const createGroup = (input: CreateGroup, sourceId: string | null = null) =>
    inTx(
      Effect.gen(function* () {
        yield* getSchool(input.school_id)
        const id = yield* newId(GroupId)
        const at = yield* now
        yield* repo
          .insertGroup({
            id,
            school_id: input.school_id,
            name: input.name,
            code: input.code ?? null,
            course_title: input.course_title ?? null,
            location: input.location ?? null,
            source_id: sourceId,
            created_at: at,
            updated_at: at
          })
          .pipe(conflict("code", "a group with this code already exists in the school"))
        const group = (yield* findGroups([id]))[0]!
        yield* changed("group.created", "group", id, null, group)
        return group
      })
    )

  /** Lists groups, optionally of one school. */
  const listGroups = (params: ListParams = {}) =>
    inTx(
      Effect.gen(function* () {
        const { limit, request } = yield* pageOf(params)
        return toPage(yield* repo.listGroups(request), limit)
      })
    )

  /** Finds a group by code (in a school, or tenant-wide when unique). */
  const findGroupByCode = (code: string, schoolId?: SchoolId) =>
    inTx(
      Effect.map(repo.findGroupsByCode(code, schoolId), (r) =>
        r.length === 1 ? Option.fromNullable(r[0]) : Option.none<StudentGroup>()
      )
    )

  /** Updates a group. @errors AcademicsNotFound, Conflict */
  const updateGroup = (id: GroupId, patch: UpdateGroup) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* getGroup(id)
        const columns = {
          name: patch.name ?? before.name,
          code: patch.code === undefined ? before.code : patch.code,
          course_title: patch.course_title === undefined ? before.course_title : patch.course_title,
          location: patch.location === undefined ? before.location : patch.location
        }
        yield* repo
          .updateGroup(id, columns, yield* now)
          .pipe(conflict("code", "a group with this code already exists in the school"))
        const after = yield* getGroup(id)
        yield* changed("group.updated", "group", id, before, after)
        return after
      })
    )

  /** Soft-deletes a group. @errors AcademicsNotFound */
  const deleteGroup = (id: GroupId) => softDelete("student_groups", "group", getGroup(id))

  /** Replaces a group's student membership. @errors AcademicsNotFound, ValidationError, CrossSchoolLink */
  const setMembers = (groupId: GroupId, studentIds: ReadonlyArray<UserId>) =>
    inTx(
      Effect.gen(function* () {
        const group = yield* getGroup(groupId)
        const unique = [...new Set(studentIds)]
        yield* checkUsers(unique, ["student"], group.school_id, "student")
        const at = yield* now
        const current = yield* repo.members(groupId)
        const wanted = new Set<string>(unique)
        const add = unique.filter((s) => !current.includes(s))
        const remove = current.filter((s) => !wanted.has(s))
        yield* repo.changeMembers(groupId, remove, add, at)
        if (add.length > 0 || remove.length > 0)
          yield* changed("group.members_changed", "group", groupId, { removed: remove }, { added: add })
        return { group_id: groupId, added: add.length, removed: remove.length, members: unique.length }
      })
    )

  /** A group's student ids. @errors AcademicsNotFound */
  const listMembers = (groupId: GroupId) => inTx(Effect.zipRight(getGroup(groupId), repo.listMembers(groupId)))

  /** Replaces a group's teachers. @errors AcademicsNotFound, ValidationError, CrossSchoolLink */
  const setGroupTeachers = (groupId: GroupId, teacherIds: ReadonlyArray<UserId>) =>
    inTx(
      Effect.gen(function* () {
        const group = yield* getGroup(groupId)
        const unique = [...new Set(teacherIds)]
        yield* checkUsers(unique, ["teacher", "admin"], group.school_id, "teacher")
        yield* repo.replaceTeachers(groupId, unique, yield* now)
        const after = yield* getGroup(groupId)
        yield* changed(
          "group.teachers_changed",
          "group",
          groupId,
          { teacher_ids: group.teacher_ids },
          { teacher_ids: after.teacher_ids }
        )
        return after
      })
    )

  return {
    findGroups,
    getGroup,
    createGroup,
    listGroups,
    findGroupByCode,
    updateGroup,
    deleteGroup,
    setMembers,
    listMembers,
    setGroupTeachers
  } as const
}
