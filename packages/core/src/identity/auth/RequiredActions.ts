/**
 * Required actions enforced at sign-in (issue 18, after Keycloak's
 * `VERIFY_EMAIL`, `UPDATE_PASSWORD`, `CONFIGURE_TOTP`): what a user must do
 * before any session exists.
 *
 * Pending actions have two sources:
 * - **admin-set** (`user_required_actions`, set through `UserAdmin`):
 *   `update_password` stays until the user sets a new password with the
 *   action token; `verify_email` and `configure_mfa` count only while the
 *   address is unverified or the user has no second factor;
 * - **tenant policy**, derived at each sign-in: `auth.require_verified_email`
 *   → `verify_email` while the address is unverified (the
 *   `EmailVerifications` port); `auth.mfa_required_user_types` →
 *   `configure_mfa` for a user of a listed type without TOTP or passkey.
 *
 * Why each step of the token exchange exists:
 * - The action token is a JWT of its own kind (`typ: signet-action+jwt`,
 *   audience `signet-actions`, 10 minutes): `verify("access", …)` refuses it,
 *   so it can never reach the API as an access token.
 * - It carries the user's `last_login_at` when issued (`lla`); the exchange
 *   for tokens records the login (sets `last_login_at`), so the same action
 *   token cannot be exchanged twice.
 * - Every sign-in path — password (and its second step), passkey,
 *   e-mail code, SSO — asks the one gate {@link challengeIfPending} once its
 *   proof succeeded, in core, so no in-process caller can skip it. The path
 *   names itself ({@link SignInFacts}); only SSO waives anything: the IdP
 *   owns the credential, so `update_password` is not asked there (it stays
 *   pending for the next password sign-in); `verify_email` is not asked
 *   when the IdP vouched for (`email_verified`) the account's own address;
 *   `configure_mfa` is not asked when the IdP reported MFA (`amr`). The
 *   waived actions ride in the token (`waive`), so the later steps agree.
 * - The password step is allowed only while `update_password` is pending:
 *   the token is single-purpose, not a general password-reset credential.
 *   Setting it revokes every session of the user, as a reset does.
 *
 * @module
 */
import type { UserId } from "@signet/contracts/identity/Domain"
import {
  ActionsPending,
  type ActionsProgress,
  type ActionsRequired,
  type RequiredAction,
  UserRequiredActions
} from "@signet/contracts/identity/RequiredActions"
import { type Actor, CurrentActor } from "@signet/contracts/kernel/Context"
import { Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, DateTime, Effect, Option, type Redacted } from "effect"
import { instant } from "../../kernel/Sql.js"
import { verifyPassword } from "../Password.js"
import type { UserRow } from "../repo/Users.js"
import type { ClientInfo, Kit } from "./Kit.js"

/**
 * How a sign-in proved the person, as the required-actions gate needs it
 * (see the module comment): the path, whether a second factor (or the
 * IdP's MFA) was part of it, the device label to carry to the session, and
 * for SSO the address the IdP vouched for.
 */
export interface SignInFacts {
  readonly method: "password" | "passkey" | "email_code" | "sms_code" | "sso"
  readonly mfa: boolean
  readonly deviceLabel: string | null
  /** SSO only: the e-mail address the IdP marked verified. */
  readonly verifiedEmail?: string | undefined
}

/**
 * The actions a sign-in path does not ask (see the module comment): none
 * but for SSO, where `update_password` always, `verify_email` when the IdP
 * verified the account's own address, and `configure_mfa` when the IdP did MFA.
 */
export const waivedFor = (user: Pick<UserRow, "email">, facts: SignInFacts): ReadonlyArray<RequiredAction> => {
  if (facts.method !== "sso") return []
  const sameAddress =
    facts.verifiedEmail !== undefined && facts.verifiedEmail.trim().toLowerCase() === user.email.trim().toLowerCase()
  return sortActions([
    "update_password",
    ...(sameAddress ? (["verify_email"] as const) : []),
    ...(facts.mfa ? (["configure_mfa"] as const) : [])
  ])
}

/** What an action token carries over from the sign-in to its steps. */
export interface TokenState {
  readonly mfa: boolean
  readonly deviceLabel: string | null
  readonly waived: ReadonlyArray<RequiredAction>
}

