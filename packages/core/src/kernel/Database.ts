/**
 * The one `Database` layer: SQLite (default) or Postgres, chosen by
 * `DATABASE_URL` (ARCHITECTURE §2 "Data").
 *
 * - `sqlite:<path>` (default `sqlite:./data/signet.db`; the parent directory is
 *   created) or `sqlite::memory:`. Opened with WAL, `synchronous=FULL`
 *   (acknowledged writes survive power loss), `foreign_keys=ON` and a
 *   `busy_timeout`.
 * - `postgres://…` / `postgresql://…`. Migrations run with the URL's own
 *   credentials (the schema owner); the application pool then connects with
 *   `role` set to a non-owner role without BYPASSRLS (default `signet_app`),
 *   so row-level security applies to every query the server makes. The tenant
 *   is set per transaction, sent with its `BEGIN` (or `SAVEPOINT`) as
 *   `set_config('app.tenant_id', <quoted id>, true)` — never a session-level
 *   `SET` (see {@link tenantTx} and `pgTenantTransaction`).
 *
 * @module
 */

import * as Fs from "node:fs"
import * as Path from "node:path"
import { Reactivity } from "@effect/experimental"
import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Cause, Config, Context, Data, Duration, Effect, Layer, Option, Redacted, Schedule, Scope } from "effect"
import Pg from "pg"

/** Which SQL dialect a `Database` speaks. */
export type Dialect = "sqlite" | "pg"

/** A parsed `DATABASE_URL`. */
export type DatabaseUrl =
  | { readonly dialect: "sqlite"; readonly filename: string }
  | { readonly dialect: "pg"; readonly url: Redacted.Redacted<string> }

/** The default `DATABASE_URL`: a SQLite file under `./data`. */
export const DEFAULT_DATABASE_URL = "sqlite:./data/signet.db"

/** The default Postgres role the application pool runs as (RLS applies to it). */
export const DEFAULT_PG_APP_ROLE = "signet_app"

/**
 * Raised when the database cannot be opened, reached or migrated at start-up.
 * `message` is one line meant for an operator, naming the problem and the fix.
 */
export class DatabaseStartupError extends Data.TaggedError("DatabaseStartupError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Parses a `DATABASE_URL`. Accepts `sqlite:<path>`, `sqlite://<path>`,
 * `sqlite::memory:`, `postgres://…` and `postgresql://…`.
 *
 * @throws nothing — fails with {@link DatabaseStartupError} on anything else.
 */
export const parseDatabaseUrl = (raw: string): Effect.Effect<DatabaseUrl, DatabaseStartupError> => {
  const url = raw.trim()
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return Effect.succeed({ dialect: "pg", url: Redacted.make(url) })
  }
  if (url.startsWith("sqlite:")) {
    let filename = url.slice("sqlite:".length)
    if (filename.startsWith("//")) filename = filename.slice(2)
    if (filename.length === 0) {
      return Effect.fail(
        new DatabaseStartupError({ message: `DATABASE_URL "${url}" names no file; use sqlite:./data/signet.db` })
      )
    }
    return Effect.succeed({ dialect: "sqlite", filename })
  }
  return Effect.fail(
    new DatabaseStartupError({
      message: `DATABASE_URL must start with sqlite: or postgres:// (got "${url.replace(/\/\/[^@/]*@/, "//***@")}")`
    })
  )
}

/**
 * Facts about the open database, available to every module.
 */
export class Database extends Context.Tag("Signet/Database")<
  Database,
  {
    readonly dialect: Dialect
    /** Human-readable location (file path, or host/database without credentials). */
    readonly location: string
    /** The SQLite file path, when `dialect` is `sqlite` and not in memory. */
    readonly sqliteFile: string | undefined
    /** Connection pool figures (SQLite: one connection). */
    readonly poolStats: Effect.Effect<{ readonly total: number; readonly idle: number; readonly waiting: number }>
  }
>() {}

