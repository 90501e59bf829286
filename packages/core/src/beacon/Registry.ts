/**
 * The beacon registry (seed 004 "Beacon responsibilities"; issue 6 §5):
 * administrators list, rename, reassign and revoke beacons and read their
 * telemetry; beacons report telemetry samples, kept for the tenant's
 * `beacon.telemetry_retention_days`.
 *
 * @module
 */
import type { ClassroomId } from "@signet/contracts/academics/Domain"
import type { BeaconId, TelemetryReport, UpdateBeacon } from "@signet/contracts/beacon/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { DEFAULT_LIMIT, decodeCursor, toPage } from "@signet/contracts/kernel/Pagination"
import { DateTime, Effect } from "effect"
import { asTenant, type BeaconPrincipal, type Kit } from "./Kit.js"
import { present } from "./Repo.js"

/** Telemetry samples answered by default. */
const TELEMETRY_LIMIT = 100

/** The registry over the kit; see the module comment. */
export const makeRegistry = ({ academics, audit, events, getRow, inTx, repo, tenancy }: Kit) => {
  /** Fails unless the classroom exists in the current tenant. @errors ValidationError */
  const requireClassroom = (id: ClassroomId) =>
    academics
      .getClassroom(id)
      .pipe(Effect.catchTag("AcademicsNotFound", () => ValidationError.field("classroom_id", "no such classroom")))

  /** One beacon. @errors BeaconNotFound */
  const getBeacon = (id: BeaconId) => inTx(Effect.map(getRow(id), present))

  /** Beacons of the tenant (by id, cursor pagination), optionally of one classroom. @errors ValidationError (cursor) */
  const listBeacons = (params: {
    readonly classroom_id?: ClassroomId | undefined
    readonly cursor?: string | undefined
    readonly limit?: number | undefined
  }) =>
    inTx(
      Effect.gen(function* () {
        const limit = params.limit ?? DEFAULT_LIMIT
        const after = yield* decodeCursor(params.cursor)
        const rows = yield* repo.list({
          classroomId: params.classroom_id,
          ...(after ? { after } : {}),
          limit: limit + 1
        })
        return toPage(rows.map(present), limit)
      })
    )

  /** Renames or (re)assigns a beacon. @errors BeaconNotFound, ValidationError (no such classroom) */
  const updateBeacon = (id: BeaconId, patch: UpdateBeacon) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* getRow(id)
        if (patch.classroom_id) yield* requireClassroom(patch.classroom_id)
        const after = {
          ...before,
          name: patch.name === undefined ? before.name : patch.name,
          classroom_id: patch.classroom_id === undefined ? before.classroom_id : patch.classroom_id
        }
        yield* repo.assign(id, after.name, after.classroom_id)
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
  const revokeBeacon = (id: BeaconId) =>
    inTx(
      Effect.gen(function* () {
        const before = yield* getRow(id)
        const at = yield* DateTime.now
        yield* repo.revoke(id, at)
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

  /** A beacon's telemetry, newest first (100 samples by default). @errors BeaconNotFound */
  const telemetry = (id: BeaconId, params: { readonly limit?: number | undefined } = {}) =>
    inTx(Effect.zipRight(getRow(id), repo.telemetry(id, params.limit ?? TELEMETRY_LIMIT)))

  /** `POST /api/v1/beacon/telemetry`: one sample; prunes samples past the tenant's retention. */
  const reportTelemetry = (principal: BeaconPrincipal, t: TelemetryReport) =>
    inTx(
      Effect.gen(function* () {
        const now = yield* DateTime.now
        const retention = yield* tenancy.settingValue<number>(principal.tenant.id, "beacon.telemetry_retention_days")
        yield* repo.recordTelemetry(principal.beaconId, t, now, DateTime.subtract(now, { days: retention }))
        return { received_at: now }
      })
    ).pipe(asTenant(principal.tenant))

  return { getBeacon, listBeacons, updateBeacon, revokeBeacon, telemetry, reportTelemetry } as const
}
