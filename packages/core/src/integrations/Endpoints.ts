/**
 * Webhook endpoints of a tenant (issue 21 §1): create, list, get, update,
 * delete, rotate the secret. Internal to `Webhooks.ts`.
 *
 * - The URL is checked by `Target.checkEndpointUrl` (https; no literal
 *   non-public address unless the operator allows private targets) and its
 *   host resolved (`Target.checkResolvedHost`: refused when unresolvable or
 *   when any address is non-public); the
 *   filter by the contract's grammar; at most `MAX_WEBHOOK_ENDPOINTS` per
 *   tenant.
 * - The secret is generated here (`whsec_` + base64 of 32 random bytes, the
 *   Standard Webhooks format), stored envelope-encrypted (AAD bound to
 *   tenant and endpoint) and answered once. Rotation keeps the previous
 *   secret for `secretOverlapMs`: deliveries meanwhile carry a signature by
 *   each, so a receiver can switch secrets without losing a delivery.
 * - Every change writes an audit row and publishes an event
 *   (`signet.integrations.endpoint.*`; the data never holds the secret).
 *
 * @module
 */

import * as Crypto from "node:crypto"
import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import {
  type CreateWebhookEndpoint,
  MAX_WEBHOOK_ENDPOINTS,
  type UpdateWebhookEndpoint,
  WebhookEndpoint,
  WebhookEndpointId,
  WebhookEndpointNotFound,
  WebhookEndpointWithSecret
} from "@signet/contracts/integrations/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Ref, Schema, Struct } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import type { Envelope } from "../kernel/Crypto.js"
import type { QuotasApi } from "../kernel/Quotas.js"
import { secretAad } from "./Migrations.js"
import type { WebhookOptions } from "./Options.js"
import type { EndpointRow, IntegrationsRepo } from "./Repo.js"
import { checkEndpointUrl, checkResolvedHost } from "./Target.js"

