/**
 * Beacon domain (seed 004 "beacon" ownership and "Beacon responsibilities";
 * issue 6): the registry of classroom beacons, enrolment codes, beacon and
 * presence tokens, presence proofs, telemetry, and the reasons a beacon
 * request is refused.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { ClassroomId, CourseId } from "../academics/Domain.js"
import { strictStruct } from "../tenancy/Domain.js"

/** Branded beacon id (UUID; `beacons.id`, the `sub` of a beacon token). */
export const BeaconId = Schema.UUID.pipe(Schema.brand("BeaconId"), Schema.annotations({ identifier: "BeaconId" }))
/** @see BeaconId */
export type BeaconId = typeof BeaconId.Type

/** Branded enrolment-code id (UUID; `beacon_enrolment_codes.id`, never shown: the code itself is the credential). */
export const EnrolmentCodeId = Schema.UUID.pipe(
  Schema.brand("EnrolmentCodeId"),
  Schema.annotations({ identifier: "EnrolmentCodeId" })
)
/** @see EnrolmentCodeId */
export type EnrolmentCodeId = typeof EnrolmentCodeId.Type

/** Signature algorithm of a beacon key. */
export const BeaconAlg = Schema.Literal("ES256", "EdDSA").annotations({ identifier: "BeaconAlg" })
/** @see BeaconAlg */
export type BeaconAlg = typeof BeaconAlg.Type

/** A beacon's public key as a JWK (P-256 for ES256, Ed25519 for EdDSA). */
export const BeaconJwk = Schema.Union(
  Schema.Struct({
    kty: Schema.Literal("EC"),
    crv: Schema.Literal("P-256"),
    x: Schema.String.pipe(Schema.maxLength(64)),
    y: Schema.String.pipe(Schema.maxLength(64))
  }),
  Schema.Struct({
    kty: Schema.Literal("OKP"),
    crv: Schema.Literal("Ed25519"),
    x: Schema.String.pipe(Schema.maxLength(64))
  })
).annotations({ identifier: "BeaconJwk" })
/** @see BeaconJwk */
export type BeaconJwk = typeof BeaconJwk.Type

/** Lifecycle: `provisioned` (enrolled, never authenticated), `active`, `revoked`. */
export const BeaconStatus = Schema.Literal("provisioned", "active", "revoked")

/** A registered beacon (instants ISO-8601 UTC on the wire, `DateTime.Utc` in memory). */
export class Beacon extends Schema.Class<Beacon>("Beacon")({
  id: BeaconId,
  name: Schema.NullOr(Schema.String),
  classroom_id: Schema.NullOr(ClassroomId),
  alg: BeaconAlg,
  public_jwk: Schema.Unknown,
  firmware_version: Schema.NullOr(Schema.String),
  status: BeaconStatus,
  last_counter: Schema.Number,
  last_seen_at: Schema.NullOr(Schema.DateTimeUtc),
  clock_drift_ms: Schema.NullOr(Schema.Number),
  key_rotated_at: Schema.NullOr(Schema.DateTimeUtc),
  created_at: Schema.DateTimeUtc,
  revoked_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** Body of `POST …/beacons/enrolment-codes`. */
export const CreateEnrolmentCode = strictStruct("CreateEnrolmentCode", {
  classroom_id: Schema.optional(ClassroomId),
  name: Schema.optional(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))),
  expires_in_minutes: Schema.optional(Schema.Int.pipe(Schema.between(5, 10_080))).annotations({
    description: "Default 1440 (a day)"
  })
})
/** @see CreateEnrolmentCode */
export type CreateEnrolmentCode = typeof CreateEnrolmentCode.Type

/** A one-time enrolment code (shown once). */
export class EnrolmentCode extends Schema.Class<EnrolmentCode>("EnrolmentCode")({
  code: Schema.String.annotations({ description: "`<tenant>.<secret>`: give it to `signet-beacon enroll`" }),
  classroom_id: Schema.NullOr(ClassroomId),
  expires_at: Schema.DateTimeUtc
}) {}

/** Body of `POST /api/v1/beacon/enroll` (the code is the credential). */
export const EnrolBeacon = strictStruct("EnrolBeacon", {
  code: Schema.String.pipe(Schema.maxLength(200)),
  alg: BeaconAlg,
  public_jwk: BeaconJwk,
  firmware_version: Schema.optional(Schema.String.pipe(Schema.maxLength(64)))
})
/** @see EnrolBeacon */
export type EnrolBeacon = typeof EnrolBeacon.Type

