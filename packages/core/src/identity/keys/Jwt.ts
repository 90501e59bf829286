/**
 * Token seam of the signing-key service (issue 14 §3): signs tokens with the
 * right key and verifies them (RFC 7515/7519 through `jose`; RFC 8725 JWT
 * BCP; RFC 9068 `at+jwt`).
 *
 * Verification pins the algorithm list (no `none`, no HS*), the `typ` header
 * per token kind, `iss`, `aud` and `exp`, resolves `kid` only among known
 * keys, and refuses a tenant key's signature on another tenant's token.
 *
 * @module
 */
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { Clock, Effect, Option } from "effect"
import * as Jose from "jose"
import { ALGORITHMS } from "../repo/SigningKeys.js"
import { TOKEN_KINDS, type TokenKind } from "./Shared.js"
import type { KeyStore } from "./Store.js"

/** Signing and verification over the key table; see the module comment. */
export const makeJwt = (store: KeyStore, issuer: string) => {
  const { ensure, resolve } = store

  /**
   * The key new tokens of `tenantId` are signed with: the tenant's newest
   * key without `retire_after`, else the platform's (the newest without
   * `retire_after`, else the newest).
   */
  const signingKey = (tenantId: string | undefined) =>
    Effect.map(ensure, (keys) => {
      const all = [...keys.values()]
      if (tenantId !== undefined) {
        const own = all.filter((k) => k.tenantId === tenantId && k.retireAfter === null)
        if (own.length > 0) return own[own.length - 1]!
      }
      const platform = all.filter((k) => k.tenantId === null)
      const active = platform.filter((k) => k.retireAfter === null)
      return active[active.length - 1] ?? platform[platform.length - 1]!
    })

  /**
   * Signs `claims` as a token of `kind` (sets `iss`, `aud`, `iat`, `exp`,
   * `jti`, and the header's `alg`, `kid`, `typ`).
   */
  const sign = (kind: TokenKind, claims: Record<string, unknown>, ttlSeconds?: number) =>
    Effect.gen(function* () {
      const key = yield* signingKey(typeof claims.tid === "string" ? claims.tid : undefined)
      const spec = TOKEN_KINDS[kind]
      const nowSec = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const ttl = ttlSeconds ?? spec.ttlSeconds
      const jti = crypto.randomUUID()
      const token = yield* Effect.promise(() =>
        new Jose.SignJWT({ ...claims, jti })
          .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: spec.typ })
          .setIssuer(issuer)
          .setAudience(spec.audience)
          .setIssuedAt(nowSec)
          .setExpirationTime(nowSec + ttl)
          .sign(key.privateKey)
      )
      return { token, expiresIn: ttl, jti }
    })

  const invalid = new Unauthorized({ message: "invalid or expired token" })

  const verifyFully = (
    kind: TokenKind,
    token: string,
    clockTolerance = 5
  ): Effect.Effect<Jose.JWTPayload, Unauthorized> =>
    Effect.gen(function* () {
      const spec = TOKEN_KINDS[kind]
      const header = yield* Effect.try({ try: () => Jose.decodeProtectedHeader(token), catch: () => invalid })
      if (typeof header.alg !== "string" || !(ALGORITHMS as ReadonlyArray<string>).includes(header.alg)) {
        return yield* invalid
      }
      // Another kind of token (an access token tried as an operator token): refuse before the
      // signature check, which would throw (and build a stack trace) on every request.
      if (header.typ !== spec.typ) return yield* invalid
      const key = yield* resolve(typeof header.kid === "string" ? header.kid : undefined)
      if (Option.isNone(key) || key.value.alg !== header.alg) return yield* invalid
      const nowMs = yield* Clock.currentTimeMillis
      const { payload } = yield* Effect.tryPromise({
        try: () =>
          Jose.jwtVerify(token, key.value.publicKey, {
            algorithms: [key.value.alg],
            issuer,
            audience: spec.audience,
            typ: spec.typ,
            currentDate: new Date(nowMs),
            clockTolerance,
            requiredClaims: ["exp", "iat", "jti", "sub"]
          }),
        catch: () => invalid
      })
      // A tenant's key vouches for its own tenant's tokens only.
      if (key.value.tenantId !== null && payload.tid !== key.value.tenantId) return yield* invalid
      return payload
    })

  // Tokens whose signature and claims were verified, until they expire: a client presents
  // the same access token on every request, and the signature check is the costly part.
  // Bounded; the key must still be known (a removed key stops its tokens at once).
  const verified = new Map<string, { readonly payload: Jose.JWTPayload; readonly kid: string | undefined }>()
  /**
   * Verifies a token of `kind` and returns its payload.
   * @errors Unauthorized (generic message) for any defect: malformed,
   * wrong `alg`/`typ`/`iss`/`aud`, unknown `kid`, bad signature, expired.
   */
  const verify = (kind: TokenKind, token: string): Effect.Effect<Jose.JWTPayload, Unauthorized> =>
    Effect.gen(function* () {
      const cacheKey = `${kind}:${token}`
      const hit = verified.get(cacheKey)
      if (hit) {
        const nowMs = yield* Clock.currentTimeMillis
        if ((hit.payload.exp ?? 0) * 1000 + 5_000 > nowMs && Option.isSome(yield* resolve(hit.kid))) return hit.payload
        verified.delete(cacheKey)
      }
      const payload = yield* verifyFully(kind, token)
      if (verified.size >= 10_000) verified.clear()
      verified.set(cacheKey, { payload, kid: Jose.decodeProtectedHeader(token).kid })
      return payload
    })

  /**
   * Verifies everything but the expiry (signature, kind, issuer, audience): tells an expired
   * token from a forged one, for precise refusal reasons. Never grants access by itself.
   */
  const verifyIgnoringExpiry = (kind: TokenKind, token: string) => verifyFully(kind, token, 10 * 365 * 86_400)

  return { sign, verify, verifyIgnoringExpiry } as const
}
