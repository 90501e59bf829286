/**
 * Server configuration, read through Effect `Config` (environment by
 * default; the CLI layers flags and the config file on top).
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `SIGNET_HOST` | `127.0.0.1` | interface to bind |
 * | `SIGNET_PORT` | `8080` | TCP port (0 = ephemeral) |
 * | `DATABASE_URL` | `sqlite:./data/signet.db` | database |
 * | `SIGNET_MIGRATE` | `true` | apply migrations at start |
 * | `SIGNET_BOOTSTRAP_TOKEN` | — | operator bearer token for platform endpoints |
 * | `SIGNET_CORS_ORIGINS` | — | comma-separated allowed origins (`*` for any) |
 * | `SIGNET_MAX_BODY_BYTES` | `1048576` | request body limit |
 * | `SIGNET_MAX_UPLOAD_BYTES` | `67108864` | body limit of roster uploads |
 * | `SIGNET_TRUSTED_PROXIES` | — | comma-separated proxy IPs whose `X-Forwarded-For` is believed |
 * | `SIGNET_LOG_LEVEL` | `info` | `debug`, `info`, `warn`, `error`, `none` |
 * | `SIGNET_PG_APP_ROLE` | `signet_app` | Postgres role the pool assumes (RLS) |
 * | `SIGNET_SHUTDOWN_GRACE_MS` | `10000` | how long SIGTERM waits for in-flight requests |
 * | `SIGNET_IDLE_GC` | `true` | one full garbage collection when the server turns quiet after a burst (returns its memory) |
 * | `SIGNET_PUBLIC_URL` | `http://{host}:{port}` | the URL people reach the server at (QR sign links, cookies' `Secure`) |
 * | `SIGNET_WEB` | `true` | serve the web app at `/` |
 * | `SIGNET_SMTP_URL` | — (log transport, development only) | `smtp://user:pass@host:587` or `smtps://user:pass@host:465` |
 * | `SIGNET_MAIL_FROM` | `signet@localhost` | sender address of every mail |
 * | `SIGNET_RATE_API_USER` | `600/60` | API requests per user per window (`count/seconds` or `off`) |
 * | `SIGNET_RATE_API_KEY` | `1200/60` | API requests per API key per window |
 * | `SIGNET_RATE_API_TENANT` | `off` | API requests per tenant (all users and keys) per window |
 * | `SIGNET_RATE_API_ADDRESS` | `off` | API, RPC and web-session requests per client address per window |
 * | `SIGNET_NATS_URL` | — (no relay) | relay every event to NATS JetStream: `nats://[user:pass@]host:4222` |
 * | `SIGNET_NATS_PREFIX` | — | prefix of the relay's stream names and subjects (`[a-z0-9_-]{0,32}`) |
 * | `SIGNET_GRPC_PORT` | — (no gRPC) | serve the seeds' gRPC services (issue 21 §3) on this port of `SIGNET_HOST` (0 = ephemeral) |
 * | `SIGNET_GRPC_TLS_CERT` | — (plaintext) | PEM file of the gRPC listener's certificate chain (with `SIGNET_GRPC_TLS_KEY`) |
 * | `SIGNET_GRPC_TLS_KEY` | — | PEM file of its private key |
 * | `SIGNET_GRPC_TLS_CLIENT_CA` | — (no client certificates) | PEM file of the CA(s) that client certificates must chain to: mutual TLS |
 * | `SIGNET_CONNECT` | `true` | serve the same services over the Connect protocol on the main port (`POST /<package>.<Service>/<Method>`) |
 *
 * @module
 */

import * as Fs from "node:fs"
import { Db, DEFAULT_MAIL_FROM, type MailConfig, mailConfig, PREFIX_PATTERN } from "@signet/core"
import { Config, ConfigError, Either, Option, Redacted } from "effect"
import { type ApiRateLimits, apiRateLimitsConfig, NO_API_RATE_LIMITS } from "./ApiRateLimits.js"

