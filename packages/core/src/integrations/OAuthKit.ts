/**
 * The shared parts of the OAuth bindings service (issue 21 §4; see
 * `OAuthBindings.ts`): limits, URL rule, presentation, and the kit every
 * part of the service is built from (repository, crypto, clock, the
 * provider's configuration discovered through `openid-client`).
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import {
  OAuthBinding,
  OAuthProviderError,
  PlatformCredential,
  PlatformCredentialNotFound
} from "@signet/contracts/integrations/OAuthDomain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Clock, Config, DateTime, Effect, Option, Ref, Schema } from "effect"
import type * as Oidc from "openid-client"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTx } from "../kernel/Database.js"
import { platformCredentialSecretColumn } from "./Migrations.js"
import { type BindingRow, type CredentialRow, OAuthRepo } from "./OAuthRepo.js"

/** Pending (started, not completed) bindings per user at most. */
export const MAX_PENDING_BINDINGS = 10
/** How long a started binding may be completed, in ms. */
export const BINDING_STATE_TTL_MS = 10 * 60_000
/** `accessToken` refreshes a token expiring within this margin, in ms. */
export const REFRESH_MARGIN_MS = 60_000
/** The refresh job refreshes tokens expiring within this time, in ms (more than its period). */
export const REFRESH_AHEAD_MS = 15 * 60_000
/** Period of the refresh job (seed 000: every 10 minutes), in ms. */
export const REFRESH_JOB_PERIOD_MS = 10 * 60_000

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"])
/** A user id as the bindings take it. */
export const UserId = Schema.UUID

/** SHA-256, base64url (a binding state at rest). */
export const sha256 = (s: string) => NodeCrypto.createHash("sha256").update(s).digest("base64url")

/** Whether `url` is `https://`, or `http://` on a loopback host when `allowHttp`, without credentials or fragment. */
export const acceptableOAuthUrl = (url: string, allowHttp: boolean): boolean => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (u.username !== "" || u.password !== "" || u.hash !== "") return false
  return u.protocol === "https:" || (allowHttp && u.protocol === "http:" && LOOPBACK.has(u.hostname))
}

/** The public form of a stored credential. */
export const presentCredential = (row: CredentialRow) =>
  new PlatformCredential({
    provider: row.provider,
    issuer: row.issuer,
    client_id: row.client_id,
    scopes: row.scopes,
    created_at: row.created_at,
    updated_at: row.updated_at
  })

/** The public form of a stored binding. */
export const presentBinding = (row: BindingRow) =>
  new OAuthBinding({
    provider: row.provider,
    user_id: row.user_id,
    subject: row.subject,
    scopes: row.scopes,
    status: row.status,
    expires_at: row.expires_at,
    has_refresh_token: row.refresh_token_enc !== null,
    created_at: row.created_at,
    refreshed_at: row.refreshed_at
  })

/** The OAuth error code of an `openid-client` failure, else a short description. */
export const reasonOf = (e: unknown): string => {
  const err = e as { error?: unknown; code?: unknown; message?: unknown }
  if (typeof err.error === "string") return err.error
  if (typeof err.code === "string") return err.code
  return typeof err.message === "string" ? err.message.slice(0, 200) : "unknown"
}

/** `openid-client`, loaded once on first use. */
export const openidClient = Effect.promise(() => import("openid-client"))

/** What {@link makeDiscovery}'s lookup needs: a cache key (tenant, client, version) and the client's credentials. */
export interface DiscoveryRequest<R = never> {
  readonly key: string
  readonly issuer: string
  readonly clientId: string
  readonly secret: Effect.Effect<string, never, R>
  /** Plain-http issuer on loopback, allowed by the operator. */
  readonly insecure: boolean
}

/**
 * A cache of OpenID providers' configurations discovered through
 * `openid-client` (`/.well-known/openid-configuration`), by key; at most
 * 200 kept, a failed discovery is not kept. Fails with `onError(cause)`.
 */
export const makeDiscovery = () => {
  const discovered = new Map<string, Promise<Oidc.Configuration>>()
  return <E, R>(r: DiscoveryRequest<R>, onError: (cause: unknown) => E): Effect.Effect<Oidc.Configuration, E, R> =>
    Effect.gen(function* () {
      let pending = discovered.get(r.key)
      if (pending === undefined) {
        const oidc = yield* openidClient
        const secret = yield* r.secret
        pending = oidc.discovery(new URL(r.issuer), r.clientId, secret, undefined, {
          ...(r.insecure ? { execute: [oidc.allowInsecureRequests] } : {})
        })
        if (discovered.size >= 200) discovered.delete(discovered.keys().next().value!)
        discovered.set(r.key, pending)
        pending.catch(() => discovered.delete(r.key))
      }
      const p = pending
      return yield* Effect.tryPromise({ try: () => p, catch: onError })
    })
}

/** What the service's parts share: repository, crypto, clock, the provider's configuration. */
export const makeKit = Effect.gen(function* () {
  const repo = yield* OAuthRepo
  const envelope = yield* Envelope
  const audit = yield* Audit
  const events = yield* Events
  const sql = yield* SqlClient.SqlClient
  // `SIGNET_OAUTH_ALLOW_HTTP_ISSUERS=true`: plain http issuers on a loopback host (tests, development).
  const allowHttpLoopback = yield* Config.boolean("SIGNET_OAUTH_ALLOW_HTTP_ISSUERS").pipe(
    Config.withDefault(false),
    Effect.orElseSucceed(() => false)
  )
  const options = yield* Ref.make({ allowHttpLoopback })
  const client = openidClient
  const discover = makeDiscovery()

  const now = Effect.map(Clock.currentTimeMillis, (ms) => DateTime.unsafeMake(ms))
  const aad = (column: { aad: (row: Record<string, unknown>) => string }, row: Record<string, unknown>) =>
    Effect.map(CurrentTenant, (t) => column.aad({ tenant_id: t.id, ...row }))
  const decrypt = (ciphertext: string, label: string) =>
    Effect.map(envelope.decrypt(ciphertext, label).pipe(Effect.orDie), (b) => b.toString("utf8"))

  const credentialOf = (provider: string) =>
    Effect.flatMap(tenantTx(repo.findCredential(provider)), (found) =>
      Option.match(found, {
        onNone: () =>
          Effect.fail(new PlatformCredentialNotFound({ message: "no credential for this provider", provider })),
        onSome: Effect.succeed
      })
    )

  /** The provider's configuration (discovery through openid-client), cached per credential version. */
  const configuration = (row: CredentialRow) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const { allowHttpLoopback } = yield* Ref.get(options)
      return yield* discover(
        {
          key: `${tenant.id} ${row.provider} ${DateTime.formatIso(row.updated_at)}`,
          issuer: row.issuer,
          clientId: row.client_id,
          secret: Effect.flatMap(aad(platformCredentialSecretColumn, { provider: row.provider }), (label) =>
            decrypt(row.client_secret_enc, label)
          ),
          insecure: allowHttpLoopback && row.issuer.startsWith("http:")
        },
        (e) =>
          new OAuthProviderError({ message: "provider discovery failed", provider: row.provider, reason: reasonOf(e) })
      )
    })

  return { repo, envelope, audit, events, sql, options, client, now, aad, decrypt, credentialOf, configuration }
})

/** @see makeKit */
export type Kit = Effect.Effect.Success<typeof makeKit>