/** Options of {@link layer}. */
export interface DatabaseOptions {
  /** The `DATABASE_URL`. */
  readonly url: string
  /**
   * Runs before the application client is handed out, with an owner
   * connection (Postgres) or the single connection (SQLite). Used to apply
   * migrations at start-up.
   */
  readonly beforeStart?: Effect.Effect<void, unknown, SqlClient.SqlClient> | undefined
  /** Postgres: role the application pool assumes (default `signet_app`). */
  readonly pgAppRole?: string | undefined
  /** Postgres: pool size (default 10). */
  readonly pgPoolSize?: number | undefined
  /**
   * SQLite: create the data directory and the database file when they are
   * missing (default true). Read-only commands pass `false`, so they fail
   * with "no database at …" instead of leaving an empty database behind.
   */
  readonly create?: boolean | undefined
}

/** Text result of Postgres timestamps as ISO-8601 UTC strings (like SQLite). */
const pgTypes: Pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === 1184 || oid === 1114) {
      return (value: string) => {
        const normalized = oid === 1114 ? `${value.replace(" ", "T")}Z` : value
        return new Date(normalized).toISOString()
      }
    }
    if (oid === 20) return (value: string) => Number(value)
    // JSON/JSONB as text, like SQLite, so one decoder (`Sql.DbJson`) serves both.
    if (oid === 114 || oid === 3802) return (value: string) => value
    return Pg.types.getTypeParser(oid, format as any)
  }) as Pg.CustomTypesConfig["getTypeParser"]
}

const describePg = (url: string): string => {
  try {
    const u = new URL(url)
    return `postgres://${u.hostname}:${u.port || "5432"}${u.pathname}`
  } catch {
    return "postgres"
  }
}

const sqliteLayer = (filename: string, options: DatabaseOptions) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      if (filename !== ":memory:") {
        const dir = Path.dirname(Path.resolve(filename))
        if (options.create === false && !Fs.existsSync(filename)) {
          return yield* new DatabaseStartupError({
            message: `no database at ${Path.resolve(filename)}; run \`signet init\` (or check DATABASE_URL and the config file)`
          })
        }
        yield* Effect.try({
          try: () => {
            // The database holds password hashes, personal data and excuse attachments: a new
            // data directory is 0700 and a new database file 0600 (SQLite gives its -wal and -shm
            // files the database file's mode). Existing files keep their mode; `signet doctor` warns.
            Fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
            Fs.accessSync(dir, Fs.constants.W_OK)
            if (!Fs.existsSync(filename)) Fs.closeSync(Fs.openSync(filename, "a", 0o600))
          },
          catch: (cause) =>
            new DatabaseStartupError({
              message: `data directory ${dir} is not writable (${(cause as Error).message}); choose another DATABASE_URL or fix its permissions`,
              cause
            })
        })
      }
      const client = SqliteClient.layer({ filename })
      const setup = Layer.effectDiscard(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe("PRAGMA busy_timeout = 5000")
          yield* sql.unsafe("PRAGMA foreign_keys = ON")
          yield* sql.unsafe("PRAGMA synchronous = FULL")
          if (options.beforeStart) yield* options.beforeStart
        }).pipe(
          Effect.mapError((cause) =>
            cause instanceof DatabaseStartupError
              ? cause
              : new DatabaseStartupError({
                  message: `cannot open SQLite database ${filename}: ${describeCause(cause)}`,
                  cause
                })
          )
        )
      )
      const info = Layer.succeed(Database, {
        dialect: "sqlite",
        location: filename === ":memory:" ? ":memory:" : Path.resolve(filename),
        sqliteFile: filename === ":memory:" ? undefined : Path.resolve(filename),
        poolStats: Effect.succeed({ total: 1, idle: 0, waiting: 0 })
      })
      return Layer.mergeAll(setup, info).pipe(Layer.provideMerge(client))
    })
  )

