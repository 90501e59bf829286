/**
 * `signatures` and `signature_refusals` queries of `AttendanceRepo`.
 *
 * @module
 */
import { SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { CourseId } from "@signet/contracts/academics/Domain"
import {
  type RefusalReason,
  type RollResult,
  Signature,
  type SignatureId,
  type SignatureMethod,
  SignatureRefusal,
  type SignatureRefusalId
} from "@signet/contracts/attendance/Domain"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Schema } from "effect"
import { DbCount, json } from "../../kernel/Sql.js"
import type { RepoContext } from "./Context.js"
import { ROLL_UPSERT, rollUpsert } from "./Roll.js"

/** How a signature is looked up: by id, by idempotency key, or by signer and course. */
export type SignatureKey =
  | { readonly id: SignatureId }
  | { readonly idempotency_key: string }
  | { readonly course_id: CourseId; readonly signer_id: UserId }

/** A refused attempt as {@link AttendanceRepo.insertRefusal} stores it. */
export interface RefusalRow {
  readonly id: SignatureRefusalId
  readonly course_id: CourseId
  readonly signer_id: UserId | null
  readonly method: SignatureMethod
  readonly reason_code: RefusalReason
  readonly message: string
  readonly actor_id: string | null
  readonly ip: string | null
  readonly received_at: DateTime.Utc
}
/**
 * The inserts of a signature in tenant `t`: alone (`insertSignatureQ`, unless
 * the signer already signed the course or the key is taken; returns the row
 * if inserted), and with the signer's roll result (`insertWithRollQ`, see
 * `AttendanceRepo.insertSignatureWithRoll`).
 */
const signatureInserts = (sql: RepoContext["sql"]) => {
  const upsertRollQ = rollUpsert(sql)
  const insertSignatureQ = (t: string, s: Signature, proof: unknown, idempotencyKey: string | null) =>
    sql<{ id: string }>`INSERT INTO signatures (tenant_id, id, course_id, school_id,
        signer_id, signer_kind, method, status, reason_code, message, proof_ref, proof, administrator_id,
        admin_reason, changed_by, previous_status, idempotency_key, received_at, decided_at, updated_at)
      VALUES (${t}, ${s.id}, ${s.course_id}, ${s.school_id}, ${s.signer_id}, ${s.signer_kind}, ${s.method},
        ${s.status}, ${s.reason_code}, ${s.message}, ${s.proof_ref}, ${proof === undefined ? null : json(proof)},
        ${s.administrator_id}, ${s.admin_reason}, ${s.changed_by}, ${s.previous_status}, ${idempotencyKey},
        ${DateTime.formatIso(s.received_at)}, ${DateTime.formatIso(s.decided_at)},
        ${DateTime.formatIso(s.updated_at)})
      ON CONFLICT DO NOTHING RETURNING tenant_id, id, course_id, signer_id, decided_at`
  const insertWithRollQ = (
    t: string,
    s: Signature,
    proof: unknown,
    idempotencyKey: string | null,
    roll: { readonly result: RollResult; readonly by: UserId | null }
  ): Effect.Effect<boolean, SqlError> =>
    sql.onDialectOrElse({
      pg: () =>
        sql<{ id: string }>`WITH s AS (${insertSignatureQ(t, s, proof, idempotencyKey)}),
          r AS (INSERT INTO roll_results (tenant_id, course_id, student_id, result, signature_id, marked_by, updated_at)
            SELECT s.tenant_id, s.course_id, s.signer_id, ${roll.result}::text, s.id, ${roll.by}::text, s.decided_at
            FROM s ${sql.literal(ROLL_UPSERT)})
          SELECT id FROM s`.pipe(Effect.map((r) => r.length > 0)),
      orElse: () =>
        Effect.gen(function* () {
          const inserted = (yield* insertSignatureQ(t, s, proof, idempotencyKey)).length > 0
          if (inserted)
            yield* upsertRollQ(t, s.course_id, s.signer_id, roll.result, { signature_id: s.id }, roll.by, s.decided_at)
          return inserted
        })
    })
  return { insertSignatureQ, insertWithRollQ }
}

