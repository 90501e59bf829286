/**
 * Handlers of the `accounts` and `accountsSelf` groups (issue 18): the
 * self-service password reset and e-mail verification. Core enforces every rule (limits, tokens, policy); the server only
 * derives the client address.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Accounts, SignetApi } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, clientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"

/** Handlers for requesting and confirming a password reset. */
export const AccountsHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "accounts", (handlers) =>
    handlers
      .handle("requestPasswordReset", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.requestPasswordReset(path.slug, payload, c)))
      )
      .handle("confirmPasswordReset", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Accounts.use((a) => a.confirmPasswordReset(path.slug, payload, c)))
      )
      .handle("confirmEmailVerification", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) =>
          Accounts.use((a) => a.confirmEmailVerification(path.slug, payload, c))
        )
      )
  )

/** Handlers for the signed-in user's e-mail verification (tenant and actor from the verified token). */
export const AccountsSelfHttp = HttpApiBuilder.group(SignetApi, "accountsSelf", (handlers) =>
  handlers
    .handle("requestEmailVerification", () => asPrincipal(Accounts.use((a) => a.requestEmailVerification)))
    .handle("emailVerificationStatus", () => asPrincipal(Accounts.use((a) => a.emailVerificationStatus)))
)
