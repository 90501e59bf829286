/**
 * One signed webhook request (issue 21 §1). Internal to the integrations
 * module.
 *
 * The body is the CloudEvent JSON as stored on the delivery; the headers
 * follow the Standard Webhooks specification: `webhook-id` (the event id,
 * the same on every retry), `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256>` of `id.timestamp.body`,
 * computed by the `standardwebhooks` package; one per valid secret,
 * space-separated, while a rotation's overlap lasts). Redirects are not
 * followed: only a 2xx answer is a success. The connection goes through
 * `Target.guardedAgent` (SSRF defence).
 *
 * @module
 */
import { Effect } from "effect"
import { Webhook } from "standardwebhooks"
import { request } from "undici"
import { checkEndpointUrl, guardedAgent, REFUSED_RESOLUTION, type TargetOptions } from "./Target.js"

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
      const res = await request(url, {
        method: "POST",
        headers: signHeaders(req),
        body: req.payload,
        dispatcher: agent,
        signal: AbortSignal.timeout(options.timeoutMs)
      })
      const latencyMs = Math.round(performance.now() - started)
      const excerpt = await excerptOf(res.body).catch(() => null)
      const ok = res.statusCode >= 200 && res.statusCode < 300
      const error = ok
        ? null
        : res.statusCode >= 300 && res.statusCode < 400
          ? `HTTP ${res.statusCode}: redirects are not followed`
          : `HTTP ${res.statusCode}`
      return { statusCode: res.statusCode, latencyMs, excerpt, error }
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
