/**
 * Issue 15 §1 "Roster zip bomb": the one bounded zip reader of roster uploads and the CLI
 * (`OneRoster.readRosterZip`, `OneRoster.readRosterSource`), in process through the
 * public core API. Pure parsing: no database.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { OneRoster } from "@signet/core"
import { generateOneRoster } from "@signet/core/testing"
import { Effect } from "effect"
import { zipSync } from "fflate"
import { afterAll, describe, expect, it } from "vitest"

const MiB = 1024 * 1024
const encoder = new TextEncoder()

/** The failure of a reader, or a test failure when it succeeds. */
const refusal = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect))

const u32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000
const setU32 = (b: Uint8Array, i: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(i, v, true)

/** Offsets of every local header (`PK\3\4`) and central-directory entry (`PK\1\2`) of a zip made by fflate. */
const headers = (zip: Uint8Array) => {
  const local: Array<number> = []
  const central: Array<number> = []
  for (let i = 0; i + 4 <= zip.length; i++) {
    const sig = u32(zip, i)
    if (sig === 0x04034b50) local.push(i)
    else if (sig === 0x02014b50) central.push(i)
  }
  return { local, central }
}

/** Rewrites the declared (uncompressed) size of every entry, in the local and the central headers. */
const declareSize = (zip: Uint8Array, size: number) => {
  const out = zip.slice()
  const { local, central } = headers(out)
  for (const o of local) setU32(out, o + 22, size)
  for (const o of central) setU32(out, o + 24, size)
  return out
}

/** Overwrites every entry's deflate data with an invalid block: inflating any of it fails. */
const spoilData = (zip: Uint8Array) => {
  const out = zip.slice()
  for (const o of headers(out).local) {
    const start = o + 30 + (out[o + 26] | (out[o + 27] << 8)) + (out[o + 28] | (out[o + 29] << 8))
    out.fill(0xff, start, start + u32(out, o + 18))
  }
  return out
}

const bombs = new Map<string, Uint8Array>()
/** A zip of `entries` zero-filled CSV entries of `size` bytes each (a bomb: ~1000:1), built once per shape. */
const zeros = (size: number, entries = 1) => {
  const key = `${size}x${entries}`
  const cached = bombs.get(key)
  if (cached !== undefined) return cached
  const content = new Uint8Array(size)
  const files: Record<string, Uint8Array> = {}
  for (let i = 0; i < entries; i++) files[`part${i}/users${i}.csv`] = content
  const zip = zipSync(files)
  bombs.set(key, zip)
  return zip
}

const generated = () =>
  new Map(
    [
      ...generateOneRoster({
        seed: 3,
        schools: 1,
        students: 20,
        teachers: 2,
        classes: 3,
        enrollmentsPerStudent: 2
      })
    ].map(([name, text]) => [name, encoder.encode(text)])
  )

const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "oneroster-zip-"))
afterAll(() => Fs.rmSync(tmp, { recursive: true, force: true }))

