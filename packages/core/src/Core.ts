/**
 * Composition of the core: the database (with migrations) and every module
 * service, as one layer. The server, the CLI and embedding applications all
 * build Signet from here.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { Audit } from "./audit/Audit.js"
import { auditMigrations } from "./audit/Migrations.js"
import { Events } from "./events/Events.js"
import { eventsMigrations } from "./events/Migrations.js"
import { type Database, DatabaseStartupError, DEFAULT_PG_APP_ROLE, layer as databaseLayer } from "./kernel/Database.js"
import { isCurrent, kernelMigrations, type ModuleMigrations, runAll, status } from "./kernel/Migrations.js"
import { tenancyMigrations } from "./tenancy/Migrations.js"
import { Tenancy } from "./tenancy/Tenancy.js"

/** Every module's migrations, in dependency order. */
export const allMigrations = (appRole: string = DEFAULT_PG_APP_ROLE): ReadonlyArray<ModuleMigrations> => [
  kernelMigrations(appRole),
  tenancyMigrations,
  auditMigrations(appRole),
  eventsMigrations
]

/** Options of {@link layer}. */
export interface CoreOptions {
  /** `DATABASE_URL` (`sqlite:<path>` or `postgres://…`). */
  readonly databaseUrl: string
  /** Apply pending migrations at start (default true). When false, start fails if any is pending. */
  readonly migrate?: boolean | undefined
  /** Postgres application role (default `signet_app`). */
  readonly pgAppRole?: string | undefined
  /** Postgres pool size. */
  readonly pgPoolSize?: number | undefined
  /** Called with each applied migration (progress output). */
  readonly onMigrated?: ((applied: ReadonlyArray<string>) => void) | undefined
}

/** All module services. */
export type CoreServices = Tenancy | Audit | Events

/** The module services, given a `SqlClient`. */
export const servicesLayer: Layer.Layer<CoreServices, never, SqlClient.SqlClient> = Tenancy.Default.pipe(
  Layer.provideMerge(Layer.mergeAll(Audit.Default, Events.Default))
)

/**
 * Database + migrations + services.
 * @errors DatabaseStartupError (one-line operator message) when the database
 * cannot be opened, migrated, or is not migrated and `migrate` is false.
 */
export const layer = (
  options: CoreOptions
): Layer.Layer<CoreServices | SqlClient.SqlClient | Database, DatabaseStartupError> => {
  const sets = allMigrations(options.pgAppRole)
  const beforeStart =
    options.migrate === false
      ? Effect.flatMap(status(sets), (s) =>
          isCurrent(s)
            ? Effect.void
            : Effect.fail(
                new DatabaseStartupError({
                  message: `database is not migrated (${s
                    .filter((x) => x.applied < x.latest)
                    .map((x) => `${x.module} ${x.applied}/${x.latest}`)
                    .join(", ")}); run \`signet migrate\` or start without --no-migrate`
                })
              )
        )
      : Effect.map(runAll(sets), (applied) => {
          if (applied.length > 0) options.onMigrated?.(applied)
        })
  return servicesLayer.pipe(
    Layer.provideMerge(
      databaseLayer({
        url: options.databaseUrl,
        beforeStart,
        pgAppRole: options.pgAppRole,
        pgPoolSize: options.pgPoolSize
      })
    )
  )
}
