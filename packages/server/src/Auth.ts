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
  type Actor,
  ApiKeys,
  Auth,
  Authenticated,
  Billing,
  type ClientInfo,
  CurrentActor,
  CurrentTenant,
  Forbidden,
  OperatorAuth,
  Operators,
  Quotas,
  RateLimit,
  type RateLimited,
  RpcOperatorAuth,
  RpcTenantAuth,
  Tenancy,
  type TenantId,
  TenantNotFound,
  Unauthorized,
  UserAuth
} from "@signet/core"
import { Context, Effect, FiberRef, Layer, Option, Redacted } from "effect"
import { limitPrincipal } from "./ApiRateLimits.js"
import { clientIp } from "./ClientIp.js"
import type { ServerConfig } from "./Config.js"
import { Metrics } from "./Metrics.js"
import { CurrentRequestId, RPC_FORWARDED_HEADER, RPC_PEER_HEADER } from "./Middleware.js"

const digest = (s: string) => Crypto.createHash("sha256").update(s).digest()

/** Constant-time token comparison. */
export const tokenMatches = (expected: Redacted.Redacted<string>, presented: string): boolean =>
  Crypto.timingSafeEqual(digest(Redacted.value(expected)), digest(presented))

export { clientIp } from "./ClientIp.js"

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
  presented: string,
  operators: Operators
): Effect.Effect<Option.Option<string>> => {
  if (check(config, presented)) return Effect.succeed(Option.some("bootstrap"))
  if (presented.split(".").length !== 3) return Effect.succeed(Option.none())
  return operators.verify(presented).pipe(
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
          const id = yield* operatorOf(config, Redacted.value(token), operators)
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
        return Effect.flatMap(operatorOf(config, token, operators), (id) =>
          Option.isSome(id)
            ? operatorActor(
                { ...headers, "x-forwarded-for": headers[RPC_FORWARDED_HEADER] ?? "" },
                headers[RPC_PEER_HEADER] || undefined,
                config,
                id.value
              )
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
  ip: clientIp(
    headers[RPC_PEER_HEADER] || undefined,
    headers[RPC_FORWARDED_HEADER] || undefined,
    config.trustedProxies
  ),
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
 * REST routes an `mfa_enroll` token may reach: the caller's profile and MFA
 * enrolment — TOTP, or registering a passkey (issue 18: a passkey is a
 * second factor for `auth.mfa_required_for_admins`).
 */
const ENROLMENT_ROUTE = /^\/api\/v1\/tenants\/[^/]+\/(me|me\/mfa\/[^?]*|me\/passkeys(\/options)?)(\?|$)/

/** What a transport hands to {@link resolveCaller}. */
export interface CallerRequest {
  /** The bearer token as presented (empty when none). */
  readonly token: string
  /**
   * The tenant the request names: the `{slug}` of a REST path, the
   * `x-signet-tenant` header of an RPC. Operators and API keys act on it; a
   * user token must belong to it when it is given (else 404, as if the
   * tenant did not exist).
   */
  readonly slug: string | undefined
  /** Client address (after the trusted-proxy rule) and user agent. */
  readonly client: ClientInfo
  readonly requestId: string | undefined
  /** Whether this request is an MFA enrolment step, the only thing an `mfa_enroll` token may do. */
  readonly enrolmentStep: boolean
}

/**
 * The one caller resolution of tenant-scoped requests, shared by REST
 * (`UserAuth`) and RPC (`RpcTenantAuth`): an API key (`sg_…`) of the named
 * tenant, the operator token (bootstrap or a platform operator's) acting on
 * the named tenant, or a user access token — whose tenant is the token's own
 * and must agree with the named one. The actor carries the client facts and,
 * for users, the verified session, user type and school.
 * @errors Unauthorized (no or bad credentials), TenantNotFound (unknown tenant,
 * or a user token of another tenant), TenantSuspended, Forbidden (an
 * `mfa_enroll` token outside the enrolment steps)
 */
export const resolveCaller = (config: ServerConfig, request: CallerRequest) =>
  Effect.flatMap(Effect.context<Auth | Tenancy | ApiKeys | Operators>(), (services) =>
    resolveCallerWith(config, request, callerServices(services))
  )

/** The services {@link resolveCaller} uses. */
interface CallerServices {
  readonly auth: Auth
  readonly tenancy: Tenancy
  readonly apiKeys: ApiKeys
  readonly operators: Operators
}

const callerServices = (services: Context.Context<Auth | Tenancy | ApiKeys | Operators>): CallerServices => ({
  auth: Context.get(services, Auth),
  tenancy: Context.get(services, Tenancy),
  apiKeys: Context.get(services, ApiKeys),
  operators: Context.get(services, Operators)
})

/**
 * {@link resolveCaller} with its services given: the per-request
 * authentication of `UserAuth` and `RpcTenantAuth` takes them from the
 * layer, where merging them into each request's context cost a copy of it.
 */
const resolveCallerWith = (
  config: ServerConfig,
  request: CallerRequest,
  { auth, tenancy, apiKeys, operators }: CallerServices
) =>
  Effect.gen(function* () {
    const { client, requestId, slug, token } = request
    const base = { ip: client.ip, userAgent: client.userAgent, requestId }
    const principal = (
      tenant: { readonly id: TenantId; readonly slug: string },
      actor: Actor,
      claims?: {
        readonly sid: string
        readonly user_type: string
        readonly school_id?: string | null | undefined
        readonly roles: ReadonlyArray<string>
      }
    ): Authenticated["Type"] => ({
      tenant,
      actor,
      sessionId: claims?.sid ?? null,
      userType: claims?.user_type ?? null,
      schoolId: claims?.school_id ?? null,
      roles: claims?.roles ?? []
    })
    if (token.startsWith("sg_")) {
      // API key: the tenant is the one the request names; the key must belong to it.
      const tenant = yield* tenancy
        .resolveActive(slug ?? "")
        .pipe(Effect.catchTag("TenantNotFound", () => Effect.fail(new Unauthorized({ message: "invalid API key" }))))
      const ref = { id: tenant.id, slug: tenant.slug }
      const key = yield* apiKeys.authenticate(token).pipe(Effect.provideService(CurrentTenant, ref))
      return principal(ref, { kind: "apiKey", id: key.id, ...base, permissions: key.permissions })
    }
    const operator = yield* operatorOf(config, token, operators)
    if (Option.isSome(operator)) {
      const tenant = yield* tenancy.get(slug ?? "")
      return principal({ id: tenant.id, slug: tenant.slug }, { kind: "operator", id: operator.value, ...base })
    }
    const claims = yield* auth.validateToken(token)
    // The named tenant and the verified token must agree; another tenant's name is "not found".
    if (slug !== undefined && slug !== "" && claims.tenant_slug !== slug) {
      return yield* new TenantNotFound({ message: `no tenant "${slug}"`, tenant: slug })
    }
    if (claims.mfa_enroll && !request.enrolmentStep) {
      return yield* new Forbidden({
        message: "this tenant requires MFA for administrators: enrol at POST …/me/mfa/totp, then log in again",
        permission: "mfa:enroll"
      })
    }
    return principal(
      { id: claims.tid, slug: claims.tenant_slug },
      {
        kind: "user",
        id: claims.sub,
        ...base,
        sessionId: claims.sid,
        userType: claims.user_type,
        schoolId: claims.school_id ?? undefined
      },
      claims
    )
  })

/**
 * REST: `UserAuth` — {@link resolveCaller} with the tenant of the path
 * (`/api/v1/tenants/{slug}/…`); `…/me` and `…/me/mfa/…` are the enrolment steps.
 */
export const UserAuthLive = (config: ServerConfig) =>
  Layer.effect(
    UserAuth,
    Effect.map(
      Effect.context<Auth | Tenancy | ApiKeys | Operators | RateLimit.RateLimiter | Metrics | Quotas | Billing>(),
      (services) => {
        const limit = principalLimiter(config, services)
        const resolving = callerServices(services)
        return {
          bearer: (token: Redacted.Redacted<string>) =>
            Effect.gen(function* () {
              const request = yield* HttpServerRequest.HttpServerRequest
              const principal = yield* resolveCallerWith(
                config,
                {
                  token: Redacted.value(token),
                  slug: decodeURIComponent(TENANT_PATH.exec(request.url)?.[1] ?? ""),
                  client: yield* clientInfo(config),
                  requestId: yield* FiberRef.get(CurrentRequestId),
                  enrolmentStep: ENROLMENT_ROUTE.test(request.url)
                },
                resolving
              )
              yield* limit(principal)
              return principal
            })
        }
      }
    )
  )

/** The API rate limits of a resolved caller (issue 21 §5), with this server's limiter and metrics. */
const principalLimiter = (
  config: ServerConfig,
  services: Context.Context<RateLimit.RateLimiter | Metrics | Quotas | Billing>
): ((principal: Context.Tag.Service<Authenticated>) => Effect.Effect<void, RateLimited>) => {
  const limiter = Context.get(services, RateLimit.RateLimiter)
  const metrics = Context.get(services, Metrics)
  const quotas = Context.get(services, Quotas)
  const meter = Context.get(services, Billing).apiRequests
  return (principal) => limitPrincipal(config.apiRateLimits, limiter, metrics.rateLimited, principal, quotas, meter)
}

/**
 * Runs a handler as the authenticated principal: provides `CurrentTenant`
 * and `CurrentActor` (in one step: each `provideService` copies the
 * request's whole context).
 */
export const asPrincipal = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Authenticated, (p) =>
    Effect.provide(self, Context.make(CurrentTenant, p.tenant).pipe(Context.add(CurrentActor, p.actor)))
  )

/**
 * RPC: `RpcTenantAuth` — {@link resolveCaller} with the tenant named by the
 * `x-signet-tenant` header (required for operators and API keys; optional
 * for user tokens, whose tenant is their own). No RPC is an enrolment step.
 */
export const RpcTenantAuthLive = (config: ServerConfig) =>
  Layer.effect(
    RpcTenantAuth,
    Effect.map(
      Effect.context<Auth | Tenancy | ApiKeys | Operators | RateLimit.RateLimiter | Metrics | Quotas | Billing>(),
      (services) => {
        const limit = principalLimiter(config, services)
        const resolving = callerServices(services)
        return RpcTenantAuth.of(({ headers }) =>
          Effect.gen(function* () {
            const header = headers["authorization"] ?? ""
            const principal = yield* resolveCallerWith(
              config,
              {
                token: header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : "",
                slug: headers["x-signet-tenant"],
                client: rpcClientInfo(config, headers),
                requestId: yield* FiberRef.get(CurrentRequestId),
                enrolmentStep: false
              },
              resolving
            )
            yield* limit(principal)
            return principal
          })
        )
      }
    )
  )

/**
 * gRPC (issue 21 §3): {@link resolveCaller}, then the caller's API rate
 * limits — the same two steps as `UserAuth` and `RpcTenantAuth`.
 * @errors Unauthorized, Forbidden, TenantNotFound, TenantSuspended, RateLimited
 */
export const resolveLimitedCaller = (config: ServerConfig, request: CallerRequest) =>
  Effect.gen(function* () {
    const principal = yield* resolveCaller(config, request)
    const limiter = yield* RateLimit.RateLimiter
    const metrics = yield* Metrics
    const quotas = yield* Quotas
    const meter = (yield* Billing).apiRequests
    yield* limitPrincipal(config.apiRateLimits, limiter, metrics.rateLimited, principal, quotas, meter)
    return principal
  })
