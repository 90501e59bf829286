/**
 * The attendance service (seed 004 "attendance", `AttendanceCommandService`,
 * "Attendance validation rules", Flow A and Flow B; issue 5).
 *
 * Attendance is the only writer of signatures. `createSignatureAttempt`
 * authorizes the caller for the method (403 otherwise), then applies the
 * seed's rules in order — (1) the course exists and is of the caller's
 * school, (2) the time window with its grace, (3) the closing delay (LATE or
 * REFUSED after it, per the school's policy), (4) the student's membership
 * (`ValidateStudentCourse`), (5) the teacher's assignment
 * (`ValidateTeacherCourse`), then the method's proof (QR code, registered
 * NFC device, beacon classroom) and `students_can_sign_before_teacher`.
 * A refusal writes only a `signature_refusals` row with a reason code and a
 * message; an acceptance writes the signature, the student's roll result
 * and a `signet.attendance.signature.created` event in one transaction.
 * Signing twice returns the first signature (unique per signer and course,
 * plus an optional idempotency key).
 *
 * Every operation acts on the `CurrentTenant`: another tenant's course,
 * signature or excuse answers 404.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { BlockList, isIP } from "node:net"
import { SqlClient } from "@effect/sql"
import type { AcademicsNotFound, Course, SchoolPreferences } from "@signet/contracts/academics/Domain"
import {
  type ATTACHMENT_TYPES,
  AttendanceCounts,
  AttendanceNotFound,
  AttendancePolicy,
  AttendanceReport,
  CloseResult,
  CourseRoll,
  type CreateSignatureAttempt,
  type DecideExcuse,
  Excuse,
  HistoryEntry,
  MAX_ATTACHMENT_BYTES,
  type MarkRoll,
  type PatchSignature,
  QrCode,
  type RefusalReason,
  ReportLine,
  RollEntry,
  RollMarked,
  type RollResult,
  Signature,
  SignatureAttemptResult,
  type SignatureMethod,
  SignatureRefusal,
  type SignatureStatus,
  StudentHistory,
  type SubmitExcuse,
  type UpdateAttendancePolicy
} from "@signet/contracts/attendance/Domain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { Conflict, Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Clock, Effect, Option, Schema } from "effect"
import QRCode from "qrcode"
import { Academics } from "../academics/Academics.js"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Identity } from "../identity/Users.js"
import { Envelope } from "../kernel/Crypto.js"
import { toCsv } from "../kernel/Csv.js"
import { tenantTx } from "../kernel/Database.js"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import { DbJson, instant, json } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { qrSecretColumn } from "./Migrations.js"

/**
 * What the verified token says about the caller beyond `CurrentActor`: the
 * user type and school (claims `user_type`, `school_id`). Operators, API keys
 * and the system have neither.
 */
export interface AttendancePrincipal {
  readonly userType: string | null
  readonly schoolId: string | null
}

/** The principal of background jobs and in-process callers (the beacon module). */
export const systemPrincipal: AttendancePrincipal = { userType: null, schoolId: null }

/** Number of digits of a QR code. */
export const QR_DIGITS = 8

/**
 * The QR code of a course for one time step: HMAC-SHA256 under the tenant's
 * key over `course_id:step`, truncated as in RFC 4226 §5.3 to {@link QR_DIGITS}
 * digits.
 */
export const qrCodeFor = (key: Uint8Array, courseId: string, step: number): string => {
  const mac = Crypto.createHmac("sha256", key).update(`${courseId}:${step}`).digest()
  const offset = mac[mac.length - 1]! & 0x0f
  const n = mac.readUInt32BE(offset) & 0x7fffffff
  return String(n % 10 ** QR_DIGITS).padStart(QR_DIGITS, "0")
}

