/**
 * The attendance repository: all of attendance's SQL (ARCHITECTURE §1
 * "Repo.ts"; issue 14 §2). It is the only writer of `signatures`,
 * `signature_refusals`, `roll_results`, `excuses`, `attendance_policies` and
 * `attendance_secrets`.
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's transaction (the service wraps calls in `tenantTx`, which also
 * sets the Postgres row-level-security tenant). Rows are decoded once into
 * the domain classes (`Signature`, `SignatureRefusal`, `Excuse`,
 * `AttendancePolicy`); SQL errors become defects here. Each method has a
 * span named `AttendanceRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import {
  AttendancePolicy,
  Excuse,
  ExcuseStatus,
  RollResult,
  Signature,
  SignatureRefusal,
  type SignatureStatus
} from "@signet/contracts/attendance/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema } from "effect"
import { DbJson, json } from "../kernel/Sql.js"

/** An `excuses` row (without the attachment bytes) as the domain's {@link Excuse}. */
const ExcuseFromRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    course_id: Schema.String,
    student_id: Schema.String,
    reason: Schema.String,
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

/** An `attendance_policies` row (its allow-list is JSON text) as the domain's {@link AttendancePolicy}. */
const PolicyFromRow = Schema.transform(
  Schema.Struct({ ...AttendancePolicy.fields, ip_allowlist: DbJson }),
  AttendancePolicy,
  {
    strict: false,
    decode: (r) => ({ ...r, ip_allowlist: Array.isArray(r.ip_allowlist) ? r.ip_allowlist : [] }),
    encode: (p) => p
  }
)

/** A `roll_results` row: one student's result in one course. */
export const RollRow = Schema.Struct({
  course_id: Schema.String,
  student_id: Schema.String,
  result: RollResult,
  signature_id: Schema.NullOr(Schema.String),
  excuse_id: Schema.NullOr(Schema.String)
})
/** @see RollRow */
export type RollRow = typeof RollRow.Type

/** How a signature is looked up: by id, by idempotency key, or by signer and course. */
export type SignatureKey =
  | { readonly id: string }
  | { readonly idempotency_key: string }
  | { readonly course_id: string; readonly signer_id: string }

/** A refused attempt as {@link AttendanceRepo.insertRefusal} stores it. */
export interface RefusalRow {
  readonly id: string
  readonly course_id: string
  readonly signer_id: string | null
  readonly method: string
  readonly reason_code: string
  readonly message: string
  readonly actor_id: string | null
  readonly ip: string | null
  readonly received_at: string
}

/** Filters of {@link AttendanceRepo.listExcuses}. */
export interface ExcuseFilter {
  readonly status?: "pending" | "approved" | "rejected" | undefined
  readonly course_id?: string | undefined
  readonly student_id?: string | null | undefined
  /** Only excuses of these courses (a narrowed teacher's, issue 15 §4); empty: none. */
  readonly course_ids?: ReadonlyArray<string> | undefined
  /** Keyset cursor: ids after this one. */
  readonly after?: string | null | undefined
  /** Rows to read (the caller asks one more than a page to know whether another follows). */
  readonly limit: number
}

const EXCUSE_COLUMNS = `id, course_id, student_id, reason, note, status, attachment_name, attachment_type,
  attachment_size, submitted_by, decided_by, decision_comment, created_at, decided_at`

/** What each table section of the repository is built from. */
interface RepoContext {
  readonly sql: SqlClient.SqlClient
  /** The tenant of `CurrentTenant`. */
  readonly tid: Effect.Effect<string, never, CurrentTenant>
  /** SQL errors as defects, and a span `AttendanceRepo.<name>`. */
  readonly span: (name: string) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, never, R>
}

