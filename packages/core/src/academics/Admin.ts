/**
 * The academics facade: every operation the server exposes, with its
 * permission in its type and every rule enforced here, so an in-process
 * embedder gets what an HTTP caller gets (issue 14 "core is the security
 * boundary"; ARCHITECTURE §1).
 *
 * | operation | permission |
 * |---|---|
 * | reads (schools, preferences, classrooms, groups, members, courses, feeds, academic sessions) and the seed 004 queries (`GetCourse`, `Validate…Course`, `GetSchoolPreferences`) | `academics:read` |
 * | writes, imports, feeds, timetable sync and sources (list: `academics:read`) | `academics:write` |
 * | `updateCourse` | none in the type: `academics:write`, or the course's teacher under the school's rules (below) |
 *
 * Tenant and actor come from `CurrentTenant` / `CurrentActor`, never from
 * an argument.
 *
 * @module
 */
import {
  AcademicsNotFound,
  type CalendarFeedId,
  type ClassroomId,
  CourseId,
  type CreateTimetableSource,
  type GroupId,
  type SchoolId,
  type UpdateCourse
} from "@signet/contracts/academics/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { UserId } from "@signet/contracts/kernel/Ids"
import { type Context, DateTime, Effect, Option, Schema } from "effect"
import { Access } from "../access/Access.js"
import { policyRequire } from "../access/Policy.js"
import { Identity } from "../identity/Users.js"
import { Academics } from "./Academics.js"
import * as ICalendar from "./ICalendar.js"
import * as OneRoster from "./OneRoster.js"
import { Roster } from "./Roster.js"
import { Timetable } from "./Timetable.js"
import { seriesEndOf } from "./timetable/Import.js"

type Svc = Context.Tag.Service<typeof Academics>
type Feeds = Context.Tag.Service<typeof Timetable>
const read = policyRequire("academics", "read")
const write = policyRequire("academics", "write")
/** A mapping JSON text, validated. @errors ValidationError (field `mapping`) */
const decodeMapping = (json: string) =>
  Effect.try({
    try: () => ICalendar.parseMapping(json),
    catch: (e) => ValidationError.field("mapping", e instanceof Error ? e.message : String(e))
  })
const denied = (message: string) => new Forbidden({ message, permission: "academics:write" })

/**
 * The teacher rule for course updates (seed 004 school preferences): an
 * `academics:write` holder changes anything; otherwise only a teacher of the
 * course, only when the school lets teachers modify courses, the closing delay
 * only when the school lets teachers change it, and never the course's
 * teachers, classrooms or groups.
 * @errors AcademicsNotFound, ValidationError, Forbidden
 */
const updateCourse = (courseId: CourseId, patch: UpdateCourse) =>
  Effect.gen(function* () {
    const actor = yield* CurrentActor
    const academics = yield* Academics
    if (yield* Access.use((a) => a.checkActor(actor, "academics:write")))
      return yield* academics.updateCourse(courseId, patch)
    if (actor.kind !== "user" || !actor.id) return yield* denied("missing permission academics:write")
    const course = yield* academics.getCourse(courseId)
    if (!(yield* academics.validateTeacherCourse(actor.id, courseId)))
      return yield* denied("only the course's teachers or academics:write holders may change it")
    const prefs = yield* academics.getSchoolPreferences(course.school_id)
    if (prefs.disable_course_modification_from_ui)
      return yield* denied("this school does not let teachers modify courses")
    if (patch.signature_closing_delay_minutes !== undefined && !prefs.teacher_can_modify_closing_delay)
      return yield* denied("this school does not let teachers change the closing delay")
    if (patch.teacher_ids || patch.classroom_ids || patch.group_ids)
      return yield* denied("teachers cannot change a course's teachers, classrooms or groups")
    return yield* academics.updateCourse(courseId, patch)
  })

