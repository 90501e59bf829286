/**
 * OAuth bindings (issue 21 §4; seed 000 §7 "OAuth Binding Flow", job
 * `refresh_oauth`; anchor: Nango's token storage and refresh). The OAuth
 * protocol itself is `openid-client`'s (certified relying party): discovery,
 * PKCE, the code exchange with state and nonce checks, refresh, revocation.
 * Core enforces:
 *
 * - credentials: at most `MAX_PLATFORM_CREDENTIALS` per tenant; the issuer
 *   is `https://` (plain `http` only on a loopback host when the operator
 *   allowed it: `SIGNET_OAUTH_ALLOW_HTTP_ISSUERS`, or `configure`); the
 *   client secret is envelope-encrypted and never answered;
 * - the flow (this file): `start` stores the state (SHA-256 at rest), the
 *   PKCE verifier (encrypted) and the nonce for ten minutes, at most
 *   `MAX_PENDING_BINDINGS` per user; `complete` takes the state once —
 *   unknown, used or expired states answer one generic `OAuthStateInvalid`
 *   — and binds the user who started it, whoever follows the link;
 * - tokens (`OAuthTokens.ts`): envelope-encrypted with AAD naming tenant,
 *   user and provider; decrypted only when used (`accessToken`, refreshed
 *   first when it expires within `REFRESH_MARGIN_MS`), answered as
 *   `Redacted`; the `refresh_oauth` job refreshes what expires within
 *   `REFRESH_AHEAD_MS` on one replica; `invalid_grant` marks the binding
 *   `refresh_failed`.
 *
 * Credential changes, bindings, unbindings and failed refreshes are
 * audited and published (`signet.integrations.oauth_*`) in the same
 * transaction. Shared parts: `OAuthKit.ts`; SQL: `OAuthRepo.ts`.
 *
 * @module
 */

import { SqlClient } from "@effect/sql"
import {
  MAX_PLATFORM_CREDENTIALS,
  OAuthBindingStart,
  OAuthProviderError,
  OAuthStateInvalid,
  PlatformCredentialNotFound,
  type PutPlatformCredential
} from "@signet/contracts/integrations/OAuthDomain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { DateTime, Effect, Option, Redacted, Ref, Schema } from "effect"
import { tenantTx } from "../kernel/Database.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import {
  oauthAccessTokenColumn,
  oauthRefreshTokenColumn,
  oauthVerifierColumn,
  platformCredentialSecretColumn
} from "./Migrations.js"
import {
  acceptableOAuthUrl,
  BINDING_STATE_TTL_MS,
  type Kit,
  MAX_PENDING_BINDINGS,
  makeKit,
  presentBinding,
  presentCredential,
  reasonOf,
  sha256,
  UserId
} from "./OAuthKit.js"
import { makeTokens, makeUpkeep } from "./OAuthTokens.js"

/** Registering and deleting provider credentials. */
const makeCredentials = ({ repo, envelope, audit, events, options, now, aad }: Kit) => {
  /**
   * Registers or replaces the tenant's credential at `provider`.
   * @errors ValidationError (issuer), Conflict (MAX_PLATFORM_CREDENTIALS reached)
   */
  const putCredential = (provider: string, input: PutPlatformCredential) =>
    Effect.gen(function* () {
      const { allowHttpLoopback } = yield* Ref.get(options)
      if (!acceptableOAuthUrl(input.issuer, allowHttpLoopback))
        return yield* ValidationError.field("issuer", "must be an https:// URL without credentials or fragment")
      const at = yield* now
      const secretEnc = yield* envelope.encrypt(
        Redacted.value(input.client_secret),
        yield* aad(platformCredentialSecretColumn, { provider })
      )
      return yield* tenantTx(
        Effect.gen(function* () {
          const before = yield* repo.findCredential(provider)
          if (Option.isNone(before) && (yield* repo.countCredentials) >= MAX_PLATFORM_CREDENTIALS)
            return yield* new Conflict({
              message: `at most ${MAX_PLATFORM_CREDENTIALS} OAuth provider credentials per tenant`,
              field: "provider"
            })
          const fields = {
            provider,
            issuer: input.issuer,
            client_id: input.client_id,
            client_secret_enc: secretEnc,
            scopes: input.scopes
          }
          yield* repo.upsertCredential(fields, at)
          const after = presentCredential(Option.getOrThrow(yield* repo.findCredential(provider)))
          yield* audit.record({
            action: Option.isNone(before) ? "oauth.credential.created" : "oauth.credential.updated",
            targetType: "platform_credential",
            targetId: provider,
            before: Option.getOrUndefined(Option.map(before, presentCredential)),
            after
          })
          yield* events.publish({
            type: "signet.integrations.oauth_credential.updated",
            subject: provider,
            data: { provider, issuer: after.issuer, client_id: after.client_id }
          })
          return after
        })
      )
    }).pipe(Effect.withSpan("OAuthBindings.putCredential"))

  /** Deletes a credential with its bindings and pending states. @errors PlatformCredentialNotFound */
  const deleteCredential = (provider: string) =>
    tenantTx(
      Effect.gen(function* () {
        if (!(yield* repo.deleteCredential(provider)))
          return yield* new PlatformCredentialNotFound({ message: "no credential for this provider", provider })
        yield* audit.record({
          action: "oauth.credential.deleted",
          targetType: "platform_credential",
          targetId: provider
        })
        yield* events.publish({
          type: "signet.integrations.oauth_credential.deleted",
          subject: provider,
          data: { provider }
        })
      })
    )

  return { putCredential, deleteCredential }
}

