/**
 * The SSO connections facade (issue 19 §2). Tenant and actor come from
 * context; `sso:read` lists and reads connections, `sso:write` registers,
 * replaces and deletes them — without escalation: a connection hands out
 * roles (its attribute mapping's, and the default role of the user types
 * it creates), so registering one needs every permission of those roles,
 * and step-up when it can create `admin` or `dev` users. The tenant-wide
 * "SSO only" policy and its break-glass accounts (`SsoPolicy.ts`): `sso:read`
 * to read, `sso:write` and step-up to change. Discovery (which connection serves an e-mail
 * address) needs no permission: the login page asks it before anyone has
 * signed in, and it answers only a connection name. Signing in through a
 * connection needs none either: the IdP's answer, checked by `SsoSignIn`,
 * is the proof.
 *
 * @module
 */
import {
  type PutSamlConnection,
  type PutSsoConnection,
  SsoConnectionNotFound
} from "@signet/contracts/integrations/SsoDomain"
import { CurrentActor, CurrentTenant, systemActor } from "@signet/contracts/kernel/Context"
import { TenantNotFound } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { Access } from "../access/Access.js"
import { policyRequire } from "../access/Policy.js"
import type { ClientInfo } from "../identity/Auth.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { samlMetadata } from "./SamlSignIn.js"
import { SsoConnections } from "./SsoConnections.js"
import { powersOf } from "./SsoMapping.js"
import { SsoPolicies } from "./SsoPolicy.js"
import { SsoSignIn, type SsoStartRequest } from "./SsoSignIn.js"

const read = policyRequire("sso", "read")
const write = policyRequire("sso", "write")

/** Runs `self` in the active tenant `slug` as Signet itself (a suspended tenant answers like an unknown one). */
const inActiveTenant = <A, E, R>(slug: string, self: Effect.Effect<A, E, R>) =>
  Tenancy.use((t) => t.resolveActive(slug)).pipe(
    Effect.catchTag("TenantSuspended", () =>
      Effect.fail(new TenantNotFound({ message: `no tenant "${slug}"`, tenant: slug }))
    ),
    Effect.flatMap((tenant) =>
      self.pipe(
        Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
        Effect.provideService(CurrentActor, systemActor)
      )
    )
  )

/**
 * No escalation through a connection: the actor must hold every permission
 * of every role the connection can hand out (its mapping's roles, and the
 * default role of each user type it can create), and — when it can create
 * `admin` or `dev` users — have stepped up (as `IdentityAdmin.create`).
 * @errors Forbidden (step-up `mfa:step-up`, or the first permission not held)
 */
const noEscalation = (input: PutSsoConnection | PutSamlConnection) =>
  Effect.gen(function* () {
    const access = yield* Access
    const { roles, administrator } = powersOf(input)
    if (administrator) yield* access.requireStepUp
    for (const role of roles) yield* access.requireHeldRole(role, "registering an SSO connection that gives it")
  })

