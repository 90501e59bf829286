/**
 * Step-up with a passkey (issue 18 "Passkeys / WebAuthn"; seed 003 "MFA
 * required for sensitive actions"): options bound to the user and the
 * session, and the assertion that marks the session MFA-verified.
 *
 * @module
 */
import type { WebAuthnCredential } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { Kit } from "./Kit.js"

/** The step-up seam of the passkeys service; see the module comment. */
export const makeStepUp = (kit: Kit) => {
  const { passkeys, sessions, audit, inTx } = kit

  /**
   * Step-up options for the acting user on session `sessionId`: their
   * passkeys allowed, the challenge bound to the user and the session.
   * @errors ValidationError (the user has no passkey)
   */
  const stepUpOptions = (userId: string, sessionId: string) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const rp = yield* kit.relyingParty(tenant.id)
      const { challenge, allow } = yield* inTx(
        Effect.gen(function* () {
          const allow = yield* passkeys.listOfUser(userId)
          if (allow.length === 0) return yield* ValidationError.field("passkey", "none registered")
          const challenge = yield* kit.issueChallenge(rp, "step_up", userId, sessionId)
          return { challenge, allow }
        })
      )
      return yield* kit.requestOptions(rp.rpId, challenge, allow)
    })

  /**
   * Step-up with a passkey: an assertion answering this session's step-up
   * challenge, by one of the user's passkeys, marks the session
   * MFA-verified now (as a TOTP step-up does). Counts in the user's MFA
   * attempt bucket.
   * @errors ValidationError (no such challenge, another user's passkey, an
   *   assertion that does not verify), RateLimited (the user's MFA budget)
   */
  const stepUp = (userId: string, sessionId: string, credential: WebAuthnCredential) =>
    Effect.zipRight(
      kit.countAttempt(userId, "step_up"),
      inTx(
        Effect.gen(function* () {
          const invalid = ValidationError.field("credential", "is not valid")
          const challenge = yield* kit.takeChallenge(credential, "step_up")
          if (
            Option.isNone(challenge) ||
            challenge.value.user_id !== userId ||
            challenge.value.session_id !== sessionId
          ) {
            return yield* invalid
          }
          const stored = yield* passkeys.findByCredentialId(credential.id)
          if (Option.isNone(stored) || stored.value.user_id !== userId) return yield* invalid
          if (!(yield* kit.verifyAssertion(stored.value, challenge.value, credential, false))) return yield* invalid
          const nowMs = yield* Clock.currentTimeMillis
          yield* sessions.markMfaVerified(sessionId, userId, instant(nowMs))
          yield* audit.record({
            action: "auth.step_up",
            targetType: "session",
            targetId: sessionId,
            after: { method: "passkey", passkey_id: stored.value.id }
          })
          return { mfa_verified_at: DateTime.unsafeMake(nowMs) }
        })
      )
    )

  return { stepUpOptions, stepUp } as const
}
