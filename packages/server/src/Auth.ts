/**
 * Server-side implementations of the authentication contracts.
 *
 * Until the identity module issues operator tokens, platform endpoints accept
 * the bootstrap operator token from `SIGNET_BOOTSTRAP_TOKEN`. The comparison
 * hashes both sides and uses `timingSafeEqual`, so neither the content nor the
 * length of the token leaks through timing. Without a configured token every
 * operator request is refused.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { HttpServerRequest } from "@effect/platform"
import type { Headers } from "@effect/platform/Headers"
import { type Actor, OperatorAuth, RpcOperatorAuth, Unauthorized } from "@signet/core"
import { Effect, FiberRef, Layer, Option, Redacted } from "effect"
import type { ServerConfig } from "./Config.js"
import { CurrentRequestId } from "./Middleware.js"

const digest = (s: string) => Crypto.createHash("sha256").update(s).digest()

/** Constant-time token comparison. */
export const tokenMatches = (expected: Redacted.Redacted<string>, presented: string): boolean =>
  Crypto.timingSafeEqual(digest(Redacted.value(expected)), digest(presented))

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

const unauthorized = new Unauthorized({ message: "missing or invalid operator credentials" })

const operatorActor = (headers: Headers, remote: string | undefined, config: ServerConfig) =>
  Effect.map(
    FiberRef.get(CurrentRequestId),
    (requestId): Actor => ({
      kind: "operator",
      id: "bootstrap",
      ip: clientIp(remote, headers["x-forwarded-for"], config.trustedProxies),
      userAgent: headers["user-agent"],
      requestId: requestId || headers["x-request-id"]
    })
  )

const check = (config: ServerConfig, presented: string) =>
  Option.match(config.bootstrapToken, {
    onNone: () => false,
    onSome: (expected) => presented.length > 0 && tokenMatches(expected, presented)
  })

/** REST: `OperatorAuth` (bearer). */
export const OperatorAuthLive = (config: ServerConfig) =>
  Layer.succeed(OperatorAuth, {
    bearer: (token) =>
      Effect.gen(function* () {
        if (!check(config, Redacted.value(token))) return yield* unauthorized
        const request = yield* HttpServerRequest.HttpServerRequest
        return yield* operatorActor(request.headers, Option.getOrUndefined(request.remoteAddress), config)
      })
  })

/** RPC: `RpcOperatorAuth` reads `authorization: Bearer …` from the request headers. */
export const RpcOperatorAuthLive = (config: ServerConfig) =>
  Layer.succeed(
    RpcOperatorAuth,
    RpcOperatorAuth.of(({ headers }) => {
      const auth = headers["authorization"] ?? ""
      const token = auth.toLowerCase().startsWith("bearer ") ? auth.slice(7).trim() : ""
      return check(config, token) ? operatorActor(headers, undefined, config) : Effect.fail(unauthorized)
    })
  )
