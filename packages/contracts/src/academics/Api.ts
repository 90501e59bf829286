/**
 * REST contract of the academics module (seed 004 prefixes `/schools`,
 * `/classrooms`, `/groups`, `/courses`, under the tenant). Reads need
 * `academics:read`, writes `academics:write`; teachers may edit their own
 * courses when their school allows it.
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Forbidden, QuotaExceeded, Unauthorized, ValidationError } from "../kernel/Errors.js"
import { UserId } from "../kernel/Ids.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { UserAuth } from "../kernel/Security.js"
import { TenantNotFound } from "../tenancy/Domain.js"
import {
  AcademicSession,
  AcademicsNotFound,
  CalendarFeed,
  CalendarFeedId,
  Classroom,
  ClassroomId,
  Course,
  CourseId,
  CreateClassroom,
  CreateCourse,
  CreateGroup,
  CreateSchool,
  CreateTimetableSource,
  CrossSchoolLink,
  FeedKind,
  GroupId,
  Instant,
  RosterImportFailed,
  RosterSummary,
  School,
  SchoolId,
  SchoolPreferences,
  SetMembers,
  StudentCourseValidation,
  StudentGroup,
  TimetableImportFailed,
  TimetablePullFailed,
  TimetablePullResult,
  TimetableSource,
  TimetableSourceId,
  TimetableSourceNotFound,
  TimetableSummary,
  TimetableSyncSummary,
  UpdateClassroom,
  UpdateCourse,
  UpdateGroup,
  UpdatePreferences,
  UpdateSchool
} from "./Domain.js"

const slug = HttpApiSchema.param("slug", Schema.String)
const schoolId = HttpApiSchema.param("id", SchoolId)
const classroomId = HttpApiSchema.param("id", ClassroomId)
const groupId = HttpApiSchema.param("id", GroupId)
const courseId = HttpApiSchema.param("id", CourseId)
const feedId = HttpApiSchema.param("id", CalendarFeedId)

/** Query of a list endpoint: page params and `extra` filters (their types kept, so typed clients may pass them). */
const ListBy = <F extends Schema.Struct.Fields = {}>(extra: F = {} as F) =>
  Schema.Struct({ ...PageParams.fields, ...extra })

/** Page types. */
export const SchoolPage = Page(School)
/** @see SchoolPage */
export const ClassroomPage = Page(Classroom)
/** @see SchoolPage */
export const GroupPage = Page(StudentGroup)
/** @see SchoolPage */
export const CoursePage = Page(Course)

/** Result of `PUT …/groups/{id}/members`. */
export class MembershipChange extends Schema.Class<MembershipChange>("MembershipChange")({
  group_id: GroupId,
  added: Schema.Number,
  removed: Schema.Number,
  members: Schema.Number
}) {}

