/**
 * Mounting of the tenants' OpenID Connect providers (issue 19 §1) on the
 * server's router: `/t/{slug}/.well-known/openid-configuration` and
 * everything under `/t/{slug}/oidc/`. `oidc-provider` is a Koa application
 * that wants Node's own request and response: the handler hands it the
 * raw `IncomingMessage`/`ServerResponse` of the request
 * (`NodeHttpServerRequest.toIncomingMessage`/`toServerResponse`), with
 * `url` made relative to the issuer (`/t/{slug}`) and `originalUrl` kept,
 * waits until the provider has finished the response, and answers an empty
 * response with the same status — which the platform does not write again
 * (it skips a response whose `writableEnded` is set), while the global
 * middleware still counts and logs it. The body guards run before
 * (form-encoded bodies only, with a `Content-Length`, within the limit).
 * Interaction pages are `OidcInteraction.ts`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpLayerRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { type Auth, OidcProviders, type TenantProvider } from "@signet/core"
import { Effect, FiberRef, Layer, Option } from "effect"
import type { ServerConfig } from "./Config.js"
import { CurrentRequestId } from "./Middleware.js"
import { handleInteraction, INTERACTION_CSP } from "./OidcInteraction.js"
import { problemResponse } from "./Problem.js"

/** Headers set on every provider response before `oidc-provider` writes it. */
const PROVIDER_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  // Framing and <base> refused; scripts are not restricted here because the
  // provider's form_post response submits itself with an inline script.
  "content-security-policy": "frame-ancestors 'none'; base-uri 'none'"
}

/** Resolves when `res` is finished (or the connection closed). */
const finished = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    if (res.writableEnded) return resolve()
    res.once("finish", () => resolve())
    res.once("close", () => resolve())
  })

/** Runs the provider (or an interaction step) on the raw request; see the module comment. */
const serveRaw = (
  tp: TenantProvider,
  rest: string,
  req: IncomingMessage & { originalUrl?: string | undefined },
  res: ServerResponse,
  interaction: (rest: string) => Promise<void>
): Promise<void> => {
  for (const [k, v] of Object.entries(PROVIDER_HEADERS)) res.setHeader(k, v)
  const done = finished(res)
  if (rest.startsWith("/oidc/interaction/")) {
    return interaction(rest.slice("/oidc/interaction/".length).split("?")[0] ?? "")
      .catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(400, { "content-type": "text/plain", "content-security-policy": INTERACTION_CSP })
          res.end(e instanceof Error && "error" in e ? String((e as { error: unknown }).error) : "interaction failed")
        } else if (!res.writableEnded) res.end()
      })
      .then(() => done)
  }
  req.originalUrl = req.url
  req.url = rest
  return Promise.resolve(tp.provider.callback()(req, res)).then(() => done)
}

/** The OIDC provider routes (see the module comment). */
export const oidcRoutes = (config: ServerConfig) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const base = Option.isSome(config.publicUrl)
        ? config.publicUrl.value
        : yield* Effect.map(HttpServer.HttpServer, (s) =>
            s.address._tag === "TcpAddress"
              ? `http://${s.address.hostname.includes(":") ? `[${s.address.hostname}]` : s.address.hostname}:${s.address.port}`
              : "http://localhost"
          )
      const providers = yield* OidcProviders
      const runtime = yield* Effect.runtime<Auth>()
      const handler = Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const requestId = yield* FiberRef.get(CurrentRequestId)
        const match = /^\/t\/([^/?]+)(\/.*)$/.exec(request.url)
        const path = request.url.split("?")[0] ?? request.url
        if (!match) return problemResponse(404, "NotFound", "no such page", path, requestId)
        const slug = decodeURIComponent(match[1]!)
        const rest = match[2]!
        const tp = yield* Effect.either(providers.forTenant(slug, base))
        if (tp._tag === "Left") return problemResponse(404, "TenantNotFound", `no tenant "${slug}"`, path, requestId)
        const req = NodeHttpServerRequest.toIncomingMessage(request)
        const res = NodeHttpServerRequest.toServerResponse(request)
        yield* Effect.promise(() =>
          serveRaw(tp.right, rest, req, res, (r) => handleInteraction(tp.right, r, req, res, runtime))
        )
        return HttpServerResponse.empty({ status: res.statusCode })
      })
      return Layer.mergeAll(
        HttpLayerRouter.add("*", "/t/:slug/oidc/*", handler),
        HttpLayerRouter.add("GET", "/t/:slug/.well-known/openid-configuration", handler)
      )
    })
  )
