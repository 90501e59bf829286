/**
 * The integrations module's SQL (issue 21 §1): the only writer of
 * `webhook_endpoints`, `webhook_deliveries` and `webhook_attempts` (and,
 * through triggers and the delivery job, of the platform table
 * `webhook_due`). Every method but `dueTenants` and `postponeDue` (which
 * work on the platform table across tenants) reads the tenant from
 * `CurrentTenant`; rows are decoded once into
 * the domain classes (plus the ciphertexts the service needs). Callers run
 * the methods inside `tenantTx` (row-level security on Postgres).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  WebhookAttempt,
  WebhookDelivery,
  type WebhookDeliveryId,
  WebhookEndpoint,
  type WebhookEndpointId
} from "@signet/contracts/integrations/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option, Schema, Struct } from "effect"
import { bool, DbBool, DbCount, DbJson, json, repoSpan } from "../kernel/Sql.js"

/** A `webhook_endpoints` row: the domain's endpoint plus its secret ciphertexts. */
export const EndpointRow = Schema.Struct({
  ...Struct.omit(WebhookEndpoint.fields, "enabled", "ordered", "event_types"),
  enabled: DbBool,
  ordered: DbBool,
  event_types: Schema.compose(DbJson, Schema.Array(Schema.String)),
  secret_enc: Schema.String,
  previous_secret_enc: Schema.NullOr(Schema.String),
  previous_secret_until: Schema.NullOr(Schema.DateTimeUtc)
})
/** @see EndpointRow */
export type EndpointRow = typeof EndpointRow.Type

/** A `webhook_deliveries` row: the domain's delivery plus its payload (the CloudEvent JSON). */
export const DeliveryRow = Schema.Struct({ ...WebhookDelivery.fields, payload: Schema.String })
/** @see DeliveryRow */
export type DeliveryRow = typeof DeliveryRow.Type

/** A new endpoint as stored. */
export interface NewEndpoint {
  readonly id: WebhookEndpointId
  readonly url: string
  readonly description: string | null
  readonly event_types: ReadonlyArray<string>
  readonly enabled: boolean
  readonly ordered: boolean
  readonly secret_enc: string
  readonly at: DateTime.Utc
}

/** Fields an update may change. */
export interface EndpointPatch {
  readonly url?: string | undefined
  readonly description?: string | null | undefined
  readonly event_types?: ReadonlyArray<string> | undefined
  readonly enabled?: boolean | undefined
  readonly ordered?: boolean | undefined
  readonly disabled_reason?: string | null | undefined
  readonly last_success_at?: DateTime.Utc | undefined
}

/** A new delivery as stored. */
export interface NewDelivery {
  readonly id: WebhookDeliveryId
  readonly endpoint_id: WebhookEndpointId
  readonly event_id: string
  readonly event_type: string
  readonly payload: string
  readonly at: DateTime.Utc
  /**
   * When the delivery job may take it: `at` by default; `null` for a
   * delivery the caller attempts itself at once (a ping), which the job
   * never takes.
   */
  readonly due?: DateTime.Utc | null
}

/** What one attempt records on its delivery and in the log. */
export interface AttemptRecord {
  readonly delivery_id: WebhookDeliveryId
  readonly attempt: number
  readonly at: DateTime.Utc
  readonly status_code: number | null
  readonly latency_ms: number
  readonly response_excerpt: string | null
  readonly error: string | null
  readonly status: "pending" | "succeeded" | "failed"
  readonly next_attempt_at: DateTime.Utc | null
}

