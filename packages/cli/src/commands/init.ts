/**
 * `signet init` — prepare an installation: data directory, master key file
 * (mode 0600), config file (mode 0600: it holds the bootstrap operator
 * token) and the migrated database.
 *
 * @module
 */

import * as NodeCrypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Command, Options } from "@effect/cli"
import { Core, Crypto } from "@signet/core"
import { Console, Effect, Layer } from "effect"
import { ConfigFileError, configFilePath } from "../Settings.js"

const dataDir = Options.directory("data-dir").pipe(
  Options.withDescription("Where the database and key file live (default ./data)"),
  Options.withDefault("./data")
)
const databaseUrl = Options.text("database-url").pipe(
  Options.withDescription("Database to use instead of <data-dir>/signet.db (sqlite:<path> or postgres://…)"),
  Options.optional
)
const force = Options.boolean("force").pipe(
  Options.withDescription("Overwrite an existing config file (never an existing key file)")
)
const json = Options.boolean("json").pipe(Options.withDescription("Print the result as JSON"))

/** `signet init`. */
export const init = Command.make("init", { dataDir, databaseUrl, force, json }, (opts) =>
  Effect.gen(function* () {
    const configPath = configFilePath()
    if (Fs.existsSync(configPath) && !opts.force) {
      return yield* new ConfigFileError({ message: `${configPath} already exists; use --force to overwrite it` })
    }
    const dir = Path.resolve(opts.dataDir)
    yield* Effect.try({
      try: () => {
        Fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
        Fs.accessSync(dir, Fs.constants.W_OK)
      },
      catch: (e) => new ConfigFileError({ message: `data directory ${dir} is not writable (${(e as Error).message})` })
    })
    const keyFile = Path.join(dir, "master.key")
    if (!Fs.existsSync(keyFile)) {
      const key = Crypto.generateMasterKey()
      Crypto.writeKeyFile(keyFile, { version: 1, current: key.id, keys: { [key.id]: key.base64 } })
    }
    const ring = yield* Crypto.readKeyFile(keyFile)
    const keyId = ring.current
    const dbUrl = opts.databaseUrl._tag === "Some" ? opts.databaseUrl.value : `sqlite:${Path.join(dir, "signet.db")}`
    const token = `sgop_${NodeCrypto.randomBytes(32).toString("base64url")}`
    const config = {
      DATABASE_URL: dbUrl,
      SIGNET_MASTER_KEY_FILE: keyFile,
      SIGNET_BOOTSTRAP_TOKEN: token,
      SIGNET_HOST: "127.0.0.1",
      SIGNET_PORT: 8080
    }
    Fs.writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 })
    Fs.chmodSync(configPath, 0o600)
    // The database is opened with the key this command wrote, wherever --data-dir put it (not
    // with SIGNET_MASTER_KEY_FILE's default, ./data/master.key, relative to the current folder).
    const envelope = Layer.succeed(Crypto.Envelope, Crypto.makeEnvelope(ring))
    const applied = yield* Layer.build(Core.layer({ databaseUrl: dbUrl, envelope })).pipe(
      Effect.zipRight(Effect.succeed(true)),
      Effect.scoped
    )
    const result = {
      config_file: Path.resolve(configPath),
      data_dir: dir,
      key_file: keyFile,
      master_key_id: keyId,
      database_url: dbUrl,
      migrated: applied
    }
    if (opts.json) return yield* Console.log(JSON.stringify({ ...result, bootstrap_token: token }, null, 2))
    yield* Console.log(
      [
        `Initialised Signet in ${dir}`,
        `  config file      ${result.config_file} (mode 600)`,
        `  master key file  ${keyFile} (mode 600, key ${keyId})`,
        `  database         ${dbUrl} (migrated)`,
        `  operator token   ${token}`,
        "",
        "Next: signet serve   — then open http://127.0.0.1:8080/docs"
      ].join("\n")
    )
  })
).pipe(
  Command.withDescription(
    "Create the data directory, a master key file (0600), a config file and the database.\n" +
      "Examples:\n  signet init\n  signet init --data-dir /var/lib/signet\n  signet init --database-url postgres://signet@db/signet"
  )
)
