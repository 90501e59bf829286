/**
 * Tokens (issue 14 §3; seed 000 §6; ARCHITECTURE §3): refresh-token
 * rotation with reuse detection, and `AuthService.ValidateToken`.
 *
 * Refresh tokens are single use: the redeeming UPDATE is conditional on
 * `used_at IS NULL`, so of two concurrent refreshes with one token exactly
 * one wins. Presenting a token that was already used revokes the whole
 * session (the token family) and writes an audit row — the signature of a
 * stolen token.
 *
 * @module
 */
import { AccessClaims, TokenPair } from "@signet/contracts/identity/Domain"
import { type Actor, CurrentActor } from "@signet/contracts/kernel/Context"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect, Option, Schema } from "effect"
import { instant } from "../../kernel/Sql.js"
import { type ClientInfo, type Kit, REFRESH_TTL_MS, sha256 } from "./Kit.js"

/** The token seam of the authentication service; see the module comment. */
export const makeTokens = (kit: Kit) => {
  const { sessions, audit, events, tenancy, identity, keys, inTx, inBoundRead, withTenant } = kit

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
              const redeemed = yield* sessions.redeemRefresh(hash, instant(nowMs))
              if (Option.isNone(redeemed)) return { kind: "miss" as const }
              const sessionId = redeemed.value.session_id
              const found = yield* sessions.findWithUser(sessionId)
              if (
                Option.isNone(found) ||
                found.value.session_revoked_at !== null ||
                DateTime.toEpochMillis(found.value.session_expires_at) <= nowMs
              ) {
                return { kind: "invalid" as const }
              }
              const { session_revoked_at: _r, session_expires_at: _e, session_ip, ...user } = found.value
              if (user.status !== "active") return { kind: "invalid" as const }
              yield* sessions.touch(sessionId, instant(nowMs), instant(nowMs + REFRESH_TTL_MS), client.ip ?? session_ip)
              const token = yield* kit.storeRefresh(sessionId, nowMs)
              return { kind: "ok" as const, sessionId, user, token, present: yield* identity.present(user) }
            })
          )
          if (outcome.kind === "ok") {
            const access = yield* kit.issueAccess(tenant, outcome.user, outcome.sessionId)
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
            const known = yield* inTx(sessions.findRefresh(hash))
            if (Option.isSome(known) && known.value.used_at !== null) {
              const reused = known.value
              yield* inTx(
                Effect.gen(function* () {
                  yield* sessions.revokeOne(reused.session_id, "refresh_token_reuse", instant(nowMs))
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
      // Session live and user active, in one read (one statement on Postgres too).
      const state = yield* withTenant(tenant, inBoundRead(sessions.findState(claims.sid, claims.sub)))
      const ok = Option.match(state, {
        onNone: () => false,
        onSome: (r) => r.status === "active" && r.revoked_at === null && DateTime.toEpochMillis(r.expires_at) > nowMs
      })
      if (!ok) return yield* invalid()
      return claims
    })

  return { refresh, validateToken } as const
}
