/**
 * Handlers of the `beacon` (device) and `beacons` (tenant registry) groups,
 * and the `BeaconAuth` middleware that turns a beacon token into an
 * `AuthenticatedBeacon`. Registry reads need `beacons:read`, changes
 * `beacons:write`; presence tokens are for students' registered devices.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { AuthenticatedBeacon, BeaconAdmin as B, BeaconAuth, Beacons, policyUse, SignetApi } from "@signet/core"
import { Effect, Layer, Redacted } from "effect"
import { asPrincipal } from "../Auth.js"

/** `BeaconAuth`: a beacon token of a beacon that still exists and is not revoked. */
export const BeaconAuthLive = Layer.effect(
  BeaconAuth,
  Effect.map(Beacons, (beacons) => ({
    bearer: (token: Redacted.Redacted<string>) => beacons.verifyBeaconToken(Redacted.value(token))
  }))
)

/** Device endpoints under `/api/v1/beacon/…`. */
export const BeaconDeviceHttp = HttpApiBuilder.group(SignetApi, "beacon", (h) =>
  h
    .handle("enrol", ({ payload }) => Beacons.use((b) => b.enrol(payload)))
    .handle("authenticate", ({ payload }) => Beacons.use((b) => b.authenticate(payload)))
    .handle("submitProof", ({ payload }) =>
      Effect.flatMap(AuthenticatedBeacon, (p) => Beacons.use((b) => b.submitProof(p, payload)))
    )
    .handle("reportTelemetry", ({ payload }) =>
      Effect.flatMap(AuthenticatedBeacon, (p) => Beacons.use((b) => b.reportTelemetry(p, payload)))
    )
    .handle("rotateKey", ({ payload }) =>
      Effect.flatMap(AuthenticatedBeacon, (p) => Beacons.use((b) => b.rotateKey(p, payload)))
    )
)

const read = policyUse("beacons:read")
const write = policyUse("beacons:write")

/** Tenant endpoints under `/api/v1/tenants/{slug}/beacons…` and `…/me/presence-token`, over `BeaconAdmin` (core). */
export const BeaconsHttp = HttpApiBuilder.group(SignetApi, "beacons", (h) =>
  h
    .handle("createEnrolmentCode", ({ payload }) => asPrincipal(B.createEnrolmentCode(payload).pipe(write)))
    .handle("listBeacons", ({ urlParams }) => asPrincipal(B.listBeacons(urlParams).pipe(read)))
    .handle("getBeacon", ({ path }) => asPrincipal(B.getBeacon(path.id).pipe(read)))
    .handle("updateBeacon", ({ path, payload }) => asPrincipal(B.updateBeacon(path.id, payload).pipe(write)))
    .handle("revokeBeacon", ({ path }) => asPrincipal(B.revokeBeacon(path.id).pipe(write)))
    .handle("beaconTelemetry", ({ path, urlParams }) => asPrincipal(B.telemetry(path.id, urlParams).pipe(read)))
    .handle("presenceToken", ({ payload }) =>
      asPrincipal(B.presenceToken(payload.device_identifier, payload.course_id))
    )
)
