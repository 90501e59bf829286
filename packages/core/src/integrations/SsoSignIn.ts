/**
 * Signing in through a tenant's SSO connection (issue 19 §2): Signet is the
 * relying party of the school's OpenID Connect IdP. The protocol is
 * `openid-client`'s (certified relying party): discovery, PKCE (S256), the
 * code exchange with the state and nonce checks, `userinfo`. Core enforces:
 *
 * - `start` stores the state (SHA-256 at rest), the PKCE verifier
 *   (encrypted) and the nonce for ten minutes, at most
 *   `MAX_PENDING_SSO_SIGN_INS` per tenant; both steps count in the login
 *   rate limit of the client address (`SIGNET_RATE_LOGIN_IP`);
 * - `complete` takes the state once (unknown, used or expired: one generic
 *   `OAuthStateInvalid`), then admits the person only with an e-mail the
 *   IdP marks verified (`email_verified`, OpenID Connect Core §5.1) in one
 *   of the connection's domains — the domains the tenant's admin claimed;
 * - who signs in: the user already linked to the IdP's subject (`iss` +
 *   `sub` identify a person, OpenID Connect Core §5.7), else the live user
 *   with that e-mail (then linked), else — under `jit` — a new user of the
 *   connection's `default_user_type` (created through identity, so the
 *   plan's `users.max` applies), else `SsoSignInRefused` (`no_account`);
 * - the connection's attribute mapping (`SsoMapping.ts`) sets a new user's
 *   type and school from the IdP's claims, and gives (with `every_login`,
 *   also takes back) the roles it maps, at every sign-in;
 * - the session is identity's (`Auth.federatedLogin`): the account must be
 *   active; it counts as MFA-verified only when the IdP's `amr` says `mfa`;
 *   required actions pending (issue 18) fail with `SignInActionsRequired`
 *   and open no session (`update_password` is not asked of an SSO sign-in).
 *
 * Refusals after the IdP vouched for the person are audited
 * (`auth.sso_refused`). SQL: `SsoSignInRepo.ts`.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { type UserId as IdentityUserId, type TokenPair, UserNotFound } from "@signet/contracts/identity/Domain"
import { OAuthProviderError, OAuthStateInvalid } from "@signet/contracts/integrations/OAuthDomain"
import { SsoIdentity, SsoIdentityNotFound } from "@signet/contracts/integrations/SsoDomain"
import {
  MAX_PENDING_SSO_SIGN_INS,
  SSO_STATE_TTL_MS,
  type SsoRefusal,
  SsoReturnTo,
  SsoSignInRefused,
  SsoSignInStart
} from "@signet/contracts/integrations/SsoSignIn"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { RateLimited, TenantNotFound, ValidationError } from "@signet/contracts/kernel/Errors"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, DateTime, Effect, Option, Schema } from "effect"
import type * as Oidc from "openid-client"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Auth, type ClientInfo } from "../identity/Auth.js"
import { enforceLoginLimits, loginRules } from "../identity/LoginLimits.js"
import { Identity, normalize } from "../identity/Users.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTx } from "../kernel/Database.js"
import { RateLimiter } from "../kernel/RateLimit.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { ssoClientSecretColumn, ssoVerifierColumn } from "./Migrations.js"
import { acceptableOAuthUrl, makeDiscovery, openidClient, reasonOf, sha256, UserId } from "./OAuthKit.js"
import { samlAuthorize, samlPerson } from "./SamlSignIn.js"
import { emailDomain, SsoConnections } from "./SsoConnections.js"
import { mappedSchool, mappedUserType, syncRoles } from "./SsoMapping.js"
import type { ConnectionRow } from "./SsoRepo.js"
import { type SignInStateRow, SsoSignInRepo } from "./SsoSignInRepo.js"

/** What `start` needs: the connection, the redirect URI registered at the IdP, and optional hints. */
export interface SsoStartRequest {
  readonly connection: string
  readonly redirect_uri: string
  readonly login_hint?: string | undefined
  /** A path of this server to land on afterwards (browsers). */
  readonly return_to?: string | undefined
}