/** The order actions are listed and completed in. */
const ORDER: ReadonlyArray<RequiredAction> = ["update_password", "verify_email", "configure_mfa"]

/** Whether `value` (a token claim) names a required action. */
const isAction = (value: unknown): value is RequiredAction => ORDER.includes(value as RequiredAction)

/** `actions` without duplicates, in {@link ORDER}. */
export const sortActions = (actions: Iterable<RequiredAction>): ReadonlyArray<RequiredAction> => {
  const set = new Set(actions)
  return ORDER.filter((a) => set.has(a))
}

/**
 * What sign-in asks: the pending actions, the action token, and resolving
 * one (see the module comment). Every sign-in seam builds its gate from
 * here (`challengeIfPending`), so the rule is one function.
 */
export const makePending = (kit: Kit) => {
  const { audit, tenancy, identity, keys, users, inTx, withTenant, actionsRepo, emailVerifications } = kit

  /**
   * The actions pending for `user` now (admin-set and tenant policy), less
   * those the sign-in path `waived`, in the caller's tenant transaction.
   */
  const pendingFor = (tenant: Tenant, user: UserRow, waived: ReadonlyArray<RequiredAction> = []) =>
    withTenant(
      tenant,
      inTx(
        Effect.gen(function* () {
          const stored = yield* actionsRepo.ofUser(user.id)
          const requireVerified = yield* tenancy.settingValue<boolean>(tenant.id, "auth.require_verified_email")
          const mfaTypes = yield* tenancy.settingValue<ReadonlyArray<string>>(tenant.id, "auth.mfa_required_user_types")
          const wantsEmail = requireVerified || stored.includes("verify_email")
          const wantsMfa = mfaTypes.includes(user.user_type) || stored.includes("configure_mfa")
          const pending = new Set<RequiredAction>(stored.includes("update_password") ? ["update_password"] : [])
          if (wantsEmail && !(yield* emailVerifications.verified(user.id, user.email))) pending.add("verify_email")
          if (wantsMfa && !user.mfa_enabled && (yield* kit.passkeys.countOfUser(user.id)) === 0) {
            pending.add("configure_mfa")
          }
          for (const action of waived) pending.delete(action)
          return sortActions(pending)
        })
      )
    )

  /** Signs an action token for `user` (see the module comment for `lla` and `waive`). */
  const actionToken = (tenant: Tenant, user: UserRow, state: TokenState) =>
    keys.sign("action", {
      sub: user.id,
      tid: tenant.id,
      mfa: state.mfa,
      lla: user.last_login_at === null ? null : DateTime.toEpochMillis(user.last_login_at),
      device_label: state.deviceLabel,
      waive: [...state.waived]
    })

  /**
   * The one required-actions gate of every sign-in path (see the module
   * comment): the `actions_required` answer for a sign-in whose proof
   * succeeded, or none when nothing is pending (the caller then opens the
   * session as before). Runs in the caller's transaction when there is one.
   */
  const challengeIfPending = (tenant: Tenant, user: UserRow, facts: SignInFacts) =>
    Effect.gen(function* () {
      const waived = waivedFor(user, facts)
      const actions = yield* pendingFor(tenant, user, waived)
      if (actions.length === 0) return Option.none<ActionsRequired>()
      const token = yield* actionToken(tenant, user, { mfa: facts.mfa, deviceLabel: facts.deviceLabel, waived })
      return Option.some<ActionsRequired>({
        status: "actions_required",
        actions,
        action_token: token.token,
        expires_in: token.expiresIn
      })
    })

  /**
   * Resolves an action token: the tenant, the user (active), and its claims.
   * @errors Unauthorized (bad, expired, foreign-tenant or replayed token), TenantNotFound, TenantSuspended
   */
  const redeem = (slug: string, token: string) =>
    Effect.gen(function* () {
      const invalid = new Unauthorized({ message: "invalid or expired action token" })
      const tenant = yield* tenancy.resolveActive(slug)
      const payload = yield* keys.verify("action", token).pipe(Effect.mapError(() => invalid))
      if (payload.tid !== tenant.id || typeof payload.sub !== "string") return yield* invalid
      const row = yield* withTenant(tenant, inTx(identity.findRow(payload.sub)))
      if (Option.isNone(row) || row.value.status !== "active" || row.value.deleted_at !== null) return yield* invalid
      const lla = row.value.last_login_at === null ? null : DateTime.toEpochMillis(row.value.last_login_at)
      if ((payload.lla ?? null) !== lla) return yield* invalid
      const deviceLabel = typeof payload.device_label === "string" ? payload.device_label : null
      const waived = Array.isArray(payload.waive) ? sortActions(payload.waive.filter(isAction)) : []
      return { tenant, user: row.value, state: { mfa: payload.mfa === true, deviceLabel, waived } satisfies TokenState }
    })

  /**
   * Records a password step that answered `actions_required` (caller's
   * tenant and actor): failures cleared but no `last_login_at` (the login is
   * not complete), the hash upgraded when `rehash` is given, audited
   * `auth.actions_required`.
   */
  const recordPending = (
    userId: string,
    actions: ReadonlyArray<RequiredAction>,
    rehash: Redacted.Redacted<string> | null
  ) =>
    inTx(
      Effect.gen(function* () {
        yield* users.passwordAccepted(userId, null)
        if (rehash !== null) yield* identity.storePassword(userId, rehash)
        yield* audit.record({
          action: "auth.actions_required",
          targetType: "user",
          targetId: userId,
          after: { actions }
        })
      })
    )

  return { pendingFor, actionToken, challengeIfPending, redeem, recordPending }
}

