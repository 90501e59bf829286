/**
 * What every seam of the attendance service shares (issue 14 §3): the
 * services it reaches, the repository, the tenant transaction, the caller's
 * permissions, and the course and school-preference caches the rules read.
 *
 * Built once by the `Attendance` service constructor ({@link makeShared})
 * and handed to each seam (`Policies`, `Qr`, `Signatures`, `Signing`,
 * `Roll`, `Excuses`, `Reports`).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  type AcademicsNotFound,
  type Course,
  CourseId,
  type GroupId,
  SchoolId,
  type SchoolPreferences
} from "@signet/contracts/academics/Domain"
import { AttendanceNotFound } from "@signet/contracts/attendance/Domain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import { UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import { Academics } from "../academics/Academics.js"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTxOn } from "../kernel/Database.js"
import { Quotas } from "../kernel/Quotas.js"
import { makeSingleFlight } from "../kernel/SingleFlight.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { AttendanceRepo } from "./Repo.js"

/** A UUID (any version), as ids are checked before they reach SQL. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** One minute in milliseconds. */
export const MINUTE = 60_000

/** The 404 of attendance: `resource` `id` does not exist in the tenant. */
export const notFound = (resource: AttendanceNotFound["resource"], id: string): AttendanceNotFound =>
  new AttendanceNotFound({ message: `no ${resource} ${id}`, resource, id })

/**
 * The user an actor is (null for API keys, operators, the system and
 * beacons): a `user` actor's id is a user id by construction (the verified
 * token's subject), branded here once.
 */
export const userOf = (actor: Actor): UserId | null =>
  actor.kind === "user" && actor.id !== null ? (actor.id as UserId) : null

/**
 * An instant as attendance's domain holds it (`DateTime.Utc`), from an
 * academics instant (ISO-8601 string, or already a `DateTime.Utc`).
 */
export const utc = (instant: string | DateTime.Utc): DateTime.Utc => DateTime.unsafeMake(instant)

/** An academics course's id and school as attendance's branded ids. */
export const courseRef = (course: { readonly id: string; readonly school_id: string }) =>
  ({ id: CourseId.make(course.id), school_id: SchoolId.make(course.school_id) }) as const

/** A 403, naming the permission that would have allowed it when there is one. */
export const forbidden = (message: string, permission?: string): Forbidden =>
  new Forbidden({ message, ...(permission ? { permission } : {}) })

/** The services and the tenant's transaction every seam reaches (the first layer of {@link makeShared}). */
const makeBase = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* AttendanceRepo
  const academics = yield* Academics
  const identity = yield* Identity
  const access = yield* Access
  const audit = yield* Audit
  const events = yield* Events
  const envelope = yield* Envelope
  const tenancy = yield* Tenancy
  const quotas = yield* Quotas

  /** Runs `self` in a transaction of the current tenant (RLS tenant set; SQL errors are defects). */
  const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantTxOn(sql, self)
  const tenantId = Effect.map(CurrentTenant, (t) => t.id)
  /** Whether the current actor holds `permission`. */
  const can = (permission: string) => Effect.flatMap(CurrentActor, (actor) => access.checkActor(actor, permission))
  /** The acting user's id (null for API keys, operators, the system and beacons). */
  const actingUser = Effect.map(CurrentActor, userOf)

  return {
    sql,
    repo,
    academics,
    identity,
    access,
    audit,
    events,
    envelope,
    tenancy,
    quotas,
    inTx,
    tenantId,
    can,
    actingUser
  } as const
})

type Base = Effect.Effect.Success<typeof makeBase>

