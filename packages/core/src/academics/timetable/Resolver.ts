/**
 * Resolution of an occurrence's classroom, group and teacher references to
 * ids. Internal to `academics/Timetable.ts`.
 *
 * Teachers (issue 16 "teachers by name"): a `teacherRef` is tried as a login
 * or e-mail, then through the mapping's aliases
 * (`plan.teacherAliases[normalizeTeacherRef(ref)]`), then through the codes
 * CSV given with the import; classrooms and groups by code in the school,
 * created (named after the code) when `createMissing` says so. What does not
 * resolve is reported once per distinct value with its occurrence count.
 *
 * @module
 */
import { type ClassroomId, type GroupId, ImportMessage, type SchoolId } from "@signet/contracts/academics/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { Effect, Option } from "effect"
import { normalizeTeacherRef, type Occurrence } from "../ICalendar.js"
import type { Deps } from "./Deps.js"

/** A course's links as an occurrence names them (at most one of each kind). */
export interface Links {
  readonly classroom_ids: ReadonlyArray<ClassroomId>
  readonly group_ids: ReadonlyArray<GroupId>
  readonly teacher_ids: ReadonlyArray<UserId>
}

/** How references resolve, besides the school's codes and the users' logins. */
export interface ResolveOptions {
  /** Normalized alias → login or e-mail (the plan's `teacherAliases`). */
  readonly teacherAliases: Readonly<Record<string, string>>
  /** Normalized code → login or e-mail (the codes CSV of the import). */
  readonly teacherCodes: ReadonlyMap<string, string>
  /** Create classrooms and groups that do not exist (by code, named after it). */
  readonly createMissing: boolean
  /** Called with an UNRESOLVED warning (without count) when a value first fails to resolve. */
  readonly onFirstMiss?: (warning: ImportMessage) => void
}

type Kind = "classroom" | "group" | "teacher"

/** Whether a code can name a new classroom or group (a non-blank trimmed code of at most 64 characters). */
const creatable = (code: string) => code === code.trim() && code.length > 0 && code.length <= 64

/** The UNRESOLVED warning of a value (with the number of occurrences that named it, when `counted`). */
const unresolved = (
  m: { readonly kind: Kind; readonly key: string; readonly count: number; readonly uid: string; readonly line: number },
  counted: boolean
) => {
  const times = counted ? ` in ${m.count} occurrence(s)` : ""
  return new ImportMessage({
    file: m.uid,
    line: m.line,
    code: "UNRESOLVED",
    message:
      m.kind === "teacher"
        ? `no teacher "${m.key}" (login, e-mail, mapping alias or code)${times}; courses created without it`
        : `no ${m.kind} "${m.key}" in this school${times}; courses created without it`
  })
}

/**
 * Resolves occurrences' classroom and group codes (in the school) and
 * teacher references to ids, each looked up once per import (issue 16). `linksOf` gives
 * an occurrence's links (an unresolved reference is left out); `report`
 * answers one UNRESOLVED warning per distinct value (with its count and the
 * first UID that named it) and how many classrooms and groups were created.
 */
export const makeLinkResolver = ({ academics, identity }: Deps, schoolId: SchoolId, options: ResolveOptions) => {
  const caches: Record<Kind, Map<string, string | null>> = {
    classroom: new Map(),
    group: new Map(),
    teacher: new Map()
  }
  const misses = new Map<string, { kind: Kind; key: string; count: number; uid: string; line: number }>()
  const created = { classrooms: 0, groups: 0 }

  const byLogin = (login: string) =>
    Effect.map(
      identity.findByLogin(login),
      Option.map((r) => r.id as string)
    )

  const findTeacher = (ref: string): Effect.Effect<Option.Option<string>, never, CurrentTenant> =>
    Effect.gen(function* () {
      const direct = yield* byLogin(ref)
      if (Option.isSome(direct)) return direct
      const key = normalizeTeacherRef(ref)
      for (const target of [options.teacherAliases[key], options.teacherCodes.get(key)]) {
        if (target === undefined) continue
        const found = yield* byLogin(target)
        if (Option.isSome(found)) return found
      }
      return Option.none()
    })

  const findOrCreate = (kind: "classroom" | "group", code: string) =>
    Effect.gen(function* () {
      const found =
        kind === "classroom"
          ? Option.map(yield* academics.findClassroomByCode(code, schoolId), (c) => c.id as string)
          : Option.map(yield* academics.findGroupByCode(code, schoolId), (g) => g.id as string)
      if (Option.isSome(found) || !options.createMissing || !creatable(code)) return found
      const input = { school_id: schoolId, name: code, code }
      if (kind === "classroom") {
        created.classrooms++
        return Option.some((yield* academics.createClassroom(input)).id as string)
      }
      created.groups++
      return Option.some((yield* academics.createGroup(input)).id as string)
    })

  const resolve = <E, R>(kind: Kind, key: string, find: Effect.Effect<Option.Option<string>, E, R>, o: Occurrence) =>
    Effect.gen(function* () {
      const cache = caches[kind]
      if (!cache.has(key)) cache.set(key, Option.getOrNull(yield* find))
      const id = cache.get(key) ?? null
      if (!id) {
        const missKey = `${kind}\u0000${key}`
        const miss = misses.get(missKey)
        if (miss) miss.count++
        else {
          const first = { kind, key, count: 1, uid: o.uid, line: o.line ?? 0 }
          misses.set(missKey, first)
          options.onFirstMiss?.(unresolved(first, false))
        }
      }
      return id
    })

  const linksOf = (o: Occurrence) =>
    Effect.gen(function* () {
      const classroomId = o.classroomCode
        ? yield* resolve("classroom", o.classroomCode, findOrCreate("classroom", o.classroomCode), o)
        : null
      const groupId = o.groupCode ? yield* resolve("group", o.groupCode, findOrCreate("group", o.groupCode), o) : null
      const teacherId = o.teacherRef ? yield* resolve("teacher", o.teacherRef, findTeacher(o.teacherRef), o) : null
      const links: Links = {
        classroom_ids: classroomId ? [classroomId as ClassroomId] : [],
        group_ids: groupId ? [groupId as GroupId] : [],
        teacher_ids: teacherId ? [teacherId as UserId] : []
      }
      return links
    })

  const report = () => ({ warnings: [...misses.values()].map((m) => unresolved(m, true)), created: { ...created } })

  return { linksOf, report } as const
}

/**
 * The resolver of the timetable sync (`Sync.ts`): codes in the school and
 * teachers by login or e-mail, nothing created; an unresolved value adds one
 * UNRESOLVED warning to `warnings` the first time it is met (not once per
 * occurrence). Answers the function giving an occurrence's links.
 */
export const makeResolver = (deps: Deps, schoolId: SchoolId, warnings: Array<ImportMessage>) =>
  makeLinkResolver(deps, schoolId, {
    teacherAliases: {},
    teacherCodes: new Map(),
    createMissing: false,
    onFirstMiss: (m) => warnings.push(m)
  }).linksOf
