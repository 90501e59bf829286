/**
 * Passwords and account ends (issue 14 §3; seed 002): the caller's own
 * password change, an administrator's reset, and disabling or deleting a
 * user — each revoking the sessions it must.
 *
 * The required action `update_password` (issue 18, `RequiredActions.ts`):
 * a password the user chose — their own change, a reset link, an
 * invitation — clears it; a password an administrator set (`temporary`)
 * sets it, as Keycloak's temporary passwords do: someone else knows that
 * password, so the user must replace it at their next password sign-in.
 *
 * @module
 */

import type { UserId } from "@signet/contracts/identity/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, Effect, Option, Redacted } from "effect"
import { instant } from "../../kernel/Sql.js"
import { verifyPassword } from "../Password.js"
import type { Kit } from "./Kit.js"
import { sortActions } from "./RequiredActions.js"

/** The password seam of the authentication service; see the module comment. */
export const makePasswords = ({ audit, events, identity, inTx, revokeSessions, actionsRepo }: Kit) => {
  /**
   * Sets (`temporary`: an administrator chose the password) or clears (the
   * user chose it) `update_password`, in the caller's transaction; answers
   * whether it is set now.
   */
  const markPassword = (userId: string, temporary: boolean) =>
    Effect.gen(function* () {
      if (!temporary) {
        yield* actionsRepo.clear(userId, "update_password")
        return false
      }
      const current = yield* actionsRepo.ofUser(userId)
      if (!current.includes("update_password")) {
        const at = instant(yield* Clock.currentTimeMillis)
        yield* actionsRepo.replace(userId, sortActions([...current, "update_password"]), at)
      }
      return true
    })

  /**
   * Changes the caller's password (current one required); by default signs
   * out every other session. Clears the required action `update_password`.
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
          yield* markPassword(userId, false)
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
   * Sets a password and revokes every session: an administrator's reset
   * (`temporary: true`, `UserAdmin.resetPassword`: sets `update_password`), or
   * a password the user chose through a reset link or an invitation (the
   * default: clears it). See the module comment. `by` names who set it in
   * the `signet.user.password_changed` event's data (default `admin`).
   * @errors UserNotFound, ValidationError (policy)
   */
  const resetPassword = (
    userId: UserId,
    next: Redacted.Redacted<string>,
    options: { temporary?: boolean; by?: "admin" | "reset_link" | "invitation" } = {}
  ) =>
    Effect.gen(function* () {
      const user = yield* identity.get(userId)
      yield* identity.checkPassword(next, user.email, user.username, "new_password")
      return yield* inTx(
        Effect.gen(function* () {
          yield* identity.storePassword(userId, next)
          const mustChange = yield* markPassword(userId, options.temporary === true)
          const revoked = yield* revokeSessions(userId, { reason: "password_reset" })
          yield* audit.record({
            action: "user.password_reset",
            targetType: "user",
            targetId: userId,
            after: { sessions_revoked: revoked, update_password_required: mustChange }
          })
          yield* events.publish({
            type: "signet.user.password_changed",
            subject: userId,
            data: { by: options.by ?? "admin" }
          })
          return { sessions_revoked: revoked }
        })
      )
    })

  /** Disables a user and revokes all their sessions. @errors UserNotFound */
  const disableUser = (userId: UserId) =>
    identity.lifecycle(userId, "disabled", (_t, id) => Effect.asVoid(revokeSessions(id, { reason: "user_disabled" })))

  /** Soft-deletes a user and revokes all their sessions. @errors UserNotFound */
  const deleteUser = (userId: UserId) =>
    identity.lifecycle(userId, "deleted", (_t, id) => Effect.asVoid(revokeSessions(id, { reason: "user_deleted" })))

  return { changePassword, resetPassword, disableUser, deleteUser } as const
}
