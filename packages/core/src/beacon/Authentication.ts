/**
 * Beacon authentication by signed timestamp (seed 004 "Beacon
 * responsibilities"; issue 6 §2) and key rotation: a beacon proves its key
 * (signature over the request), its clock (timestamp within the tenant's
 * proof window), its TOTP secret and a fresh nonce, and receives a beacon
 * token; a rotation is signed by the current key and by the new one.
 *
 * @module
 */
import { type BeaconAuthRequest, BeaconId, BeaconToken, type RotateBeaconKey } from "@signet/contracts/beacon/Domain"
import { authMessage, rotateMessage } from "@signet/contracts/beacon/Protocol"
import { CurrentActor, TenantId } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect, Either, Option, Redacted, Schema } from "effect"
import { verify as verifyTotp } from "otplib"
import { asTenant, authFailed, BEACON_TOTP, type BeaconPrincipal, beaconActor, type Kit } from "./Kit.js"
import { beaconTotpColumn } from "./Migrations.js"
import { present } from "./Repo.js"
import { importBeaconKey } from "./Verify.js"

/** Whether a token's `sub` is a beacon id. */
const isBeaconId = Schema.is(BeaconId)

/** Authentication and key rotation over the kit; see the module comment. */
export const makeAuthentication = ({
  audit,
  envelope,
  findBeacon,
  inTx,
  keyOf,
  keys,
  repo,
  tenancy,
  verifySig,
  windowMs
}: Kit) => {
  /** Whether `code` is the beacon's TOTP at `nowMs` (±1 step). */
  const totpValid = (secret: Redacted.Redacted<string>, code: string, nowMs: number) =>
    Effect.promise(() =>
      verifyTotp({
        secret: Redacted.value(secret),
        token: code,
        epoch: Math.floor(nowMs / 1000),
        period: BEACON_TOTP.period,
        epochTolerance: BEACON_TOTP.toleranceSteps * BEACON_TOTP.period
      })
        .then((r) => r.valid)
        .catch(() => false)
    )

  /**
   * `POST /api/v1/beacon/auth/token`: verifies the signed timestamp (the
   * signature first, then the timestamp within the proof window, the TOTP
   * code, and that the nonce is unused) and answers a beacon token.
   * @errors BeaconAuthFailed (reason_code: UNKNOWN_BEACON, BEACON_REVOKED, BAD_SIGNATURE, STALE_TIMESTAMP, BAD_TOTP, REUSED_NONCE)
   */
  const authenticate = (req: BeaconAuthRequest) =>
    Effect.gen(function* () {
      const tenant = yield* tenancy
        .resolveActive(req.tenant)
        .pipe(Effect.mapError(() => authFailed("UNKNOWN_BEACON", "unknown beacon")))
      return yield* inTx(
        Effect.gen(function* () {
          const row = yield* findBeacon(req.beacon_id)
          if (Option.isNone(row)) return yield* authFailed("UNKNOWN_BEACON", "unknown beacon")
          const b = row.value
          if (b.status === "revoked") return yield* authFailed("BEACON_REVOKED", "this beacon was revoked")
          if (!verifySig(b, keyOf(b), authMessage(req), req.signature))
            return yield* authFailed("BAD_SIGNATURE", "the signature does not verify with the beacon's key")
          const nowMs = yield* Clock.currentTimeMillis
          const window = yield* windowMs(tenant.id)
          if (Math.abs(req.timestamp_ms - nowMs) > window)
            return yield* authFailed(
              "STALE_TIMESTAMP",
              `the timestamp is more than ${window / 1000} s from the server's clock`
            )
          const secret = yield* envelope
            .decryptString(b.totp_secret_enc, beaconTotpColumn.aad({ tenant_id: tenant.id, id: b.id }))
            .pipe(Effect.orDie)
          if (!(yield* totpValid(secret, req.totp, nowMs)))
            return yield* authFailed("BAD_TOTP", "the TOTP code is wrong")
          if (Option.isSome(yield* repo.useNonce(b.id, `auth:${req.nonce}`, null, nowMs + 2 * window, nowMs)))
            return yield* authFailed("REUSED_NONCE", "this nonce was already used")
          yield* repo.markAuthenticated(b.id, DateTime.unsafeMake(nowMs), req.timestamp_ms - nowMs)
          const signed = yield* keys.sign("beacon", { sub: b.id, tid: tenant.id, tenant_slug: tenant.slug })
          return new BeaconToken({ token: signed.token, expires_in: signed.expiresIn, server_time_ms: nowMs })
        })
      ).pipe(asTenant(tenant))
    })

  /**
   * Verifies a beacon token and that its beacon is still usable.
   * @errors BeaconAuthFailed (UNKNOWN_BEACON for a bad or expired token, BEACON_REVOKED)
   */
  const verifyBeaconToken = (token: string) =>
    Effect.gen(function* () {
      const bad = () => authFailed("UNKNOWN_BEACON", "invalid or expired beacon token")
      const claims = yield* keys.verify("beacon", token).pipe(Effect.mapError(bad))
      const beaconId = claims.sub
      if (!isBeaconId(beaconId) || !Schema.is(TenantId)(claims.tid)) return yield* bad()
      const tenant = yield* tenancy.getById(claims.tid).pipe(Effect.mapError(bad))
      if (tenant.status !== "active") return yield* bad()
      const row = yield* inTx(findBeacon(beaconId)).pipe(asTenant(tenant))
      if (Option.isNone(row)) return yield* bad()
      if (row.value.status === "revoked") return yield* authFailed("BEACON_REVOKED", "this beacon was revoked")
      const principal: BeaconPrincipal = { tenant: { id: tenant.id, slug: tenant.slug }, beaconId }
      return principal
    })

  /**
   * `POST /api/v1/beacon/keys/rotate`: replaces the beacon's key; the
   * request is signed by the current key and by the new one.
   * @errors BeaconAuthFailed (UNKNOWN_BEACON, BAD_SIGNATURE), ValidationError (bad key)
   */
  const rotateKey = (principal: BeaconPrincipal, input: RotateBeaconKey) =>
    inTx(
      Effect.gen(function* () {
        const row = yield* findBeacon(principal.beaconId)
        if (Option.isNone(row)) return yield* authFailed("UNKNOWN_BEACON", "unknown beacon")
        const b = row.value
        const next = importBeaconKey(input.alg, input.public_jwk)
        if (Either.isLeft(next)) return yield* ValidationError.field("public_jwk", next.left)
        const message = rotateMessage(b.id, input.public_jwk)
        if (!verifySig(b, keyOf(b), message, input.old_key_signature))
          return yield* authFailed("BAD_SIGNATURE", "old_key_signature does not verify with the current key")
        if (!verifySig({ alg: input.alg }, next.right, message, input.new_key_signature))
          return yield* authFailed("BAD_SIGNATURE", "new_key_signature does not verify with the new key")
        const at = yield* DateTime.now
        yield* repo.rotateKey(b.id, input.alg, input.public_jwk, at)
        yield* audit
          .record({
            action: "beacon.key_rotated",
            targetType: "beacon",
            targetId: b.id,
            before: { alg: b.alg, public_jwk: b.public_jwk },
            after: { alg: input.alg, public_jwk: input.public_jwk }
          })
          .pipe(Effect.provideService(CurrentActor, beaconActor(b.id)))
        return present({ ...b, alg: input.alg, public_jwk: input.public_jwk, key_rotated_at: at })
      })
    ).pipe(asTenant(principal.tenant))

  return { authenticate, verifyBeaconToken, rotateKey } as const
}
