/**
 * Fetching a timetable source's iCalendar URL (issue 16 "Sync mode",
 * scheduled pull). Internal to `timetable/Sources.ts`.
 *
 * Limits: `https` only — plain `http` only to a loopback host and only with
 * `allowInsecureHttp` (tests, development); no credentials in the URL; no
 * private, loopback or link-local address unless `allowInsecureHttp` — a
 * literal one is refused when the source is added, and before each request
 * (the URL and every redirect target) the host name is resolved and refused
 * when any of its addresses is one (`localhost.`, a name in /etc/hosts or a
 * DNS name pointing inside the network). The check precedes the connection,
 * so a DNS server answering differently the second time (rebinding) is not
 * caught; at most {@link MAX_REDIRECTS} redirects, each
 * target checked like the URL; the whole exchange within
 * {@link FETCH_TIMEOUT_MS}; a body of at most the parser's `MAX_FILE_BYTES`.
 * A conditional request sends `If-None-Match` / `If-Modified-Since` from the
 * previous answer's `ETag` / `Last-Modified`; 304 answers `not_modified`.
 *
 * Messages never contain the URL (it may embed a secret token).
 *
 * @module
 */
import * as Dns from "node:dns"
import * as Net from "node:net"
import { Data, Duration, Effect } from "effect"
import { MAX_FILE_BYTES } from "../ICalendar.js"

/** Redirects followed at most. */
export const MAX_REDIRECTS = 3
/** Time allowed for one pull (connect, redirects, body), in ms. */
export const FETCH_TIMEOUT_MS = 30_000

/** Why a fetch failed (a message without the URL). */
export class FetchFailed extends Data.TaggedError("FetchFailed")<{ readonly message: string }> {}

/** What a conditional fetch answered. */
export type Fetched =
  | { readonly status: "not_modified" }
  | { readonly status: "ok"; readonly body: string; readonly etag: string | null; readonly lastModified: string | null }

/** Options of {@link fetchCalendar} and {@link checkSourceUrl}. */
export interface FetchOptions {
  /** Allow `http:` to a loopback host and loopback / private literal addresses (tests, development only). */
  readonly allowInsecureHttp?: boolean | undefined
  /**
   * Resolves a host name to its addresses before each request (default:
   * `node:dns` `lookup`, the system resolver); an embedder with its own
   * resolver, or a test, passes its own.
   */
  readonly lookup?: ((host: string) => Promise<ReadonlyArray<{ readonly address: string }>>) | undefined
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i
const PRIVATE =
  /^(0\.0\.0\.0|10(\.\d{1,3}){3}|172\.(1[6-9]|2\d|3[01])(\.\d{1,3}){2}|192\.168(\.\d{1,3}){2}|169\.254(\.\d{1,3}){2}|\[(f[cd]|fe[89ab])[0-9a-f]*:.*\]|\[::\]|\[::ffff:.*\])$/i

/**
 * Checks a source URL; answers it parsed, or why it is refused (the
 * message does not repeat the URL).
 */
export const checkSourceUrl = (raw: string, options: FetchOptions = {}): URL | string => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return "is not a valid URL"
  }
  const insecure = options.allowInsecureHttp === true
  if (url.username !== "" || url.password !== "") return "must not carry credentials before the host"
  if (url.protocol === "http:") {
    if (!insecure || !LOOPBACK.test(url.hostname)) return "must use https"
  } else if (url.protocol !== "https:") return "must use https"
  if (!insecure && (LOOPBACK.test(url.hostname) || PRIVATE.test(url.hostname)))
    return "must not name a loopback, private or link-local address"
  return url
}

/** Addresses a source may not resolve to: loopback, private, link-local, CGNAT, unspecified, unique-local. */
const INTERNAL = (() => {
  const list = new Net.BlockList()
  for (const [net, bits] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16]
  ] as const)
    list.addSubnet(net, bits, "ipv4")
  for (const [net, bits] of [
    ["::", 128],
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10]
  ] as const)
    list.addSubnet(net, bits, "ipv6")
  return list
})()

/** Whether an address (IPv4, IPv6 or IPv4-mapped IPv6) is internal. */
export const isInternalAddress = (address: string): boolean => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return INTERNAL.check(mapped[1]!, "ipv4")
  return Net.isIPv6(address) ? INTERNAL.check(address, "ipv6") : INTERNAL.check(address, "ipv4")
}

