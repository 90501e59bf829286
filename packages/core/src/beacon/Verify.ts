/**
 * Server-side verification of classroom-beacon proof signatures, with `node:crypto` only.
 *
 * A beacon (the `signet-beacon` agent, `@signet/beacon-agent`) holds a private key and signs
 * its proofs with one of two algorithms:
 *
 * - `ES256` — ECDSA over NIST P-256 with SHA-256 (RFC 7518 §3.4). On the wire the signature
 *   is the fixed-size IEEE P1363 form `r ‖ s` (32 + 32 bytes, big-endian), as JWS uses it;
 *   ASN.1 DER is accepted on request for interoperability and conformance tests.
 * - `EdDSA` — Ed25519 (RFC 8032 §5.1, "pure" Ed25519, no prehash, no context; RFC 8037 for
 *   its JOSE naming). Signatures are 64 bytes.
 *
 * The beacon's public key is registered as a JSON Web Key (RFC 7517; EC keys per RFC 7518
 * §6.2, OKP keys per RFC 8037 §2). {@link importBeaconKey} turns it into a `KeyObject` once
 * (at enrolment or when the key is loaded), and {@link verifyBeaconSignature} checks proofs
 * against it on the hot path.
 *
 * Checked against the Wycheproof ECDSA P-256/SHA-256 (DER and P1363) and Ed25519 vectors in
 * `packages/core/test/beacon-vectors.test.ts`.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { Either } from "effect"

/**
 * Signature algorithm of a beacon key, named as in JOSE (RFC 7518 §3.1, RFC 8037 §3.1):
 * `"ES256"` = ECDSA P-256 + SHA-256, `"EdDSA"` = Ed25519.
 */
export type BeaconAlg = "ES256" | "EdDSA"

/**
 * Public JWK of a beacon (RFC 7517), in one of two shapes:
 *
 * - `ES256`: `{ kty: "EC", crv: "P-256", x, y }` — `x` and `y` are the affine coordinates of
 *   the public point, each exactly 32 bytes, base64url without padding (RFC 7518 §6.2.1).
 * - `EdDSA`: `{ kty: "OKP", crv: "Ed25519", x }` — `x` is the 32-byte encoded public key,
 *   base64url without padding (RFC 8037 §2).
 *
 * Optional members `kid`, `alg` (must then equal the key's algorithm) and `use` (must then
 * be `"sig"`) are tolerated; the private member `d` is refused.
 */
