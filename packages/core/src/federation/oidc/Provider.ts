/**
 * One OpenID Connect provider per tenant (issue 19 §1), built with
 * `oidc-provider` (an OpenID-certified implementation; Signet writes no
 * OAuth of its own). Issuer `${publicUrl}/t/{slug}`; discovery at
 * `/t/{slug}/.well-known/openid-configuration`; endpoints under
 * `/t/{slug}/oidc/…` (see {@link OIDC_ROUTES}).
 *
 * - Keys: the tenant's signing keys (`SigningKeys.privateJwksFor`: its own
 *   when it has some, else the platform's), so the JWKS is Signet's.
 * - Storage: `Adapter.ts` (the database; no process memory as the store).
 * - Accounts: `findAccount` reads the user through identity (disabled or
 *   unknown users have no account), roles through access, `email_verified`
 *   through accounts; claims `sub`, `email`, `email_verified`, `name`,
 *   `locale`, `user_type`, `school_id` and the roles under
 *   `SIGNET_OIDC_ROLES_CLAIM` (default `roles`).
 * - Flows: authorization code (PKCE required for public clients, the
 *   provider's default), refresh tokens with rotation on every use (a
 *   reused refresh token revokes the grant), client credentials,
 *   userinfo, RP-initiated logout, revocation.
 * - Consent: remembered per user and client — `loadExistingGrant` finds the
 *   user's newest grant for the client even from another browser session.
 * - Cache: one provider per tenant (at most {@link MAX_CACHED_PROVIDERS},
 *   the least recently built dropped first), rebuilt when the tenant's signing keys
 *   change (clients are read through the adapter on each use, so a new or
 *   deleted client needs no rebuild).
 *
 * @module
 */

import * as NodeCrypto from "node:crypto"
import type { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Config, type Context, Effect, Option, Runtime } from "effect"
import type { Configuration, KoaContextWithOIDC, default as OidcProvider } from "oidc-provider"
import type { Access } from "../../access/Access.js"
import type { Accounts } from "../../accounts/Accounts.js"
import { SigningKeys } from "../../identity/Keys.js"
import type { Identity } from "../../identity/Users.js"
import { Envelope } from "../../kernel/Crypto.js"
import { tenantTx } from "../../kernel/Database.js"
import { Tenancy } from "../../tenancy/Tenancy.js"
import { makeAdapterFactory } from "./Adapter.js"
import { accountClaims, claimsConfig } from "./Claims.js"
import { OidcClients } from "./Clients.js"
import { oidcCookieKeyColumn } from "./Migrations.js"
import { errorPage, logoutPage, logoutSuccessPage } from "./Pages.js"
import { OidcRepo } from "./Repo.js"

/** The provider's endpoints, relative to the issuer `${publicUrl}/t/{slug}`. */
export const OIDC_ROUTES = {
  authorization: "/oidc/auth",
  token: "/oidc/token",
  userinfo: "/oidc/userinfo",
  jwks: "/oidc/jwks",
  end_session: "/oidc/session/end",
  revocation: "/oidc/token/revocation",
  code_verification: "/oidc/device",
  device_authorization: "/oidc/device/auth",
  introspection: "/oidc/token/introspection",
  pushed_authorization_request: "/oidc/request",
  registration: "/oidc/reg",
  backchannel_authentication: "/oidc/backchannel",
  challenge: "/oidc/challenge"
} as const

/** The interaction page of a tenant's provider (sign-in and consent), `uid` the interaction's. */
export const interactionPath = (slug: string, uid: string) =>
  `/t/${encodeURIComponent(slug)}/oidc/interaction/${encodeURIComponent(uid)}`

/** Most tenant providers kept built in memory (each holds its keystore and routes). */
export const MAX_CACHED_PROVIDERS = 500

/** A tenant's built provider. */
export interface TenantProvider {
  readonly provider: OidcProvider
  readonly issuer: string
  readonly tenant: Context.Tag.Service<CurrentTenant>
}

/**
 * oidc-provider answers an unexpected failure with its own 500 page and reports it only as its
 * `server_error` event: log it (tenant, route, error; no request parameters, which hold secrets).
 */
const logServerErrors = (provider: OidcProvider, slug: string, run: (effect: Effect.Effect<void>) => Promise<void>) =>
  provider.on("server_error", (ctx: KoaContextWithOIDC, error: Error) => {
    void run(
      Effect.logError("oidc provider error").pipe(
        Effect.annotateLogs({ tenant: slug, route: ctx.oidc?.route ?? ctx.path, error: String(error) })
      )
    )
  })