const iso = (d: DateTime.Utc) => DateTime.formatIso(d)
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** The SQL of `webhook_deliveries` and `webhook_attempts` (part of {@link IntegrationsRepo}). */
const deliveryQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("IntegrationsRepo")
  const deliveries = Schema.decodeUnknown(Schema.Array(DeliveryRow))
  const attempts = Schema.decodeUnknown(Schema.Array(WebhookAttempt))
  return {
    /** Enqueues a delivery unless the endpoint already has one for the event; answers whether it did. */
    insertDelivery: (d: NewDelivery) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, payload,
          status, attempts, next_attempt_at, created_at)
          VALUES (${t}, ${d.id}, ${d.endpoint_id}, ${d.event_id}, ${d.event_type}, ${d.payload},
            'pending', 0, ${d.due === null ? null : iso(d.due ?? d.at)}, ${iso(d.at)})
          ON CONFLICT (tenant_id, endpoint_id, event_id) DO NOTHING RETURNING id`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("insertDelivery")
      ),
    /**
     * Pending deliveries of enabled endpoints due at `now`, oldest first, at
     * most `limit` (a disabled endpoint's wait until it is enabled again).
     */
    dueDeliveries: (now: DateTime.Utc, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT d.* FROM webhook_deliveries d JOIN webhook_endpoints e
            ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
          WHERE d.tenant_id = ${t} AND d.status = 'pending' AND d.next_attempt_at <= ${iso(now)}
            AND e.enabled = ${bool(true)}
            AND (e.ordered = ${bool(false)} OR NOT EXISTS (
              SELECT 1 FROM webhook_deliveries p WHERE p.tenant_id = d.tenant_id AND p.endpoint_id = d.endpoint_id
                AND p.status = 'pending' AND p.next_attempt_at IS NOT NULL
                AND (p.created_at < d.created_at OR (p.created_at = d.created_at AND p.id < d.id))))
          ORDER BY d.next_attempt_at, d.id LIMIT ${limit}`
      ).pipe(Effect.flatMap(deliveries), span("dueDeliveries")),
    /** An endpoint's deliveries, newest first, at most `limit`. */
    listDeliveries: (endpointId: string, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM webhook_deliveries WHERE tenant_id = ${t} AND endpoint_id = ${endpointId}
          ORDER BY created_at DESC, id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(deliveries), span("listDeliveries")),
    /** One delivery of the tenant. */
    findDelivery: (id: string) =>
      Effect.flatMap(tid, (t) => sql`SELECT * FROM webhook_deliveries WHERE tenant_id = ${t} AND id = ${id}`).pipe(
        Effect.flatMap(deliveries),
        Effect.map((r) => Option.fromNullable(r[0])),
        span("findDelivery")
      ),
    /** A delivery's attempts, oldest first. */
    listAttempts: (deliveryId: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT delivery_id, attempt, at, status_code, latency_ms, response_excerpt, error
          FROM webhook_attempts WHERE tenant_id = ${t} AND delivery_id = ${deliveryId} ORDER BY attempt`
      ).pipe(Effect.flatMap(attempts), span("listAttempts")),
    /** Logs an attempt and records its outcome on the delivery. */
    recordAttempt: (a: AttemptRecord) =>
      Effect.gen(function* () {
        const t = yield* tid
        yield* sql`INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt, at, status_code, latency_ms,
          response_excerpt, error) VALUES (${t}, ${a.delivery_id}, ${a.attempt}, ${iso(a.at)}, ${a.status_code},
          ${a.latency_ms}, ${a.response_excerpt}, ${a.error})`
        yield* sql`UPDATE webhook_deliveries SET status = ${a.status}, attempts = ${a.attempt},
          next_attempt_at = ${a.next_attempt_at === null ? null : iso(a.next_attempt_at)},
          last_status_code = ${a.status_code}, last_error = ${a.error},
          delivered_at = ${a.status === "succeeded" ? iso(a.at) : null}
          WHERE tenant_id = ${t} AND id = ${a.delivery_id}`
      }).pipe(span("recordAttempt")),
    /** Deletes finished (succeeded or failed) deliveries created before `before`, with their attempts; answers how many. */
    pruneDeliveries: (before: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`DELETE FROM webhook_deliveries WHERE tenant_id = ${t} AND status <> 'pending'
          AND created_at < ${iso(before)} RETURNING id`
      ).pipe(
        Effect.map((r) => r.length),
        span("pruneDeliveries")
      ),
    /**
     * Puts back in the queue, due at `at`, up to `limit` finished deliveries
     * of an endpoint created in `[since, until)` (`failed` ones, or
     * `succeeded` ones too), oldest first; answers how many.
     */
    requeueRange: (input: {
      readonly endpointId: string
      readonly since: DateTime.Utc
      readonly until: DateTime.Utc
      readonly statuses: ReadonlyArray<"failed" | "succeeded">
      readonly limit: number
      readonly at: DateTime.Utc
    }) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ${iso(input.at)}
          WHERE tenant_id = ${t} AND id IN (
            SELECT id FROM webhook_deliveries WHERE tenant_id = ${t} AND endpoint_id = ${input.endpointId}
              AND ${sql.in("status", input.statuses)} AND created_at >= ${iso(input.since)}
              AND created_at < ${iso(input.until)}
            ORDER BY created_at, id LIMIT ${input.limit}) RETURNING id`
      ).pipe(
        Effect.map((r) => r.length),
        span("requeueRange")
      ),
    /**
     * Claims the next attempt of a delivery: counts it (`attempts + 1`) and
     * moves `next_attempt_at` to `until`, if the delivery still has
     * `attempts` attempts — and, for the job (`dueBy` given), is still due
     * (`next_attempt_at <= dueBy`). Answers whether this caller won: the job,
     * a ping and a replay (on any replica) never make the same attempt twice.
     * A claim that outlives a crash expires at `until`, when the job takes
     * the delivery again (at least once; the lost attempt leaves a gap in
     * the log's numbers).
     */
    claimDelivery: (id: WebhookDeliveryId, attempts: number, until: DateTime.Utc, dueBy: DateTime.Utc | null) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ${iso(until)}
          WHERE tenant_id = ${t} AND id = ${id} AND attempts = ${attempts}
            ${dueBy === null ? sql`` : sql`AND next_attempt_at <= ${iso(dueBy)}`} RETURNING id`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("claimDelivery")
      ),
    /** Puts a delivery back in the queue, due at `at` (its attempt count and log stay). */
    requeueDelivery: (id: WebhookDeliveryId, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ${iso(at)}
          WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("requeueDelivery"))
  } as const
}

/** The SQL of `webhook_due`, the delivery job's list of tenants to visit (part of {@link IntegrationsRepo}). */
const dueQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("IntegrationsRepo")
  return {
    /**
     * Tenants whose `webhook_due` row is due at `now` (platform query, no
     * tenant context), earliest first, at most `limit`, with the row's
     * version for {@link settleDue}.
     */
    dueTenants: (now: DateTime.Utc, limit: number) =>
      sql<{ tenant_id: string; version: number | string }>`SELECT tenant_id, version FROM webhook_due
        WHERE due_at <= ${iso(now)} ORDER BY due_at LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map((r) => ({ tenantId: r.tenant_id, version: Number(r.version) }))),
        span("dueTenants")
      ),
    /** Moves tenant `tenantId`'s row to `until` if its version is still `version` (a suspended tenant, looked at again later). */
    postponeDue: (tenantId: string, version: number, until: DateTime.Utc) =>
      sql`UPDATE webhook_due SET due_at = ${iso(until)} WHERE tenant_id = ${tenantId} AND version = ${version}`.pipe(
        Effect.asVoid,
        span("postponeDue")
      ),
    /**
     * After the delivery job's round for the current tenant: sets its
     * `webhook_due` row to the earliest next attempt of its pending
     * deliveries to enabled endpoints, or deletes the row when there is
     * none — only if the row's `version` is still `version` (a delivery
     * inserted or rescheduled meanwhile bumped it: the row then stays as the
     * trigger left it). Answers whether the row was settled.
     */
    settleDue: (version: number) =>
      Effect.gen(function* () {
        const t = yield* tid
        const rows = yield* sql<{ due: unknown }>`SELECT MIN(d.next_attempt_at) AS due FROM webhook_deliveries d
          JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
          WHERE d.tenant_id = ${t} AND d.status = 'pending' AND d.next_attempt_at IS NOT NULL
            AND e.enabled = ${bool(true)}`
        const due = rows[0]?.due ?? null
        const done =
          due === null
            ? yield* sql`DELETE FROM webhook_due WHERE tenant_id = ${t} AND version = ${version} RETURNING tenant_id`
            : yield* sql`UPDATE webhook_due SET due_at = ${due instanceof Date ? due.toISOString() : String(due)}
                WHERE tenant_id = ${t} AND version = ${version} RETURNING tenant_id`
        return done.length > 0
      }).pipe(span("settleDue"))
  } as const
}