describe("OneRoster.readRosterZip (issue 15 §1 roster zip bomb)", () => {
  it("issue 15: reads a generated set like the files it was zipped from (folders flattened, __MACOSX and non-CSV skipped)", async () => {
    const files = generated()
    const entries: Record<string, Uint8Array> = { "export/README.txt": encoder.encode("hello") }
    for (const [name, bytes] of files) {
      entries[`export/${name}`] = bytes
      entries[`__MACOSX/export/._${name}`] = new Uint8Array([0, 1, 2])
    }
    const read = await Effect.runPromise(OneRoster.readRosterZip(zipSync(entries)))
    expect([...read.keys()]).toEqual([...files.keys()].sort())
    expect(OneRoster.parseOneRoster(read)).toEqual(OneRoster.parseOneRoster(files))
  })

  it("issue 15: an entry inflating past the total cap is refused with an error naming maxTotalBytes", async () => {
    const bomb = zeros(64 * MiB) // ~64 KB compressed
    expect(bomb.length).toBeLessThan(MiB)
    const e = await refusal(OneRoster.readRosterZip(bomb, { maxTotalBytes: 8 * MiB, maxRatio: 10_000 }))
    expect(e._tag).toBe("ValidationError")
    expect(e.message).toContain("maxTotalBytes")
    expect(e.issues[0].field).toBe("body")
  })

  it("issue 15: declared sizes are checked before inflating (entries whose data cannot even inflate are refused by the cap)", async () => {
    // Four entries of 4 MiB (the issue's 4 × 1 GiB, scaled down); their data is spoilt, so
    // any inflation would answer "not a readable zip": the cap must answer first.
    const bomb = spoilData(zeros(4 * MiB, 4))
    const e = await refusal(
      OneRoster.readRosterZip(bomb, { maxEntryBytes: 5 * MiB, maxTotalBytes: 10 * MiB, maxRatio: 10_000 })
    )
    expect(e.message).toContain("maxTotalBytes")
    expect(e.message).not.toContain("readable")
  })

  it("issue 15: a lying header (declared size small, actual large) is caught while inflating", async () => {
    const liar = declareSize(zeros(64 * MiB), 1000)
    const e = await refusal(OneRoster.readRosterZip(liar))
    expect(e.message).toContain("users0.csv inflates past its declared size of 1000 bytes")
  })

  it("issue 15: an entry over the per-entry cap is refused naming maxEntryBytes", async () => {
    const e = await refusal(OneRoster.readRosterZip(zeros(2 * MiB), { maxEntryBytes: MiB, maxRatio: 10_000 }))
    expect(e.message).toContain("maxEntryBytes")
  })

  it("issue 15: an entry compressed beyond the ratio cap is refused naming maxRatio (default 100:1)", async () => {
    const e = await refusal(OneRoster.readRosterZip(zeros(2 * MiB)))
    expect(e.message).toContain("limit maxRatio = 100")
  })

  it("issue 15: a zip listing more entries than maxEntries is refused", async () => {
    const zip = zipSync(Object.fromEntries(generated()))
    const e = await refusal(OneRoster.readRosterZip(zip, { maxEntries: 4 }))
    expect(e.message).toContain("the zip lists 7 entries (limit maxEntries = 4)")
  })

  it("issue 15: two entries with the same base name are refused", async () => {
    const users = encoder.encode("sourcedId\n")
    const e = await refusal(OneRoster.readRosterZip(zipSync({ "a/users.csv": users, "b/users.csv": users })))
    expect(e.message).toBe("body: two zip entries are named users.csv")
  })

  it("issue 15: a corrupt or empty upload keeps today's answers", async () => {
    const broken = await refusal(OneRoster.readRosterZip(new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9])))
    expect(broken.message).toBe("body: is not a readable zip archive of OneRoster CSV files")
    const empty = await refusal(OneRoster.readRosterZip(zipSync({ "notes.txt": encoder.encode("hi") })))
    expect(empty.message).toBe("body: the zip holds no CSV file")
  })

  it("issue 15: inflating a large entry yields to the event loop (timers run meanwhile)", async () => {
    const big = zeros(64 * MiB)
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    try {
      const read = await Effect.runPromise(OneRoster.readRosterZip(big, { maxRatio: 10_000 }))
      expect(read.get("users0.csv")?.length).toBe(64 * MiB)
    } finally {
      clearInterval(timer)
    }
    expect(ticks).toBeGreaterThanOrEqual(2)
  })
})

describe("OneRoster.readRosterSource (the CLI's reader, same limits)", () => {
  it("issue 15: a zip file is read under the same caps as an upload", async () => {
    const file = Path.join(tmp, "bomb.zip")
    Fs.writeFileSync(file, zeros(64 * MiB))
    const e = await refusal(OneRoster.readRosterSource(file, { maxTotalBytes: 8 * MiB, maxRatio: 10_000 }))
    expect(e.message).toMatch(/^cannot read OneRoster source '.*bomb\.zip': .*limit maxTotalBytes = 8388608/)
  })

  it("issue 15: a folder is held to maxEntries, maxEntryBytes and maxTotalBytes", async () => {
    const dir = Path.join(tmp, "folder")
    Fs.mkdirSync(dir)
    for (const [name, bytes] of generated()) Fs.writeFileSync(Path.join(dir, name), bytes)
    const count = await refusal(OneRoster.readRosterSource(dir, { maxEntries: 3 }))
    expect(count.message).toContain("the folder holds 7 .csv files (limit maxEntries = 3)")
    const entry = await refusal(OneRoster.readRosterSource(dir, { maxEntryBytes: 1000 }))
    expect(entry.message).toContain("limit maxEntryBytes = 1000")
    const total = await refusal(OneRoster.readRosterSource(dir, { maxTotalBytes: 3000 }))
    expect(total.message).toContain("limit maxTotalBytes = 3000")
    const read = await Effect.runPromise(OneRoster.readRosterSource(dir))
    expect(OneRoster.parseOneRoster(read)).toEqual(OneRoster.parseOneRoster(generated()))
  })
})
