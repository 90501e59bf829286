/**
 * Cross-cutting HTTP behaviour applied to every route (ARCHITECTURE §5
 * "Cross-cutting"): request ids, RFC 9457 problem details, security headers,
 * the body size limit, Prometheus metrics and JSON access logs.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import {
  HttpIncomingMessage,
  HttpLayerRouter,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { CurrentQuotaNotices, PasskeyOrigin, type QuotaNotice, RateLimit, SignLinkOrigin } from "@signet/core"
import { Cause, Clock, Context, Effect, FiberRef, HashMap, Option, Scope } from "effect"
import type { Activity } from "./Activity.js"
import { CurrentRateLimit, hitBucket, rateLimitHeaders } from "./ApiRateLimits.js"
import { bodyLimit, guardBody } from "./BodyLimits.js"
import { clientIp } from "./ClientIp.js"
import type { ServerConfig } from "./Config.js"
import { isConnectPath } from "./grpc/Paths.js"
import { Metrics } from "./Metrics.js"
import { problemResponse, sanitizeRpcResponse, toProblem } from "./Problem.js"
import { redactPath, routeLabel } from "./Routes.js"
import { isWebPath } from "./WebApp.js"

export { DRAIN_LIMIT_BYTES, jsonDepthExceeds, MAX_JSON_DEPTH } from "./BodyLimits.js"
export {
  MAX_ECHOED_CHARS,
  problemResponse,
  problemType,
  sanitizeIssueMessage,
  sanitizeIssueTree
} from "./Problem.js"

/**
 * Name of the header through which `/rpc` handlers learn the TCP peer's
 * address (@effect/rpc hands them the request's headers, not its socket). The
 * global middleware sets it on every `/rpc` request, replacing any the client
 * sent; its name carries a random suffix chosen at start, so a client cannot
 * supply it inside an RPC message's own headers either.
 */
export const RPC_PEER_HEADER = `x-signet-peer-${Crypto.randomBytes(8).toString("hex")}`

/**
 * The HTTP request's own `X-Forwarded-For`, passed to `/rpc` handlers under
 * a name as unguessable as {@link RPC_PEER_HEADER}: @effect/rpc appends an RPC
 * message's headers after the HTTP ones, so a client could otherwise
 * override the forwarded address the trusted-proxy rule reads (issue 15 §4).
 */
export const RPC_FORWARDED_HEADER = `${RPC_PEER_HEADER}-forwarded`

/**
 * The `Signet-Quota-Warning` header of a response whose request came close
 * to or past plan limits (issue 20 "soft limit → a warning header"): one
 * `<limit>=<used>/<value>` item per limit, comma-separated
 * (`users.max=9/10`).
 */
export const quotaWarning = (notices: ReadonlyArray<QuotaNotice>): string =>
  notices.map((n) => `${n.limit}=${n.used}/${n.value}`).join(", ")

/**
 * The request id of the request being handled: the client's `X-Request-ID`
 * when it is a safe token (1–128 of `[A-Za-z0-9._:-]`), else a fresh UUID.
 * Echoed in the response, written in every log line and audit row.
 */
export const CurrentRequestId: FiberRef.FiberRef<string> = FiberRef.unsafeMake("")

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "permissions-policy": "camera=(), microphone=(), geolocation=()"
}
/**
 * The API's Content-Security-Policy: nothing loads, nothing frames it, and a
 * response opened in a browser (an excuse attachment, a CSV) runs in a
 * sandbox — no script, no same-origin access.
 */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; sandbox"

/**
 * The `/docs` page's policy (issue 15 §2): its script and styles are inline
 * in the page, and nothing may be fetched from anywhere but this server — no
 * font host, no analytics, no request proxy — whatever the bundled viewer
 * tries. Images may be inline (`data:`).
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/**
 * The web app's policy (issue 17 "Browser security"): scripts, styles,
 * fonts, workers and the manifest of this origin only — no `unsafe-inline`,
 * no `unsafe-eval`, no other host; images also inline (`data:`, QR codes)
 * and `blob:`; API calls to this origin only; never framed.
 */
