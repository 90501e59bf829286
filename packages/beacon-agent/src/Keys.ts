/**
 * Beacon keys: generation, JWK export, signing and verification, and the key file.
 *
 * Pure JavaScript through `@noble/curves` (audited, constant-time-minded, runs unchanged on
 * the ARM boards beacons use); `node:crypto` is not used for keys or signatures — only the
 * platform CSPRNG (`crypto.getRandomValues`, via noble) for key generation.
 *
 * Algorithms (JOSE names, RFC 7518 §3.1 / RFC 8037 §3.1):
 *
 * - `ES256` — ECDSA over NIST P-256 with SHA-256 (RFC 7518 §3.4, FIPS 186-5). Signatures are
 *   the 64-byte IEEE P1363 form `r ‖ s`, with the nonce derived deterministically per
 *   RFC 6979 (no randomness at signing time, so a weak RNG on a board cannot leak the key)
 *   and `s` normalised to the low half of the group order.
 * - `EdDSA` — Ed25519 (RFC 8032 §5.1), deterministic by construction, 64-byte signatures.
 *
 * The server verifies the same signatures with `node:crypto` (`@signet/core`'s
 * `beacon/Verify`); both sides are held to the Wycheproof vectors.
 *
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js"
import { p256 } from "@noble/curves/nist.js"
import { Either } from "effect"

/** Signature algorithm of a beacon key: `"ES256"` (ECDSA P-256 + SHA-256) or `"EdDSA"` (Ed25519). */
export type BeaconAlg = "ES256" | "EdDSA"

/**
 * Public JWK of a beacon key (RFC 7517), the form the server registers at enrolment:
 * `{ kty: "EC", crv: "P-256", x, y }` for ES256 (RFC 7518 §6.2.1, 32-byte coordinates) or
 * `{ kty: "OKP", crv: "Ed25519", x }` for EdDSA (RFC 8037 §2, 32-byte key); all values are
 * unpadded base64url. Same shape as `BeaconPublicJwk` in `@signet/core/beacon/Verify`.
 */
export type BeaconPublicJwk =
  | { readonly kty: "EC"; readonly crv: "P-256"; readonly x: string; readonly y: string }
  | { readonly kty: "OKP"; readonly crv: "Ed25519"; readonly x: string }

/**
 * A beacon key pair. `privateKey` is 32 bytes: the P-256 secret scalar (big-endian, in
 * `[1, n-1]`) for ES256, or the RFC 8032 32-byte seed for EdDSA. Keep it secret.
 */
export interface BeaconKeyPair {
  readonly alg: BeaconAlg
  readonly privateKey: Uint8Array
  readonly publicJwk: BeaconPublicJwk
}

/**
 * On-disk key file (JSON): `{ alg, private_key, public_jwk }`, with `private_key` the 32-byte
 * private key in unpadded base64url. The file holds the private key in clear: the caller must
 * create it with mode `0600` (owner read/write only), e.g.
 * `fs.writeFileSync(path, encodeKeyFile(pair), { mode: 0o600, flag: "wx" })`.
 */
export interface BeaconKeyFile {
  readonly alg: BeaconAlg
  readonly private_key: string
  readonly public_jwk: BeaconPublicJwk
}

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url")

/** Decodes canonical unpadded base64url of exactly `length` bytes, or returns undefined. */
const fromB64u = (value: unknown, length: number): Uint8Array | undefined => {
  if (typeof value !== "string" || !/^[A-Za-z0-9_-]*$/.test(value)) return undefined
  const bytes = Buffer.from(value, "base64url")
  return bytes.length === length && bytes.toString("base64url") === value ? new Uint8Array(bytes) : undefined
}

/** Public key bytes as noble wants them: `04 ‖ x ‖ y` (SEC 1 uncompressed) or the Ed25519 `x`. */
const publicKeyBytes = (alg: BeaconAlg, jwk: BeaconPublicJwk): Uint8Array | undefined => {
  if (alg === "ES256") {
    if (jwk.kty !== "EC" || jwk.crv !== "P-256") return undefined
    const x = fromB64u(jwk.x, 32)
    const y = fromB64u(jwk.y, 32)
    if (x === undefined || y === undefined) return undefined
    const out = new Uint8Array(65)
    out[0] = 4
    out.set(x, 1)
    out.set(y, 33)
    return out
  }
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") return undefined
  return fromB64u(jwk.x, 32)
}

const isValidPrivateKey = (alg: BeaconAlg, privateKey: Uint8Array): boolean =>
  privateKey.length === 32 && (alg === "EdDSA" || p256.utils.isValidSecretKey(privateKey))

/**
 * Derives the public JWK of a private key.
 *
 * @param alg - key algorithm.
 * @param privateKey - 32-byte private key (see {@link BeaconKeyPair}).
 * @returns the public JWK ({@link BeaconPublicJwk}).
 * @throws Error if `privateKey` is not a valid 32-byte key for `alg` (zero or ≥ n for P-256).
 */
export const publicJwkOf = (alg: BeaconAlg, privateKey: Uint8Array): BeaconPublicJwk => {
  if (!isValidPrivateKey(alg, privateKey)) throw new Error(`invalid ${alg} private key`)
  if (alg === "ES256") {
    const point = p256.getPublicKey(privateKey, false) // 04 ‖ x ‖ y
    return { kty: "EC", crv: "P-256", x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) }
  }
  return { kty: "OKP", crv: "Ed25519", x: b64u(ed25519.getPublicKey(privateKey)) }
}

