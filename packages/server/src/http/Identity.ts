/**
 * Handlers of the `auth`, `session` and `users` groups.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Account, Auth, Mfa, Operators, policyUse, SignetApi, UserAdmin } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, clientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

/** Handlers for login, refresh and the JWKS. */
export const AuthHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "auth", (handlers) =>
    handlers
      .handle("login", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config, payload.device_label), (client) =>
          Auth.use((a) => a.login(path.slug, payload, client))
        )
      )
      .handle("refresh", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Auth.use((a) => a.refresh(path.slug, payload.refresh_token, client))
        )
      )
      .handle("mfa", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Mfa.use((m) =>
            m.completeLogin(
              path.slug,
              payload.mfa_token,
              { code: payload.code, recovery_code: payload.recovery_code },
              client
            )
          )
        )
      )
      .handle("actionPassword", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Auth.use((a) => a.actionPassword(path.slug, payload.action_token, payload.new_password, client))
        )
      )
      .handle("actionTotpStart", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Mfa.use((m) => m.actionTotpStart(path.slug, payload.action_token, client))
        )
      )
      .handle("actionTotpConfirm", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Mfa.use((m) => m.actionTotpConfirm(path.slug, payload.action_token, payload.code, client))
        )
      )
      .handle("actionsComplete", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Auth.use((a) => a.completeActions(path.slug, payload.action_token, client))
        )
      )
      .handle("jwks", () => Account.jwks)
      .handle("tenantJwks", ({ path }) => Account.tenantJwks(path.slug))
  )

/** Handlers for the caller's own session, profile and password. */
export const SessionHttp = HttpApiBuilder.group(SignetApi, "session", (handlers) =>
  handlers
    .handle("logout", () => asPrincipal(Account.logout))
    .handle("sessions", () => asPrincipal(Account.sessions))
    .handle("revokeSession", ({ path }) => asPrincipal(Account.revokeSession(path.id)))
    .handle("revokeOtherSessions", () => asPrincipal(Account.revokeOtherSessions))
    .handle("me", () => asPrincipal(Account.me))
    .handle("updateMe", ({ payload }) => asPrincipal(Account.updateMe(payload)))
    .handle("changePassword", ({ payload }) => asPrincipal(Account.changePassword(payload)))
    .handle("enrollTotp", ({ payload }) => asPrincipal(Account.enrollTotp(payload)))
    .handle("confirmTotp", ({ payload }) => asPrincipal(Account.confirmTotp(payload.code)))
    .handle("disableMfa", ({ payload }) => asPrincipal(Account.disableMfa(payload)))
    .handle("stepUp", ({ payload }) => asPrincipal(Account.stepUp(payload.code)))
)

/**
 * Handlers for tenant user administration: each runs a {@link UserAdmin}
 * operation, whose permission is in its type, after `policyUse` has checked
 * the principal (403 otherwise). A user may read their own record.
 */
export const UsersHttp = HttpApiBuilder.group(SignetApi, "users", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) => asPrincipal(UserAdmin.list(urlParams).pipe(policyUse("users:read"))))
    .handle("create", ({ payload }) => asPrincipal(UserAdmin.create(payload).pipe(policyUse("users:write"))))
    .handle("get", ({ path }) => asPrincipal(Account.user(path.id)))
    .handle("update", ({ path, payload }) =>
      asPrincipal(UserAdmin.update(path.id, payload).pipe(policyUse("users:write")))
    )
    .handle("delete", ({ path }) => asPrincipal(UserAdmin.remove(path.id).pipe(policyUse("users:delete"))))
    .handle("disable", ({ path }) => asPrincipal(UserAdmin.disable(path.id).pipe(policyUse("users:write"))))
    .handle("enable", ({ path }) => asPrincipal(UserAdmin.enable(path.id).pipe(policyUse("users:write"))))
    .handle("unlock", ({ path }) => asPrincipal(UserAdmin.unlock(path.id).pipe(policyUse("users:write"))))
    .handle("resetPassword", ({ path, payload }) =>
      asPrincipal(
        UserAdmin.resetPassword(path.id, payload.new_password, { temporary: payload.temporary === true }).pipe(
          policyUse("users:write")
        )
      )
    )
    .handle("resetMfa", ({ path }) => asPrincipal(UserAdmin.resetMfa(path.id).pipe(policyUse("users:write"))))
    .handle("requiredActions", ({ path }) =>
      asPrincipal(UserAdmin.requiredActions(path.id).pipe(policyUse("users:read")))
    )
    .handle("setRequiredActions", ({ path, payload }) =>
      asPrincipal(UserAdmin.setRequiredActions(path.id, payload.actions).pipe(policyUse("users:write")))
    )
)

/** Handlers for API keys ({@link UserAdmin}, `apikeys:read` / `apikeys:write`). */
export const ApiKeysHttp = HttpApiBuilder.group(SignetApi, "apikeys", (handlers) =>
  handlers
    .handle("list", () => asPrincipal(UserAdmin.listApiKeys.pipe(policyUse("apikeys:read"))))
    .handle("create", ({ payload }) => asPrincipal(UserAdmin.createApiKey(payload).pipe(policyUse("apikeys:write"))))
    .handle("revoke", ({ path }) => asPrincipal(UserAdmin.revokeApiKey(path.id).pipe(policyUse("apikeys:write"))))
)

/** Handler for token introspection ({@link UserAdmin} `introspectToken`, `tokens:introspect`; RFC 7662). */
export const IntrospectionHttp = HttpApiBuilder.group(SignetApi, "introspection", (handlers) =>
  handlers.handle("introspect", ({ payload }) =>
    asPrincipal(UserAdmin.introspectToken(payload.token).pipe(policyUse("tokens:introspect")))
  )
)

/** Handler for platform-operator login. */
export const PlatformHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "platform", (handlers) =>
    handlers.handle("login", ({ payload }) =>
      Effect.flatMap(clientInfo(config), (client) =>
        Operators.use((o) => o.login(payload.email, payload.password, client))
      )
    )
  )
