/**
 * Password login with lockout (issue 14 §3; seed 002 "Authentication &
 * security"; OWASP ASVS V2): rate limits before any password work, one
 * generic failure for every refusal, the lockout after
 * `auth.lockout_threshold` failures, and the MFA challenge, the required
 * actions (`RequiredActions.ts`) or a new session.
 *
 * @module
 */

import { InvalidCredentials, type LoginRequest, type LoginResult, SsoRequired } from "@signet/contracts/identity/Domain"
import { TenantSsoRequired } from "@signet/contracts/identity/SignInErrors"
import { type Actor, CurrentActor } from "@signet/contracts/kernel/Context"
import { Clock, DateTime, Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import { enforceLoginLimits } from "../LoginLimits.js"
import { dummyHash, needsRehash, verifyPassword } from "../Password.js"
import { normalize } from "../users/Kit.js"
import type { ClientInfo, Kit } from "./Kit.js"
import { makeRequiredActions, type SignInFacts } from "./RequiredActions.js"
import { secondStepDue } from "./SecondStep.js"

/**
 * Refuses `email` when its domain signs in only through SSO (issue 19 §2).
 * @errors SsoRequired
 */
const refuseSsoOnlyOf = ({ inTx, ssoOnly }: Kit, email: string) =>
  Effect.flatMap(
    inTx(ssoOnly.connectionFor(email)),
    Option.match({
      onNone: () => Effect.void,
      onSome: (connection) =>
        Effect.fail(new SsoRequired({ message: "this account signs in through SSO only", connection }))
    })
  )

/** What the required-actions gate is told of a password-only sign-in. */
const passwordFacts = (client: ClientInfo): SignInFacts => ({
  method: "password",
  mfa: false,
  deviceLabel: client.deviceLabel ?? null
})

/** The login seam of the authentication service; see the module comment. */
export const makeLogin = (kit: Kit) => {
  const { audit, events, tenancy, identity, keys, users, inTx, withTenant, ssoOnly } = kit
  const actions = makeRequiredActions(kit)

  const refuseSsoOnly = (email: string) => refuseSsoOnlyOf(kit, email)

  /**
   * Password login for the tenant `slug`. An address of an `sso_only`
   * domain is refused before any password work; a login by username is
   * refused only once its password was right (so the refusal tells nothing
   * about an account to someone without its password).
   * The tenant-wide "SSO only" policy refuses every account but its
   * break-glass ones, also once the password was right.
   * @errors InvalidCredentials (401, the one generic failure), SsoRequired
   *   (403), TenantSsoRequired (403), TenantNotFound, TenantSuspended
   */
  const login = (slug: string, request: LoginRequest, client: ClientInfo) =>
    Effect.gen(function* () {
      const tenant = yield* tenancy.resolveActive(slug)
      // Rate limits come before any password work; the client address is the
      // one the server derived (X-Forwarded-For only from trusted proxies).
      yield* enforceLoginLimits(kit.limiter, kit.rules, {
        ip: `login:ip:${client.ip ?? "unknown"}`,
        account: `login:account:${tenant.id}:${normalize(request.login)}`
      })
      const actorBase: Actor = { kind: "user", id: null, ip: client.ip, userAgent: client.userAgent }
      return yield* withTenant(
        tenant,
        Effect.gen(function* () {
          yield* refuseSsoOnly(request.login)
          const found = yield* inTx(identity.findByLogin(request.login))
          const user = Option.getOrUndefined(found)
          const phc = user?.password_hash ?? (yield* dummyHash())
          const passwordOk = yield* verifyPassword(phc, request.password)
          const nowMs = yield* Clock.currentTimeMillis
          const fail = <R = never>(
            action: string,
            targetId: string | null,
            after: unknown,
            update?: Effect.Effect<void, never, R>
          ) =>
            inTx(
              Effect.gen(function* () {
                if (update) yield* update
                yield* audit.record({ action, targetType: "user", targetId, after })
              })
            ).pipe(
              Effect.provideService(CurrentActor, { ...actorBase, id: targetId }),
              Effect.zipRight(Effect.fail(InvalidCredentials.generic))
            )
          if (!user || user.password_hash === null) {
            return yield* fail("auth.login_failed", null, {
              login: request.login.slice(0, 254),
              reason: "unknown_login"
            })
          }
          if (user.status !== "active") {
            return yield* fail("auth.login_failed", user.id, { reason: `account_${user.status}` })
          }
          if (user.locked_until !== null && DateTime.toEpochMillis(user.locked_until) > nowMs) {
            return yield* fail("auth.login_failed", user.id, {
              reason: "account_locked",
              locked_until: user.locked_until
            })
          }
          if (!passwordOk) {
            const threshold = yield* tenancy.settingValue<number>(tenant.id, "auth.lockout_threshold")
            const minutes = yield* tenancy.settingValue<number>(tenant.id, "auth.lockout_minutes")
            const failures = user.failed_logins + 1
            if (failures >= threshold) {
              const until = instant(nowMs + minutes * 60_000)
              return yield* fail(
                "user.locked",
                user.id,
                { reason: "too_many_failed_logins", failed_logins: failures, locked_until: until },
                users.lock(user.id, until, instant(nowMs))
              )
            }
            return yield* fail(
              "auth.login_failed",
              user.id,
              { reason: "wrong_password", failed_logins: failures },
              users.setFailedLogins(user.id, failures)
            )
          }
          yield* refuseSsoOnly(user.email)
          if (yield* inTx(ssoOnly.tenantWide(user.id))) return yield* TenantSsoRequired.instance
          // Success. Transparently upgrade hashes made with older parameters.
          const rehash = needsRehash(user.password_hash)
          if (yield* secondStepDue(kit, tenant, user)) {
            const challenge = yield* keys.sign("mfa", {
              sub: user.id,
              tid: tenant.id,
              device_label: client.deviceLabel ?? null
            })
            yield* inTx(
              Effect.gen(function* () {
                yield* users.passwordAccepted(user.id, null)
                if (rehash) yield* identity.storePassword(user.id, request.password)
                yield* audit.record({ action: "auth.mfa_challenge", targetType: "user", targetId: user.id })
              })
            ).pipe(Effect.provideService(CurrentActor, { ...actorBase, id: user.id }))
            return {
              status: "mfa_required",
              mfa_token: challenge.token,
              expires_in: challenge.expiresIn
            } as LoginResult
          }
          // Required actions (issue 18): pending ones answer an action token, not a session.
          const pending = yield* actions.challengeIfPending(tenant, user, passwordFacts(client))
          if (Option.isSome(pending)) {
            yield* actions
              .recordPending(user.id, pending.value.actions, rehash ? request.password : null)
              .pipe(Effect.provideService(CurrentActor, { ...actorBase, id: user.id }))
            return pending.value as LoginResult
          }
          const tokens = yield* inTx(
            Effect.gen(function* () {
              yield* users.passwordAccepted(user.id, instant(nowMs))
              if (rehash) yield* identity.storePassword(user.id, request.password)
              const pair = yield* kit.openSession(
                tenant,
                { ...user, last_login_at: DateTime.unsafeMake(nowMs) },
                client,
                false
              )
              yield* audit.record({
                action: "auth.login",
                targetType: "session",
                targetId: pair.session_id,
                after: { user_id: user.id, device_label: client.deviceLabel ?? null }
              })
              yield* events.publish({
                type: "signet.auth.login",
                subject: user.id,
                data: { session_id: pair.session_id }
              })
              return pair
            })
          ).pipe(Effect.provideService(CurrentActor, { ...actorBase, id: user.id }))
          return { status: "authenticated", tokens } as LoginResult
        })
      )
    }).pipe(Effect.withSpan("Auth.login"))

  return { login } as const
}
