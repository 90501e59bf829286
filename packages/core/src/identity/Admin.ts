/**
 * User and API-key administration with the permission in the types
 * (issue 3 "Enforced in the types"; STYLE.md "policy pattern").
 *
 * Each operation carries an `AccessPolicy<"users:…">` or
 * `AccessPolicy<"apikeys:…">` requirement ({@link policyRequire}); an HTTP or
 * RPC handler can only run it after `policyUse(permission)` (Access.ts) has
 * checked the actor, so a handler that forgets the check does not compile.
 * The services underneath (`Identity`, `Auth`, `ApiKeys`) stay unguarded for
 * the modules that call them on the system's behalf (attendance reading a
 * student, beacons checking a device, onboarding creating the first admin).
 *
 * | operation | permission |
 * |---|---|
 * | `list`, `get`, `getLite`, `exists`, `validateStudentDevice`, `listPasskeys`, `requiredActions` | `users:read` |
 * | `create` (⚑ for `admin`/`dev`), `update`, `enable`, `unlock`, `disable`, `setRequiredActions`, ⚑ `resetPassword`, ⚑ `resetMfa`, ⚑ `removePasskey` | `users:write` |
 * | `remove` | `users:delete` |
 * | `listApiKeys` | `apikeys:read` |
 * | ⚑ `createApiKey`, `revokeApiKey` | `apikeys:write` |
 * | `introspectToken` (RFC 7662) | `tokens:introspect` |
 *
 * Every operation acts in the `CurrentTenant`; mutations also need the
 * `CurrentActor` (audit). Reads show a user's device identifiers only to
 * `users:write` holders and the user themselves (`Visibility.ts`, issue 15 §4).
 *
 * No escalation through administration ("nobody grants what they do not
 * hold"): `create` refuses a user whose type's default role
 * (`DEFAULT_ROLE_OF_TYPE`: admin and dev → `admin`, i.e. `*:*`) grants a
 * permission the actor does not hold, `resetPassword` refuses a user who
 * holds a permission the actor does not (setting a password takes over the
 * account), and `createApiKey` refuses a scope entry the actor does not hold
 * (checked by `ApiKeys.create`). Operators and the system hold everything.
 *
 * **Step-up** (issue 15 §4; seed 003 "MFA required for sensitive actions"):
 * the paths that hand out administrator power — `create` of an `admin` or
 * `dev` user (default role `admin`, `*:*`), every `createApiKey` (a key is a
 * bearer credential carrying the actor's power), `resetMfa` — need a `user`
 * actor to have verified MFA on its session within the tenant's
 * `auth.step_up_minutes` (`Access.requireStepUp`), else `Forbidden`
 * (`permission: "mfa:step-up"`), checked before anything is written.
 * Operators, the system and API keys are not asked (as in `AccessAdmin`).
 * (`update` cannot change a user's type: `UpdateUser` has no `user_type`.)
 *
 * @module
 */

import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import type {
  ApiKeyId,
  CreateApiKey,
  CreateUser,
  PasskeyId,
  UpdateUser,
  UserId
} from "@signet/contracts/identity/Domain"
import { IntrospectionResponse } from "@signet/contracts/identity/Introspection"
import type { RequiredAction } from "@signet/contracts/identity/RequiredActions"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Redacted } from "effect"
import { Effect, Option } from "effect"
import { Access } from "../access/Access.js"
import { policyRequire } from "../access/Policy.js"
import { ApiKeys } from "./ApiKeys.js"
import { Auth } from "./Auth.js"
import { Mfa } from "./Mfa.js"
import { Passkeys } from "./Passkeys.js"
import { Identity, type ListUsers } from "./Users.js"
import { withDeviceView, withDeviceViewPage } from "./Visibility.js"

const usersRead = policyRequire("users", "read")
const usersWrite = policyRequire("users", "write")
const usersDelete = policyRequire("users", "delete")
const apiKeysRead = policyRequire("apikeys", "read")
const apiKeysWrite = policyRequire("apikeys", "write")
const tokensIntrospect = policyRequire("tokens", "introspect")

/**
 * `self` after checking that the actor holds every permission the user `id`
 * holds (what the actor could otherwise take over or switch off).
 * @errors Forbidden (naming the first permission not held)
 */
const onUser = <A, E, R>(id: UserId, what: string, self: Effect.Effect<A, E, R>) =>
  Effect.zipRight(
    Access.use((a) => a.requireHeldUser(id, what)),
    self
  )

/** `self` after the step-up check (`Access.requireStepUp`; see the module comment). */
const sensitive = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.zipRight(
    Access.use((a) => a.requireStepUp),
    self
  )

/** The user types whose default role is the administrator's (`admin` and `dev` → `admin`). */
const administratorTypes: ReadonlySet<string> = new Set(["admin", "dev"])

