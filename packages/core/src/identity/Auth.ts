/**
 * Authentication: login with lockout, sessions, refresh-token rotation with
 * reuse detection, logout, password changes, and `AuthService.ValidateToken`
 * (seed 000 §6; seed 002 "Authentication & security"; ARCHITECTURE §3;
 * OWASP ASVS V2/V3).
 *
 * Security notes, in the order a login meets them:
 * - One failure answer (`InvalidCredentials`, 401, same body) for unknown
 *   users, wrong passwords, locked and disabled accounts. Unknown users are
 *   verified against a dummy argon2id hash and their failure is audited like
 *   a known user's, so both paths cost one hash and one transaction.
 * - `auth.lockout_threshold` consecutive failures (default 5) lock the account
 *   for `auth.lockout_minutes` (default 15); the lock is an audit row.
 * - Refresh tokens are 256-bit random strings, stored as SHA-256 hashes (high
 *   entropy makes a slow hash unnecessary), valid 7 days and single use: the
 *   redeeming UPDATE is conditional on `used_at IS NULL`, so of two
 *   concurrent refreshes with one token exactly one wins. Presenting a token
 *   that was already used revokes the whole session (the token family) and
 *   writes an audit row — the signature of a stolen token.
 * - Access tokens carry `sid`; validation also checks that the session is not
 *   revoked, so logout and "sign out everywhere" take effect immediately.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import {
  AccessClaims,
  InvalidCredentials,
  type LoginRequest,
  type LoginResult,
  Session,
  TokenPair
} from "@signet/contracts/identity/Domain"
import { type Actor, CurrentActor, CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { NotFound, Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, Effect, Option, Redacted, Ref, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { SigningKeys, TOKEN_KINDS } from "./Keys.js"
import { enforceLoginLimits, loginRules } from "./LoginLimits.js"
import { dummyHash, needsRehash, verifyPassword } from "./Password.js"
import { Identity, normalize, UserRow } from "./Users.js"

/** Refresh token lifetime: 7 days (seed 002). */
export const REFRESH_TTL_MS = 7 * 24 * 3600 * 1000

/** Request facts recorded with a session. */
export interface ClientInfo {
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
  readonly deviceLabel?: string | undefined
}

/** Resolves the role names put in the `roles` claim (wired to the access module). */
export type RoleResolver = (tenantId: string, userId: string) => Effect.Effect<ReadonlyArray<string>>

/** A verified access token and what it stands for. */
export interface Principal {
  readonly claims: AccessClaims
  readonly tenant: { readonly id: TenantId; readonly slug: string }
  readonly actor: Actor
}

const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest("hex")

/** A new opaque refresh token: `sgr_` + 256 random bits (base64url). */
export const newRefreshToken = (): string => `sgr_${Crypto.randomBytes(32).toString("base64url")}`

const SessionRow = Schema.Struct({
  id: Schema.String,
  user_id: Schema.String,
  device_label: Schema.NullOr(Schema.String),
  user_agent: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  last_seen_at: Schema.String,
  expires_at: Schema.String,
  revoked_at: Schema.NullOr(Schema.String)
})
const decodeSessions = Schema.decodeUnknown(Schema.Array(SessionRow))

