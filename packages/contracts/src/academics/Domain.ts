/**
 * Academics domain (seed 004 "academics" ownership and `academics.proto`;
 * ARCHITECTURE §4): schools and their preferences, classrooms, student groups
 * and memberships, courses and their links to teachers, classrooms and groups.
 *
 * Users (students, teachers) belong to the identity module and are referred
 * to by id only.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { UserId } from "../kernel/Ids.js"
import { strictStruct } from "../tenancy/Domain.js"

/** Branded ids (UUIDv7). */
export const SchoolId = Schema.UUID.pipe(Schema.brand("SchoolId"), Schema.annotations({ identifier: "SchoolId" }))
/** @see SchoolId */
export type SchoolId = typeof SchoolId.Type
/** Classroom id. */
export const ClassroomId = Schema.UUID.pipe(
  Schema.brand("ClassroomId"),
  Schema.annotations({ identifier: "ClassroomId" })
)
/** @see ClassroomId */
export type ClassroomId = typeof ClassroomId.Type
/** Student group id. */
export const GroupId = Schema.UUID.pipe(Schema.brand("GroupId"), Schema.annotations({ identifier: "GroupId" }))
/** @see GroupId */
export type GroupId = typeof GroupId.Type
/** Course id. */
export const CourseId = Schema.UUID.pipe(Schema.brand("CourseId"), Schema.annotations({ identifier: "CourseId" }))
/** @see CourseId */
export type CourseId = typeof CourseId.Type
/** Calendar feed id. */
export const CalendarFeedId = Schema.UUID.pipe(
  Schema.brand("CalendarFeedId"),
  Schema.annotations({ identifier: "CalendarFeedId" })
)
/** @see CalendarFeedId */
export type CalendarFeedId = typeof CalendarFeedId.Type

const Name = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200))
const Code = Schema.Trim.pipe(
  Schema.minLength(1),
  Schema.maxLength(64),
  Schema.pattern(/^[^\s].*$/, { message: () => "must not be blank" })
)
/**
 * An ISO-8601 instant (with offset or Z), normalised to UTC milliseconds by
 * the service. Client input (bodies, query filters) stays a validated string;
 * responses carry instants as `Schema.DateTimeUtc` (the same ISO-8601 on the wire).
 */
export const Instant = Schema.String.pipe(
  Schema.filter(
    (s) => (/T/.test(s) && !Number.isNaN(Date.parse(s))) || "must be an ISO-8601 instant such as 2026-09-01T08:00:00Z"
  ),
  Schema.annotations({ identifier: "Instant" })
)

/**
 * School preferences (academics.proto `SchoolPreferences`): attendance rules
 * of a school, used by the attendance module.
 */
export class SchoolPreferences extends Schema.Class<SchoolPreferences>("SchoolPreferences")({
  id: SchoolId.annotations({ description: "The school id" }),
  default_signature_closing_delay_minutes: Schema.Number,
  teacher_can_modify_closing_delay: Schema.Boolean,
  students_can_sign_before_teacher: Schema.Boolean,
  enable_flash: Schema.Boolean,
  disable_course_modification_from_ui: Schema.Boolean,
  enable_nfc: Schema.Boolean
}) {}

/** Defaults of a new school's preferences. */
export const DEFAULT_PREFERENCES = {
  default_signature_closing_delay_minutes: 15,
  teacher_can_modify_closing_delay: true,
  students_can_sign_before_teacher: true,
  enable_flash: true,
  disable_course_modification_from_ui: false,
  // Off until a school turns it on (issue 15 §3): an NFC claim names a device identifier the
  // student can read from their own profile, so it proves less than a QR code or a beacon
  // proof (docs/attendance.md "What each method proves").
  enable_nfc: false
} as const

