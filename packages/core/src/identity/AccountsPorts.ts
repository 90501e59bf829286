/**
 * The accounts module's port (`accounts/Ports.ts` {@link AccountUsers}),
 * provided by identity over its own services: lookups through `Identity`,
 * the password change through `Auth.resetPassword` (policy, argon2id hash,
 * every session revoked, audit row, `signet.user.password_changed`).
 * Accounts sits above identity, so the layers form no cycle.
 *
 * @module
 */

import type { UserId } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Clock, Effect, Layer, Option } from "effect"
import { AccessStepUp } from "../access/Ports.js"
import { type AccountUser, AccountUsers, type Invitee } from "../accounts/Ports.js"
import { RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Auth } from "./Auth.js"
import { EMAIL_CODE_FIRST_FACTOR } from "./auth/CodeLogin.js"
import { SigningKeys } from "./Keys.js"
import { enforceAccountLimit, loginRules } from "./LoginLimits.js"
import { Mfa } from "./Mfa.js"
import { verifyPassword } from "./Password.js"
import { UsersRepo } from "./repo/Users.js"
import { Identity, normalize } from "./Users.js"
import type { UserRow } from "./users/Kit.js"

/** A user row as accounts sees it: disabled and deleted users may not reset a password. */
const toAccountUser = (row: UserRow): AccountUser => ({
  id: row.id,
  email: row.email,
  active: row.status !== "disabled" && row.deleted_at === null,
  locale: row.locale
})

/** A user row as invitations see it. */
const toInvitee = (row: UserRow): Invitee => ({
  ...toAccountUser(row),
  userType: row.user_type,
  schoolId: row.school_id,
  hasPassword: row.password_hash !== null,
  name: row.display_name ?? `${row.given_name} ${row.family_name}`
})

/**
 * {@link AccountUsers} over `Identity` and `Auth`; the re-authentication
 * checks over the login limits (`RateLimiter`) and access's `AccessStepUp`.
 */
export const accountUsersLayer: Layer.Layer<
  AccountUsers,
  never,
  Identity | Auth | UsersRepo | Mfa | SigningKeys | RateLimiter | AccessStepUp
> = Layer.effect(
  AccountUsers,
  Effect.gen(function* () {
    const identity = yield* Identity
    const auth = yield* Auth
    const repo = yield* UsersRepo
    const mfa = yield* Mfa
    const keys = yield* SigningKeys
    const limiter = yield* RateLimiter
    const stepUp = yield* AccessStepUp
    const rules = yield* loginRules
    return {
      ownPassword: (id, password) =>
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const row = yield* identity.inTx(identity.findRow(id))
          if (Option.isNone(row)) return "no_password" as const
          // The login's own account bucket: guesses here and at the login share one budget.
          yield* enforceAccountLimit(limiter, rules, `login:account:${tenant.id}:${normalize(row.value.email)}`)
          if (row.value.password_hash === null) return "no_password" as const
          return (yield* verifyPassword(row.value.password_hash, password))
            ? ("ok" as const)
            : ("wrong_password" as const)
        }),
      requireRecentMfa: stepUp.requireRecentMfa,
      mfaChallengeUser: (tenantId, mfaToken, factor = EMAIL_CODE_FIRST_FACTOR) =>
        keys.verify("mfa", mfaToken).pipe(
          Effect.map((p) =>
            // A challenge whose first factor was a mailed (texted) code is not for another one.
            p.tid === tenantId && typeof p.sub === "string" && p.first !== factor
              ? Option.some(p.sub as UserId)
              : Option.none()
          ),
          Effect.orElseSucceed(() => Option.none<UserId>())
        ),
      completeMfaLogin: (slug, mfaToken, client, check, factor = EMAIL_CODE_FIRST_FACTOR) =>
        mfa.completeLoginWith(slug, mfaToken, client, factor, (userId) => check(userId as UserId)),
      findByLogin: (login) => identity.inTx(identity.findByLogin(login)).pipe(Effect.map(Option.map(toAccountUser))),
      find: (id) => identity.inTx(identity.findRow(id)).pipe(Effect.map(Option.map(toAccountUser))),
      checkPassword: (id, password) =>
        Effect.flatMap(identity.get(id), (user) =>
          identity.checkPassword(password, user.email, user.username, "new_password")
        ),
      resetPassword: (id, password, by) => auth.resetPassword(id, password, { by }),
      invitee: (login) =>
        identity
          .inTx(
            Effect.flatMap(identity.findRow(login), (byId) =>
              Option.isSome(byId) ? Effect.succeed(byId) : identity.findByLogin(login)
            )
          )
          .pipe(Effect.map(Option.map(toInvitee))),
      create: (input) =>
        Effect.flatMap(identity.create(input), (user) =>
          identity
            .inTx(identity.findRow(user.id))
            .pipe(Effect.map(Option.getOrThrowWith(() => new Error("created user not found"))), Effect.map(toInvitee))
        ),
      page: (filter) =>
        Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
          identity.inTx(
            repo.list({
              after: filter.after,
              user_type: filter.userType,
              school_id: filter.schoolId,
              at: instant(nowMs),
              limit: filter.limit
            })
          )
        ).pipe(Effect.map((rows) => rows.map(toInvitee))),
      ssoOnly: (tenant, email, userId) =>
        Effect.zipWith(
          auth.ssoOnlyConnection(tenant, email),
          auth.tenantSsoOnly(tenant, userId),
          (domain, tenantWide) => Option.isSome(domain) || tenantWide
        ),
      actionUser: (slug, actionToken, action) =>
        Effect.map(auth.actionUser(slug, actionToken, action), ({ tenant, user }) => ({ tenant, userId: user.id })),
      codeLogin: (tenant, userId, client, check, factor) => auth.codeLogin(tenant, userId, client, check, factor),
      signIn: (slug, login, password, client) =>
        auth
          .login(slug, { login, password }, client)
          .pipe(Effect.catchAll((e) => (e._tag === "RateLimited" ? Effect.fail(e) : Effect.die(e))))
    }
  })
)
