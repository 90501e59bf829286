/**
 * Removing MFA (issue 14 §3): the user's own disabling (a code or recovery
 * code required) and an administrator's reset.
 *
 * @module
 */
import { MfaReset, type UserId, UserNotFound } from "@signet/contracts/identity/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect, Option, type Redacted } from "effect"
import { verifyPassword } from "../Password.js"
import type { Kit } from "./Kit.js"

/** The removal seam of the MFA service; see the module comment. */
export const makeRemoval = (kit: Kit) => {
  const {
    repo,
    users,
    passkeys,
    audit,
    events,
    identity,
    auth,
    inTx,
    userRow,
    consumeCode,
    countAttempt,
    consumeRecovery
  } = kit
  /**
   * Turns MFA off after re-authentication (password and a current code or
   * a recovery code). Each call counts in the user's MFA attempt bucket.
   * @errors ValidationError (wrong password or code, MFA not enabled),
   *   RateLimited (429: the user's MFA attempt budget is spent, `SIGNET_RATE_MFA`)
   */
  const disable = (
    userId: string,
    password: Redacted.Redacted<string>,
    proof: { readonly code?: string | undefined; readonly recovery_code?: string | undefined }
  ) =>
    Effect.zipRight(
      countAttempt(userId, "disable"),
      inTx(
        Effect.gen(function* () {
          const row = yield* userRow(userId)
          if (!row.mfa_enabled) return yield* ValidationError.field("mfa", "is not enabled")
          if (!row.password_hash || !(yield* verifyPassword(row.password_hash, password))) {
            return yield* ValidationError.field("password", "is incorrect")
          }
          const ok = proof.code
            ? yield* consumeCode(userId, proof.code)
            : proof.recovery_code
              ? yield* consumeRecovery(userId, proof.recovery_code)
              : false
          if (!ok) return yield* ValidationError.field("code", "is not valid")
          yield* users.disableMfa(userId)
          yield* repo.deleteAll(userId)
          yield* audit.record({ action: "mfa.disabled", targetType: "user", targetId: userId })
          yield* events.publish({ type: "signet.user.mfa_disabled", subject: userId, data: { user_id: userId } })
        })
      )
    )

  /**
   * Administrator's MFA reset (a user who lost their authenticator and
   * recovery codes): turns MFA off, removes the TOTP secret (also a pending
   * enrolment), every recovery code and every passkey, and revokes all the user's
   * sessions — whoever held a session may be who took the device — in one
   * transaction with an audit row (`mfa.reset`, before/after) and a
   * `signet.user.mfa_reset` event. Unguarded: `UserAdmin.resetMfa` adds
   * the permission, the no-escalation rule and step-up.
   * @errors UserNotFound (404; also another tenant's or a deleted user)
   */
  const reset = (userId: UserId) =>
    inTx(
      Effect.gen(function* () {
        const found = yield* identity.findRow(userId)
        if (Option.isNone(found)) return yield* new UserNotFound({ message: `no user ${userId}`, id: userId })
        const row = found.value
        yield* users.disableMfa(userId)
        const codesRemoved = yield* repo.deleteAll(userId)
        // Passkeys are second factors too (issue 18): a reset leaves the account with the password only.
        const passkeysRemoved = yield* passkeys.removeAll(userId)
        const revoked = yield* auth.revokeSessions(userId, { reason: "mfa_reset" })
        yield* audit.record({
          action: "mfa.reset",
          targetType: "user",
          targetId: userId,
          before: { mfa_enabled: row.mfa_enabled, enrolment_pending: row.mfa_secret_enc !== null },
          after: {
            mfa_enabled: false,
            recovery_codes_removed: codesRemoved,
            passkeys_removed: passkeysRemoved,
            sessions_revoked: revoked
          }
        })
        yield* events.publish({
          type: "signet.user.mfa_reset",
          subject: userId,
          data: { user_id: userId, sessions_revoked: revoked }
        })
        return new MfaReset({ user_id: userId, sessions_revoked: revoked })
      })
    )

  return { disable, reset } as const
}