const describeCause = (cause: unknown): string => {
  if (cause && typeof cause === "object") {
    const c = cause as { message?: unknown; cause?: unknown }
    const inner = c.cause && typeof c.cause === "object" && "message" in c.cause ? String((c.cause as any).message) : ""
    const msg = typeof c.message === "string" ? c.message : String(cause)
    return inner && !msg.includes(inner) ? `${msg}: ${inner}` : msg
  }
  return String(cause)
}

const pgPool = (
  url: string,
  extra: Pg.PoolConfig,
  onOpen: (pool: Pg.Pool) => void = () => {}
): Effect.Effect<Pg.Pool, SqlError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const pool = new Pg.Pool({ connectionString: url, types: pgTypes, connectionTimeoutMillis: 5000, ...extra })
        pool.on("error", () => {
          // Idle-client errors (server restarts) are surfaced on the next query.
        })
        const client = await pool.connect()
        client.release()
        onOpen(pool)
        return pool
      },
      catch: (cause) =>
        new SqlError({
          message: `cannot connect to ${describePg(url)}: ${describeCause(cause)}; check DATABASE_URL and that Postgres is running`,
          cause
        })
    }),
    (pool) => Effect.promise(() => pool.end())
  )

const pgLayer = (url: Redacted.Redacted<string>, options: DatabaseOptions) => {
  const raw = Redacted.value(url)
  const role = options.pgAppRole ?? DEFAULT_PG_APP_ROLE
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    return Layer.fail(new DatabaseStartupError({ message: `SIGNET_PG_APP_ROLE "${role}" is not a valid role name` }))
  }
  // Phase 1: owner connection — migrations (they create the app role and its grants).
  const ownerPhase = Effect.scoped(
    Effect.gen(function* () {
      if (!options.beforeStart) {
        yield* pgPool(raw, { max: 1 })
        return
      }
      const before = options.beforeStart
      const ownerClient = yield* PgClient.fromPool({ acquire: pgPool(raw, { max: 1 }), types: pgTypes }).pipe(
        Effect.provide(Reactivity.layer),
        Effect.mapError((cause) =>
          cause instanceof DatabaseStartupError
            ? cause
            : new DatabaseStartupError({ message: describeCause(cause), cause })
        )
      )
      yield* before.pipe(
        Effect.provideService(SqlClient.SqlClient, ownerClient),
        Effect.mapError((cause) =>
          cause instanceof DatabaseStartupError
            ? cause
            : new DatabaseStartupError({
                message: `migrations failed on ${describePg(raw)}: ${describeCause(cause)}`,
                cause
              })
        )
      )
    })
  )
  // Phase 2: the application pool, as the non-owner role (RLS enforced).
  let appPool: Pg.Pool | undefined
  const appClient = PgClient.layerFromPool({
    acquire: pgPool(raw, { max: options.pgPoolSize ?? 10, options: `-c role=${role}` }, (p) => {
      appPool = p
    }),
    types: pgTypes
  })
  const info = Layer.succeed(Database, {
    dialect: "pg",
    location: describePg(raw),
    sqliteFile: undefined,
    poolStats: Effect.sync(() => ({
      total: appPool?.totalCount ?? 0,
      idle: appPool?.idleCount ?? 0,
      waiting: appPool?.waitingCount ?? 0
    }))
  })
  return Layer.mergeAll(appClient, info).pipe(Layer.provide(Layer.effectDiscard(ownerPhase)))
}

/**
 * Builds the database layer for a URL: provides `SqlClient` (and `PgClient`
 * on Postgres) plus {@link Database}.
 *
 * @errors {@link DatabaseStartupError} with a one-line operator message when
 * the URL is malformed, the file cannot be created, the server is unreachable
 * or `beforeStart` (migrations) fails.
 */
export const layer = (options: DatabaseOptions): Layer.Layer<SqlClient.SqlClient | Database, DatabaseStartupError> =>
  Layer.unwrapEffect(
    Effect.map(parseDatabaseUrl(options.url), (parsed) =>
      parsed.dialect === "sqlite"
        ? (sqliteLayer(parsed.filename, options) as Layer.Layer<SqlClient.SqlClient | Database, DatabaseStartupError>)
        : (pgLayer(parsed.url, options) as unknown as Layer.Layer<SqlClient.SqlClient | Database, DatabaseStartupError>)
    )
  )

