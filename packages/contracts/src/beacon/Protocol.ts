/**
 * The beacon wire protocol shared by the server and the `signet-beacon`
 * agent (issue 6; seed 004 "Beacon responsibilities", Flow A): the exact
 * bytes a beacon signs to authenticate, to submit a presence proof and to
 * rotate its key. Pure functions, no Node-only modules, so the agent and
 * browsers can use them.
 *
 * - Auth: `signet-beacon-auth-v1\n<tenant>\n<beacon_id>\n<timestamp_ms>\n<nonce>` (UTF-8).
 * - Proof: the JSON Canonicalization Scheme (RFC 8785) of the proof's fields
 *   without `signature`, plus `"ctx": "signet-beacon-proof-v1"`.
 * - Key rotation: `signet-beacon-rotate-v1\n<beacon_id>\n<JCS of the new public JWK>`,
 *   signed by the old key and by the new one.
 *
 * Signatures are ES256 (P-256, SHA-256, raw r‖s, RFC 7518 §3.4) or EdDSA
 * (Ed25519, RFC 8032), base64url without padding; public keys are JWKs.
 *
 * @module
 */
import canonicalizeModule from "canonicalize"

// `canonicalize` is CommonJS with an ESM-style d.ts (see audit/Audit.ts).
const canonicalize = ((canonicalizeModule as any).default ?? canonicalizeModule) as (input: unknown) => string

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Version tags of the signed messages. */
export const AUTH_CONTEXT = "signet-beacon-auth-v1"
/** @see AUTH_CONTEXT */
export const PROOF_CONTEXT = "signet-beacon-proof-v1"
/** @see AUTH_CONTEXT */
export const ROTATE_CONTEXT = "signet-beacon-rotate-v1"

/** What a beacon signs to get a beacon token (`POST /api/v1/beacon/auth/token`). */
export interface AuthFields {
  readonly tenant: string
  readonly beacon_id: string
  /** Unix time in milliseconds; the server accepts ±30 s. */
  readonly timestamp_ms: number
  /** Single-use random value (base64url, 16..64 characters). */
  readonly nonce: string
}

/** The bytes signed for {@link AuthFields}. */
export const authMessage = (f: AuthFields): Uint8Array =>
  utf8(`${AUTH_CONTEXT}\n${f.tenant}\n${f.beacon_id}\n${f.timestamp_ms}\n${f.nonce}`)

/** A presence proof before signing (`POST /api/v1/beacon/proofs` without `signature`). */
export interface ProofFields {
  readonly beacon_id: string
  readonly classroom_id: string
  /** Optional course hint; without it attendance resolves the course from the classroom and time. */
  readonly course_id?: string | null | undefined
  /** The student's presence token, as received (over the flashlight channel, BLE, NFC…). */
  readonly presence_token: string
  /** How the token reached the beacon: `buzzLightyear` (flashlight) or another channel name. */
  readonly proof_type: string
  /** When the beacon received the token, Unix ms. */
  readonly proof_time_ms: number
  /** Strictly increasing per beacon (survives restarts: the agent journals it). */
  readonly counter: number
  /** Single-use random value (base64url). */
  readonly nonce: string
}

/** The bytes signed for {@link ProofFields}: RFC 8785 JCS of the fields with `ctx`. */
export const proofMessage = (p: ProofFields): Uint8Array =>
  utf8(
    canonicalize({
      ctx: PROOF_CONTEXT,
      beacon_id: p.beacon_id,
      classroom_id: p.classroom_id,
      course_id: p.course_id ?? null,
      presence_token: p.presence_token,
      proof_type: p.proof_type,
      proof_time_ms: p.proof_time_ms,
      counter: p.counter,
      nonce: p.nonce
    })
  )

/** The bytes both keys sign to rotate a beacon's key. */
export const rotateMessage = (beaconId: string, newPublicJwk: unknown): Uint8Array =>
  utf8(`${ROTATE_CONTEXT}\n${beaconId}\n${canonicalize(newPublicJwk)}`)

/** base64url without padding (RFC 4648 §5). */
export const b64url = (bytes: Uint8Array): string => {
  let s = ""
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** Decodes base64url (padding optional); answers null for anything else. */
export const fromB64url = (text: string): Uint8Array | null => {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null
  try {
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, ""))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}
