/**
 * Verifying with MFA (issue 14 §3): the second login step, step-up on the
 * current session, the recent-verification guard of sensitive operations,
 * and the recovery codes left.
 *
 * @module
 */
import { SignInActionsRequired } from "@signet/contracts/identity/RequiredActions"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { ClientInfo } from "../Auth.js"
import { EMAIL_CODE_FIRST_FACTOR, SMS_CODE_FIRST_FACTOR } from "../auth/CodeLogin.js"
import type { Kit } from "./Kit.js"

/** The second login step (see `completeLoginWith` below), apart from the other verifications. */
const makeCompleteLoginWith = (kit: Kit) => {
  const { users, audit, events, auth, keys, tenancy, inTx, userRow, countAttempt } = kit
  /**
   * Second login step with any second factor: verifies the challenge token,
   * counts the attempt in the user's MFA bucket, then — in one transaction —
   * runs `check` (true: the factor is proven) and opens the session. Like a
   * password-only login it records `last_login_at` and publishes
   * `signet.auth.login`. A refused factor is audited `auth.mfa_failed`
   * (`after.method`) in its own transaction; what `check` wrote before
   * answering false (an attempt counter) is committed, not rolled back.
   * Used by {@link completeLogin} (TOTP, recovery codes) and by accounts'
   * e-mail codes (through the `AccountUsers` port).
   * With required actions pending (issue 18) the factor is spent but no
   * session opens: `SignInActionsRequired` (403) carries the action token.
   * @errors Unauthorized (bad or expired challenge, factor refused),
   *   SignInActionsRequired (403), RateLimited (429: the user's MFA attempt budget is spent, `SIGNET_RATE_MFA`),
   *   TenantNotFound, TenantSuspended
   */
  const completeLoginWith = <E, R>(
    slug: string,
    mfaToken: string,
    client: ClientInfo,
    method: "totp" | "recovery_code" | "email_code" | "sms_code",
    check: (userId: string) => Effect.Effect<boolean, E, R>
  ) =>
    Effect.gen(function* () {
      const invalid = new Unauthorized({ message: "invalid code or expired challenge" })
      const tenant = yield* tenancy.resolveActive(slug)
      const payload = yield* keys.verify("mfa", mfaToken)
      if (payload.tid !== tenant.id || typeof payload.sub !== "string") return yield* invalid
      // A mailed (texted) code was this login's first factor: the second must be another one.
      if ((method === "email_code" || method === "sms_code") && payload.first === method) return yield* invalid
      const userId = payload.sub
      const actor = { kind: "user" as const, id: userId, ip: client.ip, userAgent: client.userAgent }
      const asUser = <A, E2, R2>(self: Effect.Effect<A, E2, R2>) =>
        self.pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, actor)
        )
      // Counted before the code is looked at: a replayed challenge gets a
      // bounded number of guesses (see countAttempt).
      yield* asUser(countAttempt(userId, "login"))
      const outcome = yield* asUser(
        inTx(
          Effect.gen(function* () {
            const row = yield* userRow(userId)
            if (!row.mfa_enabled || row.status !== "active") return { ok: false as const }
            if (!(yield* check(userId))) return { ok: false as const }
            const deviceLabel = typeof payload.device_label === "string" ? payload.device_label : client.deviceLabel
            // Required actions (issue 18): the factor is spent, but no session before they are done.
            const pending = yield* auth.challengeIfPending(tenant, row, {
              method:
                payload.first === EMAIL_CODE_FIRST_FACTOR || payload.first === SMS_CODE_FIRST_FACTOR
                  ? payload.first
                  : "password",
              mfa: true,
              deviceLabel: deviceLabel ?? null
            })
            if (Option.isSome(pending)) {
              const { actions } = pending.value
              yield* audit.record({
                action: "auth.actions_required",
                targetType: "user",
                targetId: userId,
                after: { actions }
              })
              return { ok: "actions" as const, pending: pending.value }
            }
            // The login is complete only now: record it as a password-only
            // login does (Auth.login), with the session in one transaction.
            const at = instant(yield* Clock.currentTimeMillis)
            yield* users.setLastLogin(userId, at)
            const pair = yield* auth.openSession(
              tenant,
              { ...row, last_login_at: DateTime.unsafeMake(at) },
              { ...client, deviceLabel },
              true
            )
            yield* audit.record({
              action: method === "recovery_code" ? "auth.login_recovery_code" : "auth.login",
              targetType: "session",
              targetId: pair.session_id,
              after: {
                user_id: userId,
                mfa: true,
                ...(method === "email_code" || method === "sms_code" ? { method } : {})
              }
            })
            yield* events.publish({
              type: "signet.auth.login",
              subject: userId,
              data: { session_id: pair.session_id }
            })
            return { ok: true as const, pair }
          })
        )
      )
      if (outcome.ok === "actions") return yield* SignInActionsRequired.of(outcome.pending)
      if (outcome.ok) return outcome.pair
      // The failure is recorded in its own transaction, then refused.
      const after = method === "email_code" || method === "sms_code" ? { after: { method } } : {}
      yield* asUser(inTx(audit.record({ action: "auth.mfa_failed", targetType: "user", targetId: userId, ...after })))
      return yield* invalid
    })

  return completeLoginWith
}