/**
 * What the other action steps share (issue 18): resolving an action token
 * for one pending action, and the progress answer after a step. The steps
 * themselves live with their module — the verification mail in accounts
 * (`Accounts.actionEmailVerification`), TOTP enrolment in `Mfa`
 * (`actionTotpStart`, `actionTotpConfirm`) — and call these.
 */
const makeActionSteps = (kit: Kit, pending: ReturnType<typeof makePending>) => {
  const { identity, inTx, withTenant } = kit
  const { pendingFor, actionToken, redeem } = pending
  const invalid = () => new Unauthorized({ message: "invalid or expired action token" })

  /**
   * Resolves an action token for a step that satisfies `action`: the
   * tenant, the user and the token's state, only while `action` is pending
   * (the token is no general credential).
   * @errors Unauthorized (bad, expired, foreign-tenant or replayed token; `action` not pending), TenantNotFound, TenantSuspended
   */
  const actionUser = (slug: string, token: string, action: RequiredAction) =>
    Effect.gen(function* () {
      const redeemed = yield* redeem(slug, token)
      const before = yield* pendingFor(redeemed.tenant, redeemed.user, redeemed.state.waived)
      if (!before.includes(action)) return yield* invalid()
      return redeemed
    })

  /**
   * After a step: what is still pending for `userId` and a fresh action
   * token carrying `state` (its `mfa` set when the step proved a factor).
   * @errors Unauthorized (the user is gone)
   */
  const actionProgress = (tenant: Tenant, userId: string, state: TokenState) =>
    Effect.gen(function* () {
      const row = yield* withTenant(tenant, inTx(identity.findRow(userId)))
      if (Option.isNone(row)) return yield* invalid()
      const actions = yield* pendingFor(tenant, row.value, state.waived)
      const renewed = yield* actionToken(tenant, row.value, state)
      return { actions, action_token: renewed.token, expires_in: renewed.expiresIn } satisfies ActionsProgress
    })

  return { actionUser, actionProgress }
}