/** A school (a OneRoster org of type school). */
export class School extends Schema.Class<School>("School")({
  id: SchoolId,
  name: Schema.String,
  code: Schema.NullOr(Schema.String),
  timezone: Schema.String,
  source_id: Schema.NullOr(Schema.String).annotations({ description: "OneRoster sourcedId when imported" }),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A classroom of a school (beacons are installed in classrooms). */
export class Classroom extends Schema.Class<Classroom>("Classroom")({
  id: ClassroomId,
  school_id: SchoolId,
  name: Schema.String,
  code: Schema.String,
  capacity: Schema.NullOr(Schema.Number),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A student group (a OneRoster class; a "course template" through its course title and location). */
export class StudentGroup extends Schema.Class<StudentGroup>("StudentGroup")({
  id: GroupId,
  school_id: SchoolId,
  name: Schema.String,
  code: Schema.NullOr(Schema.String),
  course_title: Schema.NullOr(Schema.String),
  location: Schema.NullOr(Schema.String),
  source_id: Schema.NullOr(Schema.String),
  member_count: Schema.Number,
  teacher_ids: Schema.Array(UserId),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A course: one session of teaching, with its attendance settings (academics.proto `Course`). */
export class Course extends Schema.Class<Course>("Course")({
  id: CourseId,
  school_id: SchoolId,
  name: Schema.String,
  start_at: Schema.DateTimeUtc,
  end_at: Schema.DateTimeUtc,
  is_online: Schema.Boolean,
  signature_closing_delay_minutes: Schema.Number.annotations({
    description: "Effective delay: the course's override, else the school's default"
  }),
  closing_delay_overridden: Schema.Boolean,
  signature_closed: Schema.Boolean,
  teacher_ids: Schema.Array(UserId),
  classroom_ids: Schema.Array(ClassroomId),
  group_ids: Schema.Array(GroupId),
  source_key: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of `POST …/schools`. */
export const CreateSchool = strictStruct("CreateSchool", {
  name: Name,
  code: Schema.optional(Code),
  timezone: Schema.optional(
    Schema.String.pipe(
      Schema.filter((tz) => {
        try {
          new Intl.DateTimeFormat("en", { timeZone: tz })
          return true
        } catch {
          return "must be an IANA time zone such as Europe/Paris"
        }
      })
    )
  ),
  preferences: Schema.optional(
    strictStruct("SchoolPreferencesInput", {
      default_signature_closing_delay_minutes: Schema.optional(Schema.Int.pipe(Schema.between(0, 600))),
      teacher_can_modify_closing_delay: Schema.optional(Schema.Boolean),
      students_can_sign_before_teacher: Schema.optional(Schema.Boolean),
      enable_flash: Schema.optional(Schema.Boolean),
      disable_course_modification_from_ui: Schema.optional(Schema.Boolean),
      enable_nfc: Schema.optional(Schema.Boolean)
    })
  )
})
/** @see CreateSchool */
export type CreateSchool = typeof CreateSchool.Type

/** Body of `PATCH …/schools/{id}`. */
export const UpdateSchool = strictStruct("UpdateSchool", {
  name: Schema.optional(Name),
  code: Schema.optional(Schema.NullOr(Code)),
  timezone: Schema.optional(Schema.String)
})
/** @see UpdateSchool */
export type UpdateSchool = typeof UpdateSchool.Type

/** Body of `PUT …/schools/{id}/preferences`: every field optional (a partial update). */
export const UpdatePreferences = strictStruct("UpdatePreferences", {
  default_signature_closing_delay_minutes: Schema.optional(Schema.Int.pipe(Schema.between(0, 600))),
  teacher_can_modify_closing_delay: Schema.optional(Schema.Boolean),
  students_can_sign_before_teacher: Schema.optional(Schema.Boolean),
  enable_flash: Schema.optional(Schema.Boolean),
  disable_course_modification_from_ui: Schema.optional(Schema.Boolean),
  enable_nfc: Schema.optional(Schema.Boolean)
})
/** @see UpdatePreferences */
export type UpdatePreferences = typeof UpdatePreferences.Type

/** Body of `POST …/classrooms`. */
export const CreateClassroom = strictStruct("CreateClassroom", {
  school_id: SchoolId,
  name: Name,
  code: Code,
  capacity: Schema.optional(Schema.Int.pipe(Schema.between(1, 10_000)))
})
/** @see CreateClassroom */
export type CreateClassroom = typeof CreateClassroom.Type

/** Body of `PATCH …/classrooms/{id}`. */
export const UpdateClassroom = strictStruct("UpdateClassroom", {
  name: Schema.optional(Name),
  code: Schema.optional(Code),
  capacity: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.between(1, 10_000))))
})
/** @see UpdateClassroom */
export type UpdateClassroom = typeof UpdateClassroom.Type

/** Body of `POST …/groups`. */
export const CreateGroup = strictStruct("CreateGroup", {
  school_id: SchoolId,
  name: Name,
  code: Schema.optional(Code),
  course_title: Schema.optional(Name),
  location: Schema.optional(Schema.String.pipe(Schema.maxLength(200)))
})
/** @see CreateGroup */
export type CreateGroup = typeof CreateGroup.Type

/** Body of `PATCH …/groups/{id}`. */
export const UpdateGroup = strictStruct("UpdateGroup", {
  name: Schema.optional(Name),
  code: Schema.optional(Schema.NullOr(Code)),
  course_title: Schema.optional(Schema.NullOr(Name)),
  location: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(200))))
})
/** @see UpdateGroup */
export type UpdateGroup = typeof UpdateGroup.Type

/** Body of `PUT …/groups/{id}/members`: the full membership (student ids). */
export const SetMembers = strictStruct("SetMembers", {
  student_ids: Schema.Array(UserId).pipe(Schema.maxItems(5000))
})

/** Body of `POST …/courses`. */
export const CreateCourse = strictStruct("CreateCourse", {
  school_id: SchoolId,
  name: Name,
  start_at: Instant,
  end_at: Instant,
  is_online: Schema.optional(Schema.Boolean),
  signature_closing_delay_minutes: Schema.optional(Schema.Int.pipe(Schema.between(0, 600))),
  teacher_ids: Schema.optional(Schema.Array(UserId).pipe(Schema.maxItems(50))),
  classroom_ids: Schema.optional(Schema.Array(ClassroomId).pipe(Schema.maxItems(50))),
  group_ids: Schema.optional(Schema.Array(GroupId).pipe(Schema.maxItems(200)))
})
/** @see CreateCourse */
export type CreateCourse = typeof CreateCourse.Type

/**
 * Body of `PATCH …/courses/{id}`. Link lists, when given, replace the
 * current links. `signature_closing_delay_minutes: null` returns to the
 * school default.
 */
export const UpdateCourse = strictStruct("UpdateCourse", {
  name: Schema.optional(Name),
  start_at: Schema.optional(Instant),
  end_at: Schema.optional(Instant),
  is_online: Schema.optional(Schema.Boolean),
  signature_closing_delay_minutes: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.between(0, 600)))),
  teacher_ids: Schema.optional(Schema.Array(UserId).pipe(Schema.maxItems(50))),
  classroom_ids: Schema.optional(Schema.Array(ClassroomId).pipe(Schema.maxItems(50))),
  group_ids: Schema.optional(Schema.Array(GroupId).pipe(Schema.maxItems(200)))
})
/** @see UpdateCourse */
export type UpdateCourse = typeof UpdateCourse.Type

