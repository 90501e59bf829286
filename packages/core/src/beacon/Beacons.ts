/**
 * The beacon service (seed 004 "Beacon responsibilities", Flow A; issue 6
 * §1–3 and §5): registry and enrolment, beacon authentication by signed
 * timestamp, presence tokens for students' devices, presence proofs, key
 * rotation and telemetry.
 *
 * The beacon never decides attendance: a proof that passes every check here
 * (beacon signature, freshness, unused nonce, strictly increasing counter,
 * beacon active and assigned to the proof's classroom, presence token valid
 * and bound to a still-registered device of a student of the same tenant)
 * becomes an `AttendanceCommand.CreateSignatureAttempt` with method
 * FLASHLIGHT (`proof_type: "buzzLightyear"`) or BEACON and the seed's
 * `BeaconProof`; attendance applies its rules and answers.
 *
 * @module
 */

import type { KeyObject } from "node:crypto"
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import {
  Beacon,
  type BeaconAlg,
  BeaconAuthFailed,
  type BeaconAuthRequest,
  BeaconNotFound,
  BeaconToken,
  type CreateEnrolmentCode,
  type EnrolBeacon,
  Enrolled,
  EnrolmentCode,
  EnrolmentRefused,
  type PresenceProof,
  PresenceToken,
  type ProofRefusalReason,
  ProofRefused,
  type RotateBeaconKey,
  type TelemetryReport,
  TelemetrySample,
  type UpdateBeacon
} from "@signet/contracts/beacon/Domain"
import { authMessage, fromB64url, proofMessage, rotateMessage } from "@signet/contracts/beacon/Protocol"
import { type Actor, CurrentActor, CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { Clock, Config, Effect, Either, Option, Redacted, Schema } from "effect"
import { generateSecret, verify as verifyTotp } from "otplib"
import { Academics } from "../academics/Academics.js"
import { Attendance, systemPrincipal } from "../attendance/Attendance.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { SigningKeys } from "../identity/Keys.js"
import { Identity } from "../identity/Users.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTx } from "../kernel/Database.js"
import { DbJson, instant, json } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { beaconTotpColumn } from "./Migrations.js"
import { importBeaconKey, verifyBeaconSignature } from "./Verify.js"

/** The beacon a verified beacon token stands for. */
export interface BeaconPrincipal {
  readonly tenant: { readonly id: TenantId; readonly slug: string }
  readonly beaconId: string
}

/** TOTP parameters of beacons (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step). */
export const BEACON_TOTP = { period: 30, digits: 6, toleranceSteps: 1 } as const

const BeaconRow = Schema.Struct({
  id: Schema.String,
  name: Schema.NullOr(Schema.String),
  classroom_id: Schema.NullOr(Schema.String),
  alg: Schema.Literal("ES256", "EdDSA"),
  public_jwk: DbJson,
  totp_secret_enc: Schema.String,
  firmware_version: Schema.NullOr(Schema.String),
  status: Schema.Literal("provisioned", "active", "revoked"),
  last_counter: Schema.Union(Schema.Number, Schema.NumberFromString, Schema.BigIntFromSelf).pipe(
    Schema.transform(Schema.Number, { strict: true, decode: (v) => Number(v), encode: (n) => n })
  ),
  last_seen_at: Schema.NullOr(Schema.String),
  clock_drift_ms: Schema.NullOr(Schema.Number),
  key_rotated_at: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  revoked_at: Schema.NullOr(Schema.String)
})
type BeaconRow = typeof BeaconRow.Type
const decodeBeacons = Schema.decodeUnknown(Schema.Array(BeaconRow))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const sha256 = (s: string | Uint8Array) => Crypto.createHash("sha256").update(s).digest("base64url")

const present = (r: BeaconRow) =>
  new Beacon({
    id: r.id,
    name: r.name,
    classroom_id: r.classroom_id,
    alg: r.alg,
    public_jwk: r.public_jwk,
    firmware_version: r.firmware_version,
    status: r.status,
    last_counter: r.last_counter,
    last_seen_at: r.last_seen_at,
    clock_drift_ms: r.clock_drift_ms,
    key_rotated_at: r.key_rotated_at,
    created_at: r.created_at,
    revoked_at: r.revoked_at
  })

/**
 * Lifetime of a presence token in seconds (issue 15 §3):
 * `SIGNET_PRESENCE_TOKEN_TTL_SECONDS`, 5–120, default 30 — long enough to
 * walk to the beacon and flash, short enough that a relayed token is stale.
 */
export const presenceTokenTtl: Effect.Effect<number> = Effect.orDie(
  Config.integer("SIGNET_PRESENCE_TOKEN_TTL_SECONDS").pipe(
    Config.withDefault(30),
    Config.validate({ message: "must be between 5 and 120 seconds", validation: (n) => n >= 5 && n <= 120 })
  )
)

/**
 * The `beacon_id` under which the used presence tokens' `jti`s are kept in
 * `beacon_nonces` (tenant-wide: a token used at one beacon is used at all).
 */
export const PRESENCE_JTI_SCOPE = "00000000-0000-0000-0000-000000000000"

/** The device binding claim of a presence token: SHA-256 (base64url) of the device identifier. */
export const deviceBinding = (deviceIdentifier: string): string => sha256(`signet-device:${deviceIdentifier}`)

/** The beacon service. */
export class Beacons extends Effect.Service<Beacons>()("Signet/Beacons", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const envelope = yield* Envelope
    const keys = yield* SigningKeys
    const tenancy = yield* Tenancy
    const identity = yield* Identity
    const academics = yield* Academics
    const attendance = yield* Attendance
    const audit = yield* Audit
    const events = yield* Events
    const presenceTtl = yield* presenceTokenTtl
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    const tenantId = Effect.map(CurrentTenant, (t) => t.id as string)
    const asTenant = (tenant: { readonly id: string; readonly slug: string }) =>
      Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug })
    const beaconActor = (id: string): Actor => ({ kind: "beacon", id })
    const authFailed = (reason_code: BeaconAuthFailed["reason_code"], message: string) =>
      new BeaconAuthFailed({ reason_code, message })
    const refused = (reason_code: ProofRefusalReason, message: string) => new ProofRefused({ reason_code, message })

    const findBeacon = (id: string) =>
      Effect.gen(function* () {
        if (!UUID.test(id)) return Option.none<BeaconRow>()
        const tid = yield* tenantId
        const r = yield* sql`SELECT * FROM beacons WHERE tenant_id = ${tid} AND id = ${id}`.pipe(
          Effect.flatMap(decodeBeacons),
          Effect.orDie
        )
        return Option.fromNullable(r[0])
      })

    // Imported public keys by beacon and key version (verification is the hot path).
    const keyCache = new Map<string, KeyObject>()
    const keyOf = (row: BeaconRow): KeyObject | null => {
      const cacheKey = `${row.id}:${row.key_rotated_at ?? ""}`
      const hit = keyCache.get(cacheKey)
      if (hit) return hit
      const imported = importBeaconKey(row.alg, row.public_jwk)
      if (Either.isLeft(imported)) return null
      if (keyCache.size > 10_000) keyCache.clear()
      keyCache.set(cacheKey, imported.right)
      return imported.right
    }
    const verifySig = (
      row: { readonly alg: BeaconAlg },
      key: KeyObject | null,
      message: Uint8Array,
      signature: string
    ) => {
      const sig = fromB64url(signature)
      return key !== null && sig !== null && verifyBeaconSignature(row.alg, key, message, sig)
    }
    const windowMs = (tid: string) =>
      Effect.map(tenancy.settingValue<number>(tid, "beacon.proof_window_seconds"), (s) => s * 1000)

    /** Records a nonce; answers the digest stored with it when it was already used. */
    const useNonce = (beaconId: string, nonce: string, digest: string | null, expiresAtMs: number, nowMs: number) =>
      Effect.gen(function* () {
        const tid = yield* tenantId
        yield* sql`DELETE FROM beacon_nonces WHERE tenant_id = ${tid} AND beacon_id = ${beaconId} AND expires_at < ${nowMs}`
        const inserted = yield* sql<{
          nonce: string
        }>`INSERT INTO beacon_nonces (tenant_id, beacon_id, nonce, digest, expires_at)
          VALUES (${tid}, ${beaconId}, ${nonce}, ${digest}, ${expiresAtMs}) ON CONFLICT DO NOTHING RETURNING nonce`
        if (inserted.length > 0) return Option.none<string | null>()
        const prior = yield* sql<{ digest: string | null }>`SELECT digest FROM beacon_nonces
          WHERE tenant_id = ${tid} AND beacon_id = ${beaconId} AND nonce = ${nonce}`
        return Option.some(prior[0]?.digest ?? null)
      }).pipe(Effect.orDie)

    // ——— Enrolment ——————————————————————————————————————————————————————————

    /**
     * Creates a one-time enrolment code (`<tenant>.<secret>`, stored hashed),
     * optionally for a classroom. @errors ValidationError (no such classroom)
     */
    const createEnrolmentCode = (input: CreateEnrolmentCode) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          if (input.classroom_id !== undefined) {
            yield* academics
              .getClassroom(input.classroom_id)
              .pipe(
                Effect.catchTag("AcademicsNotFound", () => ValidationError.field("classroom_id", "no such classroom"))
              )
          }
          const secret = Crypto.randomBytes(20).toString("base64url")
          const code = `${tenant.slug}.${secret}`
          const nowMs = yield* Clock.currentTimeMillis
          const expiresAt = instant(nowMs + (input.expires_in_minutes ?? 1440) * 60_000)
          const actor = yield* CurrentActor
          yield* sql`INSERT INTO beacon_enrolment_codes (tenant_id, id, code_hash, classroom_id, name, created_by, expires_at)
            VALUES (${tenant.id}, ${yield* newUuid}, ${sha256(code)}, ${input.classroom_id ?? null}, ${input.name ?? null},
              ${actor.id}, ${expiresAt})`.pipe(Effect.orDie)
          yield* audit.record({
            action: "beacon.enrolment_code.created",
            targetType: "classroom",
            targetId: input.classroom_id ?? null,
            after: { classroom_id: input.classroom_id ?? null, expires_at: expiresAt }
          })
          return new EnrolmentCode({ code, classroom_id: input.classroom_id ?? null, expires_at: expiresAt })
        })
      )

    /**
     * `POST /api/v1/beacon/enroll`: the agent registers its public key with a
     * one-time code. Answers the beacon id and its TOTP secret (shown once).
     * @errors EnrolmentRefused (unknown, used or expired code), ValidationError (key does not match the algorithm)
     */
    const enrol = (input: EnrolBeacon) =>
      Effect.gen(function* () {
        const invalid = new EnrolmentRefused({ reason_code: "INVALID_CODE", message: "unknown enrolment code" })
        const slug = input.code.split(".")[0] ?? ""
        const tenant = yield* tenancy.resolveActive(slug).pipe(Effect.mapError(() => invalid))
        const key = importBeaconKey(input.alg, input.public_jwk)
        if (Either.isLeft(key)) return yield* ValidationError.field("public_jwk", key.left)
        return yield* inTx(
          Effect.gen(function* () {
            const tid = tenant.id as string
            const found = yield* sql<{
              id: string
              classroom_id: string | null
              name: string | null
              expires_at: string
              used_at: string | null
            }>`SELECT id, classroom_id, name, expires_at, used_at FROM beacon_enrolment_codes
              WHERE tenant_id = ${tid} AND code_hash = ${sha256(input.code)}`.pipe(Effect.orDie)
            const code = found[0]
            if (!code) return yield* invalid
            if (code.used_at)
              return yield* new EnrolmentRefused({ reason_code: "USED_CODE", message: "this code was already used" })
            const nowMs = yield* Clock.currentTimeMillis
            if (Date.parse(code.expires_at) < nowMs)
              return yield* new EnrolmentRefused({ reason_code: "EXPIRED_CODE", message: "this code has expired" })
            const id = yield* newUuid
            const totp = generateSecret({ length: 20 })
            const enc = yield* envelope.encrypt(totp, beaconTotpColumn.aad({ tenant_id: tid, id }))
            const at = instant(nowMs)
            yield* sql`INSERT INTO beacons (tenant_id, id, name, classroom_id, alg, public_jwk, totp_secret_enc,
                firmware_version, status, created_at)
              VALUES (${tid}, ${id}, ${code.name}, ${code.classroom_id}, ${input.alg}, ${json(input.public_jwk)}, ${enc},
                ${input.firmware_version ?? null}, 'provisioned', ${at})`.pipe(Effect.orDie)
            yield* sql`UPDATE beacon_enrolment_codes SET used_at = ${at}, beacon_id = ${id}
              WHERE tenant_id = ${tid} AND id = ${code.id}`.pipe(Effect.orDie)
            yield* audit
              .record({
                action: "beacon.enrolled",
                targetType: "beacon",
                targetId: id,
                after: {
                  classroom_id: code.classroom_id,
                  alg: input.alg,
                  firmware_version: input.firmware_version ?? null
                }
              })
              .pipe(Effect.provideService(CurrentActor, beaconActor(id)))
            yield* events.publish({
              type: "signet.beacon.enrolled",
              subject: id,
              data: { beacon_id: id, classroom_id: code.classroom_id }
            })
            return new Enrolled({
              beacon_id: id,
              tenant: tenant.slug,
              classroom_id: code.classroom_id,
              totp_secret: totp,
              server_time_ms: nowMs
            })
          })
        ).pipe(asTenant(tenant))
      })

    // ——— Beacon authentication ————————————————————————————————————————————

    /**
     * `POST /api/v1/beacon/auth/token`: verifies the signed timestamp (the
     * signature first, then the timestamp within the proof window, the TOTP
     * code, and that the nonce is unused) and answers a beacon token.
     * @errors BeaconAuthFailed (reason_code: UNKNOWN_BEACON, BEACON_REVOKED, BAD_SIGNATURE, STALE_TIMESTAMP, BAD_TOTP, REUSED_NONCE)
     */
    const authenticate = (req: BeaconAuthRequest) =>
      Effect.gen(function* () {
        const tenant = yield* tenancy
          .resolveActive(req.tenant)
          .pipe(Effect.mapError(() => authFailed("UNKNOWN_BEACON", "unknown beacon")))
        return yield* inTx(
          Effect.gen(function* () {
            const row = yield* findBeacon(req.beacon_id)
            if (Option.isNone(row)) return yield* authFailed("UNKNOWN_BEACON", "unknown beacon")
            const b = row.value
            if (b.status === "revoked") return yield* authFailed("BEACON_REVOKED", "this beacon was revoked")
            if (!verifySig(b, keyOf(b), authMessage(req), req.signature))
              return yield* authFailed("BAD_SIGNATURE", "the signature does not verify with the beacon's key")
            const nowMs = yield* Clock.currentTimeMillis
            const window = yield* windowMs(tenant.id)
            if (Math.abs(req.timestamp_ms - nowMs) > window)
              return yield* authFailed(
                "STALE_TIMESTAMP",
                `the timestamp is more than ${window / 1000} s from the server's clock`
              )
            const secret = yield* envelope
              .decryptString(b.totp_secret_enc, beaconTotpColumn.aad({ tenant_id: tenant.id, id: b.id }))
              .pipe(Effect.orDie)
            const totpOk = yield* Effect.promise(() =>
              verifyTotp({
                secret: Redacted.value(secret),
                token: req.totp,
                epoch: Math.floor(nowMs / 1000),
                period: BEACON_TOTP.period,
                epochTolerance: BEACON_TOTP.toleranceSteps * BEACON_TOTP.period
              })
                .then((r) => r.valid)
                .catch(() => false)
            )
            if (!totpOk) return yield* authFailed("BAD_TOTP", "the TOTP code is wrong")
            if (Option.isSome(yield* useNonce(b.id, `auth:${req.nonce}`, null, nowMs + 2 * window, nowMs)))
              return yield* authFailed("REUSED_NONCE", "this nonce was already used")
            const drift = req.timestamp_ms - nowMs
            yield* sql`UPDATE beacons SET status = CASE WHEN status = 'provisioned' THEN 'active' ELSE status END,
                last_seen_at = ${instant(nowMs)}, clock_drift_ms = ${drift}
              WHERE tenant_id = ${tenant.id} AND id = ${b.id}`.pipe(Effect.orDie)
            const signed = yield* keys.sign("beacon", { sub: b.id, tid: tenant.id, tenant_slug: tenant.slug })
            return new BeaconToken({ token: signed.token, expires_in: signed.expiresIn, server_time_ms: nowMs })
          })
        ).pipe(asTenant(tenant))
      })

    /**
     * Verifies a beacon token and that its beacon is still usable.
     * @errors BeaconAuthFailed (UNKNOWN_BEACON for a bad or expired token, BEACON_REVOKED)
     */
    const verifyBeaconToken = (token: string) =>
      Effect.gen(function* () {
        const bad = () => authFailed("UNKNOWN_BEACON", "invalid or expired beacon token")
        const claims = yield* keys.verify("beacon", token).pipe(Effect.mapError(bad))
        if (typeof claims.sub !== "string" || typeof claims.tid !== "string") return yield* bad()
        const tenant = yield* tenancy.getById(claims.tid).pipe(Effect.mapError(bad))
        if (tenant.status !== "active") return yield* bad()
        const row = yield* inTx(findBeacon(claims.sub)).pipe(asTenant(tenant))
        if (Option.isNone(row)) return yield* bad()
        if (row.value.status === "revoked") return yield* authFailed("BEACON_REVOKED", "this beacon was revoked")
        return { tenant: { id: tenant.id as TenantId, slug: tenant.slug }, beaconId: claims.sub } as BeaconPrincipal
      })

    // ——— Presence tokens and proofs ———————————————————————————————————————

    /**
     * `POST …/me/presence-token`: a token for the calling student's
     * registered device, to show a beacon (flashlight, BLE, NFC). Issue 15
     * §3: it lives {@link presenceTokenTtl} seconds (30 by default), is used
     * once (its `jti`), names the student (`sub`) and device (`dev`), and,
     * when `courseId` is given, the course (`crs`: the student must be
     * enrolled; a proof for another course is refused).
     * @errors Forbidden (not a student, or the device is not registered to them), ValidationError (course_id)
     */
    const presenceToken = (studentId: string, deviceIdentifier: string, courseId?: string) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        if (!(yield* identity.validateStudentDevice(studentId, deviceIdentifier)))
          return yield* new Forbidden({ message: "presence tokens are issued to a student's registered devices" })
        if (courseId !== undefined && !(yield* academics.validateStudentCourse(studentId, courseId)).is_allowed)
          return yield* ValidationError.field("course_id", "is not a course of this student")
        const signed = yield* keys.sign(
          "presence",
          {
            sub: studentId,
            tid: tenant.id,
            tenant_slug: tenant.slug,
            dev: deviceBinding(deviceIdentifier),
            ...(courseId !== undefined ? { crs: courseId } : {})
          },
          presenceTtl
        )
        return new PresenceToken({ token: signed.token, expires_in: signed.expiresIn })
      })

    /**
     * The student's presence token of a proof: valid, unexpired and of the
     * tenant `tid`. Answers its claims. @errors ProofRefused
     * (PRESENCE_TOKEN_EXPIRED, PRESENCE_TOKEN_INVALID, PRESENCE_TOKEN_OTHER_TENANT)
     */
    const presenceClaims = (token: string, tid: string) =>
      Effect.gen(function* () {
        const claims = yield* keys
          .verify("presence", token)
          .pipe(
            Effect.catchAll(() =>
              Effect.flatMap(Effect.either(keys.verifyIgnoringExpiry("presence", token)), (e) =>
                Effect.fail(
                  Either.isRight(e)
                    ? refused("PRESENCE_TOKEN_EXPIRED", "the student's presence token has expired")
                    : refused("PRESENCE_TOKEN_INVALID", "the student's presence token is not valid")
                )
              )
            )
          )
        if (claims.tid !== tid)
          return yield* refused("PRESENCE_TOKEN_OTHER_TENANT", "the presence token belongs to another tenant")
        return claims
      })

    /**
     * `POST /api/v1/beacon/proofs` (Flow A): checks the proof (see the module
     * comment), then submits it to attendance as `CreateSignatureAttempt` and
     * answers attendance's result.
     *
     * One tenant transaction (one commit) holds the beacon's checks, the
     * nonce and counter it consumes, the student's device check and
     * attendance's decision. A proof that passes the beacon's checks stays
     * consumed (nonce and counter kept) whatever follows; a refusal before
     * that writes nothing. The presence token is verified before the
     * transaction (its verification is asynchronous) and its verdict applied
     * after the counter, in the order of the checks.
     * @errors ProofRefused (reason_code), and attendance's errors
     */
    const submitProof = (principal: BeaconPrincipal, proof: PresenceProof) =>
      Effect.gen(function* () {
        if (proof.beacon_id !== principal.beaconId)
          return yield* refused("BEACON_MISMATCH", "the proof names another beacon than the token")
        const tid = principal.tenant.id as string
        const nowMs = yield* Clock.currentTimeMillis
        const window = yield* windowMs(tid)
        const presence = yield* Effect.either(presenceClaims(proof.presence_token, tid))
        const outcome = yield* inTx(
          Effect.gen(function* () {
            const row = yield* findBeacon(proof.beacon_id)
            if (Option.isNone(row)) return yield* refused("UNKNOWN_BEACON", "unknown beacon")
            const b = row.value
            if (b.status === "revoked") return yield* refused("BEACON_REVOKED", "this beacon was revoked")
            if (b.classroom_id === null)
              return yield* refused("BEACON_NOT_ASSIGNED", "this beacon is not assigned to a classroom")
            if (b.classroom_id !== proof.classroom_id)
              return yield* refused("CLASSROOM_MISMATCH", "the beacon is assigned to another classroom")
            if (!verifySig(b, keyOf(b), proofMessage(proof), proof.signature))
              return yield* refused("BAD_SIGNATURE", "the proof's signature does not verify with the beacon's key")
            if (Math.abs(proof.proof_time_ms - nowMs) > window)
              return yield* refused(
                "STALE_PROOF",
                `the proof time is more than ${window / 1000} s from the server's clock`
              )
            const digest = sha256(proof.signature)
            const prior = yield* useNonce(b.id, `proof:${proof.nonce}`, digest, nowMs + 2 * window, nowMs)
            if (Option.isSome(prior))
              return yield* prior.value === digest
                ? refused("REPLAYED_PROOF", "this proof was already submitted")
                : refused("REUSED_NONCE", "this nonce was already used")
            const advanced = yield* sql<{ id: string }>`UPDATE beacons SET last_counter = ${proof.counter},
                last_seen_at = ${instant(nowMs)}
              WHERE tenant_id = ${tid} AND id = ${b.id} AND last_counter < ${proof.counter} RETURNING id`.pipe(
              Effect.orDie
            )
            if (advanced.length === 0)
              return yield* refused("COUNTER_REPLAY", `the counter must exceed ${b.last_counter}`)

            // The proof is consumed: what follows fails as a value, so the transaction commits.
            return yield* Effect.either(
              Effect.gen(function* () {
                const claims = yield* presence
                // The student's device must still be registered to them.
                const studentId = String(claims.sub)
                const user = yield* Effect.option(identity.get(studentId))
                if (Option.isNone(user) || !user.value.devices.some((d) => deviceBinding(d) === claims.dev))
                  return yield* refused("DEVICE_NOT_REGISTERED", "the student's device is no longer registered")
                // A token bound to a course signs that course only (issue 15 §3).
                const boundCourse = typeof claims.crs === "string" ? claims.crs : null
                if (boundCourse !== null && proof.course_id && proof.course_id !== boundCourse)
                  return yield* refused(
                    "PRESENCE_TOKEN_WRONG_COURSE",
                    "the presence token was issued for another course"
                  )
                // Single use (issue 15 §3): the token's jti is recorded, tenant-wide, until it expires; a
                // second proof carrying it is refused — one token, one signature, however it travelled.
                const jti = typeof claims.jti === "string" ? claims.jti : null
                if (jti === null) return yield* refused("PRESENCE_TOKEN_INVALID", "the presence token has no id")
                const expMs = typeof claims.exp === "number" ? claims.exp * 1000 : nowMs + 2 * window
                const used = yield* useNonce(PRESENCE_JTI_SCOPE, `presence:${jti}`, studentId, expMs + 60_000, nowMs)
                if (Option.isSome(used))
                  return yield* refused(
                    "PRESENCE_TOKEN_REPLAYED",
                    "this presence token was already used: ask for a new one"
                  )
                return yield* attendance
                  .createSignatureAttempt(
                    {
                      method: proof.proof_type === "buzzLightyear" ? "FLASHLIGHT" : "BEACON",
                      student_id: studentId,
                      ...(proof.course_id
                        ? { course_id: proof.course_id }
                        : boundCourse !== null
                          ? { course_id: boundCourse }
                          : {}),
                      beacon_proof: {
                        beacon_id: b.id,
                        classroom_id: proof.classroom_id,
                        proof_type: proof.proof_type,
                        proof_payload: proof.nonce,
                        proof_time: instant(proof.proof_time_ms)
                      },
                      received_at: instant(proof.proof_time_ms)
                    },
                    systemPrincipal
                  )
                  .pipe(Effect.provideService(CurrentActor, beaconActor(b.id)))
              })
            )
          })
        ).pipe(asTenant(principal.tenant))
        return yield* outcome
      })

    // ——— Telemetry, key rotation ———————————————————————————————————————————

    /** `POST /api/v1/beacon/telemetry`: one sample; prunes samples past the tenant's retention. */
    const reportTelemetry = (principal: BeaconPrincipal, t: TelemetryReport) =>
      inTx(
        Effect.gen(function* () {
          const tid = principal.tenant.id as string
          const nowMs = yield* Clock.currentTimeMillis
          const retention = yield* tenancy.settingValue<number>(tid, "beacon.telemetry_retention_days")
          yield* sql`INSERT INTO beacon_telemetry (tenant_id, beacon_id, at, battery_pct, temperature_c, clock_drift_ms,
              queue_depth, uptime_s)
            VALUES (${tid}, ${principal.beaconId}, ${instant(nowMs)}, ${t.battery_pct ?? null}, ${t.temperature_c ?? null},
              ${t.clock_drift_ms ?? null}, ${t.queue_depth ?? null}, ${t.uptime_s ?? null})
            ON CONFLICT DO NOTHING`
          yield* sql`DELETE FROM beacon_telemetry WHERE tenant_id = ${tid} AND beacon_id = ${principal.beaconId}
            AND at < ${instant(nowMs - retention * 86_400_000)}`
          yield* sql`UPDATE beacons SET last_seen_at = ${instant(nowMs)},
              clock_drift_ms = COALESCE(${t.clock_drift_ms ?? null}, clock_drift_ms),
              firmware_version = COALESCE(${t.firmware_version ?? null}, firmware_version)
            WHERE tenant_id = ${tid} AND id = ${principal.beaconId}`
          return { received_at: instant(nowMs) }
        }).pipe(Effect.orDie)
      ).pipe(asTenant(principal.tenant))

    /**
     * `POST /api/v1/beacon/keys/rotate`: replaces the beacon's key; the
     * request is signed by the current key and by the new one.
     * @errors BeaconAuthFailed (BAD_SIGNATURE), ValidationError (bad key)
     */
    const rotateKey = (principal: BeaconPrincipal, input: RotateBeaconKey) =>
      inTx(
        Effect.gen(function* () {
          const row = yield* findBeacon(principal.beaconId)
          if (Option.isNone(row)) return yield* authFailed("UNKNOWN_BEACON", "unknown beacon")
          const b = row.value
          const next = importBeaconKey(input.alg, input.public_jwk)
          if (Either.isLeft(next)) return yield* ValidationError.field("public_jwk", next.left)
          const message = rotateMessage(b.id, input.public_jwk)
          if (!verifySig(b, keyOf(b), message, input.old_key_signature))
            return yield* authFailed("BAD_SIGNATURE", "old_key_signature does not verify with the current key")
          if (!verifySig({ alg: input.alg }, next.right, message, input.new_key_signature))
            return yield* authFailed("BAD_SIGNATURE", "new_key_signature does not verify with the new key")
          const at = instant(yield* Clock.currentTimeMillis)
          yield* sql`UPDATE beacons SET alg = ${input.alg}, public_jwk = ${json(input.public_jwk)}, key_rotated_at = ${at}
            WHERE tenant_id = ${principal.tenant.id} AND id = ${b.id}`.pipe(Effect.orDie)
          yield* audit
            .record({
              action: "beacon.key_rotated",
              targetType: "beacon",
              targetId: b.id,
              before: { alg: b.alg, public_jwk: b.public_jwk },
              after: { alg: input.alg, public_jwk: input.public_jwk }
            })
            .pipe(Effect.provideService(CurrentActor, beaconActor(b.id)))
          return present({ ...b, alg: input.alg, public_jwk: input.public_jwk, key_rotated_at: at })
        })
      ).pipe(asTenant(principal.tenant))

    // ——— Administration ————————————————————————————————————————————————————

    const getRow = (id: string) =>
      Effect.flatMap(findBeacon(id), (o) =>
        Option.match(o, {
          onNone: () => Effect.fail(new BeaconNotFound({ message: `no beacon ${id}`, id })),
          onSome: Effect.succeed
        })
      )

    /** One beacon. @errors BeaconNotFound */
    const getBeacon = (id: string) => inTx(Effect.map(getRow(id), present))

    /** Beacons of the tenant (by id, cursor pagination), optionally of one classroom. */
    const listBeacons = (params: {
      readonly classroom_id?: string | undefined
      readonly cursor?: string | undefined
      readonly limit?: number | undefined
    }) =>
      inTx(
        Effect.gen(function* () {
          const tid = yield* tenantId
          const limit = params.limit ?? DEFAULT_LIMIT
          const after = yield* decodeCursor(params.cursor)
          const r = yield* sql`SELECT * FROM beacons WHERE tenant_id = ${tid}
            ${params.classroom_id ? sql`AND classroom_id = ${params.classroom_id}` : sql``}
            ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${limit + 1}`.pipe(
            Effect.flatMap(decodeBeacons),
            Effect.orDie
          )
          return toPage(r.map(present), limit)
        })
      )

    /** Renames or (re)assigns a beacon. @errors BeaconNotFound, ValidationError (no such classroom) */
    const updateBeacon = (id: string, patch: UpdateBeacon) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getRow(id)
          if (patch.classroom_id) {
            yield* academics
              .getClassroom(patch.classroom_id)
              .pipe(
                Effect.catchTag("AcademicsNotFound", () => ValidationError.field("classroom_id", "no such classroom"))
              )
          }
          const after = {
            ...before,
            name: patch.name === undefined ? before.name : patch.name,
            classroom_id: patch.classroom_id === undefined ? before.classroom_id : patch.classroom_id
          }
          yield* sql`UPDATE beacons SET name = ${after.name}, classroom_id = ${after.classroom_id}
            WHERE tenant_id = ${yield* tenantId} AND id = ${id}`.pipe(Effect.orDie)
          yield* audit.record({
            action: "beacon.updated",
            targetType: "beacon",
            targetId: id,
            before: present(before),
            after: present(after)
          })
          return present(after)
        })
      )

    /** Revokes a beacon: its tokens and proofs stop working at once. @errors BeaconNotFound */
    const revokeBeacon = (id: string) =>
      inTx(
        Effect.gen(function* () {
          const before = yield* getRow(id)
          const at = instant(yield* Clock.currentTimeMillis)
          yield* sql`UPDATE beacons SET status = 'revoked', revoked_at = ${at}
            WHERE tenant_id = ${yield* tenantId} AND id = ${id}`.pipe(Effect.orDie)
          const after = present({ ...before, status: "revoked", revoked_at: at })
          yield* audit.record({
            action: "beacon.revoked",
            targetType: "beacon",
            targetId: id,
            before: present(before),
            after
          })
          yield* events.publish({ type: "signet.beacon.revoked", subject: id, data: { beacon_id: id } })
          return after
        })
      )

    /** A beacon's telemetry, newest first. @errors BeaconNotFound */
    const telemetry = (id: string, params: { readonly limit?: number | undefined } = {}) =>
      inTx(
        Effect.gen(function* () {
          yield* getRow(id)
          const r = yield* sql<{
            at: string
            battery_pct: number | null
            temperature_c: number | null
            clock_drift_ms: number | null
            queue_depth: number | null
            uptime_s: number | string | null
          }>`SELECT at, battery_pct, temperature_c, clock_drift_ms, queue_depth, uptime_s FROM beacon_telemetry
            WHERE tenant_id = ${yield* tenantId} AND beacon_id = ${id} ORDER BY at DESC LIMIT ${params.limit ?? 100}`.pipe(
            Effect.orDie
          )
          return r.map(
            (x) =>
              new TelemetrySample({
                at: x.at,
                battery_pct: x.battery_pct === null ? null : Number(x.battery_pct),
                temperature_c: x.temperature_c === null ? null : Number(x.temperature_c),
                clock_drift_ms: x.clock_drift_ms === null ? null : Number(x.clock_drift_ms),
                queue_depth: x.queue_depth === null ? null : Number(x.queue_depth),
                uptime_s: x.uptime_s === null ? null : Number(x.uptime_s)
              })
          )
        })
      )

    return {
      createEnrolmentCode,
      enrol,
      authenticate,
      verifyBeaconToken,
      presenceToken,
      submitProof,
      reportTelemetry,
      rotateKey,
      getBeacon,
      listBeacons,
      updateBeacon,
      revokeBeacon,
      telemetry
    } as const
  })
}) {}
