/**
 * RFC 9457 problem details for every error the HTTP layer answers: the
 * problem body ({@link problemResponse}), the rewriting of HttpApi and router
 * error responses into it ({@link toProblem}), and the sanitizing of the
 * submitted values that schema messages quote (REST issues and `/rpc`
 * defects). Applied by the global middleware (`Middleware.ts`).
 *
 * @module
 */
import { HttpServerResponse } from "@effect/platform"
import { isConnectPath } from "./grpc/Paths.js"

/** Standard problem titles by status. */
export const TITLES: Record<number, string> = {
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
      const key = /^\s*(?:[\u2514\u251c]\u2500 )?\["([^"]+)"\]/.exec(line)?.[1]
      if (key !== undefined) keys.push({ indent, key })
      return line.includes("actual ") ? sanitizeIssueMessage(keys[keys.length - 1]?.key ?? "body", line) : line
    })
    .join("\n")
}

/**
 * An `/rpc` answer (NDJSON) whose payload-decoding defects are sanitized
 * ({@link sanitizeIssueTree}); other answers are returned as they are.
 */
export const sanitizeRpcResponse = (
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
export const toProblem = (
  response: HttpServerResponse.HttpServerResponse,
  path: string,
  requestId: string
): HttpServerResponse.HttpServerResponse => {
  if (response.status < 400) return response
  // The Connect procedures answer the Connect error JSON (issue 21 §3; grpc/Connect.ts).
  if (isConnectPath(path)) return response
  // SCIM answers its own error format (RFC 7644 §3.12; ScimRoutes.ts).
  if (response.body._tag === "Uint8Array" && response.body.contentType.startsWith("application/scim+json"))
    return response
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
      return problemResponse(response.status, parsed._tag, detail, path, requestId, parsed, keepHeaders)
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