/** 404 — no such school, classroom, group or course in the caller's tenant. */
export class AcademicsNotFound extends Schema.TaggedError<AcademicsNotFound>()(
  "AcademicsNotFound",
  {
    message: Schema.String,
    resource: Schema.Literal("school", "classroom", "group", "course", "user"),
    id: Schema.String
  },
  HttpApiSchema.annotations({ status: 404, description: "No such academics object" })
) {}

/** 409 — a link across schools (classroom, group or teacher of another school than the course's). */
export class CrossSchoolLink extends Schema.TaggedError<CrossSchoolLink>()(
  "CrossSchoolLink",
  { message: Schema.String, resource: Schema.String, id: Schema.String, school_id: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "Object of another school" })
) {}

/** `ValidateStudentCourse` answer (academics.proto). */
export class StudentCourseValidation extends Schema.Class<StudentCourseValidation>("StudentCourseValidation")({
  is_allowed: Schema.Boolean,
  matched_group_ids: Schema.Array(GroupId)
}) {}

/** Created/updated/deleted/unchanged counts of one kind of object. */
export class ImportCounts extends Schema.Class<ImportCounts>("ImportCounts")({
  created: Schema.Number,
  updated: Schema.Number,
  deleted: Schema.Number,
  unchanged: Schema.Number
}) {}

