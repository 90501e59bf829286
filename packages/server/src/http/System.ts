/**
 * Handlers of the `system` group: liveness and readiness.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Core, HealthStatus, SignetApi } from "@signet/core"
import { Effect } from "effect"

/** Version reported by `/health` and `/ready`. */
export const VERSION = "0.1.0"

/** Handlers for `/health` and `/ready`. */
export const SystemHttp = (pgAppRole: string) =>
  HttpApiBuilder.group(SignetApi, "system", (handlers) =>
    handlers
      .handle("health", () => Effect.succeed(new HealthStatus({ status: "ok", version: VERSION })))
      .handle("ready", () =>
        Core.readiness(pgAppRole).pipe(
          Effect.as(new HealthStatus({ status: "ok", version: VERSION, checks: { database: "ok", migrations: "ok" } }))
        )
      )
  )