/** The binding flow: start (authorization URL) and complete (code exchange). */
const makeFlow = ({ repo, envelope, audit, events, client, now, aad, decrypt, credentialOf, configuration }: Kit) => {
  /**
   * Starts binding `userId` to `provider`: the URL to send the user's
   * browser to; the provider redirects to `redirectUri` (which must reach
   * {@link complete}) with the code and state.
   * @errors PlatformCredentialNotFound, ValidationError (redirect URI, user id),
   *   Conflict (MAX_PENDING_BINDINGS), OAuthProviderError (discovery)
   */
  const start = (userId: string, provider: string, redirectUri: string) =>
    Effect.gen(function* () {
      if (!Schema.is(UserId)(userId)) return yield* ValidationError.field("user_id", "must be a UUID")
      if (!acceptableOAuthUrl(redirectUri, true))
        return yield* ValidationError.field("redirect_uri", "must be https, or http on a loopback host")
      const row = yield* credentialOf(provider)
      const config = yield* configuration(row)
      const oidc = yield* client
      const state = oidc.randomState()
      const nonce = oidc.randomNonce()
      const verifier = oidc.randomPKCECodeVerifier()
      const challenge = yield* Effect.promise(() => oidc.calculatePKCECodeChallenge(verifier))
      const at = yield* now
      const expiresAt = DateTime.addDuration(at, `${BINDING_STATE_TTL_MS} millis`)
      const stateHash = sha256(state)
      const verifierEnc = yield* envelope.encrypt(verifier, yield* aad(oauthVerifierColumn, { state_hash: stateHash }))
      yield* tenantTx(
        Effect.gen(function* () {
          yield* repo.pruneStates(at)
          if ((yield* repo.countStates(userId)) >= MAX_PENDING_BINDINGS)
            return yield* new Conflict({ message: `at most ${MAX_PENDING_BINDINGS} bindings pending per user` })
          yield* repo.insertState({
            state_hash: stateHash,
            user_id: userId,
            provider,
            verifier_enc: verifierEnc,
            nonce,
            redirect_uri: redirectUri,
            expires_at: expiresAt
          })
        })
      )
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: row.scopes.join(" "),
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
        ...(row.scopes.includes("openid") ? { nonce } : {}),
        // offline_access is granted only with consent (OpenID Connect Core §11).
        ...(row.scopes.includes("offline_access") ? { prompt: "consent" } : {})
      })
      return new OAuthBindingStart({ authorization_url: url.href, expires_at: expiresAt })
    }).pipe(Effect.withSpan("OAuthBindings.start"))

  /**
   * Completes a binding from the provider's redirect to the callback
   * (`callback`: its URL or only its query string, with `code` and `state`,
   * or `error`): exchanges the
   * code (PKCE, state, nonce checked by openid-client) and stores the
   * tokens for the user who started it.
   * @errors OAuthStateInvalid, OAuthProviderError (refusal or failed exchange)
   */
  const complete = (callback: string) =>
    Effect.gen(function* () {
      const invalid = new OAuthStateInvalid({ message: "unknown, used or expired binding request" })
      if (callback.length > 8192) return yield* invalid
      const query = new URLSearchParams(callback.includes("?") ? callback.slice(callback.indexOf("?") + 1) : callback)
      const state = query.get("state")
      if (state === null || state.length > 512) return yield* invalid
      const stateHash = sha256(state)
      const taken = yield* tenantTx(repo.takeState(stateHash))
      const at = yield* now
      if (Option.isNone(taken) || DateTime.lessThan(taken.value.expires_at, at)) return yield* invalid
      const pending = taken.value
      const row = yield* Effect.catchTag(credentialOf(pending.provider), "PlatformCredentialNotFound", () => invalid)
      const config = yield* configuration(row)
      const oidc = yield* client
      // The redirect URI this binding was started with, carrying the provider's answer: what
      // openid-client checks and sends back to the token endpoint (not a caller-supplied base).
      const url = new URL(pending.redirect_uri)
      url.search = query.toString()
      const verifier = yield* decrypt(pending.verifier_enc, yield* aad(oauthVerifierColumn, { state_hash: stateHash }))
      const openid = row.scopes.includes("openid")
      const tokens = yield* Effect.tryPromise({
        try: () =>
          oidc.authorizationCodeGrant(config, url, {
            pkceCodeVerifier: verifier,
            expectedState: state,
            ...(openid ? { expectedNonce: pending.nonce, idTokenExpected: true } : {})
          }),
        catch: (e) =>
          new OAuthProviderError({
            message: "the provider refused the binding",
            provider: row.provider,
            reason: reasonOf(e)
          })
      })
      const label = { user_id: pending.user_id, provider: row.provider }
      const expiresIn = tokens.expiresIn()
      const stored = {
        subject: openid ? (tokens.claims()?.sub ?? null) : null,
        scopes: typeof tokens.scope === "string" ? tokens.scope.split(" ").filter((s) => s !== "") : row.scopes,
        access_token_enc: yield* envelope.encrypt(tokens.access_token, yield* aad(oauthAccessTokenColumn, label)),
        refresh_token_enc:
          tokens.refresh_token === undefined
            ? null
            : yield* envelope.encrypt(tokens.refresh_token, yield* aad(oauthRefreshTokenColumn, label)),
        expires_at: expiresIn === undefined ? null : DateTime.addDuration(at, `${expiresIn} seconds`)
      }
      return yield* tenantTx(
        Effect.gen(function* () {
          yield* repo.upsertBinding(pending.user_id, row.provider, stored, at)
          const binding = presentBinding(Option.getOrThrow(yield* repo.findBinding(pending.user_id, row.provider)))
          yield* audit
            .record({
              action: "oauth.binding.created",
              targetType: "user",
              targetId: pending.user_id,
              after: binding
            })
            .pipe(Effect.provideService(CurrentActor, { kind: "user", id: pending.user_id }))
          yield* events.publish({
            type: "signet.integrations.oauth_binding.created",
            subject: pending.user_id,
            data: { user_id: pending.user_id, provider: row.provider, scopes: binding.scopes }
          })
          return binding
        })
      )
    }).pipe(Effect.withSpan("OAuthBindings.complete"))

  return { start, complete }
}