/** The authentication service. */
export class Auth extends Effect.Service<Auth>()("Signet/Auth", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const tenancy = yield* Tenancy
    const identity = yield* Identity
    const keys = yield* SigningKeys
    const limiter = yield* RateLimiter
    // Login limits: per client address and per account (tenant + login).
    const rules = yield* loginRules
    const roleResolver = yield* Ref.make<RoleResolver>(() => Effect.succeed([]))
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    const withTenant = <A, E, R>(tenant: Tenant, self: Effect.Effect<A, E, R>) =>
      Effect.provideService(self, CurrentTenant, { id: tenant.id, slug: tenant.slug })

    /** Installs the function that yields a user's role names for the `roles` claim. */
    const setRoleResolver = (f: RoleResolver) => Ref.set(roleResolver, f)

    const issueAccess = (tenant: Tenant, user: UserRow, sessionId: string) =>
      Effect.gen(function* () {
        const roles = yield* Effect.flatMap(Ref.get(roleResolver), (f) => f(tenant.id, user.id))
        // Tenant policy `auth.mfa_required_for_admins`: an administrator — of type admin or dev
        // (whose default role is admin), or holding the admin role — without MFA gets a token
        // that only reaches their profile and MFA enrolment (see UserAuth).
        const mustEnroll =
          (user.user_type === "admin" || user.user_type === "dev" || roles.includes("admin")) &&
          !user.mfa_enabled &&
          (yield* tenancy.settingValue<boolean>(tenant.id, "auth.mfa_required_for_admins"))
        return yield* keys.sign("access", {
          ...(mustEnroll ? { mfa_enroll: true } : {}),
          sub: user.id,
          tid: tenant.id,
          tenant_slug: tenant.slug,
          school_id: user.school_id,
          user_type: user.user_type,
          roles: [...roles],
          sid: sessionId,
          plan: tenant.plan
        })
      })

    /** Stores a new refresh token for a session (caller's transaction). */
    const storeRefresh = (tenantId: string, sessionId: string, nowMs: number) =>
      Effect.gen(function* () {
        const token = newRefreshToken()
        yield* sql`INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, created_at, expires_at)
          VALUES (${tenantId}, ${sha256(token)}, ${sessionId}, ${instant(nowMs)}, ${instant(nowMs + REFRESH_TTL_MS)})`
        return token
      })

    /**
     * Opens a session for an authenticated user and issues its tokens (in the
     * caller's tenant transaction).
     */
    const openSession = (tenant: Tenant, user: UserRow, client: ClientInfo, mfaVerified: boolean) =>
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        const sessionId = yield* newUuid
        yield* sql`INSERT INTO user_sessions (tenant_id, id, user_id, device_label, user_agent, ip, created_at,
            last_seen_at, expires_at, mfa_verified_at)
          VALUES (${tenant.id}, ${sessionId}, ${user.id}, ${client.deviceLabel ?? null}, ${
            client.userAgent?.slice(0, 500) ?? null
          }, ${client.ip ?? null}, ${instant(nowMs)}, ${instant(nowMs)}, ${instant(nowMs + REFRESH_TTL_MS)}, ${
            mfaVerified ? instant(nowMs) : null
          })`
        const refresh = yield* storeRefresh(tenant.id, sessionId, nowMs)
        const access = yield* issueAccess(tenant, user, sessionId)
        const present = yield* identity.present(user)
        // Built from decoded rows and our own tokens: not validated again here (the
        // response is encoded through the schema, as toUser does for the user).
        return new TokenPair(
          {
            access_token: access.token,
            refresh_token: refresh,
            token_type: "Bearer",
            expires_in: access.expiresIn,
            refresh_expires_in: REFRESH_TTL_MS / 1000,
            session_id: sessionId,
            user: present
          },
          true
        )
      }).pipe(Effect.orDie)

    /**
     * Password login for the tenant `slug`.
     * @errors InvalidCredentials (401, the one generic failure), TenantNotFound, TenantSuspended
     */
    const login = (slug: string, request: LoginRequest, client: ClientInfo) =>
      Effect.gen(function* () {
        const tenant = yield* tenancy.resolveActive(slug)
        // Rate limits come before any password work; the client address is the
        // one the server derived (X-Forwarded-For only from trusted proxies).
        yield* enforceLoginLimits(limiter, rules, {
          ip: `login:ip:${client.ip ?? "unknown"}`,
          account: `login:account:${tenant.id}:${normalize(request.login)}`
        })
        const actorBase: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        return yield* withTenant(
          tenant,
          Effect.gen(function* () {
            const found = yield* inTx(identity.findByLogin(request.login))
            const user = Option.getOrUndefined(found)
            const phc = user?.password_hash ?? (yield* dummyHash())
            const passwordOk = yield* verifyPassword(phc, request.password)
            const nowMs = yield* Clock.currentTimeMillis
            const fail = (
              action: string,
              targetId: string | null,
              after: unknown,
              updateSql?: Effect.Effect<unknown, unknown>
            ) =>
              inTx(
                Effect.gen(function* () {
                  if (updateSql) yield* Effect.orDie(updateSql)
                  yield* audit.record({ action, targetType: "user", targetId, after })
                })
              ).pipe(
                Effect.provideService(CurrentActor, { ...actorBase, id: targetId }),
                Effect.zipRight(Effect.fail(InvalidCredentials.generic))
              )
            if (!user || user.password_hash === null) {
              return yield* fail("auth.login_failed", null, {
                login: request.login.slice(0, 254),
                reason: "unknown_login"
              })
            }
            if (user.status !== "active") {
              return yield* fail("auth.login_failed", user.id, { reason: `account_${user.status}` })
            }
            if (user.locked_until !== null && Date.parse(user.locked_until) > nowMs) {
              return yield* fail("auth.login_failed", user.id, {
                reason: "account_locked",
                locked_until: user.locked_until
              })
            }
            if (!passwordOk) {
              const threshold = yield* tenancy.settingValue<number>(tenant.id, "auth.lockout_threshold")
              const minutes = yield* tenancy.settingValue<number>(tenant.id, "auth.lockout_minutes")
              const failures = user.failed_logins + 1
              if (failures >= threshold) {
                const until = instant(nowMs + minutes * 60_000)
                return yield* fail(
                  "user.locked",
                  user.id,
                  { reason: "too_many_failed_logins", failed_logins: failures, locked_until: until },
                  sql`UPDATE users SET failed_logins = 0, locked_until = ${until}, updated_at = ${instant(nowMs)}
                    WHERE tenant_id = ${tenant.id} AND id = ${user.id}`
                )
              }
              return yield* fail(
                "auth.login_failed",
                user.id,
                { reason: "wrong_password", failed_logins: failures },
                sql`UPDATE users SET failed_logins = ${failures} WHERE tenant_id = ${tenant.id} AND id = ${user.id}`
              )
            }
            // Success. Transparently upgrade hashes made with older parameters.
            const rehash = needsRehash(user.password_hash)
            if (user.mfa_enabled) {
              const challenge = yield* keys.sign("mfa", {
                sub: user.id,
                tid: tenant.id,
                device_label: client.deviceLabel ?? null
              })
              yield* inTx(
                Effect.gen(function* () {
                  yield* sql`UPDATE users SET failed_logins = 0, locked_until = NULL WHERE tenant_id = ${tenant.id}
                    AND id = ${user.id}`.pipe(Effect.orDie)
                  if (rehash) yield* identity.storePassword(user.id, request.password)
                  yield* audit.record({ action: "auth.mfa_challenge", targetType: "user", targetId: user.id })
                })
              ).pipe(Effect.provideService(CurrentActor, { ...actorBase, id: user.id }))
              return {
                status: "mfa_required",
                mfa_token: challenge.token,
                expires_in: challenge.expiresIn
              } as LoginResult
            }
            const tokens = yield* inTx(
              Effect.gen(function* () {
                yield* sql`UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ${instant(nowMs)}
                  WHERE tenant_id = ${tenant.id} AND id = ${user.id}`.pipe(Effect.orDie)
                if (rehash) yield* identity.storePassword(user.id, request.password)
                const pair = yield* openSession(tenant, { ...user, last_login_at: instant(nowMs) }, client, false)
                yield* audit.record({
                  action: "auth.login",
                  targetType: "session",
                  targetId: pair.session_id,
                  after: { user_id: user.id, device_label: client.deviceLabel ?? null }
                })
                yield* events.publish({
                  type: "signet.auth.login",
                  subject: user.id,
                  data: { session_id: pair.session_id }
                })
                return pair
              })
            ).pipe(Effect.provideService(CurrentActor, { ...actorBase, id: user.id }))
            return { status: "authenticated", tokens } as LoginResult
          })
        )
      }).pipe(Effect.withSpan("Auth.login"))

    const revokeFamily = (tenantId: string, sessionId: string, reason: string, nowMs: number) =>
      sql`UPDATE user_sessions SET revoked_at = ${instant(nowMs)}, revoked_reason = ${reason}
        WHERE tenant_id = ${tenantId} AND id = ${sessionId} AND revoked_at IS NULL`.pipe(Effect.orDie)

    /**
     * Redeems a refresh token for a new pair (rotation). A token presented a
     * second time revokes its session.
     * @errors Unauthorized (unknown, expired, reused or revoked), TenantNotFound, TenantSuspended
     */
    const refresh = (slug: string, refreshToken: string, client: ClientInfo) =>
      Effect.gen(function* () {
        const tenant = yield* tenancy.resolveActive(slug)
        const invalid = () => new Unauthorized({ message: "invalid or expired refresh token" })
        if (!refreshToken.startsWith("sgr_")) return yield* invalid()
        const hash = sha256(refreshToken)
        const nowMs = yield* Clock.currentTimeMillis
        const actor: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
        return yield* withTenant(
          tenant,
          Effect.gen(function* () {
            // One transaction: redeem (the conditional UPDATE is the single-use
            // guarantee), check session and user, store the successor token.
            const outcome = yield* inTx(
              Effect.gen(function* () {
                const redeemed = yield* sql<{
                  session_id: string
                }>`UPDATE refresh_tokens SET used_at = ${instant(nowMs)}
                  WHERE tenant_id = ${tenant.id} AND token_hash = ${hash} AND used_at IS NULL
                    AND expires_at > ${instant(nowMs)} RETURNING session_id`
                const sessionId = redeemed[0]?.session_id
                if (!sessionId) return { kind: "miss" as const }
                const rows =
                  yield* sql`SELECT u.*, s.revoked_at AS session_revoked_at, s.expires_at AS session_expires_at,
                    s.ip AS session_ip
                  FROM user_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
                  WHERE s.tenant_id = ${tenant.id} AND s.id = ${sessionId} AND u.deleted_at IS NULL`
                const session = rows[0] as
                  | { session_revoked_at: string | null; session_expires_at: string; session_ip: string | null }
                  | undefined
                if (
                  !session ||
                  session.session_revoked_at !== null ||
                  Date.parse(session.session_expires_at) <= nowMs
                ) {
                  return { kind: "invalid" as const }
                }
                const user = yield* Schema.decodeUnknown(UserRow)(rows[0])
                if (user.status !== "active") return { kind: "invalid" as const }
                yield* sql`UPDATE user_sessions SET last_seen_at = ${instant(nowMs)},
                    expires_at = ${instant(nowMs + REFRESH_TTL_MS)}, ip = ${client.ip ?? session.session_ip}
                  WHERE tenant_id = ${tenant.id} AND id = ${sessionId}`
                const token = yield* storeRefresh(tenant.id, sessionId, nowMs)
                return { kind: "ok" as const, sessionId, user, token, present: yield* identity.present(user) }
              }).pipe(Effect.orDie)
            )
            if (outcome.kind === "ok") {
              const access = yield* issueAccess(tenant, outcome.user, outcome.sessionId)
              return new TokenPair(
                {
                  access_token: access.token,
                  refresh_token: outcome.token,
                  token_type: "Bearer",
                  expires_in: access.expiresIn,
                  refresh_expires_in: REFRESH_TTL_MS / 1000,
                  session_id: outcome.sessionId,
                  user: outcome.present
                },
                true
              )
            }
            if (outcome.kind === "miss") {
              // Unknown, expired — or already used: the signature of a stolen token.
              const known = yield* inTx(
                sql<{ session_id: string; used_at: string | null }>`SELECT session_id, used_at FROM refresh_tokens
                  WHERE tenant_id = ${tenant.id} AND token_hash = ${hash}`.pipe(Effect.orDie)
              )
              const reused = known[0]
              if (reused && reused.used_at !== null) {
                yield* inTx(
                  Effect.gen(function* () {
                    yield* revokeFamily(tenant.id, reused.session_id, "refresh_token_reuse", nowMs)
                    yield* audit.record({
                      action: "session.refresh_reuse_detected",
                      targetType: "session",
                      targetId: reused.session_id,
                      after: { revoked: true }
                    })
                    yield* events.publish({
                      type: "signet.auth.session.revoked",
                      subject: reused.session_id,
                      data: { reason: "refresh_token_reuse" }
                    })
                  })
                ).pipe(Effect.provideService(CurrentActor, actor))
              }
            }
            return yield* invalid()
          })
        )
      }).pipe(Effect.withSpan("Auth.refresh"))

    /**
     * `AuthService.ValidateToken` (seed 000 §6): verifies an access token and
     * that its tenant is active, its session live and its user active.
     * @errors Unauthorized, TenantSuspended
     */
    const validateToken = (token: string) =>
      Effect.gen(function* () {
        const invalid = () => new Unauthorized({ message: "invalid or expired token" })
        const payload = yield* keys.verify("access", token)
        const claims = yield* Schema.decodeUnknown(AccessClaims)(payload).pipe(Effect.mapError(() => invalid()))
        const tenant = yield* tenancy.getById(claims.tid).pipe(Effect.mapError(() => invalid()))
        if (tenant.slug !== claims.tenant_slug) return yield* invalid()
        if (tenant.status === "suspended") {
          return yield* tenancy.resolveActive(tenant.slug).pipe(
            Effect.catchTag("TenantNotFound", () => Effect.fail(invalid())),
            Effect.flatMap(() => Effect.fail(invalid()))
          )
        }
        const nowMs = yield* Clock.currentTimeMillis
        // Session live and user active, in one read.
        const ok = yield* withTenant(
          tenant,
          inTx(
            sql<{
              status: string
              revoked_at: string | null
              expires_at: string
            }>`SELECT u.status, s.revoked_at, s.expires_at
              FROM user_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
              WHERE s.tenant_id = ${tenant.id} AND s.id = ${claims.sid} AND u.id = ${claims.sub} AND u.deleted_at IS NULL`.pipe(
              Effect.orDie,
              Effect.map((rows) => {
                const r = rows[0]
                return !!r && r.status === "active" && r.revoked_at === null && Date.parse(r.expires_at) > nowMs
              })
            )
          )
        )
        if (!ok) return yield* invalid()
        return claims
      })

    /** Lists the live sessions of a user; `current` marks the caller's. */
    const listSessions = (userId: string, currentSessionId: string | null) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const nowMs = yield* Clock.currentTimeMillis
          const rows = yield* sql`SELECT * FROM user_sessions WHERE tenant_id = ${tenant.id} AND user_id = ${userId}
            AND revoked_at IS NULL AND expires_at > ${instant(nowMs)} ORDER BY created_at DESC`.pipe(
            Effect.flatMap(decodeSessions),
            Effect.orDie
          )
          return rows.map((r) => new Session({ ...r, current: r.id === currentSessionId }))
        })
      )

    /**
     * Revokes sessions of a user: one (`only`), or all but `except`, in the
     * caller's transaction. Returns how many were revoked.
     */
    const revokeSessions = (
      userId: string,
      options: { readonly only?: string; readonly except?: string | null; readonly reason: string }
    ) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const nowMs = yield* Clock.currentTimeMillis
        const rows = yield* sql<{ id: string }>`UPDATE user_sessions SET revoked_at = ${instant(nowMs)},
            revoked_reason = ${options.reason}
          WHERE tenant_id = ${tenant.id} AND user_id = ${userId} AND revoked_at IS NULL
            ${options.only ? sql`AND id = ${options.only}` : sql``}
            ${options.except ? sql`AND id <> ${options.except}` : sql``}
          RETURNING id`.pipe(Effect.orDie)
        return rows.length
      })

    /**
     * Revokes one of the caller's sessions (logout when it is the current
     * one). @errors NotFound (404) when the id is not one of their live sessions
     */
    const revokeSession = (userId: string, sessionId: string) =>
      inTx(
        Effect.gen(function* () {
          const n = yield* revokeSessions(userId, { only: sessionId, reason: "revoked_by_user" })
          if (n === 0)
            return yield* new NotFound({ message: `no live session ${sessionId}`, resource: "session", id: sessionId })
          yield* audit.record({ action: "session.revoke", targetType: "session", targetId: sessionId })
          yield* events.publish({
            type: "signet.auth.session.revoked",
            subject: sessionId,
            data: { reason: "revoked_by_user" }
          })
        })
      )

    /** Revokes every session of the user except `keep`. Returns the count. */
    const revokeOtherSessions = (userId: string, keep: string | null) =>
      inTx(
        Effect.gen(function* () {
          const n = yield* revokeSessions(userId, { except: keep, reason: "signed_out_elsewhere" })
          yield* audit.record({
            action: "session.revoke_others",
            targetType: "user",
            targetId: userId,
            after: { revoked: n }
          })
          return n
        })
      )

    /**
     * Changes the caller's password (current one required); by default signs
     * out every other session.
     * @errors ValidationError (`current_password` wrong, `new_password` policy)
     */
    const changePassword = (
      userId: string,
      currentSessionId: string | null,
      current: Redacted.Redacted<string>,
      next: Redacted.Redacted<string>,
      signOutOthers = true
    ) =>
      Effect.gen(function* () {
        const row = yield* inTx(identity.findRow(userId))
        if (Option.isNone(row) || row.value.password_hash === null) {
          return yield* ValidationError.field("current_password", "is incorrect")
        }
        if (!(yield* verifyPassword(row.value.password_hash, current))) {
          return yield* ValidationError.field("current_password", "is incorrect")
        }
        if (Redacted.value(current) === Redacted.value(next)) {
          return yield* ValidationError.field("new_password", "must differ from the current password")
        }
        yield* identity.checkPassword(next, row.value.email, row.value.username, "new_password")
        return yield* inTx(
          Effect.gen(function* () {
            yield* identity.storePassword(userId, next)
            const revoked = signOutOthers
              ? yield* revokeSessions(userId, { except: currentSessionId, reason: "password_changed" })
              : 0
            yield* audit.record({
              action: "user.password_change",
              targetType: "user",
              targetId: userId,
              after: { other_sessions_revoked: revoked }
            })
            yield* events.publish({ type: "signet.user.password_changed", subject: userId, data: { by: "self" } })
            return { other_sessions_revoked: revoked }
          })
        )
      })

    /**
     * Admin password reset: sets the password and revokes every session.
     * @errors UserNotFound, ValidationError (policy)
     */
    const resetPassword = (userId: string, next: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const user = yield* identity.get(userId)
        yield* identity.checkPassword(next, user.email, user.username, "new_password")
        return yield* inTx(
          Effect.gen(function* () {
            yield* identity.storePassword(userId, next)
            const revoked = yield* revokeSessions(userId, { reason: "password_reset" })
            yield* audit.record({
              action: "user.password_reset",
              targetType: "user",
              targetId: userId,
              after: { sessions_revoked: revoked }
            })
            yield* events.publish({ type: "signet.user.password_changed", subject: userId, data: { by: "admin" } })
            return { sessions_revoked: revoked }
          })
        )
      })

    /** Disables a user and revokes all their sessions. @errors UserNotFound */
    const disableUser = (userId: string) =>
      identity.lifecycle(userId, "disabled", (_t, id) => Effect.asVoid(revokeSessions(id, { reason: "user_disabled" })))

    /** Soft-deletes a user and revokes all their sessions. @errors UserNotFound */
    const deleteUser = (userId: string) =>
      identity.lifecycle(userId, "deleted", (_t, id) => Effect.asVoid(revokeSessions(id, { reason: "user_deleted" })))

    return {
      login,
      refresh,
      validateToken,
      listSessions,
      revokeSession,
      revokeOtherSessions,
      changePassword,
      resetPassword,
      disableUser,
      deleteUser,
      openSession,
      revokeSessions,
      setRoleResolver,
      accessTtlSeconds: TOKEN_KINDS.access.ttlSeconds
    } as const
  })
}) {}
