/**
 * `attendance_secrets` and `attendance_policies` queries of `AttendanceRepo`.
 *
 * @module
 */
import { SqlSchema } from "@effect/sql"
import type { SchoolId } from "@signet/contracts/academics/Domain"
import { AttendancePolicy } from "@signet/contracts/attendance/Domain"
import { Effect, Option, Schema } from "effect"
import { DbJson, json } from "../../kernel/Sql.js"
import type { RepoContext } from "./Context.js"

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

/** `attendance_secrets` and `attendance_policies`. */
export const settingsRepo = ({ span, sql, tid }: RepoContext) => {
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
    findPolicy: (schoolId: SchoolId) =>
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