/** What the endpoint operations are built from. */
export interface EndpointDeps {
  readonly repo: IntegrationsRepo
  readonly envelope: Envelope["Type"]
  readonly audit: Audit
  readonly events: Events
  readonly options: Ref.Ref<WebhookOptions>
  /** The plan's entitlements (issue 20): feature `webhooks` set to false refuses new endpoints. */
  readonly quotas: QuotasApi
  /** Runs an effect in a transaction of the current tenant on the service's database. */
  readonly inTx: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, Exclude<E, SqlError>, Exclude<R, SqlClient.SqlClient> | CurrentTenant>
  /**
   * Runs one statement that binds the current tenant itself on Postgres
   * (`Db.tenantBoundReadOn`: no transaction, one round trip) on the service's database.
   */
  readonly inBoundRead: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, Exclude<E, SqlError>, R | CurrentTenant>
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
export const generateSecret = (): string => `whsec_${Crypto.randomBytes(32).toString("base64")}`

/** A stored row as the public shape (no ciphertext). */
export const presentEndpoint = (row: EndpointRow): WebhookEndpoint =>
  new WebhookEndpoint(Struct.omit(row, "secret_enc", "previous_secret_enc", "previous_secret_until"))

const notFound = (id: string) => new WebhookEndpointNotFound({ message: `no webhook endpoint ${id}`, id })

/** The endpoint operations over `deps`; see the module comment. */
export const makeEndpoints = ({ audit, envelope, events, inTx, options, quotas, repo }: EndpointDeps) => {
  const validUrl = (raw: string) =>
    Effect.gen(function* () {
      const o = yield* Ref.get(options)
      const url = checkEndpointUrl(raw, o)
      if (typeof url === "string") return yield* ValidationError.field("url", url)
      const refused = yield* Effect.promise(() => checkResolvedHost(url, o))
      if (refused !== null) return yield* ValidationError.field("url", refused)
      return url.href
    })

  /** An endpoint row of the current tenant (inside a transaction). @errors WebhookEndpointNotFound */
  const findRow = (id: string) =>
    Effect.flatMap(Schema.is(WebhookEndpointId)(id) ? repo.findEndpoint(id) : Effect.succeed(Option.none()), (row) =>
      Option.match(row, { onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed })
    )

  const changed = (action: string, endpoint: WebhookEndpoint, before?: WebhookEndpoint) =>
    Effect.zipRight(
      audit.record({
        action: `integrations.endpoint.${action}`,
        targetType: "webhook_endpoint",
        targetId: endpoint.id,
        ...(before ? { before } : {}),
        after: endpoint
      }),
      events.publish({ type: `signet.integrations.endpoint.${action}`, subject: endpoint.id, data: endpoint })
    )

  /**
   * Creates an endpoint; answers it with its secret (the only time the secret is shown).
   * Refused when the tenant's plan switches the `webhooks` feature off.
   * @errors ValidationError (url, MAX_WEBHOOK_ENDPOINTS), FeatureNotEntitled (402)
   */
  const create = (input: CreateWebhookEndpoint) =>
    inTx(
      Effect.gen(function* () {
        yield* quotas.feature("webhooks")
        const url = yield* validUrl(input.url)
        if ((yield* repo.countEndpoints) >= MAX_WEBHOOK_ENDPOINTS)
          return yield* ValidationError.field("url", `a tenant has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`)
        const id = yield* newId(WebhookEndpointId)
        const tenant = (yield* repo.tenantId) as string
        const secret = generateSecret()
        yield* repo.insertEndpoint({
          id,
          url,
          description: input.description ?? null,
          event_types: input.event_types ?? ["*"],
          enabled: input.enabled ?? true,
          ordered: input.ordered ?? false,
          secret_enc: yield* envelope.encrypt(secret, secretAad(tenant, id)),
          at: yield* DateTime.now
        })
        const endpoint = presentEndpoint(yield* findRow(id))
        yield* changed("created", endpoint)
        return new WebhookEndpointWithSecret({ endpoint, secret })
      })
    ).pipe(Effect.withSpan("Webhooks.create"))

  /** The tenant's endpoints, oldest first (at most `MAX_WEBHOOK_ENDPOINTS`). */
  const list = inTx(repo.listEndpoints).pipe(Effect.map((rows) => rows.map(presentEndpoint)))

  /** One endpoint. @errors WebhookEndpointNotFound */
  const get = (id: string) => inTx(Effect.map(findRow(id), presentEndpoint))

  /**
   * Changes an endpoint. Enabling clears the reason of an automatic disabling.
   * @errors WebhookEndpointNotFound, ValidationError (url)
   */
  const update = (id: string, patch: UpdateWebhookEndpoint) =>
    inTx(
      Effect.gen(function* () {
        const before = presentEndpoint(yield* findRow(id))
        const url = patch.url === undefined ? undefined : yield* validUrl(patch.url)
        yield* repo.updateEndpoint(
          before.id,
          {
            url,
            description: patch.description,
            event_types: patch.event_types,
            enabled: patch.enabled,
            ordered: patch.ordered,
            ...(patch.enabled === true ? { disabled_reason: null } : {})
          },
          yield* DateTime.now
        )
        const after = presentEndpoint(yield* findRow(id))
        yield* changed("updated", after, before)
        return after
      })
    ).pipe(Effect.withSpan("Webhooks.update"))

  /** Deletes an endpoint with its deliveries and their log. @errors WebhookEndpointNotFound */
  const remove = (id: string) =>
    inTx(
      Effect.gen(function* () {
        const before = presentEndpoint(yield* findRow(id))
        yield* repo.deleteEndpoint(before.id)
        yield* changed("deleted", before)
      })
    ).pipe(Effect.withSpan("Webhooks.remove"))

  /**
   * Replaces the secret; answers the new one (shown once). The previous
   * secret still signs deliveries for `secretOverlapMs` (default 24 h).
   * @errors WebhookEndpointNotFound
   */
  const rotateSecret = (id: string) =>
    inTx(
      Effect.gen(function* () {
        const row = yield* findRow(id)
        const secret = generateSecret()
        const now = yield* DateTime.now
        const overlap = (yield* Ref.get(options)).secretOverlapMs
        const tenant = (yield* repo.tenantId) as string
        yield* repo.rotateSecret(
          row.id,
          yield* envelope.encrypt(secret, secretAad(tenant, row.id)),
          DateTime.addDuration(now, `${overlap} millis`),
          now
        )
        const endpoint = presentEndpoint(yield* findRow(id))
        yield* changed("secret_rotated", endpoint)
        return new WebhookEndpointWithSecret({ endpoint, secret })
      })
    ).pipe(Effect.withSpan("Webhooks.rotateSecret"))

  return { create, list, get, update, remove, rotateSecret, findRow } as const
}
