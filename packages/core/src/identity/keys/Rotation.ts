/**
 * Rotation seam of the signing-key service (issue 14 §3): rotating the
 * platform's or a tenant's key, and returning a tenant to the platform key.
 * A retired key stops signing at once and keeps verifying for its grace
 * (default: the longest token lifetime plus a minute), then is dropped at the
 * owner's next rotation.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { TenantId } from "@signet/contracts/kernel/Context"
import { Clock, Effect } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { SigningAlg, SigningKeysRepo } from "../repo/SigningKeys.js"
import { DEFAULT_GRACE_SECONDS, type SigningKeyInfo } from "./Shared.js"
import type { KeyStore } from "./Store.js"

/** Key rotation over the key table; see the module comment. */
export const makeRotation = (
  sql: SqlClient.SqlClient,
  repo: SigningKeysRepo,
  store: KeyStore,
  list: Effect.Effect<ReadonlyArray<SigningKeyInfo>>,
  preferredAlg: SigningAlg
) => {
  const { ensure, load, generate } = store

  /** Retires the owner's signing keys (they verify for `graceSeconds` more) and drops those past their grace. */
  const retireKeys = (tenantId: TenantId | null, graceSeconds: number, nowMs: number) =>
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
    tenantId: TenantId | null = null
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
  const dropTenantKeys = (tenantId: TenantId, graceSeconds = DEFAULT_GRACE_SECONDS) =>
    Effect.gen(function* () {
      yield* ensure
      const nowMs = yield* Clock.currentTimeMillis
      const before = (yield* list).filter((k) => k.tenant_id === tenantId && k.retire_after === null).length
      yield* sql.withTransaction(retireKeys(tenantId, graceSeconds, nowMs)).pipe(Effect.orDie)
      yield* load
      return before
    })

  return { rotate, dropTenantKeys } as const
}
