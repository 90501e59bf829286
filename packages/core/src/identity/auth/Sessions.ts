/**
 * A user's sessions (issue 14 §3; OWASP ASVS V3): listing the live ones,
 * logging one out, and "sign out everywhere else".
 *
 * @module
 */
import { Session } from "@signet/contracts/identity/Domain"
import { NotFound } from "@signet/contracts/kernel/Errors"
import type { SessionId, UserId } from "@signet/contracts/kernel/Ids"
import { Clock, Effect } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { Kit } from "./Kit.js"

/** The session seam of the authentication service; see the module comment. */
export const makeSessions = ({ sessions, audit, events, inTx, revokeSessions }: Kit) => {
  /** Lists the live sessions of a user; `current` marks the caller's. */
  const listSessions = (userId: string, currentSessionId: string | null) =>
    inTx(
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        const rows = yield* sessions.listLive(userId, instant(nowMs))
        return rows.map((r) => new Session({ ...r, current: r.id === currentSessionId }))
      })
    )

  /**
   * Revokes one of the caller's sessions (logout when it is the current
   * one). @errors NotFound (404) when the id is not one of their live sessions
   */
  const revokeSession = (userId: UserId, sessionId: SessionId) =>
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

  return { listSessions, revokeSession, revokeOtherSessions } as const
}
