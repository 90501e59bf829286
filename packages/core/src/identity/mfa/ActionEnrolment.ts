/**
 * Enrolling TOTP as a required action at sign-in (issue 18 "required
 * actions (… enrol MFA) enforced at sign-in", Keycloak's `CONFIGURE_TOTP`):
 * the user has no session yet, only the action token of the sign-in that
 * answered `configure_mfa`.
 *
 * Why the action token stands in for the password that `enroll` asks: it
 * exists only after the sign-in's own proof (password, code, passkey or
 * IdP) succeeded, lives 10 minutes, is bound to the tenant, the user and
 * their last sign-in, and is accepted here only while `configure_mfa` is
 * pending — it cannot replace an enrolled authenticator. Each start counts
 * in the account's login bucket as `enroll` does; each confirmation code in
 * the user's MFA bucket (`SIGNET_RATE_MFA`) as a login code does.
 *
 * A confirmed code proves the new factor now, so the renewed action token
 * carries `mfa: true` and the session `…/auth/actions/complete` opens counts
 * as MFA-verified.
 *
 * @module
 */
import type { ActionsProgress } from "@signet/contracts/identity/RequiredActions"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Effect } from "effect"
import type { ClientInfo } from "../Auth.js"
import { asClient } from "../auth/AsClient.js"
import { enforceAccountLimit } from "../LoginLimits.js"
import { normalize } from "../Users.js"
import type { makeEnrolment } from "./Enrolment.js"
import type { Kit } from "./Kit.js"

/** The required-action enrolment seam of the MFA service; see the module comment. */
export const makeActionEnrolment = (kit: Kit, enrolment: ReturnType<typeof makeEnrolment>) => {
  const { auth, limiter, loginLimits, countAttempt } = kit

  /** Runs `self` as the token's user in `tenant`. */
  const asUser = (tenant: Tenant, userId: string, client: ClientInfo) => asClient(tenant, client, userId)

  /**
   * Starts TOTP enrolment with the action token (`configure_mfa` pending):
   * the secret, its `otpauth://` URI and QR code; MFA stays off until
   * {@link actionTotpConfirm}.
   * @errors Unauthorized (token, or `configure_mfa` not pending), RateLimited
   *   (the account's login budget), ValidationError (MFA already enabled), TenantNotFound, TenantSuspended
   */
  const actionTotpStart = (slug: string, actionToken: string, client: ClientInfo) =>
    Effect.gen(function* () {
      const { tenant, user } = yield* auth.actionUser(slug, actionToken, "configure_mfa")
      yield* enforceAccountLimit(limiter, loginLimits, `login:account:${tenant.id}:${normalize(user.email)}`)
      return yield* enrolment.startTotp(user.id).pipe(asUser(tenant, user.id, client))
    }).pipe(Effect.withSpan("Mfa.actionTotpStart"))

  /**
   * Confirms the enrolment with a first code: MFA on, the recovery codes
   * (shown once), what is still pending and a fresh action token (`mfa`).
   * @errors Unauthorized (token, or `configure_mfa` not pending), RateLimited
   *   (`SIGNET_RATE_MFA`), ValidationError (no enrolment started, wrong code), TenantNotFound, TenantSuspended
   */
  const actionTotpConfirm = (slug: string, actionToken: string, code: string, client: ClientInfo) =>
    Effect.gen(function* () {
      const { state, tenant, user } = yield* auth.actionUser(slug, actionToken, "configure_mfa")
      const as = asUser(tenant, user.id, client)
      yield* as(countAttempt(user.id, "login"))
      const { recovery_codes } = yield* as(enrolment.confirm(user.id, code))
      const progress: ActionsProgress = yield* auth.actionProgress(tenant, user.id, { ...state, mfa: true })
      return { ...progress, recovery_codes }
    }).pipe(Effect.withSpan("Mfa.actionTotpConfirm"))

  return { actionTotpStart, actionTotpConfirm } as const
}
