/**
 * The acting user's own account — profile, sessions, password, TOTP, passkeys — and
 * reads of a user that are allowed to the user themselves or to `users:read`
 * holders; plus the public JWKS. The user is always the verified actor
 * (`CurrentActor`), never an argument (issue 14 "core is the security
 * boundary").
 *
 * @module
 */
import type {
  ChangePassword,
  DisableMfa,
  EnrollTotp,
  PasskeyId,
  SessionId,
  UpdateMyProfile,
  UserId,
  WebAuthnCredential
} from "@signet/contracts/identity/Domain"
import { Effect, type Redacted } from "effect"
import { selfOrPermission } from "../access/SelfOr.js"
import { currentUser } from "../kernel/Principal.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Auth } from "./Auth.js"
import { SigningKeys } from "./Keys.js"
import { Mfa } from "./Mfa.js"
import { Passkeys } from "./Passkeys.js"
import { Identity } from "./Users.js"
import { withDeviceView } from "./Visibility.js"

/** `self` for the user `userId` themself or a `users:read` holder. @errors Forbidden */
const selfOrUsersRead = <A, E, R>(userId: string, self: Effect.Effect<A, E, R>) =>
  selfOrPermission(userId, "users:read", self)

const toJwks = (j: { readonly keys: ReadonlyArray<object> }) => ({
  keys: j.keys.map((key) => ({ ...key }) as Record<string, unknown>)
})

