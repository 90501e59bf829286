/**
 * Registering a passkey as the required action `configure_mfa` at sign-in
 * (issue 18 "required actions (… enrol MFA) enforced at sign-in"; Keycloak's
 * `webauthn-register` required action): the user has no session yet, only
 * the action token of the sign-in that answered `configure_mfa`. A passkey
 * meets `configure_mfa` as a TOTP authenticator does
 * (`auth/RequiredActions.ts` counts either).
 *
 * Why the action token stands in for the re-authentication that
 * `Registration.registrationOptions` asks (the password or a recent MFA):
 * as for TOTP (`mfa/ActionEnrolment.ts`), it exists only after the
 * sign-in's own proof succeeded, lives 10 minutes, is bound to the tenant,
 * the user and their last sign-in, and is accepted only while
 * `configure_mfa` is pending — once a passkey or TOTP is enrolled, the same
 * token can add nothing more. Each options request counts in the account's
 * login bucket (`SIGNET_RATE_LOGIN_ACCOUNT`), as the password check of
 * `registrationOptions` does.
 *
 * The challenge is the ordinary registration challenge (`register`, bound
 * to the tenant and the user, 5 minutes, single use), and the answer is
 * verified by the same {@link makeRegistration} `register`, so every rule of
 * registering from a session holds here: attestation `none`, 20 passkeys at
 * most, a credential registered once, audit `passkey.registered`, event
 * `signet.user.passkey_added`.
 *
 * A registered passkey is a factor proven now, so the renewed action token
 * carries `mfa: true` and the session `…/auth/actions/complete` opens counts
 * as MFA-verified.
 *
 * @module
 */
import type { WebAuthnCredential } from "@signet/contracts/identity/Domain"
import type { ActionsProgress } from "@signet/contracts/identity/RequiredActions"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Effect } from "effect"
import type { ClientInfo } from "../Auth.js"
import { asClient } from "../auth/AsClient.js"
import { enforceAccountLimit } from "../LoginLimits.js"
import { normalize } from "../Users.js"
import type { Kit } from "./Kit.js"
import type { makeRegistration } from "./Registration.js"

/** The required-action registration seam of the passkeys service; see the module comment. */
export const makeActionRegistration = (kit: Kit, registration: ReturnType<typeof makeRegistration>) => {
  const { auth, limiter, loginLimits } = kit

  /** Runs `self` as the token's user in `tenant`. */
  const asUser = (tenant: Tenant, userId: string, client: ClientInfo) => asClient(tenant, client, userId)

  /**
   * Registration options (`navigator.credentials.create()`) for the action
   * token's user while `configure_mfa` is pending: a discoverable
   * credential, attestation `none`, the user's passkeys excluded.
   * @errors Unauthorized (bad, expired, foreign-tenant or replayed token, or
   *   `configure_mfa` not pending), RateLimited (the account's login budget),
   *   ValidationError (20 passkeys already), TenantNotFound, TenantSuspended
   */
  const actionPasskeyOptions = (slug: string, actionToken: string, client: ClientInfo) =>
    Effect.gen(function* () {
      const { tenant, user } = yield* auth.actionUser(slug, actionToken, "configure_mfa")
      yield* enforceAccountLimit(limiter, loginLimits, `login:account:${tenant.id}:${normalize(user.email)}`)
      return yield* registration.optionsFor(user.id).pipe(asUser(tenant, user.id, client))
    }).pipe(Effect.withSpan("Passkeys.actionPasskeyOptions"))

  /**
   * Verifies the authenticator's answer to those options and stores the
   * passkey; answers what is still pending and a fresh action token (`mfa`).
   * Nothing is stored on a refusal.
   * @errors Unauthorized (token as above), ValidationError (the answer does
   *   not verify or answers no registration challenge of this user, a
   *   credential already registered, 20 passkeys already), TenantNotFound, TenantSuspended
   */
  const actionPasskeyRegister = (
    slug: string,
    actionToken: string,
    credential: WebAuthnCredential,
    name: string | undefined,
    client: ClientInfo
  ) =>
    Effect.gen(function* () {
      const { state, tenant, user } = yield* auth.actionUser(slug, actionToken, "configure_mfa")
      yield* registration.register(user.id, credential, name).pipe(asUser(tenant, user.id, client))
      const progress: ActionsProgress = yield* auth.actionProgress(tenant, user.id, { ...state, mfa: true })
      return progress
    }).pipe(Effect.withSpan("Passkeys.actionPasskeyRegister"))

  return { actionPasskeyOptions, actionPasskeyRegister } as const
}
