/**
 * The facade's account and access groups (`client.mfa`, `passkeys`, `tenants`, `users`,
 * `apiKeys`, `roles`): one factory per group over the client's
 * {@link Session}, composed by `createSignetClient`.
 *
 * @module
 */
import type { Session } from "./Session.js"
import type { ParamsOf, PlainOf, Raw } from "./Transport.js"

/**
 * `client.mfa`: the signed-in user's TOTP second factor (RFC 6238). Once confirmed,
 * password logins answer a challenge that `login` completes with
 * `credentials.totp`.
 */
export const mfaApi = ({ call, callWith, path }: Session) => ({
  /**
   * Starts enrolment with the user's current password (a token alone cannot
   * bind a second factor): the base32 secret, its `otpauth://` URI and the
   * URI as an SVG QR code, to show the user. Nothing changes until
   * confirmed. Rejects with `Forbidden` on a wrong password, `RateLimited`
   * past the account's login budget.
   * @example `const { qr_svg } = await signet.mfa.enrollTotp(password)`
   */
  enrollTotp: (password: string) =>
    callWith("session", "enrollTotp", { password }, (r, payload) => r.session.enrollTotp({ path, payload })),
  /**
   * Confirms enrolment with a first code from the authenticator; answers
   * ten single-use recovery codes (show them once). Rejects with
   * `ValidationError` on a wrong code.
   * @example `const { recovery_codes } = await signet.mfa.confirmTotp("123456")`
   */
  confirmTotp: (code: string) => call((r) => r.session.confirmTotp({ path, payload: { code } })),
  /** Re-verifies the second factor on this session before a sensitive operation. */
  stepUp: (code: string) => call((r) => r.session.stepUp({ path, payload: { code } })),
  /** Turns MFA off: the password and a current code or a recovery code. */
  disable: (input: PlainOf<"session", "disableMfa">) =>
    callWith("session", "disableMfa", input, (r, payload) => r.session.disableMfa({ path, payload }))
})

/**
 * `client.passkeys`: the signed-in user's passkeys (WebAuthn; issue 18) and
 * step-up with one. Each ceremony is two calls: the options go to
 * `navigator.credentials.create()` / `.get()` (e.g. through
 * `@simplewebauthn/browser`), whose JSON answer goes back.
 */
export const passkeysApi = ({ call, callWith, path, withId }: Session) => ({
  /**
   * Registration options; needs the password, or a recent MFA verification
   * on this session when `password` is omitted. Rejects with `Forbidden`
   * (wrong password, no recent MFA), `ValidationError` (20 passkeys already).
   * @example `const { options } = await signet.passkeys.registrationOptions(password)`
   */
  registrationOptions: (password?: string) =>
    callWith("passkeys", "registrationOptions", password === undefined ? {} : { password }, (r, payload) =>
      r.passkeys.registrationOptions({ path, payload })
    ),
  /**
   * Stores the passkey the authenticator created (its `toJSON()` form).
   * @example `await signet.passkeys.register({ credential: created.toJSON(), name: "Laptop" })`
   */
  register: (input: PlainOf<"passkeys", "register">) =>
    callWith("passkeys", "register", input, (r, payload) => r.passkeys.register({ path, payload })),
  /** The signed-in user's passkeys. */
  list: () => call((r) => r.passkeys.list({ path })),
  /** Renames one of the signed-in user's passkeys. */
  rename: (id: string, name: string) =>
    callWith("passkeys", "rename", { name }, (r, payload) =>
      r.passkeys.rename({ path: { ...path, passkey: id as never }, payload })
    ),
  /** Removes one of the signed-in user's passkeys. */
  remove: (id: string) => call((r) => r.passkeys.remove({ path: { ...path, passkey: id as never } })),
  /** Step-up options (the user's passkeys allowed). */
  stepUpOptions: () => call((r) => r.passkeys.stepUpOptions({ path })),
  /** Re-verifies this session with a passkey assertion (its `toJSON()` form). */
  stepUp: (input: PlainOf<"passkeys", "stepUp">) =>
    callWith("passkeys", "stepUp", input, (r, payload) => r.passkeys.stepUp({ path, payload })),
  /** A user's passkeys (`users:read`). */
  listOfUser: (userId: string) => call((r) => r.passkeys.listOfUser(withId(userId))),
  /** Removes a user's passkey (`users:write`; a signed-in administrator needs a recent step-up). */
  removeOfUser: (userId: string, id: string) =>
    call((r) => r.passkeys.removeOfUser({ path: { ...withId(userId).path, passkey: id as never } }))
})

