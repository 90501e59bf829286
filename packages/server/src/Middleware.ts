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
import { Cause, Clock, Effect, FiberRef, Option } from "effect"
import type { ServerConfig } from "./Config.js"
import { Metrics } from "./Metrics.js"
import { redactPath, routeLabel } from "./Routes.js"

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
 * The request id of the request being handled: the client's `X-Request-ID`
 * when it is a safe token (1–128 of `[A-Za-z0-9._:-]`), else a fresh UUID.
 * Echoed in the response, written in every log line and audit row.
 */
export const CurrentRequestId: FiberRef.FiberRef<string> = FiberRef.unsafeMake("")

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Standard problem titles by status. */
const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

/** `type` URI of a problem: a stable, documented identifier per error tag. */
export const problemType = (tag: string): string =>
  `https://signet.dev/problems/${tag.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`

/**
 * Builds an RFC 9457 problem details response. `extra` members (the tagged
 * error's own fields, e.g. `field`, `issues`) are kept as extension members;
 * `code` (and `_tag`) name the error for programmatic matching.
 */
export const problemResponse = (
  status: number,
  tag: string,
  detail: string,
  instance: string,
  requestId: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {}
): HttpServerResponse.HttpServerResponse => {
  // `_tag` and `message` stay as extension members so typed clients (the SDK's
  // HttpApiClient) decode the body back into the same tagged error class.
  const members = { _tag: tag, message: detail, ...extra }
  const body = {
    type: problemType(tag),
    title: TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error"),
    status,
    detail,
    instance,
    code: tag,
    request_id: requestId,
    ...members
  }
  return HttpServerResponse.text(JSON.stringify(body), {
    status,
    contentType: "application/problem+json",
    headers
  })
}

/** Fields whose submitted value a validation message never repeats (passwords, codes, tokens, secrets, keys). */
const SECRET_FIELD = /(password|passphrase|secret|token|code|totp|private|key)s?$/i

/** Longest submitted value a validation message repeats; longer ones are cut and their length given. */
export const MAX_ECHOED_CHARS = 80

/**
 * A schema message without the secrets or bulk it may quote: Effect's
 * messages end with `actual <the submitted value>`; for a secret field the
 * value is replaced by `(not shown)`, and a value longer than
 * {@link MAX_ECHOED_CHARS} is cut (`… (N characters)`).
 */
export const sanitizeIssueMessage = (field: string, message: string): string => {
  const name = field
    .split(".")
    .filter((segment) => !/^\d+$/.test(segment))
    .pop()
  const secret = name !== undefined && SECRET_FIELD.test(name)
  return message.replace(/(\bactual )(.*)$/gm, (_match, lead: string, value: string) =>
    secret
      ? `${lead}(not shown)`
      : value.length > MAX_ECHOED_CHARS
        ? `${lead}${value.slice(0, MAX_ECHOED_CHARS - 20)}… (${value.length} characters)`
        : `${lead}${value}`
  )
}

/**
 * A schema error printed as a tree (Effect's `TreeFormatter`, which @effect/rpc
 * sends back as the defect of a payload it could not decode) with each
 * quoted value sanitized as {@link sanitizeIssueMessage} does, the field
 * being the nearest `["name"]` above the line.
 */
export const sanitizeIssueTree = (tree: string): string => {
  const keys: Array<{ readonly indent: number; readonly key: string }> = []
  return tree
    .split("\n")
    .map((line) => {
      const indent = line.search(/\S/)
      while (keys.length > 0 && keys[keys.length - 1]!.indent >= indent) keys.pop()
      const key = /^\s*(?:[└├]─ )?\["([^"]+)"\]/.exec(line)?.[1]
      if (key !== undefined) keys.push({ indent, key })
      return line.includes("actual ") ? sanitizeIssueMessage(keys[keys.length - 1]?.key ?? "body", line) : line
    })
    .join("\n")
}

/**
 * An `/rpc` answer (NDJSON) whose payload-decoding defects are sanitized
 * ({@link sanitizeIssueTree}); other answers are returned as they are.
 */
