/**
 * The beacon registry facade (tenant side): each operation carries its
 * permission in its type (`beacons:read` / `beacons:write`), and a student's
 * presence token is issued for the verified acting user only (issue 14
 * "core is the security boundary"). The device side (enrol, authenticate,
 * proofs, telemetry, key rotation) stays on `Beacons`: those operations
 * authenticate the device themselves.
 *
 * @module
 */
import type { CourseId } from "@signet/contracts/academics/Domain"
import type { BeaconId, CreateEnrolmentCode, UpdateBeacon } from "@signet/contracts/beacon/Domain"
import { UserId } from "@signet/contracts/kernel/Ids"
import { type Context, Effect } from "effect"
import { policyRequire } from "../access/Policy.js"
import { currentUser } from "../kernel/Principal.js"
import { Beacons } from "./Beacons.js"

type Svc = Context.Tag.Service<typeof Beacons>
const read = policyRequire("beacons", "read")
const write = policyRequire("beacons", "write")

/** Beacon registry operations; see the module comment for their permissions. */
export const BeaconAdmin = {
  /** A one-time enrolment code for `signet-beacon enroll`. */
  createEnrolmentCode: (input: CreateEnrolmentCode) => write(Beacons.use((b) => b.createEnrolmentCode(input))),
  listBeacons: (params: Parameters<Svc["listBeacons"]>[0]) => read(Beacons.use((b) => b.listBeacons(params))),
  getBeacon: (id: BeaconId) => read(Beacons.use((b) => b.getBeacon(id))),
  updateBeacon: (id: BeaconId, patch: UpdateBeacon) => write(Beacons.use((b) => b.updateBeacon(id, patch))),
  revokeBeacon: (id: BeaconId) => write(Beacons.use((b) => b.revokeBeacon(id))),
  telemetry: (id: BeaconId, params: Parameters<Svc["telemetry"]>[1]) =>
    read(Beacons.use((b) => b.telemetry(id, params))),
  /**
   * A presence token for one of the acting student's registered devices,
   * optionally bound to one course they are enrolled in (issue 15 §3).
   * @errors Forbidden (not a user token), ValidationError (course), and the service's own errors (not a student, unknown device)
   */
  presenceToken: (deviceIdentifier: string, courseId?: CourseId) =>
    Effect.flatMap(currentUser, ({ userId }) =>
      Beacons.use((b) => b.presenceToken(UserId.make(userId), deviceIdentifier, courseId))
    )
} as const
