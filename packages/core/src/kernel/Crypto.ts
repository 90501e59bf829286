/**
 * Envelope encryption for secrets at rest (ARCHITECTURE §3 "Secrets at rest").
 *
 * Each secret is encrypted with a fresh 256-bit data key (AES-256-GCM,
 * node:crypto); the data key is wrapped with the current master key
 * (AES-256-GCM as well). The stored form is one ASCII string:
 *
 * ```
 * sg1.<master key id>.<base64url(wrap iv ‖ wrapped DEK ‖ tag)>.<base64url(iv ‖ ciphertext ‖ tag)>
 * ```
 *
 * The caller's `aad` (e.g. `"tenant:<id>:jwt_keys:private"`) is bound to the
 * ciphertext as GCM additional data, so a value copied into another row or
 * tenant fails to decrypt. Rotating the master key only re-wraps data keys
 * ({@link Envelope.rewrap}); `signet keys rotate-master` does that for every
 * registered column.
 *
 * Master keys come from `SIGNET_MASTER_KEY` (base64 of 32 bytes; older keys in
 * `SIGNET_MASTER_KEY_PREVIOUS`, comma-separated) or from a key file (JSON,
 * mode 0600) written by `signet init`.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Config, Context, Data, Effect, Layer, Option, Redacted } from "effect"

/** Failure to load master keys or to decrypt a value. */
export class CryptoError extends Data.TaggedError("CryptoError")<{
  readonly reason:
    | "MasterKeyMissing"
    | "MasterKeyInvalid"
    | "KeyFilePermissions"
    | "UnknownKeyId"
    | "Malformed"
    | "Tampered"
  readonly message: string
}> {}

/** A set of master keys: the current one encrypts, all of them decrypt. */
export interface MasterKeyRing {
  readonly current: string
  readonly keys: ReadonlyMap<string, Redacted.Redacted<Buffer>>
}

const VERSION = "sg1"
const b64u = (b: Buffer) => b.toString("base64url")

/** Key id of a master key: first 16 hex chars of its SHA-256 (not secret). */
export const masterKeyId = (key: Buffer): string => Crypto.createHash("sha256").update(key).digest("hex").slice(0, 16)

const seal = (key: Buffer, plaintext: Buffer, aad: Buffer): Buffer => {
  const iv = Crypto.randomBytes(12)
  const cipher = Crypto.createCipheriv("aes-256-gcm", key, iv)
  cipher.setAAD(aad)
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([iv, ct, cipher.getAuthTag()])
}

const open = (key: Buffer, sealed: Buffer, aad: Buffer): Buffer => {
  if (sealed.length < 12 + 16) throw new Error("short")
  const iv = sealed.subarray(0, 12)
  const tag = sealed.subarray(sealed.length - 16)
  const ct = sealed.subarray(12, sealed.length - 16)
  const decipher = Crypto.createDecipheriv("aes-256-gcm", key, iv)
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(ct), decipher.final()])
}

/**
 * Envelope encryption service. See the module comment for the format.
 */
export class Envelope extends Context.Tag("Signet/Envelope")<
  Envelope,
  {
    /** The id of the master key new ciphertexts are wrapped with. */
    readonly currentKeyId: string
    /** Encrypts `plaintext` (UTF-8 string or bytes) bound to `aad`. */
    readonly encrypt: (plaintext: string | Uint8Array, aad: string) => Effect.Effect<string>
    /** Decrypts to bytes. Fails with `CryptoError` (Malformed / UnknownKeyId / Tampered). */
    readonly decrypt: (ciphertext: string, aad: string) => Effect.Effect<Buffer, CryptoError>
    /** Decrypts to a UTF-8 string, wrapped in `Redacted` so it never reaches a log. */
    readonly decryptString: (ciphertext: string, aad: string) => Effect.Effect<Redacted.Redacted<string>, CryptoError>
    /** Re-wraps the data key under the current master key; the payload is untouched. */
    readonly rewrap: (ciphertext: string, aad: string) => Effect.Effect<string, CryptoError>
    /** Master key id a ciphertext is wrapped with. */
    readonly keyIdOf: (ciphertext: string) => Effect.Effect<string, CryptoError>
  }
>() {}

