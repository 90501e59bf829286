/**
 * Passwordless sign-in with a proof accounts checks — a 6-digit code mailed
 * to the account's verified address (issue 18 "E-mail one-time codes … for
 * passwordless sign-in"; Keycloak's and Zitadel's e-mail OTP login). The
 * code takes the password's place, nothing more:
 *
 * - the account must be active and not locked, its address must not be
 *   in a domain that signs in through SSO only, and its tenant must not
 *   sign in through SSO only unless it is a break-glass account (issue 19 §2);
 * - the proof is checked inside the transaction that opens the session, so a
 *   code is consumed by exactly the sign-in it opens; a refused proof keeps
 *   what the check wrote (its counted try) and answers one `Unauthorized`;
 * - an account with MFA gets the password login's `mfa_required` challenge,
 *   marked `first: "email_code"`: its second step is TOTP, a recovery code
 *   or a passkey — never a second e-mail code, since the mailbox already
 *   proved the first factor (`Mfa.completeLoginWith` and the accounts port
 *   refuse such a challenge for e-mail codes); likewise a texted code
 *   (`method` `sms_code`, issue 18 SMS sign-in) is never answered by a
 *   second texted code;
 * - an account with required actions pending (issue 18, `RequiredActions.ts`)
 *   gets the password login's `actions_required` answer, not a session: the
 *   code is spent, `last_login_at` is not set, audited `auth.actions_required`.
 *
 * @module
 */

import { type LoginResult, SsoRequired, type UserId } from "@signet/contracts/identity/Domain"
import { TenantSsoRequired } from "@signet/contracts/identity/SignInErrors"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, DateTime, Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { ClientInfo, Kit } from "./Kit.js"
import { makePending } from "./RequiredActions.js"

/** The `first` claim of an MFA challenge whose first factor was a mailed code. */
export const EMAIL_CODE_FIRST_FACTOR = "email_code"

/** The `first` claim of an MFA challenge whose first factor was a texted code (issue 18 SMS sign-in). */
export const SMS_CODE_FIRST_FACTOR = "sms_code"

/** Which kind of code took the password's place: a mailed one or a texted one. */
export type CodeFactor = typeof EMAIL_CODE_FIRST_FACTOR | typeof SMS_CODE_FIRST_FACTOR

/** The code-login seam of the authentication service; see the module comment. */
export const makeCodeLogin = (kit: Kit) => {
  const { audit, events, identity, keys, users, inTx, withTenant } = kit
  const refused = new Unauthorized({ message: "invalid code or login" })
  const gate = makePending(kit)

  /** The SSO connection that `email`'s domain must sign in through, if any (issue 19 §2). */
  const ssoOnlyConnection = (tenant: Tenant, email: string) =>
    withTenant(tenant, inTx(kit.ssoOnly.connectionFor(email)))

  /** Whether the tenant-wide "SSO only" policy refuses `userId` (issue 19 §2). */
  const tenantSsoOnly = (tenant: Tenant, userId: string) => withTenant(tenant, inTx(kit.ssoOnly.tenantWide(userId)))

  /**
   * Signs in `userId` of `tenant` once `check(userId)` (run in the session's
   * transaction) accepts the proof: tokens, `mfa_required`, or
   * `actions_required` (issue 18); see the module comment.
   * @errors Unauthorized (the proof refused, the account gone, disabled or
   *   locked: one answer), SsoRequired (403: the address's domain is SSO-only),
   *   TenantSsoRequired (403: the tenant is SSO-only, the account not break-glass)
   */
  const codeLogin = <R>(
    tenant: Tenant,
    userId: UserId,
    client: ClientInfo,
    check: (userId: UserId) => Effect.Effect<boolean, never, R>,
    method: CodeFactor = EMAIL_CODE_FIRST_FACTOR
  ) =>
    withTenant(
      tenant,
      Effect.gen(function* () {
        const outcome = yield* inTx(
          Effect.gen(function* () {
            const nowMs = yield* Clock.currentTimeMillis
            const row = Option.getOrUndefined(yield* identity.findRow(userId))
            const locked = row?.locked_until != null && DateTime.toEpochMillis(row.locked_until) > nowMs
            if (row === undefined || row.status !== "active" || locked) return { ok: false as const }
            const sso = yield* kit.ssoOnly.connectionFor(row.email)
            if (Option.isSome(sso)) return { ok: false as const, sso: sso.value }
            if (yield* kit.ssoOnly.tenantWide(userId)) return { ok: false as const, tenantSso: true }
            if (!(yield* check(userId))) return { ok: false as const }
            if (row.mfa_enabled) {
              const challenge = yield* keys.sign("mfa", {
                sub: userId,
                tid: tenant.id,
                device_label: client.deviceLabel ?? null,
                first: method
              })
              yield* audit.record({
                action: "auth.mfa_challenge",
                targetType: "user",
                targetId: userId,
                after: { first: method }
              })
              return {
                ok: true as const,
                result: { status: "mfa_required", mfa_token: challenge.token, expires_in: challenge.expiresIn }
              }
            }
            // Required actions (issue 18): the code is spent, but no session before they are done.
            const pending = yield* gate.challengeIfPending(tenant, row, {
              method,
              mfa: false,
              deviceLabel: client.deviceLabel ?? null
            })
            if (Option.isSome(pending)) {
              yield* audit.record({
                action: "auth.actions_required",
                targetType: "user",
                targetId: userId,
                after: { actions: pending.value.actions, method }
              })
              return { ok: true as const, result: pending.value }
            }
            yield* users.setLastLogin(userId, instant(nowMs))
            const tokens = yield* kit.openSession(
              tenant,
              { ...row, last_login_at: DateTime.unsafeMake(nowMs) },
              client,
              false
            )
            yield* audit.record({
              action: "auth.login",
              targetType: "session",
              targetId: tokens.session_id,
              after: { user_id: userId, method, device_label: client.deviceLabel ?? null }
            })
            yield* events.publish({
              type: "signet.auth.login",
              subject: userId,
              data: { session_id: tokens.session_id }
            })
            return { ok: true as const, result: { status: "authenticated", tokens } }
          })
        )
        if (outcome.ok) return outcome.result as LoginResult
        if ("tenantSso" in outcome) return yield* TenantSsoRequired.instance
        if ("sso" in outcome && outcome.sso !== undefined)
          return yield* new SsoRequired({ message: "this account signs in through SSO only", connection: outcome.sso })
        return yield* refused
      }).pipe(
        Effect.provideService(CurrentActor, { kind: "user", id: userId, ip: client.ip, userAgent: client.userAgent })
      )
    ).pipe(Effect.withSpan("Auth.codeLogin"))

  return { ssoOnlyConnection, tenantSsoOnly, codeLogin } as const
}
