/**
 * Shared shapes of the signing-key service (issue 14 §3): the token kinds,
 * the in-memory form of a key, and the published/listed forms. Split out of
 * `identity/Keys.ts` so its seams (`keys/Store`, `keys/Jwt`,
 * `keys/Publication`, `keys/Rotation`) share them without an import cycle;
 * `identity/Keys.ts` re-exports the public ones.
 *
 * @module
 */
import type { SigningKeyId } from "@signet/contracts/identity/Domain"
import type { TenantId } from "@signet/contracts/kernel/Context"
import type { DateTime } from "effect"
import type * as Jose from "jose"
import type { EncryptedColumn } from "../../kernel/KeyRotation.js"
import type { SigningAlg } from "../repo/SigningKeys.js"

/** Token kinds: each has its own `typ` header and audience (RFC 8725 §3.11, §3.9). */
export const TOKEN_KINDS = {
  access: { typ: "at+jwt", audience: "signet-api", ttlSeconds: 15 * 60 },
  mfa: { typ: "signet-mfa+jwt", audience: "signet-mfa", ttlSeconds: 5 * 60 },
  action: { typ: "signet-action+jwt", audience: "signet-actions", ttlSeconds: 10 * 60 },
  beacon: { typ: "signet-beacon+jwt", audience: "signet-beacon", ttlSeconds: 10 * 60 },
  /** A student's presence token, shown to a classroom beacon (issue 6 §3): short-lived, device-bound. */
  presence: { typ: "signet-presence+jwt", audience: "signet-beacon", ttlSeconds: 2 * 60 },
  operator: { typ: "signet-operator+jwt", audience: "signet-platform", ttlSeconds: 15 * 60 }
} as const
/** @see TOKEN_KINDS */
export type TokenKind = keyof typeof TOKEN_KINDS

/** The encrypted column of the signing keys, for master-key rotation (AAD `signing_keys:<kid>`). */
export const signingKeyColumn: EncryptedColumn = {
  table: "signing_keys",
  keyColumns: ["kid"],
  column: "private_key_enc",
  aad: (row) => `signing_keys:${row.kid}`
}

/** A key imported by `jose` (public or private). */
export type KeyLike = Awaited<ReturnType<typeof Jose.importJWK>>

/** A signing key as held in memory: imported public and private parts. */
export interface LoadedKey {
  readonly kid: SigningKeyId
  /** The tenant whose tokens the key signs, or null for the platform key. */
  readonly tenantId: TenantId | null
  readonly alg: SigningAlg
  readonly publicJwk: Jose.JWK
  readonly publicKey: KeyLike
  readonly privateKey: KeyLike
  /**
   * The private JWK as decrypted, for the OIDC provider's keystore only
   * (issue 19 §1, `SigningKeys.privateJwksFor`); a function, so a JSON
   * rendering of the key (a log line) never carries it.
   */
  readonly privateJwk: () => Jose.JWK
  readonly createdAt: DateTime.Utc
  readonly retireAfter: DateTime.Utc | null
}

/** A public key as published in the JWKS. */
export interface PublicJwk extends Jose.JWK {
  readonly kid: string
  readonly alg: string
  readonly use: "sig"
}

/** How often (at most) the key table is checked for changes made by another process, ms. */
export const KEY_REFRESH_MS = 30_000

/** A signing key as listed by `SigningKeys.list` (no private part). */
export interface SigningKeyInfo {
  readonly kid: SigningKeyId
  readonly tenant_id: TenantId | null
  readonly alg: SigningAlg
  readonly created_at: DateTime.Utc
  /** When the key stops verifying; null while it signs. */
  readonly retire_after: DateTime.Utc | null
}

/**
 * The longest lifetime of any token kind (access and operator tokens: 15 min),
 * plus a minute of clock skew, in seconds: the default grace of a retired key,
 * so it keeps verifying every token it signed.
 */
export const DEFAULT_GRACE_SECONDS = Math.max(...Object.values(TOKEN_KINDS).map((k) => k.ttlSeconds)) + 60