/** The OAuth bindings service; see the module comment. A deleted user's bindings are unbound (event `signet.user.deleted`). */
export class OAuthBindings extends Effect.Service<OAuthBindings>()("Signet/OAuthBindings", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    const { repo, options, credentialOf } = kit
    const { putCredential, deleteCredential } = makeCredentials(kit)
    const { start, complete } = makeFlow(kit)
    const tokens = makeTokens(kit)
    const { bindingOf, accessToken } = tokens
    const { unbind, refreshDue, job } = makeUpkeep(kit, tokens)
    const tenancy = yield* Tenancy

    // A deleted user's bindings go with them: revoked at the provider when it can, then removed.
    yield* kit.events.subscribe({
      name: "oauth-bindings",
      types: ["signet.user.deleted"],
      handle: (event) =>
        Effect.gen(function* () {
          const userId = event.subject
          if (event.tenantid === undefined || typeof userId !== "string" || !Schema.is(UserId)(userId)) return
          const tenant = yield* tenancy.getById(event.tenantid as TenantId)
          yield* Effect.gen(function* () {
            for (const binding of yield* tenantTx(repo.listBindings(userId)))
              yield* unbind(userId, binding.provider).pipe(Effect.catchTag("OAuthBindingNotFound", () => Effect.void))
          }).pipe(
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
            Effect.provideService(CurrentActor, systemActor),
            Effect.provideService(SqlClient.SqlClient, kit.sql)
          )
        })
    })

    return {
      /** Operator settings: `allowHttpLoopback` lets issuers be plain http on a loopback host (tests, development). */
      configure: (o: { readonly allowHttpLoopback: boolean }) => Ref.set(options, o),
      putCredential,
      listCredentials: Effect.map(tenantTx(repo.listCredentials), (rows) => rows.map(presentCredential)),
      getCredential: (provider: string) => Effect.map(credentialOf(provider), presentCredential),
      deleteCredential,
      start,
      complete,
      /** A user's bindings, or all of the tenant's (at most 1,000) when `userId` is absent. */
      listBindings: (userId?: string) =>
        userId !== undefined && !Schema.is(UserId)(userId)
          ? Effect.succeed([])
          : Effect.map(tenantTx(repo.listBindings(userId)), (rows) => rows.map(presentBinding)),
      getBinding: (userId: string, provider: string) => Effect.map(bindingOf(userId, provider), presentBinding),
      accessToken,
      unbind,
      refreshDue,
      job
    } as const
  })
}) {}
