/**
 * Configuration resolution for the CLI: flags > environment > config file >
 * defaults. The config file (JSON, default `./signet.json`, or
 * `SIGNET_CONFIG`) uses the environment variable names as keys, e.g.
 * `{ "DATABASE_URL": "sqlite:./data/signet.db", "SIGNET_PORT": 8080 }`.
 *
 * @module
 */

import * as Fs from "node:fs"
import { ConfigProvider, Data, Effect, Layer } from "effect"

/** A configuration problem, reported as one line. */
export class ConfigFileError extends Data.TaggedError("ConfigFileError")<{ readonly message: string }> {}

/** Default config file path. */
export const DEFAULT_CONFIG_FILE = "./signet.json"

/** The config file path in force. */
export const configFilePath = (): string => process.env.SIGNET_CONFIG ?? DEFAULT_CONFIG_FILE

/** Reads the config file (absent → empty). Fails on unreadable or malformed JSON. */
export const readConfigFile = (path = configFilePath()): Effect.Effect<Record<string, string>, ConfigFileError> =>
  Effect.gen(function* () {
    if (!Fs.existsSync(path)) {
      if (process.env.SIGNET_CONFIG) {
        return yield* new ConfigFileError({
          message: `config file ${path} (SIGNET_CONFIG) does not exist; run \`signet init\``
        })
      }
      return {}
    }
    const text = yield* Effect.try({
      try: () => Fs.readFileSync(path, "utf8"),
      catch: (e) => new ConfigFileError({ message: `cannot read config file ${path}: ${(e as Error).message}` })
    })
    const parsed = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) =>
        new ConfigFileError({
          message: `config file ${path} is not valid JSON (${(e as Error).message}); fix it or remove it to use defaults`
        })
    })
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return yield* new ConfigFileError({ message: `config file ${path} must hold a JSON object` })
    }
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(parsed)) {
      if (v !== null && v !== undefined) out[k] = typeof v === "string" ? v : JSON.stringify(v)
    }
    return out
  })

/**
 * A `ConfigProvider` layer: `flags` first, then the environment, then the
 * config file. Flag keys use the environment names (`SIGNET_PORT`).
 */
export const configLayer = (flags: Record<string, string | undefined> = {}) =>
  Layer.unwrapEffect(
    Effect.map(readConfigFile(), (file) => {
      const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >
      const provider = ConfigProvider.fromMap(new Map(Object.entries(given))).pipe(
        ConfigProvider.orElse(() => ConfigProvider.fromEnv()),
        ConfigProvider.orElse(() => ConfigProvider.fromMap(new Map(Object.entries(file))))
      )
      return Layer.setConfigProvider(provider)
    })
  )
