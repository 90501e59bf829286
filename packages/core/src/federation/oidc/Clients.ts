/**
 * The client registry of the OpenID Connect provider (issue 19 §1): the
 * relying parties a tenant's admins register. Core enforces every rule here
 * (the facade `federation/Oidc.ts` adds the permissions):
 *
 * - redirect and post-logout URIs are absolute `https://` URLs, or `http://`
 *   on a loopback host (RFC 8252 §7.3), without a fragment or credentials;
 *   the provider compares them exactly;
 * - at most {@link MAX_OIDC_CLIENTS} per tenant, {@link MAX_REDIRECT_URIS}
 *   URIs each; a public client cannot use `client_credentials`;
 * - a confidential client's secret (32 random bytes, base64url) is generated
 *   here, answered once, and stored envelope-encrypted (ARCHITECTURE §3):
 *   `oidc-provider` must compare the presented secret, so a hash would not do.
 *
 * Registration and deletion are audited (`oidc.client.created|deleted`) and
 * published as events (`signet.oidc.client.created|deleted`) in the same
 * transaction.
 *
 * @module
 */

import * as NodeCrypto from "node:crypto"
import {
  type CreateOidcClient,
  MAX_OIDC_CLIENTS,
  OidcClient,
  OidcClientNotFound
} from "@signet/contracts/federation/OidcDomain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, Effect, Option } from "effect"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { Envelope } from "../../kernel/Crypto.js"
import { tenantTx } from "../../kernel/Database.js"
import { oidcClientSecretColumn } from "./Migrations.js"
import { type ClientRow, OidcRepo } from "./Repo.js"

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"])

/** Whether `uri` may be registered as a redirect URI (see the module comment). */
export const validRedirectUri = (uri: string): boolean => {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return false
  }
  if (url.hash !== "" || uri.includes("#") || url.username !== "" || url.password !== "") return false
  if (url.protocol === "https:") return true
  return url.protocol === "http:" && LOOPBACK.has(url.hostname)
}

/** The public form of a stored client. */
export const presentClient = (row: ClientRow): OidcClient =>
  new OidcClient({
    client_id: row.client_id,
    name: row.name,
    redirect_uris: row.redirect_uris,
    post_logout_redirect_uris: row.post_logout_redirect_uris,
    grant_types: row.grant_types as OidcClient["grant_types"],
    public: row.public,
    created_at: row.created_at
  })

const checkInput = (input: CreateOidcClient): Effect.Effect<void, ValidationError> =>
  Effect.gen(function* () {
    for (const [field, uris] of [
      ["redirect_uris", input.redirect_uris],
      ["post_logout_redirect_uris", input.post_logout_redirect_uris]
    ] as const) {
      for (const uri of uris)
        if (!validRedirectUri(uri))
          return yield* ValidationError.field(
            field,
            `"${uri}" must be https, or http on a loopback host, without fragment`
          )
      if (new Set(uris).size !== uris.length) return yield* ValidationError.field(field, "repeated URI")
    }
    const grants = new Set(input.grant_types)
    if (grants.size !== input.grant_types.length)
      return yield* ValidationError.field("grant_types", "repeated grant type")
    if (grants.has("authorization_code") && input.redirect_uris.length === 0)
      return yield* ValidationError.field("redirect_uris", "authorization_code needs at least one redirect URI")
    if (!grants.has("authorization_code") && grants.has("refresh_token"))
      return yield* ValidationError.field("grant_types", "refresh_token needs authorization_code")
    if (input.public && grants.has("client_credentials"))
      return yield* ValidationError.field("grant_types", "a public client cannot use client_credentials")
  })

