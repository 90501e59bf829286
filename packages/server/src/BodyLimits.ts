/**
 * The request-body guards of the global middleware (`Middleware.ts`), run
 * before a route reads its body: the size limit by `Content-Length` (uploads
 * only for authenticated callers), no chunked bodies, the endpoint's own
 * `Content-Type`, and the JSON nesting depth.
 *
 * @module
 */
import { HttpIncomingMessage, type HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { type Context, Effect, Option } from "effect"
import type { ServerConfig } from "./Config.js"
import { isConnectPath } from "./grpc/Paths.js"
import { problemResponse } from "./Problem.js"

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

/** Activity attachment uploads (issue 22): a new attachment or a new version, raw bytes. */
const ATTACHMENT_UPLOAD_PATH = /^\/api\/v1\/tenants\/[^/]+\/activities\/attachments(\/[^/]+\/versions)?$/

/** The body type an endpoint takes: the imports' own, raw bytes for attachments, JSON for everything else. */
const expectedContentType = (path: string): string =>
  // The OIDC provider's endpoints (issue 19 §1) take form-encoded bodies (RFC 6749 §4.1.3).
  /^\/t\/[^/]+\/oidc\//.test(path)
    ? "application/x-www-form-urlencoded"
    : /\/roster\/imports$/.test(path)
      ? "application/zip"
      : /\/timetable\/(imports|syncs)$/.test(path)
        ? "text/calendar"
        : ATTACHMENT_UPLOAD_PATH.test(path)
          ? "application/octet-stream"
          : /^\/api\/v1\/tenants\/[^/]+\/oauth\/introspect$/.test(path)
            ? "application/x-www-form-urlencoded" // RFC 7662 §2.1
            : /^\/api\/v1\/tenants\/[^/]+\/sso\/callback$/.test(path)
              ? "application/x-www-form-urlencoded" // SAML HTTP-POST binding (SAML Bindings §3.5)
              : "application/json"

/**
 * Whether a request body's `Content-Type` is the endpoint's (issue 15 §5:
 * form-encoded bodies were accepted on JSON endpoints, and bodies without a
 * type skipped the JSON depth guard). Parameters such as `charset` are ignored.
 */
const acceptsContentType = (path: string, contentType: string): boolean => {
  const type = contentType.split(";")[0]!.trim()
  // SCIM (RFC 7644 §3.8): application/scim+json, and application/json as clients also send.
  if (SCIM_PATH.test(path)) return type === "application/scim+json" || type === "application/json"
  return type === expectedContentType(path)
}

/** Paths of the SCIM endpoints (`ScimRoutes.ts`). */
const SCIM_PATH = /^\/t\/[^/]+\/scim\/v2\//

/**
 * The body limit of a route, in bytes: `maxUploadBytes` for the uploads
 * (roster zips, excuse attachments, usage-event batches of up to 1,000
 * events — issue 20, activity attachments — issue 22, checked again by
 * core against its 10 MiB), `maxBodyBytes` for everything else.
 */
export const bodyLimit = (config: ServerConfig, path: string): number =>
  // Roster uploads (zip), usage batches and attachments may exceed the general JSON body limit.
  /\/(roster\/imports|excuses|billing\/events)$/.test(path) || ATTACHMENT_UPLOAD_PATH.test(path)
    ? config.maxUploadBytes
    : config.maxBodyBytes

/** What {@link guardBody} needs to know about the request. */
export interface BodyGuardInput<R> {
  readonly config: ServerConfig
  readonly request: HttpServerRequest.HttpServerRequest
  /** The URL path, without the query. */
  readonly path: string
  readonly requestId: string
  /** The route's body limit in bytes ({@link bodyLimit}). */
  readonly limit: number
  /** See `globalMiddleware`'s `authenticate`: asked for bodies larger than `maxBodyBytes`. */
  readonly authenticate?:
    | ((request: HttpServerRequest.HttpServerRequest) => Effect.Effect<boolean, never, R>)
    | undefined
  /** The services `authenticate` needs. */
  readonly context: Context.Context<R>
}

/**
 * Runs `handle` (the route) unless the request's body must be refused,
 * checked in this order: over the route's limit by `Content-Length` (413);
 * sent without a length (411, after draining it); not the endpoint's
 * `Content-Type` (415; `/rpc` excepted); larger than `maxBodyBytes` without
 * an authenticated caller (401, or 413 without `authenticate`); JSON nested
 * deeper than {@link MAX_JSON_DEPTH} (400 `MalformedRequest`). Refusals are
 * problem+json and, except the first, close the connection.
 */
export const guardBody = <R>(
  input: BodyGuardInput<R>,
  handle: Effect.Effect<HttpServerResponse.HttpServerResponse>
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function* () {
    const { authenticate, config, limit, path, request, requestId } = input
    const length = Number(request.headers["content-length"] ?? "0")
    const contentType = (request.headers["content-type"] ?? "").toLowerCase()
    const chunked =
      request.headers["content-length"] === undefined && request.headers["transfer-encoding"] !== undefined
    const refuse = (status: number, tag: string, detail: string) =>
      problemResponse(status, tag, detail, path, requestId, {}, { connection: "close" })

    if (Number.isFinite(length) && length > limit)
      return problemResponse(
        413,
        "PayloadTooLarge",
        `request body of ${length} bytes exceeds the limit of ${limit} bytes`,
        path,
        requestId
      )
    // The Connect procedures (issue 21 §3) take chunked bodies (Connect's Node client sends them so),
    // their own two content types and their own JSON guard, and answer refusals as Connect errors
    // (the body read is capped at the message limit by the route: grpc/Connect.ts).
    const connect = isConnectPath(path)
    if (chunked && !connect) {
      yield* drain(request)
      return refuse(
        411,
        "LengthRequired",
        "send the request body with a Content-Length (chunked bodies are not accepted)"
      )
    }
    if (length > 0 && path !== "/rpc" && !connect && !acceptsContentType(path, contentType))
      return refuse(
        415,
        "UnsupportedMediaType",
        `this endpoint takes ${expectedContentType(path)}, not ${contentType.split(";")[0] || "a body without Content-Type"}`
      )
    // A body beyond the general limit (an upload) is read only for an authenticated caller.
    const large = Number.isFinite(length) && length > config.maxBodyBytes && length <= limit
    const authenticated = large && authenticate ? yield* Effect.provide(authenticate(request), input.context) : !large
    if (!authenticated)
      return authenticate
        ? refuse(401, "Unauthorized", "authenticate before sending a body this large")
        : refuse(
            413,
            "PayloadTooLarge",
            `request body of ${length} bytes exceeds the limit of ${config.maxBodyBytes} bytes`
          )
    // A JSON body is read (within the limit; the read is cached for the route) and its
    // nesting checked before the route parses it.
    const tooDeep =
      length > 0 && !connect && contentType.includes("json")
        ? yield* request.text.pipe(
            HttpIncomingMessage.withMaxBodySize(Option.some(limit)),
            Effect.map((text) => jsonDepthExceeds(text)),
            Effect.orElseSucceed(() => false)
          )
        : false
    if (tooDeep) return refuse(400, "MalformedRequest", `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`)
    return yield* handle
  })
