/**
 * The composition root: HTTP API, RPC, docs, metrics and background jobs on
 * one port, over the core layer. Holds no domain logic.
 *
 * Routes: the REST API (`/api/v1/…`, `/health`, `/ready`), `/openapi.json`
 * (OpenAPI 3.1), `/docs` (Scalar, served from the package — no CDN),
 * `/metrics` (Prometheus), `/rpc` (Effect RPC over HTTP, JSON), and the seeds'
 * gRPC contracts over the Connect protocol (`/<package>.<Service>/<Method>`).
 *
 * @module
 */

import { createServer, type Server } from "node:http"
import {
  HttpApiScalar,
  HttpLayerRouter,
  HttpServer,
  HttpServerRequest,
  HttpServerResponse,
  OpenApi
} from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { RpcSerialization, RpcServer } from "@effect/rpc"
import { AttachmentStore, Core, type Crypto, mailerLayer, SignetApi, SignetRpcs } from "@signet/core"
import { Effect, Layer, Option, Scope } from "effect"
import { type Activity, ServerActivity } from "./Activity.js"
import {
  clientInfo,
  OperatorAuthLive,
  RpcOperatorAuthLive,
  RpcTenantAuthLive,
  resolveCaller,
  UserAuthLive
} from "./Auth.js"
import { mailOrigin, type ServerConfig } from "./Config.js"
import { connectRoutes } from "./grpc/Connect.js"
import { grpcLayer } from "./grpc/Server.js"
import { AcademicsHttp, CalendarHttp, TimetableSyncHttp } from "./http/Academics.js"
import { AccessHttp } from "./http/Access.js"
import { AccountsHttp, AccountsSelfHttp, InvitationsHttp } from "./http/Accounts.js"
import { ActivitiesHttp } from "./http/Activities.js"
import { AttendanceHttp } from "./http/Attendance.js"
import { AuditHttp } from "./http/Audit.js"
import { BeaconAuthLive, BeaconDeviceHttp, BeaconsHttp } from "./http/Beacon.js"
import { BillingHttp, BillingPlatformHttp, BillingWebhooksHttp } from "./http/Billing.js"
import { CarbonHttp } from "./http/Carbon.js"
import { ChannelsHttp } from "./http/Channels.js"
import { EventsHttp } from "./http/Events.js"
import { ApiKeysHttp, AuthHttp, IntrospectionHttp, PlatformHttp, SessionHttp, UsersHttp } from "./http/Identity.js"
import { OAuthCallbackHttp, OAuthProvidersHttp, OAuthSelfHttp } from "./http/OAuthBindings.js"
import { OidcClientsHttp } from "./http/OidcClients.js"
import { PasskeyAuthHttp, PasskeysHttp } from "./http/Passkeys.js"
import { PhonesAdminHttp, PhonesSelfHttp, SmsAuthHttp } from "./http/Phones.js"
import { ScimTokensHttp } from "./http/Scim.js"
import { SsoConnectionsHttp, SsoDiscoveryHttp, SsoSignInHttp } from "./http/Sso.js"
import { SystemHttp } from "./http/System.js"
import { TenantsHttp } from "./http/Tenancy.js"
import { WebHttp } from "./http/Web.js"
import { WebhooksHttp } from "./http/Webhooks.js"
import { idleGcLayer } from "./IdleGc.js"
import { liveRollRoute } from "./LiveRoll.js"
import { Metrics, MetricsLive } from "./Metrics.js"
import { globalMiddleware } from "./Middleware.js"
import { oidcRoutes } from "./OidcProvider.js"
import { RpcHandlers } from "./rpc/Handlers.js"
import { scimRoutes } from "./ScimRoutes.js"
import { loadWebFiles, webRoutes } from "./WebApp.js"

/** REST routes + OpenAPI document. */
const apiRoutes = (config: ServerConfig) =>
  HttpLayerRouter.addHttpApi(SignetApi).pipe(
    Layer.provide([
      TenantsHttp,
      AuditHttp,
      EventsHttp,
      SystemHttp(config.pgAppRole),
      AuthHttp(config),
      AccountsHttp(config),
      AccountsSelfHttp,
      InvitationsHttp,
      SmsAuthHttp(config),
      PhonesSelfHttp,
      PhonesAdminHttp,
      WebHttp(config),
      SessionHttp,
      UsersHttp,
      ApiKeysHttp,
      IntrospectionHttp,
      PasskeyAuthHttp(config),
      PasskeysHttp,
      AccessHttp,
      PlatformHttp(config),
      AcademicsHttp,
      CalendarHttp,
      TimetableSyncHttp,
      AttendanceHttp,
      BeaconDeviceHttp,
      BeaconsHttp,
      WebhooksHttp,
      OAuthProvidersHttp,
      OAuthSelfHttp(config),
      OAuthCallbackHttp,
      SsoConnectionsHttp,
      SsoDiscoveryHttp,
      SsoSignInHttp(config),
      OidcClientsHttp,
      BillingPlatformHttp,
      BillingHttp,
      BillingWebhooksHttp,
      ActivitiesHttp,
      CarbonHttp,
      ChannelsHttp,
      ScimTokensHttp
    ]),
    Layer.provide([OperatorAuthLive(config), UserAuthLive(config), BeaconAuthLive])
  )