/** What an enrolled agent keeps (the TOTP secret is shown this once). */
export class Enrolled extends Schema.Class<Enrolled>("Enrolled")({
  beacon_id: BeaconId,
  tenant: Schema.String,
  classroom_id: Schema.NullOr(ClassroomId),
  totp_secret: Schema.String.annotations({ description: "Base32 RFC 6238 secret (SHA-1, 6 digits, 30 s)" }),
  server_time_ms: Schema.Number
}) {}

/** Body of `POST /api/v1/beacon/auth/token`: a signed timestamp (see `Protocol.authMessage`). */
export const BeaconAuthRequest = strictStruct("BeaconAuthRequest", {
  tenant: Schema.String.pipe(Schema.maxLength(63)),
  beacon_id: BeaconId,
  timestamp_ms: Schema.Int,
  nonce: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9_-]{16,64}$/, { message: () => "must be 16-64 base64url characters" })
  ),
  totp: Schema.String.pipe(Schema.pattern(/^\d{6}$/, { message: () => "must be the 6-digit TOTP code" })),
  signature: Schema.String.pipe(Schema.maxLength(200))
})
/** @see BeaconAuthRequest */
export type BeaconAuthRequest = typeof BeaconAuthRequest.Type

/** A beacon token (`typ: signet-beacon+jwt`, audience `signet-beacon`). */
export class BeaconToken extends Schema.Class<BeaconToken>("BeaconToken")({
  token: Schema.String,
  expires_in: Schema.Number,
  server_time_ms: Schema.Number.annotations({ description: "For the agent's clock-drift measurement" })
}) {}

/** Body of `POST /api/v1/beacon/proofs` (see `Protocol.proofMessage`). */
export const PresenceProof = strictStruct("PresenceProof", {
  beacon_id: BeaconId,
  classroom_id: ClassroomId,
  course_id: Schema.optional(Schema.NullOr(CourseId)),
  presence_token: Schema.String.pipe(Schema.maxLength(2048)),
  proof_type: Schema.String.pipe(Schema.pattern(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/)),
  proof_time_ms: Schema.Int,
  counter: Schema.Int.pipe(Schema.between(0, Number.MAX_SAFE_INTEGER)),
  nonce: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9_-]{16,64}$/, { message: () => "must be 16-64 base64url characters" })
  ),
  signature: Schema.String.pipe(Schema.maxLength(200))
})
/** @see PresenceProof */
export type PresenceProof = typeof PresenceProof.Type

/** Body of `POST /api/v1/beacon/telemetry`. */
export const TelemetryReport = strictStruct("TelemetryReport", {
  battery_pct: Schema.optional(Schema.Number.pipe(Schema.between(0, 100))),
  temperature_c: Schema.optional(Schema.Number.pipe(Schema.between(-60, 150))),
  clock_drift_ms: Schema.optional(Schema.Int.pipe(Schema.between(-86_400_000, 86_400_000))),
  queue_depth: Schema.optional(Schema.Int.pipe(Schema.between(0, 10_000_000))),
  uptime_s: Schema.optional(Schema.Int.pipe(Schema.between(0, 10 ** 10))),
  firmware_version: Schema.optional(Schema.String.pipe(Schema.maxLength(64)))
})
/** @see TelemetryReport */
export type TelemetryReport = typeof TelemetryReport.Type

/** One telemetry sample (`at`: when the server received it). */
export class TelemetrySample extends Schema.Class<TelemetrySample>("TelemetrySample")({
  at: Schema.DateTimeUtc,
  battery_pct: Schema.NullOr(Schema.Number),
  temperature_c: Schema.NullOr(Schema.Number),
  clock_drift_ms: Schema.NullOr(Schema.Number),
  queue_depth: Schema.NullOr(Schema.Number),
  uptime_s: Schema.NullOr(Schema.Number)
}) {}