/** The integrations module's SQL; see the module comment. */
export class IntegrationsRepo extends Effect.Service<IntegrationsRepo>()("Signet/IntegrationsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const span = repoSpan("IntegrationsRepo")
    const endpoints = Schema.decodeUnknown(Schema.Array(EndpointRow))
    const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))

    return {
      /** The current tenant's id. */
      tenantId: tid,
      /** Stores a new endpoint. */
      insertEndpoint: (e: NewEndpoint) =>
        Effect.flatMap(
          tid,
          (t) => sql`INSERT INTO webhook_endpoints (tenant_id, id, url, description, event_types, enabled, ordered,
            secret_enc, secret_rotated_at, created_at, updated_at)
            VALUES (${t}, ${e.id}, ${e.url}, ${e.description}, ${json(e.event_types)}, ${bool(e.enabled)},
              ${bool(e.ordered)}, ${e.secret_enc}, ${iso(e.at)}, ${iso(e.at)}, ${iso(e.at)})`
        ).pipe(Effect.asVoid, span("insertEndpoint")),
      /** The tenant's endpoints, oldest first. */
      listEndpoints: Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM webhook_endpoints WHERE tenant_id = ${t} ORDER BY created_at, id`
      ).pipe(Effect.flatMap(endpoints), span("listEndpoints")),
      /** The tenant's enabled endpoints. */
      enabledEndpoints: Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM webhook_endpoints WHERE tenant_id = ${t} AND enabled = ${bool(true)}`
      ).pipe(Effect.flatMap(endpoints), span("enabledEndpoints")),
      /**
       * Whether the tenant has an enabled endpoint. On Postgres one statement that binds the
       * tenant itself (`signet_has_enabled_endpoints`): run it with `Db.tenantBoundReadOn`.
       */
      hasEnabledEndpoints: Effect.flatMap(tid, (t) =>
        sql.onDialectOrElse({
          pg: () => sql<{ readonly found: unknown }>`SELECT signet_has_enabled_endpoints(${t}) AS found`,
          orElse: () => sql<{ readonly found: unknown }>`SELECT EXISTS (SELECT 1 FROM webhook_endpoints
            WHERE tenant_id = ${t} AND enabled = ${bool(true)}) AS found`
        })
      ).pipe(
        Effect.map((rows) => Number(rows[0]?.found ?? 0) === 1),
        span("hasEnabledEndpoints")
      ),
      /** How many endpoints the tenant has. */
      countEndpoints: Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM webhook_endpoints WHERE tenant_id = ${t}`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => r[0]?.n ?? 0),
        span("countEndpoints")
      ),
      /** One endpoint of the tenant. */
      findEndpoint: (id: string) =>
        Effect.flatMap(tid, (t) => sql`SELECT * FROM webhook_endpoints WHERE tenant_id = ${t} AND id = ${id}`).pipe(
          Effect.flatMap(endpoints),
          Effect.map((r) => Option.fromNullable(r[0])),
          span("findEndpoint")
        ),
      /** Changes an endpoint's fields (those given). */
      updateEndpoint: (id: WebhookEndpointId, p: EndpointPatch, at: DateTime.Utc) =>
        Effect.flatMap(
          tid,
          (t) => sql`UPDATE webhook_endpoints SET
            ${p.url !== undefined ? sql`url = ${p.url},` : sql``}
            ${p.description !== undefined ? sql`description = ${p.description},` : sql``}
            ${p.event_types !== undefined ? sql`event_types = ${json(p.event_types)},` : sql``}
            ${p.enabled !== undefined ? sql`enabled = ${bool(p.enabled)},` : sql``}
            ${p.ordered !== undefined ? sql`ordered = ${bool(p.ordered)},` : sql``}
            ${p.disabled_reason !== undefined ? sql`disabled_reason = ${p.disabled_reason},` : sql``}
            ${p.last_success_at !== undefined ? sql`last_success_at = ${iso(p.last_success_at)},` : sql``}
            updated_at = ${iso(at)}
            WHERE tenant_id = ${t} AND id = ${id}`
        ).pipe(Effect.asVoid, span("updateEndpoint")),
      /** Replaces the secret; the old one stays valid until `previousUntil`. */
      rotateSecret: (id: WebhookEndpointId, secretEnc: string, previousUntil: DateTime.Utc, at: DateTime.Utc) =>
        Effect.flatMap(
          tid,
          (t) => sql`UPDATE webhook_endpoints SET previous_secret_enc = secret_enc,
            previous_secret_until = ${iso(previousUntil)}, secret_enc = ${secretEnc},
            secret_rotated_at = ${iso(at)}, updated_at = ${iso(at)}
            WHERE tenant_id = ${t} AND id = ${id}`
        ).pipe(Effect.asVoid, span("rotateSecret")),
      /** Deletes an endpoint (its deliveries and attempts cascade); answers whether there was one. */
      deleteEndpoint: (id: string) =>
        Effect.flatMap(
          tid,
          (t) => sql`DELETE FROM webhook_endpoints WHERE tenant_id = ${t} AND id = ${id} RETURNING id`
        ).pipe(
          Effect.map((r) => r.length > 0),
          span("deleteEndpoint")
        ),
      ...deliveryQueries(sql),
      ...dueQueries(sql)
    } as const
  })
}) {}
