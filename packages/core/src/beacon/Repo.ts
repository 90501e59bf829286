/**
 * The beacon repository: all of the beacon module's SQL (ARCHITECTURE §1
 * "Repo.ts"; issue 14 §2). It is the only writer of `beacons`,
 * `beacon_enrolment_codes`, `beacon_nonces` and `beacon_telemetry`.
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's tenant transaction (`tenantTx`, which on Postgres also sets the
 * row-level-security tenant). Rows are decoded once (ids into their
 * brands, instants from ISO-8601 text into `DateTime.Utc`); instants are
 * written as ISO-8601 text (`DateTime.formatIso`); SQL errors become
 * defects. Each method has a span `BeaconRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { ClassroomId } from "@signet/contracts/academics/Domain"
import {
  Beacon,
  BeaconId,
  EnrolmentCodeId,
  type TelemetryReport,
  TelemetrySample
} from "@signet/contracts/beacon/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option, Schema } from "effect"
import { DbCount, DbJson, json, repoSpan } from "../kernel/Sql.js"

/** A `beacons` row: the domain's {@link Beacon} plus its envelope-encrypted TOTP secret. */
export const BeaconRow = Schema.Struct({
  ...Beacon.fields,
  public_jwk: DbJson,
  last_counter: DbCount,
  totp_secret_enc: Schema.String
})
/** @see BeaconRow */
export type BeaconRow = typeof BeaconRow.Type

/** A beacon row as the API shows it (without its secret). */
export const present = ({ totp_secret_enc: _, ...r }: BeaconRow) => new Beacon(r)

/** A `beacon_enrolment_codes` row. */
const EnrolmentCodeRow = Schema.Struct({
  id: EnrolmentCodeId,
  classroom_id: Schema.NullOr(ClassroomId),
  name: Schema.NullOr(Schema.String),
  expires_at: Schema.DateTimeUtc,
  used_at: Schema.NullOr(Schema.DateTimeUtc)
})

/** A nullable numeric column (SQLite and Postgres may answer text for NUMERIC). */
const DbNumber = Schema.NullOr(DbCount)

/** A `beacon_telemetry` row as the domain's {@link TelemetrySample}. */
const TelemetryFromRow = Schema.compose(
  Schema.Struct({
    at: Schema.String,
    battery_pct: DbNumber,
    temperature_c: DbNumber,
    clock_drift_ms: DbNumber,
    queue_depth: DbNumber,
    uptime_s: DbNumber
  }),
  TelemetrySample,
  { strict: false }
)

/** A new enrolment code as stored (its code hashed). */
export interface NewEnrolmentCode {
  readonly id: EnrolmentCodeId
  readonly codeHash: string
  readonly classroomId: ClassroomId | null
  readonly name: string | null
  /** The creating actor's id (a user or an API key). */
  readonly createdBy: string | null
  readonly expiresAt: DateTime.Utc
}

/** What each table group's statements share: the client, the current tenant's id, the span wrapper. */
interface RepoContext {
  readonly sql: SqlClient.SqlClient
  readonly tid: Effect.Effect<string, never, CurrentTenant>
  readonly span: ReturnType<typeof repoSpan>
}

