/**
 * Reading a OneRoster set from disk — a directory of `*.csv` files or a `.zip` — with
 * the same {@link ZipLimits} as an upload (issue 15 §1: one reader, one set of limits for
 * the CLI and REST). Node-only: `node:fs` is loaded lazily, so importing the module
 * stays free of file-system access.
 *
 * @module
 */

import { FieldIssue, ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { DEFAULT_ZIP_LIMITS, RosterSourceRefused, unzipRoster, type ZipLimits } from "./zip.js"

/** The refusal of a path, as the CLI prints it: `cannot read OneRoster source '<path>': <reason>`. */
const sourceError = (path: string, reason: string): ValidationError =>
  new ValidationError({
    message: `cannot read OneRoster source '${path}': ${reason}`,
    issues: [new FieldIssue({ field: "source", message: reason })]
  })

/** The reason printed for a refused zip (`invalid zip: …` for a corrupt one, as before). */
const zipReason = (refused: RosterSourceRefused): string =>
  refused.kind === "unreadable" ? `invalid zip: ${refused.reason}` : refused.reason

/** The `*.csv` files of a directory (not recursive), sorted, checked against the limits before reading. */
const readFolder = (path: string, limits: ZipLimits): Effect.Effect<Map<string, Uint8Array>, RosterSourceRefused> =>
  Effect.gen(function* () {
    const Fs = yield* Effect.promise(() => import("node:fs/promises"))
    const Path = yield* Effect.promise(() => import("node:path"))
    const fsFail = (e: unknown) => new RosterSourceRefused({ kind: "unreadable", reason: (e as Error).message })
    const dirents = yield* Effect.tryPromise({ try: () => Fs.readdir(path, { withFileTypes: true }), catch: fsFail })
    const names = dirents
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith(".csv"))
      .map((e) => e.name)
      .sort()
    if (names.length > limits.maxEntries) {
      return yield* new RosterSourceRefused({
        kind: "limit",
        limit: "maxEntries",
        reason: `the folder holds ${names.length} .csv files (limit maxEntries = ${limits.maxEntries})`
      })
    }
    const files = new Map<string, Uint8Array>()
    let total = 0
    for (const name of names) {
      const file = Path.join(path, name)
      const { size } = yield* Effect.tryPromise({ try: () => Fs.stat(file), catch: fsFail })
      total += size
      const limit: keyof ZipLimits | null =
        size > limits.maxEntryBytes ? "maxEntryBytes" : total > limits.maxTotalBytes ? "maxTotalBytes" : null
      if (limit !== null) {
        const what =
          limit === "maxEntryBytes" ? `${name} is ${size} bytes` : `the files up to ${name} are ${total} bytes`
        return yield* new RosterSourceRefused({
          kind: "limit",
          limit,
          reason: `${what} (limit ${limit} = ${limits[limit]})`
        })
      }
      const bytes = yield* Effect.tryPromise({ try: () => Fs.readFile(file), catch: fsFail })
      files.set(name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
    if (files.size === 0) return yield* new RosterSourceRefused({ kind: "empty", reason: "no .csv file found" })
    return files
  })

/**
 * Reads a OneRoster set from a directory (its `*.csv` files, not recursive) or a `.zip`
 * (through the same reader as uploads: `*.csv` entries, folders flattened, `__MACOSX/`
 * skipped), as the files map that `parseOneRoster` takes, sorted by name. A folder is
 * held to `maxEntries` (its `.csv` count), `maxEntryBytes` and `maxTotalBytes`.
 *
 * @param path a directory or a `.zip` file.
 * @param limits caps overriding {@link DEFAULT_ZIP_LIMITS} one by one.
 * @error ValidationError (field `source`) with the message `cannot read OneRoster source
 *   '<path>': <reason>` — the path is missing or unreadable, is neither a directory nor
 *   a zip, the zip is corrupt (`invalid zip: …`), a cap is passed (named), two entries
 *   flatten to the same name, or there is no `.csv` at all.
 */
export const readRosterSource = (
  path: string,
  limits?: Partial<ZipLimits>
): Effect.Effect<ReadonlyMap<string, Uint8Array>, ValidationError> =>
  Effect.gen(function* () {
    const all: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits }
    const Fs = yield* Effect.promise(() => import("node:fs/promises"))
    const refuse = (reason: string) => Effect.fail(sourceError(path, reason))
    const stat = yield* Effect.tryPromise({ try: () => Fs.stat(path), catch: (e) => (e as Error).message }).pipe(
      Effect.catchAll(refuse)
    )
    if (stat.isDirectory()) {
      return yield* readFolder(path, all).pipe(Effect.catchAll((r) => refuse(r.reason)))
    }
    if (!stat.isFile()) return yield* refuse("not a directory or a .zip file")
    if (stat.size > all.maxTotalBytes) {
      return yield* refuse(`the file is ${stat.size} bytes (limit maxTotalBytes = ${all.maxTotalBytes})`)
    }
    const buffer = yield* Effect.tryPromise({ try: () => Fs.readFile(path), catch: (e) => (e as Error).message }).pipe(
      Effect.catchAll(refuse)
    )
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    if (!(bytes[0] === 0x50 && bytes[1] === 0x4b)) return yield* refuse("not a directory or a .zip file")
    return yield* unzipRoster(bytes, all).pipe(Effect.catchAll((r) => refuse(zipReason(r))))
  }).pipe(Effect.withSpan("OneRoster.readRosterSource", { attributes: { path } }))

/**
 * Promise form of {@link readRosterSource} with the default limits (kept for scripts and
 * tests that read the shared sample sets).
 *
 * @throws Error `cannot read OneRoster source '<path>': <reason>` (see {@link readRosterSource}).
 */
export const readOneRosterSource = async (path: string): Promise<ReadonlyMap<string, Uint8Array>> => {
  const result = await Effect.runPromise(Effect.either(readRosterSource(path)))
  if (result._tag === "Left") throw new Error(result.left.message)
  return result.right
}