/** Academics administration and queries; see the module comment for the permissions. */
export const AcademicsAdmin = {
  listSchools: (params: Parameters<Svc["listSchools"]>[0] = {}) => read(Academics.use((a) => a.listSchools(params))),
  createSchool: (input: Parameters<Svc["createSchool"]>[0]) => write(Academics.use((a) => a.createSchool(input))),
  getSchool: (id: SchoolId) => read(Academics.use((a) => a.getSchool(id))),
  updateSchool: (id: SchoolId, patch: Parameters<Svc["updateSchool"]>[1]) =>
    write(Academics.use((a) => a.updateSchool(id, patch))),
  deleteSchool: (id: SchoolId) => write(Academics.use((a) => a.deleteSchool(id))),
  /** Seed 004 `GetSchoolPreferences`. @errors AcademicsNotFound */
  getSchoolPreferences: (schoolId: SchoolId) => read(Academics.use((a) => a.getSchoolPreferences(schoolId))),
  updateSchoolPreferences: (schoolId: SchoolId, patch: Parameters<Svc["updateSchoolPreferences"]>[1]) =>
    write(Academics.use((a) => a.updateSchoolPreferences(schoolId, patch))),
  listClassrooms: (params: Parameters<Svc["listClassrooms"]>[0] = {}) =>
    read(Academics.use((a) => a.listClassrooms(params))),
  createClassroom: (input: Parameters<Svc["createClassroom"]>[0]) =>
    write(Academics.use((a) => a.createClassroom(input))),
  getClassroom: (id: ClassroomId) => read(Academics.use((a) => a.getClassroom(id))),
  updateClassroom: (id: ClassroomId, patch: Parameters<Svc["updateClassroom"]>[1]) =>
    write(Academics.use((a) => a.updateClassroom(id, patch))),
  deleteClassroom: (id: ClassroomId) => write(Academics.use((a) => a.deleteClassroom(id))),
  listGroups: (params: Parameters<Svc["listGroups"]>[0] = {}) => read(Academics.use((a) => a.listGroups(params))),
  createGroup: (input: Parameters<Svc["createGroup"]>[0]) => write(Academics.use((a) => a.createGroup(input))),
  getGroup: (id: GroupId) => read(Academics.use((a) => a.getGroup(id))),
  updateGroup: (id: GroupId, patch: Parameters<Svc["updateGroup"]>[1]) =>
    write(Academics.use((a) => a.updateGroup(id, patch))),
  deleteGroup: (id: GroupId) => write(Academics.use((a) => a.deleteGroup(id))),
  listMembers: (groupId: GroupId) => read(Academics.use((a) => a.listMembers(groupId))),
  /** Replaces a group's students. @errors AcademicsNotFound, ValidationError */
  setMembers: (groupId: GroupId, studentIds: ReadonlyArray<UserId>) =>
    write(Academics.use((a) => a.setMembers(groupId, studentIds))),
  setGroupTeachers: (groupId: GroupId, teacherIds: ReadonlyArray<UserId>) =>
    write(Academics.use((a) => a.setGroupTeachers(groupId, teacherIds))),
  listCourses: (params: Parameters<Svc["listCourses"]>[0] = {}) => read(Academics.use((a) => a.listCourses(params))),
  createCourse: (input: Parameters<Svc["createCourse"]>[0]) => write(Academics.use((a) => a.createCourse(input))),
  /** Seed 004 `GetCourse`. @errors AcademicsNotFound */
  getCourse: (id: CourseId) => read(Academics.use((a) => a.getCourse(id))),
  updateCourse,
  deleteCourse: (id: CourseId) => write(Academics.use((a) => a.deleteCourse(id))),
  /** Seed 004 `ValidateTeacherCourse`: whether the teacher is assigned to the course. */
  validateTeacherCourse: (teacherId: string, courseId: string) =>
    read(Academics.use((a) => a.validateTeacherCourse(teacherId, courseId))),
  /** Seed 004 `ValidateClassroomCourse`: whether the course takes place in the classroom. */
  validateClassroomCourse: (classroomId: string, courseId: string) =>
    read(Academics.use((a) => a.validateClassroomCourse(classroomId, courseId))),
  /**
   * Seed 004 `ValidateStudentCourse`. Both objects must be the tenant's: an
   * unknown course, or a user who is not a live user of this tenant, is
   * AcademicsNotFound (404), never an answer about another tenant's user.
   * @errors AcademicsNotFound
   */
  validateStudentCourse: (studentId: string, courseId: string) =>
    read(
      Effect.gen(function* () {
        const academics = yield* Academics
        if (!Schema.is(CourseId)(courseId))
          return yield* new AcademicsNotFound({ message: `no course ${courseId}`, resource: "course", id: courseId })
        yield* academics.getCourse(courseId)
        if (!Schema.is(UserId)(studentId) || !(yield* Identity.use((i) => i.exists(studentId))))
          return yield* new AcademicsNotFound({ message: `no user ${studentId}`, resource: "user", id: studentId })
        return yield* academics.validateStudentCourse(studentId, courseId)
      })
    ),
  /**
   * Imports a OneRoster zip (all-or-nothing; `dryRun` writes nothing): read
   * with the zip limits of `OneRoster.readRosterZip`, then planned and applied.
   * @errors ValidationError (not a zip, a limit passed), RosterImportFailed, Forbidden
   */
  importRosterZip: (
    zip: Uint8Array,
    options: { readonly dryRun?: boolean; readonly limits?: Partial<OneRoster.ZipLimits> } = {}
  ) =>
    write(
      Effect.flatMap(OneRoster.readRosterZip(zip, options.limits), (files) =>
        Roster.use((r) => r.importPlan(OneRoster.parseOneRoster(files), { dryRun: options.dryRun === true }))
      )
    ),
  /**
   * Imports an iCalendar timetable into a school's courses, in the school's
   * time zone unless `timezone` (or the mapping's `timezone`) says otherwise.
   * The calendar is read in slices that leave the event loop free
   * (`ICalendar.parseTimetableEffect`) and within the limits of `ICalendar`
   * (size, lines, events, occurrences, recurrence steps, horizon).
   *
   * Issue 16: `mapping` is a mapping JSON text (`ICalendar.parseMapping`);
   * open-ended series end with the school year (`findSchoolYear` at now:
   * the midnight after its last day in the school's zone) when the mapping
   * sets no `windowEnd`; `skipInvalid` (default true), `createMissing` and
   * `teacherCodes` (CSV `code,login`) as in `Timetable.importPlan`.
   * @errors AcademicsNotFound (school), ValidationError (400: a limit passed, named with its
   *   value; a bad mapping or teacher codes CSV; nothing written), TimetableImportFailed (422), Forbidden
   */
  importTimetable: (
    schoolId: SchoolId,
    ics: string,
    options: {
      readonly timezone?: string | undefined
      readonly dryRun?: boolean
      readonly mapping?: string | undefined
      readonly skipInvalid?: boolean | undefined
      readonly createMissing?: boolean | undefined
      readonly teacherCodes?: string | undefined
    } = {}
  ) =>
    write(
      Effect.gen(function* () {
        const school = yield* Academics.use((a) => a.getSchool(schoolId))
        const mapping = options.mapping === undefined ? {} : yield* decodeMapping(options.mapping)
        const timezone = options.timezone ?? mapping.timezone ?? school.timezone
        const now = yield* DateTime.now
        const year = yield* Academics.use((a) => a.findSchoolYear(school.id, now))
        const seriesEnd = Option.getOrUndefined(Option.flatMapNullable(year, (y) => seriesEndOf(y.end_date, timezone)))
        const plan = yield* ICalendar.parseTimetableEffect(
          ics,
          { ...mapping, timezone },
          seriesEnd === undefined ? {} : { seriesEnd }
        )
        return yield* Timetable.use((t) =>
          t.importPlan(school.id, plan, {
            dryRun: options.dryRun === true,
            skipInvalid: options.skipInvalid,
            createMissing: options.createMissing,
            teacherCodes: options.teacherCodes
          })
        )
      })
    ),
  /**
   * A school's academic sessions from roster imports (issue 16): its own and the
   * tenant-wide ones, by start date. @errors AcademicsNotFound
   */
  listSessions: (schoolId: SchoolId) => read(Academics.use((a) => a.listSessions(schoolId))),
  /**
   * The school year of a school at an instant (issue 16; see `Academics.findSchoolYear`):
   * the one covering it, else the next one; none without a dated `schoolYear` session.
   * @errors AcademicsNotFound
   */
  findSchoolYear: (schoolId: SchoolId, at: DateTime.Utc) => read(Academics.use((a) => a.findSchoolYear(schoolId, at))),
  /**
   * Syncs an iCalendar snapshot into a school (issue 16 "Sync mode";
   * `timetable/Sync.ts`): the school's imported courses in the window the
   * file covers (or the mapping's `windowStart`/`windowEnd`) are replaced;
   * vanished courses with attendance are kept. `mapping` as the JSON mapping
   * file (`ICalendar.parseMapping`); floating times in `timezone`, else the
   * mapping's, else the school's. A dry run answers the diff and writes nothing.
   * @errors AcademicsNotFound (school), ValidationError (mapping, a limit passed),
   *   TimetableImportFailed (422), Forbidden
   */
  syncTimetable: (
    schoolId: SchoolId,
    ics: string,
    options: {
      readonly mapping?: unknown
      readonly timezone?: string | undefined
      readonly dryRun?: boolean | undefined
      readonly onProgress?: ((done: number, total: number) => void) | undefined
    } = {}
  ) =>
    write(
      Effect.gen(function* () {
        const school = yield* Academics.use((a) => a.getSchool(schoolId))
        const mapping: ICalendar.TimetableMapping =
          options.mapping === undefined || options.mapping === null
            ? {}
            : yield* Effect.try({
                try: () => ICalendar.parseMapping(JSON.stringify(options.mapping)),
                catch: (e) => ValidationError.field("mapping", (e as Error).message)
              })
        const timezone = options.timezone ?? mapping.timezone ?? school.timezone
        const plan = yield* ICalendar.parseTimetableEffect(ics, { ...mapping, timezone })
        const window =
          mapping.windowStart !== undefined && mapping.windowEnd !== undefined
            ? { start: mapping.windowStart, end: mapping.windowEnd }
            : undefined
        return yield* Timetable.use((t) =>
          t.syncPlan(school.id, plan, { dryRun: options.dryRun === true, window, onProgress: options.onProgress })
        )
      })
    ),
  /** The tenant's timetable sources (never their URLs). */
  listTimetableSources: read(Timetable.use((t) => t.listSources)),
  /** A timetable source. @errors TimetableSourceNotFound */
  getTimetableSource: (id: string) => read(Timetable.use((t) => t.getSource(id))),
  /**
   * Adds a school's scheduled iCalendar URL (https only; stored encrypted).
   * @errors AcademicsNotFound (school), ValidationError (URL, interval, mapping, limit), Forbidden
   */
  addTimetableSource: (input: CreateTimetableSource) => write(Timetable.use((t) => t.addSource(input))),
  /** Removes a timetable source (its courses stay). @errors TimetableSourceNotFound, Forbidden */
  removeTimetableSource: (id: string) => write(Timetable.use((t) => t.removeSource(id))),
  /**
   * Pulls a source now (https only) and syncs it when it changed.
   * @errors TimetableSourceNotFound, TimetablePullFailed (502), ValidationError,
   *   TimetableImportFailed, Forbidden
   */
  pullTimetableSource: (id: string) => write(Timetable.use((t) => t.pullSource(id))),
  /** A revocable calendar subscription feed; the token is in the answer only. */
  createFeed: (kind: Parameters<Feeds["createFeed"]>[0], subjectId: string) =>
    write(Timetable.use((t) => t.createFeed(kind, subjectId))),
  listFeeds: read(Timetable.use((t) => t.listFeeds)),
  revokeFeed: (id: CalendarFeedId) => write(Timetable.use((t) => t.revokeFeed(id))),
  /**
   * A public calendar feed by its token (the token is the credential; no
   * permission). @errors Unauthorized (unknown or revoked feed)
   */
  feedByToken: (token: string) => Timetable.use((t) => t.feedByToken(token)),
  /**
   * What a public feed publishes, by its token, before rendering: `kind`,
   * `subject_id`, `name`, `events` (its courses as `FeedEvent`s), the window
   * `fromMs`/`toMs` (epoch ms). The token is the credential; no permission.
   * Used by `ActivitiesAdmin.timetableFeed` to add the user's calendar events
   * (issue 22). @errors Unauthorized (unknown or revoked feed)
   */
  feedContentByToken: (token: string) => Timetable.use((t) => t.feedContentByToken(token))
} as const
