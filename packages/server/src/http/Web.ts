/**
 * Handlers of the `web` group (issue 17 "Browser security"): browser login,
 * MFA, refresh and logout, one line each over `WebSession.ts` (cookies and
 * CSRF) and core's authentication.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { SignetApi } from "@signet/core"
import type { ServerConfig } from "../Config.js"
import { webCompleteActions, webLogin, webLogout, webMfa, webPasskey, webRefresh, webTenant } from "../WebSession.js"

/** Handlers of browser login, MFA, refresh and logout. */
export const WebHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "web", (handlers) =>
    handlers
      .handle("login", ({ path, payload }) => webLogin(config, path.slug, payload))
      .handle("mfa", ({ path, payload }) => webMfa(config, path.slug, payload))
      .handle("passkey", ({ path, payload }) => webPasskey(config, path.slug, payload))
      .handle("actionsComplete", ({ path, payload }) => webCompleteActions(config, path.slug, payload.action_token))
      .handle("refresh", ({ path }) => webRefresh(config, path.slug))
      .handle("logout", ({ path }) => webLogout(config, path.slug))
      .handle("tenant", ({ headers }) => webTenant(headers.host))
  )