/** A completed sign-in: the session's tokens and where the browser asked to land. */
export interface SsoSignedIn {
  readonly tokens: TokenPair
  readonly return_to: string | null
}

/** The claims of the person as the IdP told them (ID token, completed by `userinfo`). */
type Person = Readonly<Record<string, unknown>> & { readonly sub: string }

/**
 * Whether the IdP vouches for the e-mail: `email_verified` (OpenID Connect
 * Core §5.1), or Microsoft Entra ID's optional claim `xms_edov` (the
 * address's domain is verified by the directory), since Entra sends no
 * `email_verified`.
 */
const emailVerified = (person: Person) =>
  person.email_verified === true || person.email_verified === "true" || person.xms_edov === true

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined)

/** Names for a new user from the IdP's claims, else from the address's local part (NamePart: 1–100). */
const namesOf = (person: Person, email: string) => {
  const local = email.slice(0, email.lastIndexOf("@")).slice(0, 100)
  const [first, ...rest] = (text(person.name) ?? "").split(/\s+/)
  return {
    given_name: (text(person.given_name) ?? text(first) ?? local).slice(0, 100),
    family_name: (text(person.family_name) ?? text(rest.join(" ")) ?? local).slice(0, 100)
  }
}

/** What the sign-in's steps share: services, rate limit, crypto labels, the IdP's configuration. */
const makeKit = Effect.gen(function* () {
  const connections = yield* SsoConnections
  const repo = yield* SsoSignInRepo
  const envelope = yield* Envelope
  const identity = yield* Identity
  const auth = yield* Auth
  const tenancy = yield* Tenancy
  const audit = yield* Audit
  const events = yield* Events
  const limiter = yield* RateLimiter
  const sql = yield* SqlClient.SqlClient
  const rules = yield* loginRules
  const discover = makeDiscovery()
  const now = Effect.map(Clock.currentTimeMillis, (ms) => DateTime.unsafeMake(ms))

  /** The active tenant `slug` as the current tenant (a suspended one answers like an unknown one). */
  const inTenant = <A, E, R>(slug: string, f: (tenant: Tenant) => Effect.Effect<A, E, R>) =>
    tenancy.resolveActive(slug).pipe(
      Effect.catchTag("TenantSuspended", () =>
        Effect.fail(new TenantNotFound({ message: `no tenant "${slug}"`, tenant: slug }))
      ),
      Effect.flatMap((tenant) =>
        f(tenant).pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, systemActor)
        )
      )
    )

  /** One hit in the client address's login bucket. @errors RateLimited */
  const limitAddress = (client: ClientInfo) =>
    enforceLoginLimits(
      limiter,
      { ip: rules.ip, account: Option.none() },
      { ip: `sso:ip:${client.ip ?? "unknown"}`, account: "" }
    )

  const aad = (stateHash: string) =>
    Effect.map(CurrentTenant, (t) => ssoVerifierColumn.aad({ tenant_id: t.id, state_hash: stateHash }))

  /** The IdP's configuration, discovered once per connection version. @errors OAuthProviderError */
  const configuration = (row: ConnectionRow) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const { allowHttpLoopback } = yield* connections.options
      return yield* discover(
        {
          key: `${tenant.id} ${row.name} ${DateTime.formatIso(row.updated_at)}`,
          issuer: row.issuer,
          clientId: row.client_id,
          secret: envelope
            .decrypt(row.client_secret_enc, ssoClientSecretColumn.aad({ tenant_id: tenant.id, name: row.name }))
            .pipe(
              Effect.map((b) => b.toString("utf8")),
              Effect.orDie
            ),
          insecure: allowHttpLoopback && row.issuer.startsWith("http:")
        },
        (e) => new OAuthProviderError({ message: "IdP discovery failed", provider: row.name, reason: reasonOf(e) })
      )
    })

  /** Records a refusal of a person the IdP vouched for, then fails with it. @errors SsoSignInRefused */
  const refuse = (connection: string, reason: SsoRefusal, message: string, subject: string | null) =>
    tenantTx(
      audit.record({
        action: "auth.sso_refused",
        targetType: "sso_connection",
        targetId: connection,
        after: { reason, subject }
      })
    ).pipe(Effect.zipRight(Effect.fail(new SsoSignInRefused({ message, connection, reason }))))

  /** Stores a started sign-in (expired ones pruned first). @errors RateLimited (MAX_PENDING_SSO_SIGN_INS) */
  const reserve = (pending: SignInStateRow) =>
    tenantTx(
      Effect.gen(function* () {
        yield* repo.pruneStates(yield* now)
        if ((yield* repo.countStates) >= MAX_PENDING_SSO_SIGN_INS)
          return yield* new RateLimited({
            message: "too many SSO sign-ins in progress for this tenant; retry in a minute",
            retry_after_seconds: 60,
            limit: MAX_PENDING_SSO_SIGN_INS,
            remaining: 0
          })
        yield* repo.insertState(pending)
      })
    )

  /** Takes the started sign-in `state` names, once, with its connection. @errors OAuthStateInvalid */
  const takePending = (state: string | null) =>
    Effect.gen(function* () {
      const invalid = new OAuthStateInvalid({ message: "unknown, used or expired sign-in" })
      if (state === null || state.length > 512) return yield* invalid
      const taken = yield* tenantTx(repo.takeState(sha256(state)))
      if (Option.isNone(taken) || DateTime.lessThan(taken.value.expires_at, yield* now)) return yield* invalid
      const row = yield* Effect.catchTag(connections.rowOf(taken.value.connection), "SsoConnectionNotFound", () =>
        Effect.fail(invalid)
      )
      return { pending: taken.value, row }
    })

  return {
    connections,
    repo,
    envelope,
    identity,
    auth,
    audit,
    tenancy,
    events,
    sql,
    now,
    inTenant,
    limitAddress,
    aad,
    configuration,
    refuse,
    reserve,
    takePending
  } as const
})