/** `academics` group. */
export class AcademicsApi extends HttpApiGroup.make("academics")
  // Schools
  .add(
    HttpApiEndpoint.get("listSchools")`/api/v1/tenants/${slug}/schools`.setUrlParams(ListBy()).addSuccess(SchoolPage)
  )
  .add(
    HttpApiEndpoint.post("createSchool")`/api/v1/tenants/${slug}/schools`
      .setPayload(CreateSchool)
      .addSuccess(School, { status: 201 })
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.get("getSchool")`/api/v1/tenants/${slug}/schools/${schoolId}`.addSuccess(School))
  .add(
    HttpApiEndpoint.patch("updateSchool")`/api/v1/tenants/${slug}/schools/${schoolId}`
      .setPayload(UpdateSchool)
      .addSuccess(School)
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.del("deleteSchool")`/api/v1/tenants/${slug}/schools/${schoolId}`.addSuccess(School))
  .add(
    HttpApiEndpoint.get("getPreferences")`/api/v1/tenants/${slug}/schools/${schoolId}/preferences`.addSuccess(
      SchoolPreferences
    )
  )
  .add(
    HttpApiEndpoint.put("updatePreferences")`/api/v1/tenants/${slug}/schools/${schoolId}/preferences`
      .setPayload(UpdatePreferences)
      .addSuccess(SchoolPreferences)
  )
  // Classrooms
  .add(
    HttpApiEndpoint.get("listClassrooms")`/api/v1/tenants/${slug}/classrooms`
      .setUrlParams(ListBy({ school_id: Schema.optional(SchoolId) }))
      .addSuccess(ClassroomPage)
  )
  .add(
    HttpApiEndpoint.post("createClassroom")`/api/v1/tenants/${slug}/classrooms`
      .setPayload(CreateClassroom)
      .addSuccess(Classroom, { status: 201 })
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.get("getClassroom")`/api/v1/tenants/${slug}/classrooms/${classroomId}`.addSuccess(Classroom))
  .add(
    HttpApiEndpoint.patch("updateClassroom")`/api/v1/tenants/${slug}/classrooms/${classroomId}`
      .setPayload(UpdateClassroom)
      .addSuccess(Classroom)
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.del("deleteClassroom")`/api/v1/tenants/${slug}/classrooms/${classroomId}`.addSuccess(Classroom))
  // Groups
  .add(
    HttpApiEndpoint.get("listGroups")`/api/v1/tenants/${slug}/groups`
      .setUrlParams(ListBy({ school_id: Schema.optional(SchoolId) }))
      .addSuccess(GroupPage)
  )
  .add(
    HttpApiEndpoint.post("createGroup")`/api/v1/tenants/${slug}/groups`
      .setPayload(CreateGroup)
      .addSuccess(StudentGroup, { status: 201 })
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.get("getGroup")`/api/v1/tenants/${slug}/groups/${groupId}`.addSuccess(StudentGroup))
  .add(
    HttpApiEndpoint.patch("updateGroup")`/api/v1/tenants/${slug}/groups/${groupId}`
      .setPayload(UpdateGroup)
      .addSuccess(StudentGroup)
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.del("deleteGroup")`/api/v1/tenants/${slug}/groups/${groupId}`.addSuccess(StudentGroup))
  .add(
    HttpApiEndpoint.get("listMembers")`/api/v1/tenants/${slug}/groups/${groupId}/members`.addSuccess(
      Schema.Array(UserId)
    )
  )
  .add(
    HttpApiEndpoint.put("setMembers")`/api/v1/tenants/${slug}/groups/${groupId}/members`
      .setPayload(SetMembers)
      .addSuccess(MembershipChange)
      .addError(CrossSchoolLink)
  )
  .add(
    HttpApiEndpoint.put("setGroupTeachers")`/api/v1/tenants/${slug}/groups/${groupId}/teachers`
      .setPayload(Schema.Struct({ teacher_ids: Schema.Array(UserId).pipe(Schema.maxItems(50)) }))
      .addSuccess(StudentGroup)
      .addError(CrossSchoolLink)
  )
  // Courses
  .add(
    HttpApiEndpoint.get("listCourses")`/api/v1/tenants/${slug}/courses`
      .setUrlParams(
        ListBy({
          school_id: Schema.optional(SchoolId),
          teacher_id: Schema.optional(UserId),
          group_id: Schema.optional(GroupId),
          classroom_id: Schema.optional(ClassroomId),
          from: Schema.optional(Instant),
          to: Schema.optional(Instant)
        })
      )
      .addSuccess(CoursePage)
      .annotate(OpenApi.Description, "Courses by start time; `from`/`to` select courses overlapping that range.")
  )
  .add(
    HttpApiEndpoint.post("createCourse")`/api/v1/tenants/${slug}/courses`
      .setPayload(CreateCourse)
      .addSuccess(Course, { status: 201 })
      .addError(CrossSchoolLink)
  )
  .add(HttpApiEndpoint.get("getCourse")`/api/v1/tenants/${slug}/courses/${courseId}`.addSuccess(Course))
  .add(
    HttpApiEndpoint.patch("updateCourse")`/api/v1/tenants/${slug}/courses/${courseId}`
      .setPayload(UpdateCourse)
      .addSuccess(Course)
      .addError(CrossSchoolLink)
      .annotate(
        OpenApi.Description,
        "academics:write, or a teacher of the course when the school allows course modification from the UI (the closing delay only when teacher_can_modify_closing_delay)."
      )
  )
  .add(HttpApiEndpoint.del("deleteCourse")`/api/v1/tenants/${slug}/courses/${courseId}`.addSuccess(Course))
  .add(
    HttpApiEndpoint.get(
      "validateStudentCourse"
    )`/api/v1/tenants/${slug}/courses/${courseId}/students/${HttpApiSchema.param("studentId", UserId)}`
      .addSuccess(StudentCourseValidation)
      .annotate(OpenApi.Summary, "Is the student in any group of the course? (ValidateStudentCourse)")
  )
  .add(
    HttpApiEndpoint.post("importRoster")`/api/v1/tenants/${slug}/roster/imports`
      .setUrlParams(Schema.Struct({ dry_run: Schema.optional(Schema.BooleanFromString) }))
      .setPayload(HttpApiSchema.Uint8Array({ contentType: "application/zip" }))
      .addSuccess(RosterSummary)
      .addError(RosterImportFailed)
      .addError(QuotaExceeded)
      .annotate(
        OpenApi.Summary,
        "Import a roster: OneRoster 1.1/1.2 bulk set, Microsoft SDS v2.1 or Clever CSV (zip of CSV files)"
      )
      .annotate(
        OpenApi.Description,
        "All-or-nothing; upserts by sourcedId (re-importing the same files changes nothing). Errors (422) and warnings carry file:line. `dry_run=true` validates and reports without writing. 402 QuotaExceeded when the users it adds would pass the plan's `users.max`. Body limit: SIGNET_MAX_UPLOAD_BYTES."
      )
  )
  .add(
    HttpApiEndpoint.post("importTimetable")`/api/v1/tenants/${slug}/schools/${schoolId}/timetable/imports`
      .setUrlParams(
        Schema.Struct({
          dry_run: Schema.optional(Schema.BooleanFromString),
          timezone: Schema.optional(
            Schema.String.annotations({ description: "IANA zone for floating times (default: the school's)" })
          ),
          mapping: Schema.optional(
            Schema.String.annotations({
              description:
                'The mapping file\'s JSON (docs/timetables.md "Mapping"), validated by core; a bad one is 400'
            })
          ),
          skip_invalid: Schema.optional(
            Schema.BooleanFromString.annotations({
              description:
                "Default true: import the readable events and list the skipped ones; false refuses the file (422)"
            })
          ),
          create_missing: Schema.optional(
            Schema.BooleanFromString.annotations({
              description: "Create classrooms and groups the file names by code and the school lacks"
            })
          )
        })
      )
      .setPayload(HttpApiSchema.Text({ contentType: "text/calendar" }))
      .addSuccess(TimetableSummary)
      .addError(TimetableImportFailed)
      .annotate(OpenApi.Summary, "Import an iCalendar timetable into a school's courses (LOCATION → classroom code)")
  )
  .add(
    HttpApiEndpoint.post("createFeed")`/api/v1/tenants/${slug}/feeds`
      .setPayload(Schema.Struct({ kind: FeedKind, subject_id: Schema.UUID }))
      .addSuccess(Schema.Struct({ feed: CalendarFeed, url: Schema.String }), { status: 201 })
      .annotate(OpenApi.Summary, "Create a calendar feed URL for a student, teacher, group or classroom (shown once)")
  )
  .add(HttpApiEndpoint.get("listFeeds")`/api/v1/tenants/${slug}/feeds`.addSuccess(Schema.Array(CalendarFeed)))
  .add(HttpApiEndpoint.del("revokeFeed")`/api/v1/tenants/${slug}/feeds/${feedId}`.addSuccess(CalendarFeed))
  .add(
    HttpApiEndpoint.get("listSessions")`/api/v1/tenants/${slug}/schools/${schoolId}/sessions`
      .addSuccess(Schema.Array(AcademicSession))
      .annotate(OpenApi.Summary, "A school's academic sessions (school years, terms…) from roster imports")
      .annotate(
        OpenApi.Description,
        "The school's own sessions and the tenant-wide ones (`school_id` null), by start date (issue 16)."
      )
  )
  .addError(AcademicsNotFound)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(CrossSchoolLink)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Academics")
  .annotate(OpenApi.Description, "Schools, classrooms, student groups and courses.") {}

