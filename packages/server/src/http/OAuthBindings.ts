/**
 * Handlers of the `oauthProviders`, `oauthSelf` and `oauthCallback` groups
 * (issue 21 §4) over `OAuthAdmin` (core), which enforces every rule. The
 * server adds the callback URL the provider returns the browser to:
 * `{SIGNET_PUBLIC_URL or this request's origin}/api/v1/tenants/{slug}/oauth/callback`
 * — register exactly that at the provider.
 *
 * @module
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { OAuthAdmin as O, policyUse, SignetApi } from "@signet/core"
import { Effect, Option } from "effect"
import { asPrincipal } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

const read = policyUse("oauth:read")
const write = policyUse("oauth:write")

/** The callback URL of tenant `slug` (see the module comment). */
const callbackUrl = (config: ServerConfig, slug: string) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const origin = Option.isSome(config.publicUrl)
      ? config.publicUrl.value.replace(/\/$/, "")
      : `http://${request.headers.host ?? "localhost"}`
    return `${origin}/api/v1/tenants/${encodeURIComponent(slug)}/oauth/callback`
  })

/** Credentials and everyone's bindings (`oauth:read` / `oauth:write`). */
export const OAuthProvidersHttp = HttpApiBuilder.group(SignetApi, "oauthProviders", (h) =>
  h
    .handle("putOAuthProvider", ({ path, payload }) => asPrincipal(O.putCredential(path.provider, payload).pipe(write)))
    .handle("listOAuthProviders", () => asPrincipal(O.listCredentials().pipe(read)))
    .handle("getOAuthProvider", ({ path }) => asPrincipal(O.getCredential(path.provider).pipe(read)))
    .handle("deleteOAuthProvider", ({ path }) => asPrincipal(O.deleteCredential(path.provider).pipe(write)))
    .handle("listOAuthBindings", ({ urlParams }) => asPrincipal(O.listBindings(urlParams.user_id).pipe(read)))
    .handle("deleteOAuthBinding", ({ path }) => asPrincipal(O.removeBinding(path.userId, path.provider).pipe(write)))
)

/** The signed-in user's bindings. */
export const OAuthSelfHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "oauthSelf", (h) =>
    h
      .handle("startOAuthBinding", ({ path }) =>
        Effect.flatMap(callbackUrl(config, path.slug), (redirect) => asPrincipal(O.startMine(path.provider, redirect)))
      )
      .handle("listMyOAuthBindings", () => asPrincipal(O.listMine()))
      .handle("deleteMyOAuthBinding", ({ path }) => asPrincipal(O.removeMine(path.provider)))
  )

/** The provider's redirect back: the query carries code and state (or error). */
export const OAuthCallbackHttp = HttpApiBuilder.group(SignetApi, "oauthCallback", (h) =>
  h.handle("oauthBindingCallback", ({ path }) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const at = request.url.indexOf("?")
      return O.completeIn(path.slug, at < 0 ? "" : request.url.slice(at + 1))
    })
  )
)