type Kit = Effect.Effect.Success<typeof makeKit>

/** The first step: the IdP's authorization URL. */
const makeStart = ({ connections, envelope, now, inTenant, limitAddress, aad, configuration, reserve }: Kit) => {
  /** A SAML sign-in: the AuthnRequest's URL; its ID is kept with the state (the `nonce` column). */
  const startSaml = (slug: string, row: ConnectionRow, request: SsoStartRequest, state: string) =>
    Effect.gen(function* () {
      const { url, requestId } = yield* samlAuthorize(row, slug, request.redirect_uri, state)
      const expiresAt = DateTime.addDuration(yield* now, `${SSO_STATE_TTL_MS} millis`)
      yield* reserve({
        state_hash: sha256(state),
        connection: row.name,
        verifier_enc: "",
        nonce: requestId,
        redirect_uri: request.redirect_uri,
        return_to: request.return_to ?? null,
        expires_at: expiresAt
      })
      return new SsoSignInStart({ protocol: "saml", authorization_url: url, expires_at: expiresAt })
    })

  /**
   * Starts a sign-in through `request.connection` of the active tenant
   * `slug`: the IdP's authorization URL (code flow, PKCE S256, state,
   * nonce); the IdP returns the browser to `request.redirect_uri`.
   * @errors TenantNotFound, RateLimited, ValidationError (redirect URI,
   *   return path), SsoConnectionNotFound, OAuthProviderError (discovery)
   */
  const start = (slug: string, request: SsoStartRequest, client: ClientInfo) =>
    inTenant(slug, () =>
      Effect.gen(function* () {
        yield* limitAddress(client)
        if (!acceptableOAuthUrl(request.redirect_uri, true))
          return yield* ValidationError.field("redirect_uri", "must be https, or http on a loopback host")
        if (request.return_to !== undefined && !Schema.is(SsoReturnTo)(request.return_to))
          return yield* ValidationError.field("return_to", "must be a path of this server, starting with /")
        const row = yield* connections.rowOf(request.connection)
        const oidc = yield* openidClient
        if (row.protocol === "saml") return yield* startSaml(slug, row, request, oidc.randomState())
        const config = yield* configuration(row)
        const state = oidc.randomState()
        const nonce = oidc.randomNonce()
        const verifier = oidc.randomPKCECodeVerifier()
        const challenge = yield* Effect.promise(() => oidc.calculatePKCECodeChallenge(verifier))
        const at = yield* now
        const expiresAt = DateTime.addDuration(at, `${SSO_STATE_TTL_MS} millis`)
        const stateHash = sha256(state)
        const verifierEnc = yield* envelope.encrypt(verifier, yield* aad(stateHash))
        yield* reserve({
          state_hash: stateHash,
          connection: row.name,
          verifier_enc: verifierEnc,
          nonce,
          redirect_uri: request.redirect_uri,
          return_to: request.return_to ?? null,
          expires_at: expiresAt
        })
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: request.redirect_uri,
          scope: row.scopes.join(" "),
          state,
          nonce,
          code_challenge: challenge,
          code_challenge_method: "S256",
          ...(request.login_hint === undefined ? {} : { login_hint: request.login_hint })
        })
        return new SsoSignInStart({ protocol: "oidc", authorization_url: url.href, expires_at: expiresAt })
      })
    ).pipe(Effect.withSpan("SsoSignIn.start"))

  return start
}

