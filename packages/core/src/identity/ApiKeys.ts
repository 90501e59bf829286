/**
 * API keys (seed 001 `api_keys`): per tenant, scoped to a set of
 * permissions, optional expiry, last-used time, revocable.
 *
 * Format: `sg_<prefix>_<secret>` — `prefix` (12 base32 characters) finds the
 * row, `secret` (256 bits, base64url) is stored only as a SHA-256 hash
 * (enough for a high-entropy secret; compared in constant time). The full key
 * is shown once, at creation. `last_used_at` is written at most once a
 * minute per key, so a busy key does not turn every request into a write.
 * A key's scope never exceeds what its creator holds (no escalation through
 * a key: see {@link ApiKeys} `create`).
 *
 * The keys are stored through the repository `repo/ApiKeys.ts`.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { ApiKey, ApiKeyId, ApiKeyNotFound, type CreateApiKey, CreatedApiKey } from "@signet/contracts/identity/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Option } from "effect"
import { Access } from "../access/Access.js"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { instant } from "../kernel/Sql.js"
import { type ApiKeyRow, ApiKeysRepo } from "./repo/ApiKeys.js"
import { UsersRepo } from "./repo/Users.js"
import { Identity } from "./Users.js"

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
/** A UUID's textual shape (user ids); other creators (the bootstrap operator) are no user. */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest()

/** Parses `sg_<prefix>_<secret>`; `None` for anything else. */
export const parseApiKey = (presented: string): Option.Option<{ readonly prefix: string; readonly secret: string }> => {
  const m = /^sg_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/.exec(presented)
  return m ? Option.some({ prefix: m[1]!, secret: m[2]! }) : Option.none()
}

/** The public view of a row (`active`: neither revoked nor expired at `nowMs`). */
const toApiKey = ({ secret_hash: _, ...r }: ApiKeyRow, nowMs: number) =>
  new ApiKey({
    ...r,
    active: r.revoked_at === null && (r.expires_at === null || DateTime.toEpochMillis(r.expires_at) > nowMs)
  })

/** The API key service (acts on the `CurrentTenant`). */
export class ApiKeys extends Effect.Service<ApiKeys>()("Signet/ApiKeys", {
  effect: Effect.gen(function* () {
    const repo = yield* ApiKeysRepo
    const users = yield* UsersRepo
    const audit = yield* Audit
    const events = yield* Events
    const identity = yield* Identity
    const inTx = identity.inTx

    /** Writes a key whose scope `create` has checked (one transaction: row, audit, event). */
    const insert = (input: CreateApiKey, nowMs: number, permissions: ReadonlyArray<string>) =>
      inTx(
        Effect.gen(function* () {
          const actor = yield* CurrentActor
          const id = yield* newId(ApiKeyId)
          const prefix = [...Crypto.randomBytes(12)].map((b) => BASE32[b % 32]).join("")
          const secret = Crypto.randomBytes(32).toString("base64url")
          yield* repo.insert({
            id,
            name: input.name,
            prefix,
            secret_hash: sha256(secret).toString("hex"),
            permissions,
            created_by: actor.id,
            created_at: instant(nowMs),
            expires_at: input.expires_at ?? null
          })
          const key = toApiKey(Option.getOrThrow(yield* repo.find(id)), nowMs)
          yield* audit.record({ action: "apikey.create", targetType: "api_key", targetId: id, after: key })
          yield* events.publish({ type: "signet.apikey.created", subject: id, data: key })
          return new CreatedApiKey({ api_key: key, key: `sg_${prefix}_${secret}` })
        })
      )

    /**
     * Creates a key scoped to `permissions`; the returned `key` is shown once.
     *
     * A key acts with its scope, so minting one grants that scope: every
     * entry must be a permission the tenant knows (the rule of role grants:
     * declared or tenant-created, `resource:*` of a known resource, or `*:*`)
     * and one the `CurrentActor` holds itself (`Access.requireHeld`; a
     * pattern wholly). Operators and the system (CLI) hold everything.
     * @errors ValidationError (expiry in the past; `permissions`: an unknown
     * permission), Forbidden (403, naming the first scope entry the caller
     * does not hold)
     */
    const create = (input: CreateApiKey) =>
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        if (input.expires_at !== undefined && Date.parse(input.expires_at) <= nowMs) {
          return yield* ValidationError.field("expires_at", "must be in the future")
        }
        // In the order given, so the 403 names the first entry of the request not held.
        const scope = [...new Set(input.permissions)]
        const access = yield* Access
        yield* access.validatePermissions(scope, "permissions")
        yield* access.requireHeld(scope, "an API key scope")
        return yield* insert(input, nowMs, [...scope].sort())
      })

    /** Lists the tenant's keys (newest first; secrets never included). */
    const list = inTx(
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        const rows = yield* repo.list
        return rows.map((r) => toApiKey(r, nowMs))
      })
    )

    /** Revokes a key. @errors ApiKeyNotFound */
    const revoke = (id: ApiKeyId) =>
      inTx(
        Effect.gen(function* () {
          const nowMs = yield* Clock.currentTimeMillis
          const revoked = yield* repo.revoke(id, instant(nowMs))
          if (Option.isNone(revoked)) return yield* new ApiKeyNotFound({ message: `no active API key ${id}`, id })
          const key = toApiKey(revoked.value, nowMs)
          yield* audit.record({ action: "apikey.revoke", targetType: "api_key", targetId: id, after: key })
          yield* events.publish({ type: "signet.apikey.revoked", subject: id, data: { id } })
          return key
        })
      )

    /**
     * Authenticates a presented key for the current tenant: returns its id
     * and permissions.
     * @errors Unauthorized (malformed, unknown, wrong secret, revoked, expired)
     */
    const authenticate = (presented: string) =>
      Effect.gen(function* () {
        const invalid = new Unauthorized({ message: "invalid API key" })
        const parsed = parseApiKey(presented)
        if (Option.isNone(parsed)) return yield* invalid
        return yield* inTx(
          Effect.gen(function* () {
            const nowMs = yield* Clock.currentTimeMillis
            const row = Option.getOrUndefined(yield* repo.findByPrefix(parsed.value.prefix))
            const expected = Buffer.from(row?.secret_hash ?? "00".repeat(32), "hex")
            const matches = Crypto.timingSafeEqual(expected, sha256(parsed.value.secret))
            if (!row || !matches || !toApiKey(row, nowMs).active) return yield* invalid
            // A key dies with its creator (issue 15 §4): a key minted by a user who has since been
            // disabled or deleted no longer authenticates. Keys made by operators or the system
            // (no user row) are the platform's and stay until revoked or expired; the bootstrap
            // operator's id ("bootstrap") is no UUID and must not reach a uuid column (Postgres).
            if (row.created_by !== null && UUID_SHAPE.test(row.created_by)) {
              const [user] = yield* users.findMany([row.created_by])
              if (user && (user.status === "disabled" || user.deleted_at !== null)) return yield* invalid
            }
            if (row.last_used_at === null || nowMs - DateTime.toEpochMillis(row.last_used_at) > 60_000) {
              yield* repo.touch(row.id, instant(nowMs))
            }
            return { id: row.id, permissions: row.permissions }
          })
        )
      })

    return { create, list, revoke, authenticate } as const
  }),
  dependencies: [ApiKeysRepo.Default, UsersRepo.Default]
}) {}