const sanitizeRpcResponse = (
  response: HttpServerResponse.HttpServerResponse
): HttpServerResponse.HttpServerResponse => {
  const body = response.body
  if (body._tag !== "Uint8Array") return response
  // Every RPC answer passes here: look for a defect in the bytes before decoding anything.
  const bytes = Buffer.from(body.body.buffer, body.body.byteOffset, body.body.byteLength)
  if (bytes.indexOf('"Die"') < 0 || bytes.indexOf("actual ") < 0) return response
  const text = bytes.toString("utf8")
  const lines = text.split("\n").map((line) => {
    try {
      const message = JSON.parse(line)
      const cause = message?.exit?.cause
      if (cause?._tag === "Die" && typeof cause.defect === "string") cause.defect = sanitizeIssueTree(cause.defect)
      return JSON.stringify(message)
    } catch {
      return line
    }
  })
  return HttpServerResponse.text(lines.join("\n"), {
    status: response.status,
    contentType: body.contentType,
    headers: response.headers
  })
}

/** Turns the HttpApi schema-decoding error into field-level issues (values sanitized, see {@link sanitizeIssueMessage}). */
const decodeIssues = (body: any): Array<{ field: string; message: string }> =>
  Array.isArray(body?.issues)
    ? body.issues.map((i: any) => {
        const field = Array.isArray(i.path) && i.path.length > 0 ? i.path.join(".") : "body"
        return { field, message: sanitizeIssueMessage(field, String(i.message ?? "is invalid")) }
      })
    : []

/**
 * Rewrites an error response produced by HttpApi (JSON with `_tag`) or by
 * the router (empty 404/405/500) into problem details. Other responses pass
 * through unchanged.
 */
const toProblem = (
  response: HttpServerResponse.HttpServerResponse,
  path: string,
  requestId: string
): HttpServerResponse.HttpServerResponse => {
  if (response.status < 400) return response
  const keepHeaders: Record<string, string> = {}
  for (const h of [
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "www-authenticate",
    "allow"
  ]) {
    const v = response.headers[h]
    if (v !== undefined) keepHeaders[h] = v
  }
  const body = response.body
  if (body._tag === "Uint8Array" && body.contentType.includes("json")) {
    let parsed: any
    try {
      parsed = JSON.parse(new TextDecoder().decode(body.body))
    } catch {
      parsed = undefined
    }
    if (parsed && typeof parsed === "object" && typeof parsed._tag === "string") {
      if (parsed._tag === "HttpApiDecodeError") {
        const issues = decodeIssues(parsed)
        const detail =
          issues.length > 0
            ? issues.map((i) => `${i.field}: ${i.message}`).join("; ")
            : "the request could not be decoded"
        return problemResponse(400, "ValidationError", detail, path, requestId, { issues }, keepHeaders)
      }
      if (parsed._tag === "RateLimited" && typeof parsed.retry_after_seconds === "number") {
        // RFC 9110 Retry-After and the IETF RateLimit header fields.
        keepHeaders["retry-after"] = String(parsed.retry_after_seconds)
        keepHeaders["ratelimit-limit"] = String(parsed.limit)
        keepHeaders["ratelimit-remaining"] = String(parsed.remaining)
        keepHeaders["ratelimit-reset"] = String(parsed.retry_after_seconds)
      }
      const detail = typeof parsed.message === "string" && parsed.message.length > 0 ? parsed.message : parsed._tag
      const status = response.status >= 500 ? response.status : response.status
      return problemResponse(status, parsed._tag, detail, path, requestId, parsed, keepHeaders)
    }
    if (parsed && typeof parsed === "object" && typeof parsed.type === "string" && typeof parsed.status === "number") {
      return response // already problem details
    }
  }
  if (body._tag === "Empty" || body._tag === "Uint8Array") {
    const tag =
      response.status === 400
        ? "MalformedRequest"
        : response.status === 404
          ? "RouteNotFound"
          : response.status === 405
            ? "MethodNotAllowed"
            : response.status >= 500
              ? "InternalServerError"
              : "HttpError"
    const detail =
      response.status === 400
        ? "the request could not be read: the body is not valid JSON or does not match its Content-Type"
        : response.status === 404
          ? `no route for ${path}`
          : response.status >= 500
            ? "an unexpected error occurred; quote the request_id when reporting it"
            : (TITLES[response.status] ?? "request failed")
    return problemResponse(response.status, tag, detail, path, requestId, {}, keepHeaders)
  }
  return response
}

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

