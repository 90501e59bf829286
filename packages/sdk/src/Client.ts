/**
 * The Promise facade of `@signet/sdk` for integrators who don't use Effect
 * (issue 7 §3): `createSignetClient({ baseUrl, tenant, credentials })`.
 *
 * - Authentication: a password login (with the TOTP step when the account has
 *   MFA), an API key (`sg_…`), existing tokens, or the operator token.
 *   Access tokens are refreshed automatically shortly before they expire and
 *   once more when the server answers 401 (refresh tokens rotate on every use).
 * - Errors: a failed call rejects with the server's own tagged error
 *   (`err._tag === "Conflict"`, `err instanceof Conflict`), the same classes as
 *   the REST problem details and the Effect client.
 * - Everything the REST API offers is reachable through `client.raw` (the
 *   Effect `HttpApiClient`); the facade names the common operations.
 *
 * ```ts
 * import { createSignetClient } from "@signet/sdk"
 * const signet = createSignetClient({
 *   baseUrl: "http://127.0.0.1:8080",
 *   tenant: "demo-school",
 *   credentials: { login: "admin@demo-school.example.edu", password: process.env.PASSWORD! }
 * })
 * const school = await signet.academics.createSchool({ name: "Lycée Hugo" })
 * const roll = await signet.attendance.roll(courseId)
 * ```
 *
 * @module
 */
import { apiKeysApi, mfaApi, passkeysApi, rolesApi, tenantsApi, usersApi } from "./AccountApis.js"
import { activitiesApi } from "./ActivityApis.js"
import { billingApi } from "./BillingApis.js"
import { carbonApi } from "./CarbonApis.js"
import { channelsApi } from "./ChannelApis.js"
import { oauthApi, ssoApi, webhooksApi } from "./IntegrationApis.js"
import { invitationsApi } from "./InvitationApis.js"
import { oidcClientsApi } from "./OidcApis.js"
import { academicsApi, attendanceApi, beaconsApi } from "./SchoolApis.js"
import { scimTokensApi } from "./ScimApis.js"
import { makeSession, type SignetClientOptions } from "./Session.js"
import type { PlainOf } from "./Transport.js"

export type { UsageEventInput, UsageQueryInput } from "./BillingApis.js"
export type { Credentials, SignetClientOptions } from "./Session.js"
export type { Plain } from "./Transport.js"

/**
 * Creates a Signet client. Nothing is sent until the first call; with a
 * password the first call logs in. Every method returns a Promise that
 * rejects with the server's tagged error (`Unauthorized`, `Forbidden`,
 * `ValidationError`, `Conflict`, `…NotFound`, …).
 */