/**
 * Generates a fresh key pair from the platform CSPRNG (`crypto.getRandomValues`).
 *
 * @param alg - `"ES256"` or `"EdDSA"`.
 * @returns `{ alg, privateKey, publicJwk }` (32-byte private key).
 */
export const generateKeyPair = (alg: BeaconAlg): BeaconKeyPair => {
  const privateKey = alg === "ES256" ? p256.utils.randomSecretKey() : ed25519.utils.randomSecretKey()
  return { alg, privateKey, publicJwk: publicJwkOf(alg, privateKey) }
}

/**
 * Signs `message` (the exact bytes the server will verify, e.g. a UTF-8 JSON proof).
 *
 * - `ES256`: ECDSA P-256 over SHA-256(`message`) (`prehash: true`), nonce by RFC 6979
 *   (`extraEntropy: false`: the same key and message always give the same signature), low-S
 *   (`s ≤ n/2`); returns 64 bytes `r ‖ s` (IEEE P1363 / JWS form), which
 *   `crypto.verify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, sig)` accepts.
 * - `EdDSA`: pure Ed25519 (RFC 8032 §5.1.6), 64 bytes.
 *
 * @param alg - key algorithm.
 * @param privateKey - 32-byte private key.
 * @param message - bytes to sign, any length.
 * @returns the 64-byte signature.
 * @throws Error if `privateKey` is not a valid key for `alg`.
 */
export const sign = (alg: BeaconAlg, privateKey: Uint8Array, message: Uint8Array): Uint8Array => {
  if (!isValidPrivateKey(alg, privateKey)) throw new Error(`invalid ${alg} private key`)
  return alg === "ES256"
    ? p256.sign(message, privateKey, { prehash: true, lowS: true, extraEntropy: false, format: "compact" })
    : ed25519.sign(message, privateKey)
}

/**
 * Verifies a signature with noble — the agent-side mirror of the server's verifier (used by
 * the conformance tests and for self-checks after signing).
 *
 * - `ES256`: SHA-256 prehash; `encoding` `"p1363"` (default, exactly 64 bytes `r ‖ s`) or
 *   `"der"` (strict ASN.1 DER, parsed by noble). High-S signatures are accepted (`lowS:
 *   false`), matching OpenSSL and RFC 7518, which do not require low-S.
 * - `EdDSA`: strict RFC 8032 §5.1.7 (`zip215: false`: canonical encodings only, `S < L`),
 *   matching OpenSSL; `encoding` is ignored.
 *
 * @returns `true` only for a valid signature. Never throws: a malformed JWK or signature, a
 *   key of the wrong family or a point off the curve all return `false`.
 */
export const verify = (
  alg: BeaconAlg,
  publicJwk: BeaconPublicJwk,
  message: Uint8Array,
  signature: Uint8Array,
  encoding: "p1363" | "der" = "p1363"
): boolean => {
  try {
    const publicKey = publicKeyBytes(alg, publicJwk)
    if (publicKey === undefined) return false
    return alg === "ES256"
      ? p256.verify(signature, message, publicKey, {
          prehash: true,
          lowS: false,
          format: encoding === "der" ? "der" : "compact"
        })
      : ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/**
 * Serialises a key pair to the key-file JSON ({@link BeaconKeyFile}), pretty-printed with a
 * trailing newline. The result contains the private key: write it with mode `0600`.
 *
 * @param pair - the key pair to store.
 * @returns the file content.
 */
export const encodeKeyFile = (pair: BeaconKeyPair): string => {
  const file: BeaconKeyFile = { alg: pair.alg, private_key: b64u(pair.privateKey), public_jwk: pair.publicJwk }
  return `${JSON.stringify(file, null, 2)}\n`
}

/**
 * Parses and checks a key file ({@link BeaconKeyFile}): valid JSON object, `alg` is `ES256` or
 * `EdDSA`, `private_key` is 32 bytes of canonical unpadded base64url and a valid key for
 * `alg`, and `public_jwk` equals the public key derived from it (a mismatch means a corrupt or
 * tampered file). File permissions are the caller's to check.
 *
 * @param text - file content.
 * @returns `Either.right(BeaconKeyPair)`, or `Either.left(message)` explaining the first
 *   problem found. Never throws.
 */
export const decodeKeyFile = (text: string): Either.Either<BeaconKeyPair, string> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return Either.left("key file is not valid JSON")
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return Either.left("key file must be a JSON object")
  }
  const file = parsed as Record<string, unknown>
  const alg = file.alg
  if (alg !== "ES256" && alg !== "EdDSA") return Either.left("key file 'alg' must be 'ES256' or 'EdDSA'")
  const privateKey = fromB64u(file.private_key, 32)
  if (privateKey === undefined || !isValidPrivateKey(alg, privateKey)) {
    return Either.left(`key file 'private_key' is not a valid ${alg} private key (32 bytes, base64url)`)
  }
  const publicJwk = publicJwkOf(alg, privateKey)
  const stored = file.public_jwk
  const same =
    typeof stored === "object" &&
    stored !== null &&
    Object.entries(publicJwk).every(([k, v]) => (stored as Record<string, unknown>)[k] === v)
  if (!same) return Either.left("key file 'public_jwk' does not match 'private_key'")
  return Either.right({ alg, privateKey, publicJwk })
}