const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
  "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/**
 * The origin people reach this server at, for the QR codes' sign links
 * ({@link SignLinkOrigin}): `SIGNET_PUBLIC_URL`, else the scheme and `Host`
 * the request came with (`X-Forwarded-Proto` only from a trusted proxy).
 */
export const publicOrigin = (config: ServerConfig, request: HttpServerRequest.HttpServerRequest): string => {
  if (Option.isSome(config.publicUrl)) return config.publicUrl.value
  const host = request.headers["host"]
  if (!host || !/^[A-Za-z0-9.:[\]-]{1,300}$/.test(host)) return `http://${config.host}:${config.port}`
  const peer = Option.getOrUndefined(request.remoteAddress)?.replace(/^::ffff:/, "")
  const proto =
    peer && config.trustedProxies.includes(peer) && request.headers["x-forwarded-proto"] === "https" ? "https" : "http"
  return `${proto}://${host}`
}

/**
 * The origin this request was addressed to (scheme and `Host`; `https` only
 * from a trusted proxy's `X-Forwarded-Proto`), or null without a usable
 * `Host`. Passkeys accept it as their relying party only when it is the
 * public origin or the tenant's custom domain ({@link PasskeyOrigin}).
 */
const requestOrigin = (config: ServerConfig, request: HttpServerRequest.HttpServerRequest): string | null => {
  const host = request.headers["host"]
  if (!host || !/^[A-Za-z0-9.:[\]-]{1,300}$/.test(host)) return null
  const peer = Option.getOrUndefined(request.remoteAddress)?.replace(/^::ffff:/, "")
  const proto =
    peer && config.trustedProxies.includes(peer) && request.headers["x-forwarded-proto"] === "https" ? "https" : "http"
  return `${proto}://${host}`
}

/** The request id to use: the client's `X-Request-ID` when it is a safe token, else a fresh UUID. */
const resolveRequestId = (request: HttpServerRequest.HttpServerRequest): string => {
  const incoming = request.headers["x-request-id"]
  return incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : Crypto.randomUUID()
}

/**
 * Passes the peer's address and its own `X-Forwarded-For` to `/rpc` handlers
 * ({@link RPC_PEER_HEADER}, {@link RPC_FORWARDED_HEADER}). Set on the node
 * request's own headers: a modified copy of the request would lose a body
 * already read.
 */
const passPeerToRpc = (request: HttpServerRequest.HttpServerRequest, path: string): void => {
  if (path !== "/rpc") return
  try {
    const headers = NodeHttpServerRequest.toIncomingMessage(request).headers
    headers[RPC_PEER_HEADER] = Option.getOrElse(request.remoteAddress, () => "")
    headers[RPC_FORWARDED_HEADER] = request.headers["x-forwarded-for"] ?? ""
  } catch {
    // Not a node request (e.g. a web handler in process): no peer address to pass.
  }
}

/**
 * Runs the route with what it reads capped at `limit` bytes; a failure becomes
 * its HTTP response (logged when a 500 that is not an interruption), and an
 * error response becomes problem+json ({@link toProblem}).
 */