/** Per-tenant provider cache; see the module comment. */
export class OidcProviders extends Effect.Service<OidcProviders>()("Signet/OidcProviders", {
  effect: Effect.gen(function* () {
    const runtime = yield* Effect.runtime<SqlClient.SqlClient | Identity | Access | Accounts>()
    const repo = yield* OidcRepo
    const clients = yield* OidcClients
    const keys = yield* SigningKeys
    const envelope = yield* Envelope
    const tenancy = yield* Tenancy
    const rolesClaim = yield* Config.string("SIGNET_OIDC_ROLES_CLAIM").pipe(
      Config.withDefault("roles"),
      Effect.orElseSucceed(() => "roles")
    )
    const cache = new Map<string, { readonly fingerprint: string; readonly built: Promise<TenantProvider> }>()
    const run = Runtime.runPromise(runtime)

    /** The tenant's cookie-signing key, created on first use (envelope-encrypted at rest). */
    const cookieKey = Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const aad = oidcCookieKeyColumn.aad({ tenant_id: tenant.id })
      const stored = yield* tenantTx(repo.cookieKey)
      if (Option.isNone(stored)) {
        const fresh = yield* envelope.encrypt(NodeCrypto.randomBytes(32).toString("base64url"), aad)
        yield* tenantTx(repo.setCookieKey(fresh))
      }
      const enc = Option.getOrThrow(yield* tenantTx(repo.cookieKey))
      return (yield* Effect.orDie(envelope.decrypt(enc, aad))).toString("utf8")
    })

    const account = accountClaims(tenancy, rolesClaim)

    const build = (tenant: Context.Tag.Service<CurrentTenant>, issuer: string, jwks: { keys: Array<object> }) =>
      Effect.gen(function* () {
        const secret = yield* cookieKey.pipe(Effect.provideService(CurrentTenant, tenant))
        const { default: Provider } = yield* Effect.promise(() => import("oidc-provider"))
        const alg = (jwks.keys[0] as { alg?: string } | undefined)?.alg ?? "ES256"
        const configuration: Configuration = {
          adapter: makeAdapterFactory({ tenant, repo, clients, runtime }),
          jwks: jwks as Configuration["jwks"],
          cookies: { keys: [secret] },
          findAccount: async (_ctx, sub) => {
            const claims = await run(account(tenant, sub))
            return claims === undefined ? undefined : { accountId: sub, claims: () => claims }
          },
          claims: claimsConfig(rolesClaim),
          scopes: ["openid", "offline_access", "email", "profile", "signet"],
          conformIdTokenClaims: false,
          clientDefaults: {
            grant_types: ["authorization_code"],
            id_token_signed_response_alg: alg as "ES256" | "EdDSA",
            response_types: ["code"],
            token_endpoint_auth_method: "client_secret_basic"
          },
          features: {
            devInteractions: { enabled: false },
            clientCredentials: { enabled: true },
            revocation: { enabled: true },
            userinfo: { enabled: true },
            rpInitiatedLogout: {
              enabled: true,
              logoutSource: async (ctx, form) => {
                ctx.type = "html"
                ctx.body = logoutPage(tenant.slug, form)
              },
              postLogoutSuccessSource: async (ctx) => {
                ctx.type = "html"
                ctx.body = logoutSuccessPage(ctx.oidc.client?.clientName)
              }
            }
          },
          routes: OIDC_ROUTES,
          interactions: { url: (_ctx, interaction) => interactionPath(tenant.slug, interaction.uid) },
          issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
          rotateRefreshToken: true,
          loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
            const oidc = ctx.oidc
            const client = oidc.client
            const fromResult = oidc.result?.consent?.grantId
            const accountId = oidc.session?.accountId
            const grantId =
              fromResult ??
              (client ? oidc.session?.grantIdFor(client.clientId) : undefined) ??
              (client && accountId
                ? Option.getOrUndefined(
                    await run(
                      tenantTx(repo.latestGrant(accountId, client.clientId, Date.now())).pipe(
                        Effect.provideService(CurrentTenant, tenant)
                      )
                    )
                  )
                : undefined)
            return grantId ? oidc.provider.Grant.find(grantId) : undefined
          },
          ttl: {
            AccessToken: 15 * 60,
            AuthorizationCode: 60,
            ClientCredentials: 15 * 60,
            IdToken: 15 * 60,
            Interaction: 30 * 60,
            Grant: 180 * 24 * 3600,
            RefreshToken: 7 * 24 * 3600,
            Session: 7 * 24 * 3600
          },
          renderError: async (ctx, out) => {
            ctx.type = "html"
            ctx.body = errorPage(out)
          }
        }
        const provider = new Provider(issuer, configuration)
        logServerErrors(provider, tenant.slug, run)
        return { provider, issuer, tenant } satisfies TenantProvider
      })

    /**
     * The provider of the active tenant `slug` with the issuer
     * `${baseUrl}/t/{slug}`, built on first use and cached; rebuilt when the
     * tenant's signing keys changed.
     * @errors TenantNotFound (unknown, suspended or deleted tenant)
     */
    const forTenant = (slug: string, baseUrl: string) =>
      Effect.gen(function* () {
        const found = yield* tenancy.resolveActive(slug)
        const tenant = { id: found.id, slug: found.slug }
        const jwks = yield* keys.privateJwksFor(tenant.id)
        const issuer = `${baseUrl.replace(/\/$/, "")}/t/${encodeURIComponent(tenant.slug)}`
        const fingerprint = `${issuer} ${jwks.keys.map((k) => k.kid).join(",")}`
        const cached = cache.get(tenant.id)
        if (cached && cached.fingerprint === fingerprint) return yield* Effect.promise(() => cached.built)
        const built = run(build(tenant, issuer, jwks as { keys: Array<object> }))
        cache.delete(tenant.id)
        // At most MAX_CACHED_PROVIDERS in memory: the least recently built one goes first.
        if (cache.size >= MAX_CACHED_PROVIDERS) cache.delete(cache.keys().next().value!)
        cache.set(tenant.id, { fingerprint, built })
        // A failed build is not kept: the next request tries again.
        built.catch(() => {
          if (cache.get(tenant.id)?.built === built) cache.delete(tenant.id)
        })
        return yield* Effect.promise(() => built)
      }).pipe(Effect.withSpan("OidcProviders.forTenant"))

    /** Drops a tenant's cached provider (the next request rebuilds it). */
    const invalidate = (tenantId: string) => Effect.sync(() => void cache.delete(tenantId))

    return { forTenant, invalidate, interactionPath } as const
  }),
  dependencies: [OidcRepo.Default, OidcClients.Default]
}) {}