/** `attendance_secrets` and `attendance_policies`. */
const settingsRepo = ({ span, sql, tid }: RepoContext) => {
  // ——— attendance_secrets ——————————————————————————————————————————————————

  const readQrKeyQ = SqlSchema.findOne({
    Request: Schema.String,
    Result: Schema.Struct({ qr_key_enc: Schema.String }),
    execute: (tenant) => sql`SELECT qr_key_enc FROM attendance_secrets WHERE tenant_id = ${tenant}`
  })

  // ——— attendance_policies ————————————————————————————————————————————————

  const findPolicyQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, school: Schema.String }),
    Result: PolicyFromRow,
    execute: (r) => sql`SELECT school_id, late_policy, window_grace_minutes, qr_step_seconds, ip_allowlist
      FROM attendance_policies WHERE tenant_id = ${r.tenant} AND school_id = ${r.school}`
  })

  return {
    /** The tenant's envelope-encrypted QR key, if created. */
    readQrKey: Effect.flatMap(tid, readQrKeyQ).pipe(Effect.map(Option.map((r) => r.qr_key_enc)), span("readQrKey")),
    /** Stores the tenant's QR key unless one exists (a concurrent creator wins). */
    insertQrKey: (enc: string, at: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO attendance_secrets (tenant_id, qr_key_enc, created_at) VALUES (${t}, ${enc}, ${at})
          ON CONFLICT (tenant_id) DO NOTHING`
      ).pipe(Effect.asVoid, span("insertQrKey")),

    /** A school's stored policy (none: the tenant settings apply). */
    findPolicy: (schoolId: string) =>
      Effect.flatMap(tid, (tenant) => findPolicyQ({ tenant, school: schoolId })).pipe(span("findPolicy")),
    /** Creates or replaces a school's policy. */
    upsertPolicy: (p: AttendancePolicy, at: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO attendance_policies (tenant_id, school_id, late_policy, window_grace_minutes,
            qr_step_seconds, ip_allowlist, updated_at)
          VALUES (${t}, ${p.school_id}, ${p.late_policy}, ${p.window_grace_minutes}, ${p.qr_step_seconds},
            ${json(p.ip_allowlist)}, ${at})
          ON CONFLICT (tenant_id, school_id) DO UPDATE SET late_policy = excluded.late_policy,
            window_grace_minutes = excluded.window_grace_minutes, qr_step_seconds = excluded.qr_step_seconds,
            ip_allowlist = excluded.ip_allowlist, updated_at = excluded.updated_at`
      ).pipe(Effect.asVoid, span("upsertPolicy"))
  } as const
}

