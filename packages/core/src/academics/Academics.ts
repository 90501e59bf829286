/**
 * The academics service: schools and preferences, classrooms, student groups
 * and memberships, courses and their links, and the seed's query contract
 * (`AcademicsQuery`: GetCourse, ValidateTeacherCourse, ValidateStudentCourse,
 * ValidateClassroomCourse, GetSchoolPreferences; `AcademicsCommand`:
 * CloseExpiredCourses).
 *
 * Every operation acts on the `CurrentTenant`; every mutation runs in one
 * transaction with one audit row and one CloudEvent (`signet.academics.*`).
 * Links must stay inside one school: a classroom, group or teacher of another
 * school answers `CrossSchoolLink` (409).
 *
 * Composed from its seams (issue 14 §3): `Schools.ts` (schools and
 * preferences, classrooms), `Groups.ts` (groups, members, teachers),
 * `Courses.ts` (courses and links), `CoursesBulk.ts` (bulk creation), `Queries.ts` (the seed's validations,
 * CloseExpiredCourses, the academics version), `Sessions.ts` (academic
 * sessions, the school year at an instant), sharing `Kit.ts`, over the
 * repository `Repo.ts`.
 *
 * @module
 */
import { Effect } from "effect"
import { violatedConstraint } from "../kernel/Database.js"
import { makeCourses } from "./Courses.js"
import { makeBulkCourses } from "./CoursesBulk.js"
import { makeGroups } from "./Groups.js"
import { makeKit } from "./Kit.js"
import { makeQueries } from "./Queries.js"
import { AcademicsRepo } from "./Repo.js"
import { makeClassrooms, makeSchools } from "./Schools.js"
import { makeSessions } from "./Sessions.js"

export type { ListCourses } from "./Courses.js"

/** The academics service; see the module comment. */
export class Academics extends Effect.Service<Academics>()("Signet/Academics", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    const schools = makeSchools(kit)
    const { findClassrooms, ...classrooms } = makeClassrooms(kit, schools)
    const { findGroups, ...groups } = makeGroups(kit, schools)
    const courses = makeCourses(kit, { ...schools, findClassrooms, findGroups })
    const bulk = makeBulkCourses(kit, { ...schools, findClassrooms, findGroups })
    return {
      ...schools,
      ...classrooms,
      ...groups,
      ...courses,
      // bulk creation for timetable imports and syncs (issue 16)
      ...bulk,
      // seed contract (and the academics version)
      ...makeQueries(kit),
      // academic sessions of roster imports (issue 16): listSessions, findSchoolYear
      ...makeSessions(kit),
      // for importers
      inTx: kit.inTx,
      /** Drops this process's membership cache of a tenant (after bulk writes). */
      invalidate: (tid: string) => Effect.sync(() => kit.caches.delete(tid)),
      conflictFrom: (e: unknown) => violatedConstraint(e)
    } as const
  }),
  dependencies: [AcademicsRepo.Default]
}) {}
