/**
 * Presence proofs (seed 004 Flow A; issue 6 §3): a beacon that saw a
 * student's presence token submits a signed proof; a proof that passes
 * every check becomes an `AttendanceCommand.CreateSignatureAttempt`
 * (method FLASHLIGHT for `buzzLightyear` proofs, else BEACON) — the beacon
 * never decides attendance.
 *
 * @module
 */
import { CourseId } from "@signet/contracts/academics/Domain"
import type { PresenceProof } from "@signet/contracts/beacon/Domain"
import { proofMessage } from "@signet/contracts/beacon/Protocol"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { UserId } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Option, Schema } from "effect"
import { systemPrincipal } from "../attendance/Attendance.js"
import { instant } from "../kernel/Sql.js"
import {
  asTenant,
  type BeaconPrincipal,
  beaconActor,
  deviceBinding,
  type Kit,
  PRESENCE_JTI_SCOPE,
  refused,
  sha256
} from "./Kit.js"
import type { PresenceClaims, PresenceTokens } from "./PresenceTokens.js"
import type { BeaconRow } from "./Repo.js"

const isUserId = Schema.is(UserId)
const isCourseId = Schema.is(CourseId)

/** Proof submission over the kit and the presence tokens' claims check; see the module comment. */
export const makeProofs = (
  { attendance, findBeacon, identity, inTx, keyOf, repo, verifySig, windowMs }: Kit,
  { presenceClaims }: Pick<PresenceTokens, "presenceClaims">
) => {
  /**
   * The beacon's own checks of a proof (beacon known, active, assigned to
   * the proof's classroom, signature, freshness, unused nonce, strictly
   * increasing counter), consuming its nonce and counter.
   * @errors ProofRefused
   */
  const consumeProof = (proof: PresenceProof, nowMs: number, window: number) =>
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
        return yield* refused("STALE_PROOF", `the proof time is more than ${window / 1000} s from the server's clock`)
      const digest = sha256(proof.signature)
      const prior = yield* repo.useNonce(b.id, `proof:${proof.nonce}`, digest, nowMs + 2 * window, nowMs)
      if (Option.isSome(prior))
        return yield* prior.value === digest
          ? refused("REPLAYED_PROOF", "this proof was already submitted")
          : refused("REUSED_NONCE", "this nonce was already used")
      if (!(yield* repo.advanceCounter(b.id, proof.counter, DateTime.unsafeMake(nowMs))))
        return yield* refused("COUNTER_REPLAY", `the counter must exceed ${b.last_counter}`)
      return b
    })

  /**
   * The student's side of a consumed proof: the device still registered to
   * the student, the token's course, the token unused (recorded tenant-wide
   * until it expires); then the signature attempt through attendance.
   * @errors ProofRefused, and attendance's errors
   */
  const signFor = (b: BeaconRow, proof: PresenceProof, claims: PresenceClaims, nowMs: number, window: number) =>
    Effect.gen(function* () {
      const studentId = claims.sub
      if (!isUserId(studentId)) return yield* refused("PRESENCE_TOKEN_INVALID", "the presence token names no student")
      const user = yield* Effect.option(identity.get(studentId))
      if (Option.isNone(user) || !user.value.devices.some((d) => deviceBinding(d) === claims.dev))
        return yield* refused("DEVICE_NOT_REGISTERED", "the student's device is no longer registered")
      const boundCourse = isCourseId(claims.crs) ? claims.crs : null
      if (boundCourse !== null && proof.course_id && proof.course_id !== boundCourse)
        return yield* refused("PRESENCE_TOKEN_WRONG_COURSE", "the presence token was issued for another course")
      // One token, one signature, however it travelled.
      const jti = typeof claims.jti === "string" ? claims.jti : null
      if (jti === null) return yield* refused("PRESENCE_TOKEN_INVALID", "the presence token has no id")
      const expMs = typeof claims.exp === "number" ? claims.exp * 1000 : nowMs + 2 * window
      const used = yield* repo.useNonce(PRESENCE_JTI_SCOPE, `presence:${jti}`, studentId, expMs + 60_000, nowMs)
      if (Option.isSome(used))
        return yield* refused("PRESENCE_TOKEN_REPLAYED", "this presence token was already used: ask for a new one")
      const courseId = proof.course_id || boundCourse
      return yield* attendance
        .createSignatureAttempt(
          {
            method: proof.proof_type === "buzzLightyear" ? "FLASHLIGHT" : "BEACON",
            student_id: studentId,
            ...(courseId ? { course_id: courseId } : {}),
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

  /**
   * `POST /api/v1/beacon/proofs` (Flow A): checks the proof, then submits
   * it to attendance as `CreateSignatureAttempt` and answers attendance's
   * result.
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
      const tid = principal.tenant.id
      const nowMs = yield* Clock.currentTimeMillis
      const window = yield* windowMs(tid)
      const presence = yield* Effect.either(presenceClaims(proof.presence_token, tid))
      const outcome = yield* inTx(
        Effect.gen(function* () {
          const b = yield* consumeProof(proof, nowMs, window)
          // The proof is consumed: what follows fails as a value, so the transaction commits.
          return yield* Effect.either(Effect.flatMap(presence, (claims) => signFor(b, proof, claims, nowMs, window)))
        })
      ).pipe(asTenant(principal.tenant))
      return yield* outcome
    })

  return { submitProof } as const
}
