/**
 * Key storage seam of the signing-key service (issue 14 §3): loads the key
 * table into memory (decrypting the private JWKs), re-reads it when another
 * process changed it (checked at most every `KEY_REFRESH_MS`), generates and
 * stores new keys, makes sure a platform key exists, and resolves a `kid`
 * (reloading once a second at most when it is unknown: another replica may
 * have rotated).
 *
 * @module
 */
import { SigningKeyId } from "@signet/contracts/identity/Domain"
import type { TenantId } from "@signet/contracts/kernel/Context"
import { Clock, type Context, DateTime, Effect, Option, Ref } from "effect"
import * as Jose from "jose"
import type { Envelope } from "../../kernel/Crypto.js"
import { instant, json } from "../../kernel/Sql.js"
import type { SigningAlg, SigningKeysRepo } from "../repo/SigningKeys.js"
import { KEY_REFRESH_MS, type LoadedKey, signingKeyColumn } from "./Shared.js"

/** The in-memory key table and its upkeep; see the module comment. */
export const makeKeyStore = (
  repo: SigningKeysRepo,
  envelope: Context.Tag.Service<Envelope>,
  preferredAlg: SigningAlg
) =>
  Effect.gen(function* () {
    const state = yield* Ref.make<ReadonlyMap<string, LoadedKey>>(new Map())
    let lastReload = 0
    // When the table was last compared with `state`, and what it held then.
    let checkedAt = 0
    let fingerprint = ""
    const fingerprintOf = (rows: ReadonlyArray<{ readonly kid: string; readonly retire_after: DateTime.Utc | null }>) =>
      rows.map((r) => `${r.kid}:${r.retire_after === null ? "" : DateTime.formatIso(r.retire_after)}`).join(",")

    /** Reads every key of the table into memory (and answers them by `kid`). */
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
          privateJwk: () => ({ ...privateJwk, kid: row.kid, alg: row.alg, use: "sig" }),
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
    const generate = (alg: SigningAlg, tenantId: TenantId | null = null) =>
      Effect.gen(function* () {
        const pair = yield* Effect.promise(() => Jose.generateKeyPair(alg, { extractable: true }))
        const publicJwk = yield* Effect.promise(() => Jose.exportJWK(pair.publicKey))
        const privateJwk = yield* Effect.promise(() => Jose.exportJWK(pair.privateKey))
        const kid = SigningKeyId.make(yield* Effect.promise(() => Jose.calculateJwkThumbprint(publicJwk)))
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

    /** The current key table, with a platform key generated first if there is none. */
    const ensure = Effect.gen(function* () {
      const current = yield* Ref.get(state)
      if ([...current.values()].some((k) => k.tenantId === null)) return yield* refreshIfChanged(current)
      const loaded = yield* load
      if ([...loaded.values()].some((k) => k.tenantId === null)) return loaded
      yield* generate(preferredAlg)
      return yield* load
    })

    /** The key of `kid`, if known (an unknown `kid` reloads the table at most once a second). */
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

    return { load, ensure, generate, resolve } as const
  })

/** @see makeKeyStore */
export type KeyStore = Effect.Effect.Success<ReturnType<typeof makeKeyStore>>
