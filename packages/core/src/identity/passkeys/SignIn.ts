/**
 * Signing in and stepping up with a passkey (issue 18 "Passkeys / WebAuthn";
 * WebAuthn Level 3 §7.2 "Verifying an Authentication Assertion"):
 *
 * - passwordless: options without `allowCredentials` (discoverable
 *   credentials, user verification required), the user resolved by the
 *   credential id within the tenant;
 * - the login's second step: options for the user named by the MFA
 *   challenge token (`typ: signet-mfa+jwt`), accepted where a TOTP code is.
 * (Step-up is `passkeys/StepUp.ts`.)
 *
 * Every sign-in refusal is one `Unauthorized` (401, same body) — unknown,
 * removed or foreign credential, challenge used, expired, another user's or
 * tenant's, wrong origin or RP ID, bad signature, a counter that did not grow
 * — audited in a transaction of its own after the ceremony's transaction
 * rolled back (nothing else changes). Options are limited per client address
 * (`SIGNET_RATE_LOGIN_IP`); assertions count in the user's MFA bucket
 * (`SIGNET_RATE_MFA`), as TOTP codes do.
 *
 * Required actions (issue 18, `auth/RequiredActions.ts`): a valid assertion
 * of an account with actions pending spends the challenge and advances the
 * counter, but opens no session: `SignInActionsRequired` (403) carries the
 * action token (audited `auth.actions_required`, `method: passkey`).
 *
 * When the tenant signs in through SSO only (issue 19 §2), a valid
 * assertion of an account that is not break-glass answers
 * `TenantSsoRequired` (403; audited `auth.passkey_failed`, reason
 * `tenant_sso_only`) instead of a session.
 *
 * @module
 */

import type { WebAuthnCredential } from "@signet/contracts/identity/Domain"
import { SignInActionsRequired } from "@signet/contracts/identity/RequiredActions"
import { TenantSsoRequired } from "@signet/contracts/identity/SignInErrors"
import { Unauthorized } from "@signet/contracts/kernel/Errors"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, DateTime, Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { ClientInfo } from "../Auth.js"
import { asClient } from "../auth/AsClient.js"
import { enforceLoginLimits } from "../LoginLimits.js"
import type { UserRow } from "../repo/Users.js"
import type { Kit } from "./Kit.js"

/** The one answer to a refused passkey sign-in. */
const refused = () => new Unauthorized({ message: "passkey sign-in failed" })

/**
 * After a valid assertion (in its transaction): the required-actions gate
 * (issue 18: the assertion is spent, but no session before they are done),
 * else the session, `last_login_at`, the audit row and the login event.
 */
const makeOpen = (kit: Kit) => (tenant: Tenant, row: UserRow, passkeyId: string, client: ClientInfo) =>
  Effect.gen(function* () {
    const { users, audit, events, auth } = kit
    const userId = row.id
    const pending = yield* auth.challengeIfPending(tenant, row, {
      method: "passkey",
      mfa: true,
      deviceLabel: client.deviceLabel ?? null
    })
    if (Option.isSome(pending)) {
      yield* audit.record({
        action: "auth.actions_required",
        targetType: "user",
        targetId: userId,
        after: { actions: pending.value.actions, method: "passkey", passkey_id: passkeyId }
      })
      return { ok: "actions" as const, pending: pending.value }
    }
    const nowMs = yield* Clock.currentTimeMillis
    yield* users.setLastLogin(userId, instant(nowMs))
    const pair = yield* auth.openSession(tenant, { ...row, last_login_at: DateTime.unsafeMake(nowMs) }, client, true)
    yield* audit.record({
      action: "auth.login",
      targetType: "session",
      targetId: pair.session_id,
      after: { user_id: userId, method: "passkey", passkey_id: passkeyId, mfa: true }
    })
    yield* events.publish({ type: "signet.auth.login", subject: userId, data: { session_id: pair.session_id } })
    return { ok: true as const, pair }
  })

