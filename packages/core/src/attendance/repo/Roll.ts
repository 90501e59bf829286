/**
 * `roll_results` queries of `AttendanceRepo`.
 *
 * @module
 */
import { SqlSchema } from "@effect/sql"
import { CourseId } from "@signet/contracts/academics/Domain"
import { ExcuseId, RollResult, SignatureId } from "@signet/contracts/attendance/Domain"
import { UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { RepoContext } from "./Context.js"

/** A `roll_results` row: one student's result in one course. */
export const RollRow = Schema.Struct({
  course_id: CourseId,
  student_id: UserId,
  result: RollResult,
  signature_id: Schema.NullOr(SignatureId),
  excuse_id: Schema.NullOr(ExcuseId)
})
/** @see RollRow */
export type RollRow = typeof RollRow.Type

/**
 * The conflict clause of a roll result's upsert: the new result, marker and
 * time; a signature reference, once set, is kept when the new one is null.
 */
export const ROLL_UPSERT = `ON CONFLICT (tenant_id, course_id, student_id) DO UPDATE SET result = excluded.result,
  signature_id = COALESCE(excluded.signature_id, roll_results.signature_id),
  excuse_id = excluded.excuse_id, marked_by = excluded.marked_by, updated_at = excluded.updated_at`

/** A roll result to upsert: course, student, result, the signature or excuse behind it, who marked it, when. */
export type RollMark = [
  courseId: CourseId,
  studentId: UserId,
  result: RollResult,
  refs: { readonly signature_id?: SignatureId | null; readonly excuse_id?: ExcuseId | null },
  by: UserId | null,
  at: DateTime.Utc
]

/** The upsert of one roll result in tenant `t` (see `upsertRoll`). */
export const rollUpsert =
  (sql: RepoContext["sql"]) =>
  (t: string, ...[courseId, studentId, result, refs, by, at]: RollMark) =>
    sql`INSERT INTO roll_results (tenant_id, course_id, student_id, result, signature_id, excuse_id,
        marked_by, updated_at)
      VALUES (${t}, ${courseId}, ${studentId}, ${result}, ${refs.signature_id ?? null}, ${refs.excuse_id ?? null},
        ${by}, ${DateTime.formatIso(at)})
      ${sql.literal(ROLL_UPSERT)}`

/** `roll_results`. */
export const rollRepo = ({ span, sql, tid }: RepoContext) => {
  const upsertRollQ = rollUpsert(sql)
  // ——— roll_results ————————————————————————————————————————————————————————

  const rollsOfCoursesQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, courses: Schema.Array(Schema.String) }),
    Result: RollRow,
    execute: (r) => sql`SELECT course_id, student_id, result, signature_id, excuse_id FROM roll_results
      WHERE tenant_id = ${r.tenant} AND ${sql.in("course_id", r.courses)}`
  })
  const rollsOfStudentQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, student: Schema.String }),
    Result: RollRow,
    execute: (r) => sql`SELECT course_id, student_id, result, signature_id, excuse_id FROM roll_results
      WHERE tenant_id = ${r.tenant} AND student_id = ${r.student}`
  })

  return {
    /** A student's result in a course, if marked. */
    rollResult: (courseId: CourseId, studentId: UserId) =>
      Effect.flatMap(
        tid,
        (t) => sql<{ result: RollResult }>`SELECT result FROM roll_results
          WHERE tenant_id = ${t} AND course_id = ${courseId} AND student_id = ${studentId}`
      ).pipe(
        Effect.map((r) => Option.fromNullable(r[0]?.result)),
        span("rollResult")
      ),
    /** The results of a set of courses (read 500 courses at a time). */
    rollsOfCourses: (courseIds: ReadonlyArray<CourseId>) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const out: Array<RollRow> = []
        for (let i = 0; i < courseIds.length; i += 500)
          out.push(...(yield* rollsOfCoursesQ({ tenant, courses: courseIds.slice(i, i + 500) })))
        return out
      }).pipe(span("rollsOfCourses")),
    /** Every result of a student. */
    rollsOfStudent: (studentId: UserId) =>
      Effect.flatMap(tid, (tenant) => rollsOfStudentQ({ tenant, student: studentId })).pipe(span("rollsOfStudent")),
    /**
     * Upserts a student's result in a course (a signature reference, once
     * set, is kept when the new one is null). `marked_by` is the acting user.
     */
    upsertRoll: (...mark: RollMark) =>
      Effect.flatMap(tid, (t) => upsertRollQ(t, ...mark)).pipe(Effect.asVoid, span("upsertRoll")),
    /** Removes a student's result (unmarked again). */
    deleteRoll: (courseId: CourseId, studentId: UserId) =>
      Effect.flatMap(
        tid,
        (t) =>
          sql`DELETE FROM roll_results WHERE tenant_id = ${t} AND course_id = ${courseId} AND student_id = ${studentId}`
      ).pipe(Effect.asVoid, span("deleteRoll")),
    /** Marks students ABSENT in a course (the close job), 200 rows per statement. */
    insertAbsences: (courseId: CourseId, studentIds: ReadonlyArray<UserId>, at: DateTime.Utc) =>
      Effect.gen(function* () {
        const t = yield* tid
        for (let i = 0; i < studentIds.length; i += 200) {
          const rows = studentIds.slice(i, i + 200).map((student_id) => ({
            tenant_id: t,
            course_id: courseId,
            student_id,
            result: "ABSENT",
            signature_id: null,
            excuse_id: null,
            marked_by: null,
            updated_at: DateTime.formatIso(at)
          }))
          yield* sql`INSERT INTO roll_results ${sql.insert(rows)}`
        }
      }).pipe(span("insertAbsences"))
  } as const
}
