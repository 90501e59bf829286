/**
 * `signet serve` — run the HTTP/RPC server until SIGTERM/SIGINT.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { baseUrl, jsonLines, serverConfig, serverLayer } from "@signet/server"
import { Console, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { configLayer } from "../Settings.js"

const host = Options.text("host").pipe(
  Options.withDescription("Interface to bind (SIGNET_HOST, default 127.0.0.1)"),
  Options.optional
)
const port = Options.integer("port").pipe(
  Options.withDescription("TCP port (SIGNET_PORT, default 8080; 0 = any free port)"),
  Options.optional
)
const databaseUrl = Options.text("database-url").pipe(
  Options.withDescription("DATABASE_URL: sqlite:<path> (default sqlite:./data/signet.db) or postgres://…"),
  Options.optional
)
const noMigrate = Options.boolean("no-migrate").pipe(
  Options.withDescription("Do not apply migrations at start (fail if any is pending)")
)

/** `signet serve`. */
export const serve = Command.make("serve", { host, port, databaseUrl, noMigrate }, (opts) =>
  Effect.gen(function* () {
    const started = performance.now()
    const config = yield* serverConfig
    const ready = Effect.gen(function* () {
      const url = yield* baseUrl
      yield* Console.log(
        JSON.stringify({
          time: new Date().toISOString(),
          level: "info",
          msg: "listening",
          url,
          docs: `${url}/docs`,
          database: config.databaseUrl.startsWith("postgres") ? "postgres" : config.databaseUrl,
          startup_ms: Math.round(performance.now() - started)
        })
      )
    })
    // Every log line is JSON in the request log's shape (request_id from the log annotations).
    // `Logger.jsonLogger`, used here before, only formats: every Effect log (job failures, the
    // cause of a 500) was dropped.
    const logger = config.logLevel === "none" ? Logger.replace(Logger.defaultLogger, Logger.none) : jsonLines
    const level = {
      debug: LogLevel.Debug,
      info: LogLevel.Info,
      warn: LogLevel.Warning,
      error: LogLevel.Error,
      none: LogLevel.None
    }[config.logLevel]
    return yield* Layer.launch(
      Layer.effectDiscard(ready).pipe(Layer.provideMerge(serverLayer(config)), Layer.provide(logger))
    ).pipe(
      Logger.withMinimumLogLevel(level),
      // No tracer is configured, so spans (the SQL client's, the repositories', the HTTP
      // server's: ~7 per authenticated read) reach nobody; disabled, they cost ~4 % less CPU
      // per request. An embedder with an OpenTelemetry tracer keeps them (`serverLayer`).
      Effect.withTracerEnabled(false)
    )
  }).pipe(
    Effect.provide(
      configLayer({
        SIGNET_HOST: Option.getOrUndefined(opts.host),
        SIGNET_PORT: Option.getOrUndefined(Option.map(opts.port, String)),
        DATABASE_URL: Option.getOrUndefined(opts.databaseUrl),
        SIGNET_MIGRATE: opts.noMigrate ? "false" : undefined
      })
    )
  )
).pipe(
  Command.withDescription(
    "Run the Signet server (REST /api/v1, /rpc, /docs, /openapi.json, /metrics, /health, /ready).\n" +
      "Examples:\n  signet serve\n  signet serve --port 9000 --database-url postgres://signet@db/signet"
  )
)