/** An issue of an import, with where it is. */
export class ImportMessage extends Schema.Class<ImportMessage>("ImportMessage")({
  file: Schema.String,
  line: Schema.Number,
  code: Schema.String,
  message: Schema.String
}) {}

/**
 * The messages of an import that share a `code`, counted, with the first few as
 * examples (issue 16: thousands of identical warnings must not hide the one that
 * matters). Built by core's `groupMessages`; the raw messages stay in `warnings`.
 */
export class MessageGroup extends Schema.Class<MessageGroup>("MessageGroup")({
  code: Schema.String,
  count: Schema.Number,
  examples: Schema.Array(ImportMessage)
}) {}

/** What an import did (or would do, for a dry run). */
export class RosterSummary extends Schema.Class<RosterSummary>("RosterSummary")({
  version: Schema.String,
  dry_run: Schema.Boolean,
  schools: ImportCounts,
  users: ImportCounts,
  groups: ImportCounts,
  memberships: Schema.Struct({ added: Schema.Number, removed: Schema.Number }),
  teacher_assignments: Schema.Struct({ added: Schema.Number, removed: Schema.Number }),
  warnings: Schema.Array(ImportMessage),
  errors: Schema.Array(ImportMessage),
  /** `warnings` grouped by code, in order of first appearance (issue 16). */
  warning_groups: Schema.Array(MessageGroup),
  /** Academic sessions (school years, terms…) stored per school (issue 16). */
  sessions: ImportCounts
}) {}

/** 422 — the files have errors (each with file:line); nothing was written. */
export class RosterImportFailed extends Schema.TaggedError<RosterImportFailed>()(
  "RosterImportFailed",
  {
    message: Schema.String,
    errors: Schema.Array(ImportMessage),
    warnings: Schema.Array(ImportMessage),
    /** `warnings` grouped by code, as in `RosterSummary` (issue 16). */
    warning_groups: Schema.optional(Schema.Array(MessageGroup))
  },
  HttpApiSchema.annotations({ status: 422, description: "The roster files have errors; nothing was written" })
) {}

/** What a timetable import did (or would do). */
export class TimetableSummary extends Schema.Class<TimetableSummary>("TimetableSummary")({
  dry_run: Schema.Boolean,
  courses: ImportCounts,
  warnings: Schema.Array(ImportMessage),
  errors: Schema.Array(ImportMessage),
  /**
   * Events left out because they could not be read (issue 16 `skipInvalid`): one
   * message per skipped VEVENT, `file` = its UID, `line` = its BEGIN:VEVENT line.
   */
  skipped: Schema.optional(Schema.Array(ImportMessage)),
  /** `warnings` grouped by code, in order of first appearance (issue 16). */
  warning_groups: Schema.optional(Schema.Array(MessageGroup)),
  /**
   * The IANA zone floating times, all-day dates and unknown TZIDs were read in
   * (issue 16); null when every time of the file carried its own zone.
   */
  floating_zone: Schema.optional(Schema.NullOr(Schema.String)),
  /** Classrooms and groups created by `createMissing` (issue 16), by code. */
  created_missing: Schema.optional(Schema.Struct({ classrooms: Schema.Number, groups: Schema.Number }))
}) {}