/**
 * TLS of the gRPC listener (issue 21 §3, seed 004 "mTLS between services"):
 * PEM contents, read from the files named by `SIGNET_GRPC_TLS_CERT`,
 * `SIGNET_GRPC_TLS_KEY` and `SIGNET_GRPC_TLS_CLIENT_CA` at start.
 */
export interface GrpcTls {
  /** The certificate chain, PEM. */
  readonly cert: string
  /** The private key, PEM (never logged). */
  readonly key: Redacted.Redacted<string>
  /** When set, clients must present a certificate chaining to one of these CAs (mutual TLS). */
  readonly clientCa: Option.Option<string>
}

/**
 * A PEM file named by the variable `name`, read when the configuration is:
 * an unreadable file, or one without a PEM block, is a configuration error
 * naming the variable and the path (at start-up, not at the first call).
 */
const pemFile = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((path) => {
      let text: string
      try {
        text = Fs.readFileSync(path, "utf8")
      } catch (e) {
        return Either.left(
          ConfigError.InvalidData([name], `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`)
        )
      }
      return /-----BEGIN [A-Z0-9 ]+-----/.test(text)
        ? Either.right(text)
        : Either.left(ConfigError.InvalidData([name], `${path} is not a PEM file`))
    })
  )

/** `SIGNET_GRPC_TLS_*`: certificate and key together or neither; a client CA only with both. */
export const grpcTlsConfig: Config.Config<Option.Option<GrpcTls>> = Config.all({
  cert: Config.option(pemFile("SIGNET_GRPC_TLS_CERT")),
  key: Config.option(pemFile("SIGNET_GRPC_TLS_KEY")),
  clientCa: Config.option(pemFile("SIGNET_GRPC_TLS_CLIENT_CA"))
}).pipe(
  Config.mapOrFail(({ cert, clientCa, key }) => {
    if (Option.isSome(cert) && Option.isSome(key))
      return Either.right(Option.some({ cert: cert.value, key: Redacted.make(key.value), clientCa }))
    if (Option.isNone(cert) && Option.isNone(key) && Option.isNone(clientCa)) return Either.right(Option.none())
    return Either.left(
      ConfigError.InvalidData(
        [],
        "SIGNET_GRPC_TLS_CERT and SIGNET_GRPC_TLS_KEY must be set together (and SIGNET_GRPC_TLS_CLIENT_CA needs both)"
      )
    )
  })
)