/** Builds the {@link Envelope} service from a key ring. */
export const makeEnvelope = (ring: MasterKeyRing): Context.Tag.Service<Envelope> => {
  const keyFor = (kid: string) => Option.fromNullable(ring.keys.get(kid)).pipe(Option.map(Redacted.value))
  const current = keyFor(ring.current).pipe(Option.getOrThrow)
  const parse = (ciphertext: string) => {
    const parts = ciphertext.split(".")
    if (parts.length !== 4 || parts[0] !== VERSION) {
      return Effect.fail(new CryptoError({ reason: "Malformed", message: "not a Signet envelope ciphertext" }))
    }
    return Effect.succeed({
      kid: parts[1]!,
      wrapped: Buffer.from(parts[2]!, "base64url"),
      body: Buffer.from(parts[3]!, "base64url")
    })
  }
  const unwrapDek = (kid: string, wrapped: Buffer, aad: string) =>
    Option.match(keyFor(kid), {
      onNone: () =>
        Effect.fail(
          new CryptoError({
            reason: "UnknownKeyId",
            message: `ciphertext was wrapped with master key ${kid}, which is not configured`
          })
        ),
      onSome: (kek) =>
        Effect.try({
          try: () => open(kek, wrapped, Buffer.from(`dek|${aad}`)),
          catch: () => new CryptoError({ reason: "Tampered", message: "data key failed authentication" })
        })
    })
  const decrypt = (ciphertext: string, aad: string) =>
    Effect.gen(function* () {
      const { body, kid, wrapped } = yield* parse(ciphertext)
      const dek = yield* unwrapDek(kid, wrapped, aad)
      return yield* Effect.try({
        try: () => open(dek, body, Buffer.from(aad)),
        catch: () => new CryptoError({ reason: "Tampered", message: "ciphertext failed authentication" })
      })
    })
  return {
    currentKeyId: ring.current,
    encrypt: (plaintext, aad) =>
      Effect.sync(() => {
        const dek = Crypto.randomBytes(32)
        const body = seal(dek, Buffer.from(plaintext), Buffer.from(aad))
        const wrapped = seal(current, dek, Buffer.from(`dek|${aad}`))
        return `${VERSION}.${ring.current}.${b64u(wrapped)}.${b64u(body)}`
      }),
    decrypt,
    decryptString: (ciphertext, aad) => Effect.map(decrypt(ciphertext, aad), (b) => Redacted.make(b.toString("utf8"))),
    rewrap: (ciphertext, aad) =>
      Effect.gen(function* () {
        const { body, kid, wrapped } = yield* parse(ciphertext)
        if (kid === ring.current) return ciphertext
        const dek = yield* unwrapDek(kid, wrapped, aad)
        const rewrapped = seal(current, dek, Buffer.from(`dek|${aad}`))
        return `${VERSION}.${ring.current}.${b64u(rewrapped)}.${b64u(body)}`
      }),
    keyIdOf: (ciphertext) => Effect.map(parse(ciphertext), (p) => p.kid)
  }
}

const decodeKey = (text: string, origin: string): Effect.Effect<Buffer, CryptoError> => {
  const key = Buffer.from(text.trim(), "base64")
  return key.length === 32
    ? Effect.succeed(key)
    : Effect.fail(
        new CryptoError({
          reason: "MasterKeyInvalid",
          message: `${origin} must be base64 of exactly 32 bytes (got ${key.length}); generate one with \`signet init\` or \`openssl rand -base64 32\``
        })
      )
}

/** On-disk key file (JSON, mode 0600). */
export interface KeyFile {
  readonly version: 1
  readonly current: string
  readonly keys: Record<string, string>
}

/** Generates a new random master key (base64) and its id. */
export const generateMasterKey = (): { readonly id: string; readonly base64: string } => {
  const key = Crypto.randomBytes(32)
  return { id: masterKeyId(key), base64: key.toString("base64") }
}

/**
 * Writes a key file with mode 0600 (created exclusively unless `overwrite`).
 */
