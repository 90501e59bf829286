/**
 * `excuses` queries of `AttendanceRepo`.
 *
 * @module
 */
import { SqlSchema } from "@effect/sql"
import type { CourseId } from "@signet/contracts/academics/Domain"
import { Excuse, type ExcuseId, ExcuseReason, ExcuseStatus } from "@signet/contracts/attendance/Domain"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { RepoContext } from "./Context.js"

/** An `excuses` row (without the attachment bytes) as the domain's {@link Excuse}. */
const ExcuseFromRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    course_id: Schema.String,
    student_id: Schema.String,
    reason: ExcuseReason,
    note: Schema.NullOr(Schema.String),
    status: ExcuseStatus,
    attachment_name: Schema.NullOr(Schema.String),
    attachment_type: Schema.NullOr(Schema.String),
    attachment_size: Schema.NullOr(Schema.Number),
    submitted_by: Schema.NullOr(Schema.String),
    decided_by: Schema.NullOr(Schema.String),
    decision_comment: Schema.NullOr(Schema.String),
    created_at: Schema.String,
    decided_at: Schema.NullOr(Schema.String)
  }),
  Excuse,
  {
    strict: false,
    decode: ({ attachment_name, attachment_size, attachment_type, ...r }) => ({
      ...r,
      attachment:
        attachment_name && attachment_type
          ? { filename: attachment_name, content_type: attachment_type, size: attachment_size ?? 0 }
          : null
    }),
    encode: ({ attachment, ...e }) => ({
      ...e,
      attachment_name: attachment?.filename ?? null,
      attachment_type: attachment?.content_type ?? null,
      attachment_size: attachment?.size ?? null
    })
  }
)

/** Filters of {@link AttendanceRepo.listExcuses}. */
export interface ExcuseFilter {
  readonly status?: "pending" | "approved" | "rejected" | undefined
  readonly course_id?: CourseId | undefined
  readonly student_id?: UserId | null | undefined
  /** Only excuses of these courses (a narrowed teacher's, issue 15 §4); empty: none. */
  readonly course_ids?: ReadonlyArray<string> | undefined
  /** Keyset cursor: ids after this one. */
  readonly after?: string | null | undefined
  /** Rows to read (the caller asks one more than a page to know whether another follows). */
  readonly limit: number
}

const EXCUSE_COLUMNS = `id, course_id, student_id, reason, note, status, attachment_name, attachment_type,
  attachment_size, submitted_by, decided_by, decision_comment, created_at, decided_at`
/** `excuses`. */
export const excusesRepo = ({ span, sql, tid }: RepoContext) => {
  // ——— excuses ———————————————————————————————————————————————————————————————

  const findExcuseQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, id: Schema.String }),
    Result: ExcuseFromRow,
    execute: (r) =>
      sql`SELECT ${sql.literal(EXCUSE_COLUMNS)} FROM excuses WHERE tenant_id = ${r.tenant} AND id = ${r.id}`
  })
  const listExcusesQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, filter: Schema.Unknown }),
    Result: ExcuseFromRow,
    execute: ({ filter, tenant }) => {
      const f = filter as ExcuseFilter
      return sql`SELECT ${sql.literal(EXCUSE_COLUMNS)} FROM excuses WHERE tenant_id = ${tenant}
        ${f.status ? sql`AND status = ${f.status}` : sql``}
        ${f.course_id ? sql`AND course_id = ${f.course_id}` : sql``}
        ${f.student_id ? sql`AND student_id = ${f.student_id}` : sql``}
        ${f.course_ids ? (f.course_ids.length > 0 ? sql`AND ${sql.in("course_id", f.course_ids)}` : sql`AND 1 = 0`) : sql``}
        ${f.after ? sql`AND id > ${f.after}` : sql``} ORDER BY id LIMIT ${f.limit}`
    }
  })

  return {
    /** One excuse (without its attachment bytes). */
    findExcuse: (id: ExcuseId) => Effect.flatMap(tid, (tenant) => findExcuseQ({ tenant, id })).pipe(span("findExcuse")),
    /** Whether the student has a pending or approved excuse for the course. */
    hasOpenExcuse: (courseId: CourseId, studentId: UserId) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT id FROM excuses WHERE tenant_id = ${t} AND course_id = ${courseId}
          AND student_id = ${studentId} AND status IN ('pending', 'approved')`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("hasOpenExcuse")
      ),
    /** Stores a new excuse with its attachment bytes. */
    insertExcuse: (e: Excuse, bytes: Uint8Array | null) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO excuses (tenant_id, id, course_id, student_id, reason, note, status, attachment_name,
            attachment_type, attachment_size, attachment, submitted_by, created_at)
          VALUES (${t}, ${e.id}, ${e.course_id}, ${e.student_id}, ${e.reason}, ${e.note}, ${e.status},
            ${e.attachment?.filename ?? null}, ${e.attachment?.content_type ?? null}, ${e.attachment?.size ?? null},
            ${bytes}, ${e.submitted_by}, ${DateTime.formatIso(e.created_at)})`
      ).pipe(Effect.asVoid, span("insertExcuse")),
    /** An excuse's attachment bytes (none when it has no attachment). */
    excuseAttachment: (id: ExcuseId) =>
      Effect.flatMap(
        tid,
        (t) =>
          sql<{ attachment: Uint8Array | null }>`SELECT attachment FROM excuses WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(
        Effect.map((r) => Option.fromNullable(r[0]?.attachment)),
        span("excuseAttachment")
      ),
    /** Records an excuse's decision. */
    decideExcuse: (e: Excuse) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE excuses SET status = ${e.status}, decided_by = ${e.decided_by},
            decision_comment = ${e.decision_comment}, decided_at = ${e.decided_at === null ? null : DateTime.formatIso(e.decided_at)}
          WHERE tenant_id = ${t} AND id = ${e.id}`
      ).pipe(Effect.asVoid, span("decideExcuse")),
    /** Excuses matching a filter, by id. */
    listExcuses: (filter: ExcuseFilter) =>
      Effect.flatMap(tid, (tenant) => listExcusesQ({ tenant, filter })).pipe(span("listExcuses"))
  } as const
}
