/**
 * A software WebAuthn authenticator for tests (issue 18): ES256 (P-256)
 * credentials made with node:crypto, real `attestationObject`s (fmt `none`,
 * CBOR through `@simplewebauthn/server`'s own encoder) and assertions signed
 * over `authenticatorData ‖ SHA-256(clientDataJSON)` (WebAuthn Level 3
 * §6.1, §6.5.4, §8.7). It answers the JSON options the server sends with the
 * JSON `PublicKeyCredential.toJSON()` would give, and lets a test lie about
 * the origin, the RP ID or the counter to exercise refusals. Exported by
 * `@signet/core/testing` for Signet's suites and integrators' tests; never
 * used by the services.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { isoCBOR } from "@simplewebauthn/server/helpers"

/** One credential the authenticator holds. */
export interface SoftCredential {
  readonly id: string
  readonly rpId: string
  readonly userHandle: string
  readonly privateKey: Crypto.KeyObject
  readonly publicKey: Crypto.KeyObject
  counter: number
}

/** Flags of authenticator data (WebAuthn §6.1). */
const UP = 0x01
const UV = 0x04
const BE = 0x08
const BS = 0x10
const AT = 0x40

const sha256 = (data: Uint8Array | string) => Crypto.createHash("sha256").update(data).digest()
const b64u = (data: Uint8Array) => Buffer.from(data).toString("base64url")

/** The credential's public key as a COSE_Key (RFC 9053 §7.1: kty EC2, alg ES256, crv P-256). */
const coseKey = (publicKey: Crypto.KeyObject): Uint8Array => {
  const jwk = publicKey.export({ format: "jwk" })
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, "base64url"))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, "base64url"))]
    ])
  )
}

/** Options of the software authenticator. */
export interface AuthenticatorOptions {
  /** Backup eligible (a synced passkey); default false. */
  readonly backupEligible?: boolean
  /** Backed up (BS flag); default = backupEligible. */
  readonly backedUp?: boolean
  /** Counter increment per assertion; 0 models authenticators without counters. Default 1. */
  readonly counterStep?: number
}

/** What a test can falsify in one ceremony. */
export interface Tamper {
  /** The origin written to clientDataJSON (default: the origin given). */
  readonly origin?: string
  /** The RP ID hashed into authenticator data (default: the options' RP ID). */
  readonly rpId?: string
  /** The counter to sign instead of the next one. */
  readonly counter?: number
  /** Use this credential (by id) even if the options do not allow it. */
  readonly credentialId?: string
}

/** A software authenticator; see the module comment. */
export class SoftwareAuthenticator {
  readonly credentials = new Map<string, SoftCredential>()
  constructor(readonly options: AuthenticatorOptions = {}) {}

  private flags(extra: number): number {
    const be = this.options.backupEligible ?? false
    const bs = this.options.backedUp ?? be
    return UP | UV | (be ? BE : 0) | (bs ? BS : 0) | extra
  }

  private authData(rpId: string, flags: number, counter: number, attested?: Uint8Array): Buffer {
    const count = Buffer.alloc(4)
    count.writeUInt32BE(counter)
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])])
  }

  /**
   * Answers `navigator.credentials.create()` options (JSON) at `origin`:
   * a new P-256 credential, attestation `none`.
   */
  register(options: Record<string, unknown>, origin: string, tamper: Tamper = {}) {
    const rp = options["rp"] as { id: string }
    const user = options["user"] as { id: string }
    const rpId = tamper.rpId ?? rp.id
    const { privateKey, publicKey } = Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
    const credentialId = Crypto.randomBytes(16)
    const id = b64u(credentialId)
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(credentialId.length)
    const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, coseKey(publicKey)])
    const authData = this.authData(rpId, this.flags(AT), 0, attested)
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: "webauthn.create",
        challenge: options["challenge"],
        origin: tamper.origin ?? origin,
        crossOrigin: false
      })
    )
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", new Uint8Array(authData)]
      ]) as never
    )
    this.credentials.set(id, { id, rpId, userHandle: user.id, privateKey, publicKey, counter: 0 })
    return {
      id,
      rawId: id,
      type: "public-key" as const,
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ["internal", "hybrid"]
      }
    }
  }

  /**
   * Answers `navigator.credentials.get()` options (JSON) at `origin`: signs
   * with an allowed credential, or (no `allowCredentials`) with the first
   * credential of the RP ID, as a discoverable credential does.
   */
  authenticate(options: Record<string, unknown>, origin: string, tamper: Tamper = {}) {
    const rpId = options["rpId"] as string
    const allowed = ((options["allowCredentials"] as Array<{ id: string }> | undefined) ?? []).map((c) => c.id)
    const credential = tamper.credentialId
      ? this.credentials.get(tamper.credentialId)
      : [...this.credentials.values()].find((c) => c.rpId === rpId && (allowed.length === 0 || allowed.includes(c.id)))
    if (!credential) throw new Error("the authenticator has no credential for these options")
    if (tamper.counter === undefined) credential.counter += this.options.counterStep ?? 1
    const counter = tamper.counter ?? credential.counter
    const authData = this.authData(tamper.rpId ?? rpId, this.flags(0), counter)
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: "webauthn.get",
        challenge: options["challenge"],
        origin: tamper.origin ?? origin,
        crossOrigin: false
      })
    )
    const signature = Crypto.sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey)
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key" as const,
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: credential.userHandle
      }
    }
  }
}
