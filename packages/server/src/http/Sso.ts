/**
 * Handlers of the `ssoConnections` and `ssoDiscovery` groups (issue 19 §2)
 * over `SsoAdmin` (core), which enforces every rule.
 *
 * @module
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { policyUse, SsoAdmin as S, SignetApi } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, clientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"
import { ssoCallbackUrl, webSsoCallback, webSsoLogin, webSsoSamlCallback } from "../WebSso.js"

const read = policyUse("sso:read")
const write = policyUse("sso:write")

/** SSO connections (`sso:read` / `sso:write`). */
export const SsoConnectionsHttp = HttpApiBuilder.group(SignetApi, "ssoConnections", (h) =>
  h
    .handle("putSsoConnection", ({ path, payload }) => asPrincipal(S.put(path.connection, payload).pipe(write)))
    .handle("putSamlConnection", ({ path, payload }) => asPrincipal(S.putSaml(path.connection, payload).pipe(write)))
    .handle("listSsoConnections", () => asPrincipal(S.list().pipe(read)))
    .handle("getSsoConnection", ({ path }) => asPrincipal(S.get(path.connection).pipe(read)))
    .handle("deleteSsoConnection", ({ path }) => asPrincipal(S.delete(path.connection).pipe(write)))
    .handle("listSsoIdentities", ({ path }) => asPrincipal(S.identities(path.userId).pipe(read)))
    .handle("deleteSsoIdentity", ({ path }) => asPrincipal(S.unlink(path.userId, path.connection).pipe(write)))
    .handle("getSsoPolicy", () => asPrincipal(S.policy().pipe(read)))
    .handle("putSsoPolicy", ({ payload }) => asPrincipal(S.setPolicy(payload.sso_only).pipe(write)))
    .handle("putBreakGlass", ({ path }) => asPrincipal(S.markBreakGlass(path.userId).pipe(write)))
    .handle("deleteBreakGlass", ({ path }) => asPrincipal(S.unmarkBreakGlass(path.userId).pipe(write)))
)

/** Which connection serves an e-mail address (no credentials). */
export const SsoDiscoveryHttp = HttpApiBuilder.group(SignetApi, "ssoDiscovery", (h) =>
  h.handle("discoverSso", ({ path, payload }) => S.discoverIn(path.slug, payload.email))
)

/** Signing in through a connection: browsers (redirects, `WebSso.ts`) and apps (JSON). */
export const SsoSignInHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "ssoSignIn", (h) =>
    h
      .handle("ssoLogin", ({ path, urlParams }) => webSsoLogin(config, path.slug, urlParams))
      .handle("ssoCallback", ({ path }) => webSsoCallback(config, path.slug))
      .handle("ssoSamlCallback", ({ path, payload }) => webSsoSamlCallback(config, path.slug, payload))
      .handle("ssoSamlMetadata", ({ path }) =>
        Effect.flatMap(ssoCallbackUrl(config, path.slug), (acs) =>
          Effect.map(S.samlMetadataIn(path.slug, path.connection, acs), (xml) =>
            HttpServerResponse.text(xml, { contentType: "application/samlmetadata+xml" })
          )
        )
      )
      .handle("startSsoSignIn", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) => S.signInStart(path.slug, payload, client))
      )
      .handle("completeSsoSignIn", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Effect.map(S.signInComplete(path.slug, payload.callback, client), (done) => done.tokens)
        )
      )
  )
