/**
 * Where an outgoing request (a webhook, a channel's SMS or chat call) may be
 * sent (issue 21 §1 "SSRF defence"; issue 22 "Channel configs"). In the
 * kernel so every module sending to tenant-supplied URLs (integrations,
 * activities, accounts) uses the same rules without a module cycle;
 * `integrations/Target.ts` re-exports it.
 *
 * - {@link checkEndpointUrl}: the URL is absolute, `https` (plain `http`
 *   only with the operator's `allowPrivateTargets`, for loopback and
 *   development receivers), carries no credentials and no fragment, and —
 *   unless allowed — its host is not a literal loopback, private,
 *   link-local, CGNAT, metadata or otherwise non-public address, nor
 *   `localhost`.
 * - {@link isPublicAddress}: an address is acceptable only when `ipaddr.js`
 *   classifies it as `unicast` (public) — IPv4, IPv6, and IPv4-mapped IPv6
 *   classified as the IPv4 address it carries. Everything else (loopback,
 *   private, link-local incl. the 169.254.169.254 metadata address,
 *   carrier-grade NAT, unique-local incl. `fd00:ec2::254`, 6to4, Teredo,
 *   NAT64, multicast, reserved, unspecified) is refused.
 * - {@link guardedAgent}: an undici `Agent` whose DNS lookup refuses a name
 *   resolving to any non-public address. The check runs at connection time
 *   on the very addresses the socket connects to, so a DNS answer changing
 *   between a check and the connection (rebinding) does not get through.
 *   Literal addresses (which skip the lookup) are checked by
 *   {@link checkEndpointUrl} before each request. Redirects are never
 *   followed (a 3xx answer is a failed attempt).
 *
 * @module
 */

import type { LookupAddress, LookupOptions } from "node:dns"
import * as Dns from "node:dns"
import { Config, Context } from "effect"
import ipaddr from "ipaddr.js"
import { Agent } from "undici"

/** Operator settings of outgoing request targets (webhooks, channels). */
export interface TargetOptions {
  /**
   * Allow plain `http` and loopback / private / link-local targets (tests,
   * development, a receiver on the operator's own network). Default false.
   */
  readonly allowPrivateTargets: boolean
}

/**
 * Whether `address` (an IP literal) is a public unicast address; see the
 * module comment. Not an address at all answers false.
 */
export const isPublicAddress = (address: string): boolean => {
  if (!ipaddr.isValid(address)) return false
  const parsed = ipaddr.parse(address)
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === "unicast"
    return v6.range() === "unicast"
  }
  return parsed.range() === "unicast"
}

/** The host of a URL without IPv6 brackets. */
const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1")

/**
 * Checks an endpoint URL; answers it parsed, or the rule it breaks (a
 * message that does not repeat the URL).
 */
export const checkEndpointUrl = (raw: string, options: TargetOptions): URL | string => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return "must be an absolute URL"
  }
  if (url.username !== "" || url.password !== "") return "must not carry credentials"
  if (url.hash !== "") return "must not carry a fragment"
  if (url.protocol === "http:") {
    if (!options.allowPrivateTargets) return "must use https"
  } else if (url.protocol !== "https:") return "must use https"
  if (options.allowPrivateTargets) return url
  const host = bareHost(url)
  if (host === "localhost" || host.endsWith(".localhost") || host === "localhost.")
    return "must not name a loopback host"
  if (ipaddr.isValid(host) && !isPublicAddress(host))
    return "must not name a loopback, private, link-local or otherwise non-public address"
  return url
}

/**
 * Resolves a URL's host now and answers why it is refused (a message naming
 * the rule), or null when every address is public or private targets are
 * allowed. Used when an endpoint is created or its URL changed; the guarded
 * lookup checks again at every connection.
 */
export const checkResolvedHost = async (url: URL, options: TargetOptions): Promise<string | null> => {
  if (options.allowPrivateTargets) return null
  const host = bareHost(url)
  if (ipaddr.isValid(host)) return null // literal addresses: checkEndpointUrl
  const addresses = await Dns.promises.lookup(host, { all: true, verbatim: true }).catch(() => null)
  if (addresses === null || addresses.length === 0) return "host name could not be resolved"
  return addresses.some((a) => !isPublicAddress(a.address))
    ? "host resolves to a loopback, private, link-local or otherwise non-public address"
    : null
}

/** Why a connection was refused by the guarded lookup. */
export const REFUSED_RESOLUTION = "the host resolves to a loopback, private, link-local or otherwise non-public address"

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | Array<LookupAddress>,
  family?: number
) => void

/** A `dns.lookup` replacement that refuses non-public answers (all of them, when any is). */
const guardedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
  Dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, [])
    if (addresses.length === 0 || addresses.some((a) => !isPublicAddress(a.address))) {
      const refused: NodeJS.ErrnoException = new Error(REFUSED_RESOLUTION)
      refused.code = "ESIGNETPRIVATE"
      return callback(refused, [])
    }
    if (options.all === true) return callback(null, addresses)
    const first = addresses[0]!
    return callback(null, first.address, first.family)
  })
}

/**
 * An undici `Agent` for webhook requests: the guarded lookup unless
 * private targets are allowed, `timeoutMs` for connecting and for the
 * answer's headers and body.
 */
export const guardedAgent = (options: TargetOptions, timeoutMs: number): Agent =>
  new Agent({
    connect: {
      timeout: timeoutMs,
      ...(options.allowPrivateTargets ? {} : { lookup: guardedLookup })
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs
  })

/**
 * The operator's allowance of plain-`http` and private/loopback channel
 * URLs (issue 22 "Channel configs"; development receivers, tests),
 * provided in-process; it adds to {@link channelsAllowPrivateTargets}.
 * Read by the activities channel checks and the accounts SMS sender.
 * Default: refused.
 */
export class ChannelTargetPolicy extends Context.Reference<ChannelTargetPolicy>()("Signet/ChannelTargetPolicy", {
  defaultValue: (): TargetOptions => ({ allowPrivateTargets: false })
}) {}

/** `SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS` (default false): plain `http` and private hosts for channel URLs. */
export const channelsAllowPrivateTargets = Config.boolean("SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS").pipe(
  Config.withDefault(false)
)
