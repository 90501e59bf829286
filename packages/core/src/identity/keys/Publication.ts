/**
 * Publication seam of the signing-key service (issue 14 §3): the platform's
 * JWKS (`/.well-known/jwks.json`), a tenant's JWKS (its keys, then the
 * platform's), and the key listing without private parts.
 *
 * @module
 */
import type { TenantId } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import type { LoadedKey, PublicJwk, SigningKeyInfo } from "./Shared.js"
import type { KeyStore } from "./Store.js"

/** The published forms of the key table; see the module comment. */
export const makePublication = (store: KeyStore) => {
  const { ensure } = store
  const publish = (k: LoadedKey) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: "sig" }) as PublicJwk

  /** The platform's JWKS (`/.well-known/jwks.json`): every platform key that may still verify a live token. */
  const jwks = Effect.map(ensure, (keys) => ({
    keys: [...keys.values()].filter((k) => k.tenantId === null).map(publish)
  }))

  /**
   * A tenant's JWKS: its own keys, then the platform's (its tokens are
   * signed with one or the other).
   */
  const jwksFor = (tenantId: TenantId) =>
    Effect.map(ensure, (keys) => {
      const all = [...keys.values()]
      return {
        keys: [...all.filter((k) => k.tenantId === tenantId), ...all.filter((k) => k.tenantId === null)].map(publish)
      }
    })

  /**
   * The private JWKs that sign a tenant's tokens now (issue 19 §1: the OIDC
   * provider's keystore): the tenant's current key if it has one, else the
   * platform's, then the other keys that still verify (retired keys last).
   * Secret material: never log it.
   */
  const privateJwksFor = (tenantId: TenantId) =>
    Effect.map(ensure, (keys) => {
      const all = [...keys.values()].sort((a, b) => Number(a.retireAfter !== null) - Number(b.retireAfter !== null))
      const own = all.filter((k) => k.tenantId === tenantId)
      const ordered = own.some((k) => k.retireAfter === null)
        ? [...own, ...all.filter((k) => k.tenantId === null)]
        : [...all.filter((k) => k.tenantId === null), ...own]
      return { keys: ordered.map((k) => k.privateJwk()) }
    })

  /** Every stored key, platform and tenants', oldest first, without private parts. */
  const list = Effect.map(
    ensure,
    (keys): ReadonlyArray<SigningKeyInfo> =>
      [...keys.values()].map((k) => ({
        kid: k.kid,
        tenant_id: k.tenantId,
        alg: k.alg,
        created_at: k.createdAt,
        retire_after: k.retireAfter
      }))
  )

  return { jwks, jwksFor, privateJwksFor, list } as const
}