/** Who the person is: the code exchange's claims, and their Signet user. */
const makePeople = (kit: Kit) => {
  const { repo, identity, refuse } = kit
  /** The code exchange and the person's claims (ID token, then `userinfo` for what it lacks). */
  const exchange = (row: ConnectionRow, config: Oidc.Configuration, url: URL, pending: PendingProof) =>
    Effect.gen(function* () {
      const oidc = yield* openidClient
      const providerError = (e: unknown) =>
        new OAuthProviderError({ message: "the IdP refused the sign-in", provider: row.name, reason: reasonOf(e) })
      const tokens = yield* Effect.tryPromise({
        try: () =>
          oidc.authorizationCodeGrant(config, url, {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: true
          }),
        catch: providerError
      })
      const claims = tokens.claims()!
      if (claims.email !== undefined && (claims.email_verified !== undefined || claims.xms_edov !== undefined))
        return claims as Person
      const info = yield* Effect.tryPromise({
        try: () => oidc.fetchUserInfo(config, tokens.access_token, claims.sub),
        catch: providerError
      })
      return {
        ...info,
        ...claims,
        email: claims.email ?? info.email,
        email_verified: claims.email_verified ?? info.email_verified,
        xms_edov: claims.xms_edov ?? info.xms_edov
      } as Person
    })

  /** The Signet user of `person` at `row`: linked, matched by e-mail, or created (`jit`). */
  const userOf = (row: ConnectionRow, person: Person, email: string) =>
    Effect.gen(function* () {
      const linked = yield* tenantTx(repo.linkedUser(row.name, person.sub))
      if (Option.isSome(linked) && Option.isSome(yield* tenantTx(identity.findRow(linked.value))))
        return { userId: linked.value, how: null }
      const byEmail = yield* tenantTx(identity.findByLogin(email))
      if (Option.isSome(byEmail) && normalize(byEmail.value.email ?? "") === normalize(email))
        return { userId: byEmail.value.id, how: "email" as const }
      if (row.provisioning === "link_only")
        return yield* refuse(
          row.name,
          "no_account",
          "no account for this address: ask an admin to create one",
          person.sub
        )
      const school = yield* mappedSchool(row.attribute_mapping, person)
      const created = yield* identity.create({
        email,
        ...namesOf(person, email),
        user_type: Option.getOrElse(mappedUserType(row.attribute_mapping, person), () => row.default_user_type),
        ...(Option.isSome(school) ? { school_id: school.value } : {})
      })
      return { userId: created.id, how: "jit" as const }
    })

  return { exchange, userOf }
}

