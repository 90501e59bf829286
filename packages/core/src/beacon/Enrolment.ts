/**
 * Beacon enrolment (seed 004 "Beacon responsibilities"; issue 6 §1): an
 * administrator creates a one-time code (stored hashed), the agent
 * registers its public key with it and receives its id and TOTP secret.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import {
  BeaconId,
  type CreateEnrolmentCode,
  type EnrolBeacon,
  Enrolled,
  EnrolmentCode,
  EnrolmentCodeId,
  EnrolmentRefused
} from "@signet/contracts/beacon/Domain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Either, Option } from "effect"
import { generateSecret } from "otplib"
import { asTenant, beaconActor, type Kit, sha256 } from "./Kit.js"
import { beaconTotpColumn } from "./Migrations.js"
import { importBeaconKey } from "./Verify.js"

/** Default lifetime of an enrolment code (minutes): one day. */
const CODE_MINUTES = 1440

/** The enrolment operations over the kit; see the module comment. */
export const makeEnrolment = ({ academics, audit, envelope, events, inTx, quotas, repo, tenancy }: Kit) => {
  /** The plan admits one more beacon (`beacons.max`, issue 20). @errors QuotaExceeded */
  const admitBeacon = quotas.admit("beacons.max", 1, repo.countLive)

  /**
   * Creates a one-time enrolment code (`<tenant>.<secret>`, stored hashed),
   * optionally for a classroom. Refused when the plan's `beacons.max` is
   * already reached (the enrolment checks again).
   * @errors ValidationError (no such classroom), QuotaExceeded (402)
   */
  const createEnrolmentCode = (input: CreateEnrolmentCode) =>
    inTx(
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        yield* admitBeacon
        if (input.classroom_id !== undefined) {
          yield* academics
            .getClassroom(input.classroom_id)
            .pipe(
              Effect.catchTag("AcademicsNotFound", () => ValidationError.field("classroom_id", "no such classroom"))
            )
        }
        const code = `${tenant.slug}.${Crypto.randomBytes(20).toString("base64url")}`
        const expiresAt = DateTime.add(yield* DateTime.now, { minutes: input.expires_in_minutes ?? CODE_MINUTES })
        const actor = yield* CurrentActor
        yield* repo.insertEnrolmentCode({
          id: yield* newId(EnrolmentCodeId),
          codeHash: sha256(code),
          classroomId: input.classroom_id ?? null,
          name: input.name ?? null,
          createdBy: actor.id ?? null,
          expiresAt
        })
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
   * @errors EnrolmentRefused (unknown, used or expired code), ValidationError (key does not match the algorithm), QuotaExceeded (402, the plan's `beacons.max`; the code stays unused)
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
          const found = yield* repo.findEnrolmentCode(sha256(input.code))
          if (Option.isNone(found)) return yield* invalid
          const code = found.value
          if (code.used_at)
            return yield* new EnrolmentRefused({ reason_code: "USED_CODE", message: "this code was already used" })
          const nowMs = yield* Clock.currentTimeMillis
          const now = DateTime.unsafeMake(nowMs)
          if (DateTime.lessThan(code.expires_at, now))
            return yield* new EnrolmentRefused({ reason_code: "EXPIRED_CODE", message: "this code has expired" })
          yield* admitBeacon
          const id = yield* newId(BeaconId)
          const totp = generateSecret({ length: 20 })
          yield* repo.insert({
            id,
            name: code.name,
            classroom_id: code.classroom_id,
            alg: input.alg,
            public_jwk: input.public_jwk,
            totp_secret_enc: yield* envelope.encrypt(totp, beaconTotpColumn.aad({ tenant_id: tenant.id, id })),
            firmware_version: input.firmware_version ?? null,
            status: "provisioned",
            last_counter: -1, // the column default: any first counter (≥ 0) advances it
            last_seen_at: null,
            clock_drift_ms: null,
            key_rotated_at: null,
            created_at: now,
            revoked_at: null
          })
          yield* repo.useEnrolmentCode(code.id, id, now)
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

  return { createEnrolmentCode, enrol } as const
}
