/**
 * Operating commands (issue 7 §2): `signet doctor` checks an installation;
 * `signet backup` / `signet restore` copy a SQLite database safely (the
 * online backup API, then an integrity check). For Postgres they print the
 * `pg_dump` / `pg_restore` equivalent (docs/operations.md).
 *
 * @module
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { Args, Command, Options } from "@effect/cli"
import { SqlClient } from "@effect/sql"
import { Core, Crypto, Db, Mailer, Migrations, mailConfig, smtpMailer } from "@signet/core"
import { SigningKeysRepo } from "@signet/core/identity/repo/SigningKeys"
import { Config, Console, Context, Data, Duration, Effect, Layer, Option, Redacted } from "effect"
import { table } from "../Output.js"
import { configFilePath, configLayer, readConfigFile } from "../Settings.js"

/** A failed operation of these commands (exit code 1, one line). */
export class OpsError extends Data.TaggedError("OpsError")<{ readonly message: string }> {}

/** One line of `signet doctor`. */
export type Check = {
  readonly check: string
  readonly status: "ok" | "warn" | "fail"
  readonly detail: string
}

const json = Options.boolean("json").pipe(Options.withDescription("Print the result as JSON"))

/** Opens the configured database (no migrations) for `use`. */
const withDatabase = <A, E>(url: string, use: Effect.Effect<A, E, SqlClient.SqlClient | Db.Database>) =>
  Effect.scoped(Effect.flatMap(Layer.build(Db.layer({ url, create: false })), (ctx) => Effect.provide(use, ctx)))

/** `PRAGMA integrity_check` of a SQLite file: "ok" or the first problems. */
const integrityOf = (file: string): Effect.Effect<string> =>
  withDatabase(
    `sqlite:${file}`,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.map(sql.unsafe<{ integrity_check: string }>("PRAGMA integrity_check"), (rows) =>
        rows.map((r) => r.integrity_check).join("; ")
      )
    )
  ).pipe(Effect.catchAllCause(() => Effect.succeed("not a readable SQLite database")))

/**
 * The database's directory (expected 0700) and files (`.db`, `-wal`, `-shm`,
 * expected 0600) whose mode lets group or others in, as `path (mode)`.
 */
export const filesWiderThanOwner = (dbFile: string): Array<string> => {
  const wide: Array<string> = []
  const check = (path: string, allowed: number) => {
    if (!Fs.existsSync(path)) return
    const mode = Fs.statSync(path).mode & 0o777
    if ((mode & ~allowed) !== 0) wide.push(`${path} (${mode.toString(8).padStart(4, "0")})`)
  }
  check(Path.dirname(dbFile), 0o700)
  for (const suffix of ["", "-wal", "-shm"]) check(`${dbFile}${suffix}`, 0o600)
  return wide
}

const portFree = (host: string, port: number) =>
  Effect.async<boolean>((resume) => {
    const s = Net.createServer()
    s.once("error", () => resume(Effect.succeed(false)))
    s.listen(port, host, () => s.close(() => resume(Effect.succeed(true))))
  })

/**
 * The mail check (issue 18): with `SIGNET_SMTP_URL`, connect and
 * authenticate (no mail sent) within 20 s — `fail` when that does not
 * work; without it, `warn`: the development-only log transport prints
 * messages (reset links included) to the log.
 */
export const smtpCheck: Effect.Effect<Check> = Effect.gen(function* () {
  const config = yield* Effect.either(mailConfig)
  if (config._tag === "Left") return { check: "smtp", status: "fail", detail: String(config.left) } as const
  if (Option.isNone(config.right.smtpUrl))
    return {
      check: "smtp",
      status: "warn",
      detail: "SIGNET_SMTP_URL unset: mails go to the log transport (development only: it prints reset links)"
    } as const
  const target = new URL(Redacted.value(config.right.smtpUrl.value))
  const where = `${target.protocol}//${target.host} as ${config.right.from}`
  const verified = yield* Effect.either(
    Effect.scoped(
      Effect.flatMap(
        Layer.build(smtpMailer(config.right.smtpUrl.value, { from: config.right.from, publicOrigin: "" })),
        (ctx) =>
          Effect.timeoutFail(Context.get(ctx, Mailer).verify, {
            duration: Duration.seconds(20),
            onTimeout: () => ({ message: "no answer within 20 s" })
          })
      )
    )
  )
  return verified._tag === "Right"
    ? ({ check: "smtp", status: "ok", detail: `${where}: connected and accepted` } as const)
    : ({ check: "smtp", status: "fail", detail: `${where}: ${verified.left.message}` } as const)
})

