/**
 * SCIM bearer tokens (issue 19 §3 "bearer tokens per tenant scoped to SCIM").
 *
 * Format: `scim_<prefix>_<secret>` — `prefix` (12 base32 characters) finds
 * the row, `secret` (256 bits, base64url) is stored only as its SHA-256
 * (enough for a high-entropy secret; compared in constant time). Shown once.
 * A token authenticates on `/t/{slug}/scim/v2` of its own tenant only, as
 * an `apiKey`-kind actor (id = token id) scoped to the permissions fixed at
 * minting — {@link SCIM_SCOPE} plus the patterns of the default roles of the
 * user types SCIM provisions (a new user receives their type's default role,
 * and nobody grants what they do not hold; `Scim.ts`); the
 * server's other routes do not accept it (their resolver knows no `scim_`
 * format) and the SCIM routes accept nothing else. A token stops working
 * when the user who minted it is disabled or deleted (as API keys do).
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { CreatedScimToken, ScimToken, ScimTokenId, ScimTokenNotFound } from "@signet/contracts/federation/ScimDomain"
import { type Actor, CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { newId } from "@signet/contracts/kernel/Ids"
import { Clock, Effect, Option } from "effect"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { Identity } from "../../identity/Users.js"
import { tenantTx } from "../../kernel/Database.js"
import { instant } from "../../kernel/Sql.js"
import { ScimRepo, type ScimTokenRow } from "./Repo.js"

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
/** A UUID's textual shape (user ids); other creators (operators, the system) are no user. */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest()

/** What a SCIM token may do: users (read, write, delete) and teams (read, write). Nothing else. */
export const SCIM_SCOPE: ReadonlyArray<string> = [
  "users:read",
  "users:write",
  "users:delete",
  "teams:read",
  "teams:write"
]

/**
 * What a token minted with `student_groups: true` holds beyond
 * {@link SCIM_SCOPE}: the academics permissions that SCIM groups of kind
 * `student_group` need (`GroupTargets.ts`).
 */
export const STUDENT_GROUP_SCOPE: ReadonlyArray<string> = ["academics:read", "academics:write"]

/** Parses `scim_<prefix>_<secret>`; `None` for anything else. */
export const parseScimToken = (
  presented: string
): Option.Option<{ readonly prefix: string; readonly secret: string }> => {
  const m = /^scim_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/.exec(presented)
  return m ? Option.some({ prefix: m[1]!, secret: m[2]! }) : Option.none()
}

const toToken = ({ secret_hash: _, ...r }: ScimTokenRow) => new ScimToken({ ...r, active: r.revoked_at === null })

/** The token seam of the SCIM service. */
export const makeTokens = Effect.gen(function* () {
  const repo = yield* ScimRepo
  const audit = yield* Audit
  const events = yield* Events
  const identity = yield* Identity

  /** Mints a token for the current tenant; the secret is in the answer only. */
  const create = (name: string, permissions: ReadonlyArray<string>) =>
    tenantTx(
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        const tenant = yield* CurrentTenant
        const id = yield* newId(ScimTokenId)
        const prefix = [...Crypto.randomBytes(12)].map((b) => BASE32[b % 32]).join("")
        const secret = Crypto.randomBytes(32).toString("base64url")
        const at = instant(yield* Clock.currentTimeMillis)
        yield* repo.insertToken({
          id,
          name,
          prefix,
          secret_hash: sha256(secret).toString("hex"),
          permissions,
          created_by: actor.id,
          created_at: at
        })
        const token = toToken(Option.getOrThrow(yield* repo.tokenByPrefix(prefix)))
        yield* audit.record({ action: "scim.token.create", targetType: "scim_token", targetId: id, after: token })
        yield* events.publish({ type: "signet.scim.token.created", subject: id, data: token })
        return new CreatedScimToken({
          scim_token: token,
          token: `scim_${prefix}_${secret}`,
          base_url: `/t/${tenant.slug}/scim/v2`
        })
      })
    )

  /** The tenant's tokens, newest first (never their secrets). */
  const list = tenantTx(Effect.map(repo.tokens, (rows) => rows.map(toToken)))

  /** Revokes a token. @errors ScimTokenNotFound (also another tenant's, or already revoked) */
  const revoke = (id: ScimTokenId) =>
    tenantTx(
      Effect.gen(function* () {
        const at = instant(yield* Clock.currentTimeMillis)
        const row = yield* repo.revokeToken(id, at)
        if (Option.isNone(row)) return yield* new ScimTokenNotFound({ message: `no active SCIM token ${id}`, id })
        const token = toToken(row.value)
        yield* audit.record({ action: "scim.token.revoke", targetType: "scim_token", targetId: id, after: token })
        yield* events.publish({ type: "signet.scim.token.revoked", subject: id, data: { id } })
      })
    )

  /**
   * The actor of a presented token in the current tenant, or `None` (unknown
   * format, prefix, wrong secret, revoked, or another tenant's token).
   * `last_used_at` is written at most once a minute.
   */
  const authenticate = (presented: string) =>
    Effect.gen(function* () {
      const parsed = parseScimToken(presented)
      if (Option.isNone(parsed)) return Option.none<Actor>()
      const found = yield* tenantTx(repo.tokenByPrefix(parsed.value.prefix))
      if (Option.isNone(found) || found.value.revoked_at !== null) return Option.none<Actor>()
      const row = found.value
      const expected = Buffer.from(row.secret_hash, "hex")
      if (!Crypto.timingSafeEqual(sha256(parsed.value.secret), expected)) return Option.none<Actor>()
      // A token dies with the user who minted it (as API keys do): disabled or deleted → refused.
      if (row.created_by !== null && UUID_SHAPE.test(row.created_by)) {
        const creator = yield* tenantTx(identity.findRow(row.created_by))
        if (Option.isSome(creator) && (creator.value.status === "disabled" || creator.value.deleted_at !== null))
          return Option.none<Actor>()
      }
      const nowMs = yield* Clock.currentTimeMillis
      const last = row.last_used_at ? row.last_used_at.epochMillis : 0
      if (nowMs - last > 60_000) yield* tenantTx(repo.touchToken(row.id, instant(nowMs)))
      return Option.some<Actor>({ kind: "apiKey", id: row.id, permissions: row.permissions })
    })

  return { create, list, revoke, authenticate } as const
})