/** The required-actions seam of the authentication service; see the module comment. */
export const makeRequiredActions = (kit: Kit) => {
  const { audit, events, identity, users, inTx, withTenant, actionsRepo } = kit
  const pending = makePending(kit)
  const { pendingFor, redeem } = pending
  const steps = makeActionSteps(kit, pending)

  /**
   * `update_password` with the action token: checks the tenant's policy,
   * stores the password, clears the action, revokes every session; answers
   * what is still pending and a fresh action token.
   * @errors Unauthorized (token; or `update_password` not pending), ValidationError (`new_password`), TenantNotFound, TenantSuspended
   */
  const actionPassword = (slug: string, token: string, next: Redacted.Redacted<string>, client: ClientInfo) =>
    Effect.gen(function* () {
      const { state, tenant, user } = yield* steps.actionUser(slug, token, "update_password")
      if (user.password_hash !== null && (yield* verifyPassword(user.password_hash, next))) {
        return yield* ValidationError.field("new_password", "must differ from the current password")
      }
      const actor: Actor = { kind: "user", id: user.id, ip: client.ip, userAgent: client.userAgent }
      yield* withTenant(
        tenant,
        Effect.gen(function* () {
          yield* identity.checkPassword(next, user.email, user.username, "new_password")
          yield* inTx(
            Effect.gen(function* () {
              yield* identity.storePassword(user.id, next)
              yield* actionsRepo.clear(user.id, "update_password")
              const revoked = yield* kit.revokeSessions(user.id, { reason: "password_changed" })
              yield* audit.record({
                action: "user.password_change",
                targetType: "user",
                targetId: user.id,
                after: { via: "required_action", other_sessions_revoked: revoked }
              })
              yield* events.publish({ type: "signet.user.password_changed", subject: user.id, data: { by: "self" } })
            })
          ).pipe(Effect.provideService(CurrentActor, actor))
        })
      )
      return yield* steps.actionProgress(tenant, user.id, state)
    }).pipe(Effect.withSpan("Auth.actionPassword"))

  /**
   * Exchanges the action token for tokens once nothing is pending: records
   * the login (which voids the token) and opens the session, as a login does.
   * @errors Unauthorized (token), ActionsPending (409, naming them), TenantNotFound, TenantSuspended
   */
  const completeActions = (slug: string, token: string, client: ClientInfo) =>
    Effect.gen(function* () {
      const { state, tenant, user } = yield* redeem(slug, token)
      const { deviceLabel, mfa } = state
      const actions = yield* pendingFor(tenant, user, state.waived)
      if (actions.length > 0) {
        return yield* new ActionsPending({ message: "required actions are still pending", actions })
      }
      const actor: Actor = { kind: "user", id: user.id, ip: client.ip, userAgent: client.userAgent }
      const nowMs = yield* Clock.currentTimeMillis
      return yield* withTenant(
        tenant,
        inTx(
          Effect.gen(function* () {
            yield* users.setLastLogin(user.id, instant(nowMs))
            const pair = yield* kit.openSession(
              tenant,
              { ...user, last_login_at: DateTime.unsafeMake(nowMs) },
              { ...client, deviceLabel: deviceLabel ?? client.deviceLabel },
              mfa
            )
            yield* audit.record({
              action: "auth.login",
              targetType: "session",
              targetId: pair.session_id,
              after: { user_id: user.id, mfa, required_actions: true }
            })
            yield* events.publish({
              type: "signet.auth.login",
              subject: user.id,
              data: { session_id: pair.session_id }
            })
            return pair
          })
        ).pipe(Effect.provideService(CurrentActor, actor))
      )
    }).pipe(Effect.withSpan("Auth.completeActions"))

  /** A user's admin-set actions (current tenant). @errors UserNotFound (404; also another tenant's user) */
  const requiredActionsOf = (userId: UserId) =>
    Effect.gen(function* () {
      yield* identity.get(userId)
      const actions = yield* inTx(actionsRepo.ofUser(userId))
      return new UserRequiredActions({ user_id: userId, actions: sortActions(actions) })
    })

  /**
   * Replaces a user's admin-set actions (current tenant), audited
   * `user.required_actions_set`. @errors UserNotFound (404; also another tenant's user)
   */
  const setRequiredActions = (userId: UserId, actions: ReadonlyArray<RequiredAction>) =>
    Effect.gen(function* () {
      yield* identity.get(userId)
      const sorted = sortActions(actions)
      const nowMs = yield* Clock.currentTimeMillis
      yield* inTx(
        Effect.gen(function* () {
          const before = yield* actionsRepo.ofUser(userId)
          yield* actionsRepo.replace(userId, sorted, instant(nowMs))
          yield* audit.record({
            action: "user.required_actions_set",
            targetType: "user",
            targetId: userId,
            before: { actions: sortActions(before) },
            after: { actions: sorted }
          })
        })
      )
      return new UserRequiredActions({ user_id: userId, actions: sorted })
    })

  return {
    pendingFor,
    challengeIfPending: pending.challengeIfPending,
    recordPending: pending.recordPending,
    actionPassword,
    actionUser: steps.actionUser,
    actionProgress: steps.actionProgress,
    completeActions,
    requiredActionsOf,
    setRequiredActions
  }
}