const SignatureRow = Schema.Struct({
  id: Schema.String,
  course_id: Schema.String,
  school_id: Schema.String,
  signer_id: Schema.String,
  signer_kind: Schema.Literal("student", "teacher"),
  method: Schema.Literal("QR", "NFC", "FLASHLIGHT", "BEACON", "TEACHER", "ADMIN"),
  status: Schema.Literal("PENDING", "ACCEPTED", "REFUSED", "LATE"),
  reason_code: Schema.NullOr(Schema.String),
  message: Schema.NullOr(Schema.String),
  proof_ref: Schema.NullOr(Schema.String),
  administrator_id: Schema.NullOr(Schema.String),
  admin_reason: Schema.NullOr(Schema.String),
  changed_by: Schema.NullOr(Schema.String),
  previous_status: Schema.NullOr(Schema.Literal("PENDING", "ACCEPTED", "REFUSED", "LATE")),
  received_at: Schema.String,
  decided_at: Schema.String,
  updated_at: Schema.String
})
const decodeSignatures = Schema.decodeUnknown(Schema.Array(SignatureRow))
const RefusalRow = Schema.Struct({
  id: Schema.String,
  course_id: Schema.String,
  signer_id: Schema.NullOr(Schema.String),
  method: Schema.Literal("QR", "NFC", "FLASHLIGHT", "BEACON", "TEACHER", "ADMIN"),
  reason_code: Schema.String,
  message: Schema.String,
  actor_id: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(Schema.String),
  received_at: Schema.String
})
const ExcuseRow = Schema.Struct({
  id: Schema.String,
  course_id: Schema.String,
  student_id: Schema.String,
  reason: Schema.String,
  note: Schema.NullOr(Schema.String),
  status: Schema.Literal("pending", "approved", "rejected"),
  attachment_name: Schema.NullOr(Schema.String),
  attachment_type: Schema.NullOr(Schema.String),
  attachment_size: Schema.NullOr(Schema.Number),
  submitted_by: Schema.NullOr(Schema.String),
  decided_by: Schema.NullOr(Schema.String),
  decision_comment: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  decided_at: Schema.NullOr(Schema.String)
})
type ExcuseRow = typeof ExcuseRow.Type
const PolicyRow = Schema.Struct({
  school_id: Schema.String,
  late_policy: Schema.Literal("late", "refuse"),
  window_grace_minutes: Schema.Number,
  qr_step_seconds: Schema.Number,
  ip_allowlist: DbJson
})
const RollRow = Schema.Struct({
  course_id: Schema.String,
  student_id: Schema.String,
  result: Schema.Literal("PRESENT", "LATE", "ABSENT", "EXCUSED"),
  signature_id: Schema.NullOr(Schema.String),
  excuse_id: Schema.NullOr(Schema.String)
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MINUTE = 60_000
/** How long a per-tenant cache entry (QR key, school policy) is trusted before re-reading. */
const CACHE_TTL_MS = 1000

const presentExcuse = (r: ExcuseRow) =>
  new Excuse({
    id: r.id,
    course_id: r.course_id,
    student_id: r.student_id,
    reason: r.reason,
    note: r.note,
    status: r.status,
    attachment:
      r.attachment_name && r.attachment_type
        ? { filename: r.attachment_name, content_type: r.attachment_type, size: r.attachment_size ?? 0 }
        : null,
    submitted_by: r.submitted_by,
    decided_by: r.decided_by,
    decision_comment: r.decision_comment,
    created_at: r.created_at,
    decided_at: r.decided_at
  })

/** The magic bytes of each accepted attachment type. */
const MAGIC: Record<(typeof ATTACHMENT_TYPES)[number], (b: Buffer) => boolean> = {
  "application/pdf": (b) => b.subarray(0, 5).toString("latin1") === "%PDF-",
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP"
}

/** Parses an IP allow-list (IPv4/IPv6 addresses or CIDR ranges). Answers the bad entry on failure. */
const blockListOf = (entries: ReadonlyArray<string>): BlockList | string => {
  const list = new BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.trim().split("/")
    const family = isIP(address ?? "")
    if (!address || family === 0) return entry
    const type = family === 4 ? "ipv4" : "ipv6"
    if (prefix === undefined) list.addAddress(address, type)
    else {
      const bits = Number(prefix)
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return entry
      list.addSubnet(address, bits, type)
    }
  }
  return list
}

/** Counts and rate of a set of results (see {@link AttendanceCounts}). */
const countResults = (results: ReadonlyArray<RollResult | null>) => {
  const c = { courses: results.length, present: 0, late: 0, absent: 0, excused: 0, unmarked: 0 }
  for (const r of results) {
    if (r === "PRESENT") c.present++
    else if (r === "LATE") c.late++
    else if (r === "ABSENT") c.absent++
    else if (r === "EXCUSED") c.excused++
    else c.unmarked++
  }
  const counted = c.present + c.late + c.absent
  return new AttendanceCounts({ ...c, rate: counted === 0 ? null : (c.present + c.late) / counted })
}

/** The attendance service. */
export class Attendance extends Effect.Service<Attendance>()("Signet/Attendance", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const academics = yield* Academics
    const identity = yield* Identity
    const access = yield* Access
    const audit = yield* Audit
    const events = yield* Events
    const envelope = yield* Envelope
    const tenancy = yield* Tenancy
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    const tenantId = Effect.map(CurrentTenant, (t) => t.id as string)
    const notFound = (resource: AttendanceNotFound["resource"], id: string) =>
      new AttendanceNotFound({ message: `no ${resource} ${id}`, resource, id })
    const can = (permission: string) => Effect.flatMap(CurrentActor, (actor) => access.checkActor(actor, permission))
    const forbidden = (message: string, permission?: string) =>
      new Forbidden({ message, ...(permission ? { permission } : {}) })

    // ——— Per-tenant caches (QR key; school policies) ————————————————————————

    const qrKeys = new Map<string, Buffer>()
    const qrImages = new Map<string, string>()
    /** The tenant's QR HMAC key: decrypted once per process, created on first use. */
    const qrKey = (tid: string) =>
      Effect.gen(function* () {
        const hit = qrKeys.get(tid)
        if (hit) return hit
        const aad = qrSecretColumn.aad({ tenant_id: tid })
        const read = sql<{ qr_key_enc: string }>`SELECT qr_key_enc FROM attendance_secrets WHERE tenant_id = ${tid}`
        let rows = yield* inTx(read.pipe(Effect.orDie))
        if (rows.length === 0) {
          const enc = yield* envelope.encrypt(Crypto.randomBytes(32), aad)
          const at = instant(yield* Clock.currentTimeMillis)
          rows = yield* inTx(
            Effect.zipRight(
              sql`INSERT INTO attendance_secrets (tenant_id, qr_key_enc, created_at) VALUES (${tid}, ${enc}, ${at})
                ON CONFLICT (tenant_id) DO NOTHING`,
              read
            ).pipe(Effect.orDie)
          )
        }
        const key = yield* envelope.decrypt(rows[0]!.qr_key_enc, aad).pipe(Effect.orDie)
        if (qrKeys.size > 1000) qrKeys.clear()
        qrKeys.set(tid, key)
        return key
      })

    const policies = new Map<
      string,
      { readonly at: number; readonly policy: AttendancePolicy; readonly ips: BlockList | null }
    >()
    /** A school's attendance policy: its row, else the tenant's settings. */
    const policyOf = (schoolId: string) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const cacheKey = `${tid}:${schoolId}`
        const nowMs = yield* Clock.currentTimeMillis
        const hit = policies.get(cacheKey)
        if (hit && nowMs - hit.at < CACHE_TTL_MS) return hit
        const r = yield* inTx(
          sql`SELECT * FROM attendance_policies WHERE tenant_id = ${tid} AND school_id = ${schoolId}`.pipe(
            Effect.flatMap(Schema.decodeUnknown(Schema.Array(PolicyRow))),
            Effect.orDie
          )
        )
        const policy = r[0]
          ? new AttendancePolicy({ ...r[0], ip_allowlist: (r[0].ip_allowlist as Array<string>) ?? [] })
          : new AttendancePolicy({
              school_id: schoolId,
              late_policy: yield* tenancy.settingValue<"late" | "refuse">(tid, "attendance.late_policy"),
              window_grace_minutes: yield* tenancy.settingValue<number>(tid, "attendance.window_grace_minutes"),
              qr_step_seconds: yield* tenancy.settingValue<number>(tid, "attendance.qr_step_seconds"),
              ip_allowlist: []
            })
        const list = policy.ip_allowlist.length > 0 ? blockListOf(policy.ip_allowlist) : null
        const entry = { at: nowMs, policy, ips: typeof list === "string" ? null : list }
        if (policies.size > 5000) policies.clear()
        policies.set(cacheKey, entry)
        return entry
      })

    /** `GET …/schools/{id}/attendance-policy`. @errors AttendanceNotFound (school) */
    const getPolicy = (schoolId: string) =>
      Effect.gen(function* () {
        yield* academics
          .getSchool(schoolId)
          .pipe(Effect.catchTag("AcademicsNotFound", () => notFound("school", schoolId)))
        return (yield* policyOf(schoolId)).policy
      })

    /**
     * `PUT …/schools/{id}/attendance-policy` (partial).
     * @errors AttendanceNotFound (school), ValidationError (an allow-list entry that is not an IP or CIDR range)
     */
    const updatePolicy = (schoolId: string, patch: UpdateAttendancePolicy) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getPolicy(schoolId)
          if (patch.ip_allowlist) {
            const list = blockListOf(patch.ip_allowlist)
            if (typeof list === "string")
              return yield* ValidationError.field("ip_allowlist", `"${list}" is not an IP address or CIDR range`)
          }
          const after = new AttendancePolicy({
            school_id: schoolId,
            late_policy: patch.late_policy ?? before.late_policy,
            window_grace_minutes: patch.window_grace_minutes ?? before.window_grace_minutes,
            qr_step_seconds: patch.qr_step_seconds ?? before.qr_step_seconds,
            ip_allowlist: patch.ip_allowlist ?? before.ip_allowlist
          })
          const tid = yield* tenantId
          const at = instant(yield* Clock.currentTimeMillis)
          yield* sql`INSERT INTO attendance_policies (tenant_id, school_id, late_policy, window_grace_minutes,
              qr_step_seconds, ip_allowlist, updated_at)
            VALUES (${tid}, ${schoolId}, ${after.late_policy}, ${after.window_grace_minutes}, ${after.qr_step_seconds},
              ${json(after.ip_allowlist)}, ${at})
            ON CONFLICT (tenant_id, school_id) DO UPDATE SET late_policy = excluded.late_policy,
              window_grace_minutes = excluded.window_grace_minutes, qr_step_seconds = excluded.qr_step_seconds,
              ip_allowlist = excluded.ip_allowlist, updated_at = excluded.updated_at`.pipe(Effect.orDie)
          policies.delete(`${tid}:${schoolId}`)
          yield* audit.record({
            action: "attendance.policy.updated",
            targetType: "school",
            targetId: schoolId,
            before,
            after
          })
          return after
        })
      )

    // Courses and school preferences as the rules read them, cached per tenant and keyed on
    // the academics version (every academics change bumps it: seen at once in this process,
    // within a second on other replicas).
    const courseCache = new Map<string, { readonly version: number; readonly course: Course }>()
    const prefsCache = new Map<string, { readonly version: number; readonly prefs: SchoolPreferences }>()
    const cachedCourse = (courseId: string) =>
      Effect.gen(function* () {
        const key = `${yield* tenantId}:${courseId}`
        const version = yield* academics.version
        const hit = courseCache.get(key)
        if (hit && hit.version === version) return Option.some(hit.course)
        const found = yield* academics.getCourse(courseId).pipe(Effect.option)
        if (courseCache.size > 20_000) courseCache.clear()
        if (Option.isSome(found)) courseCache.set(key, { version, course: found.value })
        return found
      })
    const cachedPrefs = (schoolId: string) =>
      Effect.gen(function* () {
        const key = `${yield* tenantId}:${schoolId}`
        const version = yield* academics.version
        const hit = prefsCache.get(key)
        if (hit && hit.version === version) return hit.prefs
        const prefs = yield* academics.getSchoolPreferences(schoolId)
        if (prefsCache.size > 5000) prefsCache.clear()
        prefsCache.set(key, { version, prefs })
        return prefs
      })

    // ——— Signatures ————————————————————————————————————————————————————————

    const findSignature = (where: {
      readonly id?: string
      readonly course_id?: string
      readonly signer_id?: string
      readonly idempotency_key?: string
    }) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const cond =
          where.id !== undefined
            ? sql`id = ${where.id}`
            : where.idempotency_key !== undefined
              ? sql`idempotency_key = ${where.idempotency_key}`
              : sql`course_id = ${where.course_id!} AND signer_id = ${where.signer_id!}`
        const r = yield* sql`SELECT * FROM signatures WHERE tenant_id = ${tid} AND ${cond}`.pipe(
          Effect.flatMap(decodeSignatures),
          Effect.orDie
        )
        return Option.map(Option.fromNullable(r[0]), (x) => new Signature(x))
      })

    /** One signature. @errors AttendanceNotFound */
    const getSignature = (id: string) =>
      inTx(
        Effect.flatMap(UUID.test(id) ? findSignature({ id }) : Effect.succeed(Option.none<Signature>()), (o) =>
          Option.match(o, { onNone: () => Effect.fail(notFound("signature", id)), onSome: Effect.succeed })
        )
      )

    /** Signatures of a course (every signer), oldest first. @errors AttendanceNotFound (course) */
    const listSignatures = (courseId: string) =>
      inTx(
        Effect.gen(function* () {
          yield* courseOr404(courseId)
          const tid = yield* tenantId
          const r = yield* sql`SELECT * FROM signatures WHERE tenant_id = ${tid} AND course_id = ${courseId}
            ORDER BY received_at, id`.pipe(Effect.flatMap(decodeSignatures), Effect.orDie)
          return r.map((x) => new Signature(x))
        })
      )

    /** Refused attempts of a course (cursor pagination, newest last). @errors AttendanceNotFound, ValidationError */
    const listRefusals = (
      courseId: string,
      params: { readonly cursor?: string | undefined; readonly limit?: number | undefined } = {}
    ) =>
      inTx(
        Effect.gen(function* () {
          yield* courseOr404(courseId)
          const tid = yield* tenantId
          const limit = params.limit ?? DEFAULT_LIMIT
          const after = yield* decodeCursor(params.cursor)
          const r = yield* sql`SELECT * FROM signature_refusals WHERE tenant_id = ${tid} AND course_id = ${courseId}
            ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${limit + 1}`.pipe(
            Effect.flatMap(Schema.decodeUnknown(Schema.Array(RefusalRow))),
            Effect.orDie
          )
          return toPage(
            r.map((x) => new SignatureRefusal({ ...x, reason_code: x.reason_code as RefusalReason })),
            limit
          )
        })
      )

    const courseOr404 = (courseId: string) =>
      academics.getCourse(courseId).pipe(Effect.catchTag("AcademicsNotFound", () => notFound("course", courseId)))

    /** Records a refused attempt (its own transaction) and answers the REFUSED result. */
    const refuse = (
      attempt: {
        readonly course_id: string
        readonly signer_id: string | null
        readonly method: SignatureMethod
        readonly at: string
      },
      reason: RefusalReason,
      message: string,
      options: { readonly courseKnown?: boolean } = {}
    ) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        // A signer who already signed this course gets their signature back, not a refusal
        // (e.g. a retry with a code that has since rotated).
        if (options.courseKnown !== false && attempt.signer_id !== null) {
          const prior = yield* inTx(findSignature({ course_id: attempt.course_id, signer_id: attempt.signer_id }))
          if (Option.isSome(prior)) return resultOf(prior.value, true)
        }
        const actor = yield* CurrentActor
        const id = yield* newUuid
        yield* inTx(
          sql`INSERT INTO signature_refusals (tenant_id, id, course_id, signer_id, method, reason_code, message, actor_id, ip, received_at)
            VALUES (${tid}, ${id}, ${attempt.course_id}, ${attempt.signer_id}, ${attempt.method}, ${reason}, ${message},
              ${actor.id}, ${actor.ip ?? null}, ${attempt.at})`.pipe(Effect.orDie)
        )
        return new SignatureAttemptResult(
          {
            signature_id: null,
            status: "REFUSED",
            message,
            reason_code: reason,
            refusal_id: id,
            course_id: UUID.test(attempt.course_id) ? attempt.course_id : null,
            existing: false
          },
          true
        )
      })

    const resultOf = (s: Signature, existing: boolean) =>
      new SignatureAttemptResult(
        {
          signature_id: s.id,
          status: s.status,
          message:
            s.message ??
            (existing ? `already signed (${s.status.toLowerCase()})` : s.status === "LATE" ? "signed late" : "signed"),
          reason_code: s.reason_code,
          refusal_id: null,
          course_id: s.course_id,
          existing
        },
        true
      )

    const rollOf = (status: SignatureStatus): RollResult | null =>
      status === "ACCEPTED" ? "PRESENT" : status === "LATE" ? "LATE" : null

    /** Upserts a roll result (caller's transaction). `null` removes it (the student is unmarked again). */
    const setRoll = (
      courseId: string,
      studentId: string,
      result: RollResult | null,
      refs: { readonly signature_id?: string | null; readonly excuse_id?: string | null },
      at: string
    ) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const actor = yield* CurrentActor
        const by = actor.kind === "user" ? actor.id : null
        if (result === null) {
          yield* sql`DELETE FROM roll_results WHERE tenant_id = ${tid} AND course_id = ${courseId} AND student_id = ${studentId}`
          return
        }
        yield* sql`INSERT INTO roll_results (tenant_id, course_id, student_id, result, signature_id, excuse_id, marked_by, updated_at)
          VALUES (${tid}, ${courseId}, ${studentId}, ${result}, ${refs.signature_id ?? null}, ${refs.excuse_id ?? null}, ${by}, ${at})
          ON CONFLICT (tenant_id, course_id, student_id) DO UPDATE SET result = excluded.result,
            signature_id = COALESCE(excluded.signature_id, roll_results.signature_id),
            excuse_id = excluded.excuse_id, marked_by = excluded.marked_by, updated_at = excluded.updated_at`
      }).pipe(Effect.orDie)

    /**
     * Inserts a new signature with its roll result and event (one transaction).
     * A concurrent insert of the same signer and course (or idempotency key)
     * loses the race gracefully: the winner's row is answered as `existing`.
     */
    const insertSignature = (s: Signature, proof: unknown, idempotencyKey: string | null) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          // One statement decides the race: a second attempt of the same signer and course (or
          // idempotency key) inserts nothing, and the first signature is answered instead.
          const inserted = yield* sql<{ id: string }>`INSERT INTO signatures (tenant_id, id, course_id, school_id,
              signer_id, signer_kind, method, status, reason_code, message, proof_ref, proof, administrator_id,
              admin_reason, changed_by, previous_status, idempotency_key, received_at, decided_at, updated_at)
            VALUES (${tid}, ${s.id}, ${s.course_id}, ${s.school_id}, ${s.signer_id}, ${s.signer_kind}, ${s.method},
              ${s.status}, ${s.reason_code}, ${s.message}, ${s.proof_ref}, ${proof === undefined ? null : json(proof)},
              ${s.administrator_id}, ${s.admin_reason}, ${s.changed_by}, ${s.previous_status}, ${idempotencyKey},
              ${s.received_at}, ${s.decided_at}, ${s.updated_at})
            ON CONFLICT DO NOTHING RETURNING id`.pipe(Effect.orDie)
          if (inserted.length === 0) {
            const byKey =
              idempotencyKey !== null
                ? yield* findSignature({ idempotency_key: idempotencyKey })
                : Option.none<Signature>()
            const winner = Option.isSome(byKey)
              ? byKey
              : yield* findSignature({ course_id: s.course_id, signer_id: s.signer_id })
            return resultOf(Option.getOrThrow(winner), true)
          }
          if (s.signer_kind === "student") {
            const roll = rollOf(s.status)
            if (roll) yield* setRoll(s.course_id, s.signer_id, roll, { signature_id: s.id }, s.decided_at)
          }
          yield* events.publish({ type: "signet.attendance.signature.created", subject: s.id, data: s })
          return resultOf(s, false)
        })
      )

    /**
     * Changes an existing signature's status (teacher roll call, admin
     * override, PATCH): records who changed it and the previous status, keeps
     * the roll result in step, writes an audit row and a
     * `signet.attendance.signature.updated` event.
     */
    const changeSignature = (
      before: Signature,
      change: {
        readonly status?: SignatureStatus | undefined
        readonly method?: SignatureMethod | undefined
        readonly message?: string | null | undefined
        readonly administrator_id?: string | null | undefined
        readonly admin_reason?: string | null | undefined
      }
    ) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const actor = yield* CurrentActor
          const at = instant(yield* Clock.currentTimeMillis)
          const status = change.status ?? before.status
          const after = new Signature({
            ...before,
            status,
            method: change.method ?? before.method,
            message: change.message === undefined ? before.message : change.message,
            reason_code: status === before.status ? before.reason_code : null,
            administrator_id: change.administrator_id === undefined ? before.administrator_id : change.administrator_id,
            admin_reason: change.admin_reason === undefined ? before.admin_reason : change.admin_reason,
            changed_by: actor.kind === "user" ? actor.id : before.changed_by,
            previous_status: status === before.status ? before.previous_status : before.status,
            decided_at: status === before.status ? before.decided_at : at,
            updated_at: at
          })
          yield* sql`UPDATE signatures SET status = ${after.status}, method = ${after.method}, message = ${after.message},
              reason_code = ${after.reason_code}, administrator_id = ${after.administrator_id},
              admin_reason = ${after.admin_reason}, changed_by = ${after.changed_by},
              previous_status = ${after.previous_status}, decided_at = ${after.decided_at}, updated_at = ${at}
            WHERE tenant_id = ${tid} AND id = ${before.id}`.pipe(Effect.orDie)
          if (after.signer_kind === "student" && after.status !== before.status) {
            yield* setRoll(after.course_id, after.signer_id, rollOf(after.status), { signature_id: after.id }, at)
          }
          yield* audit.record({
            action: "attendance.signature.updated",
            targetType: "signature",
            targetId: after.id,
            before,
            after
          })
          yield* events.publish({ type: "signet.attendance.signature.updated", subject: after.id, data: after })
          return after
        })
      )

    /** The QR code check for a course at `atMs`. */
    const checkQr = (tid: string, courseId: string, code: string, atMs: number, stepSeconds: number) =>
      Effect.gen(function* () {
        const key = yield* qrKey(tid)
        const step = Math.floor(atMs / (stepSeconds * 1000))
        const expected = Buffer.from(code)
        const matches = (s: number) => Crypto.timingSafeEqual(Buffer.from(qrCodeFor(key, courseId, s)), expected)
        if (matches(step) || matches(step - 1) || matches(step + 1)) return { ok: true as const, step }
        for (let s = step - 2; s >= step - 40; s--) if (matches(s)) return { ok: false as const, expired: true }
        return { ok: false as const, expired: false }
      })

    /**
     * `AttendanceCommand.CreateSignatureAttempt` (attendance.proto; seed 004
     * "Attendance validation rules"). See the module comment for the order of
     * the rules.
     *
     * Authorization by method (403 `Forbidden`, nothing written):
     * QR and NFC — a student signing for themselves; FLASHLIGHT and BEACON —
     * the beacon module (beacon or system actor) or `attendance:admin`;
     * TEACHER — a user with `attendance:write` (the assignment is rule 5);
     * ADMIN — `attendance:admin`, with a mandatory `reason`.
     *
     * @errors Forbidden, ValidationError (missing proof fields, malformed ids), AttendanceNotFound (course of another tenant or none), Conflict (an idempotency key already used for another attempt)
     */
    const createSignatureAttempt = (input: CreateSignatureAttempt, principal: AttendancePrincipal) =>
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        const tid = yield* tenantId
        const nowMs = yield* Clock.currentTimeMillis
        const method = input.method
        const isUser = actor.kind === "user" && actor.id !== null
        const trusted = actor.kind === "beacon" || actor.kind === "system"

        // Authorization by method.
        if (!trusted && !(yield* can("attendance:write")))
          return yield* forbidden("missing permission attendance:write", "attendance:write")
        let signerId: string | null
        let signerKind: "student" | "teacher" = "student"
        switch (method) {
          case "QR":
          case "NFC": {
            if (!isUser || principal.userType !== "student")
              return yield* forbidden(`${method} signatures are made by the signing student`)
            if (input.student_id !== undefined && input.student_id !== actor.id)
              return yield* forbidden("students sign for themselves only")
            signerId = actor.id
            if (method === "QR" && !input.qr_code) return yield* ValidationError.field("qr_code", "is required for QR")
            if (method === "NFC" && !input.device_identifier)
              return yield* ValidationError.field("device_identifier", "is required for NFC")
            break
          }
          case "FLASHLIGHT":
          case "BEACON": {
            if (!trusted && !(yield* can("attendance:admin")))
              return yield* forbidden(`${method} attempts come from the beacon service`, "attendance:admin")
            if (!input.beacon_proof) return yield* ValidationError.field("beacon_proof", `is required for ${method}`)
            if (!input.student_id) return yield* ValidationError.field("student_id", `is required for ${method}`)
            signerId = input.student_id
            break
          }
          case "TEACHER": {
            const teacherId = input.teacher_id ?? (isUser ? actor.id : null)
            if (!teacherId) return yield* ValidationError.field("teacher_id", "is required")
            if (teacherId !== actor.id && !(yield* can("attendance:admin")))
              return yield* forbidden("teachers act for themselves only", "attendance:admin")
            if (input.student_id === undefined) {
              signerId = teacherId
              signerKind = "teacher"
            } else signerId = input.student_id
            break
          }
          case "ADMIN": {
            if (!(yield* can("attendance:admin")))
              return yield* forbidden("admin overrides need attendance:admin", "attendance:admin")
            if (!input.reason) return yield* ValidationError.field("reason", "is required for an ADMIN override")
            if (!input.student_id) return yield* ValidationError.field("student_id", "is required for ADMIN")
            signerId = input.student_id
            break
          }
        }
        if (signerId === null || !UUID.test(signerId))
          return yield* ValidationError.field("student_id", "must be a user id (UUID)")
        // The decision time: now, or the beacon service's reception time when it is recent.
        let atMs = nowMs
        if (trusted && input.received_at) {
          const r = Date.parse(input.received_at)
          if (r <= nowMs + 5_000 && r >= nowMs - 10 * MINUTE) atMs = r
        }
        const at = instant(atMs)

        // Idempotency key: the same key answers the same signature.
        if (input.idempotency_key) {
          const prior = yield* inTx(findSignature({ idempotency_key: input.idempotency_key }))
          if (Option.isSome(prior)) {
            if (prior.value.signer_id !== signerId || (input.course_id && prior.value.course_id !== input.course_id))
              return yield* new Conflict({
                message: "this idempotency key was used for another attempt",
                field: "idempotency_key"
              })
            return resultOf(prior.value, true)
          }
        }

        // (1) The course exists (resolved from the beacon's classroom when not given) and is of the caller's school.
        let course: Course
        if (input.course_id === undefined) {
          const classroom = input.beacon_proof?.classroom_id
          if ((method !== "BEACON" && method !== "FLASHLIGHT") || !classroom)
            return yield* ValidationError.field("course_id", "is required")
          const running = yield* academics.coursesInClassroomAt(classroom, at, 0)
          if (running.length === 0)
            return yield* refuse(
              { course_id: classroom, signer_id: signerId, method, at },
              "COURSE_NOT_FOUND",
              "no course runs in this classroom now",
              { courseKnown: false }
            )
          course = running[0]!
        } else {
          const found = yield* cachedCourse(input.course_id)
          if (Option.isNone(found)) {
            yield* refuse(
              { course_id: input.course_id, signer_id: signerId, method, at },
              "COURSE_NOT_FOUND",
              "no such course",
              { courseKnown: false }
            )
            return yield* notFound("course", input.course_id)
          }
          course = found.value
        }
        const attempt = { course_id: course.id, signer_id: signerId, method, at }
        if (principal.schoolId && course.school_id !== principal.schoolId)
          return yield* refuse(attempt, "COURSE_OTHER_SCHOOL", "this course belongs to another school")

        // An existing signature is changed by a teacher's roll call or an admin override; for the
        // other methods it is answered as it is (by the insert's conflict, or by `refuse`).
        const existing =
          method === "TEACHER" || method === "ADMIN"
            ? yield* inTx(findSignature({ course_id: course.id, signer_id: signerId }))
            : Option.none<Signature>()

        const { policy, ips } = yield* policyOf(course.school_id)
        const prefs = yield* cachedPrefs(course.school_id)
        const startMs = Date.parse(course.start_at)
        const endMs = Date.parse(course.end_at)
        const grace = policy.window_grace_minutes * MINUTE
        let status: SignatureStatus = input.status ?? "ACCEPTED"
        let reasonCode: string | null = null
        let message: string | null = null

        if (method === "ADMIN") {
          // An override ignores the time rules; the student must still be enrolled.
        } else {
          // (2) Time window (closed courses refuse everything but overrides).
          if (course.signature_closed)
            return yield* refuse(attempt, "COURSE_CLOSED", "signing is closed for this course")
          if (method !== "TEACHER") {
            if (atMs < startMs - grace)
              return yield* refuse(attempt, "COURSE_NOT_STARTED", `the course starts at ${course.start_at}`)
            if (atMs > endMs + grace)
              return yield* refuse(attempt, "COURSE_ENDED", `the course ended at ${course.end_at}`)
            // (3) Closing delay.
            if (atMs > startMs + course.signature_closing_delay_minutes * MINUTE) {
              if (policy.late_policy === "refuse")
                return yield* refuse(
                  attempt,
                  "SIGNING_CLOSED",
                  `signing closed ${course.signature_closing_delay_minutes} min after the start`
                )
              status = "LATE"
              reasonCode = "AFTER_CLOSING_DELAY"
              message = `signed ${Math.round((atMs - startMs) / MINUTE)} min after the start (closing delay ${course.signature_closing_delay_minutes} min)`
            }
          }
        }

        // (4) Membership.
        if (signerKind === "student") {
          const v = yield* academics.validateStudentCourse(signerId!, course.id)
          if (!v.is_allowed)
            return yield* refuse(attempt, "NOT_ENROLLED", "the student is in none of the course's groups")
        }
        // (5) Teacher assignment.
        if (method === "TEACHER") {
          const teacherId = input.teacher_id ?? actor.id!
          if (!(yield* academics.validateTeacherCourse(teacherId, course.id)))
            return yield* refuse(attempt, "TEACHER_NOT_ASSIGNED", "the teacher is not assigned to this course")
        }
        // Method proofs.
        let proofRef: string | null = null
        // The school's network policy applies to every method a student's own device submits (issue
        // 15 §3: it covered QR only, so an NFC claim could come from anywhere).
        if (
          (method === "QR" || method === "NFC") &&
          ips &&
          !(actor.ip && ips.check(actor.ip, isIP(actor.ip) === 6 ? "ipv6" : "ipv4"))
        )
          return yield* refuse(attempt, "IP_NOT_ALLOWED", `${method} signatures must come from the school's network`)
        if (method === "QR") {
          const qr = yield* checkQr(tid, course.id, input.qr_code!, atMs, policy.qr_step_seconds)
          if (!qr.ok)
            return yield* qr.expired
              ? refuse(attempt, "QR_CODE_EXPIRED", "this code has expired: scan the code on screen now")
              : refuse(attempt, "QR_CODE_INVALID", "this is not the current code of this course")
          proofRef = `qr:${qr.step}`
        } else if (method === "NFC") {
          if (!prefs.enable_nfc) return yield* refuse(attempt, "METHOD_DISABLED", "this school does not use NFC")
          if (!(yield* identity.validateStudentDevice(signerId!, input.device_identifier!)))
            return yield* refuse(attempt, "DEVICE_NOT_REGISTERED", "this device is not registered to the student")
          proofRef = `device:${input.device_identifier}`
        } else if (method === "FLASHLIGHT" || method === "BEACON") {
          if (method === "FLASHLIGHT" && !prefs.enable_flash)
            return yield* refuse(attempt, "METHOD_DISABLED", "this school does not use the flashlight channel")
          const proof = input.beacon_proof!
          if (!(yield* academics.validateClassroomCourse(proof.classroom_id, course.id)))
            return yield* refuse(attempt, "CLASSROOM_NOT_LINKED", "the beacon's classroom is not this course's")
          proofRef = `beacon:${proof.beacon_id}`
        }
        // students_can_sign_before_teacher.
        if (
          signerKind === "student" &&
          (method === "QR" || method === "NFC" || method === "FLASHLIGHT" || method === "BEACON") &&
          !prefs.students_can_sign_before_teacher
        ) {
          const teacherSigned = yield* inTx(
            sql`SELECT 1 AS ok FROM signatures WHERE tenant_id = ${tid} AND course_id = ${course.id}
              AND signer_kind = 'teacher' LIMIT 1`.pipe(Effect.orDie)
          )
          if (teacherSigned.length === 0)
            return yield* refuse(attempt, "TEACHER_NOT_SIGNED", "the teacher has not signed this course yet")
        }

        const adminFields =
          method === "ADMIN" ? { administrator_id: actor.id, admin_reason: input.reason ?? null } : undefined
        if (method === "ADMIN" || method === "TEACHER") message = input.reason ?? message
        if (Option.isSome(existing)) {
          const after = yield* changeSignature(existing.value, {
            status,
            method,
            message,
            ...(adminFields ?? {})
          })
          return resultOf(after, false)
        }
        const id = yield* newUuid
        const signature = new Signature({
          id,
          course_id: course.id,
          school_id: course.school_id,
          signer_id: signerId!,
          signer_kind: signerKind,
          method,
          status,
          reason_code: reasonCode,
          message,
          proof_ref: proofRef,
          administrator_id: adminFields?.administrator_id ?? null,
          admin_reason: adminFields?.admin_reason ?? null,
          changed_by: method === "TEACHER" || method === "ADMIN" ? actor.id : null,
          previous_status: null,
          received_at: at,
          decided_at: instant(nowMs),
          updated_at: instant(nowMs)
        })
        return yield* insertSignature(signature, input.beacon_proof, input.idempotency_key ?? null)
      })

    /** Whether the caller may act as staff on a course: `attendance:admin`, or a teacher assigned to it. */
    const isStaffOf = (courseId: string) =>
      Effect.gen(function* () {
        if (yield* can("attendance:admin")) return true
        const actor = yield* CurrentActor
        if (actor.kind !== "user" || !actor.id || !(yield* can("attendance:write"))) return false
        return yield* academics.validateTeacherCourse(actor.id, courseId)
      })

    /**
     * `PATCH …/signatures/{id}` (seed rule 6): only the course's teachers and
     * admins change a status; the administrator fields only admins.
     * @errors AttendanceNotFound, Forbidden
     */
    const patchSignature = (id: string, patch: PatchSignature) =>
      Effect.gen(function* () {
        const before = yield* getSignature(id)
        if (!(yield* isStaffOf(before.course_id)))
          return yield* forbidden("only the course's teachers and admins change a signature", "attendance:write")
        if (
          (patch.administrator_id !== undefined || patch.admin_reason !== undefined) &&
          !(yield* can("attendance:admin"))
        )
          return yield* forbidden("administrator fields are set by admins only", "attendance:admin")
        return yield* changeSignature(before, {
          status: patch.status,
          message: patch.message,
          administrator_id: patch.administrator_id,
          admin_reason: patch.admin_reason
        })
      })

    /**
     * `POST …/courses/{id}/roll`: the teacher's roll call (TEACHER method,
     * bulk). PRESENT and LATE create or change the student's signature;
     * ABSENT and EXCUSED set the roll result. Every student must be enrolled.
     * @errors AttendanceNotFound, Forbidden (not the course's teacher), ValidationError (a student not enrolled), Conflict (course closed)
     */
    const markRoll = (courseId: string, input: MarkRoll) =>
      Effect.gen(function* () {
        const course = yield* courseOr404(courseId)
        if (!(yield* isStaffOf(course.id)))
          return yield* forbidden("only the course's teachers and admins take the roll", "attendance:write")
        if (course.signature_closed && !(yield* can("attendance:admin")))
          return yield* new Conflict({ message: "the course is closed: ask an admin for an override" })
        const students = [...new Set(input.marks.map((m) => m.student_id))]
        if (students.length !== input.marks.length)
          return yield* ValidationError.field("marks", "lists a student more than once")
        for (const s of students) {
          if (!(yield* academics.validateStudentCourse(s, course.id)).is_allowed)
            return yield* ValidationError.field("marks", `student ${s} is not enrolled in this course`)
        }
        const actor = yield* CurrentActor
        return yield* inTx(
          Effect.gen(function* () {
            const tid = yield* tenantId
            const at = instant(yield* Clock.currentTimeMillis)
            let marked = 0
            for (const mark of input.marks) {
              const current = yield* sql<{ result: string }>`SELECT result FROM roll_results
                WHERE tenant_id = ${tid} AND course_id = ${course.id} AND student_id = ${mark.student_id}`.pipe(
                Effect.orDie
              )
              if (current[0]?.result === mark.result) continue
              marked++
              const signature = yield* findSignature({ course_id: course.id, signer_id: mark.student_id })
              if (mark.result === "PRESENT" || mark.result === "LATE") {
                const status = mark.result === "PRESENT" ? "ACCEPTED" : "LATE"
                if (Option.isSome(signature)) yield* changeSignature(signature.value, { status, method: "TEACHER" })
                else
                  yield* insertSignature(
                    new Signature({
                      id: yield* newUuid,
                      course_id: course.id,
                      school_id: course.school_id,
                      signer_id: mark.student_id,
                      signer_kind: "student",
                      method: "TEACHER",
                      status,
                      reason_code: null,
                      message: "marked by the teacher",
                      proof_ref: null,
                      administrator_id: null,
                      admin_reason: null,
                      changed_by: actor.id,
                      previous_status: null,
                      received_at: at,
                      decided_at: at,
                      updated_at: at
                    }),
                    undefined,
                    null
                  )
              } else {
                yield* setRoll(course.id, mark.student_id, mark.result, { signature_id: null }, at)
              }
            }
            if (marked > 0)
              yield* audit.record({
                action: "attendance.roll.marked",
                targetType: "course",
                targetId: course.id,
                after: { marks: input.marks }
              })
            return new RollMarked({ course_id: course.id, marked, unchanged: input.marks.length - marked })
          })
        )
      })

    /**
     * The current QR code of a course and its image, for the teacher's screen.
     * @errors AttendanceNotFound, Forbidden (not the course's teacher or an admin), Conflict (course closed)
     */
    const currentQrCode = (courseId: string) =>
      Effect.gen(function* () {
        const course = yield* courseOr404(courseId)
        if (!(yield* isStaffOf(course.id)))
          return yield* forbidden("only the course's teachers and admins display its code", "attendance:write")
        if (course.signature_closed) return yield* new Conflict({ message: "signing is closed for this course" })
        const tid = yield* tenantId
        const { policy } = yield* policyOf(course.school_id)
        const nowMs = yield* Clock.currentTimeMillis
        const stepMs = policy.qr_step_seconds * 1000
        const step = Math.floor(nowMs / stepMs)
        const code = qrCodeFor(yield* qrKey(tid), course.id, step)
        const payload = `signet:attend?course=${course.id}&code=${code}`
        // Every screen showing the course polls; the image is drawn once per step.
        let svg = qrImages.get(payload)
        if (svg === undefined) {
          const drawn = yield* Effect.promise(() =>
            QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "M", margin: 2 })
          )
          if (qrImages.size >= 2000) qrImages.clear()
          qrImages.set(payload, drawn)
          svg = drawn
        }
        return new QrCode({
          course_id: course.id,
          code,
          step,
          step_seconds: policy.qr_step_seconds,
          expires_at: instant((step + 1) * stepMs),
          payload,
          svg
        })
      })

    // ——— Roll and close ————————————————————————————————————————————————————

    /** The students enrolled in a course (members of its live groups). */
    const enrolled = (course: Course) =>
      Effect.gen(function* () {
        const out = new Set<string>()
        for (const g of course.group_ids) {
          const members = yield* academics.listMembers(g).pipe(Effect.orElseSucceed(() => [] as Array<string>))
          for (const m of members) out.add(m)
        }
        return out
      })

    const rollRows = (courseIds: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        const out: Array<typeof RollRow.Type> = []
        for (let i = 0; i < courseIds.length; i += 500) {
          const r = yield* sql`SELECT course_id, student_id, result, signature_id, excuse_id FROM roll_results
            WHERE tenant_id = ${tid} AND ${sql.in("course_id", courseIds.slice(i, i + 500))}`.pipe(
            Effect.flatMap(Schema.decodeUnknown(Schema.Array(RollRow))),
            Effect.orDie
          )
          out.push(...r)
        }
        return out
      })

    /**
     * A course's roll: every enrolled student (and anyone with a result) with
     * their result, signature and excuse. @errors AttendanceNotFound
     */
    const courseRoll = (courseId: string) =>
      inTx(
        Effect.gen(function* () {
          const course = yield* courseOr404(courseId)
          const tid = yield* tenantId
          const students = yield* enrolled(course)
          const results = yield* rollRows([course.id])
          const sigs = yield* sql`SELECT * FROM signatures WHERE tenant_id = ${tid} AND course_id = ${course.id}`.pipe(
            Effect.flatMap(decodeSignatures),
            Effect.orDie
          )
          for (const r of results) students.add(r.student_id)
          const byStudent = new Map(results.map((r) => [r.student_id, r]))
          const sigOf = new Map(sigs.filter((s) => s.signer_kind === "student").map((s) => [s.signer_id, s]))
          const entries = [...students].sort().map((sid) => {
            const r = byStudent.get(sid)
            const s = sigOf.get(sid)
            return new RollEntry({
              student_id: sid,
              result: r?.result ?? null,
              signature_id: s?.id ?? null,
              method: s?.method ?? null,
              signed_at: s?.received_at ?? null,
              excuse_id: r?.excuse_id ?? null
            })
          })
          const counts = { PRESENT: 0, LATE: 0, ABSENT: 0, EXCUSED: 0, UNMARKED: 0 }
          for (const e of entries) counts[e.result ?? "UNMARKED"]++
          return new CourseRoll({
            course_id: course.id,
            course_name: course.name,
            start_at: course.start_at,
            end_at: course.end_at,
            closed: course.signature_closed,
            teacher_signed: sigs.some((s) => s.signer_kind === "teacher"),
            counts,
            entries
          })
        })
      )

    /**
     * `CloseExpiredCourses` as the attendance close job runs it for the
     * current tenant: closes every ended course (academics), sets ABSENT for
     * each enrolled student without a result, and publishes
     * `signet.attendance.course.closed` per course — one transaction.
     */
    const closeExpiredCourses = (nowIso: string) =>
      inTx(
        Effect.gen(function* () {
          const closed = yield* academics.closeExpiredCourses(nowIso)
          if (closed.course_ids.length === 0) return new CloseResult({ closed_count: 0, course_ids: [], absences: 0 })
          const tid = yield* tenantId
          const courses = yield* academics.getCourses(closed.course_ids)
          let absences = 0
          for (const course of courses) {
            const students = yield* enrolled(course)
            const marked = new Set((yield* rollRows([course.id])).map((r) => r.student_id))
            const missing = [...students].filter((s) => !marked.has(s))
            for (let i = 0; i < missing.length; i += 200) {
              const rows = missing.slice(i, i + 200).map((student_id) => ({
                tenant_id: tid,
                course_id: course.id,
                student_id,
                result: "ABSENT",
                signature_id: null,
                excuse_id: null,
                marked_by: null,
                updated_at: instant(Date.parse(nowIso))
              }))
              yield* sql`INSERT INTO roll_results ${sql.insert(rows)}`.pipe(Effect.orDie)
            }
            absences += missing.length
            yield* events.publish({
              type: "signet.attendance.course.closed",
              subject: course.id,
              data: { course_id: course.id, closed_at: instant(Date.parse(nowIso)), absent: missing.length }
            })
          }
          yield* audit.record({
            action: "attendance.courses.closed",
            targetType: "course",
            targetId: null,
            after: { closed: closed.course_ids, absences }
          })
          return new CloseResult({ closed_count: closed.closed_count, course_ids: closed.course_ids, absences })
        })
      )

    /**
     * One run of the close job over every active tenant (as the system).
     * Answers how many courses were closed in all.
     */
    const closeAllTenants = Effect.gen(function* () {
      const nowIso = instant(yield* Clock.currentTimeMillis)
      let cursor: string | undefined
      let total = 0
      do {
        const page = yield* tenancy
          .list({ status: "active", limit: 200, ...(cursor ? { cursor } : {}) })
          .pipe(Effect.orDie)
        for (const t of page.items) {
          const r = yield* closeExpiredCourses(nowIso).pipe(
            Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug }),
            Effect.provideService(CurrentActor, systemActor),
            Effect.catchAllCause((cause) =>
              Effect.as(Effect.logError("attendance close job failed for a tenant", { tenant: t.slug, cause }), null)
            )
          )
          total += r?.closed_count ?? 0
        }
        cursor = page.next_cursor ?? undefined
      } while (cursor)
      return total
    })

    /**
     * The close scheduler (issue 5 §4): every `intervalMs` (default one
     * minute) the replica holding the `attendance.close` lease runs
     * {@link closeAllTenants}; the others stand by. Runs until interrupted,
     * then releases the lease.
     */
    const closeJob = (options: { readonly intervalMs?: number } = {}) => {
      const intervalMs = options.intervalMs ?? 60_000
      const holder = `${process.pid}-${Crypto.randomUUID()}`
      const lease = "attendance.close"
      const tick = Effect.gen(function* () {
        const leader = yield* acquireLease(lease, holder, intervalMs * 2).pipe(
          Effect.provideService(SqlClient.SqlClient, sql)
        )
        if (!leader) return
        const closed = yield* closeAllTenants
        if (closed > 0) yield* Effect.logInfo(`attendance: closed ${closed} course(s)`)
      }).pipe(Effect.catchAllCause((cause) => Effect.logError("attendance close job failed", cause)))
      return Effect.forever(Effect.zipRight(tick, Effect.sleep(intervalMs))).pipe(
        Effect.ensuring(releaseLease(lease, holder).pipe(Effect.provideService(SqlClient.SqlClient, sql)))
      )
    }

    // ——— Excuses ———————————————————————————————————————————————————————————

    const findExcuse = (id: string) =>
      Effect.gen(function* () {
        if (!UUID.test(id)) return yield* notFound("excuse", id)
        const tid = yield* tenantId
        const r = yield* sql`SELECT id, course_id, student_id, reason, note, status, attachment_name, attachment_type,
            attachment_size, submitted_by, decided_by, decision_comment, created_at, decided_at
          FROM excuses WHERE tenant_id = ${tid} AND id = ${id}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Schema.Array(ExcuseRow))),
          Effect.orDie
        )
        return r[0] ? r[0] : yield* notFound("excuse", id)
      })

    /** Whether the caller may see a student's attendance: themselves, or `attendance:read`. */
    const maySee = (studentId: string) =>
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        return (actor.kind === "user" && actor.id === studentId) || (yield* can("attendance:read"))
      })

    /** One excuse (the student, the course's staff, or `attendance:read`). @errors AttendanceNotFound */
    const getExcuse = (id: string) =>
      inTx(
        Effect.gen(function* () {
          const r = yield* findExcuse(id)
          if (!(yield* maySee(r.student_id)) && !(yield* isStaffOf(r.course_id))) return yield* notFound("excuse", id)
          return presentExcuse(r)
        })
      )

    /**
     * Submits an excuse for a student's absence from a course (the student
     * themselves, or the course's staff for them). The attachment must be a
     * PDF, PNG, JPEG or WebP of at most 5 MiB whose bytes match its type.
     * @errors AttendanceNotFound (course), Forbidden, ValidationError (student not enrolled, bad attachment), Conflict (an excuse is already pending or approved)
     */
    const submitExcuse = (input: SubmitExcuse) =>
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        const studentId = input.student_id ?? (actor.kind === "user" ? actor.id : null)
        if (!studentId) return yield* ValidationError.field("student_id", "is required")
        const course = yield* courseOr404(input.course_id)
        const self = actor.kind === "user" && actor.id === studentId
        if (!self && !(yield* isStaffOf(course.id)))
          return yield* forbidden("students submit their own excuses; staff those of their courses")
        if (!(yield* academics.validateStudentCourse(studentId, course.id)).is_allowed)
          return yield* ValidationError.field("student_id", "is not enrolled in this course")
        let bytes: Buffer | null = null
        if (input.attachment) {
          const b64 = input.attachment.data_base64
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)
            return yield* ValidationError.field("attachment.data_base64", "is not base64")
          bytes = Buffer.from(b64, "base64")
          if (bytes.length === 0) return yield* ValidationError.field("attachment.data_base64", "is empty")
          if (bytes.length > MAX_ATTACHMENT_BYTES)
            return yield* ValidationError.field("attachment.data_base64", "is larger than 5 MiB")
          if (!MAGIC[input.attachment.content_type](bytes))
            return yield* ValidationError.field(
              "attachment.content_type",
              `the file is not a ${input.attachment.content_type} document`
            )
        }
        return yield* inTx(
          Effect.gen(function* () {
            const tid = yield* tenantId
            const open = yield* sql`SELECT id FROM excuses WHERE tenant_id = ${tid} AND course_id = ${course.id}
              AND student_id = ${studentId} AND status IN ('pending', 'approved')`.pipe(Effect.orDie)
            if (open.length > 0)
              return yield* new Conflict({ message: "an excuse for this course is already pending or approved" })
            const id = yield* newUuid
            const at = instant(yield* Clock.currentTimeMillis)
            const row: ExcuseRow = {
              id,
              course_id: course.id,
              student_id: studentId,
              reason: input.reason,
              note: input.note ?? null,
              status: "pending",
              attachment_name: input.attachment?.filename ?? null,
              attachment_type: input.attachment?.content_type ?? null,
              attachment_size: bytes?.length ?? null,
              submitted_by: actor.kind === "user" ? actor.id : null,
              decided_by: null,
              decision_comment: null,
              created_at: at,
              decided_at: null
            }
            yield* sql`INSERT INTO excuses (tenant_id, id, course_id, student_id, reason, note, status, attachment_name,
                attachment_type, attachment_size, attachment, submitted_by, created_at)
              VALUES (${tid}, ${id}, ${course.id}, ${studentId}, ${row.reason}, ${row.note}, 'pending', ${row.attachment_name},
                ${row.attachment_type}, ${row.attachment_size}, ${bytes}, ${row.submitted_by}, ${at})`.pipe(
              Effect.orDie
            )
            const excuse = presentExcuse(row)
            yield* audit.record({
              action: "attendance.excuse.submitted",
              targetType: "excuse",
              targetId: id,
              after: excuse
            })
            yield* events.publish({ type: "signet.attendance.excuse.submitted", subject: id, data: excuse })
            return excuse
          })
        )
      })

    /** An excuse's attachment. @errors AttendanceNotFound (excuse, or it has none) */
    const excuseAttachment = (id: string) =>
      Effect.gen(function* () {
        const excuse = yield* getExcuse(id)
        if (!excuse.attachment) return yield* notFound("excuse", `${id}/attachment`)
        const tid = yield* tenantId
        const r = yield* inTx(
          sql<{ attachment: Uint8Array }>`SELECT attachment FROM excuses WHERE tenant_id = ${tid} AND id = ${id}`.pipe(
            Effect.orDie
          )
        )
        return {
          filename: excuse.attachment.filename,
          content_type: excuse.attachment.content_type,
          data_base64: Buffer.from(r[0]!.attachment).toString("base64")
        }
      })

    /**
     * Approves or rejects a pending excuse (the course's staff). Approval
     * makes the student's result EXCUSED. Audit row for every decision.
     * @errors AttendanceNotFound, Forbidden, Conflict (already decided)
     */
    const decideExcuse = (id: string, input: DecideExcuse) =>
      inTx(
        Effect.gen(function* () {
          const row = yield* findExcuse(id)
          if (!(yield* isStaffOf(row.course_id))) {
            return yield* (yield* maySee(row.student_id))
              ? forbidden("only the course's teachers and admins decide excuses", "attendance:write")
              : notFound("excuse", id)
          }
          if (row.status !== "pending") return yield* new Conflict({ message: `this excuse was already ${row.status}` })
          const actor = yield* CurrentActor
          const tid = yield* tenantId
          const at = instant(yield* Clock.currentTimeMillis)
          const status = input.decision === "approve" ? "approved" : "rejected"
          yield* sql`UPDATE excuses SET status = ${status}, decided_by = ${actor.kind === "user" ? actor.id : null},
              decision_comment = ${input.comment ?? null}, decided_at = ${at}
            WHERE tenant_id = ${tid} AND id = ${id}`.pipe(Effect.orDie)
          if (status === "approved") yield* setRoll(row.course_id, row.student_id, "EXCUSED", { excuse_id: id }, at)
          const after = presentExcuse({
            ...row,
            status,
            decided_by: actor.kind === "user" ? actor.id : null,
            decision_comment: input.comment ?? null,
            decided_at: at
          })
          yield* audit.record({
            action: `attendance.excuse.${status}`,
            targetType: "excuse",
            targetId: id,
            before: presentExcuse(row),
            after
          })
          yield* events.publish({ type: `signet.attendance.excuse.${status}`, subject: id, data: after })
          return after
        })
      )

    /** Excuses (filters: status, course, student; cursor pagination). Students see their own only. */
    const listExcuses = (params: {
      readonly status?: "pending" | "approved" | "rejected" | undefined
      readonly course_id?: string | undefined
      readonly student_id?: string | undefined
      readonly cursor?: string | undefined
      readonly limit?: number | undefined
    }) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const actor = yield* CurrentActor
          const all = yield* can("attendance:read")
          const student = all ? params.student_id : actor.kind === "user" ? actor.id : null
          if (!all && (student === null || (params.student_id && params.student_id !== student)))
            return yield* forbidden("missing permission attendance:read", "attendance:read")
          const limit = params.limit ?? DEFAULT_LIMIT
          const after = yield* decodeCursor(params.cursor)
          const r = yield* sql`SELECT id, course_id, student_id, reason, note, status, attachment_name, attachment_type,
              attachment_size, submitted_by, decided_by, decision_comment, created_at, decided_at
            FROM excuses WHERE tenant_id = ${tid}
            ${params.status ? sql`AND status = ${params.status}` : sql``}
            ${params.course_id ? sql`AND course_id = ${params.course_id}` : sql``}
            ${student ? sql`AND student_id = ${student}` : sql``}
            ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${limit + 1}`.pipe(
            Effect.flatMap(Schema.decodeUnknown(Schema.Array(ExcuseRow))),
            Effect.orDie
          )
          return toPage(r.map(presentExcuse), limit)
        })
      )

    // ——— Reports ———————————————————————————————————————————————————————————

    const range = (from?: string, to?: string) => ({
      from: from ? instant(Date.parse(from)) : null,
      to: to ? instant(Date.parse(to)) : null
    })

    /**
     * A student's history over a date range (courses starting in
     * [from, to)): every course with a result, and the totals.
     * The student themselves or `attendance:read`.
     * @errors Forbidden, AttendanceNotFound (student)
     */
    const studentHistory = (
      studentId: string,
      params: { readonly from?: string | undefined; readonly to?: string | undefined } = {}
    ) =>
      inTx(
        Effect.gen(function* () {
          if (!(yield* maySee(studentId)))
            return yield* forbidden("missing permission attendance:read", "attendance:read")
          if (!UUID.test(studentId) || !(yield* identity.exists(studentId)))
            return yield* notFound("student", studentId)
          const tid = yield* tenantId
          const { from, to } = range(params.from, params.to)
          const rows = yield* sql`SELECT course_id, student_id, result, signature_id, excuse_id FROM roll_results
            WHERE tenant_id = ${tid} AND student_id = ${studentId}`.pipe(
            Effect.flatMap(Schema.decodeUnknown(Schema.Array(RollRow))),
            Effect.orDie
          )
          const courses = new Map((yield* academics.getCourses(rows.map((r) => r.course_id))).map((c) => [c.id, c]))
          const entries = rows
            .flatMap((r) => {
              const c = courses.get(r.course_id)
              if (!c || (from && c.start_at < from) || (to && c.start_at >= to)) return []
              return [
                new HistoryEntry({ course_id: c.id, course_name: c.name, start_at: c.start_at, result: r.result })
              ]
            })
            .sort((a, b) => a.start_at.localeCompare(b.start_at))
          return new StudentHistory({
            student_id: studentId,
            from,
            to,
            totals: countResults(entries.map((e) => e.result)),
            entries
          })
        })
      )

    /**
     * Report of a school, group or course over a date range: per student,
     * the counts and rate over the scope's courses starting in [from, to).
     * Open courses count their unmarked students as `unmarked`.
     * @errors AttendanceNotFound (scope), ValidationError (range)
     */
    const report = (params: {
      readonly scope: "school" | "group" | "course"
      readonly id: string
      readonly from?: string | undefined
      readonly to?: string | undefined
    }) =>
      inTx(
        Effect.gen(function* () {
          const { from, to } = range(params.from, params.to)
          if (from && to && from >= to) return yield* ValidationError.field("to", "must be after from")
          let courses: Array<Course> = []
          if (params.scope === "course") courses = [yield* courseOr404(params.id)]
          else {
            if (params.scope === "school")
              yield* academics
                .getSchool(params.id)
                .pipe(Effect.catchTag("AcademicsNotFound", () => notFound("school", params.id)))
            else
              yield* academics
                .getGroup(params.id)
                .pipe(Effect.catchTag("AcademicsNotFound", () => notFound("group", params.id)))
            let cursor: string | undefined
            do {
              const page = yield* academics.listCourses({
                ...(params.scope === "school" ? { school_id: params.id } : { group_id: params.id }),
                ...(from ? { from } : {}),
                ...(to ? { to } : {}),
                limit: 200,
                ...(cursor ? { cursor } : {})
              })
              courses.push(...page.items)
              cursor = page.next_cursor ?? undefined
            } while (cursor)
            courses = courses.filter((c) => (!from || c.start_at >= from) && (!to || c.start_at < to))
          }
          const results = yield* rollRows(courses.map((c) => c.id))
          const resultOfPair = new Map(results.map((r) => [`${r.course_id}|${r.student_id}`, r.result]))
          const perStudent = new Map<string, Array<RollResult | null>>()
          for (const c of courses) {
            const students = yield* enrolled(c)
            for (const r of results) if (r.course_id === c.id) students.add(r.student_id)
            for (const s of students) {
              if (params.scope === "group") {
                const inGroup = (yield* academics.validateStudentCourse(s, c.id)).matched_group_ids.includes(params.id)
                if (!inGroup) continue
              }
              const list = perStudent.get(s) ?? []
              list.push(resultOfPair.get(`${c.id}|${s}`) ?? null)
              perStudent.set(s, list)
            }
          }
          const users = yield* identity.liteMany([...perStudent.keys()])
          const lines = [...perStudent.entries()]
            .map(
              ([student_id, list]) =>
                new ReportLine({
                  student_id,
                  email: users.get(student_id)?.email ?? null,
                  name: users.get(student_id)?.name ?? null,
                  totals: countResults(list)
                })
            )
            .sort((a, b) => (a.name ?? a.student_id).localeCompare(b.name ?? b.student_id))
          return new AttendanceReport({
            scope: params.scope,
            scope_id: params.id,
            from,
            to,
            courses: courses.length,
            totals: countResults([...perStudent.values()].flat()),
            lines
          })
        })
      )

    /** Academics' 404 in attendance's terms (the same object, named the same way). */
    const as404 = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.catchIf(
        self,
        (e): e is Extract<E, AcademicsNotFound> => (e as { _tag?: string })?._tag === "AcademicsNotFound",
        (e) => Effect.fail(notFound(e.resource === "user" ? "student" : e.resource, e.id))
      ) as Effect.Effect<A, Exclude<E, AcademicsNotFound> | AttendanceNotFound, R>

    return {
      createSignatureAttempt: (input: CreateSignatureAttempt, principal: AttendancePrincipal) =>
        as404(createSignatureAttempt(input, principal)),
      getSignature,
      listSignatures,
      listRefusals,
      patchSignature,
      markRoll,
      currentQrCode,
      courseRoll,
      closeExpiredCourses,
      closeAllTenants,
      closeJob,
      getPolicy,
      updatePolicy,
      submitExcuse,
      getExcuse,
      excuseAttachment,
      decideExcuse,
      listExcuses,
      studentHistory,
      report
    } as const
  })
}) {}

/** CSV of a report: one line per student (RFC 4180, header row, formula-safe: kernel/Csv.ts). */
export const reportCsv = (r: AttendanceReport): string =>
  toCsv(
    ["student_id", "email", "name", "courses", "present", "late", "absent", "excused", "unmarked", "rate"],
    r.lines.map((l) => [
      l.student_id,
      l.email,
      l.name,
      l.totals.courses,
      l.totals.present,
      l.totals.late,
      l.totals.absent,
      l.totals.excused,
      l.totals.unmarked,
      l.totals.rate === null ? "" : l.totals.rate.toFixed(4)
    ])
  )

/** CSV of a student's history: one line per course (RFC 4180, header row, formula-safe). */
export const historyCsv = (h: StudentHistory): string =>
  toCsv(
    ["course_id", "course_name", "start_at", "result"],
    h.entries.map((e) => [e.course_id, e.course_name, e.start_at, e.result ?? "UNMARKED"])
  )

/** CSV of a course roll (RFC 4180, header row, formula-safe). */
export const rollCsv = (roll: CourseRoll): string =>
  toCsv(
    ["student_id", "result", "method", "signed_at", "excuse_id"],
    roll.entries.map((e) => [e.student_id, e.result ?? "UNMARKED", e.method, e.signed_at, e.excuse_id])
  )
