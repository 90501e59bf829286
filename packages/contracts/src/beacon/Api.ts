/**
 * REST contract of the beacon module (seed 004 prefixes `/beacon/*`; issue 6).
 *
 * - `beacon` — the device side: enrolment with a one-time code, beacon
 *   authentication by signed timestamp, and, with a beacon token
 *   (`BeaconAuth`), presence proofs, telemetry and key rotation.
 * - `beacons` — the tenant side: enrolment codes, the registry, revocation,
 *   telemetry (`beacons:read` / `beacons:write`), and students' presence
 *   tokens (`POST …/me/presence-token`).
 *
 * @module
 */
import {
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "@effect/platform"
import { Context, Schema } from "effect"
import { ClassroomId } from "../academics/Domain.js"
import { AttendanceNotFound, SignatureAttemptResult } from "../attendance/Domain.js"
import type { TenantId } from "../kernel/Context.js"
import { Conflict, Forbidden, QuotaExceeded, ValidationError } from "../kernel/Errors.js"
import { Page, PageParams } from "../kernel/Pagination.js"
import { UserAuth } from "../kernel/Security.js"
import {
  Beacon,
  BeaconAuthFailed,
  BeaconAuthRequest,
  BeaconId,
  BeaconNotFound,
  BeaconToken,
  CreateEnrolmentCode,
  EnrolBeacon,
  Enrolled,
  EnrolmentCode,
  EnrolmentRefused,
  PresenceProof,
  PresenceToken,
  PresenceTokenRequest,
  ProofRefused,
  RotateBeaconKey,
  TelemetryReport,
  TelemetrySample,
  UpdateBeacon
} from "./Domain.js"

/** The beacon a verified beacon token stands for (provided by {@link BeaconAuth}). */
export class AuthenticatedBeacon extends Context.Tag("Signet/AuthenticatedBeacon")<
  AuthenticatedBeacon,
  { readonly tenant: { readonly id: TenantId; readonly slug: string }; readonly beaconId: BeaconId }
>() {}

/**
 * Beacon token authentication (`Authorization: Bearer <beacon token>`,
 * `typ: signet-beacon+jwt`): the token's beacon must still exist and not be
 * revoked. Failure: 401 {@link BeaconAuthFailed}.
 */
export class BeaconAuth extends HttpApiMiddleware.Tag<BeaconAuth>()("Signet/BeaconAuth", {
  failure: BeaconAuthFailed,
  provides: AuthenticatedBeacon,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", BeaconId)

/** `beacon` group: what devices call. */
export class BeaconDeviceApi extends HttpApiGroup.make("beacon")
  .add(
    HttpApiEndpoint.post("enrol")`/api/v1/beacon/enroll`
      .setPayload(EnrolBeacon)
      .addSuccess(Enrolled, { status: 201 })
      .addError(EnrolmentRefused)
      .addError(QuotaExceeded)
      .annotate(OpenApi.Summary, "Enrol a beacon: its public key and a one-time code (answers the TOTP secret once)")
  )
  .add(
    HttpApiEndpoint.post("authenticate")`/api/v1/beacon/auth/token`
      .setPayload(BeaconAuthRequest)
      .addSuccess(BeaconToken)
      .addError(BeaconAuthFailed)
      .annotate(OpenApi.Summary, "Beacon authentication by signed timestamp (±30 s), nonce and TOTP")
  )
  .add(
    HttpApiEndpoint.post("submitProof")`/api/v1/beacon/proofs`
      .setPayload(PresenceProof)
      .addSuccess(SignatureAttemptResult)
      .addError(ProofRefused)
      .addError(QuotaExceeded)
      .addError(AttendanceNotFound)
      .addError(Forbidden)
      .addError(Conflict)
      .middleware(BeaconAuth)
      .annotate(
        OpenApi.Summary,
        "Submit a signed presence proof (Flow A): checked here, then decided by attendance (CreateSignatureAttempt)"
      )
  )
  .add(
    HttpApiEndpoint.post("reportTelemetry")`/api/v1/beacon/telemetry`
      .setPayload(TelemetryReport)
      .addSuccess(Schema.Struct({ received_at: Schema.DateTimeUtc }))
      .middleware(BeaconAuth)
  )
  .add(
    HttpApiEndpoint.post("rotateKey")`/api/v1/beacon/keys/rotate`
      .setPayload(RotateBeaconKey)
      .addSuccess(Beacon)
      .addError(BeaconAuthFailed)
      .middleware(BeaconAuth)
      .annotate(OpenApi.Summary, "Replace the beacon's key (signed by the old key and the new one)")
  )
  .addError(ValidationError)
  .annotate(OpenApi.Title, "Beacon devices")
  .annotate(
    OpenApi.Description,
    "Enrolment, authentication, proofs, telemetry and key rotation of classroom beacons."
  ) {}

/** `beacons` group: the tenant's registry. */
export class BeaconsApi extends HttpApiGroup.make("beacons")
  .add(
    HttpApiEndpoint.post("createEnrolmentCode")`/api/v1/tenants/${slug}/beacons/enrolment-codes`
      .setPayload(CreateEnrolmentCode)
      .addSuccess(EnrolmentCode, { status: 201 })
      .addError(QuotaExceeded)
      .annotate(OpenApi.Summary, "A one-time enrolment code for a new beacon (beacons:write)")
  )
  .add(
    HttpApiEndpoint.get("listBeacons")`/api/v1/tenants/${slug}/beacons`
      .setUrlParams(Schema.Struct({ ...PageParams.fields, classroom_id: Schema.optional(ClassroomId) }))
      .addSuccess(Page(Beacon))
  )
  .add(HttpApiEndpoint.get("getBeacon")`/api/v1/tenants/${slug}/beacons/${id}`.addSuccess(Beacon))
  .add(
    HttpApiEndpoint.patch("updateBeacon")`/api/v1/tenants/${slug}/beacons/${id}`
      .setPayload(UpdateBeacon)
      .addSuccess(Beacon)
  )
  .add(HttpApiEndpoint.post("revokeBeacon")`/api/v1/tenants/${slug}/beacons/${id}/revoke`.addSuccess(Beacon))
  .add(
    HttpApiEndpoint.get("beaconTelemetry")`/api/v1/tenants/${slug}/beacons/${id}/telemetry`
      .setUrlParams(
        Schema.Struct({
          limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000)))
        })
      )
      .addSuccess(Schema.Array(TelemetrySample))
  )
  .add(
    HttpApiEndpoint.post("presenceToken")`/api/v1/tenants/${slug}/me/presence-token`
      .setPayload(PresenceTokenRequest)
      .addSuccess(PresenceToken)
      .annotate(OpenApi.Summary, "A student's short-lived presence token for a registered device, to show a beacon")
      .annotate(
        OpenApi.Description,
        "Single use, 30 s by default; bound to the student, the device and, with course_id, one course."
      )
  )
  .addError(BeaconNotFound)
  .addError(ValidationError)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Beacons")
  .annotate(OpenApi.Description, "The tenant's classroom beacons: enrolment codes, registry, revocation, telemetry.") {}
