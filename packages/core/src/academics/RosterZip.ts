/**
 * The one reader of OneRoster zip archives, for uploads (REST, the facade) and
 * the CLI alike (issue 15 §1 "Roster zip bomb": a 4 MB zip of four 1 GiB
 * entries blocked the event loop for 37 s and grew the server to 4.3 GB).
 *
 * Entries are inflated by fflate's streaming `Unzip`, the input pushed in
 * 64 KiB slices with a yield to the event loop between them, and every limit
 * is checked on the bytes actually produced — a zip header's declared size can
 * lie — so inflation stops at the first byte past a limit:
 *
 * | limit | default |
 * |---|---|
 * | `maxEntries` (CSV entries) | 64 |
 * | `maxEntryBytes` (inflated, per entry) | 256 MiB |
 * | `maxTotalBytes` (inflated, all entries) | 512 MiB |
 * | `maxRatio` (inflated ÷ compressed, per entry, past the first MiB) | 200 |
 *
 * Only `*.csv` entries are read (folders flattened, `__MACOSX/` skipped); two
 * entries with the same base name are refused.
 *
 * @module
 */
import { FieldIssue, ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { Unzip, type UnzipFile, UnzipInflate } from "fflate"

/** Limits of {@link readRosterZip} (see the module comment for the defaults). */
export interface RosterZipLimits {
  readonly maxEntries: number
  readonly maxEntryBytes: number
  readonly maxTotalBytes: number
  readonly maxRatio: number
}

/** The defaults of {@link RosterZipLimits}. */
export const DEFAULT_ROSTER_ZIP_LIMITS: RosterZipLimits = {
  maxEntries: 64,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxRatio: 200
}

/** Compressed bytes pushed to the inflater between two yields to the event loop. */
const SLICE = 64 * 1024
/** Output below this size is never judged by its compression ratio (small files compress well). */
const RATIO_GRACE = 1024 * 1024

const base = (name: string) => name.split("/").pop() ?? name

const refuse = (message: string) =>
  new ValidationError({ message: `body: ${message}`, issues: [new FieldIssue({ field: "body", message })] })

/**
 * Reads the CSV entries of a OneRoster zip into the map of base file name →
 * bytes that `OneRoster.parseOneRoster` takes.
 * @errors ValidationError (400, `field: "body"`) when the bytes are not a
 * readable zip, hold no CSV, hold two CSVs with one base name, or pass a
 * limit — the message names the limit and the entry.
 */
export const readRosterZip = (
  bytes: Uint8Array,
  overrides: Partial<RosterZipLimits> = {}
): Effect.Effect<ReadonlyMap<string, Uint8Array>, ValidationError> =>
  Effect.suspend(() => {
    const limits = { ...DEFAULT_ROSTER_ZIP_LIMITS, ...overrides }
    if (!(bytes[0] === 0x50 && bytes[1] === 0x4b)) {
      return Effect.fail(refuse("is not a readable zip archive of OneRoster CSV files"))
    }
    const files = new Map<string, Uint8Array>()
    let entries = 0
    let total = 0
    let failure: ValidationError | undefined
    const pending = new Set<string>()
    const stop = (file: UnzipFile, message: string) => {
      failure ??= refuse(message)
      file.terminate()
    }
    const unzip = new Unzip((file) => {
      if (failure) return
      const name = file.name
      if (name.startsWith("__MACOSX/") || !name.toLowerCase().endsWith(".csv")) return
      const key = base(name)
      if (files.has(key)) return stop(file, `two zip entries are named ${key}`)
      entries++
      if (entries > limits.maxEntries) return stop(file, `the zip holds more than ${limits.maxEntries} CSV files`)
      const declared = file.originalSize ?? 0
      if (declared > limits.maxEntryBytes)
        return stop(
          file,
          `${name} inflates to ${declared} bytes, over the limit of ${limits.maxEntryBytes} bytes per file`
        )
      const chunks: Array<Uint8Array> = []
      let size = 0
      files.set(key, new Uint8Array())
      pending.add(key)
      file.ondata = (error, chunk, final) => {
        if (failure) return
        if (error) return stop(file, `${name} is corrupt (${error.message})`)
        size += chunk.length
        total += chunk.length
        if (size > limits.maxEntryBytes)
          return stop(file, `${name} inflates past the limit of ${limits.maxEntryBytes} bytes per file`)
        if (total > limits.maxTotalBytes)
          return stop(file, `the CSV files inflate past the limit of ${limits.maxTotalBytes} bytes in total`)
        if (size > RATIO_GRACE && size > Math.max(1, file.size ?? 0) * limits.maxRatio)
          return stop(file, `${name} inflates more than ${limits.maxRatio} times its compressed size`)
        chunks.push(chunk)
        if (final) {
          files.set(key, concat(chunks, size))
          pending.delete(key)
        }
      }
      file.start()
    })
    unzip.register(UnzipInflate)
    const push = (offset: number): Effect.Effect<void, ValidationError> =>
      Effect.suspend(() => {
        const end = Math.min(offset + SLICE, bytes.length)
        try {
          unzip.push(bytes.subarray(offset, end), end === bytes.length)
        } catch (e) {
          failure ??= refuse(`is not a readable zip archive (${(e as Error).message})`)
        }
        if (failure) return Effect.fail(failure)
        return end === bytes.length ? Effect.void : Effect.zipRight(Effect.yieldNow(), push(end))
      })
    return push(0).pipe(
      Effect.flatMap(() => {
        if (pending.size > 0) return Effect.fail(refuse(`is truncated: ${[...pending].join(", ")} ends early`))
        if (files.size === 0) return Effect.fail(refuse("the zip holds no CSV file"))
        return Effect.succeed(new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b))))
      })
    )
  })

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}
