/**
 * The SCIM 2.0 endpoints of a tenant (issue 19 §3; RFC 7644) at
 * `/t/{slug}/scim/v2`: `/Users`, `/Groups` (list, get, create, replace,
 * patch, delete, `POST …/.search`), `/ServiceProviderConfig`,
 * `/ResourceTypes`, `/Schemas`; `/Me` answers 501 (RFC 7644 §3.11).
 *
 * Transport only (core's `ScimProvisioning` does the work and the checks):
 * 1. the bearer token must be one of the tenant's SCIM tokens
 *    (`ScimAuth.authenticate`; anything else → 401 with
 *    `WWW-Authenticate: Bearer`); the request counts against the token's
 *    bucket like an API key's (`SIGNET_RATE_API_KEY`, 429 + `Retry-After`);
 * 2. bodies are JSON (`application/scim+json` or `application/json`) of at
 *    most `SCIM_LIMITS.maxBodyBytes` (413), parsed here (400 `invalidSyntax`);
 * 3. answers are `application/scim+json`; errors are SCIM error responses
 *    (`urn:ietf:params:scim:api:messages:2.0:Error`, `status` as a string,
 *    `scimType`); `ETag` on single resources, `If-Match` passed to core (412).
 *    An unexpected failure is logged and answers a SCIM 500 without details.
 *
 * @module
 */
import { HttpLayerRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { ScimError } from "@signet/contracts/federation/ScimDomain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import {
  Billing,
  ScimProvisioning as P,
  policyUse,
  Quotas,
  RateLimit,
  SCIM_ERROR_SCHEMA,
  SCIM_LIMITS,
  ScimAuth,
  type ScimListQuery,
  scimProject,
  scimResourceType,
  scimResourceTypes,
  scimSchema,
  scimSchemas,
  scimSearchRequest,
  scimServiceProviderConfig
} from "@signet/core"
import { Effect, Either, Layer } from "effect"
import { limitPrincipal } from "./ApiRateLimits.js"
import type { ServerConfig } from "./Config.js"
import { Metrics } from "./Metrics.js"
import { publicOrigin } from "./Middleware.js"

/** The SCIM base path template (also a fixed metrics label, `Routes.ts`). */
export const SCIM_PATH = "/t/:slug/scim/v2"

/** What an operation sees of its request. */
interface ScimRequest {
  readonly id: string
  readonly body: unknown
  readonly query: Record<string, string | undefined>
  readonly base: string
  readonly ifMatch: string | undefined
}

/** What an operation answers: a status and a body, with an ETag for single resources. */
interface ScimReply {
  readonly status: number
  readonly body?: unknown
  readonly etag?: string | undefined
  readonly location?: string | undefined
}

const SCIM_JSON = "application/scim+json"

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  body === undefined
    ? HttpServerResponse.empty({ status, headers })
    : HttpServerResponse.text(JSON.stringify(body), { status, contentType: SCIM_JSON, headers })

/** A SCIM error response (RFC 7644 §3.12). */
const errorReply = (status: number, detail: string, scimType?: string, headers: Record<string, string> = {}) =>
  reply(
    status,
    { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail },
    headers
  )

const one =
  (status: number) =>
  (r: { resource: Record<string, unknown>; etag: string }): ScimReply => ({
    status,
    body: r.resource,
    etag: r.etag,
    location: status === 201 ? ((r.resource.meta as { location?: string })?.location ?? undefined) : undefined
  })
const ok = (body: unknown): ScimReply => ({ status: 200, body })
const noContent = (): ScimReply => ({ status: 204 })
const missing = (what: string) => Effect.fail(new ScimError({ status: 404, detail: `${what} not found` }))

const read = policyUse("users:read")
const write = policyUse("users:write")
const del = policyUse("users:delete")
const teamsRead = policyUse("teams:read")
const teamsWrite = policyUse("teams:write")

/**
 * A `POST …/.search` (RFC 7644 §3.4.3): the body read as a list query,
 * `list` run with it, the answer projected as the body asks.
 */
const search =
  <E, R>(list: (query: ScimListQuery, base: string) => Effect.Effect<unknown, E, R>) =>
  (r: ScimRequest) =>
    Effect.flatMap(scimSearchRequest(r.body), (s) =>
      Effect.map(list(s.query, r.base), (body) => ok(scimProject(body, s.attributes, s.excludedAttributes)))
    )

/** `/Me` (RFC 7644 §3.11): a SCIM token stands for a directory, not a person, so there is no "me". */
const noMe = () =>
  Effect.fail(new ScimError({ status: 501, detail: "/Me is not supported: SCIM tokens do not stand for a user" }))