/** SSO connections; see the module comment for who may do what. */
export const SsoAdmin = {
  /**
   * Registers or replaces the connection `name` (`sso:write`; the secret is
   * never answered). @errors Forbidden (see the module comment: no
   * escalation), and those of `SsoConnections.put`
   */
  put: (name: string, input: PutSsoConnection) =>
    write(
      Effect.zipRight(
        noEscalation(input),
        SsoConnections.use((s) => s.put(name, input))
      )
    ),
  /** Registers or replaces the SAML 2.0 connection `name` (`sso:write`; no escalation, as {@link SsoAdmin.put}). */
  putSaml: (name: string, input: PutSamlConnection) =>
    write(
      Effect.zipRight(
        noEscalation(input),
        SsoConnections.use((s) => s.putSaml(name, input))
      )
    ),
  list: () => read(SsoConnections.use((s) => s.list)),
  get: (name: string) => read(SsoConnections.use((s) => s.get(name))),
  delete: (name: string) => write(SsoConnections.use((s) => s.delete(name))),
  /** The tenant-wide SSO-only policy and its break-glass accounts (`sso:read`; `SsoPolicy.ts`). */
  policy: () => read(SsoPolicies.use((p) => p.get)),
  /**
   * ⚑ Turns the tenant-wide SSO-only policy on or off (`sso:write`, MFA
   * step-up for a `user` actor: it decides who can sign in).
   * @errors Forbidden (step-up), Conflict (on without an SSO connection or an active break-glass account)
   */
  setPolicy: (ssoOnly: boolean) =>
    write(
      Effect.zipRight(
        Access.use((a) => a.requireStepUp),
        SsoPolicies.use((p) => p.set(ssoOnly))
      )
    ),
  /**
   * ⚑ Marks an active user as a break-glass account, exempt from the
   * policy (`sso:write`, step-up). @errors Forbidden, UserNotFound, Conflict (not active)
   */
  markBreakGlass: (userId: string) =>
    write(
      Effect.zipRight(
        Access.use((a) => a.requireStepUp),
        SsoPolicies.use((p) => p.mark(userId))
      )
    ),
  /**
   * ⚑ Unmarks a break-glass account (`sso:write`, step-up).
   * @errors Forbidden, UserNotFound (not marked), Conflict (the last active one while the policy is on)
   */
  unmarkBreakGlass: (userId: string) =>
    write(
      Effect.zipRight(
        Access.use((a) => a.requireStepUp),
        SsoPolicies.use((p) => p.unmark(userId))
      )
    ),
  /** A user's links to IdP accounts (`sso:read`). */
  identities: (userId: string) => read(SsoSignIn.use((s) => s.identitiesOf(userId))),
  /** Unlinks a user from their IdP account at `connection` (`sso:write`). @errors SsoIdentityNotFound */
  unlink: (userId: string, connection: string) => write(SsoSignIn.use((s) => s.unlink(userId, connection))),
  /** Which connection, if any, serves `email` (no permission; see the module comment). */
  discover: (email: string) => SsoConnections.use((s) => s.discover(email)),
  /**
   * {@link SsoAdmin.discover} in the active tenant `slug`, as Signet itself
   * (the login page: no credentials). @errors TenantNotFound (unknown or
   * suspended tenant: one answer)
   */
  discoverIn: (slug: string, email: string) =>
    inActiveTenant(
      slug,
      SsoConnections.use((s) => s.discover(email))
    ),
  /**
   * Starts a sign-in through a connection of the active tenant `slug` (no
   * credentials: the login page). See `SsoSignIn.start` for its errors.
   */
  signInStart: (slug: string, request: SsoStartRequest, client: ClientInfo) =>
    SsoSignIn.use((s) => s.start(slug, request, client)),
  /**
   * Completes a sign-in from the IdP's redirect and opens the session (no
   * credentials: the state is the proof). See `SsoSignIn.complete` for its errors.
   */
  signInComplete: (slug: string, callback: string, client: ClientInfo) =>
    SsoSignIn.use((s) => s.complete(slug, callback, client)),
  /**
   * Completes a SAML sign-in from the IdP's form POST (no credentials: the
   * signed assertion for this sign-in's request is the proof). See
   * `SsoSignIn.completeSaml` for its errors.
   */
  signInCompleteSaml: (
    slug: string,
    form: { readonly SAMLResponse: string; readonly RelayState: string },
    client: ClientInfo
  ) => SsoSignIn.use((s) => s.completeSaml(slug, form, client)),
  /**
   * Signet's SP metadata for the SAML connection `name` of the active tenant
   * `slug`, whose assertion consumer service is `acsUrl` (public, for the
   * IdP's administrator). @errors TenantNotFound, SsoConnectionNotFound (also
   * for an OIDC connection)
   */
  samlMetadataIn: (slug: string, name: string, acsUrl: string) =>
    inActiveTenant(
      slug,
      SsoConnections.use((s) =>
        Effect.flatMap(s.rowOf(name), (row) =>
          row.protocol === "saml"
            ? Effect.map(s.samlDecryptionKey(row), (key) => samlMetadata(row, slug, acsUrl, key))
            : Effect.fail(new SsoConnectionNotFound({ message: "no such SAML connection", connection: name }))
        )
      )
    )
} as const