/**
 * `/openapi.json`: the OpenAPI 3.1 document of {@link SignetApi}, derived on
 * the first request and kept (deriving it at start cost about 20 ms of the
 * start-up; docs/binary.md).
 */
const openApiRoute = Layer.unwrapEffect(
  Effect.map(Effect.cached(Effect.sync(() => HttpServerResponse.unsafeJson(OpenApi.fromApi(SignetApi)))), (spec) =>
    HttpLayerRouter.add("GET", "/openapi.json", spec)
  )
)

/**
 * `/docs`: the Scalar API reference (its script served inline from the
 * package, no CDN) over the OpenAPI document. The page (about 3.5 MB of HTML
 * with the document embedded) is built on the first request — in its own
 * router, scoped to the server — and kept; building it at start cost some
 * 60 ms of start-up and some 12 MB of memory for a page most installations never
 * open (docs/binary.md).
 */
const docsRoute = Layer.unwrapScoped(
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const page = yield* Effect.cached(
      HttpLayerRouter.toHttpEffect(
        HttpApiScalar.layerHttpLayerRouter({
          api: SignetApi,
          path: "/docs",
          // Offline (issue 15 §2): no web fonts from a font host; the page's CSP blocks any other fetch.
          scalar: { withDefaultFonts: false }
        })
      ).pipe(
        Scope.extend(scope),
        // A memo map of its own: the server's would hand back the server's router.
        Effect.provideServiceEffect(Layer.CurrentMemoMap, Layer.makeMemoMap)
      )
    )
    return HttpLayerRouter.add(
      "GET",
      "/docs",
      Effect.flatMap(page, (app) => Effect.catchTag(app, "RouteNotFound", Effect.die))
    )
  })
)

const metricsRoute = HttpLayerRouter.add(
  "GET",
  "/metrics",
  Effect.flatMap(Metrics, (m) => m.render).pipe(
    Effect.map(({ body, contentType }) => HttpServerResponse.text(body, { contentType }))
  )
)

const rpcRoute = (config: ServerConfig) =>
  RpcServer.layerHttpRouter({ group: SignetRpcs, path: "/rpc", protocol: "http" }).pipe(
    Layer.provide(RpcHandlers(config)),
    Layer.provide([RpcOperatorAuthLive(config), RpcTenantAuthLive(config)]),
    Layer.provide(RpcSerialization.layerNdjson)
  )

/** Background jobs for the server's lifetime (core's `Core.jobs`: outbox dispatcher, close job, NATS relay when configured). */
const jobs = (config: ServerConfig) =>
  Core.jobs({
    closeIntervalMs: config.closeJobIntervalMs,
    apiUsageFlushIntervalMs: config.apiUsageFlushMs,
    nats: Option.getOrUndefined(config.nats)
  })

/**
 * Before an upload's body is read: the caller must resolve (a token of the
 * tenant in the path, an API key of it, or the operator) — the same
 * resolution as the route's own, run early.
 */