/** The second step: the IdP's answer, who signs in, the session. */
const makeComplete = (kit: Kit) => {
  const { takePending, repo, envelope, auth, audit, now, inTenant, limitAddress, aad, configuration, refuse } = kit
  const { exchange, userOf } = makePeople(kit)

  /**
   * Admits `person`, whom the IdP of `row` vouched for: the e-mail checks,
   * the user (linked, matched or created), the link, the session.
   * @errors SsoSignInRefused, QuotaExceeded, ValidationError, Conflict
   */
  const admit = (tenant: Tenant, row: ConnectionRow, person: Person, client: ClientInfo) =>
    Effect.gen(function* () {
      const email = text(person.email)
      if (email === undefined)
        return yield* refuse(row.name, "email_missing", "the IdP did not share an e-mail address", person.sub)
      if (!emailVerified(person))
        return yield* refuse(row.name, "email_unverified", "the IdP has not verified this e-mail address", person.sub)
      const domain = emailDomain(email)
      if (domain === undefined || !row.domains.includes(domain))
        return yield* refuse(row.name, "domain_not_served", "this address's domain does not sign in here", person.sub)
      const { userId, how } = yield* userOf(row, person, email)
      yield* tenantTx(
        Effect.gen(function* () {
          yield* repo.link(row.name, person.sub, userId, yield* now)
          // A new link (matched by e-mail, or a jit user) is audited; a known one is only touched.
          if (how !== null)
            yield* audit.record({
              action: "sso.identity.linked",
              targetType: "user",
              targetId: userId,
              after: { connection: row.name, subject: person.sub, matched_by: how }
            })
        })
      )
      yield* syncRoles(row.attribute_mapping, person, userId as IdentityUserId, how === "jit")
      const amr = Array.isArray(person.amr) ? person.amr : []
      return yield* auth.federatedLogin(
        tenant,
        userId,
        { connection: row.name, subject: person.sub, mfa: amr.includes("mfa"), email },
        client
      )
    })

  /**
   * Completes an OpenID Connect sign-in from the IdP's redirect
   * (`callback`: its URL or only its query, with `code` and `state`, or
   * `error`) in the active tenant `slug`, and opens the session of the
   * person's user.
   * @errors TenantNotFound, RateLimited, OAuthStateInvalid, OAuthProviderError
   *   (refusal or failed exchange), SsoSignInRefused, QuotaExceeded (a `jit`
   *   user beyond `users.max`), ValidationError, Conflict (a new user's
   *   e-mail taken meanwhile)
   */
  const complete = (slug: string, callback: string, client: ClientInfo) =>
    inTenant(slug, (tenant) =>
      Effect.gen(function* () {
        yield* limitAddress(client)
        if (callback.length > 8192) return yield* new OAuthStateInvalid({ message: "unknown, used or expired sign-in" })
        const query = new URLSearchParams(callback.includes("?") ? callback.slice(callback.indexOf("?") + 1) : callback)
        const state = query.get("state")
        const { pending, row } = yield* takePending(state)
        if (row.protocol !== "oidc")
          return yield* new OAuthStateInvalid({ message: "unknown, used or expired sign-in" })
        const config = yield* configuration(row)
        // The redirect URI this sign-in was started with, carrying the IdP's answer.
        const url = new URL(pending.redirect_uri)
        url.search = query.toString()
        const verifier = yield* envelope.decrypt(pending.verifier_enc, yield* aad(pending.state_hash)).pipe(
          Effect.map((b) => b.toString("utf8")),
          Effect.orDie
        )
        const person = yield* exchange(row, config, url, { state: state!, nonce: pending.nonce, verifier })
        const tokens = yield* admit(tenant, row, person, client)
        return { tokens, return_to: pending.return_to } satisfies SsoSignedIn
      })
    ).pipe(Effect.withSpan("SsoSignIn.complete"))

  /**
   * Completes a SAML sign-in from the IdP's form POST (`SAMLResponse`,
   * `RelayState`) in the active tenant `slug`; see `SamlSignIn.ts` for what
   * the response must satisfy.
   * @errors as {@link complete}
   */
  const completeSaml = (
    slug: string,
    form: { readonly SAMLResponse: string; readonly RelayState: string },
    client: ClientInfo
  ) =>
    inTenant(slug, (tenant) =>
      Effect.gen(function* () {
        yield* limitAddress(client)
        const { pending, row } = yield* takePending(form.RelayState)
        if (row.protocol !== "saml")
          return yield* new OAuthStateInvalid({ message: "unknown, used or expired sign-in" })
        const createdAt = DateTime.subtractDuration(pending.expires_at, `${SSO_STATE_TTL_MS} millis`)
        const person = yield* samlPerson(
          row,
          slug,
          pending.redirect_uri,
          form.SAMLResponse,
          pending.nonce,
          createdAt,
          yield* kit.connections.samlDecryptionKey(row)
        )
        const tokens = yield* admit(tenant, row, person, client)
        return { tokens, return_to: pending.return_to } satisfies SsoSignedIn
      })
    ).pipe(Effect.withSpan("SsoSignIn.completeSaml"))

  return { complete, completeSaml }
}