const runRoute = (
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>,
  limit: number,
  path: string,
  requestId: string
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  httpEffect.pipe(
    HttpIncomingMessage.withMaxBodySize(Option.some(limit)),
    Effect.catchAllCause((cause) =>
      Effect.gen(function* () {
        const [response] = yield* HttpServerError.causeResponse(cause)
        if (response.status >= 500 && !Cause.isInterruptedOnly(cause)) {
          yield* Effect.logError("unhandled error", cause)
        }
        return response
      })
    ),
    Effect.map((response) => toProblem(response, path, requestId))
  )

/**
 * The response as sent: `/rpc` defects sanitized, the security headers, the
 * CSP (the `/docs` page's own, {@link API_CSP} elsewhere), `Cache-Control:
 * no-store` unless the route set one, and `X-Request-ID`.
 */
const secureResponse = (
  response: HttpServerResponse.HttpServerResponse,
  path: string,
  requestId: string
): HttpServerResponse.HttpServerResponse => {
  const isDocs = path === "/docs" || path.startsWith("/docs/")
  return HttpServerResponse.setHeaders(path === "/rpc" ? sanitizeRpcResponse(response) : response, {
    ...SECURITY_HEADERS,
    "content-security-policy": isDocs ? DOCS_CSP : isWebPath(path) ? WEB_CSP : API_CSP,
    ...(response.headers["cache-control"] ? {} : { "cache-control": "no-store" }),
    "x-request-id": requestId
  })
}

/**
 * Writes the request's JSON access-log line to stdout (path redacted,
 * duration in ms): every request at `info`/`debug`, only 5xx at
 * `warn`/`error`, none at `none`.
 */
const logRequest = (
  config: ServerConfig,
  request: HttpServerRequest.HttpServerRequest,
  path: string,
  requestId: string,
  status: number,
  elapsedSeconds: number
): void => {
  if (config.logLevel === "none") return
  if ((config.logLevel === "warn" || config.logLevel === "error") && status < 500) return
  process.stdout.write(
    JSON.stringify({
      time: new Date().toISOString(),
      level: status >= 500 ? "error" : "info",
      msg: "request",
      request_id: requestId,
      method: request.method,
      path: redactPath(path),
      status,
      duration_ms: Math.round(elapsedSeconds * 100_000) / 100,
      ip: request.remoteAddress._tag === "Some" ? request.remoteAddress.value : null,
      user_agent: request.headers["user-agent"] ?? null
    }) + "\n"
  )
}

/** The tenants' OpenID Connect provider endpoints (issue 19 §1), counted like the API. */
const OIDC_PATH = /^\/t\/[^/]+\/(oidc\/|\.well-known\/openid-configuration$)/

/**
 * The global middleware. Order of work per request:
 * 1. resolve the request id (and make it the fiber's log annotation);
 * 2. refuse bodies over the limit by `Content-Length` (413), bodies sent
 *    without a length (411: the limit must be checkable before reading),
 *    multipart bodies (415: the API takes JSON, zip and iCalendar), and JSON
 *    nested deeper than {@link MAX_JSON_DEPTH} (400); cap what is read
 *    through `HttpIncomingMessage.MaxBodySize`;
 * 3. count `/api/…`, `/rpc` and OIDC provider (`/t/{slug}/oidc/…`) requests against the client address's API
 *    rate limit when one is set (`SIGNET_RATE_API_ADDRESS`; 429 before any
 *    body is read); the caller's own limits are counted by the auth
 *    middleware, into the same per-request cell;
 * 4. run the route; convert failures and error responses to problem+json;
 * 5. add security headers, `X-Request-ID` and the `RateLimit-*` fields of
 *    the tightest bucket counted; record metrics; log one line.
 *
 * `inflight` counts requests being handled (`n`, for the graceful-shutdown
 * drain) and started (`total`, for the idle collection of `IdleGc.ts`).
 */
export const globalMiddleware = <R = never>(
  config: ServerConfig,
  inflight: Activity = { n: 0, total: 0 },
  /**
   * Authenticates a request before its body is read (issue 15 §1: sixteen
   * unauthenticated 60 MiB uploads, each answered 401 only after being read,
   * grew the server to 2 GB). Asked for every body larger than
   * `maxBodyBytes` — only upload routes accept one; `false` answers 401
   * without reading it. Without it, such bodies are refused (413).
   */
  authenticate?: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<boolean, never, R>
) =>
  HttpLayerRouter.middleware(
    Effect.gen(function* () {
      const metrics = yield* Metrics
      const limiter = yield* RateLimit.RateLimiter
      const addressRule = config.apiRateLimits.address
      const context = yield* Effect.context<R>()
      return (httpEffect) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const start = yield* Clock.currentTimeNanos
          inflight.n++
          inflight.total++
          // On the request's scope (closed once the response, streamed or not, is sent). Not
          // `Effect.addFinalizer`: that one diffs and patches all the fiber's references (the
          // context of ~60 services among them) when it runs — a tenth of an empty request's CPU.
          yield* Scope.addFinalizer(
            yield* Effect.scope,
            Effect.sync(() => inflight.n--)
          )
          const requestId = resolveRequestId(request)
          const path = request.url.split("?")[0] ?? request.url
          const limit = bodyLimit(config, path)
          passPeerToRpc(request, path)
          const route = runRoute(
            httpEffect as Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>,
            limit,
            path,
            requestId
          )
          const guarded = guardBody({ config, request, path, requestId, limit, authenticate, context }, route)
          const handled =
            Option.isSome(addressRule) &&
            (path.startsWith("/api/") || path === "/rpc" || OIDC_PATH.test(path) || isConnectPath(path))
              ? hitBucket(
                  limiter,
                  metrics.rateLimited,
                  "address",
                  `api:addr:${clientIp(Option.getOrUndefined(request.remoteAddress), request.headers["x-forwarded-for"], config.trustedProxies) ?? "unknown"}`,
                  addressRule.value
                ).pipe(
                  Effect.zipRight(guarded),
                  Effect.catchTag("RateLimited", (e) =>
                    Effect.succeed(
                      problemResponse(
                        429,
                        e._tag,
                        e.message,
                        path,
                        requestId,
                        {
                          retry_after_seconds: e.retry_after_seconds,
                          limit: e.limit,
                          remaining: e.remaining
                        },
                        {
                          "retry-after": String(e.retry_after_seconds),
                          "ratelimit-limit": String(e.limit),
                          "ratelimit-remaining": "0",
                          "ratelimit-reset": String(e.retry_after_seconds)
                        }
                      )
                    )
                  )
                )
              : guarded
          const cell: { decision: RateLimit.RateLimitDecision | undefined } = { decision: undefined }
          const quota: { notices: Array<QuotaNotice> } = { notices: [] }
          // This fiber is the request's own (the HTTP server forks one per request): its
          // references are set for the rest of it, where `Effect.locally` would wrap the route
          // in one acquire/use/release per reference; the two services are added in one step.
          yield* FiberRef.set(CurrentRequestId, requestId)
          yield* FiberRef.set(CurrentRateLimit, cell)
          yield* FiberRef.set(CurrentQuotaNotices, quota)
          yield* FiberRef.update(FiberRef.currentLogAnnotations, HashMap.set("request_id", requestId as unknown))
          const origin = publicOrigin(config, request)
          const response = yield* Effect.provide(
            handled,
            Context.make(SignLinkOrigin, origin).pipe(
              Context.add(PasskeyOrigin, { configured: origin, request: requestOrigin(config, request) })
            )
          )
          const counted =
            cell.decision !== undefined && response.headers["ratelimit-limit"] === undefined
              ? HttpServerResponse.setHeaders(response, rateLimitHeaders(cell.decision))
              : response
          const warned =
            quota.notices.length > 0 && response.status < 300
              ? HttpServerResponse.setHeader(counted, "signet-quota-warning", quotaWarning(quota.notices))
              : counted
          const secured = secureResponse(warned, path, requestId)
          const elapsed = Number((yield* Clock.currentTimeNanos) - start) / 1e9
          metrics.observeRequest(request.method, routeLabel(path), secured.status, elapsed)
          logRequest(config, request, path, requestId, secured.status, elapsed)
          return secured
        }) as Effect.Effect<
          HttpServerResponse.HttpServerResponse,
          HttpLayerRouter.unhandled,
          HttpServerRequest.HttpServerRequest
        >
    }),
    { global: true }
  )