export type BeaconPublicJwk =
  | {
      readonly kty: "EC"
      readonly crv: "P-256"
      readonly x: string
      readonly y: string
      readonly kid?: string
      readonly alg?: "ES256"
      readonly use?: "sig"
    }
  | {
      readonly kty: "OKP"
      readonly crv: "Ed25519"
      readonly x: string
      readonly kid?: string
      readonly alg?: "EdDSA"
      readonly use?: "sig"
    }

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Decodes an unpadded base64url string of exactly `bytes` bytes, or returns undefined. */
const coordinate = (value: unknown, bytes: number): Buffer | undefined => {
  if (typeof value !== "string" || !BASE64URL.test(value) || value.length !== Math.ceil((bytes * 4) / 3)) {
    return undefined
  }
  const decoded = Buffer.from(value, "base64url")
  // Round-trip check refuses non-canonical trailing bits (e.g. "…B" where "…A" is meant).
  return decoded.length === bytes && decoded.toString("base64url") === value ? decoded : undefined
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Validates a beacon's public JWK and imports it as a `node:crypto` public `KeyObject`.
 *
 * Checks, in order: `jwk` is a plain object; it carries no private member (`d`); `kty`/`crv`
 * match `alg` (`ES256` ⇒ `EC`/`P-256`, `EdDSA` ⇒ `OKP`/`Ed25519`); the optional `alg` member,
 * if present, equals `alg`, and `use`, if present, is `"sig"`; `x` (and `y` for EC) are
 * canonical unpadded base64url of exactly 32 bytes. The key is then imported with
 * `crypto.createPublicKey({ format: "jwk" })`, which for P-256 rejects points that are not on
 * the curve (OpenSSL's `EC_POINT_set_affine_coordinates` check). Ed25519 public keys are
 * accepted as any 32-byte string (RFC 8032 decoding happens at verification, where a
 * non-decodable key simply fails to verify).
 *
 * @param alg - the algorithm the key is registered for.
 * @param jwk - untrusted input (e.g. a parsed enrolment body).
 * @returns `Either.right(KeyObject)` on success, or `Either.left(message)` — a short English
 *   explanation suitable for a 400 problem detail. Never throws.
 */
export const importBeaconKey = (alg: BeaconAlg, jwk: unknown): Either.Either<Crypto.KeyObject, string> => {
  if (!isRecord(jwk)) return Either.left("public key must be a JWK object")
  if ("d" in jwk) return Either.left("public key JWK must not contain the private member 'd'")
  const [kty, crv] = alg === "ES256" ? ["EC", "P-256"] : ["OKP", "Ed25519"]
  if (jwk.kty !== kty || jwk.crv !== crv) {
    return Either.left(`${alg} requires a JWK with kty '${kty}' and crv '${crv}'`)
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    return Either.left(`JWK 'alg' is '${String(jwk.alg)}', expected '${alg}'`)
  }
  if (jwk.use !== undefined && jwk.use !== "sig") return Either.left("JWK 'use' must be 'sig'")
  if (coordinate(jwk.x, 32) === undefined) return Either.left("JWK 'x' must be 32 bytes, base64url without padding")
  if (alg === "ES256" && coordinate(jwk.y, 32) === undefined) {
    return Either.left("JWK 'y' must be 32 bytes, base64url without padding")
  }
  const material: Crypto.JsonWebKey =
    alg === "ES256" ? { kty, crv, x: jwk.x as string, y: jwk.y as string } : { kty, crv, x: jwk.x as string }
  let key: Crypto.KeyObject
  try {
    key = Crypto.createPublicKey({ key: material, format: "jwk" })
  } catch {
    return Either.left(alg === "ES256" ? "JWK is not a point on the P-256 curve" : "JWK is not a valid Ed25519 key")
  }
  return keyMatches(alg, key) ? Either.right(key) : Either.left(`JWK is not an ${alg} public key`)
}

/**
 * True when `key` is a public key of the family `alg` needs (P-256 EC, or Ed25519). Cheap on
 * the hot path: node caches `asymmetricKeyDetails` on the `KeyObject`.
 */
const keyMatches = (alg: BeaconAlg, key: Crypto.KeyObject): boolean =>
  key.type === "public" &&
  (alg === "ES256"
    ? key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1"
    : key.asymmetricKeyType === "ed25519")

/**
 * Verifies a beacon signature over `message` with `node:crypto`.
 *
 * - `ES256` (RFC 7518 §3.4): ECDSA P-256 over SHA-256(`message`). `encoding` selects the
 *   signature form: `"p1363"` (default, the JWS form: exactly 64 bytes `r ‖ s`) or `"der"`
 *   (ASN.1 `SEQUENCE { INTEGER r, INTEGER s }`, strict DER). High-S signatures are accepted,
 *   as in OpenSSL, JOSE and Wycheproof (beacons emit low-S anyway).
 * - `EdDSA` (RFC 8032 §5.1.7): pure Ed25519 over `message`, 64-byte signature; `encoding`
 *   is ignored. OpenSSL rejects non-canonical `S` (≥ L), so signatures are not malleable.
 *
 * The key must be a public key of the algorithm's family (from {@link importBeaconKey});
 * a key of another family yields `false` — it never falls back to another algorithm.
 *
 * @param alg - algorithm the key was registered for.
 * @param key - public key from {@link importBeaconKey}.
 * @param message - the exact signed bytes (e.g. the UTF-8 proof payload).
 * @param signature - raw signature bytes (already base64url-decoded).
 * @param encoding - ES256 signature encoding, `"p1363"` by default.
 * @returns `true` only for a valid signature. Never throws: malformed signatures, wrong
 *   lengths and mismatched keys all return `false`.
 */
export const verifyBeaconSignature = (
  alg: BeaconAlg,
  key: Crypto.KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
  encoding: "p1363" | "der" = "p1363"
): boolean => {
  try {
    if (!keyMatches(alg, key)) return false
    if (alg === "ES256") {
      if (encoding === "p1363" && signature.length !== 64) return false
      return Crypto.verify(
        "sha256",
        message,
        { key, dsaEncoding: encoding === "der" ? "der" : "ieee-p1363" },
        signature
      )
    }
    return signature.length === 64 && Crypto.verify(null, message, key, signature)
  } catch {
    return false
  }
}
