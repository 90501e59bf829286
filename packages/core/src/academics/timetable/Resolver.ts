/**
 * Resolution of an occurrence's classroom, group and teacher references to
 * ids. Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import { type ClassroomId, type GroupId, ImportMessage, type SchoolId } from "@signet/contracts/academics/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { Effect, Option } from "effect"
import type { Occurrence } from "../ICalendar.js"
import type { Deps } from "./Deps.js"

/** A course's links as an occurrence names them (at most one of each kind). */
export interface Links {
  readonly classroom_ids: ReadonlyArray<ClassroomId>
  readonly group_ids: ReadonlyArray<GroupId>
  readonly teacher_ids: ReadonlyArray<UserId>
}

/**
 * Resolves occurrences' classroom and group codes (in the school) and
 * teacher e-mails to ids, each looked up once per import; an unresolved one
 * adds an UNRESOLVED warning and leaves that link out.
 */
export const makeResolver = ({ academics, identity }: Deps, schoolId: SchoolId, warnings: Array<ImportMessage>) => {
  const caches = {
    classroom: new Map<string, ClassroomId | null>(),
    group: new Map<string, GroupId | null>(),
    teacher: new Map<string, UserId | null>()
  }
  const resolve = <Id extends string>(
    what: keyof typeof caches,
    cache: Map<string, Id | null>,
    key: string,
    find: Effect.Effect<Option.Option<{ readonly id: Id }>, never, CurrentTenant>,
    uid: string
  ) =>
    Effect.gen(function* () {
      if (!cache.has(key)) cache.set(key, Option.match(yield* find, { onNone: () => null, onSome: (x) => x.id }))
      const id = cache.get(key) ?? null
      if (!id)
        warnings.push(
          new ImportMessage({
            file: uid,
            line: 0,
            code: "UNRESOLVED",
            message: `no ${what} "${key}" in this school; course created without it`
          })
        )
      return id
    })
  return (o: Occurrence) =>
    Effect.gen(function* () {
      const classroomId = o.classroomCode
        ? yield* resolve(
            "classroom",
            caches.classroom,
            o.classroomCode,
            academics.findClassroomByCode(o.classroomCode, schoolId),
            o.uid
          )
        : null
      const groupId = o.groupCode
        ? yield* resolve("group", caches.group, o.groupCode, academics.findGroupByCode(o.groupCode, schoolId), o.uid)
        : null
      const teacherId = o.teacherRef
        ? yield* resolve(
            "teacher",
            caches.teacher,
            o.teacherRef,
            Effect.map(
              identity.findByLogin(o.teacherRef),
              Option.map((r) => ({ id: r.id }))
            ),
            o.uid
          )
        : null
      const links: Links = {
        classroom_ids: classroomId ? [classroomId] : [],
        group_ids: groupId ? [groupId] : [],
        teacher_ids: teacherId ? [teacherId] : []
      }
      return links
    })
}
