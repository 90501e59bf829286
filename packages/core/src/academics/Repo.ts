/**
 * The academics repository: all of the academics module's SQL (ARCHITECTURE
 * §1 "Repo.ts"; issue 14 §2). Of core's services it is the only writer of
 * `schools`, `school_preferences`, `classrooms`, `student_groups`,
 * `group_members`, `group_teachers`, `courses`, `teachers_courses`,
 * `courses_classrooms`, `courses_student_groups`, `academics_versions`,
 * `calendar_feeds`, `academic_sessions` and `timetable_sources` — for the academics service, the OneRoster import
 * (`Roster.ts`) and the timetable (`Timetable.ts`) alike.
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's tenant transaction (`tenantTx`, which on Postgres also sets the
 * row-level-security tenant). Rows are decoded once into the domain classes
 * (`School`, `SchoolPreferences`, `Classroom`, `StudentGroup`, `Course`,
 * `CalendarFeed`; a group's member count and teachers and a course's links
 * and effective closing delay are read with it). SQL errors become defects,
 * except unique violations on insert/update, which the caller turns into a
 * `Conflict`. Each method has a span `AcademicsRepo.<method>`.
 *
 * The queries live in `repo/Schools.ts` (schools, preferences, soft
 * deletion, the version), `repo/Classrooms.ts`, `repo/Groups.ts` (groups,
 * members, teachers), `repo/Courses.ts` (courses and links),
 * `repo/CoursesBulk.ts` (bulk course inserts of imports), `repo/Reads.ts`
 * (the seed's queries, timetable subjects),
 * `repo/Feeds.ts` (calendar feeds), `repo/Sessions.ts` (academic sessions,
 * issue 16) and `repo/Sources.ts` (timetable sync: sourced courses,
 * `timetable_sources`), sharing `repo/Shared.ts`.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { classroomQueries } from "./repo/Classrooms.js"
import { courseQueries } from "./repo/Courses.js"
import { bulkCourseQueries } from "./repo/CoursesBulk.js"
import { feedQueries } from "./repo/Feeds.js"
import { groupQueries } from "./repo/Groups.js"
import { readQueries } from "./repo/Reads.js"
import { schoolQueries } from "./repo/Schools.js"
import { sessionQueries } from "./repo/Sessions.js"
import { sourceQueries } from "./repo/Sources.js"

export type { GroupPeople, SourcedGroup } from "./repo/Groups.js"
export type { SourcedSchool } from "./repo/Schools.js"
export type { SessionColumns, SourcedSession } from "./repo/Sessions.js"

/** The academics SQL; see the module comment. */
export class AcademicsRepo extends Effect.Service<AcademicsRepo>()("Signet/AcademicsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({
    ...schoolQueries(sql),
    ...classroomQueries(sql),
    ...groupQueries(sql),
    ...courseQueries(sql),
    ...bulkCourseQueries(sql),
    ...readQueries(sql),
    ...feedQueries(sql),
    ...sessionQueries(sql),
    ...sourceQueries(sql)
  }))
}) {}
