/**
 * The webhooks service (issue 21 §1; ARCHITECTURE §5 "Events"): a tenant's
 * endpoints (`Endpoints.ts`), the outbox subscriber that enqueues their
 * deliveries and the delivery job (`Delivery.ts`), signed requests with the
 * SSRF defence (`Send.ts`, `Target.ts`). Operations take the tenant (and,
 * for audit rows, the actor) from context; permissions are on the facade
 * (`Admin.ts`).
 *
 * The subscriber (`webhooks`, every type) is registered when the service
 * is built; the outbox dispatcher (`Core.jobs`) calls it. The operator's
 * allowance of private targets comes from
 * `SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS=true` (default false) or
 * {@link Webhooks} `.configure`.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Config, Effect, Ref } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantBoundReadOn, tenantTx } from "../kernel/Database.js"
import { Quotas } from "../kernel/Quotas.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import { makeDeliveryLog } from "./Deliveries.js"
import { makeDelivery } from "./Delivery.js"
import { makeEndpoints } from "./Endpoints.js"
import { defaultWebhookOptions, type WebhookOptions } from "./Options.js"
import { IntegrationsRepo } from "./Repo.js"

export { defaultWebhookOptions, retryDelayMs, type WebhookOptions } from "./Options.js"

/** Outgoing webhooks; see the module comment. */
export class Webhooks extends Effect.Service<Webhooks>()("Signet/Webhooks", {
  effect: Effect.gen(function* () {
    const repo = yield* IntegrationsRepo
    const envelope = yield* Envelope
    const audit = yield* Audit
    const events = yield* Events
    const allowPrivateTargets = yield* Config.boolean("SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS").pipe(
      Config.withDefault(false),
      Effect.orElseSucceed(() => false)
    )
    const options = yield* Ref.make<WebhookOptions>({ ...defaultWebhookOptions, allowPrivateTargets })
    const sql = yield* SqlClient.SqlClient
    const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      tenantTx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql)) as Effect.Effect<
        A,
        Exclude<E, SqlError>,
        Exclude<R, SqlClient.SqlClient> | CurrentTenant
      >
    const inBoundRead = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantBoundReadOn(sql, self)
    const quotas = yield* Quotas
    const deps = { repo, envelope, audit, events, options, inTx, inBoundRead, quotas }
    const endpoints = makeEndpoints(deps)
    const delivery = makeDelivery(deps, endpoints.findRow)
    const log = makeDeliveryLog(deps, endpoints.findRow, delivery)
    yield* events.subscribe({
      name: "webhooks",
      types: ["*"],
      handle: delivery.enqueue,
      handleBatch: delivery.enqueueBatch
    })

    /** Overrides webhook tuning (operator configuration, tests); never reachable by a tenant. */
    const configure = (patch: Partial<WebhookOptions>): Effect.Effect<void> =>
      Ref.update(options, (o) => ({ ...o, ...patch }))

    /** The delivery job over every active tenant (see `Delivery.ts`); fork it in a scope. */
    const run = (tenancy: Tenancy) => log.job(tenancy, sql)

    const { findRow: _findRow, ...endpointOps } = endpoints
    const { job: _job, ...logOps } = log
    return {
      ...endpointOps,
      ...logOps,
      deliverDue: delivery.deliverDue,
      prune: delivery.prune,
      configure,
      run
    } as const
  }),
  dependencies: [IntegrationsRepo.Default]
}) {}