/** Deepest JSON nesting accepted in a request body (deeper bodies are refused before parsing). */
export const MAX_JSON_DEPTH = 64

/**
 * The nesting depth of a JSON text (arrays and objects, outside strings), or
 * `MAX_JSON_DEPTH + 1` as soon as it goes deeper. Not a parser: a guard run
 * before the real parser so that hostile nesting cannot exhaust the stack.
 */
export const jsonDepthExceeds = (text: string, max = MAX_JSON_DEPTH): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \\ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123 /* [ { */) {
      if (++depth > max) return true
    } else if (c === 93 || c === 125 /* ] } */) depth--
  }
  return false
}

/** How much of a refused request's body is read and discarded so the client can read the answer. */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024

/**
 * Reads and discards a refused request's body (up to {@link DRAIN_LIMIT_BYTES}
 * or 10 s), so a client still uploading sees the answer instead of a reset
 * connection; the answer then closes the connection.
 */
const drain = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    let message: ReturnType<typeof NodeHttpServerRequest.toIncomingMessage>
    try {
      message = NodeHttpServerRequest.toIncomingMessage(request)
    } catch {
      return resume(Effect.void)
    }
    let bytes = 0
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      message.removeListener("data", onData)
      resume(Effect.void)
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > DRAIN_LIMIT_BYTES) finish()
    }
    const timer = setTimeout(finish, 10_000)
    message.on("data", onData)
    message.once("end", finish)
    message.once("error", finish)
    message.once("close", finish)
  })

/** The body type an endpoint takes: the imports' own, JSON for everything else. */
const expectedContentType = (path: string): string =>
  /\/roster\/imports$/.test(path)
    ? "application/zip"
    : /\/timetable\/imports$/.test(path)
      ? "text/calendar"
      : "application/json"

/**
 * Whether a request body's `Content-Type` is the endpoint's (issue 15 §5:
 * form-encoded bodies were accepted on JSON endpoints, and bodies without a
 * type skipped the JSON depth guard). Parameters such as `charset` are ignored.
 */
const acceptsContentType = (path: string, contentType: string): boolean =>
  contentType.split(";")[0]!.trim() === expectedContentType(path)

/**
 * The global middleware. Order of work per request:
 * 1. resolve the request id (and make it the fiber's log annotation);
 * 2. refuse bodies over the limit by `Content-Length` (413), bodies sent
 *    without a length (411: the limit must be checkable before reading),
 *    multipart bodies (415: the API takes JSON, zip and iCalendar), and JSON
 *    nested deeper than {@link MAX_JSON_DEPTH} (400); cap what is read
 *    through `HttpIncomingMessage.MaxBodySize`;
 * 3. run the route; convert failures and error responses to problem+json;
 * 4. add security headers and `X-Request-ID`; record metrics; log one line.
 *
 * `inflight` counts requests being handled, for the graceful-shutdown drain.
 */