/**
 * The SMS transport (issue 18, `accounts/Sms.ts`): `SIGNET_SMS_TRANSPORT`
 * must be `http` (default) or `log`; `log` prints every message, codes
 * included, so it is a warning (development only); `http` needs a whole
 * number of milliseconds in `SIGNET_SMS_TIMEOUT_MS` (default 10 000). The
 * provider's URL and credentials are each tenant's `sms` channel, not the
 * installation's, so they are not probed here.
 */
export const smsCheck: Effect.Effect<Check> = Effect.gen(function* () {
  const transport = yield* Effect.either(
    Config.literal("http", "log")("SIGNET_SMS_TRANSPORT").pipe(Config.withDefault("http"))
  )
  if (transport._tag === "Left")
    return { check: "sms", status: "fail", detail: "SIGNET_SMS_TRANSPORT must be http or log" } as const
  if (transport.right === "log")
    return {
      check: "sms",
      status: "warn",
      detail: "SIGNET_SMS_TRANSPORT=log: development only, every SMS (codes included) is printed to the log"
    } as const
  const timeout = yield* Effect.either(Config.integer("SIGNET_SMS_TIMEOUT_MS").pipe(Config.withDefault(10_000)))
  if (timeout._tag === "Left" || timeout.right <= 0)
    return { check: "sms", status: "fail", detail: "SIGNET_SMS_TIMEOUT_MS must be a positive whole number" } as const
  return {
    check: "sms",
    status: "ok",
    detail: `http: each tenant's sms channel (URL, credentials), timeout ${timeout.right} ms`
  } as const
})

