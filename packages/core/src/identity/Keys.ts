/**
 * JWT signing keys and token signing/verification (RFC 7515/7519 through
 * `jose`; RFC 8725 JWT BCP; RFC 9068 `at+jwt` for access tokens).
 *
 * - Keys are ES256 (default) or EdDSA, identified by `kid`, stored with the
 *   private JWK envelope-encrypted (`signing_keys.private_key_enc`, AAD
 *   `signing_keys:<kid>`), published as a JWKS at `/.well-known/jwks.json`.
 * - Rotation adds a key and gives the previous one `retire_after = now +
 *   longest token lifetime`: it stops signing at once and keeps verifying until
 *   every token it signed has expired.
 * - Verification pins the algorithm list (no `none`, no HS*), the `typ`
 *   header per token kind, `iss`, `aud` and `exp`, and resolves `kid` only
 *   among known keys; an unknown `kid` reloads the key table once (another
 *   replica may have rotated) and otherwise fails. The key table is also
 *   re-read when it changed, checked at most every {@link KEY_REFRESH_MS}
 *   (a rotation by `signet keys rotate` in another process takes effect).
 * - Per-tenant keys (issue 3 §4, optional): `rotate(alg, grace, tenantId)`
 *   gives a tenant keys of its own. Its tokens (those whose `tid` is the
 *   tenant) are then signed with its newest key; a tenant key verifies only
 *   tokens of its tenant (a token of another tenant signed with it is
 *   refused); tokens signed with the platform key before stay valid until
 *   they expire. The tenant's JWKS ({@link SigningKeys} `jwksFor`) lists its
 *   keys and the platform's; `/.well-known/jwks.json` the platform's only.
 *   `dropTenantKeys` returns a tenant to the platform key.
 *
 * The keys are stored through the repository `repo/SigningKeys.ts`.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { Clock, Config, Effect, Option, Ref } from "effect"
import * as Jose from "jose"
import { Envelope } from "../kernel/Crypto.js"
import type { EncryptedColumn } from "../kernel/KeyRotation.js"
import { instant, json } from "../kernel/Sql.js"
import { ALGORITHMS, type SigningAlg, SigningKeysRepo } from "./repo/SigningKeys.js"

/** Token kinds: each has its own `typ` header and audience (RFC 8725 §3.11, §3.9). */
export const TOKEN_KINDS = {
  access: { typ: "at+jwt", audience: "signet-api", ttlSeconds: 15 * 60 },
  mfa: { typ: "signet-mfa+jwt", audience: "signet-mfa", ttlSeconds: 5 * 60 },
  beacon: { typ: "signet-beacon+jwt", audience: "signet-beacon", ttlSeconds: 10 * 60 },
  /** A student's presence token, shown to a classroom beacon (issue 6 §3): short-lived, device-bound. */
  presence: { typ: "signet-presence+jwt", audience: "signet-beacon", ttlSeconds: 2 * 60 },
  operator: { typ: "signet-operator+jwt", audience: "signet-platform", ttlSeconds: 15 * 60 }
} as const
/** @see TOKEN_KINDS */
export type TokenKind = keyof typeof TOKEN_KINDS

export { ALGORITHMS, type SigningAlg } from "./repo/SigningKeys.js"

/** The encrypted column of this file, for master-key rotation. */
export const signingKeyColumn: EncryptedColumn = {
  table: "signing_keys",
  keyColumns: ["kid"],
  column: "private_key_enc",
  aad: (row) => `signing_keys:${row.kid}`
}

type KeyLike = Awaited<ReturnType<typeof Jose.importJWK>>

interface LoadedKey {
  readonly kid: string
  /** The tenant whose tokens the key signs, or null for the platform key. */
  readonly tenantId: string | null
  readonly alg: SigningAlg
  readonly publicJwk: Jose.JWK
  readonly publicKey: KeyLike
  readonly privateKey: KeyLike
  readonly createdAt: string
  readonly retireAfter: string | null
}

/** A public key as published in the JWKS. */
export interface PublicJwk extends Jose.JWK {
  readonly kid: string
  readonly alg: string
  readonly use: "sig"
}

/** How often (at most) the key table is checked for changes made by another process, ms. */
export const KEY_REFRESH_MS = 30_000

/** A signing key as listed by {@link SigningKeys} `list` (no private part). */
export interface SigningKeyInfo {
  readonly kid: string
  readonly tenant_id: string | null
  readonly alg: SigningAlg
  readonly created_at: string
  /** When the key stops verifying; null while it signs. */
  readonly retire_after: string | null
}