/** `signatures` and `signature_refusals`. */
export const signaturesRepo = ({ span, sql, tid }: RepoContext) => {
  const { insertSignatureQ, insertWithRollQ } = signatureInserts(sql)
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
    courseSignatures: (courseId: CourseId) =>
      Effect.flatMap(tid, (tenant) => courseSignaturesQ({ tenant, course: courseId })).pipe(span("courseSignatures")),
    /** Whether a teacher has signed the course. */
    teacherSigned: (courseId: CourseId) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT 1 AS ok FROM signatures WHERE tenant_id = ${t} AND course_id = ${courseId}
          AND signer_kind = 'teacher' LIMIT 1`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("teacherSigned")
      ),
    /**
     * How many signatures the tenant received since `from` (the
     * `signatures.monthly` quota's count, from the start of the UTC month).
     */
    countSignaturesSince: (from: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM signatures
          WHERE tenant_id = ${t} AND received_at >= ${DateTime.formatIso(from)}`
      ).pipe(
        Effect.flatMap((rows) => Schema.decodeUnknown(DbCount)(rows[0]?.n ?? 0)),
        Effect.orDie,
        span("countSignaturesSince")
      ),
    /**
     * Inserts a signature unless the signer already signed the course (or
     * the idempotency key is taken): one statement decides a race. Answers
     * whether the row was inserted.
     */
    insertSignature: (s: Signature, proof: unknown, idempotencyKey: string | null) =>
      Effect.flatMap(tid, (t) => insertSignatureQ(t, s, proof, idempotencyKey)).pipe(
        Effect.map((r) => r.length > 0),
        span("insertSignature")
      ),
    /**
     * {@link insertSignature} and, when the row was inserted, the signer's
     * roll result in the course (`roll`, marked by `by`, at the signature's
     * `decided_at`, referencing it — what `upsertRoll` writes). On Postgres
     * one statement (a data-modifying CTE: one round trip fewer per sign
     * attempt, issue 23); on SQLite the two statements. Runs in the
     * caller's transaction. Answers whether the signature was inserted.
     */
    insertSignatureWithRoll: (
      s: Signature,
      proof: unknown,
      idempotencyKey: string | null,
      roll: { readonly result: RollResult; readonly by: UserId | null }
    ) =>
      Effect.flatMap(tid, (t) => insertWithRollQ(t, s, proof, idempotencyKey, roll)).pipe(
        span("insertSignatureWithRoll")
      ),
    /** Writes a signature's changed fields (status, method, message, administrator fields, history). */
    updateSignature: (s: Signature) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE signatures SET status = ${s.status}, method = ${s.method}, message = ${s.message},
            reason_code = ${s.reason_code}, administrator_id = ${s.administrator_id},
            admin_reason = ${s.admin_reason}, changed_by = ${s.changed_by},
            previous_status = ${s.previous_status}, decided_at = ${DateTime.formatIso(s.decided_at)},
            updated_at = ${DateTime.formatIso(s.updated_at)}
          WHERE tenant_id = ${t} AND id = ${s.id}`
      ).pipe(Effect.asVoid, span("updateSignature")),

    /** Records a refused attempt. */
    insertRefusal: (r: RefusalRow) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO signature_refusals (tenant_id, id, course_id, signer_id, method, reason_code, message,
            actor_id, ip, received_at)
          VALUES (${t}, ${r.id}, ${r.course_id}, ${r.signer_id}, ${r.method}, ${r.reason_code}, ${r.message},
            ${r.actor_id}, ${r.ip}, ${DateTime.formatIso(r.received_at)})`
      ).pipe(Effect.asVoid, span("insertRefusal")),
    /** Refusals of a course, by id (keyset: after `after`), at most `limit`. */
    listRefusals: (courseId: CourseId, after: string | null, limit: number) =>
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
