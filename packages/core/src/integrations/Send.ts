/**
 * One signed webhook request (issue 21 §1). Internal to the integrations
 * module.
 *
 * The body is the CloudEvent JSON as stored on the delivery; the headers
 * follow the Standard Webhooks specification: `webhook-id` (the event id,
 * the same on every retry), `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256>` of `id.timestamp.body`,
 * computed by the `standardwebhooks` package; one per valid secret,
 * space-separated, while a rotation's overlap lasts). Only a 2xx answer is
 * a success. Every connection goes through `Target.guardedAgent` (SSRF
 * defence: the resolved addresses are checked at each connection).
 *
 * Redirects: a 307 or 308 (which keep the method and the body) is followed
 * up to {@link MAX_WEBHOOK_REDIRECTS} times, each `Location` checked by
 * {@link redirectTarget} (the endpoint URL's rules: https, no credentials,
 * no private or loopback literal) before it is connected to — whose
 * resolution the guarded agent checks again. A 301, 302 or 303 is not
 * followed (a client would turn the POST into a GET): the attempt fails
 * naming the new location, for the administrator to update the URL.
 *
 * @module
 */
import { Effect } from "effect"
import { Webhook } from "standardwebhooks"
import { request } from "undici"
import { checkEndpointUrl, guardedAgent, REFUSED_RESOLUTION, type TargetOptions } from "./Target.js"

/** Redirects (307/308) followed at most per attempt. */
export const MAX_WEBHOOK_REDIRECTS = 3

/**
 * Where a redirect from `current` to `location` leads, or why it is refused
 * (a message naming the rule, as for an endpoint's URL).
 */
export const redirectTarget = (current: URL, location: string | undefined, options: TargetOptions): URL | string => {
  if (location === undefined || location === "") return "is missing (no Location header)"
  let next: URL
  try {
    next = new URL(location, current)
  } catch {
    return "is not a URL"
  }
  return checkEndpointUrl(next.href, options)
}

/** Bytes of an answer's body kept in the delivery log at most. */
export const MAX_EXCERPT_BYTES = 1024
/** Characters of an attempt's error kept at most. */
const MAX_ERROR_CHARS = 500

/** What one attempt observed. */
export interface SendResult {
  /** HTTP status, or null when there was no answer. */
  readonly statusCode: number | null
  /** Milliseconds from sending to the answer's headers (or to the failure). */
  readonly latencyMs: number
  /** At most {@link MAX_EXCERPT_BYTES} of the body, as UTF-8. */
  readonly excerpt: string | null
  /** Why the attempt failed (null on a 2xx answer). */
  readonly error: string | null
}

/** What is sent. */
export interface SendRequest {
  readonly url: string
  readonly msgId: string
  readonly payload: string
  /** Secrets to sign with (`whsec_…`), current first. */
  readonly secrets: ReadonlyArray<string>
  /** Signing time. */
  readonly at: Date
}

/** The Standard Webhooks headers of a request (signature by each secret). */
export const signHeaders = (req: SendRequest): Record<string, string> => ({
  "content-type": "application/json",
  "user-agent": "Signet-Webhooks/1",
  "webhook-id": req.msgId,
  "webhook-timestamp": String(Math.floor(req.at.getTime() / 1000)),
  "webhook-signature": req.secrets.map((s) => new Webhook(s).sign(req.msgId, req.at, req.payload)).join(" ")
})

const describeError = (e: unknown): string => {
  const err = e as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } }
  if (err.cause?.code === "ESIGNETPRIVATE" || err.code === "ESIGNETPRIVATE") return REFUSED_RESOLUTION
  const code = typeof err.code === "string" ? err.code : typeof err.cause?.code === "string" ? err.cause.code : ""
  const message = typeof err.message === "string" ? err.message : String(e)
  return `${code ? `${code}: ` : ""}${message}`.slice(0, MAX_ERROR_CHARS)
}

/** Reads at most {@link MAX_EXCERPT_BYTES} of a body, then drops the rest. */
const excerptOf = async (body: AsyncIterable<Uint8Array> & { destroy: () => unknown }): Promise<string> => {
  const chunks: Array<Uint8Array> = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.byteLength
    if (size >= MAX_EXCERPT_BYTES) break
  }
  body.destroy()
  return new TextDecoder("utf-8").decode(Buffer.concat(chunks).subarray(0, MAX_EXCERPT_BYTES))
}

/**
 * Posts one signed request within `timeoutMs`; never fails — every outcome
 * is a {@link SendResult} for the log.
 */
export const send = (req: SendRequest, options: TargetOptions & { readonly timeoutMs: number }) =>
  Effect.promise(async (): Promise<SendResult> => {
    const url = checkEndpointUrl(req.url, options)
    if (typeof url === "string") return { statusCode: null, latencyMs: 0, excerpt: null, error: `the URL ${url}` }
    const agent = guardedAgent(options, options.timeoutMs)
    const started = performance.now()
    try {
      let target = url
      for (let hops = 0; ; hops++) {
        const res = await request(target, {
          method: "POST",
          headers: signHeaders(req),
          body: req.payload,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs)
        })
        const status = res.statusCode
        const location = typeof res.headers.location === "string" ? res.headers.location : undefined
        if ((status === 307 || status === 308) && hops < MAX_WEBHOOK_REDIRECTS) {
          await res.body.dump().catch(() => undefined)
          const next = redirectTarget(target, location, options)
          if (typeof next === "string") {
            const latencyMs = Math.round(performance.now() - started)
            return { statusCode: status, latencyMs, excerpt: null, error: `HTTP ${status}: the redirect ${next}` }
          }
          target = next
          continue
        }
        const latencyMs = Math.round(performance.now() - started)
        const excerpt = await excerptOf(res.body).catch(() => null)
        const ok = status >= 200 && status < 300
        const error = ok
          ? null
          : status === 307 || status === 308
            ? `HTTP ${status}: more than ${MAX_WEBHOOK_REDIRECTS} redirects`
            : status >= 300 && status < 400
              ? `HTTP ${status}: not followed (only 307/308 keep the POST); update the endpoint's URL${location ? ` to ${location.slice(0, 200)}` : ""}`
              : `HTTP ${status}`
        return { statusCode: status, latencyMs, excerpt, error }
      }
    } catch (e) {
      return {
        statusCode: null,
        latencyMs: Math.round(performance.now() - started),
        excerpt: null,
        error: describeError(e)
      }
    } finally {
      void agent.destroy().catch(() => undefined)
    }
  })