/** The routes: method, path below the base, and the operation (one line each). */
const ROUTES = [
  ["GET", "/Users", (r: ScimRequest) => P.listUsers(r.query, r.base).pipe(read, Effect.map(ok))],
  ["POST", "/Users/.search", (r: ScimRequest) => search(P.listUsers)(r).pipe(read)],
  ["POST", "/Groups/.search", (r: ScimRequest) => search(P.listGroups)(r).pipe(teamsRead)],
  ["POST", "/.search", (r: ScimRequest) => search(P.searchAll)(r).pipe(read, teamsRead)],
  ["GET", "/Me", noMe],
  ["POST", "/Me", noMe],
  ["PUT", "/Me", noMe],
  ["PATCH", "/Me", noMe],
  ["DELETE", "/Me", noMe],
  ["POST", "/Users", (r: ScimRequest) => P.createUser(r.body, r.base).pipe(write, Effect.map(one(201)))],
  ["GET", "/Users/:id", (r: ScimRequest) => P.getUser(r.id, r.base).pipe(read, Effect.map(one(200)))],
  [
    "PUT",
    "/Users/:id",
    (r: ScimRequest) => P.replaceUser(r.id, r.body, r.base, r.ifMatch).pipe(write, Effect.map(one(200)))
  ],
  [
    "PATCH",
    "/Users/:id",
    (r: ScimRequest) => P.patchUser(r.id, r.body, r.base, r.ifMatch).pipe(write, Effect.map(one(200)))
  ],
  ["DELETE", "/Users/:id", (r: ScimRequest) => P.deleteUser(r.id, r.base, r.ifMatch).pipe(del, Effect.map(noContent))],
  ["GET", "/Groups", (r: ScimRequest) => P.listGroups(r.query, r.base).pipe(teamsRead, Effect.map(ok))],
  [
    "POST",
    "/Groups",
    (r: ScimRequest) => P.createGroup(r.body, r.base).pipe(teamsWrite, teamsRead, Effect.map(one(201)))
  ],
  ["GET", "/Groups/:id", (r: ScimRequest) => P.getGroup(r.id, r.base).pipe(teamsRead, Effect.map(one(200)))],
  [
    "PUT",
    "/Groups/:id",
    (r: ScimRequest) =>
      P.replaceGroup(r.id, r.body, r.base, r.ifMatch).pipe(teamsWrite, teamsRead, Effect.map(one(200)))
  ],
  [
    "PATCH",
    "/Groups/:id",
    (r: ScimRequest) => P.patchGroup(r.id, r.body, r.base, r.ifMatch).pipe(teamsWrite, teamsRead, Effect.map(one(200)))
  ],
  [
    "DELETE",
    "/Groups/:id",
    (r: ScimRequest) => P.deleteGroup(r.id, r.base, r.ifMatch).pipe(teamsWrite, teamsRead, Effect.map(noContent))
  ],
  ["GET", "/ServiceProviderConfig", (r: ScimRequest) => Effect.succeed(ok(scimServiceProviderConfig(r.base)))],
  ["GET", "/ResourceTypes", (r: ScimRequest) => Effect.succeed(ok(scimResourceTypes(r.base)))],
  [
    "GET",
    "/ResourceTypes/:id",
    (r: ScimRequest) => {
      const t = scimResourceType(r.base, r.id)
      return t ? Effect.succeed(ok(t)) : missing("resource type")
    }
  ],
  ["GET", "/Schemas", (r: ScimRequest) => Effect.succeed(ok(scimSchemas(r.base)))],
  [
    "GET",
    "/Schemas/:id",
    (r: ScimRequest) => {
      const s = scimSchema(r.base, r.id)
      return s ? Effect.succeed(ok(s)) : missing("schema")
    }
  ]
] as const

/** What the operations of {@link ROUTES} need. */
type RouteContext = Effect.Effect.Context<ReturnType<(typeof ROUTES)[number][2]>>

/** An operation of {@link ROUTES}. */
type Operation = (r: ScimRequest) => Effect.Effect<ScimReply, unknown, RouteContext>

const QUERY_PARAMS = ["filter", "startIndex", "count", "sortBy", "sortOrder"] as const