/** The client registry service; see the module comment. */
export class OidcClients extends Effect.Service<OidcClients>()("Signet/OidcClients", {
  effect: Effect.gen(function* () {
    const repo = yield* OidcRepo
    const envelope = yield* Envelope
    const audit = yield* Audit
    const events = yield* Events

    /**
     * Registers a client.
     * @errors ValidationError (URIs, grant types), Conflict (MAX_OIDC_CLIENTS reached)
     */
    const create = (input: CreateOidcClient) =>
      Effect.gen(function* () {
        yield* checkInput(input)
        const tenant = yield* CurrentTenant
        const clientId = `oc_${NodeCrypto.randomBytes(16).toString("base64url")}`
        const secret = input.public ? null : NodeCrypto.randomBytes(32).toString("base64url")
        const secretEnc =
          secret === null
            ? null
            : yield* envelope.encrypt(secret, oidcClientSecretColumn.aad({ tenant_id: tenant.id, client_id: clientId }))
        const now = yield* Clock.currentTimeMillis
        const client = yield* tenantTx(
          Effect.gen(function* () {
            if ((yield* repo.countClients) >= MAX_OIDC_CLIENTS)
              return yield* new Conflict({
                message: `at most ${MAX_OIDC_CLIENTS} OIDC clients per tenant`,
                field: "name"
              })
            yield* repo.insertClient({
              client_id: clientId,
              name: input.name,
              redirect_uris: input.redirect_uris,
              post_logout_redirect_uris: input.post_logout_redirect_uris,
              grant_types: input.grant_types,
              public: input.public,
              secret_enc: secretEnc,
              created_at: now
            })
            const client = presentClient(Option.getOrThrow(yield* repo.findClient(clientId)))
            yield* audit.record({
              action: "oidc.client.created",
              targetType: "oidc_client",
              targetId: clientId,
              after: client
            })
            yield* events.publish({
              type: "signet.oidc.client.created",
              subject: clientId,
              data: { client_id: clientId, name: client.name }
            })
            return client
          })
        )
        return { client, client_secret: secret } as const
      }).pipe(Effect.withSpan("OidcClients.create"))

    /** The tenant's clients, oldest first. */
    const list = tenantTx(repo.listClients).pipe(Effect.map((rows) => rows.map(presentClient)))

    /** One client. @errors OidcClientNotFound (also for another tenant's client) */
    const get = (clientId: string) =>
      tenantTx(repo.findClient(clientId)).pipe(
        Effect.flatMap(
          Option.match({
            onNone: () => Effect.fail(new OidcClientNotFound({ message: "no such OIDC client", client_id: clientId })),
            onSome: (row) => Effect.succeed(presentClient(row))
          })
        )
      )

    /** Deletes a client, its grants and tokens. @errors OidcClientNotFound */
    const remove = (clientId: string) =>
      tenantTx(
        Effect.gen(function* () {
          if (!(yield* repo.deleteClient(clientId)))
            return yield* new OidcClientNotFound({ message: "no such OIDC client", client_id: clientId })
          yield* audit.record({ action: "oidc.client.deleted", targetType: "oidc_client", targetId: clientId })
          yield* events.publish({
            type: "signet.oidc.client.deleted",
            subject: clientId,
            data: { client_id: clientId }
          })
        })
      )

    /**
     * The client as `oidc-provider` metadata (secret decrypted), for the
     * provider's adapter only; none when unknown in the current tenant.
     */
    const metadata = (clientId: string) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const found = yield* tenantTx(repo.findClient(clientId))
        if (Option.isNone(found)) return Option.none<Record<string, unknown>>()
        const row = found.value
        const secret =
          row.secret_enc === null
            ? undefined
            : (yield* envelope
                .decrypt(row.secret_enc, oidcClientSecretColumn.aad({ tenant_id: tenant.id, client_id: row.client_id }))
                .pipe(Effect.orDie)).toString("utf8")
        const grantTypes = row.grant_types
        return Option.some<Record<string, unknown>>({
          client_id: row.client_id,
          client_name: row.name,
          ...(secret === undefined ? {} : { client_secret: secret }),
          redirect_uris: row.redirect_uris,
          post_logout_redirect_uris: row.post_logout_redirect_uris,
          grant_types: grantTypes,
          response_types: grantTypes.includes("authorization_code") ? ["code"] : [],
          token_endpoint_auth_method: row.public ? "none" : "client_secret_basic"
        })
      })

    return { create, list, get, remove, metadata } as const
  }),
  dependencies: [OidcRepo.Default]
}) {}