/** Body of `POST /api/v1/beacon/keys/rotate`: the new key, signed by the old key and by itself. */
export const RotateBeaconKey = strictStruct("RotateBeaconKey", {
  alg: BeaconAlg,
  public_jwk: BeaconJwk,
  old_key_signature: Schema.String.pipe(Schema.maxLength(200)),
  new_key_signature: Schema.String.pipe(Schema.maxLength(200))
})
/** @see RotateBeaconKey */
export type RotateBeaconKey = typeof RotateBeaconKey.Type

/** Body of `PATCH …/beacons/{id}`. */
export const UpdateBeacon = strictStruct("UpdateBeacon", {
  name: Schema.optional(Schema.NullOr(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100)))),
  classroom_id: Schema.optional(Schema.NullOr(ClassroomId))
})
/** @see UpdateBeacon */
export type UpdateBeacon = typeof UpdateBeacon.Type

/** Body of `POST …/me/presence-token`. */
export const PresenceTokenRequest = strictStruct("PresenceTokenRequest", {
  device_identifier: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  course_id: Schema.optional(
    CourseId.annotations({
      description:
        "Binds the token to this course (one the student is enrolled in): a proof of another course is refused"
    })
  )
})

/**
 * A student's presence token (issue 15 §3): short-lived (`expires_in`
 * seconds, 30 by default, `SIGNET_PRESENCE_TOKEN_TTL_SECONDS`), single use
 * (a second proof carrying it is refused `PRESENCE_TOKEN_REPLAYED`), bound to
 * the student who asked for it, the device it was issued to and, when asked,
 * one course.
 */
export class PresenceToken extends Schema.Class<PresenceToken>("PresenceToken")({
  token: Schema.String,
  expires_in: Schema.Number
}) {}

/** Why a beacon's authentication failed. */
export const BeaconAuthReason = Schema.Literal(
  "UNKNOWN_BEACON",
  "BEACON_REVOKED",
  "BAD_SIGNATURE",
  "STALE_TIMESTAMP",
  "REUSED_NONCE",
  "BAD_TOTP"
)

/** 401 — the beacon could not authenticate (`reason_code` says why). */
export class BeaconAuthFailed extends Schema.TaggedError<BeaconAuthFailed>()(
  "BeaconAuthFailed",
  { message: Schema.String, reason_code: BeaconAuthReason },
  HttpApiSchema.annotations({ status: 401, description: "Beacon authentication failed" })
) {}

/** Why a presence proof was refused before it reached attendance. */
export const ProofRefusalReason = Schema.Literal(
  "BEACON_MISMATCH",
  "UNKNOWN_BEACON",
  "BEACON_REVOKED",
  "BEACON_NOT_ASSIGNED",
  "CLASSROOM_MISMATCH",
  "BAD_SIGNATURE",
  "STALE_PROOF",
  "REPLAYED_PROOF",
  "REUSED_NONCE",
  "COUNTER_REPLAY",
  "PRESENCE_TOKEN_INVALID",
  "PRESENCE_TOKEN_EXPIRED",
  "PRESENCE_TOKEN_OTHER_TENANT",
  "PRESENCE_TOKEN_REPLAYED",
  "PRESENCE_TOKEN_WRONG_COURSE",
  "DEVICE_NOT_REGISTERED"
).annotations({ identifier: "ProofRefusalReason" })
/** @see ProofRefusalReason */
export type ProofRefusalReason = typeof ProofRefusalReason.Type

/** 422 — a presence proof was refused (`reason_code` says why); nothing reached attendance. */
export class ProofRefused extends Schema.TaggedError<ProofRefused>()(
  "ProofRefused",
  { message: Schema.String, reason_code: ProofRefusalReason },
  HttpApiSchema.annotations({ status: 422, description: "Presence proof refused" })
) {}

/** 401 — an enrolment code that is unknown, used or expired. */
export class EnrolmentRefused extends Schema.TaggedError<EnrolmentRefused>()(
  "EnrolmentRefused",
  { message: Schema.String, reason_code: Schema.Literal("INVALID_CODE", "USED_CODE", "EXPIRED_CODE") },
  HttpApiSchema.annotations({ status: 401, description: "Enrolment code refused" })
) {}

/** 404 — no such beacon in the caller's tenant. */
export class BeaconNotFound extends Schema.TaggedError<BeaconNotFound>()(
  "BeaconNotFound",
  { message: Schema.String, id: BeaconId },
  HttpApiSchema.annotations({ status: 404, description: "No such beacon" })
) {}