/**
 * Whether another connection — typically a running `signet serve` — holds
 * the SQLite database open: a probe connection asks for an exclusive lock
 * without waiting (`locking_mode=EXCLUSIVE`, `BEGIN EXCLUSIVE`,
 * `busy_timeout=0`), which SQLite refuses while any other connection has the
 * WAL database open, even an idle one. `false` when the file is absent.
 * Used by `signet restore`, which must not replace a live database.
 */
export const sqliteInUse = (filename: string): Effect.Effect<boolean> =>
  !Fs.existsSync(filename)
    ? Effect.succeed(false)
    : Effect.scoped(
        Effect.flatMap(Layer.build(SqliteClient.layer({ filename })), (ctx) =>
          Effect.gen(function* () {
            const sql = Context.get(ctx, SqlClient.SqlClient)
            yield* sql.unsafe("PRAGMA busy_timeout = 0")
            yield* sql.unsafe("PRAGMA locking_mode = EXCLUSIVE")
            yield* sql.unsafe("BEGIN EXCLUSIVE")
            yield* sql.unsafe("COMMIT")
            return false
          })
        )
      ).pipe(
        Effect.catchAll((e) => {
          const inner = (e as { cause?: { code?: unknown; message?: unknown } }).cause
          return Effect.succeed(
            String(inner?.code ?? "").startsWith("SQLITE_BUSY") || /locked/i.test(String(inner?.message))
          )
        }),
        Effect.catchAllDefect(() => Effect.succeed(false))
      )

/** `DATABASE_URL` with its default, as an Effect `Config`. */
export const databaseUrlConfig: Config.Config<string> = Config.string("DATABASE_URL").pipe(
  Config.withDefault(DEFAULT_DATABASE_URL)
)

/** `SIGNET_PG_APP_ROLE` with its default. */
export const pgAppRoleConfig: Config.Config<string> = Config.string("SIGNET_PG_APP_ROLE").pipe(
  Config.withDefault(DEFAULT_PG_APP_ROLE)
)

const isSqlError = (e: unknown): e is SqlError => e instanceof SqlError

/** SQLite refused a statement because another connection (another process) holds or took the write lock. */
const isBusy = (error: unknown): boolean => {
  const code = ((error as { cause?: { code?: unknown } })?.cause ?? (error as { code?: unknown }))?.code
  return typeof code === "string" && code.startsWith("SQLITE_BUSY")
}

/**
 * Retries a whole outermost transaction that SQLite refused with
 * `SQLITE_BUSY*` — another process (a CLI command beside `signet serve`)
 * writing the same file; `busy_timeout` does not cover a read transaction
 * that must upgrade to a write (`SQLITE_BUSY_SNAPSHOT`). The transaction was
 * rolled back, so running it again is safe; nested transactions are left to
 * their outermost one. Up to 8 retries with jittered exponential backoff
 * (10 ms, 20 ms, …). The first run carries only a cause check: the retry
 * machinery (a schedule driver, sandboxing) is built after a busy refusal,
 * not for every transaction (issue 23: it ran twice per sign attempt).
 */
const retryWhenBusy = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (outer) =>
    Option.isSome(outer)
      ? self
      : Effect.catchAllCause(self, (cause) =>
          busyCause(cause)
            ? Effect.zipRight(
                Effect.sleep(Duration.millis(5 + Math.random() * 10)),
                self.pipe(
                  Effect.sandbox,
                  Effect.retry({
                    while: busyCause,
                    schedule: Schedule.exponential("20 millis").pipe(
                      Schedule.jittered,
                      Schedule.intersect(Schedule.recurs(7))
                    )
                  }),
                  Effect.unsandbox
                )
              )
            : Effect.failCause(cause)
        )
  )