/** `signet doctor`: configuration, master key, database, migrations, signing keys, clock, port. */
export const doctor = Command.make("doctor", { json }, (opts) =>
  Effect.gen(function* () {
    const checks: Array<Check> = []
    const add = (check: string, status: Check["status"], detail: string) => checks.push({ check, status, detail })

    const file = configFilePath()
    const fileResult = yield* Effect.either(readConfigFile(file))
    if (fileResult._tag === "Left") add("config file", "fail", fileResult.left.message)
    else
      add(
        "config file",
        Fs.existsSync(file) ? "ok" : "warn",
        Fs.existsSync(file)
          ? `${Path.resolve(file)} (${Object.keys(fileResult.right).length} settings)`
          : `${file} not found: environment and defaults only`
      )

    const settings = yield* Effect.either(
      Config.all({
        databaseUrl: Db.databaseUrlConfig,
        pgAppRole: Db.pgAppRoleConfig,
        host: Config.string("SIGNET_HOST").pipe(Config.withDefault("127.0.0.1")),
        port: Config.integer("SIGNET_PORT").pipe(Config.withDefault(8080))
      })
    )
    if (settings._tag === "Left") {
      add("configuration", "fail", String(settings.left))
    } else {
      const { databaseUrl, pgAppRole, host, port } = settings.right
      const key = yield* Effect.either(Crypto.loadKeyRing)
      add(
        "master key",
        key._tag === "Right" ? "ok" : "fail",
        key._tag === "Right"
          ? `current key ${key.right.current}${key.right.keys.size > 1 ? ` (+${key.right.keys.size - 1} previous)` : ""}`
          : ((key.left as { message?: string }).message ?? String(key.left))
      )
      const parsed = yield* Effect.either(Db.parseDatabaseUrl(databaseUrl))
      const db = yield* Effect.either(
        withDatabase(
          databaseUrl,
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const info = yield* Db.Database
            const statuses = yield* Migrations.status(Core.allMigrations(pgAppRole))
            const pending = statuses.filter((s) => s.applied < s.latest)
            let pragmas = ""
            if (info.dialect === "sqlite") {
              const mode = yield* sql.unsafe<{ journal_mode: string }>("PRAGMA journal_mode")
              const sync = yield* sql.unsafe<{ synchronous: number }>("PRAGMA synchronous")
              const check = yield* sql.unsafe<{ quick_check: string }>("PRAGMA quick_check")
              pragmas = `journal_mode=${mode[0]?.journal_mode}, synchronous=${sync[0]?.synchronous === 2 ? "FULL" : sync[0]?.synchronous}, quick_check=${check[0]?.quick_check}`
            }
            let dbClock: number | null = null
            if (info.dialect === "pg") {
              const r = yield* sql.unsafe<{ now: string }>("SELECT now() AS now")
              dbClock = Date.parse(String(r[0]?.now))
            }
            // Counted by the table's owner (issue 14 §2); before migrations the table may not exist.
            const signingKeys =
              pending.length === 0
                ? yield* Effect.provide(
                    Effect.flatMap(SigningKeysRepo, (repo) => repo.count),
                    SigningKeysRepo.Default
                  )
                : 0
            return { info, pending, statuses, pragmas, dbClock, signingKeys }
          })
        )
      )
      if (db._tag === "Left") {
        add("database", "fail", (db.left as { message?: string }).message ?? String(db.left))
      } else {
        const d = db.right
        add(
          "database",
          d.pragmas.includes("quick_check=ok") || d.info.dialect === "pg" ? "ok" : "fail",
          `${d.info.dialect} ${d.info.location}${d.pragmas ? `; ${d.pragmas}` : ""}`
        )
        add(
          "migrations",
          d.pending.length === 0 ? "ok" : "warn",
          d.pending.length === 0
            ? `${d.statuses.length} modules current`
            : `pending: ${d.pending.map((p) => `${p.module} ${p.applied}/${p.latest}`).join(", ")} (run signet migrate)`
        )
        if (d.pending.length === 0)
          add(
            "signing keys",
            d.signingKeys > 0 ? "ok" : "warn",
            d.signingKeys > 0 ? `${d.signingKeys} JWT signing key(s)` : "none yet: created on the first login"
          )
        const drift = d.dbClock === null ? null : Date.now() - d.dbClock
        add(
          "clock",
          drift !== null && Math.abs(drift) > 2000 ? "warn" : "ok",
          `${new Date().toISOString()} (${Intl.DateTimeFormat().resolvedOptions().timeZone})${
            drift === null ? "" : `; database clock ${drift >= 0 ? "+" : ""}${-drift} ms`
          }; tokens allow 5 s of skew, beacons 30 s`
        )
      }
      if (parsed._tag === "Left") add("database url", "fail", parsed.left.message)
      else if (parsed.right.dialect === "sqlite" && parsed.right.filename !== ":memory:") {
        const wide = filesWiderThanOwner(Path.resolve(parsed.right.filename))
        add(
          "file permissions",
          wide.length === 0 ? "ok" : "warn",
          wide.length === 0
            ? "data directory 0700, database files 0600"
            : `readable by others: ${wide.join(", ")} (chmod 700 the directory, 600 the files)`
        )
      }
      checks.push(yield* smtpCheck)
      checks.push(yield* smsCheck)
      const free = yield* portFree(host, port)
      add(
        "port",
        free ? "ok" : "warn",
        free ? `${host}:${port} is free` : `${host}:${port} is in use (a running signet serve?)`
      )
    }
    const failed = checks.some((c) => c.status === "fail")
    if (opts.json) yield* Console.log(JSON.stringify({ ok: !failed, checks }, null, 2))
    else yield* table(checks, ["check", "status", "detail"])
    if (failed) return yield* new OpsError({ message: "doctor found problems (status fail above)" })
  }).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Check an installation: config file, master key, database (SQLite pragmas and quick_check), migrations, signing keys, clock, SMTP, SMS transport, port.\nExit code 1 when a check fails.\nExamples:\n  signet doctor\n  signet doctor --json"
  )
)

const target = Args.file({ name: "file" }).pipe(Args.withDescription("The backup file"))
const force = Options.boolean("force").pipe(Options.withDescription("Overwrite an existing file / database"))

/** The configured SQLite file, or the Postgres instructions as an error. */
const sqliteFile = Effect.gen(function* () {
  const url = yield* Db.databaseUrlConfig
  const parsed = yield* Db.parseDatabaseUrl(url)
  if (parsed.dialect === "pg")
    return yield* new OpsError({
      message:
        'DATABASE_URL is Postgres: use pg_dump -Fc -d "$DATABASE_URL" -f signet.dump (restore: pg_restore --clean -d "$DATABASE_URL" signet.dump); see docs/operations.md'
    })
  if (parsed.filename === ":memory:")
    return yield* new OpsError({ message: "an in-memory database cannot be backed up" })
  return Path.resolve(parsed.filename)
})