export const createSignetClient = (options: SignetClientOptions) => {
  const session = makeSession(options)
  return {
    /** The Effect REST client underneath (every endpoint; `{ path: { slug } }` is yours to pass). */
    raw: session.raw,
    /**
     * Logs in with a password (and the TOTP code when asked). Called on the
     * first request when the credentials are a password; call it yourself to
     * switch users. Answers the user.
     */
    login: session.login,
    /** Required actions (issue 18): the new password for `update_password`, with the action token of {@link RequiredActionsPending}. */
    actionPassword: session.actionPassword,
    /** Required actions (issue 18): mails the verification link for `verify_email`, with the action token. */
    actionEmailVerification: session.actionEmailVerification,
    /** Required actions (issue 18): starts TOTP enrolment for `configure_mfa` (secret, otpauth URI, QR code). */
    actionTotpStart: session.actionTotpStart,
    /** Required actions (issue 18): confirms TOTP with a first code; what is left, a fresh token, recovery codes. */
    actionTotpConfirm: session.actionTotpConfirm,
    /** Required actions (issue 18): registration options for a passkey meeting `configure_mfa`, with the action token. */
    actionPasskeyOptions: session.actionPasskeyOptions,
    /** Required actions (issue 18): registers that passkey; what is left and a fresh action token. */
    actionPasskeyRegister: session.actionPasskeyRegister,
    /** Required actions (issue 18): exchanges the action token for this client's session once nothing is pending. */
    completeActions: session.completeActions,
    /** Ends the session (`POST …/auth/logout`) and forgets the tokens. */
    logout: session.logout,
    /** The signed-in user (`GET …/me`). */
    me: () => session.call((r) => r.session.me({ path: session.path })),
    /**
     * Changes the signed-in user's profile (`PATCH …/me`, issue 18): `{ display_name?, locale?,
     * time_zone?, avatar_url? }`, `null` clears one. Rejects with `Forbidden` for a field the
     * tenant keeps for admins (setting `profile.self_edit`).
     * @example `await signet.updateMe({ locale: "fr", time_zone: "Europe/Paris" })`
     */
    updateMe: (patch: PlainOf<"session", "updateMe">) =>
      session.callWith("session", "updateMe", patch, (r, payload) =>
        r.session.updateMe({ path: session.path, payload })
      ),
    /** The current access token (after the first call), e.g. to hand to another component. */
    accessToken: session.accessToken,
    /**
     * The signed-in user's TOTP second factor (RFC 6238). Once confirmed,
     * password logins answer a challenge that {@link login} completes with
     * `credentials.totp`.
     */
    mfa: mfaApi(session),
    /** The signed-in user's passkeys (WebAuthn) and step-up with one; a user's passkeys for administrators. */
    passkeys: passkeysApi(session),
    /** Platform tenants (operator token). */
    tenants: tenantsApi(session),
    /** Tenant users. */
    users: usersApi(session),
    /** API keys (shown once at creation). */
    apiKeys: apiKeysApi(session),
    /**
     * OAuth 2.0 token introspection (RFC 7662) of an access token of this
     * tenant: `{ active: false }` unless it is live, else its claims. Needs
     * `tokens:introspect` (e.g. an API key scoped to it).
     */
    introspect: (token: string) =>
      session.call((r) => r.introspection.introspect({ path: session.path, payload: { token } })),
    /** Invitations by e-mail: invite, bulk, list, revoke, resend, accept (docs/accounts.md). */
    invitations: invitationsApi(session),
    /** Roles and assignments (RBAC). */
    roles: rolesApi(session),
    /** Schools, classrooms, groups, courses, rosters and timetables. */
    academics: academicsApi(session),
    /** Signatures, rolls, QR codes, excuses and reports. */
    attendance: attendanceApi(session),
    /** Classroom beacons (registry side). */
    beacons: beaconsApi(session),
    /** Outgoing webhooks: endpoints, deliveries, ping, replay (docs/webhooks.md). */
    webhooks: webhooksApi(session),
    /** OAuth bindings: provider credentials, users' bindings (docs/integrations.md). */
    oauth: oauthApi(session),
    /** SSO with the school's IdP: connections, discovery, sign-in (docs/federation.md). */
    sso: ssoApi(session),
    /** Subscription, meters and usage ingestion (`billing.ingest`, docs/billing.md). */
    billing: billingApi(session),
    /** Notes, tasks, reviews and timelines of any target (docs/activities.md). */
    activities: activitiesApi(session),
    /** Carbon footprints of any target and their totals in kg CO₂e (docs/activities.md). */
    carbon: carbonApi(session),
    /** The tenant's communication channels: e-mail, SMS, webhook, chat (docs/activities.md "Channel configs"). */
    channels: channelsApi(session),
    /** SCIM 2.0 provisioning tokens for Entra ID or Okta (docs/scim.md). */
    scimTokens: scimTokensApi(session),
    /** Relying parties of the tenant's OpenID Connect provider (docs/federation.md). */
    oidcClients: oidcClientsApi(session)
  }
}

/** The client returned by {@link createSignetClient}. */
export type SignetClient = ReturnType<typeof createSignetClient>
