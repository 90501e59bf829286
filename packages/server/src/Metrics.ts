/**
 * Prometheus metrics (`/metrics`, text exposition format 0.0.4) through
 * `prom-client`, one registry per server instance.
 *
 * - `signet_http_requests_total{method,route,status}`
 * - `signet_http_request_duration_seconds{method,route}` (histogram)
 * - `signet_db_pool_connections{state}` (Postgres: total, idle, waiting)
 * - `signet_outbox_pending`, `signet_outbox_lag_seconds`, `signet_outbox_dead`
 * - `signet_rate_limited_total{scope}` — requests refused by the API rate
 *   limits (`address`, `user`, `api_key`, `tenant`)
 * - `signet_broker_relay_pending`: events handed to the NATS relay and not yet
 *   acknowledged by the broker (issue 21 §2; 0 without `SIGNET_NATS_URL`)
 * - Node process metrics (`process_*`, `nodejs_*`)
 *
 * @module
 */
import { BrokerRelay, Db, Events } from "@signet/core"
import { Context, Effect, Layer } from "effect"
import * as Prom from "prom-client"

/** The metrics registry of one server. */
export class Metrics extends Context.Tag("Signet/Server/Metrics")<
  Metrics,
  {
    readonly observeRequest: (method: string, route: string, status: number, seconds: number) => void
    /** Counts one request refused by an API rate limit of `scope`. */
    readonly rateLimited: (scope: "address" | "user" | "api_key" | "tenant") => void
    /** Renders the exposition text, refreshing gauges first. */
    readonly render: Effect.Effect<{ readonly contentType: string; readonly body: string }>
  }
>() {}

/** Builds the registry; gauges are refreshed from the database on each scrape. */
export const MetricsLive: Layer.Layer<Metrics, never, Events | BrokerRelay | Db.Database> = Layer.effect(
  Metrics,
  Effect.gen(function* () {
    const events = yield* Events
    const relay = yield* BrokerRelay
    const database = yield* Db.Database
    const registry = new Prom.Registry()
    Prom.collectDefaultMetrics({ register: registry })
    const requests = new Prom.Counter({
      name: "signet_http_requests_total",
      help: "HTTP requests by method, route and status",
      labelNames: ["method", "route", "status"],
      registers: [registry]
    })
    const latency = new Prom.Histogram({
      name: "signet_http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry]
    })
    const pool = new Prom.Gauge({
      name: "signet_db_pool_connections",
      help: "Database pool connections by state (Postgres; SQLite reports one connection)",
      labelNames: ["state"],
      registers: [registry]
    })
    const pending = new Prom.Gauge({
      name: "signet_outbox_pending",
      help: "Events waiting for delivery",
      registers: [registry]
    })
    const lag = new Prom.Gauge({
      name: "signet_outbox_lag_seconds",
      help: "Age of the oldest undelivered event",
      registers: [registry]
    })
    const dead = new Prom.Gauge({ name: "signet_outbox_dead", help: "Dead-lettered events", registers: [registry] })
    const limited = new Prom.Counter({
      name: "signet_rate_limited_total",
      help: "Requests refused by the API rate limits, by scope",
      labelNames: ["scope"],
      registers: [registry]
    })
    const relayPending = new Prom.Gauge({
      name: "signet_broker_relay_pending",
      help: "Events waiting for the broker's acknowledgement (NATS relay)",
      registers: [registry]
    })
    return {
      observeRequest: (method, route, status, seconds) => {
        requests.inc({ method, route, status: String(status) })
        latency.observe({ method, route }, seconds)
      },
      rateLimited: (scope) => limited.inc({ scope }),
      render: Effect.gen(function* () {
        const stats = yield* events.stats
        pending.set(stats.pending)
        lag.set(stats.lagSeconds)
        dead.set(stats.dead)
        relayPending.set(yield* relay.pending)
        const p = yield* database.poolStats
        pool.set({ state: "total" }, p.total)
        pool.set({ state: "idle" }, p.idle)
        pool.set({ state: "waiting" }, p.waiting)
        const body = yield* Effect.promise(() => registry.metrics())
        return { contentType: registry.contentType, body }
      })
    }
  })
)