/** True when a cause fails or dies with `SQLITE_BUSY*`. */
const busyCause = <E>(cause: Cause.Cause<E>): boolean =>
  [...Cause.failures(cause)].some(isBusy) || [...Cause.defects(cause)].some(isBusy)

/**
 * Runs `self` in a transaction bound to the `CurrentTenant`.
 *
 * On Postgres `set_config('app.tenant_id', <tenant>, true)` is sent with
 * the BEGIN, in the same round trip (see `pgTenantTransaction`):
 * `is_local = true` scopes the setting to this transaction, so a pooled
 * connection never carries one tenant's context into another request. The
 * row-level-security policies read it. On SQLite it is a plain transaction
 * (isolation comes from the repositories' `WHERE tenant_id = …`).
 *
 * Nested calls become savepoints and re-assert the same tenant.
 * SQL errors that escape `self` become defects here: callers map the ones
 * they expect (unique violations) inside. An outermost transaction refused
 * with `SQLITE_BUSY` (another process writing) is run again.
 */
export const tenantTx = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError>, R | SqlClient.SqlClient | CurrentTenant> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => tenantTxOn(sql, self))

/**
 * {@link tenantTx} on the client `sql`, for services that hold their client
 * (one context lookup and one service copy fewer per transaction than
 * providing it back, issue 23).
 */