/** Course and school-preference lookups: the 404 of a course, and the caches the signing rules read. */
const courseLookups = ({ academics, tenantId }: Base) => {
  /** A course of the tenant, else `AttendanceNotFound` (course). */
  const courseOr404 = (courseId: string) =>
    Schema.is(CourseId)(courseId)
      ? academics.getCourse(courseId).pipe(Effect.catchTag("AcademicsNotFound", () => notFound("course", courseId)))
      : Effect.fail(notFound("course", courseId))

  // Courses and school preferences as the rules read them, cached per tenant and keyed on
  // the academics version (every academics change bumps it: seen at once in this process,
  // within a second on other replicas).
  const courseCache = new Map<string, { readonly version: number; readonly course: Course }>()
  const prefsCache = new Map<string, { readonly version: number; readonly prefs: SchoolPreferences }>()
  // Concurrent misses (a cold start: every student of a course at once) load each once.
  const courseLoads = makeSingleFlight<Option.Option<Course>, never>()
  const prefsLoads = makeSingleFlight<SchoolPreferences, AcademicsNotFound>()
  const cachedCourse = (courseId: string) =>
    Effect.gen(function* () {
      const key = `${yield* tenantId}:${courseId}`
      const version = yield* academics.version
      const hit = courseCache.get(key)
      if (hit && hit.version === version) return Option.some(hit.course)
      const found = Schema.is(CourseId)(courseId)
        ? yield* courseLoads(`${key}:${version}`, academics.getCourse(courseId).pipe(Effect.option))
        : Option.none<Course>()
      if (courseCache.size > 20_000) courseCache.clear()
      if (Option.isSome(found)) courseCache.set(key, { version, course: found.value })
      return found
    })
  const cachedPrefs = (schoolId: SchoolId) =>
    Effect.gen(function* () {
      const key = `${yield* tenantId}:${schoolId}`
      const version = yield* academics.version
      const hit = prefsCache.get(key)
      if (hit && hit.version === version) return hit.prefs
      const prefs = yield* prefsLoads(`${key}:${version}`, academics.getSchoolPreferences(schoolId))
      if (prefsCache.size > 5000) prefsCache.clear()
      prefsCache.set(key, { version, prefs })
      return prefs
    })

  return { courseOr404, cachedCourse, cachedPrefs } as const
}

/** Who may act on or read a course or a student: staff, the narrowed teacher (issue 15 §4), the student. */
const readScope = ({ academics, can, identity }: Base, { courseOr404 }: ReturnType<typeof courseLookups>) => {
  /** Whether the caller may act as staff on a course: `attendance:admin`, or a teacher assigned to it. */
  const isStaffOf = (courseId: string) =>
    Effect.gen(function* () {
      if (yield* can("attendance:admin")) return true
      const actor = yield* CurrentActor
      if (actor.kind !== "user" || !actor.id || !(yield* can("attendance:write"))) return false
      return yield* academics.validateTeacherCourse(actor.id, courseId)
    })

  /**
   * The teacher whose courses bound the caller's reads (issue 15 §4), or
   * `null` when the caller reads the whole tenant. A user whose user type
   * (the token's verified claim, else the stored one) is `teacher` and who
   * does not hold `attendance:admin` reads only the courses they teach
   * (`ValidateTeacherCourse`: directly or through one of the course's
   * groups), whatever roles grant them `attendance:read`.
   * `attendance:admin` (`attendance:*`) holders, other users (admin or dev
   * types, e.g. with the viewer role; students read their own records only),
   * API keys, operators, the system and beacons keep what their permissions
   * allow in the whole tenant.
   */
  const narrowedTo = Effect.gen(function* () {
    const actor = yield* CurrentActor
    if (actor.kind !== "user" || !actor.id || !Schema.is(UserId)(actor.id)) return null
    if (yield* can("attendance:admin")) return null
    const type = actor.userType ?? (yield* identity.liteMany([actor.id])).get(actor.id)?.user_type
    return type === "teacher" ? actor.id : null
  })

  /** Whether the caller may read a course's attendance (`attendance:read`, narrowed as {@link narrowedTo}). */
  const mayReadCourse = (courseId: string) =>
    Effect.gen(function* () {
      if (!(yield* can("attendance:read"))) return false
      const teacher = yield* narrowedTo
      return teacher === null || (yield* academics.validateTeacherCourse(teacher, courseId))
    })

  /**
   * A course whose attendance the caller may read, else the same 404 as a
   * missing course (a course of another teacher is not revealed).
   */
  const readableCourse = (courseId: string) =>
    Effect.gen(function* () {
      const course = yield* courseOr404(courseId)
      if (!(yield* mayReadCourse(course.id))) return yield* notFound("course", courseId)
      return course
    })

  /** Whether the caller may see a student's attendance: themselves, or `attendance:read`. */
  const maySee = (studentId: string) =>
    Effect.gen(function* () {
      const actor = yield* CurrentActor
      return (actor.kind === "user" && actor.id === studentId) || (yield* can("attendance:read"))
    })

  return { isStaffOf, narrowedTo, mayReadCourse, readableCourse, maySee } as const
}