/** Refuses a host that resolves to an internal address (unless `allowInsecureHttp`). @throws FetchFailed */
const checkResolved = async (url: URL, options: FetchOptions) => {
  if (options.allowInsecureHttp === true) return
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  const lookup = options.lookup ?? ((h: string) => Dns.promises.lookup(h, { all: true, verbatim: true }))
  const addresses = await lookup(host).catch(() => {
    throw new FetchFailed({ message: "the source's host name could not be resolved" })
  })
  if (addresses.some((a) => isInternalAddress(a.address)))
    throw new FetchFailed({ message: "the source's host resolves to a loopback, private or link-local address" })
}

/** `scheme://host/…`: what may be shown of a source URL. */
export const urlHint = (url: URL) => `${url.protocol}//${url.host}/…`

/** Reads a body up to `max` bytes; null when it is larger. */
const readCapped = async (res: Response, max: number): Promise<Uint8Array | null> => {
  const reader = res.body?.getReader()
  if (!reader) return new Uint8Array()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

const networkError = (e: unknown) => {
  const cause = (e as { cause?: { code?: unknown } }).cause
  const code = typeof cause?.code === "string" ? ` (${cause.code})` : ""
  return new FetchFailed({ message: `the source could not be reached${code}` })
}

/** One exchange: the response, following redirects by hand (each target checked). */
const exchange = async (start: URL, headers: Record<string, string>, options: FetchOptions, signal: AbortSignal) => {
  let url = start
  for (let hop = 0; ; hop++) {
    await checkResolved(url, options)
    const res = await fetch(url, { headers, redirect: "manual", signal })
    if (res.status < 300 || res.status >= 400 || res.status === 304) return res
    await res.body?.cancel()
    const location = res.headers.get("location")
    if (location === null) throw new FetchFailed({ message: `HTTP ${res.status} without a Location` })
    if (hop >= MAX_REDIRECTS) throw new FetchFailed({ message: `more than ${MAX_REDIRECTS} redirects (MAX_REDIRECTS)` })
    const next = checkSourceUrl(new URL(location, url).href, options)
    if (typeof next === "string") throw new FetchFailed({ message: `a redirect was refused: its target ${next}` })
    url = next
  }
}

/**
 * Fetches a calendar conditionally (see the module comment).
 * @errors FetchFailed (refused URL or redirect, timeout, network error, HTTP status other than 200/304, body too large)
 */
export const fetchCalendar = (
  rawUrl: string,
  validators: { readonly etag: string | null; readonly lastModified: string | null },
  options: FetchOptions = {}
): Effect.Effect<Fetched, FetchFailed> =>
  Effect.gen(function* () {
    const url = checkSourceUrl(rawUrl, options)
    if (typeof url === "string") return yield* new FetchFailed({ message: `the source URL ${url}` })
    const headers: Record<string, string> = { accept: "text/calendar", "user-agent": "Signet timetable sync" }
    if (validators.etag) headers["if-none-match"] = validators.etag
    if (validators.lastModified) headers["if-modified-since"] = validators.lastModified
    return yield* Effect.tryPromise({
      try: async (signal): Promise<Fetched> => {
        const res = await exchange(url, headers, options, signal)
        if (res.status === 304) return { status: "not_modified" }
        if (res.status !== 200) {
          await res.body?.cancel()
          throw new FetchFailed({ message: `the source answered HTTP ${res.status}` })
        }
        const declared = Number(res.headers.get("content-length") ?? "0")
        const body = declared > MAX_FILE_BYTES ? null : await readCapped(res, MAX_FILE_BYTES)
        if (body === null)
          throw new FetchFailed({ message: `the calendar is larger than ${MAX_FILE_BYTES} bytes (MAX_FILE_BYTES)` })
        return {
          status: "ok",
          body: new TextDecoder("utf-8").decode(body),
          etag: res.headers.get("etag"),
          lastModified: res.headers.get("last-modified")
        }
      },
      catch: (e) => (e instanceof FetchFailed ? e : networkError(e))
    }).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(FETCH_TIMEOUT_MS),
        onTimeout: () => new FetchFailed({ message: `no complete answer within ${FETCH_TIMEOUT_MS / 1000} s` })
      })
    )
  })