export const tenantTxOn = <A, E, R>(
  sql: SqlClient.SqlClient,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError>, R | CurrentTenant> =>
  Effect.flatMap(
    CurrentTenant,
    (tenant) =>
      (
        sql.onDialectOrElse({
          pg: () => pgTenantTransaction(sql, tenant.id)(self),
          orElse: () => retryWhenBusy(sql.withTransaction(self))
        }) as Effect.Effect<A, E | SqlError, R>
      ).pipe(Effect.catchIf(isSqlError, (e) => Effect.die(e))) as Effect.Effect<A, Exclude<E, SqlError>, R>
  )

/**
 * `@effect/sql`'s transaction on a Postgres client whose BEGIN (or, nested,
 * SAVEPOINT) and the tenant's `set_config('app.tenant_id', …, true)` go to
 * the server as one simple-protocol query — one round trip fewer per tenant
 * transaction than a BEGIN followed by a parameterised `set_config`
 * (issue 23: each round trip is a socket write and read on both sides).
 * The tenant id is quoted by `pg`'s `escapeLiteral`, never spliced raw.
 * Savepoint names, nesting and rollback are `@effect/sql`'s own
 * (`makeWithTransaction` on its `TransactionConnection`), so a plain
 * `sql.withTransaction` inside nests as before.
 */
const pgTenantTransaction = (sql: SqlClient.SqlClient, tenantId: string) => {
  const setTenant = `SELECT set_config('app.tenant_id', ${Pg.escapeLiteral(tenantId)}, true)`
  return SqlClient.makeWithTransaction({
    transactionTag: SqlClient.TransactionConnection,
    spanAttributes: PG_TX_SPAN_ATTRIBUTES,
    acquireConnection: Effect.flatMap(Scope.make(), (scope) =>
      Effect.map(Scope.extend(sql.reserve, scope), (conn) => [scope, conn] as const)
    ),
    begin: (conn) => conn.executeUnprepared(`BEGIN; ${setTenant}`, [], undefined),
    savepoint: (conn, id) => conn.executeUnprepared(`SAVEPOINT effect_sql_${id}; ${setTenant}`, [], undefined),
    commit: (conn) => conn.executeUnprepared("COMMIT", [], undefined),
    rollback: (conn) => conn.executeUnprepared("ROLLBACK", [], undefined),
    rollbackSavepoint: (conn, id) => conn.executeUnprepared(`ROLLBACK TO SAVEPOINT effect_sql_${id}`, [], undefined)
  })
}

const PG_TX_SPAN_ATTRIBUTES: ReadonlyArray<readonly [string, unknown]> = [["db.system.name", "postgresql"]]

/**
 * Runs `self` — a single read statement, or reads that need no common
 * snapshot — for the `CurrentTenant` on the client `sql`: on Postgres in a
 * {@link tenantTx} (row-level security reads the tenant set per
 * transaction); on SQLite without a transaction, since one statement is
 * atomic and the client runs it on its single connection only between
 * other fibers' transactions (it takes the connection's one permit), so it
 * never sees another fiber's uncommitted writes. Isolation on SQLite comes
 * from the statement's `WHERE tenant_id = …`, as in a transaction. Saves BEGIN and COMMIT on every token check (issue 23).
 * SQL errors become defects.
 */
export const tenantReadOn = <A, E, R>(
  sql: SqlClient.SqlClient,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError>, R | CurrentTenant> =>
  sql.onDialectOrElse({
    pg: () => tenantTxOn(sql, self),
    orElse: () =>
      retryWhenBusy(self).pipe(Effect.catchIf(isSqlError, (e) => Effect.die(e))) as Effect.Effect<
        A,
        Exclude<E, SqlError>,
        R
      >
  })

/**
 * Runs `self` — one statement that binds the tenant itself on Postgres (a
 * function such as `signet_session_state` that calls
 * `set_config('app.tenant_id', …, true)` before it reads) — for the
 * `CurrentTenant` on the client `sql`, without a transaction on either
 * dialect: on Postgres the setting lives and dies with the statement's
 * implicit transaction, so the read is one round trip where
 * {@link tenantReadOn} costs three (BEGIN with set_config, the read,
 * COMMIT). Inside an open transaction it simply joins it. On SQLite it is
 * {@link tenantReadOn}. Only for statements written that way: a plain
 * statement run here on Postgres sees no rows (no tenant bound), it never
 * sees another tenant's. SQL errors become defects (issue 23).
 */
export const tenantBoundReadOn = <A, E, R>(
  sql: SqlClient.SqlClient,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError>, R | CurrentTenant> =>
  sql.onDialectOrElse({
    pg: () => self.pipe(Effect.catchIf(isSqlError, (e) => Effect.die(e))) as Effect.Effect<A, Exclude<E, SqlError>, R>,
    orElse: () => tenantReadOn(sql, self)
  })

/**
 * Runs `self` in a plain transaction (platform-level tables such as
 * `tenants`), turning SQL errors into defects.
 */
export const tx = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError>, R | SqlClient.SqlClient> =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      retryWhenBusy(sql.withTransaction(self)).pipe(Effect.catchIf(isSqlError, (e) => Effect.die(e))) as Effect.Effect<
        A,
        Exclude<E, SqlError>,
        R
      >
  )

/**
 * True when a SQL error is a unique-constraint violation (SQLite
 * `SQLITE_CONSTRAINT_UNIQUE`/`PRIMARYKEY`, Postgres `23505`).
 */
export const isUniqueViolation = (error: unknown): boolean => {
  const cause = (error as { cause?: any })?.cause ?? error
  const code = cause?.code
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY"
}

/**
 * Which unique constraint/index a violation names, when the driver says
 * (Postgres `constraint`, SQLite message text). Used to name the offending
 * field in a 409.
 */
export const violatedConstraint = (error: unknown): string => {
  const cause = (error as { cause?: any })?.cause ?? error
  return String(cause?.constraint ?? cause?.message ?? "")
}

/** Deadline helper for readiness probes: fails if the DB does not answer in time. */
export const ping: Effect.Effect<boolean, never, SqlClient.SqlClient> = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`SELECT 1 AS ok`.pipe(
    Effect.timeout(Duration.seconds(2)),
    Effect.map(() => true),
    Effect.catchAll(() => Effect.succeed(false))
  )
)

/** The first row of a result, if any. */
export const firstRow = <A>(rows: ReadonlyArray<A>): Option.Option<A> => Option.fromNullable(rows[0])
