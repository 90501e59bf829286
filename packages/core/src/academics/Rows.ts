/**
 * The academics repository's row schemas and parameter shapes (issue 14 §2):
 * rows are decoded once into the contracts' domain classes, the schemas
 * built from the domain classes' fields with the database's own column
 * types (`DbBool`). Only the repository (`Repo.ts`, `repo/*.ts`) reads and writes the rows.
 *
 * @module
 */
import {
  Course,
  type CourseId,
  SchoolId,
  type SchoolId as SchoolIdType,
  SchoolPreferences,
  StudentGroup
} from "@signet/contracts/academics/Domain"
import { Data, type DateTime, Schema, Struct } from "effect"
import { DbBool } from "../kernel/Sql.js"

/** A `school_preferences` row as the domain's {@link SchoolPreferences} (whose `id` is the school's). */
export const PreferencesFromRow = Schema.transform(
  Schema.Struct({
    ...Struct.omit(SchoolPreferences.fields, "id"),
    school_id: SchoolId,
    teacher_can_modify_closing_delay: DbBool,
    students_can_sign_before_teacher: DbBool,
    enable_flash: DbBool,
    disable_course_modification_from_ui: DbBool,
    enable_nfc: DbBool
  }),
  SchoolPreferences,
  {
    strict: false,
    decode: ({ school_id, ...p }) => ({ ...p, id: school_id }),
    encode: ({ id, ...p }) => ({ ...p, school_id: id })
  }
)

/** A `student_groups` row: the domain's {@link StudentGroup} without its member count and teachers. */
export const GroupRow = Schema.Struct(Struct.omit(StudentGroup.fields, "member_count", "teacher_ids"))
export type GroupRow = typeof GroupRow.Type

/**
 * A `courses` row: the domain's {@link Course} without its links, with its
 * own closing delay (null: the school's default applies).
 */
export const CourseRow = Schema.Struct({
  ...Struct.omit(Course.fields, "closing_delay_overridden", "teacher_ids", "classroom_ids", "group_ids"),
  is_online: DbBool,
  signature_closing_delay_minutes: Schema.NullOr(Schema.Number),
  signature_closed: DbBool
})
export type CourseRow = typeof CourseRow.Type

/** A unique violation (a code or source key taken); the caller turns it into a `Conflict`. */
export class AcademicsUniqueViolation extends Data.TaggedError("AcademicsUniqueViolation")<{
  readonly error: unknown
}> {}

/** The tables whose rows are soft-deleted (`deleted_at`). */
export type SoftDeletable = "schools" | "classrooms" | "student_groups" | "courses"

/** A page request: `limit` live rows by id after `after`, optionally of one school. */
export interface PageParams {
  readonly school_id?: string | undefined
  readonly after?: string | undefined
  readonly limit: number
}

/** Filters of the course list (instants already normalised), and its keyset position. */
export interface CourseFilters {
  readonly school_id?: string | undefined
  readonly teacher_id?: string | undefined
  readonly group_id?: string | undefined
  readonly classroom_id?: string | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly after?: { readonly start: string; readonly id: string } | undefined
  readonly limit: number
}

/** A new course as stored (signing open, created and updated at `created_at`). */
export interface NewCourse {
  readonly id: CourseId
  readonly school_id: SchoolIdType
  readonly name: string
  readonly start_at: DateTime.Utc
  readonly end_at: DateTime.Utc
  readonly is_online: boolean
  readonly signature_closing_delay_minutes: number | null
  readonly source_key: string | null
  readonly created_at: DateTime.Utc
}

/** A group's writable columns. */
export type GroupColumns = Pick<StudentGroup, "name" | "code" | "course_title" | "location">
