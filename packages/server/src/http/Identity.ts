/**
 * Handlers of the `auth`, `session` and `users` groups.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { ApiKeys, Auth, Authenticated, Identity, Mfa, Operators, SignetApi, SigningKeys } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, clientInfo, currentUserId, requirePermission } from "../Auth.js"
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
      .handle("jwks", () =>
        SigningKeys.use((k) =>
          Effect.map(k.jwks, (j) => ({ keys: j.keys.map((key) => ({ ...key }) as Record<string, unknown>) }))
        )
      )
  )

/** Handlers for the caller's own session, profile and password. */
export const SessionHttp = HttpApiBuilder.group(SignetApi, "session", (handlers) =>
  handlers
    .handle("logout", () =>
      asPrincipal(
        Effect.flatMap(currentUserId, ({ sessionId, userId }) =>
          sessionId ? Auth.use((a) => a.revokeSession(userId, sessionId)).pipe(Effect.orDie) : Effect.void
        )
      )
    )
    .handle("sessions", () =>
      asPrincipal(
        Effect.flatMap(currentUserId, ({ sessionId, userId }) => Auth.use((a) => a.listSessions(userId, sessionId)))
      )
    )
    .handle("revokeSession", ({ path }) =>
      asPrincipal(Effect.flatMap(currentUserId, ({ userId }) => Auth.use((a) => a.revokeSession(userId, path.id))))
    )
    .handle("revokeOtherSessions", () =>
      asPrincipal(
        Effect.flatMap(currentUserId, ({ sessionId, userId }) =>
          Effect.map(
            Auth.use((a) => a.revokeOtherSessions(userId, sessionId)),
            (revoked) => ({ revoked })
          )
        )
      )
    )
    .handle("me", () => asPrincipal(Effect.flatMap(currentUserId, ({ userId }) => Identity.use((i) => i.get(userId)))))
    .handle("changePassword", ({ payload }) =>
      asPrincipal(
        Effect.flatMap(currentUserId, ({ sessionId, userId }) =>
          Auth.use((a) =>
            a.changePassword(
              userId,
              sessionId,
              payload.current_password,
              payload.new_password,
              payload.sign_out_other_sessions ?? true
            )
          )
        )
      )
    )

    .handle("enrollTotp", () =>
      asPrincipal(Effect.flatMap(currentUserId, ({ userId }) => Mfa.use((m) => m.enroll(userId))))
    )
    .handle("confirmTotp", ({ payload }) =>
      asPrincipal(Effect.flatMap(currentUserId, ({ userId }) => Mfa.use((m) => m.confirm(userId, payload.code))))
    )
    .handle("disableMfa", ({ payload }) =>
      asPrincipal(
        Effect.flatMap(currentUserId, ({ userId }) =>
          Mfa.use((m) =>
            m.disable(userId, payload.password, { code: payload.code, recovery_code: payload.recovery_code })
          )
        )
      )
    )
    .handle("stepUp", ({ payload }) =>
      asPrincipal(
        Effect.flatMap(currentUserId, ({ sessionId, userId }) =>
          sessionId
            ? Mfa.use((m) => m.stepUp(userId, sessionId, payload.code))
            : Effect.die("a user token always has a session")
        )
      )
    )
)

/** Runs `self` as the principal once it holds `permission`. */
const guarded =
  (permission: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    asPrincipal(Effect.zipRight(requirePermission(permission), self))
const read = guarded("users:read")
const write = guarded("users:write")

/** Handlers for tenant user administration. */
export const UsersHttp = HttpApiBuilder.group(SignetApi, "users", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) => read(Identity.use((i) => i.list(urlParams))))
    .handle("create", ({ payload }) => write(Identity.use((i) => i.create(payload))))
    .handle("get", ({ path }) =>
      asPrincipal(
        Effect.flatMap(Authenticated, (p) =>
          // Users may read themselves; anything else needs an administrator.
          p.actor.kind === "user" && p.actor.id === path.id
            ? Identity.use((i) => i.get(path.id))
            : Effect.zipRight(
                requirePermission("users:read"),
                Identity.use((i) => i.get(path.id))
              )
        )
      )
    )
    .handle("update", ({ path, payload }) => write(Identity.use((i) => i.update(path.id, payload))))
    .handle("delete", ({ path }) => guarded("users:delete")(Auth.use((a) => a.deleteUser(path.id))))
    .handle("disable", ({ path }) => write(Auth.use((a) => a.disableUser(path.id))))
    .handle("enable", ({ path }) => write(Identity.use((i) => i.lifecycle(path.id, "enabled"))))
    .handle("unlock", ({ path }) => write(Identity.use((i) => i.lifecycle(path.id, "unlocked"))))
    .handle("resetPassword", ({ path, payload }) =>
      write(Auth.use((a) => a.resetPassword(path.id, payload.new_password)))
    )
)

/** Handlers for API keys. */
export const ApiKeysHttp = HttpApiBuilder.group(SignetApi, "apikeys", (handlers) =>
  handlers
    .handle("list", () => guarded("apikeys:read")(ApiKeys.use((k) => k.list)))
    .handle("create", ({ payload }) => guarded("apikeys:write")(ApiKeys.use((k) => k.create(payload))))
    .handle("revoke", ({ path }) => guarded("apikeys:write")(ApiKeys.use((k) => k.revoke(path.id))))
)

/** Handler for platform-operator login. */
export const PlatformHttp = HttpApiBuilder.group(SignetApi, "platform", (handlers) =>
  handlers.handle("login", ({ payload }) => Operators.use((o) => o.login(payload.email, payload.password)))
)
