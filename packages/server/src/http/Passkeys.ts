/**
 * Handlers of the `passkeyAuth` and `passkeys` groups (issue 18 "Passkeys /
 * WebAuthn"): one line each over `Passkeys`, `Account` and `UserAdmin`.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Account, Passkeys, policyUse, SignetApi, UserAdmin } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, clientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

/** Handlers for passkey sign-in (unauthenticated). */
export const PasskeyAuthHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "passkeyAuth", (handlers) =>
    handlers
      .handle("signInOptions", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Passkeys.use((p) => p.signInOptions(path.slug, payload.mfa_token, client))
        )
      )
      .handle("signIn", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config, payload.device_label), (client) =>
          Passkeys.use((p) => p.signIn(path.slug, payload.credential, payload.mfa_token, client))
        )
      )
      .handle("actionPasskeyOptions", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Passkeys.use((p) => p.actionPasskeyOptions(path.slug, payload.action_token, client))
        )
      )
      .handle("actionPasskeyRegister", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (client) =>
          Passkeys.use((p) =>
            p.actionPasskeyRegister(path.slug, payload.action_token, payload.credential, payload.name, client)
          )
        )
      )
  )

/** Handlers for the caller's passkeys, passkey step-up, and a user's passkeys (`users:read` / `users:write`). */
export const PasskeysHttp = HttpApiBuilder.group(SignetApi, "passkeys", (handlers) =>
  handlers
    .handle("registrationOptions", ({ payload }) => asPrincipal(Account.passkeyOptions(payload.password)))
    .handle("register", ({ payload }) => asPrincipal(Account.registerPasskey(payload.credential, payload.name)))
    .handle("list", () => asPrincipal(Account.passkeys))
    .handle("rename", ({ path, payload }) => asPrincipal(Account.renamePasskey(path.passkey, payload.name)))
    .handle("remove", ({ path }) => asPrincipal(Account.removePasskey(path.passkey)))
    .handle("stepUpOptions", () => asPrincipal(Account.passkeyStepUpOptions))
    .handle("stepUp", ({ payload }) => asPrincipal(Account.passkeyStepUp(payload.credential)))
    .handle("listOfUser", ({ path }) => asPrincipal(UserAdmin.listPasskeys(path.id).pipe(policyUse("users:read"))))
    .handle("removeOfUser", ({ path }) =>
      asPrincipal(UserAdmin.removePasskey(path.id, path.passkey).pipe(policyUse("users:write")))
    )
)