/**
 * `client.tenants`: Platform tenants (operator token).
 * Made from the client's {@link Session}.
 */
export const tenantsApi = ({ call, callWith }: Session) => ({
  /** Onboards a tenant. @example `await signet.tenants.create({ slug: "lycee-hugo", name: "Lycée Hugo" })` */
  create: (input: PlainOf<"tenants", "create">) =>
    callWith("tenants", "create", input, (r, payload) => r.tenants.create({ payload })),
  /** One tenant by slug. */
  get: (tenantSlug: string) => call((r) => r.tenants.get({ path: { slug: tenantSlug } })),
  /** A page of tenants. */
  list: (params: ParamsOf<"tenants", "list"> = {}) => call((r) => r.tenants.list({ urlParams: params }))
})

/**
 * `client.users`: Tenant users.
 * Made from the client's {@link Session}.
 */
export const usersApi = ({ call, callWith, path, withId }: Session) => ({
  /** A page of users (filters: `user_type`, `status`, `school_id`, `q`). */
  list: (params: ParamsOf<"users", "list"> = {}) => call((r) => r.users.list({ path, urlParams: params })),
  /** Creates a user. @example `await signet.users.create({ email, given_name, family_name, user_type: "teacher" })` */
  create: (input: PlainOf<"users", "create">) =>
    callWith("users", "create", input, (r, payload) => r.users.create({ path, payload })),
  get: (id: string) => call((r) => r.users.get(withId(id))),
  update: (id: string, patch: PlainOf<"users", "update">) =>
    callWith("users", "update", patch, (r, payload) => r.users.update({ ...withId(id), payload })),
  disable: (id: string) => call((r) => r.users.disable(withId(id))),
  /**
   * Resets a user's MFA (lost authenticator): removes their TOTP secret and
   * recovery codes and revokes their sessions (`users:write`; a signed-in
   * administrator needs a recent step-up, `signet.mfa.stepUp`).
   */
  resetMfa: (id: string) => call((r) => r.users.resetMfa(withId(id))),
  /** A user's admin-set required actions (`users:read`; issue 18). */
  requiredActions: (id: string) => call((r) => r.users.requiredActions(withId(id))),
  /**
   * Sets a user's required actions (`verify_email`, `update_password`,
   * `configure_mfa`; empty clears), enforced at their next sign-in
   * (`users:write`; issue 18). Rejects with `UserNotFound` (also another tenant's user).
   */
  setRequiredActions: (id: string, actions: ReadonlyArray<"verify_email" | "update_password" | "configure_mfa">) =>
    call((r) => r.users.setRequiredActions({ ...withId(id), payload: { actions } }))
})

/**
 * `client.apiKeys`: API keys (shown once at creation).
 * Made from the client's {@link Session}.
 */
export const apiKeysApi = ({ call, callWith, path, withId }: Session) => ({
  create: (input: PlainOf<"apikeys", "create">) =>
    callWith("apikeys", "create", input, (r, payload) => r.apikeys.create({ path, payload })),
  list: () => call((r) => r.apikeys.list({ path })),
  revoke: (id: string) => call((r) => r.apikeys.revoke(withId(id)))
})

/**
 * `client.roles`: Roles and assignments (RBAC).
 * Made from the client's {@link Session}.
 */
export const rolesApi = ({ call, callWith, path, slug }: Session) => ({
  list: (params: ParamsOf<"access", "listRoles"> = {}) => call((r) => r.access.listRoles({ path, urlParams: params })),
  create: (input: PlainOf<"access", "createRole">) =>
    callWith("access", "createRole", input, (r, payload) => r.access.createRole({ path, payload })),
  /** Gives a user a role. */
  assign: (userId: string, roleId: string) =>
    call((r) =>
      r.access.assignRole({
        path: { slug, userId },
        payload: { role_id: roleId }
      } as unknown as Parameters<Raw["access"]["assignRole"]>[0])
    ),
  /** Why a user has (or lacks) a permission. */
  explain: (userId: string, permission: string) =>
    call((r) =>
      r.access.explainPermission({
        path: { slug, userId, permission }
      } as unknown as Parameters<Raw["access"]["explainPermission"]>[0])
    )
})