export const writeKeyFile = (path: string, file: KeyFile, overwrite = false): void => {
  Fs.mkdirSync(Path.dirname(Path.resolve(path)), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  Fs.writeFileSync(tmp, JSON.stringify(file, null, 2) + "\n", { mode: 0o600, flag: "w" })
  if (!overwrite && Fs.existsSync(path)) {
    Fs.rmSync(tmp)
    throw new Error(`${path} already exists`)
  }
  Fs.renameSync(tmp, path)
}

/**
 * Reads a key file, refusing one that group or others can read (like ssh).
 */
export const readKeyFile = (path: string): Effect.Effect<MasterKeyRing, CryptoError> =>
  Effect.gen(function* () {
    const stat = yield* Effect.try({
      try: () => Fs.statSync(path),
      catch: () =>
        new CryptoError({
          reason: "MasterKeyMissing",
          message: `master key file ${path} not found; run \`signet init\` or set SIGNET_MASTER_KEY`
        })
    })
    if ((stat.mode & 0o077) !== 0) {
      return yield* new CryptoError({
        reason: "KeyFilePermissions",
        message: `master key file ${path} is readable by others (mode ${(stat.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``
      })
    }
    const parsed = yield* Effect.try({
      try: () => JSON.parse(Fs.readFileSync(path, "utf8")) as KeyFile,
      catch: () => new CryptoError({ reason: "MasterKeyInvalid", message: `master key file ${path} is not valid JSON` })
    })
    if (
      !parsed ||
      typeof parsed.keys !== "object" ||
      typeof parsed.current !== "string" ||
      !(parsed.current in parsed.keys)
    ) {
      return yield* new CryptoError({
        reason: "MasterKeyInvalid",
        message: `master key file ${path} is malformed (needs "current" and "keys")`
      })
    }
    const keys = new Map<string, Redacted.Redacted<Buffer>>()
    for (const [kid, b64] of Object.entries(parsed.keys)) {
      const key = yield* decodeKey(b64, `key ${kid} in ${path}`)
      if (masterKeyId(key) !== kid) {
        return yield* new CryptoError({
          reason: "MasterKeyInvalid",
          message: `key id ${kid} in ${path} does not match its key`
        })
      }
      keys.set(kid, Redacted.make(key))
    }
    return { current: parsed.current, keys }
  })

/** Builds a key ring from one current key and optional previous keys (base64). */
export const ringFromKeys = (
  current: string,
  previous: ReadonlyArray<string> = []
): Effect.Effect<MasterKeyRing, CryptoError> =>
  Effect.gen(function* () {
    const cur = yield* decodeKey(current, "SIGNET_MASTER_KEY")
    const keys = new Map<string, Redacted.Redacted<Buffer>>([[masterKeyId(cur), Redacted.make(cur)]])
    for (const p of previous) {
      const k = yield* decodeKey(p, "SIGNET_MASTER_KEY_PREVIOUS")
      keys.set(masterKeyId(k), Redacted.make(k))
    }
    return { current: masterKeyId(cur), keys }
  })

/** Default key file location (next to the default SQLite database). */
export const DEFAULT_KEY_FILE = "./data/master.key"

/**
 * Loads the key ring from configuration: `SIGNET_MASTER_KEY` (+
 * `SIGNET_MASTER_KEY_PREVIOUS`) if set, else `SIGNET_MASTER_KEY_FILE`
 * (default `./data/master.key`).
 */
export const loadKeyRing: Effect.Effect<MasterKeyRing, CryptoError | import("effect/ConfigError").ConfigError> =
  Effect.gen(function* () {
    const env = yield* Config.option(Config.redacted("SIGNET_MASTER_KEY"))
    if (Option.isSome(env)) {
      const prev = yield* Config.string("SIGNET_MASTER_KEY_PREVIOUS").pipe(Config.withDefault(""))
      return yield* ringFromKeys(
        Redacted.value(env.value),
        prev
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      )
    }
    const file = yield* Config.string("SIGNET_MASTER_KEY_FILE").pipe(Config.withDefault(DEFAULT_KEY_FILE))
    return yield* readKeyFile(file)
  })

/** {@link Envelope} from configuration (see {@link loadKeyRing}). */
export const EnvelopeLive: Layer.Layer<Envelope, CryptoError | import("effect/ConfigError").ConfigError> = Layer.effect(
  Envelope,
  Effect.map(loadKeyRing, makeEnvelope)
)

/** {@link Envelope} with a random in-memory master key — for tests and embedded demos. */
export const EnvelopeEphemeral: Layer.Layer<Envelope> = Layer.effect(
  Envelope,
  Effect.map(Effect.orDie(ringFromKeys(generateMasterKey().base64)), makeEnvelope)
)