/** `calendar` group: public calendar feeds, authenticated by the secret in their URL. */
export class CalendarApi extends HttpApiGroup.make("calendar")
  .add(
    HttpApiEndpoint.get("feed")`/api/v1/tenants/${slug}/calendar/${HttpApiSchema.param("file", Schema.String)}`
      .addSuccess(HttpApiSchema.Text({ contentType: "text/calendar; charset=utf-8" }))
      .addError(Unauthorized)
      .addError(TenantNotFound)
      .annotate(OpenApi.Summary, "A read-only iCalendar feed (`<token>.ics`) to subscribe to from a calendar app")
  )
  .annotate(OpenApi.Title, "Calendar feeds") {}

const sourceId = HttpApiSchema.param("id", TimetableSourceId)

/**
 * `timetableSync` group (issue 16 "Sync mode"): sync an iCalendar snapshot
 * into a school, and the school's scheduled iCalendar URLs (timetable
 * sources). Sync and source writes need `academics:write`, reads
 * `academics:read`.
 */
export class TimetableSyncApi extends HttpApiGroup.make("timetableSync")
  .add(
    HttpApiEndpoint.post("syncTimetable")`/api/v1/tenants/${slug}/schools/${schoolId}/timetable/syncs`
      .setUrlParams(
        Schema.Struct({
          dry_run: Schema.optional(Schema.BooleanFromString),
          timezone: Schema.optional(
            Schema.String.annotations({
              description: "IANA zone for floating times (default: the mapping's, else the school's)"
            })
          ),
          mapping: Schema.optional(
            Schema.parseJson().annotations({ description: 'The mapping file\'s JSON (timetables.md "Mapping")' })
          )
        })
      )
      .setPayload(HttpApiSchema.Text({ contentType: "text/calendar" }))
      .addSuccess(TimetableSyncSummary)
      .addError(TimetableImportFailed)
      .annotate(
        OpenApi.Summary,
        "Sync an iCalendar snapshot: replace the school's imported courses in the window it covers"
      )
      .annotate(
        OpenApi.Description,
        "New occurrences are created, changed ones updated, vanished ones removed — except those with attendance, kept and listed under kept_with_attendance. Courses created by hand are never touched. `dry_run=true` answers the diff (lists capped at list_cap) and writes nothing."
      )
  )
  .add(
    HttpApiEndpoint.get("listTimetableSources")`/api/v1/tenants/${slug}/timetable/sources`.addSuccess(
      Schema.Array(TimetableSource)
    )
  )
  .add(
    HttpApiEndpoint.post("addTimetableSource")`/api/v1/tenants/${slug}/timetable/sources`
      .setPayload(CreateTimetableSource)
      .addSuccess(TimetableSource, { status: 201 })
      .annotate(OpenApi.Summary, "Add a school's iCalendar URL, pulled every interval_minutes (≥ 15; https only)")
  )
  .add(
    HttpApiEndpoint.get("getTimetableSource")`/api/v1/tenants/${slug}/timetable/sources/${sourceId}`.addSuccess(
      TimetableSource
    )
  )
  .add(
    HttpApiEndpoint.del("removeTimetableSource")`/api/v1/tenants/${slug}/timetable/sources/${sourceId}`.addSuccess(
      TimetableSource
    )
  )
  .add(
    HttpApiEndpoint.post("pullTimetableSource")`/api/v1/tenants/${slug}/timetable/sources/${sourceId}/pulls`
      .addSuccess(TimetablePullResult)
      .addError(TimetablePullFailed)
      .addError(TimetableImportFailed)
      .annotate(OpenApi.Summary, "Pull a source now (conditional GET; 304 → not_modified) and sync it when it changed")
  )
  .addError(TimetableSourceNotFound)
  .addError(AcademicsNotFound)
  .addError(ValidationError)
  .addError(Conflict)
  .addError(CrossSchoolLink)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Timetable sync")
  .annotate(OpenApi.Description, "Timetable snapshots synced into a school, and scheduled iCalendar sources.") {}
