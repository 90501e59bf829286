/**
 * Handlers of the `system` group: liveness and readiness.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Core, Db, HealthStatus, Migrations, ServiceUnavailable, SignetApi } from "@signet/core"
import { Effect } from "effect"

/** Version reported by `/health` and `/ready`. */
export const VERSION = "0.1.0"

/** Handlers for `/health` and `/ready`. */
export const SystemHttp = (pgAppRole: string) =>
  HttpApiBuilder.group(SignetApi, "system", (handlers) =>
    handlers
      .handle("health", () => Effect.succeed(new HealthStatus({ status: "ok", version: VERSION })))
      .handle("ready", () =>
        Effect.gen(function* () {
          const reachable = yield* Db.ping
          if (!reachable) return yield* new ServiceUnavailable({ message: "database unreachable" })
          const status = yield* Migrations.status(Core.allMigrations(pgAppRole))
          if (!Migrations.isCurrent(status)) {
            return yield* new ServiceUnavailable({ message: "database migrations pending" })
          }
          return new HealthStatus({ status: "ok", version: VERSION, checks: { database: "ok", migrations: "ok" } })
        })
      )
  )
