/**
 * Per-module migrations with the `@effect/sql` Migrator.
 *
 * Each module declares a {@link ModuleMigrations} set; each set is tracked in
 * its own table (`signet_migrations_<module>`) so modules stay independent.
 * One set of files serves both dialects: column types come from {@link ddl}
 * and `sql.onDialectOrElse` is used only where the SQL really differs.
 * A migration, once released, is never edited: changes are new migrations.
 *
 * @module
 */
import { Migrator, SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Option } from "effect"
import { DEFAULT_PG_APP_ROLE } from "./Database.js"

/** A module's ordered migrations: keys are `NNNN_name`. */
export interface ModuleMigrations {
  readonly module: string
  readonly migrations: Record<string, Effect.Effect<void, SqlError, SqlClient.SqlClient>>
}

/** Column types per dialect, so one migration text serves SQLite and Postgres. */
export interface Ddl {
  /** UUID column (`UUID` / `TEXT`). */
  readonly uuid: string
  /** Instant column (`TIMESTAMPTZ` / ISO-8601 `TEXT`). */
  readonly ts: string
  /** JSON document (`JSONB` / `TEXT`). */
  readonly json: string
  /** Boolean (`BOOLEAN` / `INTEGER` 0/1). */
  readonly bool: string
  /** 64-bit integer. */
  readonly bigint: string
  /** Binary blob. */
  readonly bytes: string
  /** True on Postgres. */
  readonly pg: boolean
}

/** The {@link Ddl} for the current client's dialect. */
export const ddl: Effect.Effect<Ddl, never, SqlClient.SqlClient> = Effect.map(SqlClient.SqlClient, (sql) =>
  sql.onDialectOrElse({
    pg: (): Ddl => ({
      uuid: "UUID",
      ts: "TIMESTAMPTZ",
      json: "JSONB",
      bool: "BOOLEAN",
      bigint: "BIGINT",
      bytes: "BYTEA",
      pg: true
    }),
    orElse: (): Ddl => ({
      uuid: "TEXT",
      ts: "TEXT",
      json: "TEXT",
      bool: "INTEGER",
      bigint: "INTEGER",
      bytes: "BLOB",
      pg: false
    })
  })
)

/**
 * Enables row-level security on a tenant-owned table (Postgres only; no-op on
 * SQLite): `ENABLE` + `FORCE`, one policy comparing `tenant_id` with the
 * transaction-local `app.tenant_id`. Without that setting the policy matches
 * nothing, so a query without tenant context returns no rows.
 */
export const enableTenantRls = (table: string): Effect.Effect<void, SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.onDialectOrElse({
      pg: () =>
        Effect.all(
          [
            sql.unsafe(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`),
            sql.unsafe(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`),
            sql.unsafe(
              `CREATE POLICY ${table}_tenant_isolation ON ${table}
               USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
               WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)`
            )
          ],
          { discard: true }
        ),
      orElse: () => Effect.void
    })
  )

/**
 * The kernel's own migrations. On Postgres: the non-owner application role
 * (no BYPASSRLS, no LOGIN needed: the pool assumes it with `role=`) and the
 * default privileges that give it DML on every table created afterwards.
 */
export const kernelMigrations = (appRole: string = DEFAULT_PG_APP_ROLE): ModuleMigrations => ({
  module: "kernel",
  migrations: {
    "0001_app_role": Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.onDialectOrElse({
        pg: () =>
          Effect.all(
            [
              sql.unsafe(`DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${appRole}') THEN
                  CREATE ROLE ${appRole} NOLOGIN NOBYPASSRLS;
                END IF;
              EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
              END $$`),
              sql.unsafe(`DO $$ BEGIN
                IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                   AND NOT pg_has_role(current_user, '${appRole}', 'MEMBER') THEN
                  EXECUTE format('GRANT ${appRole} TO %I', current_user);
                END IF;
              END $$`),
              sql.unsafe(`GRANT USAGE ON SCHEMA public TO ${appRole}`),
              // Tables that exist already (the migrator's own bookkeeping table):
              sql.unsafe(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${appRole}`),
              sql.unsafe(
                `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${appRole}`
              ),
              sql.unsafe(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${appRole}`)
            ],
            { discard: true }
          ),
        orElse: () => Effect.void
      })
    )
  }
})

/** Migration table name of a module. */
export const migrationTable = (module: string): string => `signet_migrations_${module}`

/** The highest migration id a set declares. */
export const latestId = (set: ModuleMigrations): number =>
  Math.max(0, ...Object.keys(set.migrations).map((k) => Number.parseInt(k.split("_")[0]!, 10)))

/**
 * Applies every pending migration of every set, in order. Returns the applied
 * `module/NNNN_name` entries (empty when the schema was current).
 */
export const runAll = (
  sets: ReadonlyArray<ModuleMigrations>
): Effect.Effect<ReadonlyArray<string>, SqlError | Migrator.MigrationError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const run = Migrator.make({})
    const applied: Array<string> = []
    for (const set of sets) {
      const done = yield* run({ loader: Migrator.fromRecord(set.migrations), table: migrationTable(set.module) })
      for (const [id, name] of done) applied.push(`${set.module}/${String(id).padStart(4, "0")}_${name}`)
    }
    return applied
  })

/** Per-module state: latest applied vs latest known migration id. */
export interface MigrationStatus {
  readonly module: string
  readonly applied: number
  readonly latest: number
}

/**
 * Reads which migrations are applied. Used by `/ready`, `signet doctor` and
 * the start-up check when automatic migration is switched off.
 */
export const status = (
  sets: ReadonlyArray<ModuleMigrations>
): Effect.Effect<ReadonlyArray<MigrationStatus>, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (sets.length === 0) return []
    // One query for every module (a readiness probe runs this every few seconds);
    // when it fails (a module's table does not exist yet), one query per module.
    const all = yield* sql
      .unsafe<{ readonly m: number; readonly id: number | string | null }>(
        sets
          .map((set, i) => `SELECT ${i} AS m, MAX(migration_id) AS id FROM ${migrationTable(set.module)}`)
          .join(" UNION ALL ")
      )
      .pipe(Effect.option)
    if (Option.isSome(all) && all.value.length === sets.length) {
      const byIndex = new Map(all.value.map((r) => [Number(r.m), Number(r.id ?? 0)]))
      return sets.map((set, i) => ({ module: set.module, applied: byIndex.get(i) ?? 0, latest: latestId(set) }))
    }
    const out: Array<MigrationStatus> = []
    for (const set of sets) {
      const applied = yield* sql<{ readonly id: number | null }>`SELECT MAX(migration_id) AS id FROM ${sql(
        migrationTable(set.module)
      )}`.pipe(
        Effect.map((rows) => Number(rows[0]?.id ?? 0)),
        Effect.catchAll(() => Effect.succeed(0))
      )
      out.push({ module: set.module, applied, latest: latestId(set) })
    }
    return out
  })

/** True when every set is fully applied. */
export const isCurrent = (statuses: ReadonlyArray<MigrationStatus>): boolean =>
  statuses.every((s) => s.applied >= s.latest)
