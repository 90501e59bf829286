/**
 * The seed's query and command contract over academics (seed 004
 * `AcademicsQuery`: ValidateTeacherCourse, ValidateStudentCourse,
 * ValidateClassroomCourse; `AcademicsCommand`: CloseExpiredCourses), the
 * courses of a classroom at an instant (how a beacon's course is resolved),
 * and the tenant's academics version. `GetCourse` and
 * `GetSchoolPreferences` live with their resources (`Courses.ts`,
 * `Schools.ts`).
 *
 * @module
 */
import { type Course, type GroupId, StudentCourseValidation } from "@signet/contracts/academics/Domain"
import { DateTime, Effect } from "effect"
import { makeSingleFlight } from "../kernel/SingleFlight.js"
import { iso, type Kit, utc, validId } from "./Kit.js"

/** The query operations over the kit; see the module comment. */
export const makeQueries = ({ audit, bump, cacheFor, events, inTx, repo, tenantId }: Kit) => {
  // Concurrent misses of one course's groups or one group's members load them once.
  const groupLoads = makeSingleFlight<ReadonlyArray<GroupId>, never>()
  const memberLoads = makeSingleFlight<ReadonlySet<string>, never>()
  /**
   * `ValidateTeacherCourse`: the teacher is assigned to the course (directly, or through one of
   * its groups). Served from the tenant's academics cache (see `Kit.ts`: a change in this process
   * is seen at once, on other replicas within a second) after the first call per pair.
   */
  const validateTeacherCourse = (teacherId: string, courseId: string) =>
    Effect.gen(function* () {
      if (!validId(teacherId) || !validId(courseId)) return false
      const cache = yield* cacheFor(yield* tenantId)
      const key = `${teacherId}:${courseId}`
      const hit = cache.teacherCourses.get(key)
      if (hit !== undefined) return hit
      const teaches = yield* inTx(repo.teachesCourse(teacherId, courseId))
      if (cache.teacherCourses.size >= 50_000) cache.teacherCourses.clear()
      cache.teacherCourses.set(key, teaches)
      return teaches
    })

  /**
   * `ValidateStudentCourse`: the student is a member of ANY (live) group
   * assigned to the course; returns the matched groups. Served from the
   * membership cache (see `Kit.ts`) after the first call per course and group.
   */
  const validateStudentCourse = (studentId: string, courseId: string) =>
    Effect.gen(function* () {
      if (!validId(studentId) || !validId(courseId))
        return new StudentCourseValidation({ is_allowed: false, matched_group_ids: [] })
      const tid = yield* tenantId
      const cache = yield* cacheFor(tid)
      let groups = cache.courseGroups.get(courseId)
      if (!groups) {
        groups = yield* groupLoads(`${tid}:${cache.version}:${courseId}`, inTx(repo.courseGroups(courseId)))
        cache.courseGroups.set(courseId, groups)
      }
      const matched: Array<GroupId> = []
      for (const g of groups) {
        let members = cache.groupMembers.get(g)
        if (!members) {
          members = yield* memberLoads(
            `${tid}:${cache.version}:${g}`,
            Effect.map(inTx(repo.members(g)), (m) => new Set(m))
          )
          cache.groupMembers.set(g, members)
        }
        if (members.has(studentId)) matched.push(g)
      }
      return new StudentCourseValidation({ is_allowed: matched.length > 0, matched_group_ids: matched })
    })

  /** `ValidateClassroomCourse`: the classroom is linked to the course. */
  const validateClassroomCourse = (classroomId: string, courseId: string) =>
    inTx(
      !validId(classroomId) || !validId(courseId)
        ? Effect.succeed(false)
        : repo.classroomOfCourse(classroomId, courseId)
    )

  /** Courses of a classroom running at `at` (± `graceMinutes`), earliest first — used to resolve a beacon's course. */
  const coursesInClassroomAt = (classroomId: string, at: string, graceMinutes = 0) =>
    inTx(
      Effect.suspend(() => {
        if (!validId(classroomId)) return Effect.succeed([] as Array<Course>)
        const t = utc(at)
        return repo.coursesInClassroom(
          classroomId,
          DateTime.formatIso(DateTime.subtract(t, { minutes: graceMinutes })),
          DateTime.formatIso(DateTime.add(t, { minutes: graceMinutes }))
        )
      })
    )

  /**
   * `AcademicsCommand.CloseExpiredCourses(now)`: closes signing on every
   * course of the current tenant that has ended; returns how many were closed.
   */
  const closeExpiredCourses = (nowIso: string) => closeWith(repo.closeEnded(utc(nowIso)), nowIso)

  /**
   * `CloseCourse`: closes signing on one course of the current tenant now
   * (its teacher ends the class; issue 17); answers it in `course_ids`, or
   * nothing when it was already closed. Who may is attendance's rule.
   */
  const closeCourse = (courseId: string, nowIso: string) => closeWith(repo.closeOne(courseId, utc(nowIso)), nowIso)

  const closeWith = (close: ReturnType<typeof repo.closeEnded>, nowIso: string) =>
    inTx(
      Effect.gen(function* () {
        const closed = yield* close
        if (closed.length > 0) {
          yield* bump
          yield* audit.record({
            action: "academics.courses.closed",
            targetType: "course",
            targetId: null,
            after: { closed }
          })
          for (const id of closed)
            yield* events.publish({
              type: "signet.academics.course.closed",
              subject: id,
              data: { course_id: id, closed_at: iso(nowIso) }
            })
        }
        return { closed_count: closed.length, course_ids: closed }
      })
    )

  /**
   * The current tenant's academics version: bumped by every academics change (seen at once
   * in this process, within a second on other replicas). Other modules key their caches of
   * courses and preferences on it.
   */
  const version = Effect.flatMap(tenantId, (tid) => Effect.map(cacheFor(tid), (c) => c.version))

  return {
    validateTeacherCourse,
    validateStudentCourse,
    validateClassroomCourse,
    coursesInClassroomAt,
    closeExpiredCourses,
    closeCourse,
    version
  } as const
}