/** `signatures` and `signature_refusals`. */
const signaturesRepo = ({ span, sql, tid }: RepoContext) => {
  // ——— signatures ———————————————————————————————————————————————————————————

  const findSignatureQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, key: Schema.Unknown }),
    Result: Signature,
    execute: ({ key, tenant }) => {
      const k = key as SignatureKey
      const cond =
        "id" in k
          ? sql`id = ${k.id}`
          : "idempotency_key" in k
            ? sql`idempotency_key = ${k.idempotency_key}`
            : sql`course_id = ${k.course_id} AND signer_id = ${k.signer_id}`
      return sql`SELECT * FROM signatures WHERE tenant_id = ${tenant} AND ${cond}`
    }
  })
  const courseSignaturesQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, course: Schema.String }),
    Result: Signature,
    execute: (r) => sql`SELECT * FROM signatures WHERE tenant_id = ${r.tenant} AND course_id = ${r.course}
      ORDER BY received_at, id`
  })

  // ——— signature_refusals ——————————————————————————————————————————————————

  const refusalsQ = SqlSchema.findAll({
    Request: Schema.Struct({
      tenant: Schema.String,
      course: Schema.String,
      after: Schema.NullOr(Schema.String),
      limit: Schema.Number
    }),
    Result: SignatureRefusal,
    execute: (r) => sql`SELECT * FROM signature_refusals WHERE tenant_id = ${r.tenant} AND course_id = ${r.course}
      ${r.after ? sql`AND id > ${r.after}` : sql``} ORDER BY id LIMIT ${r.limit}`
  })

  return {
    /** One signature by id, idempotency key, or signer and course. */
    findSignature: (key: SignatureKey) =>
      Effect.flatMap(tid, (tenant) => findSignatureQ({ tenant, key })).pipe(span("findSignature")),
    /** A course's signatures (every signer), oldest first. */
    courseSignatures: (courseId: string) =>
      Effect.flatMap(tid, (tenant) => courseSignaturesQ({ tenant, course: courseId })).pipe(span("courseSignatures")),
    /** Whether a teacher has signed the course. */
    teacherSigned: (courseId: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT 1 AS ok FROM signatures WHERE tenant_id = ${t} AND course_id = ${courseId}
          AND signer_kind = 'teacher' LIMIT 1`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("teacherSigned")
      ),
    /**
     * Inserts a signature unless the signer already signed the course (or
     * the idempotency key is taken): one statement decides a race. Answers
     * whether the row was inserted.
     */
    insertSignature: (s: Signature, proof: unknown, idempotencyKey: string | null) =>
      Effect.flatMap(
        tid,
        (t) => sql<{ id: string }>`INSERT INTO signatures (tenant_id, id, course_id, school_id,
            signer_id, signer_kind, method, status, reason_code, message, proof_ref, proof, administrator_id,
            admin_reason, changed_by, previous_status, idempotency_key, received_at, decided_at, updated_at)
          VALUES (${t}, ${s.id}, ${s.course_id}, ${s.school_id}, ${s.signer_id}, ${s.signer_kind}, ${s.method},
            ${s.status}, ${s.reason_code}, ${s.message}, ${s.proof_ref}, ${proof === undefined ? null : json(proof)},
            ${s.administrator_id}, ${s.admin_reason}, ${s.changed_by}, ${s.previous_status}, ${idempotencyKey},
            ${s.received_at}, ${s.decided_at}, ${s.updated_at})
          ON CONFLICT DO NOTHING RETURNING id`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("insertSignature")
      ),
    /** Writes a signature's changed fields (status, method, message, administrator fields, history). */
    updateSignature: (s: Signature) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE signatures SET status = ${s.status}, method = ${s.method}, message = ${s.message},
            reason_code = ${s.reason_code}, administrator_id = ${s.administrator_id},
            admin_reason = ${s.admin_reason}, changed_by = ${s.changed_by},
            previous_status = ${s.previous_status}, decided_at = ${s.decided_at}, updated_at = ${s.updated_at}
          WHERE tenant_id = ${t} AND id = ${s.id}`
      ).pipe(Effect.asVoid, span("updateSignature")),

    /** Records a refused attempt. */
    insertRefusal: (r: RefusalRow) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO signature_refusals (tenant_id, id, course_id, signer_id, method, reason_code, message,
            actor_id, ip, received_at)
          VALUES (${t}, ${r.id}, ${r.course_id}, ${r.signer_id}, ${r.method}, ${r.reason_code}, ${r.message},
            ${r.actor_id}, ${r.ip}, ${r.received_at})`
      ).pipe(Effect.asVoid, span("insertRefusal")),
    /** Refusals of a course, by id (keyset: after `after`), at most `limit`. */
    listRefusals: (courseId: string, after: string | null, limit: number) =>
      Effect.flatMap(tid, (tenant) => refusalsQ({ tenant, course: courseId, after, limit })).pipe(span("listRefusals")),
    /** How many refusals one signer has in one course since `since` (ISO instant). */
    countRefusals: (courseId: string, signerId: string, since: string) =>
      Effect.flatMap(
        tid,
        (t) => sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM signature_refusals WHERE tenant_id = ${t}
          AND course_id = ${courseId} AND signer_id = ${signerId} AND received_at >= ${since}`
      ).pipe(
        Effect.map((r) => Number(r[0]?.n ?? 0)),
        span("countRefusals")
      )
  } as const
}

