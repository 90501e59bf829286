/**
 * Handlers of the `accounts` group (issue 18): the self-service password
 * reset. Core enforces every rule (limits, tokens, policy); the server only
 * derives the client address.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Accounts, SignetApi } from "@signet/core"
import { Effect } from "effect"
import { clientInfo } from "../Auth.js"
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
  )