const authenticateUpload = (config: ServerConfig) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.flatMap(clientInfo(config), (client) => {
    const header = request.headers["authorization"] ?? ""
    return resolveCaller(config, {
      token: header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : "",
      slug: decodeURIComponent(/^\/api\/v1\/tenants\/([^/?#]+)/.exec(request.url)?.[1] ?? ""),
      client,
      requestId: undefined,
      enrolmentStep: false
    })
  }).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false),
    Effect.provideService(HttpServerRequest.HttpServerRequest, request)
  )

/** Every route and global middleware, needing the core services. */
export const routes = (
  config: ServerConfig,
  inflight: Activity = { n: 0, total: 0 },
  /** Aborted when shutdown starts: ends the live roll's event streams (LiveRoll.ts). */
  closing: AbortSignal = new AbortController().signal
) =>
  Layer.mergeAll(
    apiRoutes(config),
    openApiRoute,
    docsRoute,
    metricsRoute,
    rpcRoute(config),
    // The seeds' gRPC services over the Connect protocol (issue 21 §3), unless SIGNET_CONNECT=false.
    connectRoutes(config),
    liveRollRoute(config, closing),
    scimRoutes(config),
    oidcRoutes(config),
    config.web ? webRoutes(loadWebFiles()) : Layer.empty
  ).pipe(
    Layer.provide(globalMiddleware(config, inflight, authenticateUpload(config))),
    Layer.provide(
      config.corsOrigins.length > 0
        ? HttpLayerRouter.cors({
            allowedOrigins: config.corsOrigins.includes("*") ? ["*"] : config.corsOrigins,
            allowedHeaders: [
              "authorization",
              "content-type",
              "x-request-id",
              "idempotency-key",
              // Connect clients in a browser (issue 21 §3).
              "x-signet-tenant",
              "connect-protocol-version",
              "connect-timeout-ms"
            ],
            exposedHeaders: [
              "x-request-id",
              "retry-after",
              "ratelimit-limit",
              "ratelimit-remaining",
              "ratelimit-reset",
              // The summary of a sign-in cards download (issue 18), for SDK callers in a browser.
              "content-disposition",
              "signet-cards-created",
              "signet-cards-skipped",
              "signet-cards-skipped-users"
            ],
            maxAge: 600
          })
        : Layer.empty
    )
  )

/** The core layer configured for this server. */
export const coreLayer = (
  config: ServerConfig,
  onMigrated?: (applied: ReadonlyArray<string>) => void,
  envelope?: Layer.Layer<Crypto.Envelope, unknown>
) =>
  Core.layer({
    databaseUrl: config.databaseUrl,
    migrate: config.migrate,
    pgAppRole: config.pgAppRole,
    onMigrated,
    envelope,
    mailer: mailerLayer(config.mail, mailOrigin(config)),
    attachmentStore: Option.isSome(config.attachmentsDir)
      ? AttachmentStore.fileSystem(config.attachmentsDir.value)
      : undefined
  })

/** The RFC 9457 body of a request that arrives before the routes are installed. */
const STARTING_BODY = JSON.stringify({
  type: "about:blank",
  title: "Service Unavailable",
  status: 503,
  detail: "Signet is starting (database migrations, core services); retry in a moment"
})

/**
 * The port is bound before the core is built (so a busy port is reported at
 * once), and the router's request listener is attached only once it is
 * ready — migrations on Postgres take seconds. Until then Node would emit
 * `request` to no listener and the request would hang until its timeout
 * (issue 15 §6). This first listener answers 503 with `Retry-After: 1`
 * while it is the only one, and steps aside as soon as the router's is there.
 */
const answerWhileStarting = (node: Server) => {
  node.on("request", (_req, res) => {
    if (node.listenerCount("request") > 1) return
    res.writeHead(503, {
      "content-type": "application/problem+json",
      "retry-after": "1",
      "cache-control": "no-store",
      connection: "close"
    })
    res.end(STARTING_BODY)
  })
}

/**
 * The whole server as a layer: binds `host:port` (answering 503 until the
 * core and the routes are ready), serves until the scope closes. On close
 * (SIGTERM through `NodeRuntime.runMain`) the listener stops accepting, in-flight requests are drained for up to `shutdownGraceMs`, the
 * dispatcher is interrupted and the database is closed. Provides
 * `ServerActivity`: the HTTP requests and gRPC calls in flight and served.
 */
export const serverLayer = (config: ServerConfig, core = coreLayer(config)) => {
  const inflight: Activity = { n: 0, total: 0 }
  const closing = new AbortController()
  let node: Server | undefined
  // Built last, so its finalizer runs first on shutdown: stop accepting new
  // connections, close idle keep-alive ones, then wait (up to the grace
  // period) for in-flight requests before the router, jobs and database close.
  const drain = Layer.scopedDiscard(
    Effect.addFinalizer(() =>
      Effect.gen(function* () {
        node?.close()
        node?.closeIdleConnections()
        // Event streams never end by themselves: end them now, then drain.
        closing.abort()
        const deadline = Date.now() + config.shutdownGraceMs
        while (inflight.n > 0 && Date.now() < deadline) yield* Effect.sleep("20 millis")
      })
    )
  )
  return drain.pipe(
    Layer.provideMerge(
      HttpLayerRouter.serve(routes(config, inflight, closing.signal), { disableLogger: true, disableListenLog: true })
    ),
    // The seeds' gRPC services on SIGNET_GRPC_PORT (issue 21 §3), when set.
    Layer.provideMerge(grpcLayer(config, inflight)),
    Layer.provideMerge(Layer.succeed(ServerActivity, inflight)),
    Layer.provide(Layer.mergeAll(MetricsLive, jobs(config), config.idleGc ? idleGcLayer(inflight) : Layer.empty)),
    Layer.provideMerge(core),
    Layer.provideMerge(
      NodeHttpServer.layer(
        () => {
          node = createServer()
          node.keepAliveTimeout = 5_000
          answerWhileStarting(node)
          return node
        },
        { host: config.host, port: config.port }
      )
    )
  )
}

/** The bound address of a running server, as a base URL. */
export const baseUrl: Effect.Effect<string, never, HttpServer.HttpServer> = Effect.map(HttpServer.HttpServer, (s) => {
  const a = s.address
  return a._tag === "TcpAddress"
    ? `http://${a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname}:${a.port}`
    : "unix"
})
