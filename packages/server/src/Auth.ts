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
import {
  Access,
  type Actor,
  ApiKeys,
  Auth,
  Authenticated,
  type ClientInfo,
  CurrentActor,
  CurrentTenant,
  Forbidden,
  NotFound,
  OperatorAuth,
  Operators,
  RpcOperatorAuth,
  RpcTenantAuth,
  Tenancy,
  TenantNotFound,
  Unauthorized,
  UserAuth
} from "@signet/core"
import { Effect, FiberRef, Layer, Option, Redacted } from "effect"
import type { ServerConfig } from "./Config.js"
import { CurrentRequestId, RPC_PEER_HEADER } from "./Middleware.js"

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

const operatorActor = (headers: Headers, remote: string | undefined, config: ServerConfig, id = "bootstrap") =>
  Effect.map(
    FiberRef.get(CurrentRequestId),
    (requestId): Actor => ({
      kind: "operator",
      id,
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

/**
 * Which operator a bearer token stands for: the bootstrap token
 * (`bootstrap`), or a platform operator's token (their id); `None` otherwise.
 */
export const operatorOf = (
  config: ServerConfig,
  presented: string
): Effect.Effect<Option.Option<string>, never, Operators> => {
  if (check(config, presented)) return Effect.succeed(Option.some("bootstrap"))
  if (presented.split(".").length !== 3) return Effect.succeed(Option.none())
  return Operators.use((o) => o.verify(presented)).pipe(
    Effect.map((op) => Option.some(op.id)),
    Effect.orElseSucceed(() => Option.none<string>())
  )
}

/** REST: `OperatorAuth` (bearer): the bootstrap token or a platform operator's token. */
export const OperatorAuthLive = (config: ServerConfig) =>
  Layer.effect(
    OperatorAuth,
    Effect.map(Operators, (operators) => ({
      bearer: (token: Redacted.Redacted<string>) =>
        Effect.gen(function* () {
          const id = yield* operatorOf(config, Redacted.value(token)).pipe(Effect.provideService(Operators, operators))
          if (Option.isNone(id)) return yield* unauthorized
          const request = yield* HttpServerRequest.HttpServerRequest
          return yield* operatorActor(request.headers, Option.getOrUndefined(request.remoteAddress), config, id.value)
        })
    }))
  )

/** RPC: `RpcOperatorAuth` reads `authorization: Bearer …` from the request headers. */
export const RpcOperatorAuthLive = (config: ServerConfig) =>
  Layer.effect(
    RpcOperatorAuth,
    Effect.map(Operators, (operators) =>
      RpcOperatorAuth.of(({ headers }) => {
        const auth = headers["authorization"] ?? ""
        const token = auth.toLowerCase().startsWith("bearer ") ? auth.slice(7).trim() : ""
        return Effect.flatMap(operatorOf(config, token).pipe(Effect.provideService(Operators, operators)), (id) =>
          Option.isSome(id)
            ? operatorActor(headers, headers[RPC_PEER_HEADER] || undefined, config, id.value)
            : Effect.fail(unauthorized)
        )
      })
    )
  )

/**
 * Client facts of an `/rpc` request, from the headers @effect/rpc hands to
 * handlers and middleware: the TCP peer comes from {@link RPC_PEER_HEADER}
 * (set by the global middleware), then the trusted-proxy rule as over REST.
 */
export const rpcClientInfo = (config: ServerConfig, headers: Headers): ClientInfo => ({
  ip: clientIp(headers[RPC_PEER_HEADER] || undefined, headers["x-forwarded-for"], config.trustedProxies),
  userAgent: headers["user-agent"]
})

/** Client facts of the current request (address per the trusted-proxy rule, user agent). */
export const clientInfo = (
  config: ServerConfig,
  deviceLabel?: string
): Effect.Effect<ClientInfo, never, HttpServerRequest.HttpServerRequest> =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => ({
    ip: clientIp(
      Option.getOrUndefined(request.remoteAddress),
      request.headers["x-forwarded-for"],
      config.trustedProxies
    ),
    userAgent: request.headers["user-agent"],
    deviceLabel
  }))

const TENANT_PATH = /^\/api\/v1\/tenants\/([^/?#]+)/

/**
 * REST: `UserAuth` — a user access token of the tenant in the path, or the
 * operator token. See the contract in `@signet/core` for the rules.
 */
export const UserAuthLive = (config: ServerConfig) =>
  Layer.effect(
    UserAuth,
    Effect.gen(function* () {
      const auth = yield* Auth
      const tenancy = yield* Tenancy
      const apiKeys = yield* ApiKeys
      const operators = yield* Operators
      return {
        bearer: (token) =>
          Effect.gen(function* () {
            const request = yield* HttpServerRequest.HttpServerRequest
            const requestId = yield* FiberRef.get(CurrentRequestId)
            const slug = decodeURIComponent(TENANT_PATH.exec(request.url)?.[1] ?? "")
            const presented = Redacted.value(token)
            const info = yield* clientInfo(config)
            if (presented.startsWith("sg_")) {
              // API key: the tenant is the one in the path; the key must belong to it.
              const tenant = yield* tenancy
                .resolveActive(slug)
                .pipe(
                  Effect.catchTag("TenantNotFound", () => Effect.fail(new Unauthorized({ message: "invalid API key" })))
                )
              const key = yield* apiKeys
                .authenticate(presented)
                .pipe(Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }))
              return {
                tenant: { id: tenant.id, slug: tenant.slug },
                actor: {
                  kind: "apiKey",
                  id: key.id,
                  ip: info.ip,
                  userAgent: info.userAgent,
                  requestId,
                  permissions: key.permissions
                } satisfies Actor,
                sessionId: null,
                userType: null,
                schoolId: null,
                roles: []
              }
            }
            const operator = yield* operatorOf(config, presented).pipe(Effect.provideService(Operators, operators))
            if (Option.isSome(operator)) {
              const tenant = yield* tenancy.get(slug)
              return {
                tenant: { id: tenant.id, slug: tenant.slug },
                actor: {
                  kind: "operator",
                  id: operator.value,
                  ip: info.ip,
                  userAgent: info.userAgent,
                  requestId
                } satisfies Actor,
                sessionId: null,
                userType: null,
                schoolId: null,
                roles: []
              }
            }
            const claims = yield* auth.validateToken(presented)
            // The path and the verified token must name the same tenant; another tenant's path is "not found".
            if (claims.tenant_slug !== slug) {
              return yield* new TenantNotFound({ message: `no tenant "${slug}"`, tenant: slug })
            }
            if (claims.mfa_enroll && !/^\/api\/v1\/tenants\/[^/]+\/(me|me\/mfa\/[^?]*)(\?|$)/.test(request.url)) {
              return yield* new Forbidden({
                message: "this tenant requires MFA for administrators: enrol at POST …/me/mfa/totp, then log in again",
                permission: "mfa:enroll"
              })
            }
            return {
              tenant: { id: claims.tid as any, slug: claims.tenant_slug },
              actor: {
                kind: "user",
                id: claims.sub,
                ip: info.ip,
                userAgent: info.userAgent,
                requestId,
                sessionId: claims.sid,
                userType: claims.user_type,
                schoolId: claims.school_id ?? undefined
              } satisfies Actor,
              sessionId: claims.sid,
              userType: claims.user_type,
              schoolId: claims.school_id ?? null,
              roles: claims.roles
            }
          })
      }
    })
  )

/** Runs a handler as the authenticated principal: provides `CurrentTenant` and `CurrentActor`. */
export const asPrincipal = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Authenticated, (p) =>
    self.pipe(Effect.provideService(CurrentTenant, p.tenant), Effect.provideService(CurrentActor, p.actor))
  )

/**
 * `self` when the current actor is the user `userId` (a user reading their own
 * record), `other` — which checks a permission — otherwise.
 */
export const selfOr = <A, E1, R1, E2, R2>(
  userId: string,
  self: Effect.Effect<A, E1, R1>,
  other: Effect.Effect<A, E2, R2>
): Effect.Effect<A, E1 | E2, R1 | R2 | CurrentActor> =>
  Effect.flatMap(
    CurrentActor,
    (actor): Effect.Effect<A, E1 | E2, R1 | R2> => (actor.kind === "user" && actor.id === userId ? self : other)
  )

/** True when a granted permission pattern covers a required `resource:action`. */
export const permissionCovers = (granted: string, required: string): boolean =>
  granted === required || granted === "*:*" || (granted.endsWith(":*") && required.startsWith(granted.slice(0, -1)))

/**
 * Authorization guard for handlers outside the access module's typed
 * policies: the RBAC decision (`Access.checkActor`) for the authenticated
 * principal — users by their roles, teams and overrides, API keys by their
 * scopes; operators and the system pass.
 * @errors Forbidden (names the missing permission)
 */
export const requirePermission = (permission: string) =>
  Effect.flatMap(Authenticated, (p) =>
    Access.use((a) => a.checkActor(p.actor, permission)).pipe(
      Effect.provideService(CurrentTenant, p.tenant),
      Effect.flatMap((allowed) =>
        allowed ? Effect.void : Effect.fail(new Forbidden({ message: `missing permission ${permission}`, permission }))
      )
    )
  )

/** The authenticated user's id (fails Forbidden for non-user principals). */
export const currentUserId = Effect.flatMap(Authenticated, (p) =>
  p.actor.kind === "user" && p.actor.id
    ? Effect.succeed({ userId: p.actor.id, sessionId: p.sessionId })
    : Effect.fail(new Forbidden({ message: "this endpoint needs a user token" }))
)

/**
 * RPC: `RpcTenantAuth` — a user access token (tenant from its claims) or the
 * operator token plus `x-signet-tenant: <slug>`.
 */
export const RpcTenantAuthLive = (config: ServerConfig) =>
  Layer.effect(
    RpcTenantAuth,
    Effect.gen(function* () {
      const auth = yield* Auth
      const tenancy = yield* Tenancy
      const operators = yield* Operators
      return RpcTenantAuth.of(({ headers }) =>
        Effect.gen(function* () {
          const header = headers["authorization"] ?? ""
          const token = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : ""
          const requestId = yield* FiberRef.get(CurrentRequestId)
          const base = { ...rpcClientInfo(config, headers), requestId }
          const operator = yield* operatorOf(config, token).pipe(Effect.provideService(Operators, operators))
          if (Option.isSome(operator)) {
            const tenant = yield* tenancy.get(headers["x-signet-tenant"] ?? "")
            return {
              tenant: { id: tenant.id, slug: tenant.slug },
              actor: { kind: "operator", id: operator.value, ...base } satisfies Actor,
              sessionId: null,
              userType: null,
              schoolId: null,
              roles: []
            }
          }
          const claims = yield* auth.validateToken(token)
          // As over REST (UserAuthLive), except that no RPC is an enrolment step.
          if (claims.mfa_enroll) {
            return yield* new Forbidden({
              message: "this tenant requires MFA for administrators: enrol at POST …/me/mfa/totp, then log in again",
              permission: "mfa:enroll"
            })
          }
          return {
            tenant: { id: claims.tid as any, slug: claims.tenant_slug },
            actor: {
              kind: "user",
              id: claims.sub,
              ...base,
              sessionId: claims.sid,
              userType: claims.user_type,
              schoolId: claims.school_id ?? undefined
            } satisfies Actor,
            sessionId: claims.sid,
            userType: claims.user_type,
            schoolId: claims.school_id ?? null,
            roles: claims.roles
          }
        })
      )
    })
  )

/**
 * A user id named by a request must be a live user of the caller's tenant
 * (`exists` answers that): another tenant's user, or none, is 404 — no grant,
 * override or membership is ever written for it.
 * @errors NotFound (`resource: "user"`)
 */
export const requireTenantUser = <R>(exists: Effect.Effect<boolean, never, R>, userId: string) =>
  Effect.flatMap(
    exists,
    (found): Effect.Effect<void, NotFound> =>
      found ? Effect.void : Effect.fail(new NotFound({ message: `no user ${userId}`, resource: "user", id: userId }))
  )
