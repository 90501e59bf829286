/**
 * What the beacon module's seams share (issue 14 §3): the repository, the
 * services it calls, signature verification with a cache of imported keys,
 * the proof window, typed refusals, and the constants of its protocol.
 *
 * @module
 */
import type { KeyObject } from "node:crypto"
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import {
  type BeaconAlg,
  BeaconAuthFailed,
  type BeaconId,
  BeaconNotFound,
  type ProofRefusalReason,
  ProofRefused
} from "@signet/contracts/beacon/Domain"
import { fromB64url } from "@signet/contracts/beacon/Protocol"
import { type Actor, CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { Config, DateTime, Effect, Either, Option } from "effect"
import { Academics } from "../academics/Academics.js"
import { Attendance } from "../attendance/Attendance.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { SigningKeys } from "../identity/Keys.js"
import { Identity } from "../identity/Users.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTxOn } from "../kernel/Database.js"
import { Quotas } from "../kernel/Quotas.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { BeaconRepo, type BeaconRow } from "./Repo.js"
import { importBeaconKey, verifyBeaconSignature } from "./Verify.js"

/** The beacon a verified beacon token stands for. */
export interface BeaconPrincipal {
  readonly tenant: { readonly id: TenantId; readonly slug: string }
  readonly beaconId: BeaconId
}

/** TOTP parameters of beacons (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step). */
export const BEACON_TOTP = { period: 30, digits: 6, toleranceSteps: 1 } as const

/**
 * Lifetime of a presence token in seconds (issue 15 §3):
 * `SIGNET_PRESENCE_TOKEN_TTL_SECONDS`, 5–120, default 30 — long enough to
 * walk to the beacon and flash, short enough that a relayed token is stale.
 */
export const presenceTokenTtl: Effect.Effect<number> = Effect.orDie(
  Config.integer("SIGNET_PRESENCE_TOKEN_TTL_SECONDS").pipe(
    Config.withDefault(30),
    Config.validate({ message: "must be between 5 and 120 seconds", validation: (n) => n >= 5 && n <= 120 })
  )
)

/**
 * The `beacon_id` under which the used presence tokens' `jti`s are kept in
 * `beacon_nonces` (tenant-wide: a token used at one beacon is used at all).
 */
export const PRESENCE_JTI_SCOPE = "00000000-0000-0000-0000-000000000000"

/** SHA-256 of `s`, base64url. */
export const sha256 = (s: string | Uint8Array) => Crypto.createHash("sha256").update(s).digest("base64url")

/** The device binding claim of a presence token: SHA-256 (base64url) of the device identifier. */
export const deviceBinding = (deviceIdentifier: string): string => sha256(`signet-device:${deviceIdentifier}`)

/** The actor of what a beacon does (audit rows, signatures). */
export const beaconActor = (id: BeaconId): Actor => ({ kind: "beacon", id })

/** A refused beacon authentication. */
export const authFailed = (reason_code: BeaconAuthFailed["reason_code"], message: string) =>
  new BeaconAuthFailed({ reason_code, message })

/** A refused presence proof. */
export const refused = (reason_code: ProofRefusalReason, message: string) => new ProofRefused({ reason_code, message })

/** Provides `tenant` as the `CurrentTenant`. */
export const asTenant = (tenant: { readonly id: string; readonly slug: string }) =>
  Effect.provideService(CurrentTenant, { id: tenant.id as TenantId, slug: tenant.slug })

/** At most this many imported public keys are cached. */
const KEY_CACHE_ENTRIES = 10_000

/** The shared kit of the beacon seams; see the module comment. */
export const makeKit = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* BeaconRepo
  const tenancy = yield* Tenancy
  const services = {
    envelope: yield* Envelope,
    keys: yield* SigningKeys,
    identity: yield* Identity,
    academics: yield* Academics,
    attendance: yield* Attendance,
    audit: yield* Audit,
    events: yield* Events,
    quotas: yield* Quotas
  }

  /** Runs `self` in a transaction of the current tenant. */
  const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantTxOn(sql, self)

  /** The beacon with this id in the current tenant. */
  const findBeacon = (id: BeaconId) => repo.find(id)

  /** The beacon with this id. @errors BeaconNotFound */
  const getRow = (id: BeaconId) =>
    Effect.flatMap(findBeacon(id), (o) =>
      Option.match(o, {
        onNone: () => Effect.fail(new BeaconNotFound({ message: `no beacon ${id}`, id })),
        onSome: Effect.succeed
      })
    )

  // Imported public keys by beacon and key version (verification is the hot path).
  const keyCache = new Map<string, KeyObject>()
  /** The beacon's imported public key (null when it does not import). */
  const keyOf = (row: BeaconRow): KeyObject | null => {
    const cacheKey = `${row.id}:${row.key_rotated_at === null ? "" : DateTime.toEpochMillis(row.key_rotated_at)}`
    const hit = keyCache.get(cacheKey)
    if (hit) return hit
    const imported = importBeaconKey(row.alg, row.public_jwk)
    if (Either.isLeft(imported)) return null
    if (keyCache.size > KEY_CACHE_ENTRIES) keyCache.clear()
    keyCache.set(cacheKey, imported.right)
    return imported.right
  }

  /** Whether `signature` (base64url) over `message` verifies with `key` under the row's algorithm. */
  const verifySig = (
    row: { readonly alg: BeaconAlg },
    key: KeyObject | null,
    message: Uint8Array,
    signature: string
  ) => {
    const sig = fromB64url(signature)
    return key !== null && sig !== null && verifyBeaconSignature(row.alg, key, message, sig)
  }

  /** The tenant's proof window (`beacon.proof_window_seconds`), in milliseconds. */
  const windowMs = (tid: TenantId) =>
    Effect.map(tenancy.settingValue<number>(tid, "beacon.proof_window_seconds"), (s) => s * 1000)

  return { ...services, repo, tenancy, inTx, findBeacon, getRow, keyOf, verifySig, windowMs } as const
})

/** What {@link makeKit} builds. */
export type Kit = Effect.Effect.Success<typeof makeKit>