/** Administrative user and API-key operations; see the module comment for their permissions. */
export const UserAdmin = {
  /**
   * A page of the tenant's users (`users:read`); device identifiers only for
   * `users:write` holders and the caller's own record (`Visibility.ts`).
   * @errors ValidationError (bad cursor or filter)
   */
  list: (params: ListUsers = {}) => usersRead(withDeviceViewPage(Identity.use((i) => i.list(params)))),
  /** One user (`users:read`); device identifiers as in `list`. @errors UserNotFound */
  get: (id: UserId) => usersRead(withDeviceView(Identity.use((i) => i.get(id)))),
  /** A user's short profile, seed 004 `GetUserLite` (`users:read`). @errors UserNotFound */
  getLite: (id: UserId) => usersRead(Identity.use((i) => i.getLite(id))),
  /** Whether a user exists, seed 004 `Exists` (`users:read`). */
  exists: (id: UserId) => usersRead(Identity.use((i) => i.exists(id))),
  /** Whether a device is registered to a student, seed 004 `ValidateStudentDevice` (`users:read`). */
  validateStudentDevice: (studentId: UserId, deviceIdentifier: string) =>
    usersRead(Identity.use((i) => i.validateStudentDevice(studentId, deviceIdentifier))),
  /**
   * Creates a user (`users:write`). The user's type brings its default role
   * (`DEFAULT_ROLE_OF_TYPE`, given by the creation step of `Core.ts`), so the
   * actor must also hold every permission that role grants in the tenant
   * (`Access.requireHeldRole`): only a `*:*` holder creates `admin` or `dev`
   * users; the default manager role covers the teacher and student roles.
   * Creating an `admin` or `dev` user hands out administrator power, so a
   * `user` actor also needs step-up (issue 15 §4), checked first.
   * @errors ValidationError, Conflict (e-mail, username or device taken),
   * Forbidden (403: step-up `mfa:step-up`, or naming the first permission of the default role not held)
   */
  create: (input: CreateUser) =>
    usersWrite(
      Effect.zipRight(
        administratorTypes.has(input.user_type) ? Access.use((a) => a.requireStepUp) : Effect.void,
        Effect.zipRight(
          Access.use((a) =>
            a.requireHeldRole(DEFAULT_ROLE_OF_TYPE[input.user_type], `creating a user of type ${input.user_type}`)
          ),
          Identity.use((i) => i.create(input))
        )
      )
    ),
  /**
   * Changes a user's profile (`users:write`). Acting on a user needs at least
   * the power that user holds (`Access.requireHeldUser`, issue 15 §4): a
   * manager cannot edit, disable, unlock or delete the tenant's administrator.
   * @errors UserNotFound, ValidationError, Conflict, Forbidden
   */
  update: (id: UserId, patch: UpdateUser) =>
    usersWrite(
      onUser(
        id,
        "changing this user",
        Identity.use((i) => i.update(id, patch))
      )
    ),
  /** Re-enables a disabled user (`users:write`, and the user's power). @errors UserNotFound, Forbidden */
  enable: (id: UserId) =>
    usersWrite(
      onUser(
        id,
        "enabling this user",
        Identity.use((i) => i.lifecycle<never, never>(id, "enabled"))
      )
    ),
  /** Lifts a lockout (`users:write`, and the user's power). @errors UserNotFound, Forbidden */
  unlock: (id: UserId) =>
    usersWrite(
      onUser(
        id,
        "unlocking this user",
        Identity.use((i) => i.lifecycle<never, never>(id, "unlocked"))
      )
    ),
  /** Disables a user and revokes their sessions (`users:write`, and the user's power). @errors UserNotFound, Forbidden */
  disable: (id: UserId) =>
    usersWrite(
      onUser(
        id,
        "disabling this user",
        Auth.use((a) => a.disableUser(id))
      )
    ),
  /**
   * ⚑ Sets a user's password and revokes their sessions (`users:write`).
   * Whoever sets a password can sign in as the user, so the actor must also
   * hold every permission the user holds (`Access.requireHeldUser`): a
   * manager cannot take over an admin's account this way; and a user actor
   * needs the step-up (issue 15 §4), as for every other takeover-grade power.
   * With `temporary` (issue 18, Keycloak's temporary passwords) the
   * required action `update_password` is set, so the user replaces it at
   * their next password sign-in; without, it is cleared.
   * @errors UserNotFound, ValidationError, Forbidden (403: step-up, or naming the first permission of the user not held)
   */
  resetPassword: (id: UserId, password: Redacted.Redacted<string>, options: { readonly temporary?: boolean } = {}) =>
    usersWrite(
      sensitive(
        Effect.zipRight(
          Access.use((a) => a.requireHeldUser(id, "setting this user's password")),
          Auth.use((a) => a.resetPassword(id, password, { temporary: options.temporary === true }))
        )
      )
    ),
  /**
   * ⚑ Resets a user's MFA (`users:write`, the user's power, step-up for a
   * user actor): removes their TOTP secret and recovery codes, turns MFA off
   * and revokes their sessions, audited `mfa.reset` (see `Mfa.reset`). For a
   * user who lost their authenticator; they enrol again at their next login.
   * Whoever resets a user's MFA weakens that account, hence the same rules as
   * `resetPassword` plus step-up (issue 15 §4).
   * @errors UserNotFound, Forbidden (403: step-up `mfa:step-up`, or naming the first permission of the user not held)
   */
  resetMfa: (id: UserId) =>
    usersWrite(
      sensitive(
        onUser(
          id,
          "resetting this user's MFA",
          Mfa.use((m) => m.reset(id))
        )
      )
    ),
  /**
   * A user's admin-set required actions (`users:read`; issue 18).
   * @errors UserNotFound (404; also another tenant's user)
   */
  requiredActions: (id: UserId) => usersRead(Auth.use((a) => a.requiredActionsOf(id))),
  /**
   * Sets a user's required actions (`users:write`; issue 18, as Keycloak's):
   * `verify_email`, `update_password`, `configure_mfa`, enforced at their
   * next sign-in (`auth/RequiredActions.ts`); an empty list clears them.
   * Audited `user.required_actions_set`. It takes nothing over (the user
   * still signs in with their own factors), so no step-up.
   * @errors UserNotFound (404; also another tenant's user)
   */
  setRequiredActions: (id: UserId, actions: ReadonlyArray<RequiredAction>) =>
    usersWrite(Auth.use((a) => a.setRequiredActions(id, actions))),
  /** A user's passkeys (`users:read`; issue 18). @errors UserNotFound (404; also another tenant's user) */
  listPasskeys: (id: UserId) =>
    usersRead(
      Effect.zipRight(
        Identity.use((i) => i.get(id)),
        Passkeys.use((p) => p.list(id))
      )
    ),
  /**
   * ⚑ Removes a user's passkey (`users:write`, the user's power, step-up for
   * a user actor — removing a credential weakens the account as `resetMfa`
   * does). Audited `passkey.removed`.
   * @errors UserNotFound, PasskeyNotFound (404; also another user's), Forbidden
   */
  removePasskey: (id: UserId, passkey: PasskeyId) =>
    usersWrite(
      sensitive(
        onUser(
          id,
          "removing this user's passkey",
          Effect.zipRight(
            Identity.use((i) => i.get(id)),
            Passkeys.use((p) => p.remove(id, passkey))
          )
        )
      )
    ),
  /** Soft-deletes a user and revokes their sessions (`users:delete`, and the user's power). @errors UserNotFound, Forbidden */
  remove: (id: UserId) =>
    usersDelete(
      onUser(
        id,
        "deleting this user",
        Auth.use((a) => a.deleteUser(id))
      )
    ),
  /** The tenant's API keys, without secrets (`apikeys:read`). */
  listApiKeys: apiKeysRead(Effect.flatMap(ApiKeys, (k) => k.list)),
  /**
   * Creates an API key; its secret is in the answer only (`apikeys:write`).
   * Every scope entry must be a known permission the actor holds (see `ApiKeys.create`).
   * A key is a bearer credential that is never asked for step-up, so minting
   * one is itself sensitive: a `user` actor needs step-up (issue 15 §4), checked first.
   * @errors ValidationError (`permissions`: unknown permission; expiry),
   * Forbidden (403: step-up `mfa:step-up`, or a scope entry not held)
   */
  createApiKey: (input: CreateApiKey) => apiKeysWrite(sensitive(ApiKeys.use((k) => k.create(input)))),
  /** Revokes an API key (`apikeys:write`). @errors NotFound */
  revokeApiKey: (id: ApiKeyId) => apiKeysWrite(ApiKeys.use((k) => k.revoke(id))),
  /**
   * OAuth 2.0 token introspection (RFC 7662 §2; issue 19 §4, the REST twin of
   * seed 000's `AuthService.ValidateToken`) for a resource server of the
   * current tenant (`tokens:introspect`). Verifies `token` as an access token
   * — signature, expiry, its tenant active, its session live, its user
   * active — and answers `active: true` with its claims only when it belongs
   * to the `CurrentTenant`. Anything else (garbage, expired, revoked, a
   * refresh token, another tenant's token) is `{ active: false }` and nothing
   * more, so the endpoint tells no tenant about another's tokens.
   * Never fails for a bad token.
   */
  introspectToken: (token: string) =>
    tokensIntrospect(
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const found = yield* Auth.use((a) => a.validateToken(token)).pipe(Effect.option)
        if (Option.isNone(found) || found.value.tid !== tenant.id) return new IntrospectionResponse({ active: false })
        const { mfa_enroll: _, ...claims } = found.value
        return new IntrospectionResponse({ active: true, token_type: "access_token", ...claims })
      }).pipe(Effect.withSpan("UserAdmin.introspectToken"))
    )
} as const