export const globalMiddleware = <R = never>(
  config: ServerConfig,
  inflight: { n: number } = { n: 0 },
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
      const context = yield* Effect.context<R>()
      return (httpEffect) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const start = yield* Clock.currentTimeNanos
          inflight.n++
          yield* Effect.addFinalizer(() => Effect.sync(() => inflight.n--))
          const incoming = request.headers["x-request-id"]
          const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : Crypto.randomUUID()
          const url = request.url
          const path = url.split("?")[0] ?? url
          const length = Number(request.headers["content-length"] ?? "0")
          // Roster uploads (zip) may exceed the general JSON body limit.
          const limit = /\/(roster\/imports|excuses)$/.test(path) ? config.maxUploadBytes : config.maxBodyBytes

          const contentType = (request.headers["content-type"] ?? "").toLowerCase()
          const chunked =
            request.headers["content-length"] === undefined && request.headers["transfer-encoding"] !== undefined
          const refuse = (status: number, tag: string, detail: string) =>
            Effect.succeed(problemResponse(status, tag, detail, path, requestId, {}, { connection: "close" }))
          // A JSON body is read (within the limit; the read is cached for the route) and its
          // nesting checked before the route parses it.
          const tooDeep =
            length > 0 && contentType.includes("json")
              ? request.text.pipe(
                  HttpIncomingMessage.withMaxBodySize(Option.some(limit)),
                  Effect.map((text) => jsonDepthExceeds(text)),
                  Effect.orElseSucceed(() => false)
                )
              : Effect.succeed(false)
          // The peer's address for `/rpc` handlers (RPC_PEER_HEADER). Set on the node request's
          // own headers: a modified copy of the request would lose the body read above.
          if (path === "/rpc") {
            try {
              const headers = NodeHttpServerRequest.toIncomingMessage(request).headers
              headers[RPC_PEER_HEADER] = Option.getOrElse(request.remoteAddress, () => "")
              headers[RPC_FORWARDED_HEADER] = request.headers["x-forwarded-for"] ?? ""
            } catch {
              // Not a node request (e.g. a web handler in process): no peer address to pass.
            }
          }
          const handle: Effect.Effect<HttpServerResponse.HttpServerResponse> = (
            httpEffect as Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>
          ).pipe(
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
          // A body beyond the general limit (an upload) is read only for an authenticated caller.
          const large = Number.isFinite(length) && length > config.maxBodyBytes && length <= limit
          const authenticated: Effect.Effect<boolean> =
            large && authenticate ? Effect.provide(authenticate(request), context) : Effect.succeed(!large)
          const handled: Effect.Effect<HttpServerResponse.HttpServerResponse> =
            Number.isFinite(length) && length > limit
              ? Effect.succeed(
                  problemResponse(
                    413,
                    "PayloadTooLarge",
                    `request body of ${length} bytes exceeds the limit of ${limit} bytes`,
                    path,
                    requestId
                  )
                )
              : chunked
                ? Effect.zipRight(
                    drain(request),
                    refuse(
                      411,
                      "LengthRequired",
                      "send the request body with a Content-Length (chunked bodies are not accepted)"
                    )
                  )
                : length > 0 && path !== "/rpc" && !acceptsContentType(path, contentType)
                  ? refuse(
                      415,
                      "UnsupportedMediaType",
                      `this endpoint takes ${expectedContentType(path)}, not ${contentType.split(";")[0] || "a body without Content-Type"}`
                    )
                  : Effect.flatMap(authenticated, (ok) =>
                      !ok
                        ? authenticate
                          ? refuse(401, "Unauthorized", "authenticate before sending a body this large")
                          : refuse(
                              413,
                              "PayloadTooLarge",
                              `request body of ${length} bytes exceeds the limit of ${config.maxBodyBytes} bytes`
                            )
                        : Effect.flatMap(tooDeep, (deep) =>
                            deep
                              ? refuse(
                                  400,
                                  "MalformedRequest",
                                  `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`
                                )
                              : handle
                          )
                    )

          const response = yield* Effect.locally(handled, CurrentRequestId, requestId).pipe(
            Effect.annotateLogs("request_id", requestId)
          )
          const isDocs = path === "/docs" || path.startsWith("/docs/")
          const withHeaders = HttpServerResponse.setHeaders(
            path === "/rpc" ? sanitizeRpcResponse(response) : response,
            {
              ...SECURITY_HEADERS,
              "content-security-policy": isDocs ? DOCS_CSP : API_CSP,
              ...(response.headers["cache-control"] ? {} : { "cache-control": "no-store" }),
              "x-request-id": requestId
            }
          )
          const elapsed = Number((yield* Clock.currentTimeNanos) - start) / 1e9
          const route = routeLabel(path)
          metrics.observeRequest(request.method, route, withHeaders.status, elapsed)
          if (
            config.logLevel !== "none" &&
            ((config.logLevel !== "warn" && config.logLevel !== "error") || withHeaders.status >= 500)
          ) {
            process.stdout.write(
              JSON.stringify({
                time: new Date().toISOString(),
                level: withHeaders.status >= 500 ? "error" : "info",
                msg: "request",
                request_id: requestId,
                method: request.method,
                path: redactPath(path),
                status: withHeaders.status,
                duration_ms: Math.round(elapsed * 100_000) / 100,
                ip: request.remoteAddress._tag === "Some" ? request.remoteAddress.value : null,
                user_agent: request.headers["user-agent"] ?? null
              }) + "\n"
            )
          }
          return withHeaders
        }) as Effect.Effect<
          HttpServerResponse.HttpServerResponse,
          HttpLayerRouter.unhandled,
          HttpServerRequest.HttpServerRequest
        >
    }),
    { global: true }
  )