/** The SSO sign-in service; see the module comment. */
export class SsoSignIn extends Effect.Service<SsoSignIn>()("Signet/SsoSignIn", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    const { events, tenancy, repo, sql } = kit
    const start = makeStart(kit)
    const { complete, completeSaml } = makeComplete(kit)

    // A deleted user's links go with them.
    yield* events.subscribe({
      name: "sso-identities",
      types: ["signet.user.deleted"],
      handle: (event) =>
        Effect.gen(function* () {
          const userId = event.subject
          if (event.tenantid === undefined || typeof userId !== "string" || !Schema.is(UserId)(userId)) return
          const tenant = yield* tenancy.getById(event.tenantid as TenantId)
          yield* tenantTx(repo.unlinkUser(userId)).pipe(
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
            Effect.provideService(SqlClient.SqlClient, sql)
          )
        })
    })

    /** A user's links to IdP accounts. @errors UserNotFound (no such user in the tenant) */
    const identitiesOf = (userId: string) =>
      tenantTx(
        Effect.gen(function* () {
          const notFound = new UserNotFound({ message: `no user ${userId}`, id: userId })
          if (!Schema.is(UserId)(userId) || Option.isNone(yield* kit.identity.findRow(userId))) return yield* notFound
          return (yield* repo.linksOf(userId)).map((r) => new SsoIdentity(r))
        })
      )

    /**
     * Unlinks a user from their IdP account at `connection` (their next SSO
     * sign-in matches by e-mail again, or is refused under `link_only` when
     * the address changed); audited `sso.identity.unlinked`.
     * @errors SsoIdentityNotFound
     */
    const unlink = (userId: string, connection: string) =>
      tenantTx(
        Effect.gen(function* () {
          const notFound = new SsoIdentityNotFound({ message: "no such SSO link", connection })
          if (!Schema.is(UserId)(userId)) return yield* notFound
          const subjects = yield* repo.unlink(userId, connection)
          if (subjects.length === 0) return yield* notFound
          yield* kit.audit.record({
            action: "sso.identity.unlinked",
            targetType: "user",
            targetId: userId,
            before: { connection, subjects }
          })
        })
      )

    return { start, complete, completeSaml, identitiesOf, unlink } as const
  }),
  dependencies: [SsoSignInRepo.Default]
}) {}

/** What the code exchange checks against: the state and nonce sent, the PKCE verifier kept. */
interface PendingProof {
  readonly state: string
  readonly nonce: string
  readonly verifier: string
}