/** `signet backup <file>`: SQLite online backup (consistent while the server runs), then an integrity check. */
export const backup = Command.make("backup", { file: target, force, json }, (opts) =>
  Effect.gen(function* () {
    const source = yield* sqliteFile
    const dest = Path.resolve(opts.file)
    if (Fs.existsSync(dest) && !opts.force)
      return yield* new OpsError({ message: `${dest} exists; use --force to overwrite it` })
    if (!Fs.existsSync(source)) return yield* new OpsError({ message: `no database at ${source}` })
    const started = Date.now()
    yield* withDatabase(
      `sqlite:${source}`,
      Effect.flatMap(SqlClient.SqlClient, (sql) => {
        const client = sql as unknown as { backup?: (destination: string) => Effect.Effect<unknown, unknown> }
        return client.backup
          ? client.backup(dest)
          : Effect.fail(new OpsError({ message: "this SQLite driver has no online backup" }))
      })
    ).pipe(
      Effect.mapError((e) => new OpsError({ message: `backup failed: ${(e as { message?: string }).message ?? e}` }))
    )
    // A backup holds what the database holds (password hashes, personal data): owner-only.
    Fs.chmodSync(dest, 0o600)
    const integrity = yield* integrityOf(dest)
    if (integrity !== "ok")
      return yield* new OpsError({ message: `the backup ${dest} failed its integrity check: ${integrity}` })
    const result = { source, backup: dest, bytes: Fs.statSync(dest).size, ms: Date.now() - started, integrity }
    yield* Console.log(
      opts.json
        ? JSON.stringify(result, null, 2)
        : `backed up ${source} → ${dest} (${result.bytes} bytes, ${result.ms} ms, integrity ok)`
    )
  }).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Back up the SQLite database with SQLite's online backup API (safe while `signet serve` runs), then check the copy's integrity. On Postgres it prints the pg_dump command.\nExamples:\n  signet backup ./backups/signet-2026-11-21.db"
  )
)

/** `signet restore <file>`: replaces the SQLite database with a checked backup (the server must be stopped). */
export const restore = Command.make("restore", { file: target, force, json }, (opts) =>
  Effect.gen(function* () {
    const dest = yield* sqliteFile
    const from = Path.resolve(opts.file)
    if (!Fs.existsSync(from)) return yield* new OpsError({ message: `no backup at ${from}` })
    const integrity = yield* integrityOf(from)
    if (integrity !== "ok") return yield* new OpsError({ message: `${from} failed its integrity check: ${integrity}` })
    // Replacing a database that a running server holds open would lose the writes it has
    // acknowledged since (its WAL is removed under it): refuse, whatever --force says.
    if (yield* Db.sqliteInUse(dest))
      return yield* new OpsError({
        message: `${dest} is open in another process (a running signet serve?); stop it, then restore`
      })
    if (Fs.existsSync(dest) && !opts.force)
      return yield* new OpsError({
        message: `${dest} exists; stop the server and rerun with --force (the current database is kept as ${Path.basename(dest)}.before-restore-…)`
      })
    let kept: string | null = null
    if (Fs.existsSync(dest)) {
      kept = `${dest}.before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}`
      // A consistent copy of the current database (with its WAL) before it is replaced.
      yield* withDatabase(
        `sqlite:${dest}`,
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe("PRAGMA wal_checkpoint(TRUNCATE)"))
      ).pipe(Effect.orElseSucceed(() => undefined))
      Fs.copyFileSync(dest, kept)
      Fs.chmodSync(kept, 0o600)
    }
    for (const suffix of ["-wal", "-shm"]) Fs.rmSync(`${dest}${suffix}`, { force: true })
    Fs.mkdirSync(Path.dirname(dest), { recursive: true, mode: 0o700 })
    Fs.copyFileSync(from, dest)
    Fs.chmodSync(dest, 0o600)
    const result = { restored: dest, from, previous: kept }
    yield* Console.log(
      opts.json
        ? JSON.stringify(result, null, 2)
        : `restored ${dest} from ${from}${kept ? `; the previous database is kept as ${kept}` : ""}. Start signet serve (migrations run if the backup is older).`
    )
  }).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Replace the SQLite database with a backup after checking its integrity (stop the server first). The current database is kept next to it. On Postgres it prints the pg_restore command.\nExamples:\n  signet restore ./backups/signet-2026-11-21.db --force"
  )
)