/** `roll_results`. */
const rollRepo = ({ span, sql, tid }: RepoContext) => {
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
    rollResult: (courseId: string, studentId: string) =>
      Effect.flatMap(
        tid,
        (t) => sql<{ result: string }>`SELECT result FROM roll_results
          WHERE tenant_id = ${t} AND course_id = ${courseId} AND student_id = ${studentId}`
      ).pipe(
        Effect.map((r) => Option.fromNullable(r[0]?.result)),
        span("rollResult")
      ),
    /** The results of a set of courses (read 500 courses at a time). */
    rollsOfCourses: (courseIds: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        const out: Array<RollRow> = []
        for (let i = 0; i < courseIds.length; i += 500)
          out.push(...(yield* rollsOfCoursesQ({ tenant, courses: courseIds.slice(i, i + 500) })))
        return out
      }).pipe(span("rollsOfCourses")),
    /** Every result of a student. */
    rollsOfStudent: (studentId: string) =>
      Effect.flatMap(tid, (tenant) => rollsOfStudentQ({ tenant, student: studentId })).pipe(span("rollsOfStudent")),
    /**
     * Upserts a student's result in a course (a signature reference, once
     * set, is kept when the new one is null). `marked_by` is the acting user.
     */
    upsertRoll: (
      courseId: string,
      studentId: string,
      result: RollResult,
      refs: { readonly signature_id?: string | null; readonly excuse_id?: string | null },
      by: string | null,
      at: string
    ) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO roll_results (tenant_id, course_id, student_id, result, signature_id, excuse_id,
            marked_by, updated_at)
          VALUES (${t}, ${courseId}, ${studentId}, ${result}, ${refs.signature_id ?? null}, ${refs.excuse_id ?? null},
            ${by}, ${at})
          ON CONFLICT (tenant_id, course_id, student_id) DO UPDATE SET result = excluded.result,
            signature_id = COALESCE(excluded.signature_id, roll_results.signature_id),
            excuse_id = excluded.excuse_id, marked_by = excluded.marked_by, updated_at = excluded.updated_at`
      ).pipe(Effect.asVoid, span("upsertRoll")),
    /** Removes a student's result (unmarked again). */
    deleteRoll: (courseId: string, studentId: string) =>
      Effect.flatMap(
        tid,
        (t) =>
          sql`DELETE FROM roll_results WHERE tenant_id = ${t} AND course_id = ${courseId} AND student_id = ${studentId}`
      ).pipe(Effect.asVoid, span("deleteRoll")),
    /** Marks students ABSENT in a course (the close job), 200 rows per statement. */
    insertAbsences: (courseId: string, studentIds: ReadonlyArray<string>, at: string) =>
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
            updated_at: at
          }))
          yield* sql`INSERT INTO roll_results ${sql.insert(rows)}`
        }
      }).pipe(span("insertAbsences"))
  } as const
}

/** `excuses`. */
const excusesRepo = ({ span, sql, tid }: RepoContext) => {
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
    findExcuse: (id: string) => Effect.flatMap(tid, (tenant) => findExcuseQ({ tenant, id })).pipe(span("findExcuse")),
    /** Whether the student has a pending or approved excuse for the course. */
    hasOpenExcuse: (courseId: string, studentId: string) =>
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
            ${bytes}, ${e.submitted_by}, ${e.created_at})`
      ).pipe(Effect.asVoid, span("insertExcuse")),
    /** An excuse's attachment bytes (none when it has no attachment). */
    excuseAttachment: (id: string) =>
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
            decision_comment = ${e.decision_comment}, decided_at = ${e.decided_at}
          WHERE tenant_id = ${t} AND id = ${e.id}`
      ).pipe(Effect.asVoid, span("decideExcuse")),
    /** Excuses matching a filter, by id. */
    listExcuses: (filter: ExcuseFilter) =>
      Effect.flatMap(tid, (tenant) => listExcusesQ({ tenant, filter })).pipe(span("listExcuses"))
  } as const
}

/** Attendance's SQL; see the module comment. */
export class AttendanceRepo extends Effect.Service<AttendanceRepo>()("Signet/AttendanceRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const ctx: RepoContext = {
      sql,
      tid: Effect.map(CurrentTenant, (t) => t.id as string),
      span: (name) => (self) => self.pipe(Effect.orDie, Effect.withSpan(`AttendanceRepo.${name}`))
    }
    return { ...settingsRepo(ctx), ...signaturesRepo(ctx), ...rollRepo(ctx), ...excusesRepo(ctx) } as const
  })
}) {}

/** The status a signature gives its student's roll: ACCEPTED → PRESENT, LATE → LATE, otherwise none. */
export const rollOf = (status: SignatureStatus): RollResult | null =>
  status === "ACCEPTED" ? "PRESENT" : status === "LATE" ? "LATE" : null
