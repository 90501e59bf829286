/**
 * The client address of a request, under the trusted-proxy rule
 * (`SIGNET_TRUSTED_PROXIES`). Shared by authentication (audit rows, login
 * limits) and the global middleware (the per-address API rate limit).
 *
 * @module
 */

/**
 * The client address: the socket peer, or — only when the peer is a
 * configured trusted proxy — the right-most `X-Forwarded-For` entry that is
 * not itself a trusted proxy. A client cannot choose its address by sending
 * the header directly.
 */
export const clientIp = (
  remote: string | undefined,
  forwardedFor: string | undefined,
  trusted: ReadonlyArray<string>
): string | undefined => {
  const norm = (ip: string | undefined) => ip?.replace(/^::ffff:/, "")
  const peer = norm(remote)
  if (!peer || !trusted.includes(peer) || !forwardedFor) return peer
  const hops = forwardedFor
    .split(",")
    .map((s) => norm(s.trim())!)
    .filter((s) => s.length > 0)
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.includes(hops[i]!)) return hops[i]
  }
  return peer
}
