/**
 * Owner-only files of the agent: the key file (`beacon-key.json`), the state file
 * (`beacon-state.json`) and the journal all hold secrets or student data, so they are created
 * with mode `0600` and — like the server's master key file — a key or state file that group or
 * others can read is refused (`chmod 600 <file>` fixes it).
 *
 * Writes that replace a file are atomic and durable: a temporary file in the same directory is
 * written, `fsync`ed and renamed over the target, then the directory is `fsync`ed, so a crash or
 * power cut leaves either the old content or the new one, never a torn file.
 *
 * @module
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Data, Effect, Either } from "effect"
import * as Keys from "./Keys.js"

/**
 * Any problem of the agent that ends a command: a missing or unsafe file, a refused
 * enrolment, an unreachable server… `message` is one line meant for a human and is what
 * `signet-beacon` prints (`signet-beacon: <message>`, exit code 1).
 */
export class AgentError extends Data.TaggedError("AgentError")<{
  readonly message: string
  /** Machine-readable cause when there is one (a server `reason_code`, `EEXIST`, …). */
  readonly reason?: string
}> {}

const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** `fsync`s a directory so a rename inside it survives a power cut (best effort off Linux). */
const fsyncDir = (dir: string): void => {
  let fd: number | undefined
  try {
    fd = Fs.openSync(dir, "r")
    Fs.fsyncSync(fd)
  } catch {
    // Some platforms cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) Fs.closeSync(fd)
  }
}

/**
 * Atomically replaces (or creates) `path` with `content`, mode `0600`: temporary file,
 * `fsync`, rename, directory `fsync`. Synchronous on purpose: callers rely on the data being
 * on disk when it returns (the proof counter is persisted before a proof leaves the beacon).
 *
 * @throws the underlying `fs` error (callers wrap it).
 */
export const writePrivateFileSync = (path: string, content: string): void => {
  const tmp = `${path}.${process.pid}.tmp`
  Fs.rmSync(tmp, { force: true })
  const fd = Fs.openSync(tmp, "wx", 0o600)
  try {
    Fs.fchmodSync(fd, 0o600)
    Fs.writeSync(fd, content)
    Fs.fsyncSync(fd)
  } finally {
    Fs.closeSync(fd)
  }
  Fs.renameSync(tmp, path)
  fsyncDir(Path.dirname(Path.resolve(path)))
}

/**
 * {@link writePrivateFileSync} as an effect. Without `overwrite`, an existing file is refused
 * (`AgentError` with reason `EEXIST`, naming `--force`).
 *
 * @param what - how to name the file in messages ("key file", "state file").
 */
export const writePrivateFile = (
  path: string,
  content: string,
  options: { readonly what: string; readonly overwrite: boolean }
): Effect.Effect<void, AgentError> =>
  Effect.try({
    try: () => {
      if (!options.overwrite) {
        // Exclusive create: two concurrent keygens cannot both win.
        const fd = Fs.openSync(path, "wx", 0o600)
        try {
          Fs.fchmodSync(fd, 0o600)
          Fs.writeSync(fd, content)
          Fs.fsyncSync(fd)
        } finally {
          Fs.closeSync(fd)
        }
        fsyncDir(Path.dirname(Path.resolve(path)))
      } else writePrivateFileSync(path, content)
    },
    catch: (e) =>
      errnoOf(e) === "EEXIST"
        ? new AgentError({
            message: `${options.what} ${path} already exists; use --force to replace it`,
            reason: "EEXIST"
          })
        : new AgentError({ message: `cannot write ${options.what} ${path}: ${messageOf(e)}` })
  })

/**
 * Reads a file that must be private to its owner: refuses a missing file (with `hint`, e.g.
 * "run `signet-beacon keygen`") and one whose mode gives group or others any access.
 *
 * @param what - how to name the file in messages.
 * @param hint - what to do when the file is missing.
 */
export const readPrivateFile = (path: string, what: string, hint: string): Effect.Effect<string, AgentError> =>
  Effect.gen(function* () {
    const stat = yield* Effect.try({
      try: () => Fs.statSync(path),
      catch: (e) =>
        new AgentError({
          message:
            errnoOf(e) === "ENOENT"
              ? `${what} ${path} not found; ${hint}`
              : `cannot read ${what} ${path}: ${messageOf(e)}`,
          reason: errnoOf(e) ?? "IO"
        })
    })
    if (!stat.isFile()) return yield* new AgentError({ message: `${what} ${path} is not a regular file` })
    if ((stat.mode & 0o077) !== 0) {
      return yield* new AgentError({
        message: `${what} ${path} is readable by others (mode ${(stat.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``,
        reason: "PERMISSIONS"
      })
    }
    return yield* Effect.try({
      try: () => Fs.readFileSync(path, "utf8"),
      catch: (e) => new AgentError({ message: `cannot read ${what} ${path}: ${messageOf(e)}` })
    })
  })

/** Default key file of `keygen`, `enroll`, `run` and `status`. */
export const DEFAULT_KEY_FILE = "./beacon-key.json"

/**
 * Reads and checks the beacon's key file ({@link Keys.decodeKeyFile}), refusing one readable
 * by group or others.
 */
export const readKeyFile = (path: string): Effect.Effect<Keys.BeaconKeyPair, AgentError> =>
  Effect.flatMap(readPrivateFile(path, "key file", "run `signet-beacon keygen` first"), (text) =>
    Either.match(Keys.decodeKeyFile(text), {
      onLeft: (problem) => Effect.fail(new AgentError({ message: `${path}: ${problem}`, reason: "BAD_KEY_FILE" })),
      onRight: Effect.succeed
    })
  )

/**
 * Writes a key file (`Keys.encodeKeyFile`) with mode `0600`; refuses to replace an existing
 * one unless `overwrite` (replacing the key of an enrolled beacon makes it unusable).
 */
export const writeKeyFile = (
  path: string,
  pair: Keys.BeaconKeyPair,
  overwrite: boolean
): Effect.Effect<void, AgentError> => writePrivateFile(path, Keys.encodeKeyFile(pair), { what: "key file", overwrite })