/** Issuer (`iss`) of Signet's tokens: `SIGNET_ISSUER`, default `signet`. */
export const issuerConfig = Config.string("SIGNET_ISSUER").pipe(Config.withDefault("signet"))

/**
 * Signing-key service. `sign` and `verify` are the only ways tokens are made
 * and checked.
 */
export class SigningKeys extends Effect.Service<SigningKeys>()("Signet/SigningKeys", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* SigningKeysRepo
    const envelope = yield* Envelope
    const issuer = yield* issuerConfig.pipe(Effect.orElseSucceed(() => "signet"))
    const preferredAlg: SigningAlg = yield* Config.literal(...ALGORITHMS)("SIGNET_JWT_ALG").pipe(
      Config.withDefault("ES256" as const),
      Effect.orElseSucceed(() => "ES256" as const)
    )
    const state = yield* Ref.make<ReadonlyMap<string, LoadedKey>>(new Map())
    let lastReload = 0
    // When the table was last compared with `state`, and what it held then.
    let checkedAt = 0
    let fingerprint = ""
    const fingerprintOf = (rows: ReadonlyArray<{ readonly kid: string; readonly retire_after: string | null }>) =>
      rows.map((r) => `${r.kid}:${r.retire_after ?? ""}`).join(",")

    const load = Effect.gen(function* () {
      const rows = yield* repo.all
      const keys = new Map<string, LoadedKey>()
      for (const row of rows) {
        const privateJwk = JSON.parse(
          (yield* envelope.decrypt(row.private_key_enc, signingKeyColumn.aad(row)).pipe(Effect.orDie)).toString("utf8")
        ) as Jose.JWK
        const publicJwk = row.public_jwk as Jose.JWK
        keys.set(row.kid, {
          kid: row.kid,
          tenantId: row.tenant_id,
          alg: row.alg,
          publicJwk,
          publicKey: yield* Effect.promise(() => Jose.importJWK(publicJwk, row.alg)),
          privateKey: yield* Effect.promise(() => Jose.importJWK(privateJwk, row.alg)),
          createdAt: row.created_at,
          retireAfter: row.retire_after
        })
      }
      yield* Ref.set(state, keys)
      checkedAt = yield* Clock.currentTimeMillis
      fingerprint = fingerprintOf(rows)
      return keys
    })

    /** Re-reads the keys when the table changed since the last look (at most every KEY_REFRESH_MS). */
    const refreshIfChanged = (current: ReadonlyMap<string, LoadedKey>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        // Math.abs: a clock set back must not postpone the next look.
        if (Math.abs(now - checkedAt) < KEY_REFRESH_MS) return current
        checkedAt = now
        const rows = yield* repo.versions
        return fingerprintOf(rows) === fingerprint ? current : yield* load
      })

    /** Generates and stores a new key, the platform's or a tenant's (it becomes the signing key). */
    const generate = (alg: SigningAlg, tenantId: string | null = null) =>
      Effect.gen(function* () {
        const pair = yield* Effect.promise(() => Jose.generateKeyPair(alg, { extractable: true }))
        const publicJwk = yield* Effect.promise(() => Jose.exportJWK(pair.publicKey))
        const privateJwk = yield* Effect.promise(() => Jose.exportJWK(pair.privateKey))
        const kid = yield* Effect.promise(() => Jose.calculateJwkThumbprint(publicJwk))
        const now = instant(yield* Clock.currentTimeMillis)
        const enc = yield* envelope.encrypt(JSON.stringify(privateJwk), signingKeyColumn.aad({ kid }))
        yield* repo.insert({
          kid,
          tenant_id: tenantId,
          alg,
          public_jwk: json({ ...publicJwk, kid, alg, use: "sig" }),
          private_key_enc: enc,
          created_at: now
        })
        return kid
      })

    const ensure = Effect.gen(function* () {
      const current = yield* Ref.get(state)
      if ([...current.values()].some((k) => k.tenantId === null)) return yield* refreshIfChanged(current)
      const loaded = yield* load
      if ([...loaded.values()].some((k) => k.tenantId === null)) return loaded
      yield* generate(preferredAlg)
      return yield* load
    })

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

    const resolve = (kid: string | undefined) =>
      Effect.gen(function* () {
        if (!kid || kid.length > 128) return Option.none<LoadedKey>()
        const keys = yield* ensure
        const found = keys.get(kid)
        if (found) return Option.some(found)
        // Another replica may have rotated: reload at most once a second.
        const now = yield* Clock.currentTimeMillis
        if (now - lastReload < 1000) return Option.none<LoadedKey>()
        lastReload = now
        return Option.fromNullable((yield* load).get(kid))
      })

    const invalid = new Unauthorized({ message: "invalid or expired token" })

    /**
     * Verifies a token of `kind` and returns its payload.
     * @errors Unauthorized (generic message) for any defect: malformed,
     * wrong `alg`/`typ`/`iss`/`aud`, unknown `kid`, bad signature, expired.
     */
    // Tokens whose signature and claims were verified, until they expire: a client presents
    // the same access token on every request, and the signature check is the costly part.
    // Bounded; the key must still be known (a removed key stops its tokens at once).
    const verified = new Map<string, { readonly payload: Jose.JWTPayload; readonly kid: string | undefined }>()
    const verify = (kind: TokenKind, token: string): Effect.Effect<Jose.JWTPayload, Unauthorized> =>
      Effect.gen(function* () {
        const cacheKey = `${kind}:${token}`
        const hit = verified.get(cacheKey)
        if (hit) {
          const nowMs = yield* Clock.currentTimeMillis
          if ((hit.payload.exp ?? 0) * 1000 + 5_000 > nowMs && Option.isSome(yield* resolve(hit.kid)))
            return hit.payload
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

    const publish = (k: LoadedKey) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: "sig" }) as PublicJwk

    /** The platform's JWKS (`/.well-known/jwks.json`): every platform key that may still verify a live token. */
    const jwks = Effect.map(ensure, (keys) => ({
      keys: [...keys.values()].filter((k) => k.tenantId === null).map(publish)
    }))

    /**
     * A tenant's JWKS: its own keys, then the platform's (its tokens are
     * signed with one or the other).
     */
    const jwksFor = (tenantId: string) =>
      Effect.map(ensure, (keys) => {
        const all = [...keys.values()]
        return {
          keys: [...all.filter((k) => k.tenantId === tenantId), ...all.filter((k) => k.tenantId === null)].map(publish)
        }
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

    // The longest lifetime of any token kind (access and operator tokens: 15 min), plus a
    // minute of clock skew: a retired key keeps verifying every token it signed.
    const DEFAULT_GRACE_SECONDS = Math.max(...Object.values(TOKEN_KINDS).map((k) => k.ttlSeconds)) + 60
    /** Retires the owner's signing keys (they verify for `graceSeconds` more) and drops those past their grace. */
    const retireKeys = (tenantId: string | null, graceSeconds: number, nowMs: number) =>
      repo.retire(tenantId, instant(nowMs + graceSeconds * 1000), instant(nowMs))

    /**
     * Rotates the platform's key, or with `tenantId` the tenant's (giving it
     * keys of its own the first time): a new key signs from now on; the
     * previous ones retire after `graceSeconds` (default: the longest token
     * lifetime) and then leave the JWKS at the next rotation. Answers the
     * new `kid`.
     */
    const rotate = (
      alg: SigningAlg = preferredAlg,
      graceSeconds = DEFAULT_GRACE_SECONDS,
      tenantId: string | null = null
    ) =>
      Effect.gen(function* () {
        yield* ensure
        const nowMs = yield* Clock.currentTimeMillis
        const kid = yield* sql
          .withTransaction(Effect.zipRight(retireKeys(tenantId, graceSeconds, nowMs), generate(alg, tenantId)))
          .pipe(Effect.orDie)
        yield* load
        return kid
      })

    /**
     * Returns a tenant to the platform key: its keys stop signing now and
     * keep verifying its tokens for `graceSeconds`. Answers how many keys
     * were retired (0 when the tenant had none signing).
     */
    const dropTenantKeys = (tenantId: string, graceSeconds = DEFAULT_GRACE_SECONDS) =>
      Effect.gen(function* () {
        yield* ensure
        const nowMs = yield* Clock.currentTimeMillis
        const before = (yield* list).filter((k) => k.tenant_id === tenantId && k.retire_after === null).length
        yield* sql.withTransaction(retireKeys(tenantId, graceSeconds, nowMs)).pipe(Effect.orDie)
        yield* load
        return before
      })

    return {
      sign,
      verify,
      verifyIgnoringExpiry,
      jwks,
      jwksFor,
      list,
      rotate,
      dropTenantKeys,
      issuer,
      reload: Effect.asVoid(load)
    } as const
  }),
  dependencies: [SigningKeysRepo.Default]
}) {}