/** Statements over `beacons`: the registry, authentication, counters, keys. */
const beaconStatements = ({ sql, tid, span }: RepoContext) => {
  const findQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, id: BeaconId }),
    Result: BeaconRow,
    execute: (r) => sql`SELECT * FROM beacons WHERE tenant_id = ${r.tenant} AND id = ${r.id}`
  })
  const listQ = SqlSchema.findAll({
    Request: Schema.Struct({
      tenant: Schema.String,
      classroom: Schema.UndefinedOr(ClassroomId),
      after: Schema.UndefinedOr(Schema.String),
      limit: Schema.Number
    }),
    Result: BeaconRow,
    execute: (r) => sql`SELECT * FROM beacons WHERE tenant_id = ${r.tenant}
      ${r.classroom ? sql`AND classroom_id = ${r.classroom}` : sql``}
      ${r.after ? sql`AND id > ${r.after}` : sql``} ORDER BY id LIMIT ${r.limit}`
  })
  return {
    /** How many beacons (not revoked) the tenant has — the `beacons.max` quota's count. */
    countLive: Effect.flatMap(
      tid,
      (tenant) => sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM beacons
        WHERE tenant_id = ${tenant} AND status <> 'revoked'`
    ).pipe(
      Effect.flatMap((rows) => Schema.decodeUnknown(DbCount)(rows[0]?.n ?? 0)),
      Effect.orDie,
      span("countLive")
    ),
    /** One beacon of the tenant. */
    find: (id: BeaconId) => Effect.flatMap(tid, (tenant) => findQ({ tenant, id })).pipe(span("find")),
    /** Up to `limit` beacons by id after `after`, optionally of one classroom. */
    list: (params: {
      readonly classroomId?: ClassroomId | undefined
      readonly after?: string
      readonly limit: number
    }) =>
      Effect.flatMap(tid, (tenant) =>
        listQ({ tenant, classroom: params.classroomId, after: params.after, limit: params.limit })
      ).pipe(span("list")),
    /** Registers a freshly enrolled beacon (`provisioned`; its counter starts at the column default, -1). */
    insert: (b: BeaconRow) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`INSERT INTO beacons (tenant_id, id, name, classroom_id, alg, public_jwk, totp_secret_enc,
            firmware_version, status, created_at)
          VALUES (${tenant}, ${b.id}, ${b.name}, ${b.classroom_id}, ${b.alg}, ${json(b.public_jwk)},
            ${b.totp_secret_enc}, ${b.firmware_version}, ${b.status}, ${DateTime.formatIso(b.created_at)})`
      ).pipe(Effect.asVoid, span("insert")),
    /** A successful authentication: `provisioned` becomes `active`; last seen and clock drift recorded. */
    markAuthenticated: (id: BeaconId, at: DateTime.Utc, driftMs: number) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE beacons SET status = CASE WHEN status = 'provisioned' THEN 'active' ELSE status END,
            last_seen_at = ${DateTime.formatIso(at)}, clock_drift_ms = ${driftMs}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(Effect.asVoid, span("markAuthenticated")),
    /** Moves the beacon's counter to `counter` if it is higher; answers whether it moved. */
    advanceCounter: (id: BeaconId, counter: number, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (tenant) => sql<{
          id: string
        }>`UPDATE beacons SET last_counter = ${counter}, last_seen_at = ${DateTime.formatIso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id} AND last_counter < ${counter} RETURNING id`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("advanceCounter")
      ),
    /** Replaces the beacon's key. */
    rotateKey: (id: BeaconId, alg: string, publicJwk: unknown, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (
          tenant
        ) => sql`UPDATE beacons SET alg = ${alg}, public_jwk = ${json(publicJwk)}, key_rotated_at = ${DateTime.formatIso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(Effect.asVoid, span("rotateKey")),
    /** Writes a beacon's name and classroom. */
    assign: (id: BeaconId, name: string | null, classroomId: ClassroomId | null) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE beacons SET name = ${name}, classroom_id = ${classroomId}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(Effect.asVoid, span("assign")),
    /** Marks a beacon revoked at `at`. */
    revoke: (id: BeaconId, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE beacons SET status = 'revoked', revoked_at = ${DateTime.formatIso(at)}
          WHERE tenant_id = ${tenant} AND id = ${id}`
      ).pipe(Effect.asVoid, span("revoke"))
  } as const
}

/** Statements over `beacon_enrolment_codes`. */
const enrolmentCodeStatements = ({ sql, tid, span }: RepoContext) => {
  const codeQ = SqlSchema.findOne({
    Request: Schema.Struct({ tenant: Schema.String, hash: Schema.String }),
    Result: EnrolmentCodeRow,
    execute: (r) => sql`SELECT id, classroom_id, name, expires_at, used_at FROM beacon_enrolment_codes
      WHERE tenant_id = ${r.tenant} AND code_hash = ${r.hash}`
  })
  return {
    /** Stores a one-time enrolment code (hashed). */
    insertEnrolmentCode: (c: NewEnrolmentCode) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`INSERT INTO beacon_enrolment_codes (tenant_id, id, code_hash, classroom_id, name, created_by,
            expires_at)
          VALUES (${tenant}, ${c.id}, ${c.codeHash}, ${c.classroomId}, ${c.name}, ${c.createdBy}, ${DateTime.formatIso(c.expiresAt)})`
      ).pipe(Effect.asVoid, span("insertEnrolmentCode")),
    /** The enrolment code with this hash. */
    findEnrolmentCode: (codeHash: string) =>
      Effect.flatMap(tid, (tenant) => codeQ({ tenant, hash: codeHash })).pipe(span("findEnrolmentCode")),
    /** Marks an enrolment code used by beacon `beaconId`. */
    useEnrolmentCode: (codeId: EnrolmentCodeId, beaconId: BeaconId, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (tenant) => sql`UPDATE beacon_enrolment_codes SET used_at = ${DateTime.formatIso(at)}, beacon_id = ${beaconId}
          WHERE tenant_id = ${tenant} AND id = ${codeId}`
      ).pipe(Effect.asVoid, span("useEnrolmentCode"))
  } as const
}

/** Statements over `beacon_nonces`. */
const nonceStatements = ({ sql, tid, span }: RepoContext) => {
  return {
    /**
     * Records `nonce` under `scope` (a beacon id) until `expiresAtMs`, after
     * pruning the scope's expired nonces. Answers none when it was new, or
     * the digest stored with it when it was already used.
     */
    useNonce: (scope: string, nonce: string, digest: string | null, expiresAtMs: number, nowMs: number) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        yield* sql`DELETE FROM beacon_nonces WHERE tenant_id = ${tenant} AND beacon_id = ${scope}
          AND expires_at < ${nowMs}`
        const inserted = yield* sql<{ nonce: string }>`INSERT INTO beacon_nonces (tenant_id, beacon_id, nonce,
            digest, expires_at)
          VALUES (${tenant}, ${scope}, ${nonce}, ${digest}, ${expiresAtMs}) ON CONFLICT DO NOTHING RETURNING nonce`
        if (inserted.length > 0) return Option.none<string | null>()
        const prior = yield* sql<{ digest: string | null }>`SELECT digest FROM beacon_nonces
          WHERE tenant_id = ${tenant} AND beacon_id = ${scope} AND nonce = ${nonce}`
        return Option.some(prior[0]?.digest ?? null)
      }).pipe(span("useNonce"))
  } as const
}

/** Statements over `beacon_telemetry` (and the beacon's last-seen columns it updates). */
const telemetryStatements = ({ sql, tid, span }: RepoContext) => {
  const telemetryQ = SqlSchema.findAll({
    Request: Schema.Struct({ tenant: Schema.String, beacon: BeaconId, limit: Schema.Number }),
    Result: TelemetryFromRow,
    execute: (r) => sql`SELECT at, battery_pct, temperature_c, clock_drift_ms, queue_depth, uptime_s
      FROM beacon_telemetry WHERE tenant_id = ${r.tenant} AND beacon_id = ${r.beacon}
      ORDER BY at DESC LIMIT ${r.limit}`
  })

  return {
    /**
     * Stores one telemetry sample at `at`, prunes the beacon's samples older
     * than `keepAfter`, and records last seen, clock drift and firmware.
     */
    recordTelemetry: (beaconId: BeaconId, t: TelemetryReport, at: DateTime.Utc, keepAfter: DateTime.Utc) =>
      Effect.gen(function* () {
        const tenant = yield* tid
        yield* sql`INSERT INTO beacon_telemetry (tenant_id, beacon_id, at, battery_pct, temperature_c,
            clock_drift_ms, queue_depth, uptime_s)
          VALUES (${tenant}, ${beaconId}, ${DateTime.formatIso(at)}, ${t.battery_pct ?? null}, ${t.temperature_c ?? null},
            ${t.clock_drift_ms ?? null}, ${t.queue_depth ?? null}, ${t.uptime_s ?? null})
          ON CONFLICT DO NOTHING`
        yield* sql`DELETE FROM beacon_telemetry WHERE tenant_id = ${tenant} AND beacon_id = ${beaconId}
          AND at < ${DateTime.formatIso(keepAfter)}`
        yield* sql`UPDATE beacons SET last_seen_at = ${DateTime.formatIso(at)},
            clock_drift_ms = COALESCE(${t.clock_drift_ms ?? null}, clock_drift_ms),
            firmware_version = COALESCE(${t.firmware_version ?? null}, firmware_version)
          WHERE tenant_id = ${tenant} AND id = ${beaconId}`
      }).pipe(span("recordTelemetry")),
    /** A beacon's latest `limit` samples, newest first. */
    telemetry: (beaconId: BeaconId, limit: number) =>
      Effect.flatMap(tid, (tenant) => telemetryQ({ tenant, beacon: beaconId, limit })).pipe(span("telemetry"))
  } as const
}

/** The beacon module's SQL; see the module comment. Composed of one statement group per table. */
export class BeaconRepo extends Effect.Service<BeaconRepo>()("Signet/BeaconRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const ctx: RepoContext = {
      sql,
      tid: Effect.map(CurrentTenant, (t) => t.id as string),
      span: repoSpan("BeaconRepo")
    }
    return {
      ...beaconStatements(ctx),
      ...enrolmentCodeStatements(ctx),
      ...nonceStatements(ctx),
      ...telemetryStatements(ctx)
    } as const
  })
}) {}
