/**
 * Handlers of the `beacon` (device) and `beacons` (tenant registry) groups,
 * and the `BeaconAuth` middleware that turns a beacon token into an
 * `AuthenticatedBeacon`. Registry reads need `beacons:read`, changes
 * `beacons:write`; presence tokens are for students' registered devices.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { AuthenticatedBeacon, BeaconAuth, Beacons, SignetApi } from "@signet/core"
import { Effect, Layer, Redacted } from "effect"
import { asPrincipal, currentUserId, requirePermission } from "../Auth.js"

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

const read = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  asPrincipal(Effect.zipRight(requirePermission("beacons:read"), self))
const write = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  asPrincipal(Effect.zipRight(requirePermission("beacons:write"), self))

/** Tenant endpoints under `/api/v1/tenants/{slug}/beacons…` and `…/me/presence-token`. */
export const BeaconsHttp = HttpApiBuilder.group(SignetApi, "beacons", (h) =>
  h
    .handle("createEnrolmentCode", ({ payload }) => write(Beacons.use((b) => b.createEnrolmentCode(payload))))
    .handle("listBeacons", ({ urlParams }) => read(Beacons.use((b) => b.listBeacons(urlParams))))
    .handle("getBeacon", ({ path }) => read(Beacons.use((b) => b.getBeacon(path.id))))
    .handle("updateBeacon", ({ path, payload }) => write(Beacons.use((b) => b.updateBeacon(path.id, payload))))
    .handle("revokeBeacon", ({ path }) => write(Beacons.use((b) => b.revokeBeacon(path.id))))
    .handle("beaconTelemetry", ({ path, urlParams }) => read(Beacons.use((b) => b.telemetry(path.id, urlParams))))
    .handle("presenceToken", ({ payload }) =>
      asPrincipal(
        Effect.flatMap(currentUserId, ({ userId }) =>
          Beacons.use((b) => b.presenceToken(userId, payload.device_identifier))
        )
      )
    )
)
