/**
 * Test support for beacons: a device key signing the way the agent does
 * (node:crypto here, @noble/curves in the agent; both standard), signed
 * authentication requests and presence proofs, as a beacon would send them.
 */
import * as Crypto from "node:crypto"
import { type BeaconAlg, BeaconProtocol, type PresenceProof } from "@signet/core"
import { Effect } from "effect"
import { generate } from "otplib"

/** The test clock's time in milliseconds. */
export const now = () => Effect.clockWith((c) => c.currentTimeMillis)

/** A fresh 128-bit nonce, base64url. */
export const nonce = () => Crypto.randomBytes(16).toString("base64url")

/** A device key pair of `alg`: its public JWK and a signer (base64url signatures). */
export const deviceKey = (alg: BeaconAlg = "ES256") => {
  const pair =
    alg === "ES256" ? Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }) : Crypto.generateKeyPairSync("ed25519")
  const jwk = pair.publicKey.export({ format: "jwk" }) as any
  return {
    alg,
    jwk: alg === "ES256" ? { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } : { kty: "OKP", crv: "Ed25519", x: jwk.x },
    sign: (message: Uint8Array) =>
      BeaconProtocol.b64url(
        alg === "ES256"
          ? Crypto.sign("sha256", message, { key: pair.privateKey, dsaEncoding: "ieee-p1363" })
          : Crypto.sign(null, message, pair.privateKey)
      )
  }
}

/** A device key as {@link deviceKey} returns it. */
export type DeviceKey = ReturnType<typeof deviceKey>

/**
 * A signed-timestamp authentication request of beacon `beaconId` of tenant
 * `tenant` at the test clock's time (TOTP from `secret`), with fields
 * overridden by `over` (a `totp` in `over` replaces the computed code).
 */
export const authRequest = (
  tenant: string,
  beaconId: string,
  secret: string,
  key: DeviceKey,
  over: Record<string, unknown> = {}
) =>
  Effect.gen(function* () {
    const t = yield* now()
    const fields = { tenant, beacon_id: beaconId, timestamp_ms: t, nonce: nonce(), ...over }
    const totp = yield* Effect.promise(() => generate({ secret, epoch: Math.floor(t / 1000) }))
    return {
      ...(fields as any),
      totp: (over.totp as string) ?? totp,
      signature: key.sign(BeaconProtocol.authMessage(fields as any))
    }
  })

/**
 * A builder of presence proofs of beacon `beaconId` in `classroomId`
 * signed with `key`: each proof takes the next counter and a fresh nonce;
 * `over` overrides fields before signing, a `signer` signs instead of `key`.
 */
export const proofBuilder = (beaconId: string, classroomId: string, key: DeviceKey) => {
  let counter = 0
  return (presenceToken: string, over: Partial<PresenceProof> = {}, signer: DeviceKey = key) =>
    Effect.gen(function* () {
      const fields = {
        beacon_id: beaconId,
        classroom_id: classroomId,
        course_id: null,
        presence_token: presenceToken,
        proof_type: "buzzLightyear",
        proof_time_ms: yield* now(),
        counter: ++counter,
        nonce: nonce(),
        ...over
      }
      return { ...fields, signature: signer.sign(BeaconProtocol.proofMessage(fields)) } as PresenceProof
    })
}