/** Resolved server settings. */
export interface ServerConfig {
  readonly host: string
  readonly port: number
  /**
   * The port of the gRPC listener (`SIGNET_GRPC_PORT`; seed 000 uses 50051),
   * on `host`; none = no gRPC. 0 picks a free port (tests).
   */
  readonly grpcPort: Option.Option<number>
  /** TLS of the gRPC listener (`SIGNET_GRPC_TLS_*`); none = plaintext HTTP/2. */
  readonly grpcTls: Option.Option<GrpcTls>
  /**
   * Whether the seeds' services are also served over the Connect protocol on
   * the main port (`SIGNET_CONNECT`, default true: it adds no port; issue 21 §3).
   */
  readonly connect: boolean
  readonly databaseUrl: string
  readonly migrate: boolean
  readonly bootstrapToken: Option.Option<Redacted.Redacted<string>>
  readonly corsOrigins: ReadonlyArray<string>
  readonly maxBodyBytes: number
  /** Body limit of file uploads (roster zips, activity attachments), bytes. */
  readonly maxUploadBytes: number
  /**
   * Directory of attachment files (`SIGNET_ATTACHMENTS_DIR`, issue 22
   * "Attachments"); none = core's default (`attachments` beside the SQLite
   * file, else `./data/attachments`).
   */
  readonly attachmentsDir: Option.Option<string>
  readonly trustedProxies: ReadonlyArray<string>
  readonly logLevel: "debug" | "info" | "warn" | "error" | "none"
  readonly pgAppRole: string
  readonly shutdownGraceMs: number
  /**
   * One full garbage collection when the server turns quiet after serving
   * requests (`SIGNET_IDLE_GC`, default true; `IdleGc.ts`): the memory a
   * burst left behind goes back to the system. Off in {@link makeServerConfig}
   * (an embedder's process is its own).
   */
  readonly idleGc: boolean
  /** Live-roll event streams one tenant may hold open on this process (`SIGNET_LIVE_ROLL_MAX_STREAMS`, default 200; issue 17). */
  readonly liveRollMaxStreams: number
  /**
   * Period of the attendance close job (CloseExpiredCourses), milliseconds
   * (`SIGNET_CLOSE_JOB_INTERVAL_MS`, default 60000; 0 turns the job off on
   * this replica). One replica at a time runs it (a lease row in the database).
   */
  readonly closeJobIntervalMs: number
  /**
   * How often the API requests counted in memory are published as usage
   * (issue 20; one outbox event per tenant and minute, core's
   * `billing/ApiUsage.ts`), milliseconds (`SIGNET_BILLING_API_USAGE_FLUSH_SECONDS`,
   * 1–3600 s, default 60). A crash loses at most this much API usage; a
   * shutdown flushes first.
   */
  readonly apiUsageFlushMs: number
  /**
   * The URL people reach this server at (`SIGNET_PUBLIC_URL`, e.g.
   * `https://attendance.school.example`; default `http://{host}:{port}`):
   * the origin of the QR codes' sign links and of the web app; an `https`
   * URL makes the browser session's cookies `Secure`.
   */
  readonly publicUrl: Option.Option<string>
  /** Serve the web app at `/` (`SIGNET_WEB`, default true). */
  readonly web: boolean
  /**
   * Mail delivery (`SIGNET_SMTP_URL`, `SIGNET_MAIL_FROM`; issue 18): SMTP
   * when a URL is set, else the development-only log transport, which
   * prints messages (reset links included) to the log.
   */
  readonly mail: MailConfig
  /** API rate limits per address, user, API key and tenant (`SIGNET_RATE_API_*`; issue 21 §5). */
  readonly apiRateLimits: ApiRateLimits
  /**
   * The broker relay (issue 21 §2): `SIGNET_NATS_URL`
   * (`nats://[user:pass@|token@]host:4222`, comma-separated for a cluster;
   * a secret, never logged) turns on the relay of every event to NATS
   * JetStream; `SIGNET_NATS_PREFIX` prefixes its stream names and subjects.
   */
  readonly nats: Option.Option<{ readonly url: Redacted.Redacted<string>; readonly prefix: string }>
}

const list = (name: string) =>
  Config.string(name).pipe(
    Config.withDefault(""),
    Config.map((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x.length > 0)
    )
  )