/** 422 — the calendar has errors; nothing was written. */
export class TimetableImportFailed extends Schema.TaggedError<TimetableImportFailed>()(
  "TimetableImportFailed",
  {
    message: Schema.String,
    errors: Schema.Array(ImportMessage),
    warnings: Schema.Array(ImportMessage),
    /** `warnings` grouped by code, as in `TimetableSummary` (issue 16). */
    warning_groups: Schema.optional(Schema.Array(MessageGroup))
  },
  HttpApiSchema.annotations({ status: 422, description: "The calendar has errors; nothing was written" })
) {}

/** Whose timetable a feed publishes. */
export const FeedKind = Schema.Literal("student", "teacher", "group", "classroom").annotations({
  identifier: "FeedKind"
})
/** @see FeedKind */
export type FeedKind = typeof FeedKind.Type

/** A calendar feed (its token is shown only at creation). */
export class CalendarFeed extends Schema.Class<CalendarFeed>("CalendarFeed")({
  id: CalendarFeedId,
  kind: FeedKind,
  subject_id: Schema.UUID.annotations({
    description: "The student's or teacher's UserId, or the GroupId or ClassroomId"
  }),
  created_at: Schema.DateTimeUtc,
  revoked_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** Academic session id (issue 16). */
export const AcademicSessionId = Schema.UUID.pipe(
  Schema.brand("AcademicSessionId"),
  Schema.annotations({ identifier: "AcademicSessionId" })
)
/** @see AcademicSessionId */
export type AcademicSessionId = typeof AcademicSessionId.Type

/** A calendar date `YYYY-MM-DD` (no time, no zone: the school's local date). */
export const CalendarDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/),
  Schema.annotations({ identifier: "CalendarDate" })
)

/**
 * A OneRoster academic session stored by a roster import (issue 16): a school year,
 * term, semester or grading period (`type` as the file spells it, normalized to the
 * OneRoster vocabulary when it matches), with its dates as written (`YYYY-MM-DD`, the
 * end date inclusive). `school_id` null: the session belongs to several or no known
 * school and applies to every school of the tenant. `parent_source_id` is the OneRoster
 * `parentSourcedId` (a term's school year…).
 */
export class AcademicSession extends Schema.Class<AcademicSession>("AcademicSession")({
  id: AcademicSessionId,
  school_id: Schema.NullOr(SchoolId),
  source_id: Schema.String,
  type: Schema.String,
  title: Schema.String,
  start_date: Schema.NullOr(CalendarDate),
  end_date: Schema.NullOr(CalendarDate),
  parent_source_id: Schema.NullOr(Schema.String),
  school_year: Schema.NullOr(Schema.String)
}) {}

/** A school year as the timetable needs it (issue 16): its title and first and last day (inclusive). */
export class SchoolYear extends Schema.Class<SchoolYear>("SchoolYear")({
  title: Schema.String,
  start_date: CalendarDate,
  end_date: CalendarDate
}) {}

// ---------------------------------------------------------------------------
// Timetable sync and sources (issue 16 "Sync mode")
// ---------------------------------------------------------------------------

/** Timetable source id (a scheduled iCalendar URL of a school). */
export const TimetableSourceId = Schema.UUID.pipe(
  Schema.brand("TimetableSourceId"),
  Schema.annotations({ identifier: "TimetableSourceId" })
)
/** @see TimetableSourceId */
export type TimetableSourceId = typeof TimetableSourceId.Type

/** One changed field of a synced course: its value before and after (instants ISO-8601, link ids comma-joined). */
export class TimetableFieldChange extends Schema.Class<TimetableFieldChange>("TimetableFieldChange")({
  field: Schema.Literal("name", "start_at", "end_at", "classroom_ids", "group_ids", "teacher_ids", "source_key"),
  before: Schema.String,
  after: Schema.String
}) {}

/**
 * A course a sync created, updated, removed or kept: `course_id` is null for
 * a course a dry run would create; `changes` lists the changed fields of an
 * updated course (empty otherwise).
 */
