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
 * Composed from its seams (issue 14 §3): `Enrolment.ts`,
 * `Authentication.ts` (signed timestamps, key rotation), `Presence.ts`
 * (presence tokens and proofs), `Registry.ts` (administration, telemetry),
 * sharing `Kit.ts`, over the repository `Repo.ts`.
 *
 * @module
 */

import { Effect } from "effect"
import { makeAuthentication } from "./Authentication.js"
import { makeEnrolment } from "./Enrolment.js"
import { makeKit } from "./Kit.js"
import { makePresence } from "./Presence.js"
import { makeRegistry } from "./Registry.js"
import { BeaconRepo } from "./Repo.js"

export {
  BEACON_TOTP,
  type BeaconPrincipal,
  deviceBinding,
  PRESENCE_JTI_SCOPE,
  presenceTokenTtl
} from "./Kit.js"

/** The beacon service; see the module comment. */
export class Beacons extends Effect.Service<Beacons>()("Signet/Beacons", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    return {
      ...makeEnrolment(kit),
      ...makeAuthentication(kit),
      ...(yield* makePresence(kit)),
      ...makeRegistry(kit)
    } as const
  }),
  dependencies: [BeaconRepo.Default]
}) {}