/** The sign-in seam of the passkeys service; see the module comment. */
export const makeSignIn = (kit: Kit) => {
  const { passkeys, audit, keys, tenancy, limiter, loginLimits, inTx } = kit
  const open = makeOpen(kit)

  /** The client address bucket of the login (before any WebAuthn work). */
  const limitAddress = (client: ClientInfo) =>
    enforceLoginLimits(
      limiter,
      { ip: loginLimits.ip, account: Option.none() },
      {
        ip: `login:ip:${client.ip ?? "unknown"}`,
        account: ""
      }
    )

  /** The user of a valid MFA challenge token of `tenant`. */
  const mfaUser = (tenant: Tenant, mfaToken: string) =>
    Effect.flatMap(keys.verify("mfa", mfaToken).pipe(Effect.mapError(refused)), (payload) =>
      payload.tid === tenant.id && typeof payload.sub === "string"
        ? Effect.succeed({ userId: payload.sub, deviceLabel: payload.device_label })
        : Effect.fail(refused())
    )

  /**
   * Options for a passkey sign-in in tenant `slug`: passwordless (no
   * `mfaToken`; the challenge is bound to the tenant only) or the login's
   * second step (the challenge is bound to the token's user, whose passkeys
   * are listed).
   * @errors Unauthorized (bad or expired MFA token), RateLimited (the client
   *   address's login budget), TenantNotFound, TenantSuspended
   */
  const signInOptions = (slug: string, mfaToken: string | undefined, client: ClientInfo) =>
    Effect.gen(function* () {
      const tenant = yield* tenancy.resolveActive(slug)
      yield* limitAddress(client)
      const rp = yield* kit.relyingParty(tenant.id)
      const forUser = mfaToken === undefined ? null : (yield* mfaUser(tenant, mfaToken)).userId
      const { challenge, allow } = yield* inTx(
        Effect.gen(function* () {
          const allow = forUser === null ? null : yield* passkeys.listOfUser(forUser)
          const challenge = yield* kit.issueChallenge(rp, forUser === null ? "sign_in" : "mfa", forUser, null)
          return { challenge, allow }
        })
      ).pipe(asClient(tenant, client, forUser))
      return yield* kit.requestOptions(rp.rpId, challenge, allow)
    })

  /**
   * Signs in with a passkey assertion: passwordless, or with `mfaToken` as
   * the login's second step. Opens a session marked MFA-verified, records
   * `last_login_at`, audits `auth.login` (`method: passkey`) and publishes
   * `signet.auth.login`, in one transaction with the challenge's consumption
   * and the credential's new counter.
   * @errors Unauthorized (every refusal, see the module comment),
   *   SignInActionsRequired (403: required actions pending, no session),
   *   TenantSsoRequired (403, the tenant is SSO-only), RateLimited
   *   (the client address's login budget, or the user's MFA budget),
   *   TenantNotFound, TenantSuspended
   */
  const signIn = (slug: string, credential: WebAuthnCredential, mfaToken: string | undefined, client: ClientInfo) =>
    Effect.gen(function* () {
      const tenant = yield* tenancy.resolveActive(slug)
      yield* limitAddress(client)
      const token = mfaToken === undefined ? null : yield* mfaUser(tenant, mfaToken)
      const found = yield* inTx(passkeys.findByCredentialId(credential.id)).pipe(asClient(tenant, client, null))
      if (Option.isNone(found)) {
        yield* inTx(
          audit.record({
            action: "auth.passkey_failed",
            targetType: "user",
            targetId: null,
            after: { reason: "unknown_credential" }
          })
        ).pipe(asClient(tenant, client, null))
        return yield* refused()
      }
      const stored = found.value
      const userId = stored.user_id
      const as = asClient(tenant, client, userId)
      yield* as(kit.countAttempt(userId, "login"))
      const outcome = yield* as(
        inTx(
          Effect.gen(function* () {
            const challenge = yield* kit.takeChallenge(credential, token === null ? "sign_in" : "mfa")
            if (Option.isNone(challenge)) return { ok: false as const, reason: "challenge" }
            if (token !== null && (challenge.value.user_id !== userId || token.userId !== userId)) {
              return { ok: false as const, reason: "other_user" }
            }
            const found = yield* kit.identity.findRow(userId)
            if (Option.isNone(found)) return { ok: false as const, reason: "unknown_user" }
            const row = found.value
            if (row.status !== "active") return { ok: false as const, reason: `account_${row.status}` }
            // As the login's second step the passkey needs no TOTP beside it: the login asks a
            // passkey holder for it when the tenant requires MFA of them (`Kit.secondStepDue`).
            if (!(yield* kit.verifyAssertion(stored, challenge.value, credential, token === null))) {
              return { ok: false as const, reason: "assertion" }
            }
            if (yield* kit.ssoOnly.tenantWide(userId)) return { ok: false as const, reason: "tenant_sso_only" }
            const deviceLabel = typeof token?.deviceLabel === "string" ? token.deviceLabel : client.deviceLabel
            return yield* open(tenant, row, stored.id, { ...client, deviceLabel })
          })
        )
      )
      if (outcome.ok === "actions") return yield* SignInActionsRequired.of(outcome.pending)
      if (outcome.ok) return outcome.pair
      yield* as(
        inTx(
          audit.record({
            action: "auth.passkey_failed",
            targetType: "user",
            targetId: userId,
            after: { reason: outcome.reason, passkey_id: stored.id }
          })
        )
      )
      return yield* outcome.reason === "tenant_sso_only" ? Effect.fail(TenantSsoRequired.instance) : refused()
    })

  return { signInOptions, signIn } as const
}