/** The server configuration from the current `ConfigProvider`. */
export const serverConfig: Config.Config<ServerConfig> = Config.all({
  host: Config.string("SIGNET_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.integer("SIGNET_PORT").pipe(
    Config.validate({ message: "must be a TCP port between 0 and 65535", validation: (n) => n >= 0 && n <= 65535 }),
    Config.withDefault(8080)
  ),
  grpcPort: Config.option(
    Config.integer("SIGNET_GRPC_PORT").pipe(
      Config.validate({ message: "must be a TCP port between 0 and 65535", validation: (n) => n >= 0 && n <= 65535 })
    )
  ),
  grpcTls: grpcTlsConfig,
  connect: Config.boolean("SIGNET_CONNECT").pipe(Config.withDefault(true)),
  databaseUrl: Db.databaseUrlConfig,
  migrate: Config.boolean("SIGNET_MIGRATE").pipe(Config.withDefault(true)),
  bootstrapToken: Config.option(Config.redacted("SIGNET_BOOTSTRAP_TOKEN")),
  corsOrigins: list("SIGNET_CORS_ORIGINS"),
  maxBodyBytes: Config.integer("SIGNET_MAX_BODY_BYTES").pipe(Config.withDefault(1024 * 1024)),
  maxUploadBytes: Config.integer("SIGNET_MAX_UPLOAD_BYTES").pipe(Config.withDefault(64 * 1024 * 1024)),
  attachmentsDir: Config.option(Config.string("SIGNET_ATTACHMENTS_DIR")),
  trustedProxies: list("SIGNET_TRUSTED_PROXIES"),
  logLevel: Config.literal(
    "debug",
    "info",
    "warn",
    "error",
    "none"
  )("SIGNET_LOG_LEVEL").pipe(Config.withDefault("info")),
  pgAppRole: Db.pgAppRoleConfig,
  shutdownGraceMs: Config.integer("SIGNET_SHUTDOWN_GRACE_MS").pipe(Config.withDefault(10_000)),
  idleGc: Config.boolean("SIGNET_IDLE_GC").pipe(Config.withDefault(true)),
  liveRollMaxStreams: Config.integer("SIGNET_LIVE_ROLL_MAX_STREAMS").pipe(Config.withDefault(200)),
  closeJobIntervalMs: Config.integer("SIGNET_CLOSE_JOB_INTERVAL_MS").pipe(
    Config.validate({ message: "must be 0 (off) or at least 1000", validation: (n) => n === 0 || n >= 1000 }),
    Config.withDefault(60_000)
  ),
  apiUsageFlushMs: Config.integer("SIGNET_BILLING_API_USAGE_FLUSH_SECONDS").pipe(
    Config.validate({ message: "between 1 and 3600", validation: (n) => n >= 1 && n <= 3600 }),
    Config.withDefault(60),
    Config.map((s) => s * 1000)
  ),
  publicUrl: Config.option(
    Config.string("SIGNET_PUBLIC_URL").pipe(
      Config.validate({
        message: "must be an http(s) URL without a path, query or fragment (https://attendance.school.example)",
        validation: (s) => {
          try {
            const u = new URL(s)
            return /^https?:$/.test(u.protocol) && (u.pathname === "/" || u.pathname === "") && !u.search && !u.hash
          } catch {
            return false
          }
        }
      }),
      Config.map((s) => s.replace(/\/+$/, ""))
    )
  ),
  web: Config.boolean("SIGNET_WEB").pipe(Config.withDefault(true)),
  mail: mailConfig,
  apiRateLimits: apiRateLimitsConfig,
  nats: Config.option(
    Config.all({
      url: Config.redacted("SIGNET_NATS_URL"),
      prefix: Config.string("SIGNET_NATS_PREFIX").pipe(
        Config.validate({
          message: "must be at most 32 of a-z, 0-9, _ and -",
          validation: (s) => PREFIX_PATTERN.test(s)
        }),
        Config.withDefault("")
      )
    })
  )
}) as Config.Config<ServerConfig>

/** Builds a config value directly (tests, embedding). */
export const makeServerConfig = (
  overrides: Partial<ServerConfig> & { readonly databaseUrl: string }
): ServerConfig => ({
  host: "127.0.0.1",
  port: 0,
  grpcPort: Option.none(),
  grpcTls: Option.none(),
  connect: true,
  migrate: true,
  bootstrapToken: Option.none(),
  corsOrigins: [],
  maxBodyBytes: 1024 * 1024,
  maxUploadBytes: 64 * 1024 * 1024,
  attachmentsDir: Option.none(),
  trustedProxies: [],
  logLevel: "none",
  pgAppRole: Db.DEFAULT_PG_APP_ROLE,
  shutdownGraceMs: 10_000,
  idleGc: false,
  liveRollMaxStreams: 200,
  closeJobIntervalMs: 0,
  apiUsageFlushMs: 60_000,
  publicUrl: Option.none(),
  web: true,
  mail: { smtpUrl: Option.none(), from: DEFAULT_MAIL_FROM },
  apiRateLimits: NO_API_RATE_LIMITS,
  nats: Option.none(),
  ...overrides
})

/**
 * The origin of the links in mails (reset links): `SIGNET_PUBLIC_URL`, else
 * `http://{host}:{port}`. Never the request's `Host` header — a forged one
 * would send a victim a link to the attacker's site carrying their token.
 */
export const mailOrigin = (config: ServerConfig): string =>
  Option.getOrElse(config.publicUrl, () => `http://${config.host}:${config.port}`)

/** Reads a bootstrap token value (for messages), never logged. */
export const tokenValue = (t: Redacted.Redacted<string>): string => Redacted.value(t)