export class TimetableSyncItem extends Schema.Class<TimetableSyncItem>("TimetableSyncItem")({
  course_id: Schema.NullOr(CourseId),
  source_key: Schema.String,
  name: Schema.String,
  start_at: Schema.String,
  end_at: Schema.String,
  changes: Schema.Array(TimetableFieldChange)
}) {}

/**
 * Counts of a sync. `rekeyed` counts courses matched by their stable key
 * (start, end, classroom, group, name) because the export regenerated its
 * UIDs; their source key was replaced (they also count as updated or
 * unchanged). `kept_with_attendance`: vanished courses kept because
 * attendance was recorded for them.
 */
export class TimetableSyncCounts extends Schema.Class<TimetableSyncCounts>("TimetableSyncCounts")({
  created: Schema.Number,
  updated: Schema.Number,
  unchanged: Schema.Number,
  removed: Schema.Number,
  kept_with_attendance: Schema.Number,
  rekeyed: Schema.Number
}) {}

/**
 * What a timetable sync did (or would do, `dry_run`): the window it replaced
 * (`null` when the file covered nothing and no window was given: nothing
 * removed), counts, and the lists of items (each capped at `list_cap`
 * entries; the counts are complete).
 */
export class TimetableSyncSummary extends Schema.Class<TimetableSyncSummary>("TimetableSyncSummary")({
  dry_run: Schema.Boolean,
  window: Schema.NullOr(Schema.Struct({ start: Schema.String, end: Schema.String })),
  counts: TimetableSyncCounts,
  list_cap: Schema.Number,
  created: Schema.Array(TimetableSyncItem),
  updated: Schema.Array(TimetableSyncItem),
  removed: Schema.Array(TimetableSyncItem),
  kept_with_attendance: Schema.Array(TimetableSyncItem),
  warnings: Schema.Array(ImportMessage),
  errors: Schema.Array(ImportMessage)
}) {}

/**
 * A school's scheduled iCalendar URL. The URL is stored encrypted and never
 * shown again: `url_hint` is its scheme and host only.
 */
export class TimetableSource extends Schema.Class<TimetableSource>("TimetableSource")({
  id: TimetableSourceId,
  school_id: SchoolId,
  url_hint: Schema.String,
  mapping: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  interval_minutes: Schema.Number,
  enabled: Schema.Boolean,
  last_pulled_at: Schema.NullOr(Schema.DateTimeUtc),
  next_pull_at: Schema.DateTimeUtc,
  last_status: Schema.NullOr(Schema.Literal("not_modified", "synced", "failed")),
  last_error: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of `POST …/timetable/sources`: the URL (https; may embed a secret token) and its schedule. */
export class CreateTimetableSource extends Schema.Class<CreateTimetableSource>("CreateTimetableSource")({
  school_id: SchoolId,
  url: Schema.Redacted(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2048))),
  mapping: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  interval_minutes: Schema.optional(Schema.Int),
  enabled: Schema.optional(Schema.Boolean)
}) {}

/** What one pull of a source did: `not_modified` (HTTP 304, nothing synced) or `synced` with the sync's summary. */
export class TimetablePullResult extends Schema.Class<TimetablePullResult>("TimetablePullResult")({
  source_id: TimetableSourceId,
  status: Schema.Literal("not_modified", "synced"),
  summary: Schema.NullOr(TimetableSyncSummary)
}) {}

/** 404 — no timetable source with this id in this tenant. */
export class TimetableSourceNotFound extends Schema.TaggedError<TimetableSourceNotFound>()(
  "TimetableSourceNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such timetable source" })
) {}

/** 502 — fetching a timetable source failed (timeout, refused redirect, too large, HTTP error); nothing synced. */
export class TimetablePullFailed extends Schema.TaggedError<TimetablePullFailed>()(
  "TimetablePullFailed",
  { message: Schema.String, source_id: Schema.String },
  HttpApiSchema.annotations({ status: 502, description: "The timetable source could not be fetched" })
) {}