/** The verification seam of the MFA service; see the module comment. */
export const makeVerification = (kit: Kit) => {
  const { repo, sessions, audit, inTx, userRow, consumeCode, countAttempt, consumeRecovery } = kit
  const completeLoginWith = makeCompleteLoginWith(kit)
  /**
   * Second login step with a TOTP or recovery code ({@link completeLoginWith}).
   * @errors as {@link completeLoginWith} (Unauthorized: wrong or reused code)
   */
  const completeLogin = (
    slug: string,
    mfaToken: string,
    proof: { readonly code?: string | undefined; readonly recovery_code?: string | undefined },
    client: ClientInfo
  ) =>
    completeLoginWith(slug, mfaToken, client, proof.code ? "totp" : "recovery_code", (userId) =>
      proof.code
        ? consumeCode(userId, proof.code)
        : proof.recovery_code
          ? consumeRecovery(userId, proof.recovery_code)
          : Effect.succeed(false)
    )

  /**
   * Step-up: a fresh TOTP code marks the current session as MFA-verified now.
   * Each call counts in the user's MFA attempt bucket (shared with the
   * second login step), so a stolen access token cannot guess codes freely.
   * @errors ValidationError (wrong or reused code, MFA not enabled),
   *   RateLimited (429: the user's MFA attempt budget is spent, `SIGNET_RATE_MFA`)
   */
  const stepUp = (userId: string, sessionId: string, code: string) =>
    Effect.zipRight(
      countAttempt(userId, "step_up"),
      inTx(
        Effect.gen(function* () {
          const row = yield* userRow(userId)
          if (!row.mfa_enabled) return yield* ValidationError.field("mfa", "is not enabled")
          if (!(yield* consumeCode(userId, code))) return yield* ValidationError.field("code", "is not valid")
          const nowMs = yield* Clock.currentTimeMillis
          yield* sessions.markMfaVerified(sessionId, userId, instant(nowMs))
          yield* audit.record({ action: "auth.step_up", targetType: "session", targetId: sessionId })
          return { mfa_verified_at: DateTime.unsafeMake(nowMs) }
        })
      )
    )

  /**
   * Guards a sensitive operation: the session must have an MFA verification
   * within `auth.step_up_minutes` ({@link StepUp}).
   * @errors Forbidden (`permission: "mfa:step-up"`)
   */
  const requireRecentMfa = kit.stepUp.requireRecentMfa

  /** Number of unused recovery codes. */
  const recoveryCodesLeft = (userId: string) => inTx(repo.countUnused(userId))

  return { completeLogin, completeLoginWith, stepUp, requireRecentMfa, recoveryCodesLeft } as const
}