/** Who teaches and who attends which course (paged through academics). */
const enrolment = ({ academics }: Base) => {
  /** The ids of the courses a teacher teaches: directly, or through a group they teach. */
  const taughtCourseIds = (teacherId: UserId) =>
    Effect.gen(function* () {
      const ids = new Set<CourseId>()
      const collect = (filter: { readonly teacher_id: UserId } | { readonly group_id: GroupId }) =>
        Effect.gen(function* () {
          let cursor: string | undefined
          do {
            const page = yield* academics.listCourses({ ...filter, limit: 200, ...(cursor ? { cursor } : {}) })
            for (const c of page.items) ids.add(c.id)
            cursor = page.next_cursor ?? undefined
          } while (cursor)
        })
      yield* collect({ teacher_id: teacherId })
      let cursor: string | undefined
      do {
        const page = yield* academics.listGroups({ limit: 200, ...(cursor ? { cursor } : {}) })
        for (const g of page.items) if (g.teacher_ids.includes(teacherId)) yield* collect({ group_id: g.id })
        cursor = page.next_cursor ?? undefined
      } while (cursor)
      return ids
    }).pipe(Effect.orDie)

  /**
   * The ids of a student's courses — the one definition every report uses
   * (issue 15 §6): the courses of the live groups the student is a member
   * of, plus every course where the student has a roll result
   * (`resultCourseIds`). From a course's side the same relation is
   * {@link enrolled} plus the students with a result.
   */
  const coursesOfStudent = (studentId: string, resultCourseIds: Iterable<CourseId>) =>
    Effect.gen(function* () {
      const ids = new Set<CourseId>(resultCourseIds)
      let cursor: string | undefined
      do {
        const page = yield* academics.listGroups({ limit: 200, ...(cursor ? { cursor } : {}) })
        for (const g of page.items) {
          const members = yield* academics.listMembers(g.id).pipe(Effect.orElseSucceed(() => [] as Array<UserId>))
          if (!members.some((m) => m === studentId)) continue
          let courseCursor: string | undefined
          do {
            const courses = yield* academics.listCourses({
              group_id: g.id,
              limit: 200,
              ...(courseCursor ? { cursor: courseCursor } : {})
            })
            for (const c of courses.items) ids.add(c.id)
            courseCursor = courses.next_cursor ?? undefined
          } while (courseCursor)
        }
        cursor = page.next_cursor ?? undefined
      } while (cursor)
      return ids
    }).pipe(Effect.orDie)

  /** The students enrolled in a course (members of its live groups). */
  const enrolled = (course: Course) =>
    Effect.gen(function* () {
      const out = new Set<UserId>()
      for (const g of course.group_ids) {
        const members = yield* academics.listMembers(g).pipe(Effect.orElseSucceed(() => [] as Array<UserId>))
        for (const m of members) out.add(m)
      }
      return out
    })

  return { taughtCourseIds, coursesOfStudent, enrolled } as const
}

/**
 * Builds the shared dependencies and helpers (see the module comment):
 * the services and transaction, then the course lookups, the read scope
 * and the enrolment helpers built on them.
 * Needs the services of academics, access, audit, events, identity, tenancy,
 * the envelope and the attendance repository.
 */
export const makeShared = Effect.map(makeBase, (base) => {
  const lookups = courseLookups(base)
  return { ...base, ...lookups, ...readScope(base, lookups), ...enrolment(base) } as const
})

/** The shared dependencies and helpers of the attendance seams. */
export type Shared = Effect.Effect.Success<typeof makeShared>

/** Academics' 404 in attendance's terms (the same object, named the same way). */
export const as404 = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    self,
    (e): e is Extract<E, AcademicsNotFound> => (e as { _tag?: string })?._tag === "AcademicsNotFound",
    (e) => Effect.fail(notFound(e.resource === "user" ? "student" : e.resource, e.id))
  ) as Effect.Effect<A, Exclude<E, AcademicsNotFound> | AttendanceNotFound, R>