/** The acting user's account operations, and self-or-`users:read` reads. */
export const Account = {
  /** The acting user's profile (`GET …/me`). @errors Forbidden (not a user token), UserNotFound */
  me: Effect.flatMap(currentUser, ({ userId }) => Identity.use((i) => i.get(userId))),
  /**
   * Changes the acting user's own profile (`PATCH …/me`, issue 18
   * "Profiles"): only the fields the tenant's `profile.self_edit` lists.
   * @errors Forbidden (not a user token; a field the tenant keeps for admins), UserNotFound
   */
  updateMe: (patch: UpdateMyProfile) =>
    Effect.flatMap(currentUser, ({ userId }) => Identity.use((i) => i.updateMyProfile(userId, patch))),
  /** Ends the acting session (`POST …/auth/logout`). */
  logout: Effect.flatMap(currentUser, ({ sessionId, userId }) =>
    sessionId ? Auth.use((a) => a.revokeSession(userId, sessionId)).pipe(Effect.orDie) : Effect.void
  ),
  /** The acting user's sessions, the current one marked. */
  sessions: Effect.flatMap(currentUser, ({ sessionId, userId }) => Auth.use((a) => a.listSessions(userId, sessionId))),
  /** Revokes one of the acting user's sessions. @errors NotFound */
  revokeSession: (id: SessionId) =>
    Effect.flatMap(currentUser, ({ userId }) => Auth.use((a) => a.revokeSession(userId, id))),
  /** Revokes every session of the acting user but the current one; answers how many. */
  revokeOtherSessions: Effect.flatMap(currentUser, ({ sessionId, userId }) =>
    Effect.map(
      Auth.use((a) => a.revokeOtherSessions(userId, sessionId)),
      (revoked) => ({ revoked })
    )
  ),
  /** Changes the acting user's password (current password required; other sessions signed out by default). */
  changePassword: (input: typeof ChangePassword.Type) =>
    Effect.flatMap(currentUser, ({ sessionId, userId }) =>
      Auth.use((a) =>
        a.changePassword(
          userId,
          sessionId,
          input.current_password,
          input.new_password,
          input.sign_out_other_sessions ?? true
        )
      )
    ),
  /**
   * Starts TOTP enrolment (RFC 6238) for the acting user; needs their current
   * password (issue 15 §4, see `Mfa.enroll`).
   * @errors Forbidden (wrong or no password), RateLimited (the account's login budget), ValidationError (already enabled)
   */
  enrollTotp: (input: EnrollTotp) =>
    Effect.flatMap(currentUser, ({ userId }) => Mfa.use((m) => m.enroll(userId, input.password))),
  /** Confirms TOTP enrolment with a first code; answers the recovery codes. */
  confirmTotp: (code: string) => Effect.flatMap(currentUser, ({ userId }) => Mfa.use((m) => m.confirm(userId, code))),
  /** Turns the acting user's MFA off (password and a code or a recovery code). */
  disableMfa: (input: typeof DisableMfa.Type) =>
    Effect.flatMap(currentUser, ({ userId }) =>
      Mfa.use((m) => m.disable(userId, input.password, { code: input.code, recovery_code: input.recovery_code }))
    ),
  /** Re-verifies the second factor on the acting session (step-up before sensitive operations). */
  stepUp: (code: string) =>
    Effect.flatMap(currentUser, ({ sessionId, userId }) =>
      sessionId ? Mfa.use((m) => m.stepUp(userId, sessionId, code)) : Effect.die("a user token always has a session")
    ),
  /**
   * Registration options for a new passkey of the acting user (issue 18);
   * needs `password` or, without it, a recent MFA verification on the session.
   * @errors Forbidden, RateLimited, ValidationError (20 passkeys already)
   */
  passkeyOptions: (password: Redacted.Redacted<string> | undefined) =>
    Effect.flatMap(currentUser, ({ sessionId, userId }) =>
      Passkeys.use((p) => p.registrationOptions(userId, sessionId, password))
    ),
  /** Verifies and stores the acting user's new passkey. @errors ValidationError */
  registerPasskey: (credential: WebAuthnCredential, name: string | undefined) =>
    Effect.flatMap(currentUser, ({ userId }) => Passkeys.use((p) => p.register(userId, credential, name))),
  /** The acting user's passkeys. */
  passkeys: Effect.flatMap(currentUser, ({ userId }) => Passkeys.use((p) => p.list(userId))),
  /** Renames one of the acting user's passkeys. @errors PasskeyNotFound */
  renamePasskey: (id: PasskeyId, name: string) =>
    Effect.flatMap(currentUser, ({ userId }) => Passkeys.use((p) => p.rename(userId, id, name))),
  /** Removes one of the acting user's passkeys. @errors PasskeyNotFound */
  removePasskey: (id: PasskeyId) =>
    Effect.flatMap(currentUser, ({ userId }) => Passkeys.use((p) => p.remove(userId, id))),
  /** Step-up options with one of the acting user's passkeys. @errors ValidationError (no passkey) */
  passkeyStepUpOptions: Effect.flatMap(currentUser, ({ sessionId, userId }) =>
    sessionId
      ? Passkeys.use((p) => p.stepUpOptions(userId, sessionId))
      : Effect.die("a user token always has a session")
  ),
  /** Step-up with a passkey assertion on the acting session. @errors ValidationError, RateLimited */
  passkeyStepUp: (credential: WebAuthnCredential) =>
    Effect.flatMap(currentUser, ({ sessionId, userId }) =>
      sessionId
        ? Passkeys.use((p) => p.stepUp(userId, sessionId, credential))
        : Effect.die("a user token always has a session")
    ),
  /**
   * A user: themselves, or anyone for a `users:read` holder; device
   * identifiers only to the user and `users:write` holders (`Visibility.ts`).
   * @errors UserNotFound, Forbidden
   */
  user: (id: UserId) => selfOrUsersRead(id, withDeviceView(Identity.use((i) => i.get(id)))),
  /** Seed 004 `GetUserLite`, self or `users:read`. */
  userLite: (id: UserId) =>
    selfOrUsersRead(
      id,
      Identity.use((i) => i.getLite(id))
    ),
  /** Seed 004 `Exists`, self or `users:read`. */
  userExists: (id: UserId) =>
    selfOrUsersRead(
      id,
      Identity.use((i) => i.exists(id))
    ),
  /** Seed 004 `ValidateStudentDevice`, self or `users:read`. */
  validateStudentDevice: (studentId: UserId, deviceIdentifier: string) =>
    selfOrUsersRead(
      studentId,
      Identity.use((i) => i.validateStudentDevice(studentId, deviceIdentifier))
    ),
  /** The platform's public signing keys (RFC 7517). */
  jwks: Effect.map(
    SigningKeys.use((k) => k.jwks),
    toJwks
  ),
  /**
   * The keys that verify a tenant's tokens: its own, if it has any, then the
   * platform's. An unknown slug answers the platform's keys, as a tenant
   * without keys of its own does: the endpoint does not tell which tenants
   * exist (issue 15 §2). A tenant with keys of its own is recognisable by
   * them — documented in docs/security.md.
   */
  tenantJwks: (slug: string) =>
    Tenancy.use((t) => t.get(slug)).pipe(
      Effect.flatMap((tenant) => SigningKeys.use((k) => k.jwksFor(tenant.id))),
      Effect.catchTag("TenantNotFound", () => SigningKeys.use((k) => k.jwks)),
      Effect.map(toJwks)
    )
} as const
