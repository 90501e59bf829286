/**
 * Signing in a user whose identity an outside IdP proved (issue 19 §2, SSO):
 * the caller — integrations' SSO sign-in, after the code exchange, the
 * `email_verified`, domain and account-link checks — names the user; this
 * seam checks the account is active, records the login and opens the
 * session, as a password or passkey login does after its own proof.
 *
 * Required actions (issue 18) are asked here too, through the one gate of
 * `RequiredActions.ts` with the SSO waivers: `update_password` is never
 * asked (the IdP owns the credential; the action stays for a password
 * sign-in), `verify_email` not when the IdP verified the account's own
 * address, `configure_mfa` not when the IdP reported MFA. Anything else
 * pending fails with `SignInActionsRequired` (403, the action token) and
 * opens no session.
 *
 * @module
 */
import { SignInActionsRequired } from "@signet/contracts/identity/RequiredActions"
import { SsoSignInRefused } from "@signet/contracts/integrations/SsoSignIn"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, DateTime, Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import type { ClientInfo, Kit } from "./Kit.js"
import { makePending } from "./RequiredActions.js"

/** How an outside IdP signed the user in (recorded in the audit row). */
export interface FederatedProof {
  /** The SSO connection's name. */
  readonly connection: string
  /** The IdP's subject (`sub`) of the person. */
  readonly subject: string
  /** Whether the IdP reported a multi-factor sign-in (`amr` contains `mfa`, RFC 8176). */
  readonly mfa: boolean
  /** The e-mail address the IdP marked verified (`email_verified`), when it shared one. */
  readonly email?: string | undefined
}

/** The federated sign-in seam of the authentication service; see the module comment. */
export const makeFederated = (kit: Kit) => {
  const { audit, events, identity, users, inTx, withTenant } = kit
  const gate = makePending(kit)

  /**
   * Opens a session for `userId` of `tenant`, whom an outside IdP
   * authenticated (`proof`). Only for a caller that verified that proof:
   * it is not an endpoint of its own. The session counts as MFA-verified
   * (step-up) only when `proof.mfa`. Required actions: see the module comment.
   * @errors SsoSignInRefused (`account_disabled`: the user is gone, disabled or locked),
   *   SignInActionsRequired (403: actions pending; no session)
   */
  const federatedLogin = (tenant: Tenant, userId: string, proof: FederatedProof, client: ClientInfo) =>
    withTenant(
      tenant,
      inTx(
        Effect.gen(function* () {
          const found = yield* identity.findRow(userId)
          const nowMs = yield* Clock.currentTimeMillis
          const row = Option.getOrUndefined(found)
          const locked = row?.locked_until != null && DateTime.toEpochMillis(row.locked_until) > nowMs
          if (row === undefined || row.status !== "active" || locked)
            return yield* new SsoSignInRefused({
              message: "this account cannot sign in",
              connection: proof.connection,
              reason: "account_disabled"
            })
          const pending = yield* gate.challengeIfPending(tenant, row, {
            method: "sso",
            mfa: proof.mfa,
            deviceLabel: client.deviceLabel ?? null,
            verifiedEmail: proof.email
          })
          if (Option.isSome(pending)) {
            yield* audit.record({
              action: "auth.actions_required",
              targetType: "user",
              targetId: userId,
              after: { actions: pending.value.actions, method: "sso", connection: proof.connection }
            })
            return { ok: false as const, pending: pending.value }
          }
          yield* users.setLastLogin(userId, instant(nowMs))
          const pair = yield* kit.openSession(
            tenant,
            { ...row, last_login_at: DateTime.unsafeMake(nowMs) },
            client,
            proof.mfa
          )
          yield* audit.record({
            action: "auth.login",
            targetType: "session",
            targetId: pair.session_id,
            after: {
              user_id: userId,
              method: "sso",
              connection: proof.connection,
              subject: proof.subject,
              mfa: proof.mfa,
              device_label: client.deviceLabel ?? null
            }
          })
          yield* events.publish({ type: "signet.auth.login", subject: userId, data: { session_id: pair.session_id } })
          return { ok: true as const, pair }
        })
      ).pipe(
        Effect.provideService(CurrentActor, { kind: "user", id: userId, ip: client.ip, userAgent: client.userAgent })
      )
    ).pipe(
      // The audit row of a pending sign-in is committed; then the refusal.
      Effect.flatMap((outcome) =>
        outcome.ok ? Effect.succeed(outcome.pair) : Effect.fail(SignInActionsRequired.of(outcome.pending))
      ),
      Effect.withSpan("Auth.federatedLogin")
    )

  return { federatedLogin } as const
}
