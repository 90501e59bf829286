/**
 * Handlers of the `ssoConnections` and `ssoDiscovery` groups (issue 19 §2)
 * over `SsoAdmin` (core), which enforces every rule.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { policyUse, SsoAdmin as S, SignetApi } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("sso:read")
const write = policyUse("sso:write")

/** SSO connections (`sso:read` / `sso:write`). */
export const SsoConnectionsHttp = HttpApiBuilder.group(SignetApi, "ssoConnections", (h) =>
  h
    .handle("putSsoConnection", ({ path, payload }) => asPrincipal(S.put(path.connection, payload).pipe(write)))
    .handle("listSsoConnections", () => asPrincipal(S.list().pipe(read)))
    .handle("getSsoConnection", ({ path }) => asPrincipal(S.get(path.connection).pipe(read)))
    .handle("deleteSsoConnection", ({ path }) => asPrincipal(S.delete(path.connection).pipe(write)))
)

/** Which connection serves an e-mail address (no credentials). */
export const SsoDiscoveryHttp = HttpApiBuilder.group(SignetApi, "ssoDiscovery", (h) =>
  h.handle("discoverSso", ({ path, payload }) => S.discoverIn(path.slug, payload.email))
)