/** The response of an operation's outcome: its reply, or its typed error as a SCIM error. */
const respond = (inner: Either.Either<ScimReply, unknown>): HttpServerResponse.HttpServerResponse => {
  if (Either.isRight(inner)) {
    const r = inner.right
    const headers: Record<string, string> = {}
    if (r.etag) headers.etag = r.etag
    if (r.location) headers.location = r.location
    return reply(r.status, r.body, headers)
  }
  const e = inner.left as {
    _tag?: string
    status?: number
    scimType?: string
    detail?: string
    message?: string
    retryAfterSeconds?: number
  }
  if (e._tag === "ScimError") {
    const headers: Record<string, string> =
      e.status === 401
        ? { "www-authenticate": 'Bearer realm="scim"' }
        : e.status === 429
          ? { "retry-after": String(e.retryAfterSeconds ?? 60) }
          : {}
    return errorReply(e.status ?? 400, e.detail ?? "error", e.scimType, headers)
  }
  if (e._tag === "Forbidden") return errorReply(403, e.message ?? "forbidden")
  return errorReply(500, "internal error")
}

/** Reads and parses a JSON body within the limit. */
const readBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    if (request.method !== "POST" && request.method !== "PUT" && request.method !== "PATCH") return undefined
    const length = Number(request.headers["content-length"] ?? "0")
    if (length > SCIM_LIMITS.maxBodyBytes)
      return yield* new ScimError({ status: 413, detail: `the body exceeds ${SCIM_LIMITS.maxBodyBytes} bytes` })
    const text = yield* request.text.pipe(
      Effect.mapError(
        () => new ScimError({ status: 400, scimType: "invalidSyntax", detail: "the body could not be read" })
      )
    )
    if (text.length > SCIM_LIMITS.maxBodyBytes)
      return yield* new ScimError({ status: 413, detail: `the body exceeds ${SCIM_LIMITS.maxBodyBytes} bytes` })
    return yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new ScimError({ status: 400, scimType: "invalidSyntax", detail: "the body is not JSON" })
    })
  })

/** The SCIM routes as a router layer (see the module comment). */
export const scimRoutes = (config: ServerConfig) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const limiter = yield* RateLimit.RateLimiter
      const metrics = yield* Metrics
      const quotas = yield* Quotas
      const meter = (yield* Billing).apiRequests
      const context =
        yield* Effect.context<
          Exclude<
            RouteContext | Effect.Effect.Context<ReturnType<typeof ScimAuth.authenticate>>,
            CurrentTenant | CurrentActor
          >
        >()

      const handler = (run: Operation) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const params = yield* HttpLayerRouter.params
          const slug = decodeURIComponent(params.slug ?? "")
          const header = request.headers["authorization"] ?? ""
          const token = /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, "").trim() : ""
          const url = new URL(request.url, "http://scim.invalid")
          const outcome = yield* Effect.gen(function* () {
            const principal = yield* ScimAuth.authenticate(slug, token)
            const caller = { ...principal, sessionId: null, userType: null, schoolId: null, roles: [] }
            yield* limitPrincipal(config.apiRateLimits, limiter, metrics.rateLimited, caller, quotas, meter).pipe(
              Effect.mapError(
                (e) => new ScimError({ status: 429, detail: e.message, retryAfterSeconds: e.retry_after_seconds })
              )
            )
            const body = yield* readBody(request)
            const query: Record<string, string | undefined> = {}
            for (const k of QUERY_PARAMS) query[k] = url.searchParams.get(k) ?? undefined
            const base = `${publicOrigin(config, request)}/t/${encodeURIComponent(slug)}/scim/v2`
            const id = decodeURIComponent(params.id ?? "")
            return yield* run({ id, body, query, base, ifMatch: request.headers["if-match"] }).pipe(
              Effect.provideService(CurrentTenant, principal.tenant),
              Effect.provideService(CurrentActor, principal.actor)
            )
          }).pipe(Effect.provide(context), Effect.either, Effect.sandbox, Effect.either)
          if (Either.isLeft(outcome)) {
            yield* Effect.logError("SCIM request failed", outcome.left)
            return errorReply(500, "internal error")
          }
          // `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) shape what a read answers.
          const shaped = Either.map(outcome.right, (r) =>
            request.method === "GET" && r.body !== undefined
              ? {
                  ...r,
                  body: scimProject(
                    r.body,
                    url.searchParams.get("attributes") ?? undefined,
                    url.searchParams.get("excludedAttributes") ?? undefined
                  )
                }
              : r
          )
          return respond(shaped)
        })

      return HttpLayerRouter.addAll(
        ROUTES.map(([method, path, run]) =>
          HttpLayerRouter.route(method, `${SCIM_PATH}${path}`, handler(run as Operation))
        )
      )
    })
  )
